"""Each preprocessing choice is the library's own output: the reference equals a direct call of that library
(TensorFlow, OpenCV, Pillow) on the real photos; the spec and the command line carry every choice."""

from __future__ import annotations

import hashlib
import io
import json

import cv2
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image, JpegImagePlugin

from conftest import REPO_ROOT
from melanoma_export.cli import main
from melanoma_export.errors import PreprocessingError
from melanoma_export.preprocessing import (RESIZE_CHOICES, JpegRoundTrip, Preprocessing, choices_from_flags,
                                           crop_box, jpeg_encode, reference_tensor, resized_size)

PHOTOS = ("dermoscopy/ISIC_0000000.jpg", "dermoscopy/ISIC_0024310.jpg", "exif-orientation/Portrait_6.jpg",
          "formats/png-palette.png", "formats/very-wide-1000x1.jpg")
CHOICE_FIXTURES = REPO_ROOT / "src" / "test" / "resources" / "reference" / "choices"


def _oriented(testdata, rel):
    """Decoded and oriented as MODEL_SPEC says, with TensorFlow and Pillow's exif_transpose (not our code)."""
    path = testdata / rel
    data = path.read_bytes()
    if tf.io.is_jpeg(data):
        pixels = tf.io.decode_jpeg(data, channels=3, dct_method="INTEGER_ACCURATE").numpy()
    else:
        pixels = tf.io.decode_image(data, channels=3, expand_animations=False).numpy()
    with Image.open(path) as im:
        orientation = im.getexif().get(0x0112)
    transposes = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
                  5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
                  8: Image.Transpose.ROTATE_90}
    if orientation in transposes:
        pixels = np.asarray(Image.fromarray(pixels).transpose(transposes[orientation]))
    return pixels


def _library_resize(choice, pixels, h, w):
    library, method, antialias = RESIZE_CHOICES[choice]
    if library == "tensorflow":
        f = tf.image.resize(pixels[None].astype(np.float32), [h, w], method, antialias=antialias)[0].numpy()
        return np.clip(np.round(f), 0, 255).astype(np.uint8)  # np.round: half to even, as tf.round
    if library == "opencv":
        flag = {"area": cv2.INTER_AREA, "linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}[method]
        return cv2.resize(np.ascontiguousarray(pixels), (w, h), interpolation=flag).reshape(h, w, 3)
    flag = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS}[method]
    return np.asarray(Image.fromarray(pixels).resize((w, h), flag))


@pytest.mark.parametrize("choice", list(RESIZE_CHOICES))
def test_each_resize_is_the_librarys_own(testdata, choice):
    pp = Preprocessing.with_resize(choice, size=64, center_crop_fraction=0.6)
    for rel in PHOTOS:
        ours, info = reference_tensor(str(testdata / rel), pp)
        pixels = _oriented(testdata, rel)
        top, left, side = crop_box(*pixels.shape[:2], 0.6)
        assert info["crop"] == {"top": top, "left": left, "size": side}
        theirs = _library_resize(choice, pixels[top:top + side, left:left + side], 64, 64)
        np.testing.assert_array_equal(ours, theirs, err_msg=f"{choice} {rel}")


def test_resize_choices_differ_from_each_other(testdata):
    """Else the tests above could not tell the libraries apart."""
    path = str(testdata / "dermoscopy" / "ISIC_0024310.jpg")
    outs = {c: reference_tensor(path, Preprocessing.with_resize(c, size=64, center_crop_fraction=0.6))[0].tobytes()
            for c in RESIZE_CHOICES}
    assert len(set(outs.values())) == len(RESIZE_CHOICES)


def test_resize_then_crop_resizes_the_short_side_then_crops(testdata):
    assert resized_size(767, 1022, 384, 0.5) == (768, 1023)  # 1022 * 768 / 767 = 1023.33
    assert resized_size(600, 450, 96, 1.0) == (128, 96)
    rel = "dermoscopy/ISIC_0000000.jpg"
    pp = Preprocessing.with_resize("opencv:area", size=64, center_crop_fraction=0.5, order="resize-then-crop")
    ours, info = reference_tensor(str(testdata / rel), pp)
    assert info["resized"] == {"height": 128, "width": 171} and info["crop"] == {"top": 32, "left": 53, "size": 64}
    whole = cv2.resize(_oriented(testdata, rel), (171, 128), interpolation=cv2.INTER_AREA)
    np.testing.assert_array_equal(ours, whole[32:96, 53:117])


def _sampling(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as im:
        return JpegImagePlugin.get_sampling(im)  # 0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0


def test_jpeg_round_trip_is_opencv_encode_then_tensorflow_default_decode(testdata):
    base = Preprocessing(64, 0.6)
    rt = JpegRoundTrip(95)
    assert (rt.chroma_subsampling, rt.encoder, rt.dct_method) == ("4:2:0", "opencv", "tensorflow-default")
    for rel in PHOTOS[:3]:
        plain, _ = reference_tensor(str(testdata / rel), base)
        ours, _ = reference_tensor(str(testdata / rel), base.replace(jpeg_roundtrip=rt))
        # What a TFRecord writer did: cv2.imencode of the BGR image at quality 95, OpenCV's default settings.
        ok, enc = cv2.imencode(".jpg", plain[..., ::-1].copy(), [cv2.IMWRITE_JPEG_QUALITY, 95])
        assert ok and _sampling(enc.tobytes()) == 2  # OpenCV's default is 4:2:0
        assert jpeg_encode(plain, rt) == enc.tobytes()
        theirs = tf.io.decode_jpeg(enc.tobytes(), channels=3).numpy()  # training's decode, TF defaults
        np.testing.assert_array_equal(ours, theirs)
        assert np.abs(ours.astype(int) - plain).mean() > 0.1  # the round trip does change the image


def test_tensorflow_default_dct_is_integer_fast_not_accurate(testdata):
    plain, _ = reference_tensor(str(testdata / "dermoscopy" / "ISIC_0000000.jpg"), Preprocessing(64, 0.6))
    enc = jpeg_encode(plain, JpegRoundTrip(95))
    default = tf.io.decode_jpeg(enc, channels=3).numpy()
    np.testing.assert_array_equal(default, tf.io.decode_jpeg(enc, channels=3, dct_method="INTEGER_FAST").numpy())
    accurate = tf.io.decode_jpeg(enc, channels=3, dct_method="INTEGER_ACCURATE").numpy()
    assert not np.array_equal(default, accurate)
    ours = reference_tensor(str(testdata / "dermoscopy" / "ISIC_0000000.jpg"),
                            Preprocessing(64, 0.6, jpeg_roundtrip=JpegRoundTrip(95, dct_method="accurate")))[0]
    np.testing.assert_array_equal(ours, accurate)


@pytest.mark.parametrize("subsampling,code", [("4:2:0", 2), ("4:2:2", 1), ("4:4:4", 0)])
@pytest.mark.parametrize("encoder", ["opencv", "pillow"])
def test_jpeg_encoders_write_the_subsampling_asked_for(testdata, encoder, subsampling, code):
    plain, _ = reference_tensor(str(testdata / "dermoscopy" / "ISIC_0024310.jpg"), Preprocessing(64, 0.6))
    data = jpeg_encode(plain, JpegRoundTrip(94, subsampling, encoder))
    assert _sampling(data) == code
    with Image.open(io.BytesIO(data)) as im:
        assert "progressive" not in im.info  # baseline, as both write by default


def test_pillow_encoder_is_image_save_with_its_defaults(testdata):
    plain, _ = reference_tensor(str(testdata / "dermoscopy" / "ISIC_0024310.jpg"), Preprocessing(64, 0.6))
    buf = io.BytesIO()
    Image.fromarray(plain).save(buf, format="JPEG", quality=95)  # Pillow's default subsampling is 4:2:0
    assert jpeg_encode(plain, JpegRoundTrip(95, encoder="pillow")) == buf.getvalue()


@pytest.mark.parametrize("choice", list(RESIZE_CHOICES))
def test_spec_round_trips_every_choice(choice):
    for order in ("crop-then-resize", "resize-then-crop"):
        for rt in (None, JpegRoundTrip(94, "4:4:4", "pillow", "accurate")):
            pp = Preprocessing.with_resize(choice, size=128, center_crop_fraction=0.6, order=order, jpeg_roundtrip=rt)
            spec = pp.to_spec()
            assert ("antialias" in spec["resize"]) == (RESIZE_CHOICES[choice][0] == "tensorflow")
            assert Preprocessing.from_spec({"height": 128, "preprocessing": json.loads(json.dumps(spec))}) == pp


def test_version_2_spec_means_tensorflow_crop_then_resize_no_round_trip():
    v2 = {"height": 384, "preprocessing": {"centerCropFraction": 0.5, "resize": {"method": "bilinear", "antialias": True},
                                           "quantize": "uint8"}}
    pp = Preprocessing.from_spec(v2)
    assert pp == Preprocessing(384, 0.5)
    assert (pp.resize_choice, pp.order, pp.jpeg_roundtrip) == ("tensorflow:bilinear-antialias", "crop-then-resize", None)


@pytest.mark.parametrize("resize", [{"method": "area", "antialias": True}, {"method": "nearest", "antialias": False},
                                    {"library": "opencv", "method": "lanczos"}, {"library": "skimage", "method": "x"}])
def test_spec_with_a_resize_the_service_cannot_reproduce_is_refused(resize):
    with pytest.raises(PreprocessingError):
        Preprocessing.from_spec({"height": 64, "preprocessing": {"centerCropFraction": 0.5, "resize": resize}})


def test_deprecated_flags_map_onto_tensorflow_or_are_refused():
    assert choices_from_flags(legacy_method="bilinear", defaults=True)["resize_method"] == "bilinear"
    assert choices_from_flags(legacy_antialias=False, defaults=True)["antialias"] is False
    assert choices_from_flags(legacy_method="bicubic", defaults=True)["resize_method"] == "bicubic"
    for method in ("area", "nearest"):
        with pytest.raises(PreprocessingError, match="not reproduced by the service"):
            choices_from_flags(legacy_method=method, defaults=True)
    with pytest.raises(PreprocessingError, match="needs --jpeg-roundtrip"):
        choices_from_flags(jpeg_dct="accurate", defaults=True)


def test_convert_refuses_area_with_one_line(models_dir, capsys):
    rc = main(["convert", str(models_dir / "tiny.keras"), "--out", "/nonexistent/x", "--resize-method", "area"])
    err = capsys.readouterr().err
    assert rc != 0 and "not reproduced by the service" in err and "--resize" in err


def test_convert_flags_land_in_model_json(models_dir, tmp_path):
    out = tmp_path / "choices"
    rc = main(["convert", str(models_dir / "tiny.keras"), "--out", str(out), "--crop-fraction", "0.6",
               "--resize", "opencv:area", "--order", "resize-then-crop", "--jpeg-roundtrip", "94",
               "--jpeg-dct", "accurate", "--jpeg-subsampling", "4:4:4", "--no-runtime-graphs"])
    assert rc == 0
    spec = json.loads((out / "model.json").read_text())
    p = spec["input"]["preprocessing"]
    assert spec["specVersion"] == 4
    assert p["resize"] == {"library": "opencv", "method": "area"}
    assert p["order"] == "resize-then-crop" and p["centerCropFraction"] == 0.6
    assert p["jpegRoundTrip"] == {"quality": 94, "chromaSubsampling": "4:4:4", "encoder": "opencv",
                                  "dctMethod": "accurate"}
    assert spec["export"]["tools"]["opencv"] != "absent"


def test_reference_writes_preprocessing_only_fixtures(testdata, tmp_path):
    images = tmp_path / "images" / "dermoscopy"
    images.mkdir(parents=True)
    (images / "a.jpg").write_bytes((testdata / "dermoscopy" / "ISIC_0000001.jpg").read_bytes())
    out = tmp_path / "fx"
    rc = main(["reference", "--no-probabilities", "--images", str(tmp_path / "images"), "--out", str(out),
               "--size", "48", "--crop-fraction", "0.7", "--resize", "pillow:lanczos", "--jpeg-roundtrip", "90"])
    assert rc == 0
    fx = json.loads((out / "fixtures.json").read_text())
    assert fx["model"] is None and fx["input"]["height"] == 48
    assert fx["preprocessing"]["resize"] == {"library": "pillow", "method": "lanczos"}
    assert fx["preprocessing"]["jpegRoundTrip"]["quality"] == 90
    e = fx["images"][0]
    pp = Preprocessing.from_spec({"height": 48, "preprocessing": fx["preprocessing"]})
    t, _ = reference_tensor(str(images / "a.jpg"), pp)
    np.testing.assert_array_equal(np.asarray(Image.open(out / e["tensor"])), t)
    assert e["probability"] is None and hashlib.sha256(t.tobytes()).hexdigest() == e["tensorSha256"]


def test_reference_size_needs_no_probabilities(tmp_path, capsys):
    demo = REPO_ROOT / "models" / "efficientnetb4-demo" / "1"
    rc = main(["reference", "--model", str(demo), "--out", str(tmp_path / "x"), "--size", "64"])
    assert rc != 0 and "--no-probabilities" in capsys.readouterr().err


@pytest.mark.skipif(not CHOICE_FIXTURES.is_dir(), reason="choice fixtures not generated")
def test_committed_choice_fixtures_reproduce(testdata):
    """For two photos per choice: the committed tensor is what the library gives today (bit for bit)."""
    dirs = sorted(d for d in CHOICE_FIXTURES.iterdir() if (d / "fixtures.json").exists())
    assert len(dirs) >= 13
    for d in dirs:
        fx = json.loads((d / "fixtures.json").read_text())
        pp = Preprocessing.from_spec({"height": fx["input"]["height"], "preprocessing": fx["preprocessing"]})
        for e in [fx["images"][0], next(e for e in fx["images"] if e["file"].startswith("formats/"))]:
            t, info = reference_tensor(str(testdata / e["file"]), pp)
            assert hashlib.sha256(t.tobytes()).hexdigest() == e["tensorSha256"], (d.name, e["file"])
            assert info["crop"] == e["crop"]
