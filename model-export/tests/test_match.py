"""match-tfrecords names the pipeline that wrote the records. The records are written here the way TFRecord
writers did, with the libraries themselves (cv2.imread/resize/imencode, PIL open/resize, TensorFlow), from the
real dermoscopy photos."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from melanoma_export.cli import main
from melanoma_export.match import jpeg_header_facts
from melanoma_export.preprocessing import crop_box

PHOTOS = ("ISIC_0000000.jpg", "ISIC_0000004.jpg", "ISIC_0024310.jpg", "ISIC_0024481.jpg", "ISIC_0012221.jpg")
SIZE = 64


def _centre(img, fraction):
    top, left, side = crop_box(img.shape[0], img.shape[1], fraction)
    return img[top:top + side, left:left + side]


def opencv_area_q95(path):
    """cv2.imread -> centre crop 0.6 -> cv2.resize INTER_AREA -> cv2.imencode q95 (the issue's Kaggle writer)."""
    bgr = cv2.imread(str(path))
    small = cv2.resize(_centre(bgr, 0.6), (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    return cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()


def pillow_bicubic_png(path):
    """PIL open -> centre crop 0.8 -> resize BICUBIC -> PNG (no JPEG loss)."""
    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"))
    small = Image.fromarray(_centre(rgb, 0.8)).resize((SIZE, SIZE), Image.BICUBIC)
    buf = io.BytesIO()
    small.save(buf, format="PNG")
    return buf.getvalue()


def tensorflow_crop_05_png(path):
    """tf.io.decode_jpeg -> centre crop 0.5 -> tf.image.resize bilinear antialias -> round -> PNG."""
    rgb = tf.io.decode_jpeg(path.read_bytes(), channels=3, dct_method="INTEGER_ACCURATE").numpy()
    f = tf.image.resize(_centre(rgb, 0.5)[None].astype(np.float32), [SIZE, SIZE], "bilinear", antialias=True)[0]
    return tf.io.encode_png(tf.cast(tf.clip_by_value(tf.round(f), 0, 255), tf.uint8)).numpy()


def pillow_short_side_lanczos_q90(path):
    """PIL: shorter side to SIZE/0.75 (aspect kept), centre SIZE crop, LANCZOS, saved as JPEG q90."""
    with Image.open(path) as im:
        rgb = im.convert("RGB")
        w, h = rgb.size
        short = int(np.floor(SIZE / 0.75 + 0.5))
        size = (int(np.floor(w * short / h + 0.5)), short) if h <= w else (short, int(np.floor(h * short / w + 0.5)))
        big = np.asarray(rgb.resize(size, Image.LANCZOS))
    top, left = (big.shape[0] - SIZE) // 2, (big.shape[1] - SIZE) // 2
    buf = io.BytesIO()
    Image.fromarray(big[top:top + SIZE, left:left + SIZE]).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


WRITERS = {
    "opencv-area-q95": (opencv_area_q95, "--resize opencv:area --crop-fraction 0.6 --jpeg-roundtrip 95"),
    "pillow-bicubic": (pillow_bicubic_png, "--resize pillow:bicubic --crop-fraction 0.8"),
    "tensorflow-crop-0.5": (tensorflow_crop_05_png, "--resize tensorflow:bilinear-antialias --crop-fraction 0.5"),
    "pillow-resize-then-crop-q90": (pillow_short_side_lanczos_q90,
                                    "--resize pillow:lanczos --crop-fraction 0.75 --order resize-then-crop "
                                    "--jpeg-roundtrip 90"),
}


def _write_tfrecord(path, testdata, writer):
    with tf.io.TFRecordWriter(str(path)) as w:
        for name in PHOTOS:
            encoded = writer(testdata / "dermoscopy" / name)
            ex = tf.train.Example(features=tf.train.Features(feature={
                "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[encoded])),
                "image_name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[name[:-4].encode()])),
                "target": tf.train.Feature(int64_list=tf.train.Int64List(value=[0])),
            }))
            w.write(ex.SerializeToString())


@pytest.mark.parametrize("pipeline", list(WRITERS))
def test_match_names_the_pipeline_that_wrote_the_records(pipeline, testdata, tmp_path, capsys):
    writer, flags = WRITERS[pipeline]
    rec = tmp_path / "train00.tfrec"
    _write_tfrecord(rec, testdata, writer)
    rc = main(["match-tfrecords", "--tfrecords", str(rec), "--images", str(testdata / "dermoscopy"), "--sample", "3"])
    out = capsys.readouterr().out.strip().splitlines()
    assert rc == 0
    assert out[-1] == flags, "\n".join(out)
    best = out[1].split()
    assert float(best[1]) < 0.05, "\n".join(out)  # the right pipeline reproduces the records (almost) exactly


def test_jpeg_header_gives_quality_and_subsampling(testdata):
    assert jpeg_header_facts(opencv_area_q95(testdata / "dermoscopy" / PHOTOS[0])) == (95, "4:2:0")
    for q in (75, 90, 94, 100):
        assert jpeg_header_facts(_pillow_jpeg(q)) == (q, "4:2:0")


def _pillow_jpeg(q):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(q).integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(
        buf, format="JPEG", quality=q)
    return buf.getvalue()


def test_records_without_matching_photos_fail_with_one_line(testdata, tmp_path, capsys):
    rec = tmp_path / "x.tfrec"
    with tf.io.TFRecordWriter(str(rec)) as w:
        w.write(tf.train.Example(features=tf.train.Features(feature={
            "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"\xff\xd8\xff"])),
            "image_name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"nobody"]))})).SerializeToString())
    assert main(["match-tfrecords", "--tfrecords", str(rec), "--images", str(testdata / "dermoscopy")]) != 0
    assert "no record's name matches a photo" in capsys.readouterr().err
