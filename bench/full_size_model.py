#!/usr/bin/env python3
"""A full-size float32 EfficientNetB4 at 384 px, exported the way a user's trained model is: weights-only .h5
(as Keras' ModelCheckpoint writes it) -> `melanoma-export convert --arch efficientnetb4 --size 384`.

Its weights are random (the demo's recipe, another seed): the model is UNTRAINED and only its speed and size
mean anything. Unlike the committed demo (stored compactly as int8 + Cast + Mul), its model.onnx is plain
float32, ~70 MB, as a trained model's is. bench/coldstart.sh uses it.

  python bench/full_size_model.py [OUT_DIR]     (default target/bench/b4-float32/1; skipped if present)
"""

import subprocess
import sys
from pathlib import Path

import h5py


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "target/bench/b4-float32/1")
    if (out / "model.json").exists():
        print(out)
        return 0
    from melanoma_export import backend

    backend.use("torch")
    from keras.src.legacy.saving import legacy_h5_format

    from melanoma_export.demo import demo_model

    weights = out.parent / "fold-0.h5"
    weights.parent.mkdir(parents=True, exist_ok=True)
    model = demo_model(seed=11, arch="efficientnetb4", size=384, progress=lambda m: print(m, file=sys.stderr))
    with h5py.File(weights, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    subprocess.run([sys.executable, "-m", "melanoma_export", "convert", str(weights), "--arch", "efficientnetb4",
                    "--size", "384", "--untrained", "--name", "b4-float32", "--out", str(out)], check=True)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
