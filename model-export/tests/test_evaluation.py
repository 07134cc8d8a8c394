"""The parts of evaluate and calibrate that need no service: labels, figures, threshold choice, calibration maps,
the report's files and the new version directory."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from conftest import stand_in_service
from melanoma_export import evaluation, report
from melanoma_export.calibrate import copy_version, next_version
from melanoma_export.errors import ExportError


def _csv(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_the_three_label_shapes(tmp_path):
    onehot, shape = evaluation.read_labels(_csv(tmp_path, "gt.csv",
                                                "image,MEL,NV,BCC\nISIC_1,1.0,0.0,0.0\nISIC_2,0.0,1.0,0.0\n"))
    assert shape == "isic-onehot" and [r.target for r in onehot] == [1, 0]
    isic2020, shape = evaluation.read_labels(_csv(tmp_path, "train.csv",
                                                  "image_name,patient_id,sex,age_approx,anatom_site_general_challenge,"
                                                  "target\nISIC_3,P1,male,45.0,torso,1\nISIC_4,P2,female,,head/neck,0\n"))
    assert shape == "isic-target" and [r.target for r in isic2020] == [1, 0]
    assert isic2020[0].metadata == {"sex": "male", "age_approx": "45.0", "anatom_site_general_challenge": "torso"}
    assert "age_approx" not in isic2020[1].metadata
    ours, shape = evaluation.read_labels(_csv(tmp_path, "labels.csv",
                                              "file,label,diagnosis\na.jpg,malignant,mel\nb.jpg,benign,nv\n"
                                              "c.jpg,unknown,bcc\n"))
    assert shape == "file-label" and [r.target for r in ours] == [1, 0, None]


def test_unknown_shapes_and_values_are_refused(tmp_path):
    with pytest.raises(evaluation.LabelsError, match="none of the known shapes"):
        evaluation.read_labels(_csv(tmp_path, "x.csv", "name,y\na,1\n"))
    with pytest.raises(evaluation.LabelsError, match="not 0 or 1"):
        evaluation.read_labels(_csv(tmp_path, "y.csv", "image_name,target\na,0.5\n"))


def test_images_match_with_or_without_extension(tmp_path):
    (tmp_path / "ISIC_1.jpg").write_bytes(b"x")
    (tmp_path / "b.png").write_bytes(b"x")
    rows = [evaluation.LabelledImage(i, 1, "1") for i in ("ISIC_1", "b.png", "ISIC_9")]
    evaluation.match_images(rows, str(tmp_path))
    assert [r.path.name if r.path else None for r in rows] == ["ISIC_1.jpg", "b.png", None]


def test_images_match_by_relative_path_inside_the_directory_only(tmp_path):
    (tmp_path / "ham").mkdir()
    (tmp_path / "ham" / "ISIC_1.jpg").write_bytes(b"x")
    (tmp_path.parent / "outside.jpg").write_bytes(b"x")
    rows = [evaluation.LabelledImage(i, 1, "1") for i in ("ham/ISIC_1.jpg", "ham/ISIC_2.jpg", "../outside.jpg")]
    evaluation.match_images(rows, str(tmp_path))
    assert [r.path.name if r.path else None for r in rows] == ["ISIC_1.jpg", None, None]


def test_rates_and_confusion_by_hand():
    y = np.array([1, 1, 1, 0, 0, 0, 0])
    yhat = np.array([1, 1, 0, 1, 0, 0, 0])
    c = evaluation.confusion(y, yhat)
    assert c == {"tp": 2, "fp": 1, "tn": 3, "fn": 1}
    r = evaluation.rates(c)
    assert r["sensitivity"] == pytest.approx(2 / 3) and r["specificity"] == pytest.approx(3 / 4)
    assert r["ppv"] == pytest.approx(2 / 3) and r["npv"] == pytest.approx(3 / 4)
    lo, hi = r["sensitivityCi95"]
    assert lo < 2 / 3 < hi
    assert evaluation.rates({"tp": 0, "fp": 0, "tn": 5, "fn": 0})["ppv"] is None


def test_bootstrap_interval_is_reproducible_and_holds_the_auc():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 60)
    p = np.clip(0.3 * y + rng.random(60) * 0.7, 0, 1)
    a = evaluation.bootstrap_auc_ci(y, p, 500)
    assert a == evaluation.bootstrap_auc_ci(y, p, 500)
    lo, hi = a["ci95"]
    assert lo < roc_auc_score(y, p) < hi and a["resamples"] == 500


@pytest.mark.parametrize("target", [0.5, 0.8, 0.9, 0.95, 1.0])
def test_the_threshold_for_a_sensitivity_reaches_it_and_is_the_highest_that_does(target):
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 80).astype(bool)
    p = rng.random(80)
    t = evaluation.threshold_for_sensitivity(y, p, target)
    assert np.mean(p[y] >= t) >= target
    # the best specificity: at the next higher probability already, the target is missed
    higher = np.sort(np.unique(p[p >= t]))
    kth = higher[0]
    assert np.array_equal(p >= t, p >= kth)  # no photo between t and the k-th positive's probability
    if len(higher) > 1:
        assert np.mean(p[y] >= higher[1]) < target


def test_isotonic_map_is_what_scikit_learn_predicts():
    from sklearn.isotonic import IsotonicRegression

    rng = np.random.default_rng(3)
    p = rng.random(50)
    y = (rng.random(50) < p).astype(int)
    cal = evaluation.fit_calibration("isotonic", y, p)
    iso = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(p, y)
    grid = np.concatenate([np.linspace(0, 1, 101), p])
    np.testing.assert_allclose(evaluation.apply_calibration(cal, grid), iso.predict(grid), atol=1e-12)
    assert all(b > a for a, b in zip(cal["x"], cal["x"][1:]))


def test_platt_map_is_logistic_regression_on_the_logit():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(4)
    p = rng.random(60) * 0.98 + 0.01
    y = (rng.random(60) < p ** 2).astype(int)
    cal = evaluation.fit_calibration("platt", y, p)
    z = np.log(p / (1 - p)).reshape(-1, 1)
    lr = LogisticRegression(C=np.inf).fit(z, y)
    np.testing.assert_allclose(evaluation.apply_calibration(cal, p), lr.predict_proba(z)[:, 1], atol=1e-9)
    assert cal["a"] > 0


def test_platt_refuses_a_reversed_model():
    p = np.linspace(0.1, 0.9, 20)
    y = (p < 0.5).astype(int)
    with pytest.raises(ExportError, match="slope"):
        evaluation.fit_calibration("platt", y, p)


def _result(trained=False):
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 40)
    p = np.clip(0.2 * y + rng.random(40) * 0.8, 0, 1)
    meta = [{"sex": "male" if i % 2 else "female"} for i in range(40)]
    f = evaluation.summarise(y, p, p >= 0.5, 0.5, meta, resamples=200)
    photos = [{"image": f"p{i}", "file": f"p{i}.jpg", "target": int(t), "probability": float(q), "error": None}
              for i, (t, q) in enumerate(zip(y, p))]
    photos.append({"image": "broken", "file": "broken.jpg", "target": 1, "probability": None,
                   "error": {"kind": "refused", "status": 422, "type": "urn:problem-type:melanoma:corrupt-image",
                             "detail": "cut short"}})
    spec = {"name": "m", "version": "1", "trained": trained, "model": {"sha256": "0" * 64, "file": "model.onnx"},
            "decision": {"threshold": 0.5, "positiveLabel": "malignant"}, "source": {"kind": "demo", "seed": 1}}
    return {"tool": "0", "date": "2026-01-01T00:00:00Z", "service": "http://s", "spec": spec, "calibrated": False,
            "model": {"name": "m", "version": "1", "sha256": "0" * 64, "trained": trained}, "figures": f,
            "refused": 1, "errors": [], "photos": photos,
            "data": {"images": "/d", "labels": {"file": "labels.csv", "sha256": "a" * 64}, "labelShape": "file-label",
                     "rows": 41, "missing": 0, "unreadable": 0, "excluded": []}}


def test_the_report_files_and_valid_plots(tmp_path):
    from PIL import Image

    result = _result()
    report.write_all(result, str(tmp_path))
    for name in ("roc.png", "calibration.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            assert im.width > 100 and im.height > 100
    md = (tmp_path / "report.md").read_text()
    card = (tmp_path / "MODEL_CARD.md").read_text()
    for text in (md, card):
        assert "UNTRAINED" in text and "means NOTHING" in text
    assert "urn:problem-type:melanoma:corrupt-image" in md  # the refused photo is listed, not dropped
    assert "By sex" in card and "**Not a\ndiagnosis**" in card
    assert json.loads((tmp_path / "report.json").read_text())["figures"]["n"] == 40
    trained = _result(trained=True)
    assert "UNTRAINED" not in report.model_card(trained)


def test_a_new_version_links_the_graphs(tmp_path):
    src = tmp_path / "1"
    src.mkdir()
    (src / "model.onnx").write_bytes(b"graph")
    (src / "model.json").write_text("{}")
    (src / "MODEL_CARD.md").write_text("old")
    assert copy_version(str(src), str(tmp_path / "2")) == "hardlink"
    assert sorted(p.name for p in (tmp_path / "2").iterdir()) == ["model.onnx"]
    assert (tmp_path / "2" / "model.onnx").stat().st_ino == (src / "model.onnx").stat().st_ino
    with pytest.raises(ExportError, match="not empty"):
        copy_version(str(src), str(tmp_path / "2"))
    assert next_version("1") == "2"
    with pytest.raises(ExportError, match="--version"):
        next_version("b4-final")


def test_photos_named_by_relative_path_keep_that_path_for_the_reference(tmp_path, testdata):
    """Labels that name photos inside subdirectories (as `train` writes them): every photo's `file` is its path
    inside --images, the file the service was sent, so that --reference reads the same photo."""
    import hashlib
    import os
    import shutil
    from pathlib import Path

    from melanoma_export.evaluate import collect

    spec = (Path(__file__).resolve().parents[2] / "models" / "efficientnetb4-demo" / "1" / "model.json").read_bytes()
    sent = []
    images = tmp_path / "photos"
    originals = sorted((testdata / "dermoscopy").glob("*.jpg"))[:2]
    for rel, src in zip(["a/one.jpg", "b/c/two.jpg"], originals):
        (images / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, images / rel)
    labels = _csv(tmp_path, "labels.csv", "image_name,target\na/one.jpg,0\nb/c/two.jpg,1\n")
    with stand_in_service(spec, lambda path, body: sent.append(hashlib.sha256(body).hexdigest())) as url:
        got = collect(url, str(images), labels, concurrency=1, progress=lambda *_: None)
    assert [p["file"] for p in got["photos"]] == ["a/one.jpg", "b/c/two.jpg"]
    assert [hashlib.sha256(open(os.path.join(images, p["file"]), "rb").read()).hexdigest()
            for p in got["photos"]] == sent
