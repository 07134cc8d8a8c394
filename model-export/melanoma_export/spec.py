"""The spec beside the model (``model.json``), as docs/MODEL_SPEC.md defines it.

specVersion 2 is version 1 plus the optional ``runtimeGraphs`` list (runtime_graphs.py); specVersion 3 adds
optional fields, each absent meaning what version 2 did: this module writes the preprocessing's
``resize.library``, ``order`` and ``jpegRoundTrip`` (preprocessing.Preprocessing.to_spec) and the
``extraOutputs`` entries (the class activation map, heatmap.py); the top-level ``quality`` holds thresholds of the
service's image-quality check; calibrate writes ``decision.chosenBy``, ``calibration`` and ``evaluation``.
specVersion 4 adds non-empty ``extraInputs`` (a patient metadata input, metadata.py) and ensembles (``members``,
``combination``); docs/MODEL_SPEC.md.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import zlib
from importlib import metadata
from pathlib import Path

import jsonschema

from melanoma_export import __version__
from melanoma_export.errors import ExportError, SourceError
from melanoma_export.graph_io import INPUT_NAME, OUTPUT_NAME
from melanoma_export.preprocessing import Normalization, Preprocessing

SPEC_VERSION = 4
SPEC_FILE = "model.json"
MODEL_FILE = "model.onnx"
# The JSON Schema (2020-12) of model.json; the service validates against this same file at start-up.
SCHEMA_PATH = Path(__file__).parent / "schema" / "model.schema.json"


class InvalidSpec(ExportError):
    """A model.json this package was about to write breaks the schema: a bug here, not in the user's input."""

    exit_code = 1


def schema_errors(spec: dict) -> list[str]:
    """Every way ``spec`` breaks the schema, each naming the field (``input.preprocessing.resize.method: ...``)."""
    errors = []
    for e in sorted(_validator().iter_errors(spec), key=lambda e: list(map(str, e.absolute_path))):
        where = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in e.absolute_path).replace(".[", "[")
        # messages quote the offending value; a whole object quoted would bury the field's name
        message = e.message if len(e.message) <= 240 else e.message[:240] + "..."
        errors.append(f"{where or '(top level)'}: {message}")
    return errors


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def crc32_file(path: str) -> str:
    """CRC-32 (zlib's, the IEEE polynomial) of the whole file, 8 lower-case hex digits: what the service checks at
    start-up by default (melanoma.model.integrity=checksum), every byte, at memory speed (java.util.zip.CRC32)."""
    crc = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            crc = zlib.crc32(chunk, crc)
    return f"{crc & 0xFFFFFFFF:08x}"


def file_record(path: str) -> dict:
    """How model.json describes one file: its sha256, crc32, sampledSha256 and size."""
    return {"sha256": sha256_file(path), "crc32": crc32_file(path), "sampledSha256": sampled_sha256(path),
            "bytes": os.path.getsize(path)}


SAMPLE_BLOCKS = 64
SAMPLE_BLOCK_BYTES = 4096


def sampled_sha256(path: str) -> str:
    """What the service checks at start-up instead of the whole file (hashing 70 MB would cost a cold start more
    than opening the graph): sha256 over the size (8 bytes, big-endian), then 64 blocks of min(4096, size) bytes
    at offsets floor(i * (size - block) / 63). The service computes the same (GraphFile.sampledSha256)."""
    size = os.path.getsize(path)
    block = min(SAMPLE_BLOCK_BYTES, size)
    h = hashlib.sha256(size.to_bytes(8, "big"))
    with open(path, "rb") as f:
        for i in range(SAMPLE_BLOCKS):
            f.seek(i * (size - block) // (SAMPLE_BLOCKS - 1))
            h.update(f.read(block))
    return h.hexdigest()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist).split("+")[0]
    except metadata.PackageNotFoundError:
        return "absent"


def tool_versions() -> dict:
    return {
        "python": platform.python_version(),
        "melanoma-export": __version__,
        "keras": _version("keras"),
        "torch": _version("torch"),
        "onnx": _version("onnx"),
        "onnxscript": _version("onnxscript"),
        "onnxruntime": _version("onnxruntime"),
        "tensorflow": _version("tensorflow-cpu") if _version("tensorflow-cpu") != "absent" else _version("tensorflow"),
        "numpy": _version("numpy"),
        "opencv": _version("opencv-python-headless") if _version("opencv-python-headless") != "absent"
        else _version("opencv-python"),
        "pillow": _version("pillow"),
    }


def build_spec(*, name: str, version: str, trained: bool, description: str, onnx_path: str, opset: int,
               pp: Preprocessing, norm: Normalization, threshold: float, source: dict, graph_rewrites: list,
               parity: dict, extra_export: dict | None = None, quantization: dict | None = None,
               runtime_graphs: list | None = None, extra_outputs: list | None = None,
               extra_inputs: list | None = None) -> dict:
    tools = tool_versions()
    spec = {
        "specVersion": SPEC_VERSION,
        "name": name,
        "version": str(version),
        "trained": bool(trained),
        "description": description,
        "task": "binary-classification",
        "model": {
            "file": MODEL_FILE,
            **file_record(onnx_path),
            "opset": opset,
        },
        "input": {
            "name": INPUT_NAME,
            "dtype": "float32",
            "layout": "NHWC",
            "height": pp.size,
            "width": pp.size,
            "channels": 3,
            "channelOrder": "RGB",
            "valueRange": _value_range(norm),
            "preprocessing": pp.to_spec(),
            "normalization": norm.to_spec(),
        },
        "output": {
            "name": OUTPUT_NAME,
            "shape": [-1, 1],
            "activation": "sigmoid-in-graph",
            "meaning": "probability that the lesion is malignant (melanoma)",
        },
        "decision": {"threshold": float(threshold), "positiveLabel": "malignant", "negativeLabel": "benign"},
        "extraInputs": list(extra_inputs or []),
        "extraOutputs": list(extra_outputs or []),
        "source": source,
        "export": {"tools": tools, "graphRewrites": graph_rewrites, "route": "keras3-torch-backend + torch.onnx.export(dynamo=True)"},
        "parity": {
            "reference": f"tensorflow {tools['tensorflow']} (keras {tools['keras']})",
            "runtime": f"onnxruntime {tools['onnxruntime']}",
            **parity,
        },
    }
    if extra_export:
        spec["export"].update(extra_export)
    if quantization:
        spec["quantization"] = quantization
    if runtime_graphs:
        spec["runtimeGraphs"] = runtime_graphs
    return spec


def _value_range(norm: Normalization) -> list[float]:
    lo = [(0.0 * norm.scale - m) / s for m, s in zip(norm.mean, norm.std)]
    hi = [(255.0 * norm.scale - m) / s for m, s in zip(norm.mean, norm.std)]
    return [float(min(lo)), float(max(hi))]


def write_spec(directory: str, spec: dict) -> Path:
    """model.json, checked against the schema first: nothing the service would refuse is written."""
    errors = schema_errors(spec)
    if errors:
        raise InvalidSpec(f"the {SPEC_FILE} for {directory} breaks {SCHEMA_PATH.name}: " + "; ".join(errors))
    path = Path(directory) / SPEC_FILE
    path.write_text(json.dumps(spec, indent=2) + "\n")
    return path


def read_spec(directory: str) -> dict:
    path = Path(directory) / SPEC_FILE
    if not path.exists():
        raise SourceError(f"no {SPEC_FILE} in {directory}")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise SourceError(f"{path} is not valid JSON: {e}") from None
