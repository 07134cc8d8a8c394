"""Parity gate: the source model on TensorFlow against the ONNX on onnxruntime.

Collects every mismatch (each input, each batch arrangement) before raising one ``ParityError`` that
names the tolerance, as optimum's ``validate_model_outputs`` does; then, as keras' ONNX export tests
do, checks again with other batch sizes (all at once, one at a time, and an odd-sized chunk).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from melanoma_export.errors import ExportError, ParityError
from melanoma_export.graph_io import OUTPUT_NAME
from melanoma_export.metadata import Encoding, ModelInputs, cross, feeds, images_of, parity_cases
from melanoma_export.preprocessing import Normalization, Preprocessing, list_images, reference_tensor, to_model_input

DEFAULT_TOLERANCE = 1e-5
MIN_INPUTS = 8


def noise_pixels(n: int, size: int, seed: int = 0) -> np.ndarray:
    """Deterministic inputs in pixel space (0..255): uniform noise, then smooth gradients."""
    rng = np.random.default_rng(seed)
    out = rng.integers(0, 256, size=(n, size, size, 3)).astype(np.float32)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / max(size - 1, 1)
    for i in range(n // 2, n):
        a, b, c = rng.random(3)
        out[i] = np.stack([255 * (a * xx + (1 - a) * yy), 255 * (b * yy), 255 * (c + (1 - c) * xx) / 2], -1)
    return np.round(out)


def calibration_pixels(directory: str, pp: Preprocessing, n: int, progress=print):
    """Up to ``n`` images from ``directory`` through the reference preprocessing; (pixels, names)."""
    files = list_images(directory, subdirs=())
    pixels, names = [], []
    for f in files:
        if len(pixels) >= n:
            break
        try:
            t, _ = reference_tensor(str(f), pp)
        except ExportError as e:
            progress(f"  calibration: skipping {f.name}: {e}")
            continue
        pixels.append(t.astype(np.float32))
        names.append(f.name)
    if not pixels:
        raise ExportError(f"no decodable images in {directory}")
    return np.stack(pixels), names


def make_inputs(pp: Preprocessing, norm: Normalization, calibration_dir: str | None, n: int = MIN_INPUTS,
                progress=print, metadata: Encoding | None = None):
    """(model inputs float32, description dict). Images are topped up with noise to reach ``n``. With a metadata
    ``Encoding``, every image goes with every one of its parity cases (metadata.parity_cases: all missing, then
    each category, several numbers, each one-hot column): a ModelInputs of n x cases rows, the cases listed in
    the description as the API's metadata objects."""
    n = max(n, MIN_INPUTS)
    if calibration_dir:
        pixels, names = calibration_pixels(calibration_dir, pp, n, progress)
        kind = "images"
        if len(pixels) < n:
            pixels = np.concatenate([pixels, noise_pixels(n - len(pixels), pp.size)])
            kind = "images+noise"
    else:
        pixels, names, kind = noise_pixels(n, pp.size), [], "noise"
    x = to_model_input(pixels, norm)
    desc = {"inputKind": kind, "inputs": int(len(pixels)), "images": names}
    if metadata is not None:
        cases = parity_cases(metadata)
        x = cross(x, metadata, cases)
        desc.update(inputs=int(len(x)), metadataCases=cases)
    return x, desc


def tensorflow_reference(source_json: dict, x, progress=print, cam: bool = False) -> tuple[np.ndarray, dict]:
    """Probabilities of the source model on TensorFlow, computed in a separate process. ``x``: images, or
    metadata.ModelInputs (images with their metadata rows). With ``cam``, the info dict also holds TensorFlow's
    class activation maps under ``"cam"`` (heatmap.py)."""
    progress("running the source model on TensorFlow (separate process)")
    with tempfile.TemporaryDirectory(prefix="melanoma-tf-") as tmp:
        inp, meta, out, req, cams = (os.path.join(tmp, n) for n in ("x.npy", "m.npy", "y.npy", "req.json", "cam.npy"))
        np.save(inp, images_of(x))
        extra = {}
        if isinstance(x, ModelInputs):
            np.save(meta, x.metadata)
            extra["metadataInputs"] = meta
        with open(req, "w") as f:
            json.dump({"source": source_json, "inputs": inp, "output": out, **extra,
                       **({"camOutput": cams} if cam else {})}, f)
        env = dict(os.environ)
        env["KERAS_BACKEND"] = "tensorflow"
        pkg_root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = pkg_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        proc = subprocess.run([sys.executable, "-m", "melanoma_export.tf_worker", req], env=env,
                              capture_output=True, text=True)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        info = json.loads(lines[-1]) if lines else {}
        if proc.returncode != 0 or "error" in info:
            reason = info.get("error") or (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise ExportError(f"TensorFlow reference run failed: {reason}")
        if cam:
            info["cam"] = np.load(cams)
        return np.load(out), info


# Graph optimisation levels by the names the spec uses (runtimeGraphs[].savedAt / openWith).
OPTIMIZATION_LEVELS = {"disabled": "ORT_DISABLE_ALL", "basic": "ORT_ENABLE_BASIC",
                       "extended": "ORT_ENABLE_EXTENDED", "all": "ORT_ENABLE_ALL"}


def session_options(level: str = "all", threads: int = 0):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = getattr(ort.GraphOptimizationLevel, OPTIMIZATION_LEVELS[level])
    if threads:
        so.intra_op_num_threads = threads
    return so


def onnx_probabilities(onnx_path: str, x: np.ndarray, batch: int | None = None, threads: int = 0,
                       level: str = "all") -> np.ndarray:
    import onnxruntime as ort

    so = session_options(level, threads)
    sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
    batch = batch or len(x)
    outs = [sess.run([OUTPUT_NAME], feeds(x[i:i + batch]))[0] for i in range(0, len(x), batch)]
    return np.concatenate(outs, axis=0).astype(np.float32)


def validate(onnx_path: str, x: np.ndarray, reference: np.ndarray, tolerance: float = DEFAULT_TOLERANCE) -> dict:
    """Compare; return the figures, or raise ParityError listing every comparison beyond tolerance."""
    reference = np.asarray(reference, np.float32).reshape(len(x), -1)
    arrangements = {"batch=all": len(x), "batch=1": 1, "batch=3": 3}
    mismatches, worst = [], 0.0
    per = {}
    for label, b in arrangements.items():
        y = onnx_probabilities(onnx_path, x, batch=b)
        if y.shape != reference.shape:
            mismatches.append(f"{label}: output shape {y.shape} != reference {reference.shape}")
            continue
        if not np.all(np.isfinite(y)):
            mismatches.append(f"{label}: non-finite outputs")
            worst = float("inf")
            continue
        d = np.abs(y - reference).max(axis=1)
        per[label] = float(d.max())
        worst = max(worst, float(d.max()))
        for i in np.nonzero(d > tolerance)[0]:
            mismatches.append(f"{label} input {i}: onnx {y[i, 0]:.7f} vs tensorflow {reference[i, 0]:.7f}")
    if mismatches:
        raise ParityError(tolerance, mismatches, worst)
    return {"maxAbsDiffProbability": worst, "tolerance": tolerance, "batchArrangements": list(arrangements),
            "referenceProbabilityRange": [float(reference.min()), float(reference.max())]}
