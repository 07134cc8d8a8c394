"""Run the source model on TensorFlow, in its own process (Keras picks its backend per process).

    python -m melanoma_export.tf_worker REQUEST.json

REQUEST: {"source": Source.to_json(), "inputs": "x.npy", "output": "y.npy"[, "metadataInputs": "m.npy"]
[, "camOutput": "cam.npy"]}; with metadataInputs the model's second input gets those rows beside the images.
Writes the probabilities to ``output`` (and, when asked, the class activation maps TensorFlow computes, heatmap.py,
to ``camOutput``) and prints one JSON line with the weights digest, so the caller can check that torch and
TensorFlow loaded the very same weights.
"""

from __future__ import annotations

import json
import sys

from melanoma_export import backend
from melanoma_export.errors import ExportError
from melanoma_export.export import keras_predict
from melanoma_export.heatmap import keras_cam
from melanoma_export.metadata import ModelInputs
from melanoma_export.sources import Source, load_model, weights_digest

backend.use("tensorflow")


def main(argv=None) -> int:
    import numpy as np

    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as f:
        req = json.load(f)
    try:
        source = Source.from_json(req["source"])
        model = load_model(source)
        x = np.load(req["inputs"])
        if req.get("metadataInputs"):
            x = ModelInputs(x, np.load(req["metadataInputs"]))
        y = keras_predict(model, x, batch=int(req.get("batch", 8)))
        if req.get("camOutput"):
            np.save(req["camOutput"], keras_cam(model, x, batch=int(req.get("batch", 8))))
    except ExportError as e:
        print(json.dumps({"error": str(e), "type": type(e).__name__}))
        return 1
    np.save(req["output"], y)
    import keras
    import tensorflow as tf

    print(json.dumps({"weightsDigest": weights_digest(model), "tensorflow": tf.__version__,
                      "keras": keras.__version__}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
