#!/usr/bin/env python3
"""Us against the peers, in one run, on the same model, photos and machine: writes docs/BENCHMARKS.md.

    bench/perf.sh [--runs 30] [--warmup 5] [--threads 1,2] [--cold-starts 5] [--testdata testdata]
    bench/perf.sh --render-only       the last run's target/bench/results.json rendered again, nothing measured

Two steps, each its own file: bench/perf_measure.py measures (what is measured, and how, is described there)
and saves target/bench/results.json; bench/perf_render.py turns that file into the "Peers and stages" section
of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import perf_measure  # noqa: E402
import perf_render  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--runs", type=int, default=30, help="measured rounds per thread count (default 30)")
    ap.add_argument("--warmup", type=int, default=5, help="warm-up rounds per thread count (default 5)")
    ap.add_argument("--threads", default="1,2", help="intra-op thread counts (default 1,2)")
    ap.add_argument("--cold-starts", type=int, default=5, help="cold starts per server (default 5)")
    ap.add_argument("--create-runs", type=int, default=8, help="session creations per loading variant (default 8)")
    ap.add_argument("--decode-runs", type=int, default=20, help="decodes per mode (default 20)")
    ap.add_argument("--testdata", default=str(perf_measure.ROOT / "testdata"),
                    help="the test photos (default testdata)")
    ap.add_argument("--no-native", action="store_true", help="leave the native server out")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the JVM app and the native binary")
    ap.add_argument("--out", default=str(perf_measure.ROOT / "docs" / "BENCHMARKS.md"))
    ap.add_argument("--no-write", action="store_true", help="only target/bench/results.json, not the Markdown")
    ap.add_argument("--render-only", action="store_true",
                    help="measure nothing: render the last run's target/bench/results.json again (its own settings;"
                         " --threads for a file written before it recorded them)")
    args = ap.parse_args()
    args.threads = [int(t) for t in args.threads.split(",")]
    saved = perf_measure.WORK / "results.json"
    if args.render_only:
        threads = args.threads if "--threads" in sys.argv else None
        return perf_render.main([str(saved), "--out", args.out]
                                + (["--threads", ",".join(map(str, threads))] if threads else []))
    results = perf_measure.measure(args)
    perf_measure.save(results, saved)
    md = perf_render.render_results(results)
    perf_measure.save(results, saved)  # with the cost and targets derived from the measurements
    if not args.no_write:
        perf_render.write_section(Path(args.out), md)
        perf_measure.log(f"wrote {args.out} ({results['elapsed_min']:.1f} min)")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
