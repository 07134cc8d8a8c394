"""The parity gate can fail: a tampered ONNX is caught, every mismatch listed, the tolerance named."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from melanoma_export import parity
from melanoma_export.errors import ParityError
from melanoma_export.preprocessing import Normalization, Preprocessing
from melanoma_export.sources import Source


@pytest.fixture(scope="module")
def reference(tiny_export, models_dir):
    x, _ = parity.make_inputs(Preprocessing(32, 0.5), Normalization(), None, 8)
    ref, info = parity.tensorflow_reference(Source("keras", str(models_dir / "tiny.keras")).to_json(), x,
                                            progress=lambda *_: None)
    return x, ref


def test_gate_passes_on_the_export(tiny_export, reference):
    x, ref = reference
    figures = parity.validate(str(tiny_export / "model.onnx"), x, ref, 1e-5)
    assert figures["maxAbsDiffProbability"] <= 1e-5
    spec = json.loads((tiny_export / "model.json").read_text())
    assert spec["parity"]["maxAbsDiffProbability"] == pytest.approx(figures["maxAbsDiffProbability"], abs=1e-7)


def test_gate_fails_on_a_tampered_onnx(tiny_export, reference, tmp_path):
    x, ref = reference
    proto = onnx.load(str(tiny_export / "model.onnx"))
    # Tamper: nudge the largest 4-D initializer (a convolution kernel) by 1 %.
    init = max((i for i in proto.graph.initializer if len(i.dims) == 4), key=lambda i: int(np.prod(i.dims)))
    w = numpy_helper.to_array(init)
    init.CopyFrom(numpy_helper.from_array((w * 1.01).astype(w.dtype), init.name))
    bad = tmp_path / "tampered.onnx"
    onnx.save(proto, str(bad))
    with pytest.raises(ParityError) as e:
        parity.validate(str(bad), x, ref, 1e-5)
    err = e.value
    assert err.tolerance == 1e-5
    assert "tolerance 1e-05" in str(err) and "\n" not in str(err)
    # every input, in every batch arrangement, is reported - not only the first
    assert len(err.mismatches) > 8
    assert {m.split(" input")[0] for m in err.mismatches} == {"batch=all", "batch=1", "batch=3"}


def test_gate_fails_on_wrong_output_count(tiny_export, reference):
    x, ref = reference
    with pytest.raises(ParityError):
        parity.validate(str(tiny_export / "model.onnx"), x, np.concatenate([ref, ref], axis=1), 1e-5)
