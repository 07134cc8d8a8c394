"""``melanoma-export calibrate``: an operating point (and optionally a calibration map) chosen on labelled photos,
written into a new model version directory.

The photos go through the running service (which must serve MODEL_DIR's model); the calibration is fitted on the
model's own probabilities (``uncalibratedProbability`` when the service already calibrates), the threshold is then
chosen on the calibrated probability when there is a calibration, on the model's own otherwise, because that is the
probability the service compares with it. The figures recorded are measured on the same photos: optimistic, and
stated as such.
"""

from __future__ import annotations

import copy
import datetime
import os
import shutil
from pathlib import Path

from melanoma_export import evaluation, report
from melanoma_export.errors import ExportError
from melanoma_export.evaluate import build_result, collect, scored_arrays
from melanoma_export.spec import SPEC_FILE, read_spec, write_spec

SPEC_VERSION_WITH_CALIBRATION = 3
# files of a version directory that describe one version and are written anew, never carried over
PER_VERSION_FILES = {SPEC_FILE, "MODEL_CARD.md", "evaluation"}


def next_version(version: str) -> str:
    if str(version).isdigit():
        return str(int(version) + 1)
    raise ExportError(f"version {version!r} is not a number: give the new one with --version")


def copy_version(src: str, dst: str) -> str:
    """The version directory's files in ``dst``: hard links where the file system allows (the graphs are large and
    never change), copies elsewhere. Returns ``hardlink`` or ``copy``."""
    out = Path(dst)
    if out.exists() and any(out.iterdir()):
        raise ExportError(f"--out {dst} exists and is not empty")
    if out.resolve() == Path(src).resolve():
        raise ExportError("--out must be a new directory, not MODEL_DIR")
    out.mkdir(parents=True, exist_ok=True)
    how = "hardlink"
    for f in sorted(Path(src).iterdir()):
        if f.name in PER_VERSION_FILES or not f.is_file():
            continue
        try:
            os.link(f, out / f.name)
        except OSError:
            shutil.copy2(f, out / f.name)
            how = "copy"
    return how


def calibrate(model_dir: str, service_url: str, images: str, labels_csv: str, out_dir: str,
              target_sensitivity: float | None = None, threshold: float | None = None, method: str = "none",
              version: str | None = None, api_key: str | None = None, concurrency: int = 2,
              resamples: int = evaluation.BOOTSTRAP_RESAMPLES, progress=print) -> Path:
    if (target_sensitivity is None) == (threshold is None):
        raise ExportError("give exactly one of --target-sensitivity and --threshold")
    if threshold is not None and not 0 < threshold < 1:
        raise ExportError(f"--threshold must lie strictly between 0 and 1, not {threshold}")
    spec = read_spec(model_dir)
    new_version = version or next_version(spec["version"])
    collected = collect(service_url, images, labels_csv, api_key, concurrency, progress)
    served = collected["spec"].get("model", {}).get("sha256")
    if served != spec["model"]["sha256"]:
        raise ExportError(f"the service at {service_url} serves model sha256 {served}, not MODEL_DIR's "
                          f"{spec['model']['sha256']}: start it on {model_dir}")
    measured = build_result(collected, images, labels_csv, resamples)
    ok, y, raw = scored_arrays(collected["photos"], "uncalibratedProbability")
    cal = evaluation.fit_calibration(method, y, raw)
    q = evaluation.apply_calibration(cal, raw)
    scale = "calibrated" if cal else "uncalibrated"
    if target_sensitivity is not None:
        t = evaluation.threshold_for_sensitivity(y, q, target_sensitivity)
    else:
        t = float(threshold)
    predicted = q >= t
    figures = evaluation.summarise(y, q, predicted, t, [x["metadata"] for x in ok], resamples)
    if target_sensitivity is not None and figures["sensitivity"] < target_sensitivity:  # pragma: no cover
        raise AssertionError("the chosen threshold misses its target sensitivity")
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    data = {"labels": evaluation.label_file_description(labels_csv), "images": os.path.basename(
        os.path.normpath(images)), "n": figures["n"], "positives": figures["positives"],
        "negatives": figures["negatives"], "date": date}

    new = copy.deepcopy(spec)
    new["specVersion"] = max(int(spec.get("specVersion", 1)), SPEC_VERSION_WITH_CALIBRATION)
    new["version"] = new_version
    chosen = {"method": "target-sensitivity" if target_sensitivity is not None else "fixed"}
    if target_sensitivity is not None:
        chosen["targetSensitivity"] = target_sensitivity
    chosen.update({"scale": scale, "sensitivity": figures["sensitivity"], "specificity": figures["specificity"],
                   **data, "fromVersion": spec["version"],
                   "rule": "the highest threshold whose sensitivity on these photos reaches the target"
                   if target_sensitivity is not None else "given by hand"})
    new["decision"]["threshold"] = t
    new["decision"]["chosenBy"] = chosen
    if cal:
        cal["fittedOn"] = {**data, "probability": f"the service's uncalibrated answers for version {spec['version']}",
                           "note": "fitted on the same photos the threshold was chosen on and the figures measured on"}
        new["calibration"] = cal
    else:
        new.pop("calibration", None)
    new["evaluation"] = {
        "how": f"the service's answers for version {spec['version']} on these photos, with this version's "
               "calibration and threshold applied to them; the same photos chose the threshold (optimistic)",
        **data, "calibrated": cal is not None, "trained": bool(spec.get("trained")),
        **{k: figures[k] for k in ("auc", "aucCi95", "threshold", "sensitivity", "sensitivityCi95", "specificity",
                                   "specificityCi95", "ppv", "ppvCi95", "npv", "npvCi95", "brier", "confusion",
                                   "subgroups")},
        "bootstrap": figures["bootstrap"], "refused": measured["refused"],
        "modelCard": "MODEL_CARD.md",
    }
    if not spec.get("trained"):
        new["evaluation"]["warning"] = "UNTRAINED model (random weights): these figures mean nothing about melanoma."

    how = copy_version(model_dir, out_dir)
    write_spec(out_dir, new)
    # the report and card of the new version, from the same answers
    result = copy.deepcopy(measured)
    result.update(spec=new, calibrated=cal is not None, figures=figures, threshold=t,
                  model={**measured["model"], "version": new_version})
    for k in ("auc", "aucCi95", "sensitivity", "specificity", "ppv", "npv", "n"):
        result[k] = figures[k]
    for x, p in zip(ok, q):
        x["probability"] = float(p)
        x["calibrated"] = cal is not None
        x["serviceLabel"] = None  # not asked of the service: computed here
        x["computedLabel"] = new["decision"]["positiveLabel"] if p >= t else new["decision"]["negativeLabel"]
    result["note"] = (f"Figures of version {new_version} computed from the service's answers for version "
                      f"{spec['version']}; run evaluate against a service started on this directory to measure "
                      "them through the service.")
    report.write_all(result, os.path.join(out_dir, "evaluation"))
    shutil.move(os.path.join(out_dir, "evaluation", "MODEL_CARD.md"), os.path.join(out_dir, "MODEL_CARD.md"))
    progress(f"version {new_version} in {out_dir} ({how} of the graphs): threshold {t:.6g} on the {scale} "
             f"probability, sensitivity {figures['sensitivity']:.3f}, specificity {figures['specificity']:.3f} "
             f"on {figures['n']} photos" + ("" if spec.get("trained") else " (UNTRAINED model: meaningless)"))
    return Path(out_dir)
