"""Convert each input kind of a small model; the parity gate passes; the spec says what the Java side reads."""

from __future__ import annotations

import binascii
import hashlib
import json

import numpy as np
import onnxruntime as ort
import pytest

from conftest import SIZE
from melanoma_export.cli import main


def _spec(d):
    return json.loads((d / "model.json").read_text())


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_dynamic_batch(onnx_path):
    s = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    x = np.stack([rng.uniform(0, 255 * (i + 1) / 5, (SIZE, SIZE, 3)) * rng.uniform(0.2, 1.0, 3)
                  for i in range(5)]).astype(np.float32)  # different brightness and colour per image
    all5 = s.run(None, {"image": x})[0]
    one = np.concatenate([s.run(None, {"image": x[i:i + 1]})[0] for i in range(5)])
    assert all5.shape == (5, 1)
    np.testing.assert_allclose(all5, one, atol=1e-5)
    assert float(all5.max() - all5.min()) > 1e-3, "test model outputs should vary"


def test_convert_full_keras(tiny_export, models_dir):
    spec = _spec(tiny_export)
    assert spec["source"]["kind"] == "keras"
    assert spec["parity"]["maxAbsDiffProbability"] <= spec["parity"]["tolerance"] == 1e-5
    _check_dynamic_batch(tiny_export / "model.onnx")


def test_convert_legacy_h5(models_dir, tmp_path):
    out = tmp_path / "h5"
    assert main(["convert", str(models_dir / "tiny.h5"), "--out", str(out), "--crop-fraction", "0.5"]) == 0
    spec = _spec(out)
    assert spec["source"]["kind"] == "legacy-h5"
    assert spec["parity"]["maxAbsDiffProbability"] <= 1e-5
    _check_dynamic_batch(out / "model.onnx")


def test_convert_weights_only_h5(b0_weights, tmp_path):
    out = tmp_path / "b0"
    rc = main(["convert", str(b0_weights), "--arch", "efficientnetb0", "--size", str(SIZE), "--out", str(out),
               "--crop-fraction", "0.5"])
    assert rc == 0
    spec = _spec(out)
    assert spec["source"]["kind"] == "weights-h5"
    assert spec["source"]["arch"] == "efficientnetb0"
    assert spec["source"]["layout"] == "keras-applications"
    assert spec["parity"]["maxAbsDiffProbability"] <= 1e-5
    lo, hi = spec["parity"]["referenceProbabilityRange"]
    assert hi - lo > 1e-3
    names = [r["name"] for r in spec["export"]["graphRewrites"]]
    assert names == ["sub-const-to-add", "pad-into-conv"]
    assert all(r["sites"] > 0 for r in spec["export"]["graphRewrites"])
    _check_dynamic_batch(out / "model.onnx")


def _sampled_sha(path) -> str:
    """docs/MODEL_SPEC.md's sampledSha256, written out independently of spec.py."""
    data = path.read_bytes()
    block = min(4096, len(data))
    offsets = [i * (len(data) - block) // 63 for i in range(64)]
    return hashlib.sha256(len(data).to_bytes(8, "big") + b"".join(data[o:o + block] for o in offsets)).hexdigest()


def test_spec_contents(tiny_export, models_dir):
    spec = _spec(tiny_export)
    onnx_path = tiny_export / "model.onnx"
    assert spec["specVersion"] == 4
    assert spec["name"] == "tiny" and spec["version"] == "1"
    assert spec["trained"] is True
    assert spec["task"] == "binary-classification"
    assert spec["model"] == {"file": "model.onnx", "sha256": _sha(onnx_path), "bytes": onnx_path.stat().st_size,
                             "sampledSha256": _sampled_sha(onnx_path), "opset": 20,
                             "crc32": f"{binascii.crc32(onnx_path.read_bytes()):08x}"}
    i = spec["input"]
    assert (i["name"], i["dtype"], i["layout"], i["height"], i["width"], i["channels"], i["channelOrder"]) == (
        "image", "float32", "NHWC", SIZE, SIZE, 3, "RGB")
    assert i["valueRange"] == [0.0, 255.0]
    p = i["preprocessing"]
    assert p["exifOrientation"] == "apply" and p["alpha"] == "drop" and p["grayscale"] == "replicate"
    assert p["cmyk"] == "naive-inverted" and p["sixteenBit"] == "high-byte"
    assert p["centerCropFraction"] == 0.5
    assert p["resize"] == {"library": "tensorflow", "method": "bilinear", "antialias": True}
    assert p["order"] == "crop-then-resize" and "jpegRoundTrip" not in p
    assert p["quantize"] == "uint8"
    assert i["normalization"] == {"scale": 1.0, "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0]}
    o = spec["output"]
    assert (o["name"], o["shape"], o["activation"]) == ("probability", [-1, 1], "sigmoid-in-graph")
    assert spec["decision"] == {"threshold": 0.3, "positiveLabel": "malignant", "negativeLabel": "benign"}
    assert spec["extraInputs"] == []
    # the class activation map is added by default (heatmap.py), gated against TensorFlow's own map
    (cam,) = spec["extraOutputs"]
    assert (cam["name"], cam["kind"], cam["shape"][0], len(cam["shape"])) == ("cam", "class-activation-map", -1, 3)
    assert 1 <= cam["shape"][1] <= SIZE and 1 <= cam["shape"][2] <= SIZE
    assert cam["parity"]["against"].startswith("tensorflow")
    assert cam["parity"]["maxAbsDiffScaled"] <= cam["parity"]["tolerance"]
    src = spec["source"]
    assert src["files"][0]["sha256"] == _sha(models_dir / "tiny.keras")
    assert len(src["weightsDigest"]) == 64
    tools = spec["export"]["tools"]
    for k in ("python", "keras", "torch", "onnx", "onnxruntime", "tensorflow"):
        assert tools[k]
    par = spec["parity"]
    assert par["inputs"] >= 8 and par["inputKind"] == "noise"
    assert par["runtime"].startswith("onnxruntime") and par["reference"].startswith("tensorflow")


def test_qubvel_layout_maps_onto_keras_applications(b0_weights, tmp_path):
    """A qubvel efficientnet.tfkeras weights file (no Normalization layer, Keras 2 names such as
    depthwise_kernel:0, base named efficientnet-b0, head dense_1) loads into the rebuilt model and
    computes the same function with the input scaled to 0..1 in the graph."""
    import h5py
    import keras

    from melanoma_export.sources import Source, load_model, read_legacy_h5_weights

    groups = read_legacy_h5_weights(str(b0_weights))
    qpath = tmp_path / "qubvel.h5"
    with h5py.File(qpath, "w") as f:
        base = f.create_group("efficientnet-b0")
        names = []
        for layer, values in groups.items():
            if layer.split("_")[0] in ("normalization", "dense") and layer != "dense_1" or layer == "dense":
                continue
            for leaf, v in values:
                leaf = "depthwise_kernel" if layer.endswith("dwconv") and leaf == "kernel" else leaf
                names.append(f"{layer}/{leaf}:0")
                base.create_dataset(names[-1], data=v)
        base.attrs["weight_names"] = [n.encode() for n in names]
        head = f.create_group("dense_1")
        head.attrs["weight_names"] = [b"dense_1/kernel:0", b"dense_1/bias:0"]
        head_name = next(n for n in groups if n.startswith("dense"))
        for (leaf, v), n in zip(groups[head_name], ("dense_1/kernel:0", "dense_1/bias:0")):
            head.create_dataset(n, data=v)
        f.attrs["layer_names"] = [b"input_1", b"efficientnet-b0", b"global_average_pooling2d", b"dense_1"]
        f.create_group("input_1").attrs["weight_names"] = []
        f.create_group("global_average_pooling2d").attrs["weight_names"] = []

    src = Source("weights-h5", str(qpath), "efficientnetb0", SIZE)
    qmodel = load_model(src)
    assert src.layout == "qubvel"
    kmodel = load_model(Source("weights-h5", str(b0_weights), "efficientnetb0", SIZE))
    x = np.random.default_rng(3).uniform(0, 255, (3, SIZE, SIZE, 3)).astype(np.float32)
    a = keras.ops.convert_to_numpy(qmodel(x, training=False))
    b = keras.ops.convert_to_numpy(kmodel(x, training=False))
    np.testing.assert_array_equal(a, b)  # b0_weights' Normalization is the identity (mean 0, variance 1)


def test_exported_model_carries_no_build_paths(tiny_export):
    """torch's exporter records Python stack traces (absolute paths of the exporting machine) per node;
    the shipped model must not carry them."""
    import onnx

    raw = (tiny_export / "model.onnx").read_bytes()
    assert b"stack_trace" not in raw and b'File "' not in raw
    proto = onnx.load(str(tiny_export / "model.onnx"))
    assert not any(n.metadata_props for n in proto.graph.node)
