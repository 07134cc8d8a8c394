"""The training photos as TFRecords, written the way the Kaggle-era melanoma notebooks wrote theirs.

    cv2.imread -> centre square crop -> cv2.resize(INTER_AREA) -> cv2.imencode(".jpg", quality 95)

Training then reads each record back with ``tf.io.decode_jpeg`` and its default DCT (libjpeg's fast integer
IDCT), so the model learns from images that went through that JPEG round trip. ``convert --resize opencv:area
--crop-fraction F --jpeg-roundtrip 95`` records exactly this in model.json and the service reproduces it on the
original photo; ``writer_preprocessing`` names it for the code that checks it.

The photos are split into stratified folds (by diagnosis and by the collection a photo comes from, since the two
collections differ in size and look) before anything is written, one set of files per fold, so that a fold's
records are its validation set and every other fold's are its training set.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from melanoma_export.errors import ExportError
from melanoma_export.preprocessing import JpegRoundTrip, Preprocessing, crop_box

# Feature names as the Kaggle notebooks used them (match-tfrecords reads "image" and "image_name").
FEATURES = ("image", "image_name", "target", "diagnosis", "fold")
JPEG_QUALITY = 95


class DataError(ExportError):
    """The training data (photos and their labels) cannot be used."""

    exit_code = 2


@dataclass(frozen=True)
class Photo:
    path: str  # relative to the data directory
    image_id: str
    target: int  # 1 melanoma, 0 anything else
    diagnosis: str  # the ISIC class, or the target as text when the labels file has none
    group: str  # the collection (top folder), for stratification


def read_photos(data_dir: str, labels: str | None = None) -> tuple[list[Photo], int]:
    """(the labelled photos of ``data_dir``, the number of rows left out for want of a label).

    ``labels.csv`` in one of two shapes: ``image`` (path relative to the folder) + ``melanoma`` (0/1) +
    optional ``diagnosis`` and ``image_id`` (the training data's own file), or ``file`` + ``label``
    (``malignant``/``benign``, this repository's test photos; other labels, such as ``unknown``, are left
    out). A row whose file is missing fails, as does a ``melanoma`` value other than 0 or 1.
    """
    base = Path(data_dir)
    csv_path = Path(labels) if labels else base / "labels.csv"
    if not base.is_dir():
        raise DataError(f"--data {data_dir} is not a directory")
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise DataError(f"cannot read the labels {csv_path}: {e.strerror}") from None
    if not rows:
        raise DataError(f"{csv_path} has no rows")
    cols = set(rows[0])
    photos, unlabelled = [], 0
    for row in rows:
        if {"image", "melanoma"} <= cols:
            rel, raw = row["image"].strip(), row["melanoma"].strip()
            target = {"1": 1, "0": 0}.get(raw)
            diagnosis = (row.get("diagnosis") or raw).strip()
            image_id = (row.get("image_id") or Path(rel).stem).strip()
        elif {"file", "label"} <= cols:
            rel, raw = row["file"].strip(), row["label"].strip().lower()
            target = {"malignant": 1, "benign": 0}.get(raw)
            diagnosis = (row.get("diagnosis") or raw).strip()
            image_id = Path(rel).stem
            if target is None:
                unlabelled += 1
                continue
        else:
            raise DataError(f"{csv_path}: columns {sorted(cols)} are neither image,melanoma nor file,label")
        if target is None:
            raise DataError(f"{csv_path}: melanoma {raw!r} of {rel} is not 0 or 1")
        if not (base / rel).is_file():
            raise DataError(f"{csv_path}: {rel} is not a file under {data_dir}")
        group = rel.split("/")[0] if "/" in rel else "."
        photos.append(Photo(rel, image_id, target, diagnosis, group))
    ids = [p.image_id for p in photos]
    if len(set(ids)) != len(ids):
        raise DataError(f"{csv_path}: image ids repeat ({len(ids) - len(set(ids))} duplicates)")
    return photos, unlabelled


def assign_folds(photos: list[Photo], folds: int, seed: int) -> list[int]:
    """Each photo's fold, stratified by (collection, diagnosis); classes with fewer photos than folds are
    pooled by target so that scikit-learn can stratify them."""
    from sklearn.model_selection import StratifiedKFold

    if folds < 2:
        raise DataError(f"--folds must be at least 2, got {folds}")
    strata = [f"{p.group}|{p.diagnosis}" for p in photos]
    counts = {s: strata.count(s) for s in set(strata)}
    strata = [s if counts[s] >= folds else f"rare|{p.target}" for s, p in zip(strata, photos)]
    counts = {s: strata.count(s) for s in set(strata)}
    strata = [s if counts[s] >= folds else f"target|{p.target}" for s, p in zip(strata, photos)]
    per_target = [sum(p.target == t for p in photos) for t in (0, 1)]
    if min(per_target) < folds:
        raise DataError(f"{folds} folds need at least {folds} photos of each class; have {per_target[1]} "
                        f"melanomas and {per_target[0]} others")
    out = [0] * len(photos)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (_, val) in enumerate(splitter.split(np.zeros(len(photos)), strata)):
        for i in val:
            out[i] = k
    return out


def writer_preprocessing(size: int, crop_fraction: float) -> Preprocessing:
    """What the writer does, in the terms model.json records (and the reference reproduces)."""
    return Preprocessing(size=size, center_crop_fraction=crop_fraction, resize_library="opencv",
                         resize_method="area", antialias=None,
                         jpeg_roundtrip=JpegRoundTrip(quality=JPEG_QUALITY, chroma_subsampling="4:2:0",
                                                      encoder="opencv", dct_method="tensorflow-default"))


def encode_photo(path: Path, size: int, crop_fraction: float) -> bytes:
    """One photo as the notebooks stored it: OpenCV's decode (BGR), the centre square, INTER_AREA to
    size x size, OpenCV's JPEG at quality 95 (its default 4:2:0 chroma)."""
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise DataError(f"OpenCV cannot read {path}")
    h, w = bgr.shape[:2]
    top, left, side = crop_box(h, w, crop_fraction)
    square = bgr[top:top + side, left:left + side]
    small = cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise DataError(f"OpenCV cannot encode {path}")
    return buf.tobytes()


def _example(data: bytes, photo: Photo, fold: int):
    import tensorflow as tf

    def b(v: bytes):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[v]))

    def i(v: int):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=[v]))

    return tf.train.Example(features=tf.train.Features(feature={
        "image": b(data), "image_name": b(photo.image_id.encode()), "target": i(photo.target),
        "diagnosis": b(photo.diagnosis.encode()), "fold": i(fold)})).SerializeToString()


@dataclass
class Written:
    directory: str
    size: int
    crop_fraction: float
    folds: int
    seed: int
    files: dict  # fold -> file name
    counts: dict  # fold -> {"photos": n, "melanoma": m}
    labelsSha256: str

    def fold_files(self, which) -> list[str]:
        return [str(Path(self.directory) / self.files[str(k)]) for k in which]


def write_tfrecords(photos: list[Photo], data_dir: str, out_dir: str, size: int, crop_fraction: float,
                    folds: int, seed: int, progress=print) -> Written:
    """One ``fold<k>-<n>.tfrec`` per fold, the photos in a seeded random order inside each; a manifest
    ``tfrecords.json`` beside them. An existing manifest with the same settings and labels is reused."""
    import tensorflow as tf

    out = Path(out_dir)
    manifest = out / "tfrecords.json"
    digest = hashlib.sha256(json.dumps([asdict(p) for p in photos]).encode()).hexdigest()
    if manifest.is_file():
        fields = json.loads(manifest.read_text())
        fields.pop("writer", None)
        old = Written(**fields)
        if (old.size, old.crop_fraction, old.folds, old.seed, old.labelsSha256) == (size, crop_fraction, folds, seed,
                                                                                     digest) and \
                all((out / f).is_file() for f in old.files.values()):
            progress(f"tfrecords: reusing {out} ({sum(c['photos'] for c in old.counts.values())} photos)")
            old.directory = str(out)
            return old
    out.mkdir(parents=True, exist_ok=True)
    fold_of = assign_folds(photos, folds, seed)
    order = np.random.default_rng(seed).permutation(len(photos))
    files, counts = {}, {}
    for k in range(folds):
        members = [int(i) for i in order if fold_of[i] == k]
        name = f"fold{k}-{len(members)}.tfrec"
        tmp = out / (name + ".tmp")
        with tf.io.TFRecordWriter(str(tmp)) as w:
            for i in members:
                w.write(_example(encode_photo(Path(data_dir) / photos[i].path, size, crop_fraction), photos[i], k))
        tmp.replace(out / name)
        files[str(k)] = name
        counts[str(k)] = {"photos": len(members), "melanoma": sum(photos[i].target for i in members)}
        progress(f"tfrecords: fold {k}: {len(members)} photos ({counts[str(k)]['melanoma']} melanoma) -> {name}")
    written = Written(str(out), size, crop_fraction, folds, seed, files, counts, digest)
    fields = asdict(written)
    fields["directory"] = "."
    fields["writer"] = ("cv2.imread(IMREAD_COLOR) -> centre square (fraction of the shorter side) -> "
                        f"cv2.resize(INTER_AREA) -> cv2.imencode('.jpg', quality {JPEG_QUALITY})")
    manifest.write_text(json.dumps(fields, indent=2) + "\n")
    # the photos of each fold, for the tools that read photos rather than records (evaluate, calibrate)
    for k in range(folds):
        with open(out / f"fold{k}-labels.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["image_name", "target", "diagnosis"])
            for i in order:
                if fold_of[i] == k:
                    w.writerow([photos[i].path, photos[i].target, photos[i].diagnosis])
    return written
