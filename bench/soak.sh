#!/usr/bin/env bash
# Soak test of the plain-HTTP container (issue "operations", item 6): the JVM image of src/main/docker/Dockerfile.jvm
# under a steady load for MINUTES, in 5-minute windows; per window the answers, errors, median and p99 latency
# (wrk), and the container process's resident memory (VmRSS, sampled every 5 s: mean and max of the window).
# Every answer must be 200. Real photos (bench/load.lua: 600x450 dermoscopy round-robin, one in LOAD_LARGE_EVERY a
# large one). Bounded: it stops after MINUTES; traffic goes to 127.0.0.1 only (host network, loopback bind).
#
#   bench/soak.sh [MINUTES] [CONCURRENCY]          defaults: 30 2
#   SOAK_IMAGE=localhost/melanoma-jvm:test         built by src/test/container/images-test.sh jvm
#   SOAK_CPUS=1                                    the container's CPU limit (podman --cpus), ONNX Runtime threads
#
# Needs podman + runc, wrk (Debian: apt-get install wrk) and the test photos (TESTDATA_DIR). Writes
# target/soak/report.md; copy it into docs/BENCHMARKS.md ("Soak") with the machine's load at the time.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-30}
CONCURRENCY=${2:-2}
WINDOW_S=${SOAK_WINDOW_S:-300}
IMAGE=${SOAK_IMAGE:-localhost/melanoma-jvm:test}
PORT=${SOAK_PORT:-18090}
TESTDATA=${TESTDATA_DIR:-testdata}
OUT=target/soak
THREADS=1
CPUS=${SOAK_CPUS:-1}
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
$SUDO podman image exists "$IMAGE" || { echo "no image $IMAGE: run src/test/container/images-test.sh jvm" >&2; exit 1; }
rm -rf "$OUT" && mkdir -p "$OUT"
WINDOWS=$(( (MINUTES * 60 + WINDOW_S - 1) / WINDOW_S ))

NAME=melanoma-soak-$$
$SUDO podman --runtime runc run -d --name "$NAME" --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
  --cpus "$CPUS" -e MELANOMA_MODEL_INTRA_OP_THREADS="${CPUS%.*}" \
  -e QUARKUS_HTTP_HOST=127.0.0.1 -e QUARKUS_HTTP_PORT="$PORT" "$IMAGE" >/dev/null
SAMPLER=
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  $SUDO podman logs "$NAME" > "$OUT/container.log" 2>&1 || true
  $SUDO podman rm -f "$NAME" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 1 240); do
  curl -sf "http://127.0.0.1:$PORT/q/health/ready" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/q/health/ready" >/dev/null || { echo "container not ready" >&2; exit 1; }
# the container's main process (java, exec'd by the entrypoint), seen from the host
PID=$($SUDO podman inspect --format '{{.State.Pid}}' "$NAME")
rss() { awk '/^VmRSS/ {print $2}' "/proc/$PID/status"; }
( while kill -0 "$PID" 2>/dev/null; do echo "$(date +%s) $(rss)"; sleep 5; done ) > "$OUT/rss.txt" &
SAMPLER=$!

SMALL=$(ls "$TESTDATA"/dermoscopy/ISIC_00243*.jpg "$TESTDATA"/dermoscopy/ISIC_00244*.jpg | paste -sd: -)
LARGE="$TESTDATA/dermoscopy/ISIC_0012221.jpg:$TESTDATA/dermoscopy/ISIC_0074542.jpg:$TESTDATA/exif-orientation/Landscape_6.jpg"
# LOAD_REQUESTS: more than a window can answer, so that wrk runs for its whole -d
export LOAD_FILES=$SMALL LOAD_LARGE_FILES=$LARGE LOAD_LARGE_EVERY=${LOAD_LARGE_EVERY:-50} LOAD_THREADS=$THREADS \
  LOAD_REQUESTS=1000000000 LOAD_DONE_FILE=/dev/null
START=$(date -u +%FT%TZ)
echo "== $WINDOWS windows of ${WINDOW_S}s, concurrency $CONCURRENCY, RSS at start $(( $(rss) / 1024 )) MB"
TOTAL_ERRORS=0
ROWS=""
for w in $(seq 1 "$WINDOWS"); do
  t0=$(date +%s)
  wrk -t"$THREADS" -c"$CONCURRENCY" -d"${WINDOW_S}s" --timeout 60s --latency -s bench/load.lua \
    "http://127.0.0.1:$PORT/v1/predictions" > "$OUT/window-$w.txt" 2>&1 || true
  t1=$(date +%s)
  S=$(grep '^LOAD ' "$OUT/window-$w.txt") || { cat "$OUT/window-$w.txt" >&2; exit 1; }
  val() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<< "$S"; }
  errors=$(( $(val non200) + $(val connect_errors) + $(val read_errors) + $(val write_errors) + $(val timeouts) ))
  TOTAL_ERRORS=$((TOTAL_ERRORS + errors))
  read -r rss_mean rss_max < <(awk -v a="$t0" -v b="$t1" '$1 >= a && $1 <= b { s += $2; n++; if ($2 > m) m = $2 }
    END { printf "%d %d\n", (n ? s / n / 1024 : 0), m / 1024 }' "$OUT/rss.txt")
  row="| $w | $(( (w - 1) * WINDOW_S / 60 ))-$(( w * WINDOW_S / 60 )) min | $(val requests) | $errors | $(val p50_ms) ms | $(val p99_ms) ms | $(val rps) | $rss_mean MB | $rss_max MB |"
  echo "$row"
  ROWS+="$row"$'\n'
done

cat > "$OUT/report.md" <<REPORT
\`bench/soak.sh $MINUTES $CONCURRENCY\` against \`$IMAGE\` (podman + runc, host network, loopback, \`--cpus $CPUS\`), started $START,
wrk $THREADS thread / $CONCURRENCY connections, raw image/jpeg bodies (19 HAM10000 photos of 600x450 round-robin, one
request in $LOAD_LARGE_EVERY a large one of 1800x1200 to 5184x3456), $(nproc) cores
($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')).

| window | minutes | requests | errors | median | p99 | req/s | RSS mean | RSS max |
|---|---|---|---|---|---|---|---|---|
$ROWS
REPORT
cat "$OUT/report.md"
[ "$TOTAL_ERRORS" -eq 0 ] || { echo "FAILED: $TOTAL_ERRORS errors (see $OUT/window-*.txt)" >&2; exit 1; }
