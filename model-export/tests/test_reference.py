"""Reference fixtures: deterministic bytes, and the committed demo model agrees with its committed fixtures."""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from conftest import REPO_ROOT
from melanoma_export.preprocessing import Preprocessing, reference_tensor
from melanoma_export.reference import write_fixtures

DEMO = REPO_ROOT / "models" / "efficientnetb4-demo" / "1"
FIXTURES = REPO_ROOT / "src" / "test" / "resources" / "reference" / "efficientnetb4-demo"


def test_fixtures_are_deterministic(tiny_export, models_dir, testdata, tmp_path):
    images = tmp_path / "images" / "dermoscopy"
    images.mkdir(parents=True)
    for name in ("ISIC_0000000.jpg", "ISIC_0024310.jpg"):
        shutil.copy(testdata / "dermoscopy" / name, images / name)
    shutil.copy(testdata / "formats" / "png-gray-alpha.png", images / "png-gray-alpha.png")
    (images / "labels.csv").write_text("file,label\nISIC_0000000.jpg,benign\n")
    runs = []
    for i in range(2):
        out = tmp_path / f"run{i}"
        write_fixtures(str(tiny_export), str(tmp_path / "images"), str(out), source_path=str(models_dir / "tiny.keras"),
                       progress=lambda *_: None)
        runs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert runs[0] == runs[1]
    fx = json.loads(runs[0]["fixtures.json"])
    assert fx["fixtureVersion"] == 1 and len(fx["images"]) == 3
    first = fx["images"][0]
    assert first["file"] == "dermoscopy/ISIC_0000000.jpg" and first["label"] == "benign"
    assert abs(first["probability"] - first["onnxProbability"]) <= 1e-5
    png = np.asarray(Image.open(tmp_path / "run0" / first["tensor"]))
    assert hashlib.sha256(png.tobytes()).hexdigest() == first["tensorSha256"]


@pytest.mark.skipif(not (DEMO / "model.onnx").exists(), reason="demo model not generated")
def test_committed_demo_model_matches_its_spec():
    spec = json.loads((DEMO / "model.json").read_text())
    assert spec["trained"] is False and "mean nothing" in spec["description"]
    assert hashlib.sha256((DEMO / "model.onnx").read_bytes()).hexdigest() == spec["model"]["sha256"]
    assert (DEMO / "model.onnx").stat().st_size <= 25_000_000
    assert spec["parity"]["maxAbsDiffProbability"] <= spec["parity"]["tolerance"]


@pytest.mark.skipif(not (FIXTURES / "fixtures.json").exists(), reason="fixtures not generated")
def test_committed_fixtures_reproduce(testdata):
    """For a few images: the reference preprocessing gives the committed tensor (bit for bit) and the
    committed demo ONNX gives the committed probability."""
    import onnxruntime as ort

    fx = json.loads((FIXTURES / "fixtures.json").read_text())
    spec = json.loads((DEMO / "model.json").read_text())
    assert fx["model"]["sha256"] == spec["model"]["sha256"]
    pp = Preprocessing.from_spec(spec["input"])
    sess = ort.InferenceSession(str(DEMO / "model.onnx"), providers=["CPUExecutionProvider"])
    picked = [e for e in fx["images"] if e["file"] in (
        "dermoscopy/ISIC_0000000.jpg", "exif-orientation/Portrait_7.jpg", "formats/cmyk.jpg")]
    assert len(picked) == 3
    for e in picked:
        t, info = reference_tensor(str(testdata / e["file"]), pp)
        assert hashlib.sha256(t.tobytes()).hexdigest() == e["tensorSha256"], e["file"]
        assert info["crop"] == e["crop"] and info["exifOrientation"] == e["exifOrientation"]
        if e["tensor"]:
            png = np.asarray(Image.open(FIXTURES / e["tensor"]))
            np.testing.assert_array_equal(png, t)
        p = float(sess.run(None, {"image": t[None].astype(np.float32)})[0][0, 0])
        assert abs(p - e["onnxProbability"]) <= 1e-5, e["file"]
        if e["file"].startswith("dermoscopy/"):
            assert abs(p - e["probability"]) <= 1e-5, e["file"]  # TensorFlow source model on the same tensor
