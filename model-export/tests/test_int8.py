"""The int8 guard refuses a model whose probabilities drift or collapse, and writes nothing."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

from melanoma_export.cli import main
from melanoma_export.errors import QuantizationRefused
from melanoma_export.quantize import guard


@pytest.fixture(scope="module")
def calibration_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("calib")
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:48, 0:48] / 48.0
    for i in range(10):
        a, b, c = rng.uniform(0, 1, 3)
        img = np.stack([255 * (a * xx + (1 - a) * yy), 255 * b * yy, 255 * c * xx], -1)
        img += rng.normal(0, 20, img.shape)
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(d / f"img{i:02d}.png")
    return d


def _constant_model(path, value=0.5):
    """An 'int8 model' whose outputs collapsed to one value."""
    c = numpy_helper.from_array(np.array([[value]], np.float32), "c")
    nodes = [helper.make_node("ReduceMean", ["image"], ["m"], keepdims=0, axes=[1, 2, 3]),
             helper.make_node("Reshape", ["m", "shape"], ["m2"]),
             helper.make_node("Mul", ["m2", "zero"], ["z"]),
             helper.make_node("Add", ["z", "c"], ["probability"])]
    g = helper.make_graph(nodes, "collapsed",
                          [helper.make_tensor_value_info("image", TensorProto.FLOAT, [None, 32, 32, 3])],
                          [helper.make_tensor_value_info("probability", TensorProto.FLOAT, [None, 1])],
                          [c, numpy_helper.from_array(np.array([-1, 1], np.int64), "shape"),
                           numpy_helper.from_array(np.array([[0.0]], np.float32), "zero")])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=10), str(path))


def test_guard_refuses_collapsed_outputs(tiny_export, tmp_path):
    collapsed = tmp_path / "collapsed.onnx"
    _constant_model(collapsed)
    x = np.random.default_rng(0).uniform(0, 255, (10, 32, 32, 3)).astype(np.float32)
    with pytest.raises(QuantizationRefused, match="collapsed"):
        guard(str(tiny_export / "model.onnx"), str(collapsed), x, 0.002)


def test_guard_accepts_an_identical_model(tiny_export):
    x = np.random.default_rng(0).uniform(0, 255, (10, 32, 32, 3)).astype(np.float32)
    fig = guard(str(tiny_export / "model.onnx"), str(tiny_export / "model.onnx"), x, 0.02)
    assert fig["maxAbsDiffVsFp32"] == 0.0


def test_cli_int8_refusal_writes_nothing(capsys, models_dir, calibration_dir, tmp_path):
    out = tmp_path / "int8"
    rc = main(["convert", str(models_dir / "tiny.keras"), "--out", str(out), "--crop-fraction", "0.5",
               "--int8", "--calibration-dir", str(calibration_dir), "--int8-tolerance", "1e-9"])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert rc == 5, err
    assert err.startswith("melanoma-export: error: int8 refused:") and "nothing written" in err
    assert not out.exists()
