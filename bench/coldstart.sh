#!/usr/bin/env bash
# Cold start and warm latency of the Lambda function, measured the way Lambda runs it: each run starts the
# process under a local Lambda Runtime API (bench/lambda_runtime_emulator.py) that serves API Gateway HTTP API
# events carrying a base64 JPEG, and times exec -> init done -> first answer, then warm invocations.
# Contenders, all in the same rounds in a rotating order, so that all see the same machine load:
#   native                  the shipped function: runtime graph for this CPU, whole-file CRC-32 check, decoding
#                           warm-up beside session creation (the defaults), on the demo model as
#                           `melanoma-export optimize` leaves a copy of it on this host (target/bench/b4-demo/1): the
#                           committed demo carries the AVX-512 graph; optimize adds this CPU's when it is another
#   native, mmap threshold 128 KiB   the same with MALLOC_MMAP_THRESHOLD_=131072, as template.yaml set it before
#   native, portable graph, mmap threshold 128 KiB   the portable graph with that setting: where it cost most
#   native, portable graph  the same, forced onto the portable runtime graph: what a CPU gets that the
#                           CPU-specific one does not fit (arm64; AVX2 when only an AVX-512 one was exported)
#   native, as before       the same binary configured the way the function started until now: model.onnx
#                           optimised at every start, full sha256, a warm-up prediction before ready
#   native, B4 float32      the shipped function on a full-size float32 EfficientNetB4 (70 MB) exported by
#                           `melanoma-export convert` from a weights-only .h5 (bench/full_size_model.py)
#   native, B4 float32, as before
#   native, malloc hugetlb  the shipped function with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (glibc >= 2.35)
#   native, B4 float32, sampled check   the full-size B4 with melanoma.model.integrity=sampled instead of the
#                           whole-file CRC-32: the difference is what verifying every byte costs the cold start
#   native, large photo     the shipped function on ISIC_0012221.jpg (3008x2000, 3.9 MB: a 5.2 MB event), for
#                           what the Lambda event path (event JSON, base64, response) adds to the server's total
#   jvm                     the same code built with -Pjvm-lambda, run as Lambda's java21 runtime would (C1)
# Every native run gets MALLOC_MMAP_THRESHOLD_=33554432, as template.yaml sets it on Lambda. One intra-op thread
# (one Lambda vCPU at 1769 MB).
#
#   bench/coldstart.sh [RUNS] [PHOTO]        (defaults: 5 runs, a 600x450 dermoscopy JPEG)
#   SKIP_JVM=1 / SKIP_B4=1 leave those contenders out; ONLY='REGEX' keeps only the contenders it matches.
#   BASELINE=path/to/another-runner adds "baseline: ..." twins of the native and default-model contenders run by
#   that binary (e.g. one built from an earlier commit, in its own target/ with its libraries), so that a change's
#   cost is a ratio from one run.
#
# Needs: the native Lambda runner (./mvnw package -Dnative; NATIVE=path to use another), model-export's Python
# environment for the B4 model, and target/jvm-lambda (built here with -Pjvm-lambda).
# Prints a Markdown table; copy it into docs/BENCHMARKS.md with the date and the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
PHOTO=${2:-testdata/dermoscopy/ISIC_0024310.jpg}
PY=${PYTHON:-python3}
# the Lambda build's runner, not bench/perf.sh's plain-HTTP one (target/bench-native-http-runner)
NATIVE=${NATIVE:-$(ls target/melanoma-function-*-runner 2>/dev/null | head -1 || true)}
[ -x "$NATIVE" ] || { echo "build the native runner first: ./mvnw package -Dnative" >&2; exit 1; }
B4=target/bench/b4-float32/1
DEMO=target/bench/b4-demo/1
rm -rf "$DEMO" && mkdir -p "$(dirname "$DEMO")" && cp -r models/efficientnetb4-demo/1 "$DEMO"
"$PY" -m melanoma_export optimize "$DEMO" --images testdata/dermoscopy >&2
if [ "${SKIP_B4:-0}" != 1 ]; then "$PY" bench/full_size_model.py "$B4" >&2; fi

if [ "${SKIP_JVM:-0}" != 1 ] && [ ! -f target/jvm-lambda/app-runner.jar ]; then
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
# the untrained B4 demo unless a row says otherwise (the benchmark's model since before the trained default)
COMMON=(--env MELANOMA_MODEL_INTRA_OP_THREADS=1 --env "MELANOMA_MODEL_DIR=$DEMO")
NATIVE_ENV=(--env MALLOC_MMAP_THRESHOLD_=33554432)
BEFORE=(--env MELANOMA_MODEL_GRAPH=model.onnx --env MELANOMA_MODEL_INTEGRITY=full --env MELANOMA_MODEL_WARM_UP=full)

contenders=("native" "native, mmap threshold 128 KiB" "native, portable graph" "native, portable graph, mmap threshold 128 KiB" "native, as before" "native, default model (B0)" "native, malloc hugetlb")
contenders+=("native, large photo")
[ "${SKIP_B4:-0}" != 1 ] && contenders+=("native, B4 float32" "native, B4 float32, sampled check" "native, B4 float32, as before")
[ "${SKIP_JVM:-0}" != 1 ] && contenders+=("jvm")
[ -n "${BASELINE:-}" ] && contenders+=("baseline: native" "baseline: native, default model (B0)")
if [ -n "${ONLY:-}" ]; then
  kept=()
  for c in "${contenders[@]}"; do if [[ $c =~ $ONLY ]]; then kept+=("$c"); fi; done
  contenders=("${kept[@]}")
fi

results=$(mktemp)
for i in $(seq "$RUNS"); do
  n=${#contenders[@]}
  for j in $(seq 0 $((n - 1))); do
    name=${contenders[$(((i + j) % n))]}
    args=("${COMMON[@]}")
    case "$name" in
      jvm) cmd=("${JVM[@]}") ;;
      baseline:*) cmd=("$BASELINE"); args+=("${NATIVE_ENV[@]}") ;;
      *) cmd=("$NATIVE"); args+=("${NATIVE_ENV[@]}") ;;
    esac
    case "$name" in *"as before"*) args+=("${BEFORE[@]}") ;; esac
    case "$name" in *"portable graph"*) args+=(--env MELANOMA_MODEL_GRAPH=model.opt-portable.onnx) ;; esac
    case "$name" in *B4*) args+=(--env "MELANOMA_MODEL_DIR=$B4") ;; esac
    case "$name" in *"default model"*) args+=(--env MELANOMA_MODEL_DIR=models/melanoma-b0/1) ;; esac
    # glibc >= 2.35 (not Lambda's al2023, which has 2.34 and ignores it): malloc advises transparent huge pages,
    # so that the first inference's arena growth takes ~5x fewer page faults (bench/first_touch.py)
    case "$name" in *"mmap threshold 128 KiB"*) args+=(--env MALLOC_MMAP_THRESHOLD_=131072) ;; esac
    case "$name" in *"malloc hugetlb"*) args+=(--env GLIBC_TUNABLES=glibc.malloc.hugetlb=1) ;; esac
    case "$name" in *"sampled check"*) args+=(--env MELANOMA_MODEL_INTEGRITY=sampled) ;; esac
    photo=$PHOTO
    case "$name" in *"large photo"*) photo=testdata/dermoscopy/ISIC_0012221.jpg ;; esac
    json=$("$PY" bench/lambda_runtime_emulator.py --image "$photo" --warm 10 "${args[@]}" -- "${cmd[@]}")
    echo "$name	$json" | tee -a "$results" >&2
  done
done

"$PY" - "$results" "$NATIVE" "$PHOTO" "${contenders[@]}" <<'PYEOF'
import json, os, statistics, subprocess, sys
rows = {}
for line in open(sys.argv[1]):
    name, js = line.rstrip("\n").split("\t", 1)
    rows.setdefault(name, []).append(json.loads(js))
names = sys.argv[4:]
def med(name, key, scale=1000):
    vals = [r[key] for r in rows[name] if r.get(key) is not None]
    return f"{statistics.median(vals) * scale:.0f}" if vals else "-"
print("| | " + " | ".join(names) + " |")
print("|---" * (len(names) + 1) + "|")
print("| graph opened | " + " | ".join(rows[n][0].get("graph") or "-" for n in names) + " |")
print("| warm-up | " + " | ".join(rows[n][0].get("warmup") or "-" for n in names) + " |")
for key, label in [("init_s", "exec → init done (ms)"), ("ort_session_s", "… of which ONNX Runtime session (ms)"),
                   ("warmup_s", "… of which warm-up after the session (ms)"),
                   ("first_invocation_s", "first event → answer (ms)"),
                   ("cold_start_s", "**exec → first answer (ms)**"), ("warm_median_s", "warm invocation, median (ms)"),
                   ("warm_p90_s", "warm invocation, p90 (ms)"),
                   ("server_total_median_s", "… the server's own total, warm median (ms)"),
                   ("event_path_median_s", "… the Lambda event path on top of it, warm median (ms)")]:
    print(f"| {label} | " + " | ".join(med(n, key) for n in names) + " |")
for key, label in [("faults_before_model", "page faults: process start → model loading"),
                   ("faults_spec", "… spec (and the runtime's library)"), ("faults_session", "… ONNX Runtime session"),
                   ("faults_warmup", "… warm-up"), ("faults_init", "… exec → init done, in all"),
                   ("faults_first_event", "page faults: first event → answer")]:
    print(f"| {label} | " + " | ".join(med(n, key, 1) for n in names) + " |")
print("| event size (MB) | " + " | ".join(f"{rows[n][0]['event_bytes'] / 1e6:.1f}" for n in names) + " |")
print("| peak RSS (MB) | " + " | ".join(med(n, "peak_rss_mb", 1) for n in names) + " |")
size = os.path.getsize(sys.argv[2]) / 1e6
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
flags = next((l for l in open("/proc/cpuinfo") if l.startswith("flags")), "")
isa = "AVX-512" if " avx512f" in flags else "AVX2" if " avx2" in flags else "no AVX2"
virt = subprocess.run(["systemd-detect-virt"], capture_output=True, text=True).stdout.strip() or "?"
wanted = ["avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "hypervisor"]
have = [f for f in wanted if f" {f} " in flags + " "]
# the hypervisor as the kernel names it (e.g. KVM, PVM) and whether the guest runs under Firecracker; nothing else
# of the boot log or the command line is printed
kernel_log = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
hyp = next((l.split("Hypervisor detected:", 1)[1].strip() for l in kernel_log.splitlines()
            if "Hypervisor detected:" in l), "?")
firecracker = "firecracker" in open("/proc/cmdline").read().lower()
thp = open("/sys/kernel/mm/transparent_hugepage/enabled").read().split("[")[1].split("]")[0]
glibc = os.confstr("CS_GNU_LIBC_VERSION") or "?"
print(f"\nruns: {len(rows[names[0]])} each, rotating order; photo: {os.path.basename(sys.argv[3])}; "
      f"native runner {size:.1f} MB; CPU: {cpu} ({isa}; flags {' '.join(have)}), {os.cpu_count()} cores; "
      f"hypervisor: {hyp}{', Firecracker microVM' if firecracker else ''}; systemd-detect-virt: {virt}; "
      f"kernel {os.uname().release}, THP {thp}; {glibc}")
PYEOF
rm -f "$results"
