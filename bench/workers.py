"""Worker processes of bench/perf.py, one engine per process, driven over a pipe (JSON lines).

    python bench/workers.py ort   --model model.onnx --threads N --tensor x.npy
    python bench/workers.py keras --weights demo.weights.h5 --arch efficientnetb4 --size 384 --threads N --tensor x.npy
    python bench/workers.py prepare --model-dir DIR --out DIR IMAGE...          (one-shot, TensorFlow)
    python bench/workers.py demo-weights --model-dir DIR --out demo.weights.h5   (one-shot, Keras on torch)

TensorFlow, torch and onnxruntime never share a process (Keras picks its backend once per process, and
TensorFlow's and onnxruntime's thread pools would fight). Each engine worker prints one JSON line when
ready, then answers every command line ("run NAME", "quit") with one JSON line; "ms" is measured inside the
worker around the call alone, so the pipe costs nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "model-export"))


def reply(obj) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def serve(handlers: dict) -> None:
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        try:
            reply(handlers[words[0]](*words[1:]))
        except Exception as e:  # the driver records it and stops
            reply({"error": f"{type(e).__name__}: {e}"})


def ort_worker(args) -> None:
    """(a) Python onnxruntime, session.run alone on the prepared tensor.

    Sessions: "default" = onnxruntime's defaults (what a user gets: ORT_ENABLE_ALL, allow_spinning on) with
    intra_op_num_threads = N; "nospin" = the same with spinning off (the service's default)."""
    import numpy as np
    import onnxruntime as ort

    x = np.load(args.tensor)[None].astype(np.float32)
    sessions = {}
    for name, spin in (("default", None), ("nospin", "0")):
        so = ort.SessionOptions()
        so.intra_op_num_threads = args.threads
        so.inter_op_num_threads = 1
        if spin is not None:
            so.add_session_config_entry("session.intra_op.allow_spinning", spin)
        t0 = time.perf_counter()
        sessions[name] = ort.InferenceSession(args.model, so, providers=["CPUExecutionProvider"])
        created = (time.perf_counter() - t0) * 1000
    input_name = sessions["default"].get_inputs()[0].name

    def run(name):
        s = sessions[name]
        t0 = time.perf_counter()
        y = s.run(None, {input_name: x})[0]
        return {"ms": (time.perf_counter() - t0) * 1000, "p": float(y.ravel()[0])}

    reply({"ready": True, "onnxruntime": ort.__version__, "createMs": created})
    serve({"run": run})


def keras_worker(args) -> None:
    """(b) the old Flask app's engine: the same weights on Keras 3 + TensorFlow, one image per call.

    "predict" = model.predict(x, verbose=0), what a Flask handler calls; "call" = model(x, training=False)."""
    from melanoma_export import backend

    backend.use("tensorflow")
    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    from melanoma_export.sources import build_classifier, weights_digest

    model = build_classifier(args.arch, args.size)
    model.load_weights(args.weights)
    digest = weights_digest(model)
    x = np.load(args.tensor)[None].astype(np.float32)

    def run(name):
        t0 = time.perf_counter()
        if name == "predict":
            y = model.predict(x, verbose=0)
        else:
            y = keras.ops.convert_to_numpy(model(x, training=False))
        return {"ms": (time.perf_counter() - t0) * 1000, "p": float(np.asarray(y).ravel()[0])}

    run("predict")
    run("call")  # traces both paths once before "ready"
    reply({"ready": True, "tensorflow": tf.__version__, "keras": keras.__version__, "weightsDigest": digest})
    serve({"run": run})


def prepare(args) -> None:
    """The 384x384 input of each photo through model-export's reference preprocessing (TensorFlow ops)."""
    from melanoma_export import backend

    backend.use("tensorflow")
    import numpy as np

    from melanoma_export.preprocessing import Normalization, Preprocessing, reference_tensor, to_model_input

    with open(os.path.join(args.model_dir, "model.json")) as f:
        spec = json.load(f)
    pp = Preprocessing.from_spec(spec["input"])
    norm = Normalization.from_spec(spec["input"]["normalization"])
    os.makedirs(args.out, exist_ok=True)
    out = {}
    for path in args.images:
        pixels, info = reference_tensor(path, pp)
        x = np.ascontiguousarray(to_model_input(pixels[None], norm)[0], dtype=np.float32)
        stem = os.path.splitext(os.path.basename(path))[0]
        np.save(os.path.join(args.out, stem + ".npy"), x)
        x.astype("<f4").tofile(os.path.join(args.out, stem + ".f32"))
        out[path] = {"npy": os.path.join(args.out, stem + ".npy"), "f32": os.path.join(args.out, stem + ".f32"),
                     "crop": info["crop"]}
    reply(out)


def demo_weights(args) -> None:
    """The demo model's Keras weights, regenerated deterministically (Keras on torch), checked by digest."""
    from melanoma_export import backend

    backend.use("torch")
    from melanoma_export.demo import demo_model
    from melanoma_export.sources import weights_digest

    with open(os.path.join(args.model_dir, "model.json")) as f:
        src = json.load(f)["source"]
    if src.get("kind") != "demo":
        raise SystemExit("the TensorFlow peer needs the model's Keras source; only the demo can be regenerated here")
    model = demo_model(int(src["seed"]), src["arch"], int(src["imageSize"]), progress=lambda m: print(m, file=sys.stderr))
    digest = weights_digest(model)
    # The BatchNorm statistics come from a float training-mode pass, which rounds differently on another CPU: then
    # the weights differ slightly from the demo's, the graph and so the speed do not. Said, not fatal: the Keras
    # peer is timed, never compared for its answers.
    same = digest == src["weightsDigest"]
    if not same:
        print(f"note: regenerated weights digest {digest} != model.json's {src['weightsDigest']} (another CPU)",
              file=sys.stderr)
    model.save_weights(args.out)
    reply({"weights": args.out, "weightsDigest": digest, "sameAsDemo": same, "arch": src["arch"],
           "size": int(src["imageSize"])})


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("ort")
    p.add_argument("--model", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--tensor", required=True)
    p = sub.add_parser("keras")
    p.add_argument("--weights", required=True)
    p.add_argument("--arch", default="efficientnetb4")
    p.add_argument("--size", type=int, default=384)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--tensor", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--model-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("images", nargs="+")
    p = sub.add_parser("demo-weights")
    p.add_argument("--model-dir", required=True)
    p.add_argument("--out", required=True)
    args = ap.parse_args()
    {"ort": ort_worker, "keras": keras_worker, "prepare": prepare, "demo-weights": demo_weights}[args.cmd](args)


if __name__ == "__main__":
    main()
