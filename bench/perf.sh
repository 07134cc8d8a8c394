#!/usr/bin/env bash
# One command: us against the peers (Python onnxruntime, Keras/TensorFlow), JVM and native, 1 and 2 threads,
# cold starts, RSS, optimisation study, Lambda cost; writes the "Peers and stages" section of docs/BENCHMARKS.md.
#
#   bench/perf.sh [--runs 30] [--warmup 5] [--threads 1,2] [--cold-starts 5] [--testdata DIR] [--rebuild]
#   bench/perf.sh --render-only     (the last run's target/bench/results.json rendered again; nothing measured)
#
# Two steps: bench/perf_measure.py measures and saves target/bench/results.json, bench/perf_render.py writes
# the Markdown from it.
#
# Needs Python 3.11 with model-export/requirements.txt installed (TensorFlow, torch, onnxruntime, Pillow) as
# `python3` (an activated venv) or $PYTHON, Java 17+, and for the native server GRAALVM_HOME or
# ../shared/native-toolchain. Builds what is missing under target/. See bench/perf.py --help.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" bench/perf.py "$@"
