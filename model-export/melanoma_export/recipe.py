"""The training recipe's settings and their defaults (``melanoma-export train``'s flags), apart from the
training code so that the command line can show them without loading TensorFlow."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from melanoma_export.errors import SourceError


@dataclass
class TrainConfig:
    data: str = "../shared/isic-train"
    labels: str | None = None  # default: DATA/labels.csv
    out: str = "runs/isic-b0"
    arch: str = "efficientnetb0"
    size: int = 160
    crop_fraction: float = 1.0
    folds: int = 5
    train_folds: tuple[int, ...] = (0,)
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 2e-3
    warmup_epochs: float = 1.0
    final_learning_rate_fraction: float = 0.01
    weight_decay: float = 0.05
    dropout: float = 0.3
    # the auxiliary diagnosis head's share of the loss; 0 (no such head) is how the shipped default was trained
    diagnosis_weight: float = 0.0
    seed: int = 20261206
    limit: int | None = None  # only the first N photos (the small-scale test)
    threads: int | None = None  # TensorFlow intra-op threads (default: every CPU)
    stop_after_epochs: int | None = None  # stop (resumable) after this many epochs in this call
    extra: dict = field(default_factory=dict)


def training_record(report_path: str, model_path: str) -> dict:
    """What model.json records about how the model was trained (``source.training``), from the ``training.json``
    that ``train`` wrote beside the model: the data, the recipe, the fold and the validation AUC measured in
    TensorFlow. The model must be one the report names; the data folder's licence paragraph (a README line that
    starts with "Licence:") is copied when the folder is still there."""
    report_file = Path(report_path)
    try:
        report = json.loads(report_file.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise SourceError(f"--training-report {report_path}: {e}") from None
    model = Path(model_path).resolve()
    fold = next((f for f in report.get("folds", []) if f.get("finished")
                 and (report_file.parent / f.get("model", "")).resolve() == model), None)
    if fold is None:
        raise SourceError(f"--training-report {report_path} names no finished fold whose model is {model_path}")
    recipe = report.get("recipe", {})
    counts = report.get("tfrecords", {}).get("counts", {})
    record = {
        "report": report_file.name,
        "weights": report.get("weights"),
        "data": {"directory": Path(recipe.get("data", "")).name,
                 "photos": sum(c["photos"] for c in counts.values()),
                 "melanoma": sum(c["melanoma"] for c in counts.values())},
        "recipe": {k: recipe.get(k) for k in ("arch", "size", "crop_fraction", "folds", "epochs", "batch_size",
                                              "learning_rate", "warmup_epochs", "weight_decay", "dropout", "diagnosis_weight",
                                              "seed")},
        "loss": report.get("loss"), "schedule": report.get("schedule"), "augmentation": report.get("augmentation"),
        "tfrecordWriter": report.get("tfrecords", {}).get("writer"),
        "fold": fold["fold"],
        "trainPhotos": fold.get("trainPhotos"), "trainMelanoma": fold.get("trainMelanoma"),
        "validationPhotos": fold.get("validationPhotos"), "validationMelanoma": fold.get("validationMelanoma"),
        "validationAucTensorflow": fold.get("validationAuc"),
        "validationScores": fold.get("validationScores"),
        # the fold's epochs, train + validation, summed: they survive a run stopped and resumed, where the report's
        # wallSeconds counts only the invocations that ran to their end
        "epochSeconds": round(sum(e.get("trainSeconds", 0) + e.get("validationSeconds", 0)
                                  for e in fold.get("epochs", [])), 1),
        "wallSeconds": report.get("wallSeconds"), "machine": report.get("machine"), "tools": report.get("tools"),
    }
    readme = Path(recipe.get("data", "")) / "README.md"
    if readme.is_file():
        paragraphs = readme.read_text().split("\n\n")
        licence = next((p for p in paragraphs if p.startswith("Licence:")), None)
        if licence:
            record["data"]["licence"] = " ".join(licence[len("Licence:"):].split())
    return record
