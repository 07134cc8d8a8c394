"""Find the preprocessing a model was trained with, from its TFRecords and the original photos.

    melanoma-export match-tfrecords --tfrecords train00.tfrec ... --images DIR

Each record's encoded image (feature ``image``) is what training read; its name (``image_name``) finds the
original photo in DIR. The candidates are every preprocessing ``convert`` can record (crop fraction, order,
resize, JPEG round trip); trying all of them on all records would cost minutes per record, so the search
narrows in stages, each on a few records (``sample``), holding the others at the best value so far:

1. the stored JPEG's own header gives its quality (the libjpeg table it was written with) and chroma
   subsampling: the round trip is only tried at that quality (and its neighbours);
2. crop fraction (0.30..1.00 in steps of 0.01) and order, with one resize (OpenCV's area, cheap and close to
   all the others for downscaling);
3. every resize at the best crop fractions (the best and its neighbours), with the round trip or without;
4. round trip quality (the header's, and +-1) and the decode's DCT method;
then the best candidates of every stage are measured on every record and ranked by mean |dpixel|, then max.

The decode's DCT method is how *training* read the JPEG, not something the record holds: when the rest
matches, re-encoding reproduces the stored file exactly and both DCT methods tie. Ties are resolved towards
``tf.io.decode_jpeg``'s default (``tensorflow-default``), which training used unless its code said otherwise.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from melanoma_export.errors import ExportError
from melanoma_export.preprocessing import (JPEG_DCT_METHODS, JpegRoundTrip, Preprocessing, PreprocessingError,
                                           RESIZE_CHOICES, oriented_rgb, preprocess_oriented)

CROP_GRID = [round(0.30 + 0.01 * i, 2) for i in range(71)]
SEARCH_RESIZE = "opencv:area"
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif")


@dataclass
class Record:
    name: str
    photo: Path
    encoded: bytes
    is_jpeg: bool
    oriented: object = None  # the decoded, oriented original (numpy uint8), filled lazily
    stored: dict | None = None  # dct method -> the stored image as training decoded it


def read_records(files: list[str], name_feature: str, image_feature: str) -> list[tuple[str, bytes]]:
    """(name, encoded image) of every record, parsed as tf.train.Example."""
    import tensorflow as tf

    out = []
    for f in files:
        if not Path(f).is_file():
            raise ExportError(f"--tfrecords {f}: no such file")
        try:
            for raw in tf.data.TFRecordDataset(f):
                ex = tf.train.Example.FromString(raw.numpy())
                feats = ex.features.feature
                for key in (name_feature, image_feature):
                    if key not in feats:
                        raise ExportError(f"{f}: record has no feature {key!r} (has {', '.join(sorted(feats))})")
                name = feats[name_feature].bytes_list.value[0].decode("utf-8", "replace")
                out.append((name, feats[image_feature].bytes_list.value[0]))
        except tf.errors.OpError as e:
            raise ExportError(f"{f}: not a readable TFRecord file ({(e.message or '').splitlines()[0]})") from None
    return out


def find_photos(directory: str) -> dict[str, Path]:
    """{file name and file stem: path} of the photos under ``directory``."""
    base = Path(directory)
    if not base.is_dir():
        raise ExportError(f"--images {directory} is not a directory")
    found: dict[str, Path] = {}
    for p in sorted(base.rglob("*")):
        if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES:
            found.setdefault(p.name, p)
            found.setdefault(p.stem, p)
    return found


def jpeg_header_facts(data: bytes) -> tuple[int | None, str | None]:
    """(quality, chroma subsampling) a libjpeg writer used, from the stored quantisation tables and SOF.

    The quality is the one whose libjpeg tables (``jpeg_set_quality``) equal the stored ones; None when none
    does (another encoder or custom tables)."""
    from PIL import Image, JpegImagePlugin

    with Image.open(io.BytesIO(data)) as im:
        tables = {k: list(v) for k, v in im.quantization.items()}
        sampling = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}.get(JpegImagePlugin.get_sampling(im))
    return _libjpeg_quality(tables), sampling


_TABLES: dict[int, dict] = {}


def _libjpeg_quality(tables: dict) -> int | None:
    from PIL import Image

    if not _TABLES:
        probe = Image.new("RGB", (8, 8))
        for q in range(1, 101):
            buf = io.BytesIO()
            probe.save(buf, format="JPEG", quality=q)
            with Image.open(io.BytesIO(buf.getvalue())) as im:
                _TABLES[q] = {k: list(v) for k, v in im.quantization.items()}
    for q, t in _TABLES.items():
        if t == tables:
            return q
    return None


def stored_image(rec: Record, dct_method: str) -> np.ndarray:
    """The record's image as training decoded it (JPEG with that DCT method; PNG etc. losslessly)."""
    import tensorflow as tf

    if rec.stored is None:
        rec.stored = {}
    if dct_method not in rec.stored:
        if rec.is_jpeg:
            img = tf.io.decode_jpeg(rec.encoded, channels=3, dct_method=JPEG_DCT_METHODS[dct_method])
        else:
            img = tf.io.decode_image(rec.encoded, channels=3, expand_animations=False)
        rec.stored[dct_method] = img.numpy()
    return rec.stored[dct_method]


def difference(rec: Record, pp: Preprocessing) -> tuple[float, int]:
    """(mean, max) |dpixel| of the candidate against the stored image, or (inf, 255) when it cannot run."""
    if rec.oriented is None:
        rec.oriented = np.asarray(oriented_rgb(str(rec.photo))[0])
    try:
        ours, _ = preprocess_oriented(rec.oriented, pp)
    except PreprocessingError:
        return math.inf, 255
    dct = pp.jpeg_roundtrip.dct_method if pp.jpeg_roundtrip is not None else "tensorflow-default"
    theirs = stored_image(rec, dct)
    if ours.shape != theirs.shape:
        return math.inf, 255
    d = np.abs(ours.astype(np.int16) - theirs.astype(np.int16))
    return float(d.mean()), int(d.max())


def _score(records: list[Record], pp: Preprocessing) -> tuple[float, int]:
    results = [difference(r, pp) for r in records]
    return float(np.mean([m for m, _ in results])), max(x for _, x in results)


def _key(pp: Preprocessing, score: tuple[float, int]):
    """Rank by mean, then max; among ties prefer the defaults (no --order, TF's default DCT, OpenCV)."""
    rt = pp.jpeg_roundtrip
    return (round(score[0], 9), score[1], pp.order != "crop-then-resize",
            rt is not None and rt.dct_method != "tensorflow-default")


def match(records: list[Record], sample: int = 8, top: int = 10,
          progress=print) -> list[tuple[Preprocessing, float, int]]:
    """The ranked candidates [(preprocessing, mean, max)] over all records (best first)."""
    if not records:
        raise ExportError("no record's name matches a photo in --images")
    size_h, size_w = stored_image(records[0], "tensorflow-default").shape[:2]
    if size_h != size_w:
        raise ExportError(f"the stored images are {size_w}x{size_h}; the service feeds square images only")
    few = records[:sample]

    quality, subsampling = (jpeg_header_facts(records[0].encoded) if records[0].is_jpeg else (None, None))
    if records[0].is_jpeg:
        progress(f"stored as JPEG: quality {quality if quality else 'not a libjpeg table'}, chroma {subsampling}")
        qualities = [q for q in (quality, (quality or 0) - 1, (quality or 0) + 1) if q and 1 <= q <= 100] or [95]
        if not quality:
            qualities = [100, 98, 95, 94, 92, 90, 85, 80, 75]
        trip = JpegRoundTrip(qualities[0], subsampling or "4:2:0")
    else:
        progress("stored losslessly: no JPEG round trip")
        qualities, trip = [], None

    base = Preprocessing(size_h, 1.0).replace(resize=SEARCH_RESIZE, jpeg_roundtrip=trip)
    tried: dict[str, tuple[Preprocessing, tuple[float, int]]] = {}

    def best_of(cands: list[Preprocessing], on: list[Record]) -> list[Preprocessing]:
        scored = []
        for c in cands:
            key = c.flags + (" dct" + c.jpeg_roundtrip.dct_method if c.jpeg_roundtrip else "")
            if key not in tried:
                tried[key] = (c, _score(on, c))
            scored.append(tried[key])
        scored.sort(key=lambda t: _key(*t))
        return [c for c, _ in scored]

    stage = best_of([base.replace(center_crop_fraction=f, order=o) for f in CROP_GRID
                     for o in ("crop-then-resize", "resize-then-crop")], few)
    crop = stage[0]
    progress(f"crop: {crop.center_crop_fraction:g}, {crop.order} (of {len(CROP_GRID) * 2}, on {len(few)} records)")
    fractions = sorted({round(min(1.0, max(0.01, crop.center_crop_fraction + d)), 2)
                        for d in (-0.02, -0.01, 0, 0.01, 0.02)})
    trips = [trip, None] if trip else [None]
    kernel = best_of([crop.replace(resize=r, center_crop_fraction=f, jpeg_roundtrip=t) for r in RESIZE_CHOICES
                      for f in fractions for t in trips], few)[0]
    progress(f"resize: {kernel.resize_choice} at {kernel.center_crop_fraction:g}")
    rts = [None] + [JpegRoundTrip(q, subsampling or "4:2:0", "opencv", d) for q in qualities for d in JPEG_DCT_METHODS]
    best_of([kernel.replace(jpeg_roundtrip=t) for t in rts], few)

    # Confirm the best of everything tried on every record.
    finalists = sorted(tried.values(), key=lambda t: _key(*t))[:top]
    progress(f"{len(tried)} candidates tried on {len(few)} records; the best {len(finalists)} on all {len(records)}")
    ranked = [(c, *_score(records, c)) for c, _ in finalists]
    ranked.sort(key=lambda t: _key(t[0], (t[1], t[2])))
    return ranked


def match_tfrecords(tfrecords: list[str], images: str, name_feature: str = "image_name",
                    image_feature: str = "image", sample: int = 8, top: int = 10, progress=print) -> str:
    """The printed report: a ranked table, then as its last line the convert flags of the best."""
    import tensorflow as tf

    photos = find_photos(images)
    records, unmatched = [], 0
    for name, data in read_records(tfrecords, name_feature, image_feature):
        photo = photos.get(name) or photos.get(Path(name).stem)
        if photo is None:
            unmatched += 1
            continue
        records.append(Record(name, photo, data, bool(tf.io.is_jpeg(data))))
    progress(f"{len(records)} records match a photo in {images} ({unmatched} do not)")
    ranked = match(records, sample=sample, top=top, progress=progress)
    lines = [f"{'rank':>4}  {'mean|d|':>8}  {'max|d|':>6}  convert flags (over {len(records)} records, pixels 0..255)"]
    for i, (pp, mean, mx) in enumerate(ranked, 1):
        flags = pp.flags + (" --jpeg-dct " + pp.jpeg_roundtrip.dct_method
                            if pp.jpeg_roundtrip and pp.jpeg_roundtrip.dct_method == "tensorflow-default" else "")
        lines.append(f"{i:>4}  {mean:8.3f}  {mx:6d}  {flags}")
    best = ranked[0][0]
    if best.jpeg_roundtrip is not None:
        lines.append("(the DCT method is how training decoded the JPEG; records cannot tell it when the rest matches "
                     "exactly: tensorflow-default is tf.io.decode_jpeg's own)")
    lines.append(best.flags)
    return "\n".join(lines)
