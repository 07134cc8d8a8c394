"""``melanoma-export evaluate``: every labelled photo through the running service, then the figures.

The service's answers are the data: its probability, and its label at its threshold. ``--reference`` also runs
the TensorFlow reference (the source Keras model with the reference preprocessing) on the same photos and
reports the largest per-photo difference from the service.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

import numpy as np

from melanoma_export import __version__, evaluation, parity, report
from melanoma_export.demo import demo_model
from melanoma_export.errors import ExportError
from melanoma_export.metadata import ModelInputs, csv_metadata, spec_encoding
from melanoma_export.preprocessing import Normalization, Preprocessing, reference_tensor, to_model_input
from melanoma_export.reference import source_model_for
from melanoma_export.service import Service, ServiceError
from melanoma_export.sources import Source, weights_digest


def _progress_bar(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="photo", file=sys.stderr, dynamic_ncols=True)


def collect(service_url: str, images: str, labels_csv: str, api_key: str | None = None, concurrency: int = 2,
            progress=print) -> dict:
    """Send the labelled photos; returns the model.json the service serves and one row per labels row."""
    rows, shape = evaluation.read_labels(labels_csv)
    evaluation.match_images(rows, images)
    service = Service(service_url, api_key)
    spec = service.model()
    # A model with a metadata input gets each photo's sex, age and site from the labels file (ISIC 2020 columns),
    # absent where the file has none; the reference is fed the same (run_reference).
    sends_metadata = spec_encoding(spec) is not None
    to_send = [r for r in rows if r.target is not None and r.path is not None]
    progress(f"{len(to_send)} labelled photos to {service.url}/v1/predictions "
             f"({sum(r.target is None for r in rows)} rows without a malignant/benign label, "
             f"{sum(r.target is not None and r.path is None for r in rows)} without a file)")
    with _progress_bar(len(to_send), "evaluate") as bar:
        answers = service.predict_all(to_send, lambda r: r.path.read_bytes(), concurrency, bar,
                                      metadata_of=(lambda r: csv_metadata(r.metadata)) if sends_metadata else None)
    by_row = {id(r): a for r, a in zip(to_send, answers)}
    photos, excluded = [], []
    for r in rows:
        if r.target is None:
            excluded.append({"image": r.image, "label": r.raw_label})
            continue
        # the path inside --images (labels may name photos in subdirectories): what --reference reads again
        file = Path(os.path.relpath(r.path, images)).as_posix() if r.path else None
        entry = {"image": r.image, "file": file, "target": r.target,
                 "metadata": r.metadata, **({"sentMetadata": csv_metadata(r.metadata)} if sends_metadata else {}),
                 "probability": None, "uncalibratedProbability": None, "calibrated": None,
                 "serviceLabel": None, "status": None, "error": None}
        if r.path is None:
            entry["error"] = {"kind": "missing", "status": None, "type": None,
                              "detail": f"no file {r.image} (or {r.image}.<image extension>) in {images}"}
        else:
            a = by_row[id(r)]
            entry["status"] = a.status
            if a.body is not None:
                b = a.body
                entry.update(probability=b["malignantProbability"], calibrated=bool(b.get("calibrated", False)),
                             uncalibratedProbability=b.get("uncalibratedProbability", b["malignantProbability"]),
                             serviceLabel=b["label"], threshold=b["threshold"])
            else:
                entry["error"] = a.error
        photos.append(entry)
    if to_send and all(p["error"] and p["error"]["kind"] == "unreachable" for p in photos if p["file"]):
        raise ServiceError(f"the service at {service.url} did not answer any photo: "
                           f"{next(p['error']['detail'] for p in photos if p['file'])}")
    return {"spec": spec, "service": service.url, "photos": photos, "excluded": excluded,
            "labelShape": shape, "rows": len(rows)}


def scored_arrays(photos: list[dict], key: str = "probability"):
    ok = [p for p in photos if p["probability"] is not None]
    return ok, np.array([p["target"] for p in ok], int), np.array([p[key] for p in ok], float)


def build_result(collected: dict, images: str, labels_csv: str, resamples: int = evaluation.BOOTSTRAP_RESAMPLES,
                 seed: int = evaluation.BOOTSTRAP_SEED) -> dict:

    spec, photos = collected["spec"], collected["photos"]
    ok, y, p = scored_arrays(photos)
    if len(ok) == 0:
        raise ExportError("the service answered none of the labelled photos: nothing to evaluate "
                          f"(first error: {next((x['error'] for x in photos if x['error']), None)})")
    decision = spec.get("decision", {})
    positive = decision.get("positiveLabel", "malignant")
    thresholds = {x["threshold"] for x in ok}
    if len(thresholds) != 1:
        raise ServiceError(f"the service answered with several thresholds {sorted(thresholds)} during one run")
    predicted = np.array([x["serviceLabel"] == positive for x in ok])
    figures = evaluation.summarise(y, p, predicted, thresholds.pop(), [x["metadata"] for x in ok], resamples, seed)
    calibrated = {x["calibrated"] for x in ok}
    errors = [x for x in photos if x["error"]]
    return {
        "tool": __version__,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "service": collected["service"],
        "model": {"name": spec.get("name"), "version": spec.get("version"), "sha256": spec.get("model", {}).get("sha256"),
                  "trained": bool(spec.get("trained"))},
        "warning": None if spec.get("trained") else
        "UNTRAINED model (random weights): these figures mean nothing about melanoma.",
        "calibrated": calibrated == {True},
        # the keys the issue names, at the top, and everything else under figures
        "auc": figures["auc"], "aucCi95": figures["aucCi95"], "sensitivity": figures["sensitivity"],
        "specificity": figures["specificity"], "ppv": figures["ppv"], "npv": figures["npv"],
        "threshold": figures["threshold"], "n": figures["n"],
        "refused": sum(1 for x in errors if x["error"]["kind"] == "refused"),
        "errors": [{"image": x["image"], **x["error"]} for x in errors],
        "figures": figures,
        # --images as given: an absolute path would name the machine it ran on
        "data": {"images": images, "labels": evaluation.label_file_description(labels_csv),
                 "labelShape": collected["labelShape"], "rows": collected["rows"],
                 "missing": sum(1 for x in errors if x["error"]["kind"] == "missing"),
                 "unreadable": sum(1 for x in errors if x["error"]["kind"] == "unreadable"),
                 "unreachable": sum(1 for x in errors if x["error"]["kind"] == "unreachable"),
                 "excluded": collected["excluded"]},
        "photos": photos,
        "spec": spec,
    }


def run_reference(result: dict, images: str, source_path: str | None, progress=print) -> dict:
    """TensorFlow's probability for every photo the service answered, and the largest difference."""
    spec = result["spec"]
    pp = Preprocessing.from_spec(spec["input"])
    norm = Normalization.from_spec(spec["input"]["normalization"])
    enc = spec_encoding(spec)
    ok = [x for x in result["photos"] if x["probability"] is not None]
    tensors, rows, used, failed = [], [], [], []
    for x in ok:
        try:
            t, _ = reference_tensor(os.path.join(images, x["file"]), pp)
            if enc is not None:
                rows.append(enc.encode(x.get("sentMetadata")))
        except ExportError as e:
            failed.append({"image": x["image"], "reason": str(e)})
            continue
        tensors.append(t)
        used.append(x)
    if not tensors:
        raise ExportError("the reference preprocessing read none of the photos the service answered")
    if (spec.get("source") or {}).get("kind") == "demo":
        source, tmp, weights = _regenerated_demo(spec, progress)
    else:
        model, source, tmp = source_model_for(spec, source_path, progress)
        del model
        weights = {"weightsDigestMatches": True}
    try:
        x = to_model_input(np.stack(tensors), norm)
        tf, info = parity.tensorflow_reference(source.to_json(), ModelInputs(x, np.stack(rows)) if enc else x, progress)
    finally:
        if tmp is not None:
            tmp.cleanup()
    tf = tf[:, 0].astype(float)
    service = np.array([x["uncalibratedProbability"] for x in used], float)
    diff = np.abs(service - tf)
    worst = int(np.argmax(diff))
    for x, t, d in zip(used, tf, diff):
        x["tensorflowProbability"] = float(t)
        x["absDiffVsTensorflow"] = float(d)
    return {"reference": f"tensorflow {info.get('tensorflow')} (keras {info.get('keras')})", "compared": len(used),
            "maxAbsDiff": float(diff.max()), "meanAbsDiff": float(diff.mean()), "worstImage": used[worst]["image"],
            "auc": evaluation.auc(np.array([x["target"] for x in used]), tf), "failed": failed,
            "serviceProbability": "uncalibratedProbability (the model's own output)", **weights}


def _regenerated_demo(spec: dict, progress):
    """The demo's Keras weights regenerated from its seed. Its BatchNorm statistics come from a float pass that
    can round differently on another CPU (or thread count): then the weights differ from the exported ones in
    their last bits, which is reported (weightsDigestMatches false) rather than refused, because the difference
    measured then bounds deployment and that rounding together."""
    import tempfile

    src = spec["source"]
    model = demo_model(int(src["seed"]), src["arch"], int(src["imageSize"]), progress)
    digest = weights_digest(model)
    tmp = tempfile.TemporaryDirectory(prefix="melanoma-ref-")
    path = os.path.join(tmp.name, "demo.weights.h5")
    model.save_weights(path)
    del model
    same = digest == src.get("weightsDigest")
    if not same:
        progress(f"note: the regenerated demo weights (digest {digest[:12]}) are not bit-identical to the exported "
                 f"ones ({str(src.get('weightsDigest'))[:12]}): this CPU rounds the BatchNorm pass differently")
    return (Source("keras-weights", path, src["arch"], int(src["imageSize"]), "keras-applications"), tmp,
            {"weightsDigestMatches": same, "regeneratedWeightsDigest": digest})


def evaluate(service_url: str, images: str, labels_csv: str, out_dir: str | None = None, reference: bool = False,
             source_path: str | None = None, api_key: str | None = None, concurrency: int = 2,
             resamples: int = evaluation.BOOTSTRAP_RESAMPLES, progress=print):

    collected = collect(service_url, images, labels_csv, api_key, concurrency, progress)
    result = build_result(collected, images, labels_csv, resamples)
    if reference:
        result["reference"] = run_reference(result, images, source_path, progress)
    out = report.write_all(result, out_dir or "evaluation")
    f = result["figures"]
    ci = f["aucCi95"]
    progress(("UNTRAINED model: the figures mean nothing. " if not result["model"]["trained"] else "")
             + f"n {f['n']}, AUC {evaluation_str(f['auc'])}"
             + (f" (95% CI {ci[0]:.3f}-{ci[1]:.3f})" if ci else "")
             + f", sensitivity {evaluation_str(f['sensitivity'])}, specificity {evaluation_str(f['specificity'])}"
             f" at {f['threshold']:.4g}; refused {result['refused']}, other errors "
             f"{len(result['errors']) - result['refused']}"
             + (f"; max |service - TensorFlow| {result['reference']['maxAbsDiff']:.3g}" if reference else ""))
    return out


def evaluation_str(v) -> str:
    return "n/a" if v is None else f"{v:.3f}"
