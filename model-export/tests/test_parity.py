"""The parity gate can fail: a tampered ONNX is caught, every mismatch listed, the tolerance named."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
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


def test_the_export_matches_tensorflow_run_directly(tiny_export, models_dir, tmp_path):
    """Independent of the gate's own code (parity.py, tf_worker.py): Keras on TensorFlow, in a process of its
    own, and onnxruntime called here, on pixels made here; the export must agree within the gate's 1e-5."""
    x = np.random.default_rng(7).integers(0, 256, (12, 32, 32, 3)).astype(np.float32)
    inputs, outputs = tmp_path / "x.npy", tmp_path / "y.npy"
    np.save(inputs, x)
    script = ("import sys, numpy as np, keras; m = keras.saving.load_model(sys.argv[1]);"
              " np.save(sys.argv[3], np.asarray(m.predict(np.load(sys.argv[2]), verbose=0)))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["KERAS_BACKEND"] = "tensorflow"
    subprocess.run([sys.executable, "-c", script, str(models_dir / "tiny.keras"), str(inputs), str(outputs)],
                   env=env, check=True, capture_output=True)
    tensorflow = np.load(outputs).reshape(len(x), -1)
    session = ort.InferenceSession(str(tiny_export / "model.onnx"), providers=["CPUExecutionProvider"])
    onnx_out = session.run(None, {session.get_inputs()[0].name: x})[0].reshape(len(x), -1)
    assert np.ptp(tensorflow) > 1e-3, "the tiny model's outputs must differ from photo to photo"
    assert np.abs(onnx_out - tensorflow).max() <= 1e-5
    spec = json.loads((tiny_export / "model.json").read_text())
    assert spec["parity"]["maxAbsDiffProbability"] <= 1e-5


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
