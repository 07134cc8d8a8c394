"""bench/perf.sh, step 1 of 2: measure. Us against the peers, in one run, on the same model, photos and machine;
the figures go to target/bench/results.json, which bench/perf_render.py turns into docs/BENCHMARKS.md.

    bench/perf.sh [--runs 30] [--warmup 5] [--threads 1,2] [--cold-starts 5] [--testdata testdata]

Contenders, all on models/efficientnetb4-demo/1 (EfficientNetB4, 384x384) and the same photos:
  (a)  Python onnxruntime, session.run alone on the 384x384 tensor that model-export's reference
       preprocessing makes from the photo (the engine floor); onnxruntime's defaults, N intra-op threads
  (b)  Keras 3 on TensorFlow (the old Flask app's engine), same weights, model.predict(x, verbose=0)
  (c)  the service over HTTP, end to end (POST the JPEG, get the JSON), JVM and native, N intra-op threads
  (d)  the service's own per-stage timings (timingsMs) from the same requests
plus Java onnxruntime alone (the service's engine without HTTP/decoding, bench/OrtBench.java) in session
variants (spinning, arena, per-request tensor, pre-optimised graphs), the cold start of each server (exec ->
first prediction answered over HTTP), RSS, session creation times, whole vs crop JPEG decoding, and the AWS
Lambda cost of 1M predictions.

Every contender runs once per round, in a new (seeded) random order each round, so that the machine's load
drift, and whatever the previous contender leaves running, hits them alike; ratios are medians of per-round ratios (paired). Servers and workers are restarted for each
thread count. Builds what is missing (the plain-HTTP JVM app, the plain-HTTP native binary) and makes the
12 MP JPEG deterministically under target/bench/.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "bench"
MODEL_DIR = ROOT / "models" / "efficientnetb4-demo" / "1"
JVM_OUT = "bench-jvm-http"  # target/bench-jvm-http/: the default target/quarkus-app (Lambda or not) is untouched
NATIVE_NAME = "bench-native-http"  # target/bench-native-http-runner (Quarkus writes native executables to target/)
BIG_SOURCE = "dermoscopy/ISIC_0012221.jpg"  # 3008x2000, resized to a 12 MP phone-size photo
BIG_SIZE = (4240, 2832)
PHOTOS = ["dermoscopy/ISIC_0012221.jpg", "dermoscopy/ISIC_0000000.jpg"]  # 6 MP original, 0.8 MP ISIC
COLD_PHOTO = "12mp"  # cold start: exec -> this photo answered


def log(msg: str) -> None:
    print(f"[perf {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# builds and inputs


def newest_source_mtime() -> float:
    newest = (ROOT / "pom.xml").stat().st_mtime
    for p in (ROOT / "src" / "main").rglob("*"):
        if p.is_file():
            newest = max(newest, p.stat().st_mtime)
    return newest


def mvnw(args, env=None) -> None:
    cmd = [str(ROOT / "mvnw"), "-B", "-q", *args]
    log("building: " + " ".join(cmd[1:]))
    t0 = time.time()
    subprocess.run(cmd, cwd=ROOT, check=True, env=env)
    log(f"built in {time.time() - t0:.0f} s")


def jvm_app(rebuild: bool) -> Path:
    jar = ROOT / "target" / JVM_OUT / "quarkus-run.jar"
    if rebuild or not jar.exists():
        mvnw(["package", "-Dhttp", "-DskipTests", f"-Dquarkus.package.output-directory={JVM_OUT}"])
    elif jar.stat().st_mtime < newest_source_mtime():
        log(f"note: {jar.relative_to(ROOT)} is older than src/main (use --rebuild to rebuild it)")
    return jar


def native_toolchain_home() -> str | None:
    if os.environ.get("GRAALVM_HOME"):
        return os.environ["GRAALVM_HOME"]
    setup = ROOT.parent / "shared" / "native-toolchain" / "setup.sh"
    if setup.exists():
        out = subprocess.run(["bash", str(setup)], capture_output=True, text=True, check=True).stdout
        return out.strip().splitlines()[-1]
    return None


def native_app(rebuild: bool) -> Path | None:
    runner = ROOT / "target" / f"{NATIVE_NAME}-runner"
    if runner.exists() and not rebuild:
        if runner.stat().st_mtime < newest_source_mtime():
            log(f"note: {runner.relative_to(ROOT)} is older than src/main (use --rebuild to rebuild it)")
        return runner
    home = native_toolchain_home()
    if not home:
        log("no GRAALVM_HOME and no ../shared/native-toolchain: skipping the native server")
        return None
    env = dict(os.environ)
    jdk25 = Path("/usr/lib/jvm/temurin-25-jdk-amd64")
    if "JAVA_HOME_NATIVE" in os.environ:
        env["JAVA_HOME"] = os.environ["JAVA_HOME_NATIVE"]
    elif jdk25.exists():
        env["JAVA_HOME"] = str(jdk25)
    mvnw(["package", "-Dnative", "-Dhttp", "-DskipTests", f"-Dquarkus.native.graalvm-home={home}",
          f"-Dquarkus.package.output-name={NATIVE_NAME}"], env=env)
    if not runner.exists():
        raise SystemExit(f"the native build wrote no {runner}")
    return runner


def make_12mp(testdata: Path) -> Path:
    """ISIC_0012221 (3008x2000) resized with Pillow's LANCZOS to 4240x2832, JPEG quality 92: deterministic."""
    out = WORK / "ISIC_0012221_12mp.jpg"
    if not out.exists():
        from PIL import Image

        with Image.open(testdata / BIG_SOURCE) as im:
            im.convert("RGB").resize(BIG_SIZE, Image.LANCZOS).save(out, "JPEG", quality=92)
        log(f"made {out.relative_to(ROOT)} ({out.stat().st_size / 1e6:.1f} MB)")
    return out


def python_json(args) -> dict:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "workers.py"), *args], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"workers.py {args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def demo_weights() -> dict:
    out = WORK / "demo.weights.h5"
    meta = WORK / "demo.weights.json"
    if out.exists() and meta.exists():
        return json.loads(meta.read_text())
    log("regenerating the demo model's Keras weights (Keras on torch) for the TensorFlow peer")
    info = python_json(["demo-weights", "--model-dir", str(MODEL_DIR), "--out", str(out)])
    if not info.get("sameAsDemo", True):
        log("note: the Keras peer's regenerated weights differ slightly from the demo's (BatchNorm statistics "
            "computed on another CPU); same graph, same speed")
    meta.write_text(json.dumps(info))
    return info


def tensors(photos: dict) -> dict:
    meta = WORK / "tensors.json"
    if meta.exists():
        known = json.loads(meta.read_text())
        if all(str(p) in known for p in photos.values()):
            return known
    log("reference preprocessing (TensorFlow) of the photos")
    info = python_json(["prepare", "--model-dir", str(MODEL_DIR), "--out", str(WORK / "tensors"),
                        *[str(p) for p in photos.values()]])
    meta.write_text(json.dumps(info))
    return info


# --------------------------------------------------------------------------------------------------
# processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid: int) -> dict:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":")
                out[k] = int(v.split()[0]) / 1024  # MB (MiB)
    except OSError:
        pass
    return out


class Worker:
    """A process answering one JSON line per command line."""

    def __init__(self, name, cmd, env=None):
        self.name = name
        self.logf = open(WORK / "logs" / f"{name}.log", "w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.logf, text=True, bufsize=1)
        self.hello = self.read()

    def read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"worker {self.name} died; see target/bench/logs/{self.name}.log")
        obj = json.loads(line)
        if "error" in obj:
            raise SystemExit(f"worker {self.name}: {obj['error']}")
        return obj

    def ask(self, line: str) -> dict:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.read()

    def stop(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)
        except (BrokenPipeError, subprocess.TimeoutExpired, OSError):
            self.proc.kill()
            self.proc.wait()
        self.logf.close()


class Server:
    """The service as a plain HTTP server, timed from exec to the first answered prediction."""

    def __init__(self, name, cmd, threads, cold_photo: bytes, log_name=None, extra_env=None):
        self.name = name
        self.port = free_port()
        env = dict(os.environ, MELANOMA_MODEL_DIR=str(MODEL_DIR), MELANOMA_MODEL_INTRA_OP_THREADS=str(threads),
                   MELANOMA_MODEL_ALLOW_SPINNING="false", **(extra_env or {}))
        self.logpath = WORK / "logs" / f"{log_name or name}.log"
        self.logf = open(self.logpath, "w")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd(self.port), cwd=ROOT, env=env, stdout=self.logf, stderr=subprocess.STDOUT)
        self.conn = None
        deadline = t0 + 120
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"{name} exited with {self.proc.returncode}; see {self.logpath}")
            try:
                status, _ = self.post(cold_photo)
                if status == 200:
                    break
            except (ConnectionError, OSError, http.client.HTTPException):
                self.conn = None
            if time.perf_counter() > deadline:
                raise SystemExit(f"{name} gave no prediction within 120 s; see {self.logpath}")
            time.sleep(0.005)
        self.cold_start_s = time.perf_counter() - t0
        self.first_status = proc_status(self.proc.pid)
        self.startup = self.parse_startup()

    def parse_startup(self) -> dict:
        text = self.logpath.read_text(errors="replace")
        m = re.search(r"spec (\d+) ms, ONNX Runtime session (\d+) ms, warm-up (\d+) ms", text)
        out = {}
        if m:
            out = {"spec_ms": int(m.group(1)), "session_ms": int(m.group(2)), "warmup_ms": int(m.group(3))}
        m = re.search(r"started in ([\d.]+)s", text)
        if m:
            out["quarkus_started_s"] = float(m.group(1))
        return out

    def post(self, body: bytes):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        self.conn.request("POST", "/v1/predictions", body=body,
                          headers={"Content-Type": "image/jpeg", "Accept": "application/json"})
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, data

    def predict(self, body: bytes) -> dict:
        t0 = time.perf_counter()
        status, data = self.post(body)
        ms = (time.perf_counter() - t0) * 1000
        if status != 200:
            raise SystemExit(f"{self.name} answered {status}: {data[:300]!r}")
        answer = json.loads(data)
        return {"ms": ms, "p": answer["malignantProbability"], **{k: v for k, v in answer["timingsMs"].items()}}

    def stop(self) -> dict:
        st = proc_status(self.proc.pid)
        if self.conn:
            self.conn.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.logf.close()
        return st


# Variants of the native server, run at the first thread count only, on the 12 MP photo; each differs from the
# shipped "native" in one thing, so that the same-run ratio says what that one thing buys.
SERVER_VARIANTS = {
    # the service's memory pattern as it was before (on); the default is now off
    "native-mempattern": {"env": {"MELANOMA_MODEL_MEMORY_PATTERN": "true"}},
    # glibc's malloc with template.yaml's fixed mmap threshold (32 MiB)
    "native-mmap": {"env": {"MALLOC_MMAP_THRESHOLD_": "33554432"}},
    # ImageIO's JPEG library as the JDK bundles it (IJG libjpeg 6b), as the native build shipped it before it
    # shipped one linked to libjpeg-turbo
    "native-ijg": {"ijg": True},
}
VARIANT_LABELS = {
    "native-mempattern": "native, ONNX Runtime memory pattern on (the old default)",
    "native-mmap": "native + MALLOC_MMAP_THRESHOLD_=33554432 (template.yaml)",
    "native-ijg": "native, the JDK's bundled IJG libjpeg instead of libjpeg-turbo (as before)",
}


def ijg_native(native: Path) -> Path | None:
    """A copy of the native binary with the libjavajpeg.so of the JDK that built it (Temurin's bundles IJG libjpeg
    6b): what decoding cost before the build shipped libjpeg-turbo. The binary loads ImageIO's library from its own
    folder."""
    jdk = Path(os.environ.get("JAVA_HOME_NATIVE", "/usr/lib/jvm/temurin-25-jdk-amd64"))
    lib = jdk / "lib" / "libjavajpeg.so"
    if not lib.exists():
        return None
    out = WORK / "native-ijg"
    out.mkdir(exist_ok=True)
    for f in native.parent.glob("*.so*"):
        shutil.copy2(f, out / f.name)
    shutil.copy2(native, out / native.name)
    shutil.copy2(lib, out / "libjavajpeg.so")
    return out / native.name


def server_cmds(jar: Path, native: Path | None) -> dict:
    """name -> (port -> command line). Plain `java -jar`, as a container would run it; the native binary."""
    def props(port):
        return [f"-Dquarkus.http.port={port}", "-Dquarkus.http.host=127.0.0.1"]

    cmds = {"jvm": lambda port: ["java", *props(port), "-jar", str(jar)]}
    if native:
        cmds["native"] = lambda port: [str(native), *props(port)]
    return cmds


# --------------------------------------------------------------------------------------------------
# the Java onnxruntime worker and its session variants


def ort_classpath(jar: Path) -> str:
    return str(jar.parent / "lib" / "main") + os.sep + "*"


def java_variants(threads: int) -> dict:  # noqa: C901
    """name -> OrtBench variant keys. 'base' is the service's own settings (inference/SessionSettings)."""
    m = str(MODEL_DIR / "model.onnx")
    v = {
        "base": f"model={m} level=ALL spin=0 arena=1 input=direct",
        "noarena": f"model={m} level=ALL spin=0 arena=0 input=direct",
        "heap": f"model={m} level=ALL spin=0 arena=1 input=heap",
        "noprepack": f"model={m} level=ALL spin=0 arena=1 prepack=0 input=direct",
        "nomempattern": f"model={m} level=ALL spin=0 arena=1 mempattern=0 input=direct",
        "preopt-ext": f"model={WORK / 'opt' / 'model.extended.onnx'} level=ALL spin=0 arena=1 input=direct",
        "preopt-all": f"model={WORK / 'opt' / 'model.all.onnx'} level=NONE spin=0 arena=1 input=direct",
        "ort-ext": f"model={WORK / 'opt' / 'model.extended.ort'} format=ORT level=ALL spin=0 arena=1 input=direct",
    }
    if threads > 1:
        v["spin"] = f"model={m} level=ALL spin=1 arena=1 input=direct"
    return v


def save_optimised_models(java: Worker) -> dict:
    """Graphs optimised by ONNX Runtime (the Java API's own version) and saved, for loading without redoing it.

    EXTENDED (fusions, constant folding: portable across x86 CPUs) as ONNX and as ORT format; ALL adds the
    NCHWc layout, whose block size is the CPU's vector width (8 floats with AVX2, 16 with AVX-512): that file
    is tied to this kind of CPU."""
    (WORK / "opt").mkdir(exist_ok=True)
    m = str(MODEL_DIR / "model.onnx")
    out = {}
    for name, level, fmt, path in (("save-ext", "EXTENDED", "ONNX", "model.extended.onnx"),
                                   ("save-all", "ALL", "ONNX", "model.all.onnx"),
                                   ("save-ext-ort", "EXTENDED", "ORT", "model.extended.ort")):
        target = WORK / "opt" / path
        java.ask(f"variant {name} model={m} level={level} format={fmt} save={target}")
        java.ask(f"create {name}")
        out[path] = round(target.stat().st_size / 1e6, 1)
    return out


# --------------------------------------------------------------------------------------------------
# the run


def run_threads(n, args, photos, bodies, tens, jar, native, weights, results):
    """All contenders at n intra-op threads, interleaved round by round."""
    big = photos["12mp"]
    x_npy, x_f32 = tens[str(big)]["npy"], tens[str(big)]["f32"]
    py = sys.executable
    rec = results.setdefault("threads", {}).setdefault(str(n), {})

    log(f"--- {n} intra-op thread(s): starting servers (cold starts) and workers")
    servers = {}
    cmds = server_cmds(jar, native)
    variants = {name: (cmd, None) for name, cmd in cmds.items()}
    if "native" in cmds and n == args.threads[0]:
        for vname, v in SERVER_VARIANTS.items():
            if v.get("ijg"):
                ijg = ijg_native(native)
                if ijg is None:
                    log("no libjavajpeg.so in the native build JDK ($JAVA_HOME_NATIVE): skipping native-ijg")
                    continue
                variants[vname] = (server_cmds(jar, ijg)["native"], None)
            else:
                variants[vname] = (cmds["native"], v["env"])
    for name, (cmd, extra) in variants.items():
        s = Server(name, cmd, n, bodies[COLD_PHOTO], log_name=f"{name}-t{n}", extra_env=extra)
        servers[name] = s
        rec.setdefault("cold", {})[name] = {"s": s.cold_start_s, **s.startup}
        log(f"{name}: exec -> first prediction {s.cold_start_s * 1000:.0f} ms {s.startup}")
    ort_w = Worker(f"ort-py-t{n}", [py, "bench/workers.py", "ort", "--model", str(MODEL_DIR / "model.onnx"),
                                   "--threads", str(n), "--tensor", x_npy])
    tf_w = Worker(f"keras-tf-t{n}", [py, "bench/workers.py", "keras", "--weights", weights["weights"],
                                    "--arch", weights["arch"], "--size", str(weights["size"]),
                                    "--threads", str(n), "--tensor", x_npy])
    java = Worker(f"ort-java-t{n}", ["java", "-cp", ort_classpath(jar), "bench/OrtBench.java", x_f32, str(n)])
    results.setdefault("versions", {}).update({"onnxruntime_python": ort_w.hello["onnxruntime"],
                                               "tensorflow": tf_w.hello["tensorflow"],
                                               "keras": tf_w.hello["keras"], "onnxruntime_java": java.hello["ort"],
                                               "java_bench": java.hello["java"]})
    if n == args.threads[0]:
        results["optimised_files_mb"] = save_optimised_models(java)
    variants = java_variants(n)
    for name, keys in variants.items():
        java.ask(f"variant {name} {keys}")
        rec.setdefault("java_open_ms", {})[name] = java.ask(f"open {name}")["ms"]

    # (b) is predict(), what a Flask handler calls; model(x, training=False) runs eagerly and was 2.3x slower
    # still in a trial run here, so it is not a contender (workers.py keeps it: "run call").
    contenders = [("a", lambda: ort_w.ask("run default")), ("b", lambda: tf_w.ask("run predict"))]
    if n > 1:
        contenders.append(("a-nospin", lambda: ort_w.ask("run nospin")))
    for name in variants:
        if n != args.threads[0] and name not in ("base", "spin", "nomempattern"):
            continue  # the other session options are studied at the first thread count only
        contenders.append((f"java-{name}", lambda name=name: java.ask(f"run {name}")))
    for sname, s in servers.items():
        for pname in (photos if sname in ("jvm", "native") else ["12mp"]):
            contenders.append((f"{sname}:{pname}", lambda s=s, pname=pname: s.predict(bodies[pname])))

    samples = {c: [] for c, _ in contenders}
    total = args.warmup + args.runs
    t_start = time.time()
    order = random.Random(n)  # deterministic
    for r in range(total):
        # A fresh order every round: a fixed rotation would always put the same contender right after the same
        # other one (e.g. after TensorFlow, whose threads spin on for a while) and bias it.
        for cname, fn in order.sample(contenders, len(contenders)):
            out = fn()
            if r >= args.warmup:
                samples[cname].append(out)
            time.sleep(0.03)  # let the previous contender's spinning threads go to sleep
        if r == args.warmup - 1 or (r + 1) % 10 == 0:
            log(f"round {r + 1}/{total} ({time.time() - t_start:.0f} s)")
    rec["samples"] = samples
    rec["loadavg_end"] = os.getloadavg()

    for sname, s in servers.items():
        rec.setdefault("rss", {})[sname] = s.stop()
    rec.setdefault("rss", {})["python-ort"] = proc_status(ort_w.proc.pid)
    rec["rss"]["keras-tf"] = proc_status(tf_w.proc.pid)
    rec["rss"]["java-ort"] = proc_status(java.proc.pid)
    for w in (ort_w, tf_w):
        w.stop()

    if n == args.threads[0]:
        # session creation of each way of loading the model, interleaved; decode whole vs crop
        log("session creation and JPEG decoding studies")
        creation = {v: [] for v in ("base", "preopt-ext", "preopt-all", "ort-ext")}
        for r in range(args.create_runs):
            for v in list(creation)[r % 4:] + list(creation)[:r % 4]:
                creation[v].append(java.ask(f"create {v}")["ms"])
        rec["creation_ms"] = creation
        decode = {"full": [], "crop": []}
        for r in range(args.decode_runs + 2):
            for mode in (("full", "crop") if r % 2 == 0 else ("crop", "full")):
                out = java.ask(f"decode {big} {mode}")
                if r >= 2:
                    decode[mode].append(out["ms"])
        rec["decode_ms"] = decode
    java.stop()


RSS_VARIANTS = {
    "base": "level=ALL arena=1", "noarena": "level=ALL arena=0", "nomempattern": "level=ALL mempattern=0",
    "noprepack": "level=ALL prepack=0", "noarena-nomempattern": "level=ALL arena=0 mempattern=0",
    "preopt-ext": "level=ALL arena=1 opt=model.extended.onnx", "preopt-all": "level=NONE arena=1 opt=model.all.onnx",
}


def rss_study(args, jar, tens, photos, results):
    """Memory of one session per fresh JVM: VmRSS/VmHWM growth from before the session to after 3 runs."""
    x_f32 = tens[str(photos["12mp"])]["f32"]
    out = {}
    for name, keys in RSS_VARIANTS.items():
        words = dict(k.split("=") for k in keys.split())
        model = WORK / "opt" / words.pop("opt") if "opt" in words else MODEL_DIR / "model.onnx"
        decl = f"variant v model={model} spin=0 input=direct " + " ".join(f"{k}={v}" for k, v in words.items())
        w = Worker(f"ort-java-rss-{name}", ["java", "-cp", ort_classpath(jar), "bench/OrtBench.java", x_f32, "1"])
        before = w.ask("rss")
        w.ask(decl)
        w.ask("open v")
        opened = w.ask("rss")
        ms = [w.ask("run v")["ms"] for _ in range(4)]
        after = w.ask("rss")
        w.stop()
        out[name] = {"session_mb": opened["rss"] - before["rss"], "after_runs_mb": after["rss"] - before["rss"],
                     "peak_mb": after["hwm"] - before["rss"], "last_run_ms": ms[-1]}
        log(f"rss {name}: {out[name]}")
    results["rss_study"] = out


def cold_starts(args, jar, native, bodies, results):
    """Servers started one at a time, alternating, exec -> first prediction; 1 intra-op thread (Lambda's 1 vCPU)."""
    out = {name: [] for name in server_cmds(jar, native)}
    for i in range(args.cold_starts):
        names = list(out) if i % 2 == 0 else list(reversed(out))
        for name in names:
            s = Server(name, server_cmds(jar, native)[name], 1, bodies[COLD_PHOTO], log_name=f"{name}-cold{i}")
            st = s.stop()
            out[name].append({"s": s.cold_start_s, **s.startup, "hwm_mb": st.get("VmHWM"),
                              "rss_first_mb": s.first_status.get("VmRSS")})
            log(f"cold start {i + 1}/{args.cold_starts} {name}: {s.cold_start_s * 1000:.0f} ms")
    results["cold_starts"] = out


# --------------------------------------------------------------------------------------------------
# the report


def machine() -> dict:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    flags = Path("/proc/cpuinfo").read_text()
    isa = "AVX-512" if "avx512f" in flags else ("AVX2" if "avx2" in flags else "SSE")
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024 / 1024
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    return {"cpu": cpu, "isa": isa, "cores": os.cpu_count(), "mem_gb": round(mem), "kernel": platform.release(),
            "java": java, "python": platform.python_version()}


def measure(args) -> dict:
    """Every measurement of one run, with the settings it ran with (what perf_render.py needs besides)."""
    t0 = time.time()
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "logs").mkdir(exist_ok=True)
    testdata = Path(args.testdata)
    if not (testdata / BIG_SOURCE).exists():
        raise SystemExit(f"{testdata / BIG_SOURCE} not found: give --testdata")

    results = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
               "command": "bench/perf.sh " + " ".join(sys.argv[1:]), "machine": machine(),
               "loadavg_start": os.getloadavg(),
               "settings": {"threads": args.threads, "runs": args.runs, "warmup": args.warmup,
                            "cold_starts": args.cold_starts}}
    jar = jvm_app(args.rebuild)
    native = None if args.no_native else native_app(args.rebuild)
    big = make_12mp(testdata)
    photos = {"12mp": big, **{Path(p).stem.replace("ISIC_", ""): testdata / p for p in PHOTOS}}
    from PIL import Image

    desc = {}
    for k, p in photos.items():
        with Image.open(p) as im:
            desc[k] = {"file": p.name, "w": im.width, "h": im.height, "bytes": p.stat().st_size,
                       "desc": f"{p.name if k != '12mp' else 'ISIC_0012221 resized'} {im.width}×{im.height} "
                               f"{p.stat().st_size / 1e6:.1f} MB"}
    results["photos"] = desc
    bodies = {k: p.read_bytes() for k, p in photos.items()}
    weights = demo_weights()
    tens = tensors(photos)

    for n in args.threads:
        run_threads(n, args, photos, bodies, tens, jar, native, weights, results)
    rss_study(args, jar, tens, photos, results)
    if args.cold_starts:
        cold_starts(args, jar, native, bodies, results)
    results["elapsed_min"] = (time.time() - t0) / 60
    return results


def save(results: dict, path: Path = WORK / "results.json") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, default=str))
    return path
