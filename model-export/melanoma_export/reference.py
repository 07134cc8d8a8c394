"""Reference fixtures for the Java tests: what the reference preprocessing makes of each test image.

``fixtures.json`` lists, per image, the header facts (stored/oriented size, EXIF orientation, crop box),
the sha256 of the preprocessed HWC uint8 tensor, the probability of the source Keras model on
TensorFlow and of ``model.onnx`` on onnxruntime (batch 1), and the label when known. ``tensors/``
holds the tensors as lossless RGB PNGs (a PNG of the 384x384x3 uint8 tensor, nothing else).

Deterministic: no timestamps, sorted file order, fixed PNG encoder settings; a second run writes the
same bytes (tested).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from melanoma_export import backend, parity
from melanoma_export.demo import demo_model
from melanoma_export.errors import ExportError, PreprocessingError, SourceError
from melanoma_export.metadata import ModelInputs, spec_encoding
from melanoma_export.preprocessing import Normalization, Preprocessing, list_images, reference_tensor, to_model_input
from melanoma_export.sources import Source, file_sha256, inspect_source, load_model, weights_digest
from melanoma_export.spec import MODEL_FILE, read_spec, sha256_file, tool_versions

FIXTURE_VERSION = 1
SUBDIR_PRIORITY = ("dermoscopy", "exif-orientation", "formats")


def safe_name(rel: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", rel.replace("/", "__"))


def encode_png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, np.uint8), "RGB").save(buf, format="PNG", compress_level=9)
    return buf.getvalue()


def preprocessing_tools() -> dict:
    """Versions of the libraries whose output preprocessing-only fixtures hold."""
    return {k: v for k, v in tool_versions().items() if k in ("python", "melanoma-export", "tensorflow", "numpy",
                                                               "opencv", "pillow")}


def read_labels(path: str | None, images_root: str) -> dict[str, str]:
    path = path or os.path.join(images_root, "dermoscopy", "labels.csv")
    if not os.path.exists(path):
        return {}
    prefix = os.path.relpath(os.path.dirname(path), images_root).replace(os.sep, "/")
    with open(path, newline="") as f:
        return {f"{prefix}/{row['file']}" if prefix != "." else row["file"]: row["label"]
                for row in csv.DictReader(f)}


def source_model_for(spec: dict, source_path: str | None, progress=print):
    """(Keras model on torch, sources.Source for the TensorFlow worker, temp dir to clean or None)."""
    backend.use("torch")

    src = spec.get("source", {})
    if src.get("kind") == "demo":
        model = demo_model(int(src["seed"]), src["arch"], int(src["imageSize"]), progress)
        tmp = tempfile.TemporaryDirectory(prefix="melanoma-ref-")
        weights = os.path.join(tmp.name, "demo.weights.h5")
        model.save_weights(weights)
        source = Source("keras-weights", weights, src["arch"], int(src["imageSize"]), "keras-applications")
    else:
        if not source_path:
            raise SourceError("this model was converted from a file: give --source (the file it was converted from)")
        want = (src.get("files") or [{}])[0].get("sha256")
        if want and file_sha256(source_path) != want:
            raise SourceError(f"--source {source_path} is not the file this model was converted from (sha256 differs)")
        source = inspect_source(source_path, src.get("arch"), int(src["imageSize"]) if src.get("arch") else None,
                                src.get("layout") or "auto")
        qi = src.get("qubvelInput")
        if qi:
            source.qubvel_mean, source.qubvel_std = qi["mean"], qi["std"]
        enc = spec_encoding(spec)
        source.metadata = enc.name if enc else None
        model = load_model(source)
        tmp = None
    digest = weights_digest(model)
    if src.get("weightsDigest") and digest != src["weightsDigest"]:
        raise ExportError("the regenerated source model's weights differ from the ones this model was exported "
                          "from (weightsDigest mismatch)")
    return model, source, tmp


def write_fixtures(model_dir: str | None, images_root: str, out_dir: str, source_path: str | None = None,
                   labels_csv: str | None = None, max_bytes: int = 12_000_000, overrides: dict | None = None,
                   probabilities: bool = True, progress=print) -> Path:
    """Fixtures for ``model_dir``'s preprocessing, changed by ``overrides`` (``Preprocessing.replace`` keywords).

    With ``probabilities=False`` no model runs: the fixtures hold tensors only, so that any preprocessing
    choice can be fixed at a small size (``overrides["size"]``); ``model_dir`` may then be None (the default
    preprocessing plus the overrides).
    """
    backend.use("torch")

    overrides = dict(overrides or {})
    spec = sha = onnx_path = None
    if model_dir is not None:
        spec = read_spec(model_dir)
        onnx_path = os.path.join(model_dir, spec.get("model", {}).get("file", MODEL_FILE))
        if probabilities:
            if not os.path.exists(onnx_path):
                raise SourceError(f"{onnx_path} not found")
            sha = sha256_file(onnx_path)
            if sha != spec["model"]["sha256"]:
                raise SourceError(f"{onnx_path} does not match the sha256 in model.json")
    elif probabilities:
        raise SourceError("give --model (or --no-probabilities for tensors only)")
    if probabilities and overrides:
        if "size" in overrides and overrides["size"] != int(spec["input"]["height"]):
            raise ExportError(f"--size {overrides['size']} differs from the model's input size "
                              f"{spec['input']['height']}: add --no-probabilities")
    if not os.path.isdir(images_root):
        raise SourceError(f"--images {images_root} is not a directory")
    base = Preprocessing.from_spec(spec["input"]) if spec is not None else Preprocessing()
    pp = base.replace(**overrides)
    norm = Normalization.from_spec(spec["input"]["normalization"]) if spec is not None else Normalization()
    labels = read_labels(labels_csv, images_root)

    files = list_images(images_root, SUBDIR_PRIORITY)
    progress(f"preprocessing {len(files)} images from {images_root}")
    entries, skipped, tensors = [], [], []
    for f in files:
        rel = f.relative_to(images_root).as_posix()
        if rel.split("/")[0] == "broken":
            continue
        try:
            t, info = reference_tensor(str(f), pp)
        except PreprocessingError as e:
            reason = str(e).split(": ", 1)[-1]
            skipped.append({"file": rel, "reason": reason})
            progress(f"  skip {rel}: {reason}")
            continue
        entries.append({
            "file": rel,
            "fileSha256": sha256_file(str(f)),
            "storedWidth": info["storedWidth"], "storedHeight": info["storedHeight"],
            "exifOrientation": info["exifOrientation"],
            "orientedWidth": info["orientedWidth"], "orientedHeight": info["orientedHeight"],
            **({"resized": info["resized"]} if "resized" in info else {}),
            "crop": info["crop"],
            "decoder": info["decoder"],
            "tensor": None,
            "tensorSha256": hashlib.sha256(np.ascontiguousarray(t).tobytes()).hexdigest(),
            "probability": None,
            "onnxProbability": None,
            "label": labels.get(rel),
        })
        tensors.append(t)
    if not entries:
        raise ExportError(f"no decodable images under {images_root}")

    tf_probs = onnx_probs = [None] * len(entries)
    worst = None
    if probabilities:
        x = to_model_input(np.stack(tensors), norm)
        enc = spec_encoding(spec)
        if enc is not None:  # a metadata model: every photo with the all-missing encoding (no patient is known)
            x = ModelInputs(x, np.tile(enc.missing(), (len(x), 1)))
        progress(f"onnxruntime on {len(x)} tensors (batch 1)")
        onnx_probs = parity.onnx_probabilities(onnx_path, x, batch=1)[:, 0]
        model, source, tmp = source_model_for(spec, source_path, progress)
        try:
            tf_probs, _ = parity.tensorflow_reference(source.to_json(), x, progress)
        finally:
            if tmp is not None:
                tmp.cleanup()
        tf_probs = tf_probs[:, 0]
        worst = float(np.max(np.abs(tf_probs - onnx_probs)))

    out = Path(out_dir)
    tdir = out / "tensors"
    tdir.mkdir(parents=True, exist_ok=True)
    for old in tdir.glob("*.png"):
        old.unlink()
    used, kept, omitted = 0, 0, []
    for e, t, p, q in zip(entries, tensors, tf_probs, onnx_probs):
        e["probability"] = None if p is None else float(p)
        e["onnxProbability"] = None if q is None else float(q)
        png = encode_png(t)
        if used + len(png) <= max_bytes:
            name = f"tensors/{safe_name(e['file'])}.png"
            (out / name).write_bytes(png)
            e["tensor"] = name
            used += len(png)
            kept += 1
        else:
            omitted.append(e["file"])
    fixtures = {
        "fixtureVersion": FIXTURE_VERSION,
        "model": {"name": spec["name"], "version": spec["version"], "sha256": sha} if probabilities else None,
        "input": ({k: spec["input"][k] for k in ("name", "dtype", "layout", "height", "width", "channels",
                                                  "channelOrder", "normalization")} if probabilities else
                  {"height": pp.size, "width": pp.size, "channels": 3, "channelOrder": "RGB"}),
        "preprocessing": spec["input"]["preprocessing"] if probabilities and not overrides else pp.to_spec(),
        "tools": spec.get("export", {}).get("tools", {}) if probabilities else preprocessing_tools(),
        "imagesRoot": "testdata (in the repository)",
        "tensorFormat": "8-bit RGB PNG of the HxWx3 uint8 tensor after preprocessing, before normalisation; "
                        "tensorSha256 is over the raw HWC bytes",
        "maxAbsDiffProbability": worst,
        **({"metadata": {"fedToModel": {}, "encoded": [float(v) for v in enc.missing()],
                         "note": "the model has a patient metadata input; every probability here is with all "
                                 "fields missing"}} if probabilities and enc is not None else {}),
        "tensorBudgetBytes": max_bytes,
        "tensorsOmitted": omitted,
        "images": entries,
        "skipped": skipped,
    }
    (out / "fixtures.json").write_text(json.dumps(fixtures, indent=2) + "\n")
    progress(f"wrote {len(entries)} fixtures ({kept} tensors, {used / 1e6:.1f} MB; {len(omitted)} over budget), "
             f"{len(skipped)} skipped" + (f"; max |TF - ONNX| probability {worst:.3g}" if probabilities else ""))
    return out
