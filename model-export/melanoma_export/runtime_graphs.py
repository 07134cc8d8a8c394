"""Runtime graphs: ``model.onnx`` as onnxruntime optimises it, saved at export time beside it.

Creating an onnxruntime session spends most of its time optimising the graph, at every start of the
service. A graph saved after optimisation skips that work:

* ``model.opt-portable.onnx``: saved at ``extended`` (constant folding, fusions), before the CPU-specific
  NCHWc layout; opened at ``all`` so that onnxruntime still adds that layout for the CPU it runs on
  (opened at ``extended`` it would run without it, and slower).
* ``model.opt-amd64-nchwc<B>.onnx`` (amd64 only): saved at ``all``, so it already holds the NCHWc layout
  with MLAS's block size B for this CPU (16 with AVX-512F, 8 with AVX2 + FMA); opened with optimisation
  ``disabled``. Valid only on a CPU with the same block size, hence ``requires`` in the spec.

Each graph keeps its weights in a file of their own beside it (``<graph>.data``, onnxruntime's external
initializers): onnxruntime maps that file into memory instead of parsing and copying 70 MB out of the
protobuf, which takes most of what is left of session creation (measured: 122-184 ms -> 23 ms, docs/DESIGN.md).

Each graph, opened at its level, must give model.onnx's probabilities (model.onnx opened at ``all``, as
the service did) within a tolerance on the parity inputs, one input at a time, one thread; otherwise
nothing is written.
"""

from __future__ import annotations

import os
import platform
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from melanoma_export.errors import ExportError, SourceError
from melanoma_export.heatmap import CAM_OUTPUT, DEFAULT_CAM_TOLERANCE, onnx_cams, scaled
from melanoma_export.parity import onnx_probabilities, session_options
from melanoma_export.spec import MODEL_FILE, file_record, sha256_file

DEFAULT_RUNTIME_GRAPH_TOLERANCE = 1e-6
PORTABLE_FILE = "model.opt-portable.onnx"
FILE_PATTERN = "model.opt-*.onnx*"  # every runtime graph's and weights file's name; unlisted ones are stale
DATA_SUFFIX = ".data"
# Weights smaller than this stay inside the graph: a few kB of biases are not worth a page each.
EXTERNAL_MIN_BYTES = 1024
NCHWC_DOMAIN = "com.microsoft.nchwc"
ORT_LOG_ERRORS_ONLY = 3  # saving at "all" warns that the graph is hardware-specific: we know


@dataclass(frozen=True)
class Kind:
    file: str
    saved_at: str
    open_with: str
    requires: dict = field(default_factory=dict)


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> set[str]:
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return set()
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    return set(line.partition(":")[2].split())


def nchwc_block_size(flags: set[str]) -> int | None:
    """MLAS's NCHWc block size for these CPU flags (16 with AVX-512F, 8 with AVX2 + FMA), else None."""
    if "avx512f" in flags:
        return 16
    if {"avx2", "fma"} <= flags:
        return 8
    return None


def planned_kinds(progress=print) -> list[Kind]:
    """The graphs this host can produce, most specific first."""
    kinds = []
    machine = platform.machine().lower()
    block = nchwc_block_size(cpu_flags()) if machine in ("x86_64", "amd64") else None
    if block:
        kinds.append(Kind(f"model.opt-amd64-nchwc{block}.onnx", "all", "disabled",
                          {"arch": "amd64", "nchwcBlockSize": block}))
    elif machine not in ("x86_64", "amd64"):
        progress(f"  no NCHWc graph: this host is {machine}, not amd64")
    else:
        progress("  no NCHWc graph: this CPU has neither avx512f nor avx2 + fma")
    kinds.append(Kind(PORTABLE_FILE, "extended", "all"))
    return kinds


def save_optimized(model_path: str, out_path: str, level: str) -> None:
    """Let onnxruntime optimise ``model_path`` at ``level`` and save the result as the graph ``out_path`` with its
    weights in ``out_path + ".data"``."""
    import onnxruntime as ort

    so = session_options(level, threads=1)
    so.log_severity_level = ORT_LOG_ERRORS_ONLY
    so.optimized_model_filepath = out_path
    # the name is relative to the graph: the two files travel together
    so.add_session_config_entry("session.optimized_model_external_initializers_file_name",
                                Path(out_path).name + DATA_SUFFIX)
    so.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes",
                                str(EXTERNAL_MIN_BYTES))
    ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])


def external_tensors(graph_path: Path) -> tuple[object, dict]:
    """(graph proto without its weights, {initializer name: (offset, length)}) of a graph with a weights file."""
    import onnx

    proto = onnx.load(str(graph_path), load_external_data=False)
    where = {}
    for init in proto.graph.initializer:
        loc = {e.key: e.value for e in init.external_data}
        if "offset" in loc:
            where[init.name] = (int(loc["offset"]), int(loc["length"]))
    return proto, where


def reuse_previous_weights(path: Path, previous: Path) -> bool:
    """Point the new graph ``path`` at the weights file of ``previous`` (the same kind of graph, installed before)
    when that file holds every one of its external initializers with the very same bytes; then that file is kept
    byte for byte. onnxruntime writes the initializers in an order of its own, which moves when the graph changes
    (an added output) even though no weight does: without this, a 70 MB file would change for nothing.
    Returns False, changing nothing, when any weight differs or is missing."""
    import onnx

    data, old_data = path.with_name(path.name + DATA_SUFFIX), previous.with_name(previous.name + DATA_SUFFIX)
    if not (data.exists() and old_data.exists()):
        return False
    proto, where = external_tensors(path)
    _, old_where = external_tensors(previous)
    new_bytes, old_bytes = data.read_bytes(), old_data.read_bytes()
    for name, (offset, length) in where.items():
        if name not in old_where:
            return False
        o, n = old_where[name]
        if n != length or new_bytes[offset:offset + length] != old_bytes[o:o + n]:
            return False
    for init in proto.graph.initializer:
        if init.name in where:
            o, n = old_where[init.name]
            for entry in init.external_data:
                if entry.key == "location":
                    entry.value = data.name
                elif entry.key == "offset":
                    entry.value = str(o)
                elif entry.key == "length":
                    entry.value = str(n)
    onnx.save_model(proto, str(path))
    shutil.copyfile(old_data, data)
    return True


def graph_facts(path: str) -> dict:
    """Input and output names (initializers excluded) and the node domains of an ONNX file."""
    import onnx

    g = onnx.load(path, load_external_data=False).graph
    inits = {i.name for i in g.initializer}
    return {"inputs": [i.name for i in g.input if i.name not in inits], "outputs": [o.name for o in g.output],
            "domains": {n.domain for n in g.node}}


def check(path: Path, kind: Kind, facts: dict, expected_io: tuple, x: np.ndarray, reference: np.ndarray,
          tolerance: float, reference_cams: np.ndarray | None = None) -> float:
    """Raise ExportError unless the graph has model.onnx's names and probabilities (and class activation maps,
    when model.onnx has them); return max |dp|."""

    if (facts["inputs"], facts["outputs"]) != expected_io:
        raise ExportError(f"runtime graph {kind.file} has inputs {facts['inputs']} and outputs {facts['outputs']}, "
                          f"model.onnx {expected_io[0]} and {expected_io[1]}; nothing written")
    got = onnx_probabilities(str(path), x, batch=1, threads=1, level=kind.open_with)
    worst = float(np.abs(got - reference).max()) if got.shape == reference.shape else float("inf")
    if not worst <= tolerance:  # also catches NaN
        raise ExportError(f"runtime graph {kind.file} (opened at {kind.open_with}) differs from model.onnx: "
                          f"max |dprobability| {worst:.3g} > tolerance {tolerance:g}; nothing written")
    if reference_cams is not None:
        cams = onnx_cams(str(path), x, batch=1, level=kind.open_with)
        d = float(np.abs(scaled(cams) - scaled(reference_cams)).max()) if cams.shape == reference_cams.shape else float("inf")
        if not d <= DEFAULT_CAM_TOLERANCE:
            raise ExportError(f"runtime graph {kind.file}: its class activation map differs from model.onnx's by "
                              f"{d:.3g} (scaled) > {DEFAULT_CAM_TOLERANCE:g}; nothing written")
    return worst


def produce(model_path: str, work_dir: str, x: np.ndarray, input_kind: str,
            tolerance: float = DEFAULT_RUNTIME_GRAPH_TOLERANCE, progress=print,
            previous_dir: str | None = None) -> list[tuple[Path, dict]]:
    """Write the runtime graphs of ``model_path`` into ``work_dir`` and check them: [(path, spec record)]. A graph of
    the same kind already in ``previous_dir`` lends its weights file when the weights are the same
    (``reuse_previous_weights``)."""
    import onnxruntime as ort

    progress(f"runtime graphs: onnxruntime {ort.__version__} optimises model.onnx; each checked against "
             f"model.onnx on {len(x)} {input_kind} inputs, tolerance {tolerance:g}")
    model_facts = graph_facts(model_path)
    expected_io = (model_facts["inputs"], model_facts["outputs"])
    reference = onnx_probabilities(model_path, x, batch=1, threads=1, level="all")

    reference_cams = onnx_cams(model_path, x, batch=1) if CAM_OUTPUT in model_facts["outputs"] else None
    made = []
    for kind in planned_kinds(progress):
        path = Path(work_dir) / kind.file
        save_optimized(model_path, str(path), kind.saved_at)
        previous = Path(previous_dir) / kind.file if previous_dir else None
        if previous is not None and previous.exists() and reuse_previous_weights(path, previous):
            progress(f"  {kind.file}: same weights as the installed one; its {DATA_SUFFIX} file is kept byte for byte")
        facts = graph_facts(str(path))
        if kind.requires.get("nchwcBlockSize") and NCHWC_DOMAIN not in facts["domains"]:
            progress(f"  {kind.file}: onnxruntime laid out no node in NCHWc; skipped")
            continue
        worst = check(path, kind, facts, expected_io, x, reference, tolerance, reference_cams)
        data = path.with_name(path.name + DATA_SUFFIX)
        weights = f" + {data.name} {data.stat().st_size / 1e6:.1f} MB" if data.exists() else ""
        progress(f"  {kind.file} (saved at {kind.saved_at}, opened at {kind.open_with}): "
                 f"{path.stat().st_size / 1e6:.1f} MB{weights}, max |dprobability| {worst:.3g}: passed")
        made.append((path, record(path, kind, worst, tolerance, len(x), input_kind, ort.__version__)))
    return made


def record(path: Path, kind: Kind, worst: float, tolerance: float, n_inputs: int, input_kind: str,
           ort_version: str) -> dict:
    """The graph's entry in the spec's ``runtimeGraphs`` (docs/MODEL_SPEC.md)."""
    data = path.with_name(path.name + DATA_SUFFIX)
    # onnxruntime writes no weights file when no initializer reaches the threshold (a toy model)
    external = {"externalData": {"file": data.name, **file_record(str(data))}} if data.exists() else {}
    return {"file": kind.file, **file_record(str(path)), **external,
            "savedAt": kind.saved_at, "openWith": kind.open_with, "requires": dict(kind.requires),
            "producedBy": f"onnxruntime {ort_version}",
            "parity": {"against": MODEL_FILE, "maxAbsDiffProbability": worst, "tolerance": tolerance,
                       "inputs": int(n_inputs), "inputKind": input_kind}}


def other_cpu_graphs(model_dir: str, recorded: list[dict], made: list[tuple[Path, dict]], progress=print) -> list[dict]:
    """The NCHWc graphs model.json already lists for a block size this host does not produce: made and checked on
    another CPU (an AVX-512 host gives 16, an AVX2 one 8), so one version directory can carry a graph for each kind of
    host. Kept while their files still match the hashes recorded; dropped (and their files removed) otherwise."""
    made_files = {rec["file"] for _, rec in made}
    kept = []
    for rec in recorded:
        block = rec.get("requires", {}).get("nchwcBlockSize")
        if not block or rec["file"] in made_files:
            continue
        files = [rec] + ([rec["externalData"]] if "externalData" in rec else [])
        if all((Path(model_dir) / f["file"]).is_file() and sha256_file(str(Path(model_dir) / f["file"])) == f["sha256"]
               for f in files):
            progress(f"  {rec['file']}: for NCHWc block {block}, which this host does not produce; kept as model.json"
                     f" records it (its files match)")
            kept.append(rec)
        else:
            progress(f"  {rec['file']}: its files do not match model.json; dropped")
    return kept


def install(model_dir: str, made: list[tuple[Path, dict]], kept: list[dict] = ()) -> list[dict]:
    """Place the produced graphs in ``model_dir`` (replacing same-named files), keep the ``kept`` records' files
    as they are, remove unlisted ones. Returns the records, the NCHWc graphs first and the portable one last."""
    out = Path(model_dir)
    for path, rec in made:
        names = ([rec["externalData"]["file"]] if "externalData" in rec else []) + [rec["file"]]
        for name in names:  # the weights first: the graph names them
            partial = out / (name + ".partial")
            shutil.copyfile(path.with_name(name), partial)
            os.replace(partial, out / name)  # a reader of the directory never sees half a file
    records = [rec for _, rec in made] + list(kept)
    listed = {rec["file"] for rec in records} | {rec["externalData"]["file"] for rec in records if "externalData" in rec}
    for stale in out.glob(FILE_PATTERN):
        if stale.name not in listed:
            stale.unlink()
    return sorted(records, key=lambda rec: (rec["file"] == PORTABLE_FILE, -rec["requires"].get("nchwcBlockSize", 0)))


def verify_model_sha256(model_path: Path, spec: dict) -> None:
    if not model_path.is_file():
        raise SourceError(f"{model_path} not found")
    actual = sha256_file(str(model_path))
    if actual != spec["model"]["sha256"]:
        raise SourceError(f"{model_path} has sha256 {actual[:12]}..., model.json says "
                          f"{spec['model']['sha256'][:12]}...: not the model the spec describes; nothing written")
