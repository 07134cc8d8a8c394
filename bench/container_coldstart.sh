#!/usr/bin/env bash
# Cold start and warm latency of the native Lambda function as a container image against the bare binary, the
# way Lambda starts either: bench/lambda_runtime_emulator.py serves API Gateway events (a base64 JPEG) and times
# exec -> init done (first poll) -> first answer, then --warm invocations. Rounds alternate the two, so that both
# see the same machine load. The container runs with podman + runc on the host network; its "exec" includes
# podman's own start-up (runtime, namespaces, mounts), as a container platform's would.
#
#   bench/container_coldstart.sh [RUNS] [PHOTO]       defaults: 5, a 600x450 dermoscopy JPEG
#   CONTAINER_IMAGE=localhost/melanoma-native:test    built by src/test/container/images-test.sh native
#
# Prints a Markdown table of medians; copy it into docs/BENCHMARKS.md with the date and the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
PHOTO=${2:-testdata/dermoscopy/ISIC_0024310.jpg}
PY=${PYTHON:-python3}
IMAGE=${CONTAINER_IMAGE:-localhost/melanoma-native:test}
NATIVE=${NATIVE:-$(ls target/melanoma-function-*-runner 2>/dev/null | head -1 || true)}
[ -x "$NATIVE" ] || { echo "build the native runner first: ./mvnw package -Dnative" >&2; exit 1; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO podman image exists "$IMAGE" || { echo "no image $IMAGE: src/test/container/images-test.sh native" >&2; exit 1; }
COMMON=(--warm 10 --env MELANOMA_MODEL_INTRA_OP_THREADS=1 --env MALLOC_MMAP_THRESHOLD_=33554432)
CONTAINER=($SUDO podman --runtime runc run --rm --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
  -e AWS_LAMBDA_RUNTIME_API -e AWS_LAMBDA_FUNCTION_NAME -e AWS_LAMBDA_FUNCTION_MEMORY_SIZE
  -e AWS_LAMBDA_FUNCTION_VERSION -e AWS_REGION -e DISABLE_SIGNAL_HANDLERS -e MELANOMA_MODEL_INTRA_OP_THREADS
  -e MALLOC_MMAP_THRESHOLD_)
results=$(mktemp)
for i in $(seq "$RUNS"); do
  for name in $( [ $((i % 2)) -eq 0 ] && echo "container bare" || echo "bare container"); do
    if [ "$name" = bare ]; then cmd=("$NATIVE"); else cmd=("${CONTAINER[@]}" --name "melanoma-coldstart-$$-$i" "$IMAGE"); fi
    json=$("$PY" bench/lambda_runtime_emulator.py --image "$PHOTO" "${COMMON[@]}" -- "${cmd[@]}")
    $SUDO podman rm -f "melanoma-coldstart-$$-$i" >/dev/null 2>&1 || true
    echo "$name	$json" | tee -a "$results" >&2
  done
done
"$PY" - "$results" "$RUNS" "$IMAGE" <<'PYEOF'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, js = line.rstrip("\n").split("\t", 1)
    rows.setdefault(name, []).append(json.loads(js))
print(f"{sys.argv[2]} runs each, medians; bare = target/*-runner, container = {sys.argv[3]}\n")
print("| | exec -> init done | first answer | exec -> first answer (cold start) | warm median | warm p90 |")
print("|---|---|---|---|---|---|")
for name in ("bare", "container"):
    r = rows[name]
    m = lambda k: statistics.median(x[k] for x in r) * 1000
    print(f"| {name} | {m('init_s'):.0f} ms | {m('first_invocation_s'):.0f} ms | {m('cold_start_s'):.0f} ms"
          f" | {m('warm_median_s'):.0f} ms | {m('warm_p90_s'):.0f} ms |")
PYEOF
rm -f "$results"
