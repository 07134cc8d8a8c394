"""Speed of the exported graph as torch wrote it ("unfolded") against each graph rewrite, cumulatively.

    python model-export/bench/graph_rewrites.py [--arch efficientnetb4 --size 384 --runs 20]

Builds the demo model (deterministic weights), exports it once, applies the rewrites one after the
other and times every variant in the same process: onnxruntime CPU, 1 intra-op and 1 inter-op thread,
batch 1, variants interleaved run by run (rotating order) so that drift in machine load hits them
alike; reports medians and ratios against the unfolded graph, and each variant's max |dprobability|.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from melanoma_export import backend  # noqa: E402

backend.use("torch")

STEPS = ["sub-const-to-add", "pad-into-conv", "se-squeeze-to-gap", "compact-int8-storage"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--arch", default="efficientnetb4")
    ap.add_argument("--size", type=int, default=384)
    ap.add_argument("--runs", type=int, default=20, help="timed runs per variant (default 20)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--onnx", help="use this unrewritten export instead of exporting the demo model")
    ap.add_argument("--keep", help="directory to keep the variants in")
    args = ap.parse_args()

    import numpy as np
    import onnx
    import onnxruntime as ort

    from melanoma_export import rewrites
    from melanoma_export.demo import DEFAULT_SEED, demo_model, synthetic_images
    from melanoma_export.export import export_onnx, save

    work = args.keep or tempfile.mkdtemp(prefix="melanoma-bench-")
    os.makedirs(work, exist_ok=True)
    raw = args.onnx
    if raw is None:
        raw = os.path.join(work, "unfolded.onnx")
        model = demo_model(DEFAULT_SEED, args.arch, args.size, progress=lambda m: print(m, file=sys.stderr))
        export_onnx(model, raw, progress=lambda m: print(m, file=sys.stderr))
    variants = [("unfolded", raw)]
    proto = onnx.load(raw)
    label = ""
    for step in STEPS:
        n = rewrites.REWRITES[step](proto)
        label = f"+{step}"
        path = os.path.join(work, f"{len(variants)}{label}.onnx")
        save(proto, path)
        variants.append((f"{label} ({n} sites)", path))

    x = synthetic_images(1, args.size, DEFAULT_SEED + 3)
    sessions = []
    for name, path in variants:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        sessions.append((name, ort.InferenceSession(path, so, providers=["CPUExecutionProvider"]), path))
    outs = {name: s.run(None, {"image": x})[0] for name, s, _ in sessions}
    for _ in range(args.warmup):
        for _, s, _ in sessions:
            s.run(None, {"image": x})
    times = {name: [] for name, _, _ in sessions}
    for r in range(args.runs):
        order = sessions[r % len(sessions):] + sessions[:r % len(sessions)]
        for name, s, _ in order:
            t0 = time.perf_counter()
            s.run(None, {"image": x})
            times[name].append(time.perf_counter() - t0)
    base = statistics.median(times["unfolded"])
    ref = outs["unfolded"]
    print(f"{args.arch} at {args.size} px, batch 1, onnxruntime {ort.__version__}, 1 intra-op thread, "
          f"{args.runs} interleaved runs per variant (medians)")
    print(f"{'variant (cumulative)':44s} {'median ms':>10s} {'min ms':>8s} {'speed-up':>9s} {'MB':>6s} {'max|dp|':>9s}")
    for name, _, path in sessions:
        med = statistics.median(times[name])
        print(f"{name:44s} {med * 1e3:10.1f} {min(times[name]) * 1e3:8.1f} {base / med:8.2f}x "
              f"{os.path.getsize(path) / 1e6:6.1f} {float(np.abs(outs[name] - ref).max()):9.2g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
