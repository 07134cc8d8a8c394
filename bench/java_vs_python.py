#!/usr/bin/env python3
"""Why is Java onnxruntime slower or faster than Python's on the same graph? Same tensor, same threads, interleaved.

    python bench/java_vs_python.py [--runs 30] [--threads 1,2] [--java-ort-jar PATH ...]

Contenders per round (in a new random order each round): Python onnxruntime (defaults, and spinning off), Java onnxruntime with the
service's settings using the version the service ships (target/bench-jvm-http/lib/main), and the same Java
program on each extra onnxruntime jar given (e.g. a newer release from Maven Central), so that a version
difference between the Java and Python packages can be told from a difference of the Java binding.
Run bench/perf.sh once first (it builds the app and prepares target/bench/).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perf  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--java-ort-jar", action="append", default=[], help="another onnxruntime jar to compare")
    args = ap.parse_args()
    lib = perf.ROOT / "target" / perf.JVM_OUT / "lib" / "main"
    tens = __import__("json").loads((perf.WORK / "tensors.json").read_text())
    big = perf.WORK / "ISIC_0012221_12mp.jpg"
    npy, f32 = tens[str(big)]["npy"], tens[str(big)]["f32"]
    others = [str(p) for p in lib.iterdir() if "onnxruntime" not in p.name]
    m = perf.MODEL_DIR / "model.onnx"
    for n in [int(t) for t in args.threads.split(",")]:
        py = perf.Worker(f"jvp-py-t{n}", [sys.executable, "bench/workers.py", "ort", "--model", str(m),
                                          "--threads", str(n), "--tensor", npy])
        javas = {}
        jars = [str(next(lib.glob("com.microsoft.onnxruntime*.jar")))] + args.java_ort_jar
        for jar in jars:
            w = perf.Worker(f"jvp-java-{Path(jar).stem}-t{n}",
                            ["java", "-cp", os.pathsep.join([jar, *others]), "bench/OrtBench.java", f32, str(n)])
            w.ask(f"variant base model={m} level=ALL spin=0 arena=1 input=direct")
            w.ask("open base")
            if n > 1:
                w.ask(f"variant spin model={m} level=ALL spin=1 arena=1 input=direct")
                w.ask("open spin")
            javas[w.hello["ort"]] = w
        contenders = [("python " + py.hello["onnxruntime"], lambda: py.ask("run default"))]
        if n > 1:
            contenders.append(("python " + py.hello["onnxruntime"] + " spinning off", lambda: py.ask("run nospin")))
        for v, w in javas.items():
            contenders.append((f"java {v}", lambda w=w: w.ask("run base")))
            if n > 1:
                contenders.append((f"java {v} spinning on", lambda w=w: w.ask("run spin")))
        samples = {c: [] for c, _ in contenders}
        order = random.Random(n)
        for r in range(args.warmup + args.runs):
            for name, fn in order.sample(contenders, len(contenders)):
                ms = fn()["ms"]
                if r >= args.warmup:
                    samples[name].append(ms)
                time.sleep(0.03)
        ref = contenders[0][0]
        print(f"\n{n} intra-op thread(s), {args.runs} rounds, load average {os.getloadavg()[0]:.1f}")
        print(f"{'contender':40s} {'median':>8s} {'p90':>8s} {'x python':>9s}")
        for name in samples:
            print(f"{name:40s} {perf.med(samples[name]):8.1f} {perf.pct(samples[name], 0.9):8.1f} "
                  f"{perf.paired_ratio(samples[name], samples[ref]):9.3f}")
        for w in [py, *javas.values()]:
            w.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
