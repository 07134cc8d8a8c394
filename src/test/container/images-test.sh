#!/usr/bin/env bash
# The container images, built and run: src/main/docker/Dockerfile.jvm (plain HTTP on the JVM) or
# src/main/docker/Dockerfile.native (the native Lambda binary as a Lambda container image), on a Debian base made
# from the Debian archive (debian-base.sh), with podman and runc. Each sends a real photo to the running container
# and checks the answer against the probability TensorFlow gave for it (the reference fixtures, within 1e-3, the
# bound of ReferenceParityTest), and that a missing model stops the container with the one line naming the cause.
#
#   src/test/container/images-test.sh jvm       after ./mvnw package -Dhttp (target/quarkus-app)
#   src/test/container/images-test.sh native    after ./mvnw package -Dnative (target/*-runner, the Lambda build)
#
# Needs podman and runc (Debian: apt-get install podman runc debootstrap) and root, or sudo. Only loopback is used
# (host network: the container's port is the host's 127.0.0.1:PORT; the Runtime API emulator listens there too).
# Prints "SKIPPED: reason" and exits 0 only where this machine cannot run a container at all.
set -euo pipefail
cd "$(dirname "$0")/../../.."
KIND=${1:?usage: $0 jvm|native}
BASE=${CONTAINER_BASE:-localhost/melanoma-base:bookworm}
IMAGE=localhost/melanoma-$KIND:test
PORT=${CONTAINER_PORT:-18089}
PHOTO=dermoscopy/ISIC_0000000.jpg
TESTDATA=${TESTDATA_DIR:-testdata}
PY=${PYTHON:-python3}
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
# runc: crun is refused on cgroup v1 hosts; the ulimits: podman's defaults can exceed what an unprivileged
# host allows.
RUN=($SUDO podman --runtime runc run --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
OUT=target/container-$KIND
rm -rf "$OUT" && mkdir -p "$OUT"

fail() { echo "FAILED ($KIND image): $*" >&2; exit 1; }
command -v podman >/dev/null || fail "podman is not installed (apt-get install podman runc)"
command -v runc >/dev/null || fail "runc is not installed (apt-get install runc)"
$SUDO bash src/test/container/debian-base.sh "$BASE"
# A machine that cannot run containers at all (no namespaces, no cgroups) fails here: skip, saying why.
if ! probe=$("${RUN[@]}" --rm "$BASE" /bin/true 2>&1); then
  echo "SKIPPED ($KIND image): this machine cannot run a container: $probe" >&2
  exit 0
fi

EXPECTED=$("$PY" - "$PHOTO" <<'PYEOF'
import json, sys
fixtures = json.load(open("src/test/resources/reference/melanoma-b0/fixtures.json"))
print(next(i["probability"] for i in fixtures["images"] if i["file"] == sys.argv[1]))
PYEOF
)

# The answer's probability against TensorFlow's for the same photo; the model it names.
check_answer() { # file-with-json
  "$PY" - "$1" "$EXPECTED" <<'PYEOF' || fail "answer: $(head -c 600 "$1")"
import json, sys
answer = json.load(open(sys.argv[1]))
expected = float(sys.argv[2])
p = answer["malignantProbability"]
assert abs(p - expected) <= 1e-3, f"probability {p}, TensorFlow gave {expected}"
assert answer["model"]["name"] == "melanoma-b0" and answer["model"]["trained"] is True, answer["model"]
print(f"  probability {p:.6f} (TensorFlow {expected:.6f})")
PYEOF
}

image_size() { $SUDO podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'; }

case "$KIND" in
  jvm)
    [ -f target/quarkus-app/quarkus-run.jar ] || fail "no target/quarkus-app (./mvnw package -Dhttp)"
    grep -q amazon-lambda target/quarkus-app/quarkus-app-dependencies.txt 2>/dev/null \
      && fail "target/quarkus-app is the Lambda build; build the plain-HTTP jar with -Dhttp"
    echo "== building $IMAGE from src/main/docker/Dockerfile.jvm on $BASE"
    $SUDO podman build --network host --pull=never --runtime runc --build-arg BASE="$BASE" \
      -f src/main/docker/Dockerfile.jvm -t "$IMAGE" . > "$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log" >&2; fail "build"; }
    echo "  $IMAGE: $(image_size)"
    NAME=melanoma-jvm-test-$$
    cleanup() { $SUDO podman rm -f "$NAME" >/dev/null 2>&1 || true; }
    trap cleanup EXIT
    serve() { # extra podman run options...
      cleanup
      "${RUN[@]}" -d --name "$NAME" -e QUARKUS_HTTP_PORT="$PORT" -e QUARKUS_HTTP_HOST=127.0.0.1 "$@" "$IMAGE" >/dev/null
      for _ in $(seq 1 240); do
        curl -sf "http://127.0.0.1:$PORT/q/health/ready" >/dev/null && return 0
        [ "$($SUDO podman inspect --format '{{.State.Running}}' "$NAME" 2>/dev/null)" = true ] \
          || { $SUDO podman logs "$NAME" 2>&1 | tail -20 >&2; fail "the container stopped"; }
        sleep 0.5
      done
      fail "not ready after 120 s"
    }
    echo "== the model as an image layer"
    serve
    curl -sf -D "$OUT/headers.txt" -o "$OUT/answer.json" -H 'Content-Type: image/jpeg' -H 'X-Request-Id: container-test-1' \
      --data-binary "@$TESTDATA/$PHOTO" "http://127.0.0.1:$PORT/v1/predictions" || fail "POST /v1/predictions"
    check_answer "$OUT/answer.json"
    grep -qi '^x-request-id: container-test-1' "$OUT/headers.txt" || fail "X-Request-Id not echoed: $(cat "$OUT/headers.txt")"
    curl -sf "http://127.0.0.1:$PORT/q/metrics" > "$OUT/metrics.txt" || fail "GET /q/metrics"
    grep -q '^melanoma_requests_total{.*outcome="prediction".*} 1.0' "$OUT/metrics.txt" || fail "no melanoma_requests_total in /q/metrics"
    $SUDO podman logs "$NAME" > "$OUT/container.log" 2>&1
    "$PY" - "$OUT/container.log" <<'PYEOF' || fail "the request's JSON log line: $(grep -m1 'v1/predictions' "$OUT/container.log")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
line = next(l for l in lines if l.get("loggerName") == "ai.skinlesion.request")
mdc = line["mdc"]
assert mdc["requestId"] == "container-test-1" and mdc["status"] == "200" and mdc["outcome"] == "prediction", mdc
assert float(mdc["inferenceMs"]) > 0 and mdc["model"] == "melanoma-b0", mdc
print("  JSON log line:", line["message"])
PYEOF
    echo "== the model as a mount (read-only), MELANOMA_MODEL_DIR pointing into it"
    serve -v "$PWD/models:/mnt/models:ro" -e MELANOMA_MODEL_DIR=/mnt/models/melanoma-b0/1
    curl -sf -o "$OUT/answer-mount.json" -H 'Content-Type: image/jpeg' --data-binary "@$TESTDATA/$PHOTO" \
      "http://127.0.0.1:$PORT/v1/predictions" || fail "POST /v1/predictions (mounted model)"
    check_answer "$OUT/answer-mount.json"
    cleanup
    echo "== a missing model stops the container with the cause"
    set +e
    "${RUN[@]}" --rm -e QUARKUS_HTTP_PORT="$PORT" -e MELANOMA_MODEL_DIR=/nonexistent "$IMAGE" > "$OUT/failure.log" 2>&1
    code=$?
    set -e
    [ "$code" -ne 0 ] || fail "the container exited 0 without a model"
    grep -q '"message":"Cannot start: no model.json in model directory /nonexistent' "$OUT/failure.log" \
      || fail "no 'Cannot start' line: $(tail -5 "$OUT/failure.log")"
    echo "  exit $code: $(grep -o '"message":"Cannot start: [^"]*' "$OUT/failure.log" | head -1 | cut -c12-)"
    ;;
  native)
    RUNNER=$(ls target/*-runner 2>/dev/null | head -1)
    [ -x "$RUNNER" ] || fail "no target/*-runner (./mvnw package -Dnative)"
    echo "== building $IMAGE from src/main/docker/Dockerfile.native on $BASE"
    $SUDO podman build --network host --pull=never --runtime runc --build-arg BASE="$BASE" \
      -f src/main/docker/Dockerfile.native -t "$IMAGE" . > "$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log" >&2; fail "build"; }
    echo "  $IMAGE: $(image_size)"
    NAME=melanoma-native-test-$$
    cleanup() { $SUDO podman rm -f "$NAME" >/dev/null 2>&1 || true; }
    trap cleanup EXIT
    # The Runtime API emulator starts the container as the function's process; -e NAME passes its variables in.
    LAMBDA=("${RUN[@]}" --rm --name "$NAME" -e AWS_LAMBDA_RUNTIME_API -e AWS_LAMBDA_FUNCTION_NAME
            -e AWS_LAMBDA_FUNCTION_MEMORY_SIZE -e AWS_LAMBDA_FUNCTION_VERSION -e AWS_REGION -e DISABLE_SIGNAL_HANDLERS)
    echo "== an API Gateway event through the Lambda Runtime API"
    "$PY" bench/lambda_runtime_emulator.py --image "$TESTDATA/$PHOTO" --warm 2 --show-answer --timeout 180 \
      -- "${LAMBDA[@]}" "$IMAGE" > "$OUT/emulator.json" || fail "the Lambda container answered nothing"
    cleanup
    # the emulator keeps only the start of the answer: read the probability from it
    "$PY" - "$OUT/emulator.json" "$EXPECTED" <<'PYEOF' || fail "Lambda answer: $(head -c 600 "$OUT/emulator.json")"
import json, re, sys
run = json.load(open(sys.argv[1]))
expected = float(sys.argv[2])
m = re.search(r'\\"malignantProbability\\":([0-9.eE-]+)', run["last_answer"]) or \
    re.search(r'"malignantProbability":([0-9.eE-]+)', run["last_answer"])
assert m, run["last_answer"]
p = float(m.group(1))
assert abs(p - expected) <= 1e-3, f"probability {p}, TensorFlow gave {expected}"
print(f"  status 200, probability {p:.6f} (TensorFlow {expected:.6f}); init {run['init_s']:.2f} s, cold start {run['cold_start_s']:.2f} s")
PYEOF
    echo "== a missing model: the init error names the cause"
    set +e
    "$PY" bench/lambda_runtime_emulator.py --image "$TESTDATA/$PHOTO" --warm 0 --timeout 60 \
      --env MELANOMA_MODEL_DIR=/nonexistent -- "${LAMBDA[@]}" -e MELANOMA_MODEL_DIR "$IMAGE" > "$OUT/failure.log" 2>&1
    set -e
    cleanup
    grep -q 'init/error.*Cannot start: no model.json in model directory /nonexistent' "$OUT/failure.log" \
      || fail "no init error naming the cause: $(head -c 800 "$OUT/failure.log")"
    echo "  init error: $(grep -o 'Cannot start: no model.json in model directory /nonexistent' "$OUT/failure.log" | head -1)"
    ;;
  *) fail "usage: $0 jvm|native" ;;
esac
echo "OK: $IMAGE ($(image_size))"
