#!/usr/bin/env python3
"""A minimal AWS Lambda Runtime API, to measure the function's cold start the way Lambda runs it.

It serves real-shaped API Gateway HTTP API (payload 2.0) events, one per invocation, to a process started
with AWS_LAMBDA_RUNTIME_API pointing at it, and times:

  exec -> init done        the process starts and its first GET /invocation/next arrives (Quarkus started,
                           model loaded, ONNX Runtime session created, warm-up done)
  init done -> response    the first event is answered (the first prediction)
  exec -> first response   the cold start as a client sees it

then answers --warm more events to time warm invocations, and what the Lambda path adds to each (the invocation's
time minus the function's own timingsMs.total: the event over the Runtime API, its JSON and base64, the response),
reads the process's peak RSS (VmHWM), and stops it.
Only loopback is used. Endpoints: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html

Usage (see bench/coldstart.sh for the runs in docs/BENCHMARKS.md):
  bench/lambda_runtime_emulator.py --image PHOTO.jpg --warm 20 -- COMMAND [ARGS...]
"""

import argparse
import base64
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


def api_gateway_event(image: bytes, content_type: str) -> dict:
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": "POST /v1/predictions",
        "rawPath": "/v1/predictions",
        "rawQueryString": "",
        "headers": {
            "accept": "application/json",
            "content-length": str(len(image)),
            "content-type": content_type,
            "host": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com",
            "user-agent": "okhttp/4.12.0",
            "x-amzn-trace-id": "Root=1-" + uuid.uuid4().hex[:8] + "-" + uuid.uuid4().hex[:24],
            "x-forwarded-for": "198.51.100.23",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
            "domainName": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "a1b2c3d4e5",
            "http": {"method": "POST", "path": "/v1/predictions", "protocol": "HTTP/1.1",
                     "sourceIp": "198.51.100.23", "userAgent": "okhttp/4.12.0"},
            "requestId": uuid.uuid4().hex[:16],
            "routeKey": "POST /v1/predictions",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": base64.b64encode(image).decode(),
        "isBase64Encoded": True,
    }


def server_total_s(answer: dict):
    """The function's own timingsMs.total from the API Gateway response it posted, or None."""
    try:
        body = answer.get("body") or ""
        if answer.get("isBase64Encoded"):
            body = base64.b64decode(body)
        return json.loads(body)["timingsMs"]["total"] / 1000
    except (ValueError, KeyError, TypeError):
        return None


class Emulator:
    def __init__(self, event_body: bytes, invocations: int):
        self.event_body = event_body
        self.remaining = invocations
        self.lock = threading.Condition()
        self.t_first_next = None
        self.sent_at = {}
        self.answers = []  # (request id, seconds from send to response, status code in the body)
        self.errors = []
        self.done = threading.Event()
        self.pid = None
        self.faults_at_first_next = None
        self.faults_at_first_answer = None

    def next_event(self):
        with self.lock:
            if self.t_first_next is None:
                self.t_first_next = time.perf_counter()
                self.faults_at_first_next = page_faults(self.pid)
            if self.remaining <= 0:
                return None
            self.remaining -= 1
            rid = str(uuid.uuid4())
            self.sent_at[rid] = time.perf_counter()
            return rid

    def response(self, rid, body: bytes):
        t = time.perf_counter()
        try:
            answer = json.loads(body)
            status = answer.get("statusCode")
        except ValueError:
            answer, status = {}, None
        with self.lock:
            if not self.answers:
                self.faults_at_first_answer = page_faults(self.pid)
            self.last_body = body
            self.answers.append((rid, t - self.sent_at[rid], status, t, server_total_s(answer)))
            if self.remaining <= 0 and len(self.answers) == len(self.sent_at):
                self.done.set()

    def error(self, what, body):
        self.errors.append((what, body[:500]))
        self.done.set()


def handler_for(emulator: Emulator):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _reply(self, code, body=b"", headers=None):
            self.send_response(code)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == PREFIX + "/invocation/next":
                rid = emulator.next_event()
                if rid is None:  # no more work: hold the poll like Lambda does until we stop the process
                    emulator.done.wait()
                    time.sleep(3600)
                    return
                self._reply(200, emulator.event_body, {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": rid,
                    "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 15000),
                    "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:eu-west-1:123456789012:function:melanoma",
                    "Lambda-Runtime-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
                })
            else:
                self._reply(404)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
            m = re.fullmatch(PREFIX + r"/invocation/([^/]+)/(response|error)", self.path)
            if m and m.group(2) == "response":
                emulator.response(m.group(1), body)
                self._reply(202, b'{"status":"OK"}')
            elif m or self.path == PREFIX + "/init/error":
                emulator.error(self.path, body)
                self._reply(202, b'{"status":"OK"}')
            else:
                self._reply(404)

    return Handler


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the function's pending poll is cut when we stop it: expected, not worth a traceback


def page_faults(pid):
    """The process's minor + major page faults so far (/proc/PID/stat fields 10 and 12), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[7]) + int(fields[9])
    except (OSError, TypeError, IndexError, ValueError):
        return None


def peak_rss_mb(pid: int):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run(command, image_path, content_type, warm, timeout, env_extra, verbose=False):
    image = open(image_path, "rb").read()
    emulator = Emulator(json.dumps(api_gateway_event(image, content_type)).encode(), 1 + warm)
    server = QuietServer(("127.0.0.1", 0), handler_for(emulator))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}",
               AWS_LAMBDA_FUNCTION_NAME="melanoma", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1769",
               AWS_LAMBDA_FUNCTION_VERSION="$LATEST", AWS_REGION="eu-west-1",
               DISABLE_SIGNAL_HANDLERS="true", **env_extra)
    log_path = f"/tmp/lambda-emulator-{os.getpid()}.log"
    with open(log_path, "wb") as log:
        t_exec = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        emulator.pid = proc.pid
        finished = emulator.done.wait(timeout)
        rss = peak_rss_mb(proc.pid)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    server.shutdown()
    output = open(log_path, errors="replace").read()
    os.unlink(log_path)
    if not finished or emulator.errors or not emulator.answers:
        raise SystemExit(f"no answer: errors={emulator.errors} finished={finished}\n{output[-3000:]}")
    first = min(emulator.answers, key=lambda a: a[3])
    warm = [a for a in emulator.answers if a is not first]
    warm_times = sorted(a[1] for a in warm)
    # What the Lambda path adds to the server's own total: the event's transfer over the Runtime API, its JSON and
    # base64, Quarkus's routing of it, and the response's JSON and POST back.
    overheads = sorted(a[1] - a[4] for a in warm if a[4] is not None)
    totals = sorted(a[4] for a in warm if a[4] is not None)
    session = re.search(r"ONNX Runtime session (\d+) ms", output)
    spec = re.search(r"\), spec (\d+) ms", output)
    # logged at DEBUG only (QUARKUS_LOG_CATEGORY__AI_SKINLESION_INFERENCE__LEVEL=DEBUG)
    schema = re.search(r"meets the schema \(checked in ([\d.]+) ms\)", output)
    warmup = re.search(r"warm-up \((\w+)\) (\d+) ms", output)
    graph = re.search(r"ready: (\S+) \(CPU", output)
    faults = re.search(r"page faults: spec (\d+), session (\d+), warm-up (\d+), before the model (\d+)", output)
    init_faults, answer_faults = emulator.faults_at_first_next, emulator.faults_at_first_answer
    return {
        "init_s": emulator.t_first_next - t_exec,
        "first_invocation_s": first[1],
        "cold_start_s": first[3] - t_exec,
        "spec_s": int(spec.group(1)) / 1000 if spec else None,
        "schema_check_s": float(schema.group(1)) / 1000 if schema else None,
        "ort_session_s": int(session.group(1)) / 1000 if session else None,
        "warmup_s": int(warmup.group(2)) / 1000 if warmup else None,
        "warmup": warmup.group(1) if warmup else None,
        "graph": graph.group(1) if graph else None,
        "warm_median_s": statistics.median(warm_times) if warm_times else None,
        "warm_p90_s": warm_times[int(0.9 * (len(warm_times) - 1))] if warm_times else None,
        "server_total_median_s": statistics.median(totals) if totals else None,
        "event_path_median_s": statistics.median(overheads) if overheads else None,
        "event_bytes": len(emulator.event_body),
        # page faults per phase: the process until the model is loaded (runtime + Quarkus), the service's own
        # phases (its start-up log line), and the first event
        "faults_init": init_faults,
        "faults_before_model": int(faults.group(4)) if faults else None,
        "faults_spec": int(faults.group(1)) if faults else None,
        "faults_session": int(faults.group(2)) if faults else None,
        "faults_warmup": int(faults.group(3)) if faults else None,
        "faults_first_event": answer_faults - init_faults if None not in (init_faults, answer_faults) else None,
        "status": first[2],
        "last_answer": emulator.last_body.decode(errors="replace")[:800] if verbose else None,
        "peak_rss_mb": rss,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--image", required=True, help="photo to send in every event")
    p.add_argument("--content-type", default="image/jpeg")
    p.add_argument("--warm", type=int, default=10, help="warm invocations after the first")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--env", action="append", default=[], help="NAME=VALUE for the function's environment")
    p.add_argument("--show-answer", action="store_true", help="include the start of the last answer")
    p.add_argument("command", nargs="+", help="the function's command (after --)")
    a = p.parse_args()
    env_extra = dict(e.split("=", 1) for e in a.env)
    print(json.dumps(run(a.command, a.image, a.content_type, a.warm, a.timeout, env_extra, a.show_answer)))


if __name__ == "__main__":
    sys.exit(main())
