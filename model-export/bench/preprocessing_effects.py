"""What the old Flask app's preprocessing mistakes do to the input and to the probability, on the real photos.

    python model-export/bench/preprocessing_effects.py --model models/efficientnetb4-demo/1 \
        --images testdata/dermoscopy

Compares the reference tensor (what the service must feed) against the old Flask app's mistakes: ``no-crop`` (whole image resized), ``bgr`` (channels swapped),
  ``grey`` (luma replicated), ``no-crop+bgr``. (The preprocessing choices a spec can name, the JPEG round
  trip among them, are measured by preprocessing_choices.py.)

With the untrained demo model the probabilities mean nothing; the |dprobability| figures only show how
far each mistake moves the input in the model's eyes. Rerun with a trained model for real figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from melanoma_export import backend  # noqa: E402

backend.use("torch")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--model", default="models/efficientnetb4-demo/1")
    ap.add_argument("--images", default="testdata/dermoscopy")
    args = ap.parse_args()

    import numpy as np

    from melanoma_export.parity import onnx_probabilities
    from melanoma_export.preprocessing import Normalization, Preprocessing, list_images, reference_tensor, to_model_input
    from melanoma_export.spec import read_spec

    spec = read_spec(args.model)
    pp = Preprocessing.from_spec(spec["input"])
    norm = Normalization.from_spec(spec["input"]["normalization"])
    no_crop = pp.replace(center_crop_fraction=1.0)
    files = list_images(args.images, subdirs=())
    variants = {k: [] for k in ("reference", "no-crop", "bgr", "grey", "no-crop+bgr")}
    for f in files:
        t, _ = reference_tensor(str(f), pp)
        full, _ = reference_tensor(str(f), no_crop)
        grey = np.round(t.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))
        variants["reference"].append(t)
        variants["no-crop"].append(full)
        variants["bgr"].append(t[..., ::-1])
        variants["grey"].append(np.repeat(np.clip(grey, 0, 255)[..., None], 3, -1).astype(np.uint8))
        variants["no-crop+bgr"].append(full[..., ::-1])
    probs = {k: onnx_probabilities(os.path.join(args.model, "model.onnx"), to_model_input(np.stack(v), norm),
                                   batch=1)[:, 0] for k, v in variants.items()}
    ref_t = np.stack(variants["reference"]).astype(np.int32)
    print(f"{len(files)} images from {args.images}; model {spec['name']} v{spec['version']} "
          f"(trained: {str(spec['trained']).lower()})")
    print(f"{'variant':14s} {'mean|dpixel|':>12s} {'mean|dp|':>9s} {'median|dp|':>10s} {'max|dp|':>8s}")
    for k in variants:
        if k == "reference":
            continue
        dpix = float(np.abs(np.stack(variants[k]).astype(np.int32) - ref_t).mean())
        dp = np.abs(probs[k] - probs["reference"])
        print(f"{k:14s} {dpix:12.2f} {float(dp.mean()):9.4f} {statistics.median(dp.tolist()):10.4f} {float(dp.max()):8.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
