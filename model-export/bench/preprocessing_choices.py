"""What each preprocessing choice changes against the default, in pixels and in the demo model's probability.

    python model-export/bench/preprocessing_choices.py [--model models/efficientnetb4-demo/1] \
        [--images testdata/dermoscopy]

For every resize the spec can name, the other order of crop and resize, and the JPEG round trips, on the
real dermoscopy photos at the model's size and crop fraction: mean and max |dpixel| (levels of 0..255)
against the default (TensorFlow's antialiased bilinear, crop then resize, no round trip), and the mean and
max |dprobability| of model.onnx (onnxruntime) between the two inputs. Prints a Markdown table; then a
second one, pixels only, at the choice fixtures' size (80 px, crop fraction 0.6: every photo shrinks, where
the kernels differ most; the demo's 384 px at 0.5 enlarges the 600x450 photos).

The demo model is untrained: its probabilities mean nothing, so |dprobability| only shows how far a wrong
choice moves the input in a network's eyes. Rerun with a trained model for the figures that matter.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from melanoma_export import backend  # noqa: E402

backend.use("torch")


def choices(pp):
    """(label, preprocessing) for each choice compared with the default ``pp``."""
    from melanoma_export.preprocessing import RESIZE_CHOICES, JpegRoundTrip

    out = [(f"`{name}`", pp.replace(resize=name)) for name in RESIZE_CHOICES if name != pp.resize_choice]
    out.append(("`--order resize-then-crop`", pp.replace(order="resize-then-crop")))
    for label, rt in (("`--jpeg-roundtrip 95` (4:2:0, tensorflow-default = IFAST)", JpegRoundTrip(95)),
                      ("`--jpeg-roundtrip 95 --jpeg-dct accurate`", JpegRoundTrip(95, dct_method="accurate")),
                      ("`--jpeg-roundtrip 94`", JpegRoundTrip(94)),
                      ("`--jpeg-roundtrip 95 --jpeg-subsampling 4:4:4`", JpegRoundTrip(95, "4:4:4"))):
        out.append((label, pp.replace(jpeg_roundtrip=rt)))
    out.append(("`opencv:area` + `--jpeg-roundtrip 95` (the Kaggle writer)",
                pp.replace(resize="opencv:area", jpeg_roundtrip=JpegRoundTrip(95))))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--model", default="models/efficientnetb4-demo/1")
    ap.add_argument("--images", default="testdata/dermoscopy")
    ap.add_argument("--pixels-at", default="80:0.6", metavar="SIZE:FRACTION",
                    help="size and crop fraction of the pixels-only table (default 80:0.6; 'none' to skip)")
    args = ap.parse_args()

    import numpy as np

    from melanoma_export.parity import onnx_probabilities
    from melanoma_export.preprocessing import (Normalization, Preprocessing, list_images, oriented_rgb,
                                               preprocess_oriented, to_model_input)
    from melanoma_export.spec import read_spec

    spec = read_spec(args.model)
    pp = Preprocessing.from_spec(spec["input"])
    norm = Normalization.from_spec(spec["input"]["normalization"])
    onnx = os.path.join(args.model, spec["model"]["file"])
    photos = [np.asarray(oriented_rgb(str(f))[0]) for f in list_images(args.images, subdirs=())]

    def run(p):
        x = np.stack([preprocess_oriented(img, p)[0] for img in photos])
        return x, onnx_probabilities(onnx, to_model_input(x, norm), batch=1)[:, 0]

    ref_x, ref_p = run(pp)
    ref_x = ref_x.astype(np.int16)
    print(f"{len(photos)} photos from {args.images}; {spec['name']} v{spec['version']} "
          f"(trained: {str(spec['trained']).lower()}), {pp.size} px, crop fraction {pp.center_crop_fraction:g}; "
          f"against the default {pp.flags}")
    print()
    print("| choice | mean \\|Δpixel\\| | max \\|Δpixel\\| | mean \\|Δp\\| | max \\|Δp\\| |")
    print("|---|---|---|---|---|")
    for label, p in choices(pp):
        x, prob = run(p)
        d = np.abs(x.astype(np.int16) - ref_x)
        dp = np.abs(prob - ref_p)
        print(f"| {label} | {d.mean():.2f} | {int(d.max())} | {dp.mean():.4f} | {dp.max():.4f} |", flush=True)
    if args.pixels_at == "none":
        return 0
    size, fraction = args.pixels_at.split(":")
    small = Preprocessing(int(size), float(fraction))
    base = np.stack([preprocess_oriented(img, small)[0] for img in photos]).astype(np.int16)
    print()
    print(f"Pixels only, {small.size} px, crop fraction {small.center_crop_fraction:g}, against {small.flags}:")
    print()
    print("| choice | mean \\|Δpixel\\| | max \\|Δpixel\\| |")
    print("|---|---|---|")
    for label, p in choices(small):
        x = np.stack([preprocess_oriented(img, p)[0] for img in photos]).astype(np.int16)
        d = np.abs(x - base)
        print(f"| {label} | {d.mean():.2f} | {int(d.max())} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
