#!/usr/bin/env bash
# Cold start and warm latency of the Lambda function, native vs JVM, measured the way Lambda runs it: each
# run starts the process under a local Lambda Runtime API (bench/lambda_runtime_emulator.py) that serves
# API Gateway HTTP API events carrying a base64 JPEG. Native and JVM runs alternate, so both see the same
# machine load; the table gives medians.
#
#   bench/coldstart.sh [RUNS] [PHOTO]        (defaults: 5 runs, a 600x450 dermoscopy JPEG)
#
# Needs: the native Lambda runner (./mvnw package -Dnative; NATIVE=path to use another) and target/jvm-lambda
# (built here with -Pjvm-lambda).
# Prints a Markdown table; copy it into docs/BENCHMARKS.md with the date.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
PHOTO=${2:-../shared/testdata/dermoscopy/ISIC_0024310.jpg}
PY=${PYTHON:-python3}
# the Lambda build's runner, not bench/perf.sh's plain-HTTP one (target/bench-native-http-runner)
NATIVE=${NATIVE:-$(ls target/melanoma-function-*-runner 2>/dev/null | head -1 || true)}
[ -x "$NATIVE" ] || { echo "build the native runner first: ./mvnw package -Dnative" >&2; exit 1; }

if [ ! -f target/jvm-lambda/app-runner.jar ]; then
  # A separate build directory keeps the native build's target/ intact. It must exist: the Lambda extension
  # writes its example scripts there before the jar.
  mkdir -p target/jvm-lambda
  ./mvnw -q -B package -Pjvm-lambda -DskipTests -Dquarkus.package.output-directory=jvm-lambda \
    -Dquarkus.package.output-name=app >&2
fi
JVM=(java -XX:+TieredCompilation -XX:TieredStopAtLevel=1 --add-opens java.base/java.lang=ALL-UNNAMED
     -cp "target/jvm-lambda/app-runner.jar:target/jvm-lambda/lib/*"
     com.amazonaws.services.lambda.runtime.api.client.AWSLambda
     io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest)

results=$(mktemp)
for i in $(seq "$RUNS"); do
  for kind in native jvm; do
    if [ $kind = native ]; then cmd=("$NATIVE"); else cmd=("${JVM[@]}"); fi
    json=$("$PY" bench/lambda_runtime_emulator.py --image "$PHOTO" --warm 10 -- "${cmd[@]}")
    echo "$kind $json" | tee -a "$results" >&2
  done
done

"$PY" - "$results" "$NATIVE" "$PHOTO" <<'PYEOF'
import json, os, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kind, js = line.split(" ", 1)
    rows.setdefault(kind, []).append(json.loads(js))
def med(kind, key, scale=1000):
    vals = [r[key] for r in rows[kind] if r.get(key) is not None]
    return f"{statistics.median(vals) * scale:.0f}" if vals else "-"
print(f"| | native | JVM (java21-like, C1) |")
print("|---|---|---|")
for key, label in [("init_s", "exec → init done (ms)"), ("ort_session_s", "… of which ONNX Runtime session (ms)"),
                   ("warmup_s", "… of which warm-up prediction (ms)"), ("first_invocation_s", "first event → answer (ms)"),
                   ("cold_start_s", "**exec → first answer (ms)**"), ("warm_median_s", "warm invocation, median (ms)"),
                   ("warm_p90_s", "warm invocation, p90 (ms)")]:
    print(f"| {label} | {med('native', key)} | {med('jvm', key)} |")
print(f"| peak RSS (MB) | {med('native', 'peak_rss_mb', 1)} | {med('jvm', 'peak_rss_mb', 1)} |")
size = os.path.getsize(sys.argv[2]) / 1e6
print(f"\nruns: {len(rows['native'])} each, alternating; photo: {os.path.basename(sys.argv[3])}; native runner {size:.1f} MB")
PYEOF
rm -f "$results"
