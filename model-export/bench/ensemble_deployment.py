"""How an ensemble deploys: one merged ONNX graph against one onnxruntime session per member, and what it weighs.

    python model-export/bench/ensemble_deployment.py [--b4 models/efficientnetb4-demo/1] [--members 5] \
        [--tiny src/test/resources/models/ensemble-tiny/1] [--runs 20] [--repeats 3] [--threads 1] \
        [--fp16-images testdata/dermoscopy] [--no-fp16-tensorflow]

Members: ``--members`` copies of the demo's float32 runtime graph (model.opt-portable.onnx, what the service opens
on a CPU without a matching NCHWc graph), and the tiny ensemble fixture's members. The merged graph holds every
member's nodes (names prefixed, the class activation map pruned), one input per member (their sizes differ) and a
Mul + Sum node giving the weighted mean of the member probabilities. Each variant runs in its own subprocess
(``--repeats`` times, interleaved): session creation, one photo through every member (batch 1, inputs already
preprocessed: decoding is shared, done once per photo), peak RSS (VmHWM) and RSS before the sessions; medians.

Then the sizes (the member version directories as convert writes them, and the float32 graph a member needs at
the least) against Lambda's 250 MB unzipped limit, and float16 weight storage: the B4 graph's float32 initializers
stored as float16 with a Cast back to float32 (computation stays float32), its size, and its probabilities on the
test photos against the float32 graph (onnxruntime, itself gated against TensorFlow at export) and against
TensorFlow when the demo regenerated from its seed has the recorded weights digest (not on every CPU).

The demo model is untrained: its probabilities mean nothing; the sizes and times are a B4's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

LAMBDA_UNZIPPED_LIMIT = 250 * 1000 * 1000  # bytes, function + layers (AWS quotas: "250 MB")
PRUNED = ("cam",)


# ---------------------------------------------------------------------------------------------- graphs

def member_io(spec_dir: Path) -> dict:
    spec = json.loads((spec_dir / "model.json").read_text())
    graphs = {g["file"]: g for g in spec.get("runtimeGraphs") or []}
    portable = "model.opt-portable.onnx"
    inp = spec["input"]
    return {"graph": str(spec_dir / (portable if portable in graphs else spec["model"]["file"])),
            "openWith": graphs.get(portable, {}).get("openWith", "all"),
            "input": inp["name"], "output": spec["output"]["name"],
            "shape": [1, inp["height"], inp["width"], 3] if inp.get("layout", "NHWC") == "NHWC"
            else [1, 3, inp["height"], inp["width"]]}


def prune(graph, outputs: list[str]) -> None:
    """Keep only the nodes (and initializers) the given outputs need: drops the class activation map."""
    needed, keep = set(outputs), []
    for node in reversed(graph.node):
        if any(o in needed for o in node.output):
            keep.append(node)
            needed.update(i for i in node.input if i)
    del graph.node[:]
    graph.node.extend(reversed(keep))
    inits = [i for i in graph.initializer if i.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(inits)
    outs = [o for o in graph.output if o.name in outputs]
    del graph.output[:]
    graph.output.extend(outs)


def merged_graph(members: list[dict], weights: list[float], path: Path) -> dict:
    """One graph: every member's nodes under the prefix m<i>_, inputs m<i>_<input>, output probability."""
    import numpy as np
    import onnx
    from onnx import compose, helper, numpy_helper

    nodes, inits, inputs, outputs, value_info, opsets = [], [], [], [], [], {}
    ir = 0
    probs = []
    for i, m in enumerate(members):
        model = onnx.load(m["graph"])
        prune(model.graph, [m["output"]])
        model = compose.add_prefix(model, f"m{i}_")
        g = model.graph
        nodes += list(g.node)
        inits += list(g.initializer)
        inputs += [v for v in g.input if v.name not in {t.name for t in g.initializer}]
        value_info += list(g.value_info)
        probs.append(f"m{i}_{m['output']}")
        outputs += list(g.output)
        for o in model.opset_import:
            opsets[o.domain] = max(opsets.get(o.domain, 0), o.version)
        ir = max(ir, model.ir_version)
    total = float(sum(weights))
    for i, w in enumerate(weights):
        inits.append(numpy_helper.from_array(np.array([[w / total]], np.float32), f"w{i}"))
        nodes.append(helper.make_node("Mul", [probs[i], f"w{i}"], [f"weighted{i}"]))
    nodes.append(helper.make_node("Sum", [f"weighted{i}" for i in range(len(members))], ["probability"]))
    outputs.insert(0, helper.make_tensor_value_info("probability", onnx.TensorProto.FLOAT, [None, 1]))
    graph = helper.make_graph(nodes, "ensemble", inputs, outputs, inits, value_info=value_info)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets.items()])
    model.ir_version = ir
    onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
              location=path.name + ".data", size_threshold=1024)
    return {"graph": str(path), "openWith": members[0]["openWith"],
            "inputs": {f"m{i}_{m['input']}": m["shape"] for i, m in enumerate(members)}, "output": "probability"}


def fp16_storage(src: str, dst: Path) -> int:
    """float32 initializers (>= 16 values) stored as float16, each with a Cast to float32 in front of its users."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(src)
    g = model.graph
    casts, n = [], 0
    for init in g.initializer:
        if init.data_type != onnx.TensorProto.FLOAT:
            continue
        a = numpy_helper.to_array(init)
        if a.size < 16:
            continue
        name = init.name
        init.CopyFrom(numpy_helper.from_array(a.astype(np.float16), name + "__fp16"))
        casts.append(helper.make_node("Cast", [name + "__fp16"], [name], to=onnx.TensorProto.FLOAT))
        n += 1
    old = list(g.node)
    del g.node[:]
    g.node.extend(casts + old)
    onnx.save(model, str(dst), save_as_external_data=True, all_tensors_to_one_file=True,
              location=dst.name + ".data", size_threshold=1024)
    return n


def graph_bytes(path: str) -> int:
    p = Path(path)
    return p.stat().st_size + sum(f.stat().st_size for f in p.parent.glob(p.name + ".data"))


def dir_bytes(d: Path) -> int:
    return sum(f.stat().st_size for f in d.rglob("*") if f.is_file())


# ---------------------------------------------------------------------------------------------- worker

def rss_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def worker(plan: dict) -> dict:
    """One variant in this process: sessions, then runs of one photo through the whole ensemble."""
    import numpy as np
    import onnxruntime as ort

    from melanoma_export.parity import session_options

    before = rss_kb("VmRSS")
    t0 = time.perf_counter()
    sessions = [(ort.InferenceSession(s["graph"], session_options(s["openWith"], plan["threads"]),
                                      providers=["CPUExecutionProvider"]), s) for s in plan["sessions"]]
    create_ms = (time.perf_counter() - t0) * 1e3
    rng = np.random.default_rng(0)
    feeds = [({name: rng.uniform(0, 255, shape).astype(np.float32) for name, shape in s["inputs"].items()},
              [s["output"]]) for _, s in sessions]

    def once():
        return [sess.run(out, feed)[0] for (sess, _), (feed, out) in zip(sessions, feeds)]

    for _ in range(plan["warmup"]):
        once()
    times = []
    for _ in range(plan["runs"]):
        t = time.perf_counter()
        once()
        times.append((time.perf_counter() - t) * 1e3)
    return {"createMs": create_ms, "runMs": statistics.median(times), "peakRssMB": rss_kb("VmHWM") / 1024,
            "rssBeforeSessionsMB": before / 1024}


def run_variant(plan: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=str(HERE.parent) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(plan)], capture_output=True, text=True,
                          env=env)
    if proc.returncode != 0:
        raise SystemExit(f"worker failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def check_merged(members: list[dict], weights: list[float], merged: dict) -> float:
    """The merged graph computes what the separate sessions combine (so that the timings compare like with like)."""
    import numpy as np
    import onnxruntime as ort

    rng = np.random.default_rng(1)
    feeds = [rng.uniform(0, 255, m["shape"]).astype(np.float32) for m in members]
    probs = [ort.InferenceSession(m["graph"], providers=["CPUExecutionProvider"]).run([m["output"]], {m["input"]: x})[0]
             for m, x in zip(members, feeds)]
    want = sum(w * p for w, p in zip(weights, probs)) / sum(weights)
    got = ort.InferenceSession(merged["graph"], providers=["CPUExecutionProvider"]).run(
        ["probability"], dict(zip(merged["inputs"], feeds)))[0]
    worst = float(np.abs(got - want).max())
    if worst > 1e-6:
        raise SystemExit(f"the merged graph does not compute the weighted mean (max |dp| {worst:.3g})")
    return worst


def compare(label: str, members: list[dict], weights: list[float], tmp: Path, args, merged: bool = True) -> list[dict]:
    plans = {"one session per member": [{"graph": m["graph"], "openWith": m["openWith"],
                                         "inputs": {m["input"]: m["shape"]}, "output": m["output"]} for m in members]}
    if merged:
        plans["one merged graph"] = [merged_graph(members, weights, tmp / f"{label.replace(' ', '_')}-merged.onnx")]
        print(f"  {label}: merged graph vs the members' weighted mean, max |dprobability| "
              f"{check_merged(members, weights, plans['one merged graph'][0]):.3g}", file=sys.stderr, flush=True)
    results = {k: [] for k in plans}
    for r in range(args.repeats):  # interleaved, so that drift in machine load hits both alike
        for k, sessions in plans.items():
            results[k].append(run_variant({"sessions": sessions, "threads": args.threads, "runs": args.runs,
                                           "warmup": args.warmup}))
            print(f"  {label} {k} #{r + 1}: {results[k][-1]}", file=sys.stderr, flush=True)
    rows = []
    for k, rs in results.items():
        rows.append({"ensemble": label, "variant": k,
                     **{f: statistics.median(x[f] for x in rs) for f in rs[0]},
                     "graphBytes": sum(graph_bytes(s["graph"]) for s in plans[k])})
    return rows


# ---------------------------------------------------------------------------------------------- fp16

def fp16_parity(b4_dir: Path, fp16_graph: Path, images: str, tensorflow: bool, threads: int) -> dict:
    import numpy as np

    from melanoma_export import backend

    backend.use("torch")
    from melanoma_export import parity
    from melanoma_export.preprocessing import Normalization, Preprocessing, list_images, reference_tensor, to_model_input

    spec = json.loads((b4_dir / "model.json").read_text())
    pp, norm = Preprocessing.from_spec(spec["input"]), Normalization.from_spec(spec["input"]["normalization"])
    files = list_images(images, subdirs=())
    x = to_model_input(np.stack([reference_tensor(str(f), pp)[0] for f in files]), norm)
    fp32 = parity.onnx_probabilities(str(b4_dir / "model.opt-portable.onnx"), x, batch=1, threads=threads)[:, 0]
    fp16 = parity.onnx_probabilities(str(fp16_graph), x, batch=1, threads=threads)[:, 0]
    out = {"photos": len(files), "maxAbsDiffVsFloat32Graph": float(np.abs(fp16 - fp32).max()),
           "probabilityRange": [float(fp32.min()), float(fp32.max())]}
    if tensorflow:
        from melanoma_export.errors import ExportError
        from melanoma_export.reference import source_model_for

        try:
            _, source, tmp = source_model_for(spec, None, lambda m: print(f"  {m}", file=sys.stderr))
        except ExportError as e:  # the demo regenerated on another CPU can differ (docs/MODEL_SPEC.md)
            out["tensorflow"] = f"not compared: {e}"
            return out
        try:
            ref, _ = parity.tensorflow_reference(source.to_json(), x, lambda m: print(f"  {m}", file=sys.stderr))
        finally:
            if tmp is not None:
                tmp.cleanup()
        out["maxAbsDiffVsTensorflow"] = float(np.abs(fp16 - ref[:, 0]).max())
        out["float32MaxAbsDiffVsTensorflow"] = float(np.abs(fp32 - ref[:, 0]).max())
    return out


# ---------------------------------------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--b4", default="models/efficientnetb4-demo/1", help="the demo version directory (read only)")
    ap.add_argument("--members", type=int, default=5, help="B4 members (copies of the demo graph; default 5)")
    ap.add_argument("--tiny", default="src/test/resources/models/ensemble-tiny/1", help="a tiny ensemble directory")
    ap.add_argument("--runs", type=int, default=20, help="timed runs per subprocess (default 20)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3, help="subprocesses per variant (default 3)")
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads per session (default 1)")
    ap.add_argument("--fp16-images", default="testdata/dermoscopy", help="photos for the float16 parity")
    ap.add_argument("--no-fp16-tensorflow", dest="fp16_tensorflow", action="store_false",
                    help="compare float16 storage with the float32 graph only (skips regenerating the demo)")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0

    from melanoma_export.ensemble import cpu_name
    from melanoma_export.spec import tool_versions

    b4 = Path(args.b4)
    tiny = Path(args.tiny)
    tiny_spec = json.loads((tiny / "model.json").read_text())
    rows = []
    with tempfile.TemporaryDirectory(prefix="ensemble-bench-") as tmp:
        tmp = Path(tmp)
        tiny_members = [member_io(tiny / m["dir"]) for m in tiny_spec["members"]]
        rows += compare(f"tiny x{len(tiny_members)}", tiny_members, [m["weight"] for m in tiny_spec["members"]],
                        tmp, args)
        b4_members = [member_io(b4)] * args.members
        rows += compare(f"B4 384 px x{args.members}", b4_members, [1.0] * args.members, tmp, args)

        fp16 = tmp / "model.fp16.onnx"
        n16 = fp16_storage(str(b4 / "model.opt-portable.onnx"), fp16)
        sizes = {"memberDirectoryBytes": dir_bytes(b4), "float32GraphBytes": graph_bytes(str(b4 / "model.opt-portable.onnx")),
                 "modelOnnxBytes": (b4 / "model.onnx").stat().st_size, "float16GraphBytes": graph_bytes(str(fp16)),
                 "float16Initializers": n16, "members": args.members, "lambdaLimitBytes": LAMBDA_UNZIPPED_LIMIT}
        parity16 = fp16_parity(b4, fp16, args.fp16_images, args.fp16_tensorflow, args.threads)
        rows16 = compare("B4 float16 storage x1", [dict(member_io(b4), graph=str(fp16))], [1.0], tmp, args, merged=False)
        rows16 += compare("B4 float32 x1", [member_io(b4)], [1.0], tmp, args, merged=False)

    tools = tool_versions()
    result = {"date": time.strftime("%Y-%m-%d", time.gmtime()), "cpu": cpu_name(), "cores": os.cpu_count(),
              "onnxruntime": tools["onnxruntime"], "threads": args.threads, "runs": args.runs, "repeats": args.repeats,
              "rows": rows, "sizes": sizes, "float16": {**parity16, "session": rows16}}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(f"{result['date']}, {result['cpu']}, {result['cores']} cores, onnxruntime {result['onnxruntime']}, "
          f"{args.threads} intra-op thread(s), medians of {args.repeats} subprocesses x {args.runs} runs\n")
    print("| ensemble | variant | session creation ms | one photo, all members ms | peak RSS MB | RSS before sessions MB |")
    print("|---|---|---:|---:|---:|---:|")
    for r in rows + rows16:
        print(f"| {r['ensemble']} | {r['variant']} | {r['createMs']:.0f} | {r['runMs']:.1f} | {r['peakRssMB']:.0f} | "
              f"{r['rssBeforeSessionsMB']:.0f} |")
    mb = 1e6
    s = sizes
    print(f"\nB4 member directory as convert writes it: {s['memberDirectoryBytes'] / mb:.1f} MB "
          f"(model.onnx {s['modelOnnxBytes'] / mb:.1f} MB, demo's int8-grid storage); float32 graph "
          f"{s['float32GraphBytes'] / mb:.1f} MB; x{s['members']}: {s['members'] * s['float32GraphBytes'] / mb:.0f} MB "
          f"float32 vs Lambda's {s['lambdaLimitBytes'] / mb:.0f} MB; float16 storage {s['float16GraphBytes'] / mb:.1f} MB, "
          f"x{s['members']}: {s['members'] * s['float16GraphBytes'] / mb:.0f} MB")
    p = result["float16"]
    print(f"float16 storage on {p['photos']} photos: max |dprobability| vs float32 graph {p['maxAbsDiffVsFloat32Graph']:.3g}"
          + (f", vs TensorFlow {p['maxAbsDiffVsTensorflow']:.3g} (float32 graph vs TensorFlow "
             f"{p['float32MaxAbsDiffVsTensorflow']:.3g})" if "maxAbsDiffVsTensorflow" in p else "")
          + (f"; TensorFlow {p['tensorflow']}" if "tensorflow" in p else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
