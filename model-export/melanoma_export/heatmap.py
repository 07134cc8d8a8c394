"""Class activation map (CAM, Zhou et al. 2016) as a second output of the exported graph.

For a head ``probability = sigmoid(mean_hw(F) @ w + b)`` (global average pooling, then one Dense unit) the
map ``cam[h, w] = F[h, w, :] @ w + b`` is that unit's logit at each cell of the last feature map, and its
mean over the cells is the model's logit exactly (the average of an affine map is the map of the average).
The bias is included for that reason: the raw map then has units (a logit per location) and can be checked
against the probability; min-max scaling, which is what the service shows, removes it anyway.

A head that reads the pooled features concatenated with other vectors (a patient metadata branch,
``Dense(1)(Concatenate([GAP(F), m]))``) splits the kernel by rows: ``cam[h, w] = F[h, w, :] @ w_F + (m @ w_m + b)``.
The other vectors' term is the same in every cell, so the mean over the cells is still the model's logit and the
min-max scaled map is the image's alone.

The output is added to the ONNX graph by surgery after export (``add_cam_output``): one ``MatMul`` on the
tensor the global average pooling reads, with the Dense layer's own weight and bias tensors, then a
``Squeeze``. No new weights are stored, the probability path is untouched, and onnxruntime computes the map
only when a caller asks for the ``cam`` output. The same surgery serves new exports and existing model files.

The reference is TensorFlow's own computation: ``keras_cam`` on the TensorFlow backend (in the worker process)
reads the feature map with a Keras sub-model and weights it with the Dense layer's kernel and bias.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from melanoma_export.errors import ExportError, ParityError
from melanoma_export.export import keras_inputs
from melanoma_export.graph_io import INPUT_NAME, OUTPUT_NAME
from melanoma_export.metadata import feeds
from melanoma_export.parity import session_options

CAM_OUTPUT = "cam"
CAM_KIND = "class-activation-map"
# Max |difference| of the min-max scaled map (0..1, what the service draws), per cell.
DEFAULT_CAM_TOLERANCE = 1e-3
CAM_MEANING = ("class activation map: the Dense unit's logit at each cell of the last convolution's feature map "
               "(F[h,w,:] @ kernel + bias; its mean over the cells is the model's logit), rows x columns as in "
               "the model's input")
CAM_OTHERS_MEANING = ("; the vectors concatenated with the pooled features (the patient metadata branch) add their "
                      "share of the logit to every cell alike, so they shift the raw map and leave the scaled one")


class NoCamHead(ExportError):
    """The model's head is not global average pooling + one Dense unit: no class activation map."""
    exit_code = 2


@dataclass(frozen=True)
class CamSite:
    features: str  # the tensor the global average pooling reads (N, H, W, C)
    kernel: str    # the Dense kernel (C, 1), or (C + the other vectors' widths, 1) after a Concat
    bias: str | None
    height: int
    width: int
    # A Concat before the Dense layer: the feature rows' first row in the kernel, and (tensor, first row, width)
    # of every other vector concatenated with the pooled features.
    feature_row: int = 0
    others: tuple = ()
    channels: int = 0


# ---------------------------------------------------------------------------------------------- ONNX side

def find_cam_site(proto) -> CamSite:
    """Walk back from the probability output: [Sigmoid] <- [Add(bias)] <- MatMul(pooled, kernel) <-
    ReduceMean(features, axes=[1, 2], keepdims=0). Raise NoCamHead naming what was found instead."""
    from onnx import numpy_helper

    g = proto.graph
    producer = {o: n for n in g.node for o in n.output}
    inits = {i.name: i for i in g.initializer}

    def const(name):
        if name in inits:
            return numpy_helper.to_array(inits[name])
        node = producer.get(name)
        if node is not None and node.op_type == "Constant":
            return numpy_helper.to_array(node.attribute[0].t)
        return None

    node = producer.get(OUTPUT_NAME)
    if node is not None and node.op_type == "Sigmoid":
        node = producer.get(node.input[0])
    bias = None
    if node is not None and node.op_type == "Add":
        a, b = node.input
        if const(b) is not None and const(b).size == 1:
            bias, node = b, producer.get(a)
        elif const(a) is not None and const(a).size == 1:
            bias, node = a, producer.get(b)
    if node is None or node.op_type != "MatMul":
        raise NoCamHead(f"no class activation map: the graph's head is not GlobalAveragePooling + Dense(1) "
                        f"(found {node.op_type if node is not None else 'nothing'} before the output)")
    pooled, kernel = node.input
    from onnx import shape_inference

    inferred = shape_inference.infer_shapes(proto)
    shapes = {v.name: v.type.tensor_type.shape for v in
              list(inferred.graph.value_info) + list(inferred.graph.output) + list(inferred.graph.input)}
    concat = producer.get(pooled)
    feature_row, others = 0, []
    if concat is not None and concat.op_type == "Concat":
        axis = next((a.i for a in concat.attribute if a.name == "axis"), None)
        widths = [_last_dim(shapes.get(t)) for t in concat.input]
        gaps = [i for i, t in enumerate(concat.input) if getattr(producer.get(t), "op_type", None) == "ReduceMean"]
        if axis not in (-1, 1) or len(gaps) != 1 or min(widths) <= 0:
            raise NoCamHead("no class activation map: the Dense layer reads a Concat that is not one global average "
                            f"pooling beside other vectors on the last axis (axis {axis}, widths {widths})")
        rows = np.cumsum([0] + widths)
        feature_row = int(rows[gaps[0]])
        others = [(t, int(rows[i]), widths[i]) for i, t in enumerate(concat.input) if i != gaps[0]]
        pooled = concat.input[gaps[0]]
    gap = producer.get(pooled)
    if gap is None or gap.op_type != "ReduceMean":
        raise NoCamHead(f"no class activation map: the Dense layer reads {gap.op_type if gap is not None else 'an input'}"
                        ", not a global average pooling")
    keepdims = next((a.i for a in gap.attribute if a.name == "keepdims"), 1)
    axes = next((list(a.ints) for a in gap.attribute if a.name == "axes"), None)
    if axes is None and len(gap.input) > 1:
        axes_value = const(gap.input[1])
        axes = None if axes_value is None else [int(v) for v in np.ravel(axes_value)]
    if keepdims != 0 or sorted(axes or []) != [1, 2]:
        raise NoCamHead(f"no class activation map: the pooling reduces axes {axes} (keepdims {keepdims}), "
                        "not the spatial axes [1, 2] of an NHWC feature map")
    features = gap.input[0]
    dims = [d.dim_value if d.HasField("dim_value") else -1 for d in shapes[features].dim] if features in shapes else []
    if len(dims) != 4 or min(dims[1:]) <= 0:
        raise NoCamHead(f"no class activation map: the pooled feature map's shape is {dims or 'unknown'}, "
                        "not (batch, height, width, channels)")
    k = const(kernel)
    rows = dims[3] + sum(w for _, _, w in others)
    if k is not None and (k.ndim != 2 or k.shape != (rows, 1)):
        raise NoCamHead(f"no class activation map: the Dense kernel has shape {k.shape}, not ({rows}, 1)")
    return CamSite(features, kernel, bias, dims[1], dims[2], feature_row, tuple(others), dims[3])


def _last_dim(shape) -> int:
    if shape is None or not shape.dim or not shape.dim[-1].HasField("dim_value"):
        return -1
    return int(shape.dim[-1].dim_value)


def add_cam_output(proto) -> dict:
    """Add the ``cam`` output (batch, H, W) to ``proto`` in place; return its ``extraOutputs`` record (no parity
    yet). Reuses the Dense layer's kernel and bias tensors: nothing large is added."""
    from onnx import TensorProto, helper, numpy_helper

    if any(o.name == CAM_OUTPUT for o in proto.graph.output):
        raise ExportError(f"the graph already has an output named {CAM_OUTPUT!r}")
    site = find_cam_site(proto)
    g = proto.graph
    logits = "cam_logits"

    def kernel_rows(first: int, count: int, tag: str) -> str:
        """The kernel's rows first..first+count-1, sliced in the graph (no copy of the weights stored)."""
        for name, v in ((f"cam_{tag}_start", first), (f"cam_{tag}_end", first + count), ("cam_axis0", 0)):
            if name not in {i.name for i in g.initializer}:
                g.initializer.append(numpy_helper.from_array(np.array([v], np.int64), name))
        g.node.append(helper.make_node("Slice", [site.kernel, f"cam_{tag}_start", f"cam_{tag}_end", "cam_axis0"],
                                       [f"cam_{tag}_kernel"], name=f"cam_{tag}_slice"))
        return f"cam_{tag}_kernel"

    # (N, H, W, C) @ (C, 1) -> (N, H, W, 1): MatMul broadcasts over the leading axes, so the kernel is used as is.
    channels = None if not site.others else kernel_rows(site.feature_row, site.channels, "features")
    g.node.append(helper.make_node("MatMul", [site.features, channels or site.kernel], ["cam_weighted"],
                                   name="cam_matmul"))
    # One term per sample, the same in every cell: the other concatenated vectors' share of the logit, + bias.
    terms = []
    for i, (tensor, first, width) in enumerate(site.others):
        g.node.append(helper.make_node("MatMul", [tensor, kernel_rows(first, width, f"other{i}")], [f"cam_other{i}"],
                                       name=f"cam_other{i}_matmul"))
        terms.append(f"cam_other{i}")
    if terms:
        total = terms[0]
        for i, t in enumerate(terms[1:]):
            g.node.append(helper.make_node("Add", [total, t], [f"cam_others_{i}"], name=f"cam_others_{i}"))
            total = f"cam_others_{i}"
        if site.bias is not None:
            g.node.append(helper.make_node("Add", [total, site.bias], ["cam_offset"], name="cam_offset_bias"))
            total = "cam_offset"
        g.initializer.append(numpy_helper.from_array(np.array([1, 2], np.int64), "cam_offset_axes"))
        g.node.append(helper.make_node("Unsqueeze", [total, "cam_offset_axes"], ["cam_offset_nhwc"],
                                       name="cam_offset_unsqueeze"))  # (N, 1) -> (N, 1, 1, 1)
        g.node.append(helper.make_node("Add", ["cam_weighted", "cam_offset_nhwc"], [logits], name="cam_bias"))
    elif site.bias is not None:
        g.node.append(helper.make_node("Add", ["cam_weighted", site.bias], [logits], name="cam_bias"))
    else:
        logits = "cam_weighted"
    g.initializer.append(numpy_helper.from_array(np.array([-1], np.int64), "cam_squeeze_axes"))
    g.node.append(helper.make_node("Squeeze", [logits, "cam_squeeze_axes"], [CAM_OUTPUT], name="cam_squeeze"))
    g.output.append(helper.make_tensor_value_info(CAM_OUTPUT, TensorProto.FLOAT, ["batch", site.height, site.width]))
    record = {"name": CAM_OUTPUT, "kind": CAM_KIND, "shape": [-1, site.height, site.width], "dtype": "float32",
              "layout": "rows x columns", "includesBias": site.bias is not None, "meaning": CAM_MEANING}
    if site.others:
        record["meaning"] += CAM_OTHERS_MEANING
        record["includesOtherInputs"] = True
    return record



def onnx_cams(onnx_path: str, x: np.ndarray, batch: int | None = None, level: str = "all") -> np.ndarray:
    import onnxruntime as ort

    sess = ort.InferenceSession(onnx_path, session_options(level), providers=["CPUExecutionProvider"])
    batch = batch or len(x)
    outs = [sess.run([CAM_OUTPUT], feeds(x[i:i + batch]))[0] for i in range(0, len(x), batch)]
    return np.concatenate(outs, axis=0).astype(np.float32)


def scaled(cams: np.ndarray) -> np.ndarray:
    """Each map min-max scaled to [0, 1] (a flat map becomes zeros), as the service shows it."""
    c = np.asarray(cams, np.float64)
    lo = c.min(axis=(1, 2), keepdims=True)
    span = c.max(axis=(1, 2), keepdims=True) - lo
    return np.where(span > 0, (c - lo) / np.where(span > 0, span, 1.0), 0.0)


def validate_cam(onnx_path: str, x: np.ndarray, reference: np.ndarray,
                 tolerance: float = DEFAULT_CAM_TOLERANCE) -> dict:
    """onnxruntime's map against TensorFlow's, one input at a time and all at once; every mismatch is listed."""
    reference = np.asarray(reference, np.float32)
    mismatches, worst_scaled, worst_raw = [], 0.0, 0.0
    for label, b in {"batch=all": len(x), "batch=1": 1}.items():
        got = onnx_cams(onnx_path, x, batch=b)
        if got.shape != reference.shape:
            mismatches.append(f"cam {label}: shape {got.shape} != TensorFlow's {reference.shape}")
            continue
        d = np.abs(scaled(got) - scaled(reference)).max(axis=(1, 2))
        worst_scaled = max(worst_scaled, float(d.max()))
        worst_raw = max(worst_raw, float(np.abs(got - reference).max()))
        for i in np.nonzero(~(d <= tolerance))[0]:
            mismatches.append(f"cam {label} input {i}: max |d scaled map| {d[i]:.3g}")
    if mismatches:
        raise ParityError(tolerance, mismatches, worst_scaled, quantity="d scaled cam")
    return {"against": "tensorflow (Keras feature map x Dense kernel + bias)", "maxAbsDiffScaled": worst_scaled,
            "maxAbsDiffRaw": worst_raw, "referenceRange": [float(reference.min()), float(reference.max())],
            "tolerance": tolerance, "inputs": int(len(x)), "batchArrangements": ["batch=all", "batch=1"]}


# --------------------------------------------------------------------------------------------- Keras side

def keras_cam_parts(model):
    """(sub-model, feature kernel (C,), bias, other kernels) of a model whose output is
    Dense(1)(GlobalAveragePooling2D(F)) or Dense(1)(Concatenate([GlobalAveragePooling2D(F), v, ...])), with or
    without Dropout between them (what ``train`` builds, and most Kaggle heads). The sub-model
    gives F and then every other concatenated vector v, whose kernel rows are listed in that order.

    Works whether the EfficientNet base is nested as one layer or flat. Raises NoCamHead otherwise."""
    import keras

    out_layer = model.outputs[0]._keras_history[0]
    if not isinstance(out_layer, keras.layers.Dense) or out_layer.units != 1:
        raise NoCamHead(f"no class activation map: the model's output layer is {type(out_layer).__name__}, "
                        "not Dense(1)")
    kernel = np.asarray(keras.ops.convert_to_numpy(out_layer.kernel), np.float32)[:, 0]
    bias = (np.asarray(keras.ops.convert_to_numpy(out_layer.bias), np.float32)[0] if out_layer.use_bias else None)
    def past_dropout(t):
        # Dropout is the identity at inference (and absent from the ONNX graph): the map is read through it
        while isinstance(t._keras_history[0], keras.layers.Dropout):
            t = t._keras_history[0].input
        return t

    head_input = past_dropout(out_layer.input)
    read = head_input._keras_history[0]
    parts = [head_input]
    if isinstance(read, keras.layers.Concatenate) and read.axis in (-1, 1):
        parts = [past_dropout(t) for t in read.input]
    pools = [i for i, t in enumerate(parts) if isinstance(t._keras_history[0], keras.layers.GlobalAveragePooling2D)
             and not t._keras_history[0].keepdims]
    if len(pools) != 1:
        raise NoCamHead(f"no class activation map: the Dense layer reads {type(read).__name__}, not "
                        "GlobalAveragePooling2D (alone or concatenated with other vectors)")
    rows = np.cumsum([0] + [int(t.shape[-1]) for t in parts])
    at = pools[0]
    others = [i for i in range(len(parts)) if i != at]
    pool = parts[at]._keras_history[0]
    sub = keras.Model(model.inputs, [pool.input] + [parts[i] for i in others])
    return sub, kernel[rows[at]:rows[at + 1]], bias, [kernel[rows[i]:rows[i + 1]] for i in others]


def keras_cam(model, x, batch: int = 8) -> np.ndarray:
    """The class activation map computed by Keras in this process's backend (TensorFlow in the worker). ``x``: images
    or metadata.ModelInputs."""
    import keras

    sub, kernel, bias, other_kernels = keras_cam_parts(model)
    outs = []
    for i in range(0, len(x), batch):
        got = sub(keras_inputs(model, x[i:i + batch]), training=False)
        f, rest = (got[0], got[1:]) if isinstance(got, (list, tuple)) else (got, [])
        cam = keras.ops.einsum("nhwc,c->nhw", f, keras.ops.convert_to_tensor(kernel))
        for v, k in zip(rest, other_kernels):
            cam = cam + keras.ops.einsum("nc,c->n", v, keras.ops.convert_to_tensor(k))[:, None, None]
        if bias is not None:
            cam = cam + bias
        outs.append(np.asarray(keras.ops.convert_to_numpy(cam), np.float32))
    return np.concatenate(outs, axis=0)


# ------------------------------------------------------------------------------------ existing model files

AGAINST = ("tensorflow", "graph-features")


def graph_feature_cams(proto, site: CamSite, x: np.ndarray) -> np.ndarray:
    """numpy's map from the graph's own feature map (read out as an extra output) and its own Dense tensors: the
    fallback reference when the source model cannot be rebuilt bit for bit. It checks the surgery's wiring and
    arithmetic, not the export (the probability's TensorFlow parity, recorded in the spec, covers that)."""
    import os
    import tempfile

    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    inits = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    if site.others:
        raise ExportError("graph-features reference: only for a Dense layer that reads the pooled features alone")
    if site.kernel not in inits or (site.bias is not None and site.bias not in inits):
        raise ExportError("graph-features reference: the Dense kernel or bias is computed in the graph, not stored")
    probe = onnx.ModelProto()
    probe.CopyFrom(proto)
    probe.graph.output.append(onnx.ValueInfoProto(name=site.features))
    with tempfile.TemporaryDirectory(prefix="melanoma-cam-") as tmp:
        path = os.path.join(tmp, "probe.onnx")
        onnx.save_model(probe, path)
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        f = np.concatenate([sess.run([site.features], {INPUT_NAME: x[i:i + 1]})[0] for i in range(len(x))])
    cam = np.einsum("nhwc,c->nhw", f.astype(np.float64), inits[site.kernel].astype(np.float64)[:, 0])
    if site.bias is not None:
        cam = cam + float(inits[site.bias].ravel()[0])
    return cam.astype(np.float32)


def without_cam(proto):
    """A copy of ``proto`` without the cam output, to locate the site the surgery used."""
    import onnx

    copy = onnx.ModelProto()
    copy.CopyFrom(proto)
    keep = [o for o in copy.graph.output if o.name != CAM_OUTPUT]
    del copy.graph.output[:]
    copy.graph.output.extend(keep)
    return copy


def mean_logit_gap(onnx_path: str, x: np.ndarray) -> float:
    """max |mean(cam) - logit(probability)| over the inputs of ``x`` whose probability is not saturated: 0 up to
    float rounding when the bias is in the map."""
    import onnxruntime as ort

    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    p, cam = sess.run([OUTPUT_NAME, CAM_OUTPUT], feeds(x))
    p = p[:, 0].astype(np.float64)
    keep = (p > 1e-4) & (p < 1 - 1e-4)  # a saturated sigmoid says little about its logit
    if not keep.any():
        return float("nan")
    logit = np.log(p[keep] / (1 - p[keep]))
    return float(np.abs(cam[keep].astype(np.float64).mean(axis=(1, 2)) - logit).max())
