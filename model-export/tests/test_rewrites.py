"""Graph rewrites: exact ones are bit-exact, se-squeeze-to-gap within float32 rounding; compact storage only touches
tensors that are exactly on the grid. Each is run with onnxruntime before and after, on random inputs."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from melanoma_export import rewrites
from melanoma_export.demo import on_int8_grid


def _run(proto, x):
    s = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return s.run(None, {"image": x})[0]


def test_exact_rewrites_are_bit_exact_on_the_export(tiny_export):
    proto = onnx.load(str(tiny_export / "model.onnx"))  # already rewritten by convert
    names = [n.op_type for n in proto.graph.node]
    assert "Sub" not in names and "Pad" not in names


def test_sub_to_add_bit_exact():
    x = np.random.default_rng(0).normal(0, 100, (2, 4, 4, 3)).astype(np.float32)
    c = np.random.default_rng(1).normal(0, 10, (3,)).astype(np.float32)
    g = helper.make_graph([helper.make_node("Sub", ["image", "c"], ["probability"])], "g",
                          [helper.make_tensor_value_info("image", TensorProto.FLOAT, [None, 4, 4, 3])],
                          [helper.make_tensor_value_info("probability", TensorProto.FLOAT, [None, 4, 4, 3])],
                          [numpy_helper.from_array(c, "c")])
    proto = helper.make_model(g, opset_imports=[helper.make_opsetid("", 20)], ir_version=10)
    before = _run(proto, x)
    assert rewrites.sub_const_to_add(proto) == 1
    assert [n.op_type for n in proto.graph.node] == ["Add"]
    assert _run(proto, x).tobytes() == before.tobytes()


def _conv_graph(w):
    g = helper.make_graph([helper.make_node("Conv", ["image", "w"], ["probability"])], "g",
                          [helper.make_tensor_value_info("image", TensorProto.FLOAT, [None, w.shape[1], 8, 8])],
                          [helper.make_tensor_value_info("probability", TensorProto.FLOAT, None)],
                          [numpy_helper.from_array(w, "w")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 20)], ir_version=10)


def test_compact_storage_is_bit_exact_for_grid_weights():
    rng = np.random.default_rng(0)
    w = on_int8_grid(rng.normal(0, 0.1, (64, 16, 3, 3)).astype(np.float32), 0)
    proto = _conv_graph(w)
    x = rng.normal(0, 1, (2, 16, 8, 8)).astype(np.float32)
    before = _run(proto, x)
    size_before = proto.ByteSize()
    assert rewrites.compact_int8_storage(proto) == 1
    assert {i.data_type for i in proto.graph.initializer} == {TensorProto.INT8, TensorProto.FLOAT}
    assert proto.ByteSize() < size_before / 3
    assert _run(proto, x).tobytes() == before.tobytes()


def test_compact_storage_leaves_trained_weights_alone():
    w = np.random.default_rng(0).normal(0, 0.1, (64, 16, 3, 3)).astype(np.float32)  # not on a grid
    proto = _conv_graph(w)
    assert rewrites.compact_int8_storage(proto) == 0
    assert numpy_helper.to_array(proto.graph.initializer[0]).tobytes() == w.tobytes()


def _model(nodes, inputs, output, initializers):
    g = helper.make_graph(nodes, "g", inputs, [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)],
                          [numpy_helper.from_array(v, k) for k, v in initializers.items()])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 20)], ir_version=10)


def _padded_conv(pads, conv_pads, value=0.0):
    """keras' ZeroPadding2D before a Conv, as exported: Pad(NHWC) -> Transpose(NCHW) -> Conv. Stride 1 (keras pads
    before stride-2 convolutions, but the rewrite does not look at the stride), so that every padded row and
    column reaches the output: with stride 2 the last one may fall between windows and a wrong end pad not show."""
    rng = np.random.default_rng(3)
    return _model(
        [helper.make_node("Pad", ["image", "pads", "value"], ["padded"]),
         helper.make_node("Transpose", ["padded"], ["nchw"], perm=[0, 3, 1, 2]),
         helper.make_node("Conv", ["nchw", "w"], ["probability"], pads=conv_pads)],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [None, 9, 8, 3])], "probability",
        {"pads": np.array(pads, np.int64), "value": np.array(value, np.float32),
         "w": rng.normal(0, 1, (4, 3, 3, 3)).astype(np.float32)})


def test_pad_into_conv_gives_the_same_outputs_bit_for_bit():
    # asymmetric on purpose (top 0, left 1, bottom 2, right 1) and on a Conv that pads already, so that a
    # pads attribute put together in the wrong order changes the output
    proto = _padded_conv([0, 0, 1, 0, 0, 2, 1, 0], [1, 0, 0, 1])
    x = np.random.default_rng(0).normal(0, 50, (2, 9, 8, 3)).astype(np.float32)
    before = _run(proto, x)
    assert rewrites.pad_into_conv(proto) == 1
    assert [n.op_type for n in proto.graph.node] == ["Transpose", "Conv"]
    after = _run(proto, x)
    assert after.shape == before.shape
    assert after.tobytes() == before.tobytes()


def test_pad_into_conv_leaves_a_non_zero_pad_alone():
    proto = _padded_conv([0, 1, 1, 0, 0, 1, 1, 0], [0, 0, 0, 0], value=1.0)
    assert rewrites.pad_into_conv(proto) == 0
    assert [n.op_type for n in proto.graph.node] == ["Pad", "Transpose", "Conv"]


def test_se_squeeze_to_gap_gives_the_same_outputs_within_float32_rounding():
    """Another summation order: the same mean to within float32 rounding (1e-6 relative), not bit for bit."""
    rng = np.random.default_rng(5)
    proto = _model(
        [helper.make_node("ReduceMean", ["image", "axes"], ["squeezed"], keepdims=0),
         helper.make_node("Reshape", ["squeezed", "shape"], ["se"]),
         helper.make_node("Transpose", ["se"], ["se_nchw"], perm=[0, 3, 1, 2]),
         helper.make_node("Conv", ["se_nchw", "w"], ["probability"])],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [None, 6, 7, 8])], "probability",
        {"axes": np.array([1, 2], np.int64), "shape": np.array([-1, 1, 1, 8], np.int64),
         "w": rng.normal(0, 1, (4, 8, 1, 1)).astype(np.float32)})
    x = rng.normal(0, 3, (3, 6, 7, 8)).astype(np.float32)
    before = _run(proto, x)
    assert rewrites.se_squeeze_to_gap(proto) == 1
    assert [n.op_type for n in proto.graph.node] == ["Transpose", "GlobalAveragePool", "Conv"]
    after = _run(proto, x)
    assert after.shape == before.shape == (3, 4, 1, 1)
    np.testing.assert_allclose(after, before, rtol=1e-6, atol=1e-6)
