"""The evaluation's outputs: report.json (the figures and the data they were made from), roc.png and
calibration.png (scikit-learn's RocCurveDisplay and CalibrationDisplay), report.md and MODEL_CARD.md."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

UNTRAINED = ("**This model is UNTRAINED** (random weights, `\"trained\": false` in model.json): every figure below "
             "describes noise and means NOTHING about melanoma. It shows that the evaluation runs, not that the "
             "model works.")


def write_all(result: dict, out_dir: str) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(result, indent=2) + "\n")
    if result["figures"].get("auc") is not None:
        plot_roc(result, out / "roc.png")
        plot_calibration(result, out / "calibration.png")
    (out / "report.md").write_text(report_markdown(result))
    (out / "MODEL_CARD.md").write_text(model_card(result))
    return out


def _scored(result: dict):
    rows = [r for r in result["photos"] if r.get("probability") is not None and r.get("target") is not None]
    return np.array([r["target"] for r in rows]), np.array([r["probability"] for r in rows])


def _title_suffix(result: dict) -> str:
    return "\nUNTRAINED demo model: these figures mean nothing" if not result["model"]["trained"] else ""


def plot_roc(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import RocCurveDisplay

    y, p = _scored(result)
    f = result["figures"]
    fig, ax = plt.subplots(figsize=(5.5, 5.5), dpi=100)
    RocCurveDisplay.from_predictions(y, p, ax=ax, name=f"{result['model']['name']} {result['model']['version']}",
                                     plot_chance_level=True)
    if f.get("sensitivity") is not None and f.get("specificity") is not None:
        ax.plot([1 - f["specificity"]], [f["sensitivity"]], "o", color="crimson",
                label=f"threshold {f['threshold']:.4g}: sens {f['sensitivity']:.2f}, spec {f['specificity']:.2f}")
    ci = f.get("aucCi95")
    ax.set_title(f"ROC on {f['n']} photos, AUC {f['auc']:.3f}"
                 + (f" (95% CI {ci[0]:.3f}-{ci[1]:.3f})" if ci else "") + _title_suffix(result), fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def plot_calibration(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.calibration import CalibrationDisplay

    y, p = _scored(result)
    f = result["figures"]
    fig, ax = plt.subplots(figsize=(5.5, 5.5), dpi=100)
    scale = "calibrated" if result["calibrated"] else "uncalibrated"
    CalibrationDisplay.from_predictions(y, p, n_bins=f["reliability"]["bins"], strategy="uniform", ax=ax,
                                        name=f"{scale} probability")
    ax.set_title(f"Reliability on {f['n']} photos ({f['reliability']['bins']} uniform bins), Brier {f['brier']:.3f}"
                 + _title_suffix(result), fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def _pct(v) -> str:
    return "n/a" if v is None else f"{100 * v:.1f} %"


def _ci(ci) -> str:
    return "" if not ci else f" ({100 * ci[0]:.1f}–{100 * ci[1]:.1f})"


def _num(v, fmt=".3f") -> str:
    return "n/a" if v is None else format(v, fmt)


def figures_table(f: dict) -> str:
    ci = f.get("aucCi95")
    boot = f.get("bootstrap") or {}
    lines = [
        "| figure | value (95 % interval) |",
        "|---|---|",
        f"| AUC | {_num(f.get('auc'))}" + (f" ({ci[0]:.3f}–{ci[1]:.3f}; percentile bootstrap, {boot['resamples']} "
                                            f"resamples, seed {boot['seed']})" if ci else "") + " |",
        f"| sensitivity | {_pct(f['sensitivity'])}{_ci(f['sensitivityCi95'])} |",
        f"| specificity | {_pct(f['specificity'])}{_ci(f['specificityCi95'])} |",
        f"| PPV | {_pct(f['ppv'])}{_ci(f['ppvCi95'])} |",
        f"| NPV | {_pct(f['npv'])}{_ci(f['npvCi95'])} |",
        f"| Brier score | {_num(f.get('brier'))} |",
    ]
    return "\n".join(lines) + "\n\nSensitivity, specificity, PPV and NPV at the threshold, with Wilson score intervals; " \
        "PPV and NPV hold only at this data's prevalence " \
        f"({f['positives']} of {f['n']}).\n"


def confusion_table(c: dict) -> str:
    return ("| | labelled malignant | labelled benign |\n|---|---|---|\n"
            f"| answered malignant | {c['tp']} (TP) | {c['fp']} (FP) |\n"
            f"| answered benign | {c['fn']} (FN) | {c['tn']} (TN) |\n")


def subgroup_tables(f: dict) -> str:
    if not f.get("subgroups"):
        return ("The labels file has no `sex`, `age_approx` or `anatom_site_general_challenge` column: no subgroup "
                "figures.\n")
    parts = []
    for title, sg in f["subgroups"].items():
        parts.append(f"**By {title}** (`{sg['column']}`)\n\n| {title} | photos | malignant | AUC | sensitivity | "
                     "specificity |\n|---|---|---|---|---|---|")
        for v, g in sg["groups"].items():
            parts.append(f"| {v} | {g['n']} | {g['positives']} | {_num(g['auc'])} | {_pct(g['sensitivity'])} | "
                         f"{_pct(g['specificity'])} |")
        parts.append("")
    return "\n".join(parts) + "\nSubgroups with few photos have intervals too wide to compare.\n"


def _data_lines(result: dict) -> str:
    d = result["data"]
    f = result["figures"]
    lines = [f"- photos: `{d['images']}`; labels: `{d['labels']['file']}` (sha256 `{d['labels']['sha256'][:16]}…`, "
             f"shape `{d['labelShape']}`), {d['rows']} rows",
             f"- scored: {f['n']} photos ({f['positives']} malignant, {f['negatives']} benign)",
             f"- refused by the service: {result['refused']}; not found in the folder: {d['missing']}; unreadable: "
             f"{d['unreadable']}; without a usable label (not sent): {len(d['excluded'])}"]
    return "\n".join(lines) + "\n"


def _errors_table(result: dict) -> str:
    rows = [r for r in result["photos"] if r.get("error")]
    excluded = result["data"].get("excluded") or []
    if not rows and not excluded:
        return "None.\n"
    out = ["| photo | what | status | problem type | detail |", "|---|---|---|---|---|"]
    for r in rows:
        e = r["error"]
        detail = (e.get("detail") or "").replace("|", "\\|")
        out.append(f"| {r['image']} | {e['kind']} | {e.get('status') or ''} | {e.get('type') or ''} | {detail} |")
    for x in excluded:
        out.append(f"| {x['image']} | not sent | | | label {x['label']!r} is neither malignant nor benign |")
    return "\n".join(out) + "\n"


def _reference_lines(result: dict) -> str:
    ref = result.get("reference")
    if not ref:
        return "Not run (`--reference` runs the TensorFlow reference on the same photos).\n"
    line = (f"The TensorFlow reference ({ref['reference']}: the source Keras model with the reference "
            f"preprocessing of `model-export`) on the same {ref['compared']} photos: largest per-photo "
            f"|service − TensorFlow| probability difference **{ref['maxAbsDiff']:.3g}** ({ref['worstImage']}), "
            f"mean {ref['meanAbsDiff']:.3g}. TensorFlow's AUC on them: {_num(ref.get('auc'))}. The service's "
            "probability compared is the model's own output (before any calibration).")
    if ref.get("weightsDigestMatches") is False:
        line += (" **The demo's Keras weights, regenerated from its seed on this machine, are not bit-identical to "
                 "the ones it was exported from** (its BatchNorm statistics come from a float pass that rounds "
                 "differently here): the difference includes that rounding, so it is an upper bound on what the "
                 "deployment itself changes.")
    training = ((result.get("spec") or {}).get("source") or {}).get("training") or {}
    if training.get("validationAucTensorflow") is not None and result.get("figures", {}).get("auc") is not None:
        # the product's promise on a trained model: what training measured is what the deployed service gives
        ours, theirs = result["figures"]["auc"], training["validationAucTensorflow"]
        line += (f" Training measured a validation AUC of {theirs:.5f} in TensorFlow on its validation TFRecords "
                 f"({training.get('validationPhotos')} photos); the service's AUC on these {result['figures'].get('n')}"
                 f" photos is {ours:.5f}: difference {abs(ours - theirs):.5f} (comparable when these are that fold's"
                 " photos, e.g. its labels file `tfrecords/fold<k>-labels.csv`).")
    if ref.get("failed"):
        line += f" The reference could not read {len(ref['failed'])} photo(s): " + \
            ", ".join(f"{x['image']} ({x['reason']})" for x in ref["failed"]) + "."
    return line + "\n"


def report_markdown(result: dict) -> str:
    m, f = result["model"], result["figures"]
    warn = f"> {UNTRAINED}\n\n" if not m["trained"] else ""
    scale = ("**calibrated** (the service applied model.json's calibration)" if result["calibrated"]
             else "the model's own, **uncalibrated**")
    note = f"> {result['note']}\n\n" if result.get("note") else ""
    return f"""# Evaluation of {m['name']} version {m['version']}

{warn}{note}Through the running service at `{result['service']}` (POST /v1/predictions, raw body, as a phone sends it),
{result['date']}, by `melanoma-export evaluate` {result['tool']}. Model sha256 `{m['sha256']}`.
Probabilities: {scale}. Threshold {f['threshold']:.6g} (probability ≥ threshold is answered malignant; the
labels counted are the service's own).

## Data

{_data_lines(result)}
## Figures at the threshold

{figures_table(f)}
## Confusion matrix

{confusion_table(f['confusion'])}
## Subgroups

{subgroup_tables(f)}
## Service vs TensorFlow

{_reference_lines(result)}
## Plots

![ROC](roc.png) ![Reliability](calibration.png)

`roc.png`: the ROC curve with the operating point; `calibration.png`: the reliability diagram (fraction malignant
per bin of probability). The data behind both are in `report.json` (`figures.roc`, `figures.reliability`, and
every photo's probability under `photos`).

## Photos not scored

{_errors_table(result)}"""


def _training_lines(spec: dict) -> str:
    src = spec.get("source") or {}
    if src.get("kind") == "demo":
        return (f"None: random weights from seed {src.get('seed')} (`{src.get('regenerate', 'melanoma-export demo')}`);"
                " BatchNorm statistics from synthetic images. It was never trained on lesions.")
    if src.get("training"):
        return _trained_here_lines(src)
    parts = [f"As recorded in model.json (`source`): kind `{src.get('kind', 'unrecorded')}`, architecture "
             f"`{src.get('arch', 'unrecorded')}` at {src.get('imageSize', '?')} px"]
    for fobj in src.get("files") or []:
        parts.append(f"file `{fobj.get('name') or fobj.get('path')}` (sha256 `{str(fobj.get('sha256'))[:16]}…`)")
    parts.append("model.json records nothing about the training images themselves (dataset, dates, patients, "
                 "devices, skin types): ask whoever trained the model")
    if spec.get("description"):
        parts.append(f"description: {spec['description']}")
    return "; ".join(parts) + "."


def _trained_here_lines(src: dict) -> str:
    """The training that ``melanoma-export train`` recorded (model.json ``source.training``)."""
    t = src["training"]
    d, r = t.get("data", {}), t.get("recipe", {})
    auc = t.get("validationAucTensorflow")
    hours = (t.get("wallSeconds") or 0) / 3600
    lines = [
        f"- data: `{d.get('directory')}`, {d.get('photos')} labelled dermoscopy photos, {d.get('melanoma')} melanoma"
        f" (melanoma against every other diagnosis)",
        f"- licence of the data: {d['licence']}" if d.get("licence") else "- licence of the data: not recorded",
        f"- {t.get('weights')}",
        f"- `melanoma-export train`: {r.get('arch')} at {r.get('size')} px (centre crop {r.get('crop_fraction')}),"
        f" {r.get('epochs')} epochs, batch {r.get('batch_size')}, peak learning rate {r.get('learning_rate')},"
        f" dropout {r.get('dropout')}, seed {r.get('seed')}; {t.get('loss')}; {t.get('schedule')}",
        f"- records written as `{t.get('tfrecordWriter')}`, read with `tf.io.decode_jpeg`",
        f"- fold {t.get('fold')} of {r.get('folds')} (stratified): trained on {t.get('trainPhotos')} photos"
        f" ({t.get('trainMelanoma')} melanoma), validated on {t.get('validationPhotos')}"
        f" ({t.get('validationMelanoma')} melanoma) it never learnt from; the model is the last epoch's, not"
        f" the best on validation",
        f"- validation AUC measured by training, in TensorFlow: {auc:.4f}" if auc is not None else
        "- validation AUC measured by training: not recorded",
        (f"- {t['epochSeconds'] / 3600:.1f} h of training epochs (train + validation, summed over the"
         f" {r.get('epochs')} epochs)" if t.get("epochSeconds") else f"- {hours:.1f} h")
        + f" on {(t.get('machine') or {}).get('cpus')} CPUs ({(t.get('machine') or {}).get('cpu')})",
    ]
    return "\n".join(lines)


def _training_limits(spec: dict) -> str:
    if not (spec.get("source") or {}).get("training"):
        return ""
    size = spec["source"]["training"].get("recipe", {}).get("size")
    return ("- Trained and validated on downscaled copies of the archive's photos (a few hundred pixels a side), not"
            " the full-size originals: detail a full-size dermoscopy photo shows was never seen in training.\n"
            f"- Trained from scratch (no pretrained weights) at {size} px: the published ISIC models, pretrained and"
            " trained on full-size originals at 384-512 px with several folds, score higher.\n"
            "- `train` splits photos, not lesions or patients (it is given no ids): photos of one lesion can be on"
            " both sides of the validation split, which makes the validation figures optimistic.\n"
            "- One fold, one model: no ensemble, no test-time augmentation.\n")


def _operating_point_lines(spec: dict) -> str:
    d = spec.get("decision", {})
    lines = [f"- threshold: {d.get('threshold')} (probability ≥ threshold is answered `{d.get('positiveLabel')}`)"]
    by = d.get("chosenBy")
    if by:
        target = f" for a target sensitivity of {by['targetSensitivity']}" if by.get("targetSensitivity") else ""
        lines.append(f"- chosen by `{by['method']}`{target} on the {by['scale']} probability, on {by.get('n')} photos "
                     f"(`{(by.get('labels') or {}).get('file')}`, {by.get('date')}): sensitivity "
                     f"{_pct(by.get('sensitivity'))}, specificity {_pct(by.get('specificity'))} on those photos")
    else:
        lines.append("- chosen by: not recorded (set at export)")
    cal = spec.get("calibration")
    if cal:
        fitted = cal.get("fittedOn") or {}
        lines.append(f"- calibration: `{cal['method']}`, fitted on {fitted.get('n')} photos "
                     f"(`{(fitted.get('labels') or {}).get('file')}`); figures on the same photos are optimistic")
    else:
        lines.append("- calibration: none (the probability is the model's own output)")
    return "\n".join(lines) + "\n"


def _arch(spec: dict) -> str:
    src = spec.get("source") or {}
    return src.get("arch") or ((src.get("training") or {}).get("recipe") or {}).get("arch") or "?"


def _preprocessing_line(pp: dict) -> str:
    resize = pp.get("resize", {})
    how = " ".join(str(x) for x in (resize.get("library"), resize.get("method")) if x)
    if resize.get("antialias") is not None:
        how += f" (antialias {resize['antialias']})"
    line = f"centre crop {pp.get('centerCropFraction')} of the shorter side, resize {how}"
    trip = pp.get("jpegRoundTrip")
    if trip:
        line += (f", then a JPEG round trip at quality {trip.get('quality')} ({trip.get('chromaSubsampling')}), as"
                 " the training records were written")
    return line + ", EXIF orientation applied"


def model_card(result: dict) -> str:
    spec, m, f = result["spec"], result["model"], result["figures"]
    warn = f"> {UNTRAINED}\n\n" if not m["trained"] else ""
    pp = spec.get("input", {}).get("preprocessing", {})
    parity = spec.get("parity", {})
    note = f"> {result['note']}\n\n" if result.get("note") else ""
    return f"""# Model card: {m['name']} version {m['version']}

{warn}{note}## Intended use

A screening aid: given one photo of a single skin lesion, the probability that it is a melanoma. **Not a
diagnosis**: it can be wrong both ways, and a dermatologist must examine any lesion that worries the patient.
Not for other skin cancers (basal or squamous cell carcinoma are not what it was asked), not for children, not as
the only reason to leave a lesion unexamined.

## Model

- {_arch(spec)} at {spec.get('input', {}).get('height')} px, ONNX `{spec.get('model', {}).get('file')}`
  (sha256 `{m['sha256']}`), trained: **{str(m['trained']).lower()}**
- preprocessing (model.json `input.preprocessing`): {_preprocessing_line(pp)}
- export parity: max |ONNX − TensorFlow| probability {parity.get('maxAbsDiffProbability')} on {parity.get('inputs')}
  inputs ({parity.get('inputKind')}), tolerance {parity.get('tolerance')}

## Training data

{_training_lines(spec)}

## Operating point

{_operating_point_lines(spec)}
## Evaluation

{result['date']}, through the service at `{result['service']}` (`melanoma-export evaluate`; full report in
`report.md` and `report.json` beside this card when it was written).

{_data_lines(result)}
{figures_table(f)}
{confusion_table(f['confusion'])}
### Subgroups

{subgroup_tables(f)}
### Service vs TensorFlow

{_reference_lines(result)}
## Known limits

- Evaluated on {f['n']} photos: intervals are wide, and a handful of photos moves every figure.
- Dermoscopy photos (ISIC-style). Phone photos without a dermatoscope look different (lighting, distance, focus,
  no polarisation); nothing here measures the model on them.
- Skin types: the labels record no Fitzpatrick type; public dermoscopy sets are mostly light skin. Performance
  on darker skin is untested.
- Photos of the same lesion are not grouped (a lesion seen twice counts twice), and the evaluation photos may
  overlap the training data if they come from the same archive.
- The service looks only at the centre crop of the photo: the lesion must be centred.
{_training_limits(spec)}"""
