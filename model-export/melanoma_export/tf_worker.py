"""Run the source model on TensorFlow, in its own process (Keras picks its backend per process).

    python -m melanoma_export.tf_worker REQUEST.json

REQUEST: {"source": Source.to_json(), "inputs": "x.npy", "output": "y.npy"[, "camOutput": "cam.npy"]
[, "extraInputs": ["m.npy", ...]]} (extra inputs: the model's further inputs, fed after the image).
Writes the probabilities to ``output`` (and, when asked, the class activation maps TensorFlow computes, heatmap.py,
to ``camOutput``) and prints one JSON line with the weights digest, so the caller can check that torch and
TensorFlow loaded the very same weights.
"""

from __future__ import annotations

import json
import sys

from melanoma_export import backend

backend.use("tensorflow")


def main(argv=None) -> int:
    import numpy as np

    from melanoma_export.errors import ExportError
    from melanoma_export.export import keras_predict
    from melanoma_export.sources import Source, load_model, weights_digest

    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as f:
        req = json.load(f)
    try:
        source = Source.from_json(req["source"])
        model = load_model(source)
        x = np.load(req["inputs"])
        extras = [np.load(p) for p in req.get("extraInputs", [])]
        if extras:  # image first, then the further inputs (e.g. patient metadata), row by row
            import keras

            b = int(req.get("batch", 8))
            y = np.concatenate([np.asarray(keras.ops.convert_to_numpy(
                model([x[i:i + b], *(e[i:i + b] for e in extras)], training=False)), np.float32)
                for i in range(0, len(x), b)])
        else:
            y = keras_predict(model, x, batch=int(req.get("batch", 8)))
        if req.get("camOutput"):
            from melanoma_export.heatmap import keras_cam

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
