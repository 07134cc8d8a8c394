"""Load or rebuild the source Keras model, in whichever Keras backend this process runs.

Input kinds (``inspect_source`` tells them apart and fails with a one-line reason):

* ``keras``        a full Keras 3 model (``.keras`` zip)
* ``legacy-h5``    a full model in the legacy HDF5 format (``model.save("x.h5")``; has ``model_config``)
* ``weights-h5``   a weights-only legacy HDF5 file (``save_weights("x.h5")``, ModelCheckpoint with
                   ``save_weights_only=True``), keras.applications or qubvel ``efficientnet.tfkeras``
                   layer names; needs ``--arch`` and ``--size``
* ``keras-weights`` a Keras 3 ``.weights.h5`` file, saved from the nested layout (the EfficientNet base as
                   one layer) or the flat one (``keras.Model(base.input, head(base.output))``); needs
                   ``--arch`` and ``--size``
* ``savedmodel``   a TensorFlow SavedModel directory; its variables are read by name into the rebuilt
                   ``--arch`` (Keras 3 cannot load a SavedModel as a Keras model)

With ``--arch`` a full ``.h5`` is also read by layer name into the rebuilt architecture, which is how
a full model with custom layers (qubvel's ``FixedDropout``, ``swish``) is converted.

Nothing here imports keras at module level: the caller picks the backend first (``backend.use``).
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from melanoma_export.errors import ArchitectureMismatch, MetadataError, SourceError
from melanoma_export.metadata import encoding

# keras.applications constructor and the size each was designed for.
ARCHITECTURES: dict[str, tuple[str, int]] = {
    "efficientnetb0": ("EfficientNetB0", 224),
    "efficientnetb1": ("EfficientNetB1", 240),
    "efficientnetb2": ("EfficientNetB2", 260),
    "efficientnetb3": ("EfficientNetB3", 300),
    "efficientnetb4": ("EfficientNetB4", 380),
    "efficientnetb5": ("EfficientNetB5", 456),
    "efficientnetb6": ("EfficientNetB6", 528),
    "efficientnetb7": ("EfficientNetB7", 600),
}
MIN_SIZE = 32  # five stride-2 stages: below 32 px the last feature map is empty

LAYOUTS = ("auto", "keras-applications", "qubvel")


@dataclass
class Source:
    """What the converter was given, serialisable so that the TensorFlow worker can load the same thing."""
    kind: str
    path: str
    arch: str | None = None
    size: int | None = None
    layout: str | None = None  # keras-applications | qubvel (weights kinds only)
    # Only for the qubvel layout: what training did to the 0..1 image before the network.
    qubvel_mean: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    qubvel_std: list[float] = field(default_factory=lambda: [1.0, 1.0, 1.0])
    # The encoding of a second (patient metadata) input (metadata.ENCODINGS), or None: an image-only model.
    metadata: str | None = None

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Source":
        return cls(**data)

    @property
    def rebuilds(self) -> bool:
        return self.arch is not None


def _is_hdf5(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(8) == b"\x89HDF\r\n\x1a\n"


def inspect_source(path: str, arch: str | None, size: int | None, layout: str = "auto") -> Source:
    """Decide the input kind from the file itself (not only its name) and check the flags fit it."""
    p = Path(path)
    if not p.exists():
        raise SourceError(f"model file not found: {path}")
    if arch is not None and arch not in ARCHITECTURES:
        raise ArchitectureMismatch(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    if size is not None and size < MIN_SIZE:
        raise ArchitectureMismatch(f"--size {size} is too small: EfficientNet needs at least {MIN_SIZE} px")
    if arch is not None and size is None:
        raise ArchitectureMismatch(f"--arch {arch} needs --size (weights do not record the input size)")
    if layout not in LAYOUTS:
        raise SourceError(f"unknown --layout {layout!r}; choose one of {', '.join(LAYOUTS)}")

    if p.is_dir():
        if not (p / "saved_model.pb").exists() and not (p / "saved_model.pbtxt").exists():
            raise SourceError(f"{path} is a directory but not a SavedModel (no saved_model.pb)")
        if arch is None:
            raise SourceError(
                f"{path} is a SavedModel: Keras 3 cannot load it as a model; "
                "give --arch and --size to read its variables into the rebuilt architecture")
        return Source("savedmodel", str(p), arch, size, _layout_or(layout))

    if p.stat().st_size == 0:
        raise SourceError(f"model file is empty: {path}")
    if zipfile.is_zipfile(p):
        try:
            with zipfile.ZipFile(p) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile as e:
            raise SourceError(f"corrupt .keras file {path}: {e}") from None
        if "config.json" not in names:
            raise SourceError(f"{path} is a zip file but not a .keras model (no config.json)")
        if arch is not None:
            raise SourceError(f"{path} is a full .keras model; drop --arch (it is loaded with its own architecture)")
        return Source("keras", str(p), None, size)
    if not _is_hdf5(p):
        raise SourceError(f"cannot read {path}: not a .keras zip, HDF5 (.h5) file or SavedModel directory")

    import h5py

    try:
        with h5py.File(p, "r") as f:
            is_full = "model_config" in f.attrs
            is_keras3_weights = "layers" in f and "vars" in f and "layer_names" not in f.attrs
            has_legacy_weights = "layer_names" in f.attrs or (
                "model_weights" in f and "layer_names" in f["model_weights"].attrs)
    except OSError as e:
        raise SourceError(f"corrupt HDF5 file {path}: {str(e).splitlines()[0]}") from None

    if is_full and arch is None:
        return Source("legacy-h5", str(p), None, size)
    if arch is None:
        raise SourceError(
            f"{path} holds weights only: give --arch (e.g. efficientnetb4) and --size (e.g. 384)")
    if is_keras3_weights:
        return Source("keras-weights", str(p), arch, size, "keras-applications")
    if has_legacy_weights:
        return Source("weights-h5", str(p), arch, size, _layout_or(layout))
    raise SourceError(f"{path} is HDF5 but holds no Keras weights (no layer_names)")


def _layout_or(layout: str) -> str | None:
    return None if layout == "auto" else layout


# --------------------------------------------------------------------------------------------------
# Building


def build_classifier(arch: str, size: int, name: str | None = None):
    """keras.applications EfficientNet (include_top=False, weights=None) + GAP + Dense(1, sigmoid).

    The same head as the Kaggle "Triple Stratified KFold" notebooks. The base is nested as one layer,
    as in those notebooks; weights are matched by leaf layer name, so nesting does not matter.
    """
    import keras

    ctor_name, _ = ARCHITECTURES[arch]
    ctor = getattr(keras.applications, ctor_name)
    base = ctor(include_top=False, weights=None, input_shape=(size, size, 3))
    image = keras.Input((size, size, 3), name="image")
    x = base(image)
    x = keras.layers.GlobalAveragePooling2D(name="global_average_pooling2d")(x)
    out = keras.layers.Dense(1, activation="sigmoid", name="dense")(x)
    return keras.Model(image, out, name=name or f"{arch}_{size}")


def load_model(source: Source):
    """The Keras model (in this process's backend) that ``source`` describes."""
    import keras

    if source.kind in ("keras", "legacy-h5"):
        try:
            model = keras.saving.load_model(source.path, compile=False)
        except Exception as e:  # keras raises many types; the user needs one line
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise SourceError(
                f"cannot load {source.path} as a Keras model ({type(e).__name__}: {first}); "
                "if it uses custom layers, convert its weights with --arch and --size") from None
        check_model_inputs(model, source)
        return model

    if source.metadata is not None:
        raise MetadataError(f"--metadata {source.metadata} needs a full Keras model with a second input; --arch "
                            f"rebuilds {source.arch} with the image input only")
    model = build_classifier(source.arch, source.size)
    if source.kind == "keras-weights":
        load_keras3_weights(model, source)
        return model
    if source.kind == "weights-h5":
        groups = read_legacy_h5_weights(source.path)
    elif source.kind == "savedmodel":
        groups = read_savedmodel_weights(source.path)
    else:
        raise SourceError(f"unknown source kind {source.kind!r}")
    assign_by_layer_name(model, groups, source)
    return model


def build_flat_classifier(arch: str, size: int):
    """The same classifier with the base's layers inlined: ``keras.Model(base.input, head(base.output))``."""
    import keras

    ctor_name, _ = ARCHITECTURES[arch]
    base = getattr(keras.applications, ctor_name)(include_top=False, weights=None, input_shape=(size, size, 3))
    x = keras.layers.GlobalAveragePooling2D(name="global_average_pooling2d")(base.output)
    out = keras.layers.Dense(1, activation="sigmoid", name="dense")(x)
    return keras.Model(base.input, out, name=f"{arch}_{size}_flat")


def _is_nested_keras3_file(path: str) -> bool:
    """A Keras 3 .weights.h5 stores each layer under layers/<class name>; a nested model under
    layers/<model class>/layers/..."""
    import h5py

    with h5py.File(path, "r") as f:
        return any(isinstance(g, h5py.Group) and "layers" in g for g in f["layers"].values())


def load_keras3_weights(model, source: Source) -> None:
    """Keras 3 ``.weights.h5`` into the nested classifier, whichever layout the file was saved from.

    Keras 3 names the file's groups by layer class and position inside each (sub)model, not by layer name,
    so a file saved from a flat model does not load into a nested one ("257 objects could not be loaded").
    Keras itself loads the file into the layout it was saved from; the weights are then copied leaf layer by
    leaf layer (same architecture, same order, checked by name - auto-generated ones without their counter - and shape).
    """
    nested = _is_nested_keras3_file(source.path)
    target = model if nested else build_flat_classifier(source.arch, source.size)
    layout = "nested" if nested else "flat"
    try:
        target.load_weights(source.path)
    except Exception as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ArchitectureMismatch(
            f"weights in {source.path} ({layout} Keras 3 file) do not fit {source.arch} at {source.size} px: "
            f"{first}") from None
    if nested:
        return
    src, dst = leaf_layers(target), leaf_layers(model)
    pairs = list(zip(src, dst))
    if len(src) != len(dst) or any(_base(a.name) != _base(b.name) or [tuple(w.shape) for w in a.weights] !=
                                   [tuple(w.shape) for w in b.weights] for a, b in pairs):
        raise ArchitectureMismatch(f"the flat and nested {source.arch} classifiers differ; cannot map "
                                   f"{Path(source.path).name}")
    for a, b in pairs:
        b.set_weights(a.get_weights())


def check_model_inputs(model, source: Source) -> None:
    """One NHWC RGB image input of a fixed square size, plus a (batch, L) metadata input exactly when
    ``source.metadata`` names an encoding of length L; one (batch, 1) output."""

    shapes = [tuple(t.shape) for t in model.inputs]
    images = [s for s in shapes if len(s) == 4 and s[3] == 3]
    others = [(t.name, tuple(t.shape)) for t in model.inputs if not (len(t.shape) == 4 and t.shape[3] == 3)]
    if len(images) != 1 or len(shapes) > 2:
        raise ArchitectureMismatch(
            f"{source.path}: expected one NHWC RGB image input (and at most a metadata vector), found inputs {shapes}")
    if source.metadata is None and others:
        name, shape = others[0]
        raise MetadataError(
            f"{source.path}: has a second input {name!r} of shape {shape} beside the image: give --metadata "
            "isic2020 (the encoding it was trained with) to export it as patient metadata")
    if source.metadata is not None:
        enc = encoding(source.metadata)
        if not others:
            raise MetadataError(f"--metadata {enc.name} given, but {source.path} has only the image input")
        name, shape = others[0]
        if len(shape) != 2 or shape[1] != enc.length:
            raise MetadataError(f"{source.path}: the second input {name!r} has shape {shape}; --metadata {enc.name} "
                                f"encodes (batch, {enc.length})")
    _, h, w, _ = images[0]
    if h is None or w is None or h != w:
        raise ArchitectureMismatch(f"{source.path}: expected a fixed square input size, found {h}x{w}")
    if source.size is not None and source.size != h:
        raise ArchitectureMismatch(f"--size {source.size} does not match the model's input size {h}")
    outs = [tuple(t.shape) for t in model.outputs]
    if len(outs) != 1 or outs[0][-1] != 1:
        raise ArchitectureMismatch(f"{source.path}: expected one output of shape (batch, 1), found {outs}")


def image_input_index(model) -> int:
    """Position of the image among the model's inputs (a metadata model may list its vector first)."""
    return next(i for i, t in enumerate(model.inputs) if len(t.shape) == 4)


def model_image_size(model) -> int:
    return int(model.inputs[image_input_index(model)].shape[1])


# --------------------------------------------------------------------------------------------------
# Weights by layer name


def _short(weight_name: str) -> tuple[str | None, str]:
    """'efficientnet-b4/stem_conv/kernel:0' -> ('stem_conv', 'kernel')."""
    name = weight_name.split(":")[0]
    parts = name.split("/")
    leaf = parts[-1]
    if leaf == "depthwise_kernel":  # Keras 2 name; Keras 3 calls it kernel
        leaf = "kernel"
    return (parts[-2] if len(parts) >= 2 else None), leaf


def _base(name: str) -> str:
    """'normalization_3' -> 'normalization' (Keras numbers auto-generated names per process)."""
    import re

    return re.sub(r"_\d+$", "", name)


def read_legacy_h5_weights(path: str) -> dict[str, list[tuple[str, np.ndarray]]]:
    """{leaf layer name: [(weight name, array), ...]} from a legacy (Keras 2 style) HDF5 file.

    Works for weights-only files and for the ``model_weights`` group of full models, for nested
    models (the EfficientNet base as one layer) as well as flat ones.
    """
    import h5py

    out: dict[str, list[tuple[str, np.ndarray]]] = {}
    try:
        with h5py.File(path, "r") as f:
            g = f["model_weights"] if "model_weights" in f else f
            for top in g.attrs["layer_names"]:
                top = top.decode() if isinstance(top, bytes) else top
                lg = g[top]
                for wn in lg.attrs.get("weight_names", []):
                    wn = wn.decode() if isinstance(wn, bytes) else wn
                    layer, leaf = _short(wn)
                    out.setdefault(layer or top, []).append((leaf, np.asarray(lg[wn])))
    except (OSError, KeyError) as e:
        raise SourceError(f"corrupt weights file {path}: {str(e).splitlines()[0]}") from None
    return out


def read_savedmodel_weights(path: str) -> dict[str, list[tuple[str, np.ndarray]]]:
    import tensorflow as tf

    try:
        obj = tf.saved_model.load(path)
    except Exception as e:
        raise SourceError(f"cannot load SavedModel {path}: {str(e).strip().splitlines()[0]}") from None
    out: dict[str, list[tuple[str, np.ndarray]]] = {}
    for v in getattr(obj, "variables", []):
        layer, leaf = _short(v.name)
        if layer is None:
            continue
        out.setdefault(layer, []).append((leaf, v.numpy()))
    if not out:
        raise SourceError(f"SavedModel {path} exposes no named variables to read")
    return out


def leaf_layers(model):
    """Layers that own weights, nested models flattened, in order."""
    out = []
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:
            out.extend(leaf_layers(layer))
        elif layer.weights:
            out.append(layer)
    return out


def assign_by_layer_name(model, groups: dict[str, list[tuple[str, np.ndarray]]], source: Source) -> None:
    """Copy ``groups`` into ``model`` layer by layer; collect every problem, then raise once."""
    layers = leaf_layers(model)
    by_name = {layer.name: layer for layer in layers}
    layout = source.layout
    has_norm = any(_base(name) == "normalization" for name in groups)
    if layout is None:
        layout = "qubvel" if (not has_norm and "stem_conv" in groups) else "keras-applications"
        source.layout = layout

    pending = dict(groups)
    missing, mismatched, plan = [], [], []
    for layer in layers:
        if _base(layer.name) == "normalization" and layout == "qubvel":
            continue  # qubvel's EfficientNet has no in-graph normalisation; set below
        values = pending.pop(layer.name, None)
        if values is None:
            missing.append(layer)
            continue
        plan.append((layer, values))
    # Auto-generated names differ between processes and files ('normalization' vs 'normalization_3',
    # 'dense' vs 'dense_1'): pair leftovers with the same base name when exactly one of each remains
    # and the shapes agree.
    for layer in list(missing):
        cands = [n for n in pending if _base(n) == _base(layer.name)]
        same = [m for m in missing if _base(m.name) == _base(layer.name)]
        if len(cands) == 1 and len(same) == 1:
            values = pending[cands[0]]
            if [tuple(w.shape) for w in layer.weights] == [v.shape for _, v in values]:
                plan.append((layer, pending.pop(cands[0])))
                missing.remove(layer)
    for layer, values in plan:
        want = [tuple(w.shape) for w in layer.weights]
        have = [tuple(v.shape) for _, v in values]
        if want != have:
            mismatched.append(f"{layer.name}: file {have} vs model {want}")

    problems = []
    if missing:
        problems.append(f"{len(missing)} model layer(s) not in the file (e.g. {', '.join(l.name for l in missing[:3])})")
    if pending:
        problems.append(f"{len(pending)} file layer(s) not in the model (e.g. {', '.join(list(pending)[:3])})")
    if mismatched:
        problems.append(f"{len(mismatched)} shape mismatch(es) (e.g. {'; '.join(mismatched[:2])})")
    if problems:
        raise ArchitectureMismatch(
            f"weights in {Path(source.path).name} do not fit {source.arch} at {source.size} px "
            f"({layout} layout): " + "; ".join(problems))

    for layer, values in plan:
        layer.set_weights([v for _, v in values])
    if layout == "qubvel":
        norm = next((layer for layer in layers if _base(layer.name) == "normalization"), None)
        if norm is not None:
            mean = np.asarray(source.qubvel_mean, np.float32)
            var = np.square(np.asarray(source.qubvel_std, np.float32))
            norm.set_weights([mean, var, np.asarray(0, dtype=norm.weights[2].dtype)])


def weights_digest(model) -> str:
    """sha256 over every weight (path, dtype, shape, bytes) in order: identifies the exact source weights."""
    import hashlib

    h = hashlib.sha256()
    for i, w in enumerate(model.weights):  # by position: auto-generated layer names differ per process
        a = np.ascontiguousarray(np.asarray(w.numpy() if hasattr(w, "numpy") else w))
        if a.dtype.kind in "iu":  # Normalization's count is int32 on torch, int64 on TensorFlow
            a = a.astype(np.int64)
        h.update(json.dumps([i, w.path.split("/")[-1], str(a.dtype), list(a.shape)]).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def file_sha256(path: str) -> str:
    import hashlib

    h = hashlib.sha256()
    p = Path(path)
    files = sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
    for fp in files:
        if p.is_dir():
            h.update(str(fp.relative_to(p)).encode() + b"\0")
        with open(fp, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def source_files(source: Source) -> list[dict]:
    p = Path(source.path)
    return [{"file": p.name, "kind": source.kind, "sha256": file_sha256(source.path),
             "bytes": sum(x.stat().st_size for x in p.rglob("*") if x.is_file()) if p.is_dir() else p.stat().st_size}]
