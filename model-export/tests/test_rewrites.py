"""Graph rewrites: exact ones are bit-exact; compact storage only touches tensors that are exactly on the grid."""

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
