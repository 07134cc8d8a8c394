"""Where a cold start's first inference loses its time: wall time and page faults per phase, in fresh processes.

The first inference after start-up is 3-4x slower than the next ones on some hosts (microVMs above all). This
measures why, with Python onnxruntime on the service's runtime graph and the service's session settings (one
intra-op thread, no spinning, no memory pattern): for each phase (import, session creation, runs 1-3) the wall
time, the minor and major page faults (/proc/self/stat) and the growth of anonymous and file-backed resident
memory. Variants of the allocator run in the same rounds, in a rotating order:
  default                 glibc as it comes
  mmap threshold 128 KiB  MALLOC_MMAP_THRESHOLD_=131072, as template.yaml set it on Lambda until 2026-12-07
  mmap threshold 32 MiB   MALLOC_MMAP_THRESHOLD_=33554432, as template.yaml sets it now
  malloc hugetlb          GLIBC_TUNABLES=glibc.malloc.hugetlb=1: malloc advises transparent huge pages for its
                          memory (glibc >= 2.35 and THP in "madvise" or "always" mode; Lambda's al2023 has 2.34)
Then the cost of first-touching fresh anonymous memory on this host, per MB, with 4 KiB pages, MAP_POPULATE
and transparent huge pages, each touched three times after unmapping (a host whose page faults are expensive
shows it in the first column; one that backs memory lazily, in the gap between the first and later rounds).

    python bench/first_touch.py [--graph PATH] [--level disabled] [--runs 5] [--touch-mb 150]

Prints Markdown tables with the machine's description; medians of the runs.
"""
from __future__ import annotations

import argparse
import json
import mmap
import os
import platform
import statistics
import subprocess
import sys
import time

VARIANTS = {
    "default": {},
    "mmap threshold 128 KiB": {"MALLOC_MMAP_THRESHOLD_": "131072"},
    "mmap threshold 32 MiB": {"MALLOC_MMAP_THRESHOLD_": "33554432"},
    "malloc hugetlb": {"GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"},
}


def _faults() -> tuple[int, int]:
    fields = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
    return int(fields[7]), int(fields[9])


def _rss() -> tuple[int, int]:
    kb = {line.split(":")[0]: int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("Rss")}
    return kb["RssAnon"], kb["RssFile"]


def child(graph: str, level: str) -> None:
    """One cold process: prints its phases as JSON."""
    phases = []
    last = [0.0, (0, 0), (0, 0)]

    def mark(name, start):
        now, faults, rss = time.perf_counter(), _faults(), _rss()
        phases.append({"phase": name, "ms": (now - start) * 1000, "minflt": faults[0] - last[1][0],
                       "majflt": faults[1] - last[1][1], "anonMB": (rss[0] - last[2][0]) / 1024,
                       "fileMB": (rss[1] - last[2][1]) / 1024})
        last[:] = [now, faults, rss]
        return now

    t = mark("start of Python", START)
    import numpy as np
    import onnxruntime as ort
    t = mark("import onnxruntime", t)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_mem_pattern = False
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = {"disabled": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
                                        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                                        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                                        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}[level]
    session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
    feed = session.get_inputs()[0]
    x = np.random.default_rng(1).standard_normal([1] + list(feed.shape[1:])).astype(np.float32)
    out = [session.get_outputs()[0].name]
    t = mark("session", t)
    for i in range(3):
        session.run(out, {feed.name: x})
        t = mark(f"run {i + 1}", t)
    print(json.dumps(phases))


def touch_costs(mb: int) -> dict[str, list[float]]:
    """ms per MB to first-touch fresh anonymous memory, three rounds each."""
    size = mb << 20

    def once(huge: bool, populate: bool) -> float:
        start = time.perf_counter()
        m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | (mmap.MAP_POPULATE if populate else 0))
        if huge:
            m.madvise(mmap.MADV_HUGEPAGE)
        for offset in range(0, size, 4096):
            m[offset] = 1
        elapsed = time.perf_counter() - start
        m.close()
        return elapsed * 1000 / mb

    return {"4 KiB pages": [once(False, False) for _ in range(3)],
            "MAP_POPULATE": [once(False, True) for _ in range(3)],
            "transparent huge pages": [once(True, False) for _ in range(3)]}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in open("/proc/cpuinfo") if line.startswith("flags")), [])
    simd = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile") if f in flags]
    virt = subprocess.run(["systemd-detect-virt"], capture_output=True, text=True).stdout.strip() or "?"
    thp = open("/sys/kernel/mm/transparent_hugepage/enabled").read().strip()
    return (f"CPU: {cpu} ({', '.join(simd)}), {os.cpu_count()} cpus; systemd-detect-virt: {virt}; kernel "
            f"{platform.release()}; THP: {thp}; glibc {platform.libc_ver()[1]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", default="models/efficientnetb4-demo/1/model.opt-amd64-nchwc16.onnx")
    ap.add_argument("--level", default="disabled", help="the optimisation level model.json opens the graph at")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--touch-mb", type=int, default=150)
    args = ap.parse_args()
    results: dict[str, list[list[dict]]] = {name: [] for name in VARIANTS}
    names = list(VARIANTS)
    for i in range(args.runs):
        for j in range(len(names)):
            name = names[(i + j) % len(names)]
            env = {**os.environ, **VARIANTS[name]}
            done = subprocess.run([sys.executable, __file__, "--child", args.graph, args.level], env=env,
                                  capture_output=True, text=True, check=True)
            results[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"`python bench/first_touch.py --runs {args.runs}` on {args.graph} (opened at {args.level}); "
          f"medians of {args.runs} fresh processes per variant\n")
    print(machine() + "\n")
    print("| variant | phase | ms | minor faults | major faults | anon MB | file MB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, runs in results.items():
        for k, phase in enumerate(runs[0]):
            if phase["phase"] == "start of Python":
                continue
            med = {key: statistics.median(r[k][key] for r in runs) for key in ("ms", "minflt", "majflt", "anonMB",
                                                                             "fileMB")}
            print(f"| {name} | {phase['phase']} | {med['ms']:.0f} | {med['minflt']:.0f} | {med['majflt']:.0f} "
                  f"| {med['anonMB']:.0f} | {med['fileMB']:.0f} |")
    print(f"\nFirst touch of {args.touch_mb} MB of fresh anonymous memory, ms per MB, three rounds (each unmapped "
          "before the next):\n")
    print("| pages | round 1 | round 2 | round 3 |")
    print("|---|---:|---:|---:|")
    for name, costs in touch_costs(args.touch_mb).items():
        print(f"| {name} | " + " | ".join(f"{c:.2f}" for c in costs) + " |")


START = time.perf_counter()
if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
