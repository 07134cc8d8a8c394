"""What a labelled evaluation measures, apart from how the answers were obtained (service.py) or shown (report.py).

Labels come in the ISIC ground-truth shapes (``image,MEL,NV,...`` one-hot with MEL positive; ``image_name,target``)
or this repository's ``file,label`` (``malignant``/``benign``; other labels are listed as excluded). The figures
are scikit-learn's where it has them (AUC, ROC, reliability curve, Brier score, isotonic and logistic fits).
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from melanoma_export.errors import ExportError

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240607
PLATT_EPSILON = 1e-7
# The ISIC 2020 metadata columns that give subgroups; age_approx is grouped into bands.
SUBGROUP_COLUMNS = {"sex": "sex", "age_approx": "age band", "anatom_site_general_challenge": "site"}
AGE_BANDS = ((0, 30, "<30"), (30, 45, "30-44"), (45, 60, "45-59"), (60, 75, "60-74"), (75, 200, "75+"))
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".heic", ".heif", ".avif", ".tif", ".tiff",
                  ".mpo")


class LabelsError(ExportError):
    """The labels file cannot be read or has none of the known shapes."""

    exit_code = 7


@dataclass
class LabelledImage:
    image: str  # the id as the CSV gives it
    target: int | None  # 1 malignant, 0 benign, None: no usable label (listed, not scored)
    raw_label: str
    metadata: dict = field(default_factory=dict)
    path: Path | None = None


def read_labels(csv_path: str) -> tuple[list[LabelledImage], str]:
    """(rows in file order, the shape found: ``isic-onehot``, ``isic-target`` or ``file-label``)."""
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise LabelsError(f"cannot read labels {csv_path}: {e.strerror}") from None
    if not rows:
        raise LabelsError(f"{csv_path} has no rows")
    cols = set(rows[0])
    if {"image", "MEL"} <= cols:
        shape, id_col = "isic-onehot", "image"
    elif {"image_name", "target"} <= cols:
        shape, id_col = "isic-target", "image_name"
    elif {"file", "label"} <= cols:
        shape, id_col = "file-label", "file"
    else:
        raise LabelsError(f"{csv_path}: columns {sorted(cols)} are none of the known shapes "
                          "(image,MEL,... one-hot; image_name,target; file,label)")
    out = []
    for row in rows:
        if shape == "isic-onehot":
            raw = row["MEL"].strip()
            target = _binary(raw, csv_path, row[id_col])
        elif shape == "isic-target":
            raw = row["target"].strip()
            target = _binary(raw, csv_path, row[id_col])
        else:
            raw = row["label"].strip().lower()
            target = {"malignant": 1, "benign": 0}.get(raw)
        meta = {c: row[c].strip() for c in SUBGROUP_COLUMNS if c in row and row[c] is not None and row[c].strip()}
        out.append(LabelledImage(row[id_col].strip(), target, raw, meta))
    return out, shape


def _binary(raw: str, csv_path: str, image: str) -> int:
    try:
        v = float(raw)
    except ValueError:
        raise LabelsError(f"{csv_path}: label {raw!r} of {image} is not 0 or 1") from None
    if v not in (0.0, 1.0):
        raise LabelsError(f"{csv_path}: label {raw!r} of {image} is not 0 or 1")
    return int(v)


def match_images(labels: list[LabelledImage], images_dir: str) -> list[LabelledImage]:
    """Sets ``path`` of each row to its file in ``images_dir``: the id as given, or the id plus an image
    extension (ISIC CSVs name images without one). An id with a ``/`` is a path relative to ``images_dir``
    (what ``train`` writes in its validation lists, e.g. ``ham10000_224/ISIC_0024306.jpg``); one that
    leaves ``images_dir`` is not matched. Rows without a file keep ``path`` None."""
    d = Path(images_dir)
    if not d.is_dir():
        raise LabelsError(f"--images {images_dir} is not a directory")
    root = d.resolve()
    files = {p.name: p for p in d.iterdir() if p.is_file()}
    by_stem: dict[str, list[Path]] = {}
    for p in files.values():
        if p.suffix.lower() in IMAGE_SUFFIXES:
            by_stem.setdefault(p.stem, []).append(p)
    for row in labels:
        if "/" in row.image:
            candidate = (d / row.image).resolve()
            if candidate.is_file() and candidate.is_relative_to(root):
                row.path = candidate
            continue
        if row.image in files:
            row.path = files[row.image]
        elif len(by_stem.get(row.image, [])) == 1:
            row.path = by_stem[row.image][0]
    return labels


def age_band(text: str) -> str:
    try:
        age = float(text)
    except ValueError:
        return "unknown"
    for lo, hi, name in AGE_BANDS:
        if lo <= age < hi:
            return name
    return "unknown"


# ---- figures


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> list[float] | None:
    """95 % Wilson score interval of a proportion (better than the normal one for small n and rates near 0 or 1)."""
    if n == 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [max(0.0, centre - half), min(1.0, centre + half)]


def confusion(y: np.ndarray, predicted_positive: np.ndarray) -> dict:
    y = np.asarray(y, bool)
    yhat = np.asarray(predicted_positive, bool)
    tp, fp = int(np.sum(y & yhat)), int(np.sum(~y & yhat))
    fn, tn = int(np.sum(y & ~yhat)), int(np.sum(~y & ~yhat))
    return {"tp": tp, "fp": fp, "tn": tn, "fn": fn}


def rates(c: dict) -> dict:
    """Sensitivity, specificity, PPV and NPV of a confusion matrix, each with its Wilson 95 % interval."""
    tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]
    return {
        "sensitivity": _ratio(tp, tp + fn), "sensitivityCi95": wilson_interval(tp, tp + fn),
        "specificity": _ratio(tn, tn + fp), "specificityCi95": wilson_interval(tn, tn + fp),
        "ppv": _ratio(tp, tp + fp), "ppvCi95": wilson_interval(tp, tp + fp),
        "npv": _ratio(tn, tn + fn), "npvCi95": wilson_interval(tn, tn + fn),
    }


def auc(y: np.ndarray, p: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y)
    if len(np.unique(y)) < 2:
        return None
    return float(roc_auc_score(y, p))


def bootstrap_auc_ci(y: np.ndarray, p: np.ndarray, resamples: int = BOOTSTRAP_RESAMPLES,
                     seed: int = BOOTSTRAP_SEED) -> dict:
    """Percentile 95 % interval of the AUC over ``resamples`` resamples of the photos (with replacement, fixed
    seed); resamples with one class only have no AUC and are left out (their count is reported)."""
    from sklearn.metrics import roc_auc_score

    y, p = np.asarray(y), np.asarray(p)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        idx = rng.integers(0, len(y), len(y))
        if len(np.unique(y[idx])) < 2:
            continue
        values.append(roc_auc_score(y[idx], p[idx]))
    ci = [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))] if values else None
    return {"ci95": ci, "resamples": resamples, "seed": seed, "oneClassResamples": resamples - len(values),
            "method": "percentile bootstrap over photos"}


def threshold_for_sensitivity(y: np.ndarray, p: np.ndarray, target: float) -> float:
    """A threshold whose sensitivity (probability >= threshold is positive) reaches ``target`` on these photos with
    the best specificity: the k-th highest probability among the positives, k = ceil(target * positives), moved
    halfway down to the next lower probability of any photo, so that a last-digit difference in how another
    implementation computes a probability cannot move a photo across it; every photo is on the side it would be at
    the k-th probability itself. Kept inside (0, 1) as the service requires."""
    y, p = np.asarray(y, bool), np.asarray(p, float)
    positives = np.sort(p[y])[::-1]
    if len(positives) == 0:
        raise ExportError("no malignant photo among the labelled ones: a sensitivity cannot be chosen")
    if not 0 < target <= 1:
        raise ExportError(f"--target-sensitivity must lie in (0, 1], not {target}")
    k = math.ceil(round(target * len(positives), 9))
    t = float(positives[k - 1])
    below = p[p < t]
    if len(below):
        t = (t + float(below.max())) / 2
    # a threshold of exactly 0 or 1 is refused by the service; move inwards by the least that keeps every
    # probability on the side it was on
    return min(max(t, 1e-9), float(np.nextafter(1.0, 0.0)))


# ---- calibration maps (applied exactly as the service applies them: classify/Calibration.java)


def fit_calibration(method: str, y: np.ndarray, p: np.ndarray, epsilon: float = PLATT_EPSILON) -> dict | None:
    """The ``calibration`` object of model.json, fitted on (label, model probability) pairs; None for ``none``."""
    y, p = np.asarray(y, int), np.asarray(p, float)
    if method == "none":
        return None
    if len(np.unique(y)) < 2:
        raise ExportError("calibration needs both malignant and benign photos")
    if method == "platt":
        from sklearn.linear_model import LogisticRegression

        z = _logit(p, epsilon).reshape(-1, 1)
        lr = LogisticRegression(C=np.inf).fit(z, y)  # C=inf: no regularisation, Platt's plain maximum likelihood
        a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        if not a > 0:
            raise ExportError(f"the Platt fit has slope a = {a:.4g} <= 0: on these photos the model ranks benign above "
                              "malignant, and such a map would reverse its answers; not a calibration")
        return {"method": "platt", "a": a, "b": b, "epsilon": epsilon}
    if method == "isotonic":
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(p, y)
        x, yy = iso.X_thresholds_.astype(float).tolist(), iso.y_thresholds_.astype(float).tolist()
        if len(x) < 2:
            raise ExportError("the isotonic fit is a single point (every photo had the same probability)")
        return {"method": "isotonic", "x": x, "y": yy}
    raise ExportError(f"unknown calibration method {method!r} (platt, isotonic or none)")


def _logit(p: np.ndarray, epsilon: float) -> np.ndarray:
    q = np.clip(np.asarray(p, float), epsilon, 1 - epsilon)
    return np.log(q / (1 - q))


def apply_calibration(calibration: dict | None, p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, float)
    if calibration is None:
        return p
    if calibration["method"] == "platt":
        z = calibration["a"] * _logit(p, calibration.get("epsilon", PLATT_EPSILON)) + calibration["b"]
        return 1 / (1 + np.exp(-z))
    if calibration["method"] == "isotonic":
        return np.interp(p, calibration["x"], calibration["y"])
    raise ExportError(f"unknown calibration method {calibration['method']!r}")


# ---- the figures of one evaluation


def summarise(y: np.ndarray, p: np.ndarray, predicted_positive: np.ndarray, threshold: float,
              metadata: list[dict] | None = None, resamples: int = BOOTSTRAP_RESAMPLES,
              seed: int = BOOTSTRAP_SEED, calibration_bins: int = 10) -> dict:
    """Every figure of the report from labels ``y``, probabilities ``p`` and the service's decisions."""
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss, roc_curve

    y, p = np.asarray(y, int), np.asarray(p, float)
    c = confusion(y, predicted_positive)
    out = {"n": int(len(y)), "positives": int(y.sum()), "negatives": int(len(y) - y.sum()),
           "auc": auc(y, p), "threshold": float(threshold), "confusion": c, **rates(c)}
    boot = bootstrap_auc_ci(y, p, resamples, seed) if out["auc"] is not None else None
    out["aucCi95"] = boot["ci95"] if boot else None
    out["bootstrap"] = boot
    out["brier"] = float(brier_score_loss(y, p)) if len(y) else None
    if out["auc"] is not None:
        fpr, tpr, thr = roc_curve(y, p)
        out["roc"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist(),
                      "thresholds": [min(float(t), 1.0) for t in thr]}  # sklearn's first threshold is inf
        frac, mean, counts = _reliability(y, p, calibration_bins)
        out["reliability"] = {"bins": calibration_bins, "strategy": "uniform", "meanPredicted": mean,
                              "fractionPositive": frac, "counts": counts}
        # sklearn's own curve, to say in the report that the table is the one it would draw
        sk_frac, sk_mean = calibration_curve(y, p, n_bins=calibration_bins, strategy="uniform")
        assert np.allclose(sk_frac, frac) and np.allclose(sk_mean, mean)
    out["subgroups"] = subgroups(y, p, predicted_positive, metadata or [])
    return out


def _reliability(y, p, bins):
    """Per non-empty uniform bin: fraction of positives, mean probability, photos (calibration_curve's bins)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    ids = np.searchsorted(edges[1:-1], p)
    frac, mean, counts = [], [], []
    for b in range(bins):
        m = ids == b
        if m.any():
            frac.append(float(y[m].mean()))
            mean.append(float(p[m].mean()))
            counts.append(int(m.sum()))
    return frac, mean, counts


def subgroups(y, p, predicted_positive, metadata: list[dict]) -> dict:
    """Per metadata column present (sex, age band, site): per value, n, positives, AUC, sensitivity, specificity."""
    out = {}
    y, p, pp = np.asarray(y, int), np.asarray(p, float), np.asarray(predicted_positive, bool)
    for col, title in SUBGROUP_COLUMNS.items():
        values = [m.get(col) for m in metadata]
        if not any(values):
            continue
        if col == "age_approx":
            values = [age_band(v) if v else "unknown" for v in values]
        else:
            values = [v or "unknown" for v in values]
        groups = {}
        for v in sorted(set(values)):
            m = np.array([x == v for x in values])
            c = confusion(y[m], pp[m])
            r = rates(c)
            groups[v] = {"n": int(m.sum()), "positives": int(y[m].sum()), "auc": auc(y[m], p[m]),
                         "sensitivity": r["sensitivity"], "specificity": r["specificity"], "confusion": c}
        out[title] = {"column": col, "groups": groups}
    return out


def label_file_description(path: str) -> dict:
    import hashlib

    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return {"file": os.path.basename(path), "sha256": digest}
