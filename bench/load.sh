#!/usr/bin/env bash
# Load test of the plain HTTP server (issue "Hardening", item 3): wrk, concurrency 8, real photos, every answer
# must be 200; prints p50/p90/p99 and the server's resident memory (VmRSS) after warm-up, during the run (every
# 5 s) and after it. Not a timed test: run it by hand, on a quiet machine, and copy target/load-<kind>/report.md
# into docs/BENCHMARKS.md ("Load").
#
#   bench/load.sh [jvm|native] [requests] [concurrency]          defaults: jvm 5000 8
#
#   jvm     builds the plain HTTP jar (./mvnw -Dhttp package -DskipTests; LOAD_SKIP_BUILD=1 to reuse it) and runs
#           it with LOAD_JAVA_OPTS (default -Xmx1g, as a container with a memory limit would)
#   native  runs LOAD_BINARY (default target/*-runner), a native plain HTTP build:
#           GRAALVM_HOME=$(../shared/native-toolchain/setup.sh | tail -1)
#           JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 ./mvnw package -Dnative -Dhttp -DskipTests \
#             -Dquarkus.native.graalvm-home=$GRAALVM_HOME
#
# Photos: the 600x450 HAM10000 dermoscopy photos for volume, and one request in LOAD_LARGE_EVERY (default 50) is a
# large one (3008x2000, 5184x3456, 1800x1200 with EXIF orientation). Needs wrk (Debian: apt-get install wrk) and the
# test photos (TESTDATA_DIR, default testdata). Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
KIND=${1:-jvm}
REQUESTS=${2:-5000}
CONCURRENCY=${3:-8}
THREADS=2
PORT=${LOAD_PORT:-18080}
TESTDATA=${TESTDATA_DIR:-testdata}
OUT=target/load-$KIND
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -d "$TESTDATA/dermoscopy" ] || { echo "no test photos in $TESTDATA" >&2; exit 1; }
rm -rf "$OUT" && mkdir -p "$OUT"

SERVER_OPTS=(-Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$PORT")
case "$KIND" in
  jvm)
    if [ "${LOAD_SKIP_BUILD:-0}" != 1 ]; then ./mvnw -q -B -Dhttp package -DskipTests; fi
    [ -f target/quarkus-app/quarkus-run.jar ] || { echo "no target/quarkus-app/quarkus-run.jar (build with -Dhttp)" >&2; exit 1; }
    read -r -a JAVA_OPTS <<< "${LOAD_JAVA_OPTS:--Xmx1g}"
    SERVER=(java "${JAVA_OPTS[@]}" "${SERVER_OPTS[@]}" -jar target/quarkus-app/quarkus-run.jar)
    RUNTIME=$(java -version 2>&1 | head -1)
    ;;
  native)
    BINARY=${LOAD_BINARY:-$(ls target/*-runner 2>/dev/null | head -1)}
    [ -x "$BINARY" ] || { echo "no native binary (target/*-runner); see the header of this script" >&2; exit 1; }
    SERVER=("$BINARY" "${SERVER_OPTS[@]}")
    RUNTIME="native image $(basename "$BINARY")"
    ;;
  *) echo "usage: $0 [jvm|native] [requests] [concurrency]" >&2; exit 2 ;;
esac

SMALL=$(ls "$TESTDATA"/dermoscopy/ISIC_00243*.jpg "$TESTDATA"/dermoscopy/ISIC_00244*.jpg | paste -sd: -)
LARGE="$TESTDATA/dermoscopy/ISIC_0012221.jpg:$TESTDATA/dermoscopy/ISIC_0074542.jpg:$TESTDATA/exif-orientation/Landscape_6.jpg"
export LOAD_FILES=$SMALL LOAD_LARGE_FILES=$LARGE LOAD_LARGE_EVERY=${LOAD_LARGE_EVERY:-50} LOAD_THREADS=$THREADS

"${SERVER[@]}" > "$OUT/server.log" 2>&1 &
PID=$!
SAMPLER=
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
}
trap cleanup EXIT
rss() { awk '/^VmRSS/ {print $2}' "/proc/$PID/status"; }

for _ in $(seq 1 240); do
  curl -sf "http://127.0.0.1:$PORT/q/health/ready" >/dev/null && break
  kill -0 "$PID" 2>/dev/null || { echo "server died:" >&2; tail -20 "$OUT/server.log" >&2; exit 1; }
  sleep 0.5
done
RSS_STARTED=$(rss)

# wrk sleeps for its whole -d; each thread appends a line to DONE_FILE when it has its share of answers, and
# wrk is then interrupted (SIGINT makes it print its results).
run_wrk() { # requests label
  export LOAD_REQUESTS=$1 LOAD_DONE_FILE="$OUT/$2.done"
  : > "$LOAD_DONE_FILE"
  wrk -t"$THREADS" -c"$CONCURRENCY" -d4h --timeout 60s --latency -s bench/load.lua \
    "http://127.0.0.1:$PORT/v1/predictions" > "$OUT/$2.txt" 2>&1 &
  local wrk_pid=$!
  while kill -0 "$wrk_pid" 2>/dev/null && [ "$(wc -l < "$LOAD_DONE_FILE")" -lt "$THREADS" ]; do sleep 0.5; done
  kill -INT "$wrk_pid" 2>/dev/null || true
  wait "$wrk_pid" || true
}

echo "== warm-up: 200 requests"
run_wrk 200 warmup
RSS_BEFORE=$(rss)
( while kill -0 "$PID" 2>/dev/null; do echo "$(date +%s) $(rss)"; sleep 5; done ) > "$OUT/rss.txt" &
SAMPLER=$!
echo "== $REQUESTS requests, concurrency $CONCURRENCY (RSS after warm-up: $((RSS_BEFORE / 1024)) MB)"
START=$(date -u +%FT%TZ)
run_wrk "$REQUESTS" run
sleep 5
RSS_AFTER=$(rss)
kill "$SAMPLER" 2>/dev/null || true
SAMPLER=
SUMMARY=$(grep '^LOAD ' "$OUT/run.txt" || { cat "$OUT/run.txt" >&2; exit 1; })
val() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<< "$SUMMARY"; }
QUARTERS=$(awk '{ r[NR] = $2 } END { n = NR; for (q = 1; q <= 4; q++) { s = 0; c = 0;
  for (i = int((q - 1) * n / 4) + 1; i <= int(q * n / 4); i++) { s += r[i]; c++ }
  printf "%s%d", (q > 1 ? " / " : ""), (c ? s / c / 1024 : 0) } }' "$OUT/rss.txt")
RSS_MAX=$(awk '$2 > m { m = $2 } END { print int(m / 1024) }' "$OUT/rss.txt")
ERRORS=$(( $(val non200) + $(val connect_errors) + $(val read_errors) + $(val write_errors) + $(val timeouts) ))

cat > "$OUT/report.md" <<REPORT
#### $KIND, $(date -u +%F)

\`bench/load.sh $KIND $REQUESTS $CONCURRENCY\` (wrk $THREADS threads, $CONCURRENCY connections, raw image/jpeg bodies: 19 HAM10000
photos of 600x450 round-robin, one request in $LOAD_LARGE_EVERY a large one of 1800x1200 to 5184x3456), started $START on
$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $RUNTIME${JAVA_OPTS:+ ${JAVA_OPTS[*]}}.

| requests | errors (non-200, socket, timeout) | p50 | p90 | p99 | max | throughput |
|---|---|---|---|---|---|---|
| $(val answered) | $ERRORS | $(val p50_ms) ms | $(val p90_ms) ms | $(val p99_ms) ms | $(val max_ms) ms | $(val rps) req/s |

| RSS at start | after 200 warm-up requests | mean per quarter of the run | max | after the run |
|---|---|---|---|---|
| $((RSS_STARTED / 1024)) MB | $((RSS_BEFORE / 1024)) MB | $QUARTERS MB | $RSS_MAX MB | $((RSS_AFTER / 1024)) MB |
REPORT
cat "$OUT/report.md"
[ "$ERRORS" -eq 0 ] || { echo "FAILED: $ERRORS errors (see $OUT/run.txt)" >&2; exit 1; }
