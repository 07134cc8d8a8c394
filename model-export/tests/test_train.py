"""``melanoma-export train`` at small scale: the same code as the full run (TFRecords, folds, augmentation,
checkpoints, resume, the TensorFlow validation AUC), on the labelled test photos at 32 px, then ``convert``
on what it trained.

Training runs in a subprocess: it needs Keras on TensorFlow, this process runs Keras on torch.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from sklearn.metrics import roc_auc_score

from melanoma_export import preprocessing, tfrecords
from melanoma_export.cli import main

SIZE = 32


def _train(data, out, *extra):
    cmd = [sys.executable, "-m", "melanoma_export", "train", "--data", str(data), "--out", str(out),
           "--size", str(SIZE), "--folds", "2", "--epochs", "2", "--batch-size", "8", "--threads", "1", *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def trained(testdata, tmp_path_factory):
    out = tmp_path_factory.mktemp("train")
    # with the auxiliary diagnosis head, so that the small run covers it (the test photos name several diagnoses)
    first = _train(testdata / "dermoscopy", out, "--stop-after-epochs", "1", "--diagnosis-weight", "0.5")
    assert "stopping after 1 epoch" in first
    assert not (out / "fold0" / "model.keras").exists()
    second = _train(testdata / "dermoscopy", out, "--diagnosis-weight", "0.5")
    return out, first, second


def test_a_stopped_run_goes_on_from_its_checkpoint(trained, testdata):
    out, _, second = trained
    assert "resuming after epoch 1 of 2" in second
    report = json.loads((out / "training.json").read_text())
    fold = report["folds"][0]
    assert fold["finished"] and [e["epoch"] for e in fold["epochs"]] == [1, 2]
    assert report["weights"].startswith("trained from scratch")
    assert report["convertFlags"] == "--resize opencv:area --crop-fraction 1 --jpeg-roundtrip 95"
    # the test photos' labels name several diagnoses: the auxiliary head learnt them beside the melanoma head
    assert fold["diagnoses"] == sorted({r["diagnosis"] for r in _labels(testdata)})
    assert "softmax head over the" in report["loss"]


def _labels(testdata):
    with open(testdata / "dermoscopy" / "labels.csv", newline="") as f:
        return [r for r in csv.DictReader(f) if r["label"] in ("malignant", "benign")]


def test_the_saved_model_is_the_melanoma_head_alone(trained):
    """model.keras (what convert reads) has one sigmoid output; the diagnosis head stayed in the checkpoint."""
    import keras

    out, _, _ = trained
    final = keras.models.load_model(out / "fold0" / "model.keras", compile=False)
    checkpoint = keras.models.load_model(out / "fold0" / "checkpoint" / "last.keras", compile=False)
    assert len(final.outputs) == 1 and tuple(final.outputs[0].shape) == (None, 1)
    assert len(checkpoint.outputs) == 2
    for layer in final.layers:
        if layer.weights:
            for a, b in zip(layer.get_weights(), checkpoint.get_layer(layer.name).get_weights()):
                np.testing.assert_array_equal(a, b, err_msg=layer.name)


def test_folds_are_disjoint_stratified_and_cover_every_labelled_photo(trained, testdata):
    out, _, _ = trained
    photos, unlabelled = tfrecords.read_photos(str(testdata / "dermoscopy"), None)
    folds = []
    for k in (0, 1):
        with open(out / "tfrecords" / f"fold{k}-labels.csv", newline="") as f:
            folds.append({r["image_name"]: int(r["target"]) for r in csv.DictReader(f)})
    assert not set(folds[0]) & set(folds[1])
    assert set(folds[0]) | set(folds[1]) == {p.path for p in photos}
    for fold in folds:  # both classes in each fold
        assert 0 < sum(fold.values()) < len(fold)


def test_the_records_hold_the_reference_preprocessing_bit_for_bit(trained, testdata):
    """What training reads (the record's JPEG through tf.io.decode_jpeg, its default DCT) is what the reference
    preprocessing with the flags training.json gives ``convert`` produces from the original file."""
    out, _, _ = trained
    pp = tfrecords.writer_preprocessing(SIZE, 1.0)
    files = sorted(str(p) for p in (out / "tfrecords").glob("fold*.tfrec"))
    spec = {"image": tf.io.FixedLenFeature([], tf.string), "image_name": tf.io.FixedLenFeature([], tf.string)}
    checked = 0
    for raw in tf.data.TFRecordDataset(files):
        f = tf.io.parse_single_example(raw, spec)
        stored = tf.io.decode_jpeg(f["image"], channels=3).numpy()
        name = f["image_name"].numpy().decode()
        expected, _ = preprocessing.reference_tensor(str(testdata / "dermoscopy" / f"{name}.jpg"), pp)
        np.testing.assert_array_equal(stored, expected, err_msg=name)
        checked += 1
    assert checked >= 30


def test_the_validation_auc_is_the_exact_auc_of_the_scores_it_wrote(trained):
    out, _, _ = trained
    report = json.loads((out / "training.json").read_text())
    with open(out / "fold0" / "validation.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(out / "tfrecords" / "fold0-labels.csv", newline="") as f:
        assert sorted(r["image_name"] for r in rows) == sorted(r["image_name"] for r in csv.DictReader(f))
    y = np.array([int(r["target"]) for r in rows])
    p = np.array([float(r["probability"]) for r in rows])
    # One tiny epoch from scratch leaves the scores close together (they differed only in the 7th digit in one
    # run), so this asks only that they are not all one number: an AUC of identical scores would test nothing.
    assert len(set(p)) > 1, "the scores should differ from photo to photo"
    assert report["folds"][0]["validationAuc"] == pytest.approx(roc_auc_score(y, p), abs=1e-9)


def test_the_trained_model_converts_through_the_parity_gate(trained, testdata, tmp_path):
    out, _, _ = trained
    report = json.loads((out / "training.json").read_text())
    version = tmp_path / "trained" / "1"
    rc = main(["convert", str(out / "fold0" / "model.keras"), "--out", str(version),
               *report["convertFlags"].split(), "--calibration-dir", str(testdata / "dermoscopy"),
               "--training-report", str(out / "training.json")])
    assert rc == 0
    spec = json.loads((version / "model.json").read_text())
    pp = spec["input"]["preprocessing"]
    assert spec["input"]["height"] == SIZE and pp["resize"]["library"] == "opencv"
    assert pp["jpegRoundTrip"]["quality"] == 95
    training = spec["source"]["training"]
    assert training["validationAucTensorflow"] == report["folds"][0]["validationAuc"]
    assert training["data"]["photos"] == sum(c["photos"] for c in report["tfrecords"]["counts"].values())
    assert spec["extraOutputs"] and spec["extraOutputs"][0]["name"] == "cam", "the heatmap reads through Dropout"
