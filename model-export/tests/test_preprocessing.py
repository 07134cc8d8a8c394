"""The reference preprocessing: the facts docs/MODEL_SPEC.md states, checked against decoders and Pillow."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image, ImageOps

from melanoma_export.errors import PreprocessingError
from melanoma_export.preprocessing import (Preprocessing, apply_orientation, crop_box, decode_rgb, oriented_rgb,
                                           read_exif_orientation, reference_tensor)


def test_crop_box_rounds_half_up_and_centres():
    assert crop_box(767, 1022, 0.5) == ((767 - 384) // 2, (1022 - 384) // 2, 384)  # 383.5 -> 384
    assert crop_box(450, 600, 0.5) == (112, 187, 225)
    assert crop_box(1, 1000, 0.5) == (0, 499, 1)  # at least one pixel
    assert crop_box(100, 100, 1.0) == (0, 0, 100)


PIL_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                 4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
                 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}


@pytest.mark.parametrize("orientation", range(2, 9))
def test_orientation_matches_pillow_exif_transpose(orientation):
    rng = np.random.default_rng(orientation)
    pixels = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    ours = apply_orientation(tf.constant(pixels), orientation).numpy()
    theirs = np.asarray(Image.fromarray(pixels).transpose(PIL_TRANSPOSE[orientation]))
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("value", [None, 0, 1, 9, 65535])
def test_orientation_invalid_or_absent_means_as_stored(value):
    pixels = np.arange(5 * 7 * 3, dtype=np.uint8).reshape(5, 7, 3)
    np.testing.assert_array_equal(apply_orientation(tf.constant(pixels), value).numpy(), pixels)


def test_exif_test_set_displays_upright(testdata):
    """Every Landscape_N / Portrait_N shows the same upright picture once oriented."""
    pp = Preprocessing(64, 1.0)
    for kind in ("Landscape", "Portrait"):
        ref, info = reference_tensor(str(testdata / "exif-orientation" / f"{kind}_1.jpg"), pp)
        for n in range(0, 9):
            t, info = reference_tensor(str(testdata / "exif-orientation" / f"{kind}_{n}.jpg"), pp)
            assert info["exifOrientation"] == n
            # Same picture, re-encoded per orientation by its author: close, not identical.
            assert np.abs(t.astype(int) - ref.astype(int)).mean() < 6, (kind, n)
    _, info = reference_tensor(str(testdata / "exif-orientation" / "dermoscopy_orientation_6.jpg"), pp)
    assert (info["storedWidth"], info["storedHeight"], info["orientedWidth"], info["orientedHeight"]) == (450, 600, 600, 450)


def test_cmyk_is_tensorflows_naive_inverted_formula(testdata):
    """R = C*K // 255 on the Adobe (inverted) samples, no ICC - for plain CMYK and YCCK."""
    for name in ("cmyk.jpg", "cmyk-ycck-adobe.jpg"):
        path = testdata / "formats" / name
        ours, _ = decode_rgb(str(path))
        with Image.open(path) as im:
            assert im.mode == "CMYK" and "adobe" in im.info
            raw = 255 - np.asarray(im).astype(np.int64)  # Pillow un-inverts Adobe CMYK; undo that
        c, m, y, k = (raw[..., i] for i in range(4))
        expected = np.stack([c * k // 255, m * k // 255, y * k // 255], -1)
        np.testing.assert_array_equal(ours.numpy(), expected)


def test_sixteen_bit_png_keeps_the_high_byte(tmp_path):
    v = np.arange(65536, dtype=np.uint16).reshape(256, 256, 1)
    rgb = np.concatenate([v, v[::-1], v * 7], -1).astype(np.uint16)
    path = tmp_path / "16.png"
    path.write_bytes(tf.io.encode_png(tf.constant(rgb)).numpy())
    ours, _ = decode_rgb(str(path))
    np.testing.assert_array_equal(ours.numpy(), (rgb >> 8).astype(np.uint8))


def test_alpha_dropped_and_grey_replicated(tmp_path):
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (9, 11, 4), dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    np.testing.assert_array_equal(decode_rgb(str(tmp_path / "a.png"))[0].numpy(), rgba[..., :3])
    grey = rgba[..., 0]
    Image.fromarray(grey, "L").save(tmp_path / "g.png")
    np.testing.assert_array_equal(decode_rgb(str(tmp_path / "g.png"))[0].numpy(), np.stack([grey] * 3, -1))
    la = np.stack([grey, rgba[..., 3]], -1)
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    np.testing.assert_array_equal(decode_rgb(str(tmp_path / "la.png"))[0].numpy(), np.stack([grey] * 3, -1))


def test_pipeline_is_crop_then_antialiased_bilinear_then_round_half_even(tmp_path):
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (100, 140, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "x.png")
    t, info = reference_tensor(str(tmp_path / "x.png"), Preprocessing(32, 0.6))
    top, left, s = crop_box(100, 140, 0.6)
    assert info["crop"] == {"top": top, "left": left, "size": s} == {"top": 20, "left": 40, "size": 60}
    f = tf.image.resize(pixels[None, top:top + s, left:left + s].astype(np.float32), [32, 32], "bilinear",
                        antialias=True)[0].numpy()
    np.testing.assert_array_equal(t, np.clip(np.round(f), 0, 255).astype(np.uint8))  # np.round: half to even
    assert t.dtype == np.uint8 and t.shape == (32, 32, 3)


def test_too_many_pixels_is_refused_before_decoding(testdata):
    with pytest.raises(PreprocessingError, match="exceeds the 50 Mpx limit"):
        decode_rgb(str(testdata / "formats" / "huge-20000x14000-gray.jpg"))


@pytest.mark.parametrize("name", ["heic-hevc.heic", "avif-wide-4096x800.avif", "tiff-lzw.tif",
                                  "jpeg-lossless-sof3.jpg"])
def test_undecodable_formats_are_refused(testdata, name):
    with pytest.raises(PreprocessingError, match="cannot decode"):
        decode_rgb(str(testdata / "formats" / name))


def test_broken_files_fail_cleanly(testdata):
    """Malformed files and bombs end in PreprocessingError (or decode to a small image), never a crash."""
    for path in sorted((testdata / "broken").iterdir()):
        if path.suffix == ".csv":
            continue
        try:
            image, _ = decode_rgb(str(path))
        except PreprocessingError:
            continue
        assert image.shape[0] * image.shape[1] <= 50_000_000, path.name


@pytest.mark.parametrize("suffix, options", [("png", {}), ("webp", {"lossless": True})])
def test_exif_orientation_read_from_png_and_webp(tmp_path, suffix, options):
    """Pillow writes the EXIF (PNG eXIf chunk, WebP EXIF chunk); the reference must turn the photo as Pillow's
    exif_transpose shows it. Orientation 6 on a 7x5 photo: ignoring it leaves the wrong shape and pixels."""
    pixels = np.random.default_rng(6).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / f"orientation-6.{suffix}"
    Image.fromarray(pixels).save(path, exif=exif, **options)  # lossless: the pixels compare exactly

    assert read_exif_orientation(str(path)) == 6
    ours, info = oriented_rgb(str(path))
    with Image.open(path) as im:
        theirs = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    assert theirs.shape == (7, 5, 3)
    np.testing.assert_array_equal(ours.numpy(), theirs)
    assert (info["exifOrientation"], info["orientedWidth"], info["orientedHeight"]) == (6, 5, 7)


def test_exif_orientation_of_the_test_sets_webp(testdata):
    # a camera-made WebP whose EXIF chunk says orientation 1 (absent would read as None)
    assert read_exif_orientation(str(testdata / "formats" / "webp-lossy-exif.webp")) == 1
