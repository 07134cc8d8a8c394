"""evaluate and calibrate against the real service: the packaged plain-HTTP jar, started here on a free port.

Needs the jar (``./mvnw -B package -Dhttp`` makes target/quarkus-app/quarkus-run.jar) named in
MELANOMA_SERVICE_JAR; ./run-tests runs this module after the jar's integration tests. Without it the module is
skipped. The demo model is untrained: what is checked is that the figures are the right ones for the service's
answers, not that they are good.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO_ROOT

JAR = os.environ.get("MELANOMA_SERVICE_JAR")
pytestmark = pytest.mark.skipif(not JAR, reason="MELANOMA_SERVICE_JAR (the packaged plain-HTTP jar) is not set")
DEMO = REPO_ROOT / "models" / "efficientnetb4-demo" / "1"
BROKEN = "truncated.jpg"
START_LIMIT_S = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_service(model_dir: Path, log: Path):
    """The jar serving ``model_dir``, ready (/q/health/ready is UP once the model is loaded and warmed up)."""
    port = _free_port()
    jar = Path(JAR).resolve()
    with open(log, "wb") as out:
        proc = subprocess.Popen(["java", f"-Dquarkus.http.port={port}", f"-Dmelanoma.model.dir={model_dir}",
                                 "-jar", str(jar)], stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_LIMIT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the service stopped (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url + "/q/health/ready", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the service was not ready after {START_LIMIT_S} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def photos(testdata, tmp_path_factory):
    """The 40 labelled dermoscopy photos, a broken file labelled like them, and a label row without a file."""
    d = tmp_path_factory.mktemp("photos")
    for f in (testdata / "dermoscopy").glob("*.jpg"):
        (d / f.name).symlink_to(f)
    (d / BROKEN).symlink_to(testdata / "broken" / BROKEN)
    labels = d / "labels.csv"
    text = (testdata / "dermoscopy" / "labels.csv").read_text()
    labels.write_text(text.rstrip("\n") + f"\n{BROKEN},malignant,melanoma,,\nISIC_9999999,benign,nevus,,\n")
    return d, labels


def _labels(labels: Path) -> dict[str, int]:
    with open(labels, newline="") as f:
        return {r["file"]: {"malignant": 1, "benign": 0}[r["label"]] for r in csv.DictReader(f)
                if r["label"] in ("malignant", "benign")}


def _post(url: str, path: Path) -> dict:
    req = urllib.request.Request(url + "/v1/predictions", data=path.read_bytes(), method="POST",
                                 headers={"Content-Type": "image/jpeg"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


@pytest.fixture(scope="module")
def demo_evaluation(photos, tmp_path_factory):
    from melanoma_export.evaluate import evaluate

    images, labels = photos
    out = tmp_path_factory.mktemp("report")
    with running_service(DEMO, out / "service.log") as url:
        evaluate(url, str(images), str(labels), str(out), concurrency=2, progress=lambda m: None)
        # the service's answers, asked again here one by one: what the report's figures must be computed from
        truth = _labels(labels)
        answers = {name: _post(url, images / name) for name in truth if name != BROKEN and (images / name).exists()}
    return json.loads((out / "report.json").read_text()), out, truth, answers


def test_the_reports_auc_is_scikit_learns_on_the_services_answers(demo_evaluation):
    from sklearn.metrics import roc_auc_score

    report, _, truth, answers = demo_evaluation
    names = sorted(answers)
    y = [truth[n] for n in names]
    p = [answers[n]["malignantProbability"] for n in names]
    assert report["n"] == len(names) == 38
    assert report["auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    lo, hi = report["aucCi95"]
    assert lo <= report["auc"] <= hi
    assert report["calibrated"] is False and report["model"]["trained"] is False
    # sensitivity and specificity from the service's own labels
    tp = sum(1 for n in names if truth[n] == 1 and answers[n]["label"] == "malignant")
    tn = sum(1 for n in names if truth[n] == 0 and answers[n]["label"] == "benign")
    assert report["sensitivity"] == pytest.approx(tp / sum(y))
    assert report["specificity"] == pytest.approx(tn / (len(y) - sum(y)))


def test_refusals_and_missing_files_are_counted_and_listed(demo_evaluation):
    report = demo_evaluation[0]
    assert report["refused"] == 1
    errors = {e["image"]: e for e in report["errors"]}
    assert errors[BROKEN]["kind"] == "refused" and 400 <= errors[BROKEN]["status"] < 500
    assert errors[BROKEN]["type"].startswith("urn:problem-type:melanoma:")
    assert errors["ISIC_9999999"]["kind"] == "missing"
    # labelled "unknown" (basal cell carcinoma): listed as not sent
    assert {e["image"] for e in report["data"]["excluded"]} == {"ISIC_0024403.jpg", "ISIC_0024448.jpg"}


def test_the_plots_are_png_and_the_report_says_untrained(demo_evaluation):
    from PIL import Image

    _, out, _, _ = demo_evaluation
    for name in ("roc.png", "calibration.png"):
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        with Image.open(io.BytesIO(data)) as im:
            im.load()
    for name in ("report.md", "MODEL_CARD.md"):
        assert "UNTRAINED" in (out / name).read_text()


def test_a_calibrated_version_reaches_its_target_sensitivity_through_the_service(demo_evaluation, photos,
                                                                                tmp_path_factory):
    from sklearn.isotonic import IsotonicRegression

    from melanoma_export.calibrate import calibrate
    from melanoma_export.evaluate import evaluate

    _, _, truth, answers = demo_evaluation
    images, labels = photos
    work = tmp_path_factory.mktemp("calibrated")
    new = work / "2"
    with running_service(DEMO, work / "service-1.log") as url:
        calibrate(str(DEMO), url, str(images), str(labels), str(new), target_sensitivity=0.9, method="isotonic",
                  progress=lambda m: None)
    spec = json.loads((new / "model.json").read_text())
    assert spec["specVersion"] == 3 and spec["version"] == "2"
    assert spec["decision"]["chosenBy"]["scale"] == "calibrated"
    assert (new / "model.onnx").stat().st_ino == (DEMO / "model.onnx").stat().st_ino  # linked, not copied
    out = work / "report"
    with running_service(new, work / "service-2.log") as url:
        evaluate(url, str(images), str(labels), str(out), progress=lambda m: None)
        with urllib.request.urlopen(url + "/v1/model") as r:
            served = json.load(r)
        with urllib.request.urlopen(url + served["modelCard"]) as r:
            card = r.read().decode()
    report = json.loads((out / "report.json").read_text())
    assert report["calibrated"] is True
    assert report["sensitivity"] >= 0.9
    assert report["threshold"] == spec["decision"]["threshold"]
    # the service's calibrated probability is scikit-learn's isotonic regression, fitted on version 1's answers
    names = sorted(answers)
    raw = np.array([answers[n]["malignantProbability"] for n in names])
    iso = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(raw, [truth[n] for n in names])
    by_image = {x["image"]: x for x in report["photos"] if x["probability"] is not None}
    served_raw = np.array([by_image[n]["uncalibratedProbability"] for n in names])
    np.testing.assert_allclose(served_raw, raw, atol=1e-6)  # the same graph in another process
    np.testing.assert_allclose([by_image[n]["probability"] for n in names], iso.predict(served_raw), atol=1e-12)
    assert served["evaluation"]["sensitivity"] == report["sensitivity"]
    assert "UNTRAINED" in card and "isotonic" in card
    shutil.rmtree(new)
