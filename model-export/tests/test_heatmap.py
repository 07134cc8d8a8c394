"""The class activation map output: added by default, gated against TensorFlow's own map, skipped with a message
for heads that are not GlobalAveragePooling + Dense(1), and added to an existing model.onnx by add-heatmap."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest

from melanoma_export import heatmap, parity
from melanoma_export.errors import ParityError
from melanoma_export.preprocessing import Normalization, Preprocessing
from melanoma_export.sources import Source


@pytest.fixture(scope="module")
def inputs():
    x, _ = parity.make_inputs(Preprocessing(32, 0.5), Normalization(), None, 8)
    return x


@pytest.fixture(scope="module")
def tensorflow_cams(models_dir, inputs):
    _, info = parity.tensorflow_reference(Source("keras", str(models_dir / "tiny.keras")).to_json(), inputs,
                                          progress=lambda *_: None, cam=True)
    return info["cam"]


def test_export_declares_the_map_and_its_parity(tiny_export):
    spec = json.loads((tiny_export / "model.json").read_text())
    assert spec["specVersion"] == 4
    (cam,) = spec["extraOutputs"]
    assert cam["name"] == "cam" and cam["kind"] == "class-activation-map"
    assert cam["shape"] == [-1, 16, 16]  # the tiny model's feature map: one stride-2 convolution on 32 px
    assert cam["includesBias"] is True
    assert cam["parity"]["maxAbsDiffScaled"] <= cam["parity"]["tolerance"]
    outputs = [o.name for o in onnx.load(str(tiny_export / "model.onnx")).graph.output]
    assert outputs == ["probability", "cam"]


def test_onnx_map_matches_tensorflows(tiny_export, inputs, tensorflow_cams):
    got = heatmap.onnx_cams(str(tiny_export / "model.onnx"), inputs)
    assert got.shape == tensorflow_cams.shape == (len(inputs), 16, 16)
    assert np.abs(heatmap.scaled(got) - heatmap.scaled(tensorflow_cams)).max() <= 1e-4
    # the maps differ from input to input (a constant map would pass any min-max comparison)
    assert np.abs(heatmap.scaled(tensorflow_cams)[0] - heatmap.scaled(tensorflow_cams)[1]).max() > 0.05


def test_map_mean_is_the_logit(tiny_export, inputs):
    assert heatmap.mean_logit_gap(str(tiny_export / "model.onnx"), inputs) < 1e-4


def test_gate_fails_on_a_wrong_map(tiny_export, inputs, tensorflow_cams):
    with pytest.raises(ParityError) as e:
        heatmap.validate_cam(str(tiny_export / "model.onnx"), inputs, tensorflow_cams[:, ::-1, :].copy())
    assert "cam" in str(e.value) and len(e.value.mismatches) >= len(inputs)


def test_the_probability_path_is_untouched(models_dir, tiny_export, tmp_path, inputs):
    from melanoma_export.cli import main

    out = tmp_path / "plain"
    assert main(["convert", str(models_dir / "tiny.keras"), "--out", str(out), "--crop-fraction", "0.5",
                 "--threshold", "0.3", "--name", "tiny", "--no-heatmap"]) == 0
    spec = json.loads((out / "model.json").read_text())
    assert spec["extraOutputs"] == []
    a = parity.onnx_probabilities(str(out / "model.onnx"), inputs)
    b = parity.onnx_probabilities(str(tiny_export / "model.onnx"), inputs)
    assert a.tobytes() == b.tobytes()

    weights_before = {p.name: p.read_bytes() for p in out.glob("model.opt-*.onnx.data")}
    # add-heatmap on that model.onnx: the same map as the export's, checked against TensorFlow
    assert main(["add-heatmap", str(out), "--source", str(models_dir / "tiny.keras")]) == 0
    spec = json.loads((out / "model.json").read_text())
    (cam,) = spec["extraOutputs"]
    assert cam["parity"]["against"].startswith("tensorflow")
    from melanoma_export.spec import sampled_sha256, sha256_file
    assert spec["model"]["sha256"] == sha256_file(str(out / "model.onnx"))
    assert spec["model"]["sampledSha256"] == sampled_sha256(str(out / "model.onnx"))
    c = heatmap.onnx_cams(str(out / "model.onnx"), inputs)
    assert np.abs(c - heatmap.onnx_cams(str(tiny_export / "model.onnx"), inputs)).max() <= 1e-5
    # the runtime graphs were made before the map: add-heatmap leaves them, optimize refreshes them
    assert main(["optimize", str(out)]) == 0
    spec = json.loads((out / "model.json").read_text())
    for g in spec["runtimeGraphs"]:
        assert "cam" in [o.name for o in onnx.load(str(out / g["file"]), load_external_data=False).graph.output]
    # the weights did not change, so neither do their files (onnxruntime's own write order would move them)
    assert {p.name: p.read_bytes() for p in out.glob("model.opt-*.onnx.data")} == weights_before


def test_other_heads_are_skipped_with_a_message(tmp_path, capsys):
    import keras
    from keras import layers

    from melanoma_export.cli import main

    keras.utils.set_random_seed(1)
    inp = keras.Input((32, 32, 3), name="image")
    x = layers.Rescaling(1.0 / 255.0)(inp)
    x = layers.Conv2D(4, 3, strides=2, activation="relu")(x)
    x = layers.Flatten()(x)
    model = keras.Model(inp, layers.Dense(1, activation="sigmoid")(x))
    model.save(tmp_path / "flat.keras")
    out = tmp_path / "flat" / "1"
    assert main(["convert", str(tmp_path / "flat.keras"), "--out", str(out), "--crop-fraction", "0.5",
                 "--no-runtime-graphs"]) == 0
    assert "heatmap: skipped, no class activation map" in capsys.readouterr().err
    assert json.loads((out / "model.json").read_text())["extraOutputs"] == []
    with pytest.raises(heatmap.NoCamHead):
        heatmap.add_cam_output(onnx.load(str(out / "model.onnx")))
