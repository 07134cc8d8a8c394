"""The reference preprocessing: one function that turns an image file into the tensor training fed the model.

Everything that touches pixels is a TensorFlow op (the decoders and ``tf.image.resize`` are what the
Kaggle TFRecord pipeline used); Pillow only reads the EXIF Orientation tag and image headers.

Order (documented field by field in docs/MODEL_SPEC.md):

1. decode to 8-bit RGB
   * JPEG (by content, ``tf.io.is_jpeg``; MPO and Ultra HDR files are JPEGs: their first image):
     ``tf.io.decode_jpeg(channels=3, dct_method="INTEGER_ACCURATE")`` = libjpeg-turbo ISLOW IDCT with
     fancy upsampling. Grey JPEGs come out with R=G=B. CMYK/YCCK JPEGs: TensorFlow's own conversion,
     ``R = C*K // 255`` (integer division) on the samples libjpeg returns when the file has an Adobe
     APP14 marker (Adobe stores CMYK inverted), ``R = (255-C)*(255-K) // 255`` without it; no ICC.
   * anything else: ``tf.io.decode_image(channels=0, expand_animations=False)`` (PNG, GIF first
     frame, BMP, WebP), then 1 channel -> replicated, 2 (grey+alpha) -> grey replicated, 4 -> RGB
     (alpha dropped, no compositing). 16-bit PNG samples: the high byte (``v >> 8``).
     HEIC, AVIF, TIFF and lossless JPEG (SOF3) are not decodable by TensorFlow: rejected.
2. EXIF orientation 2..8 applied (the display transform, as Pillow's ``ImageOps.exif_transpose``);
   0, 1, missing or invalid: as stored. Read from any container Pillow reads EXIF from.
3. centre crop: square side ``s = floor(f * min(H, W) + 0.5)`` (at least 1), top-left at
   ``((H - s) // 2, (W - s) // 2)``.
4. ``tf.image.resize(..., method, antialias)`` to ``size x size`` (float32).
5. ``quantize="uint8"``: ``tf.round`` (half to even), clip to 0..255, uint8 - training stored 8-bit
   JPEGs. (Training's JPEG re-encode of the crop itself is *not* reproduced: it is lossy, and a
   service must not add loss; ``bench/preprocessing_effects.py`` measures what skipping it changes.)
6. normalisation (``to_model_input``): ``x = (pixel * scale - mean[c]) / std[c]``.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from melanoma_export.errors import PreprocessingError

MAX_PIXELS = 50_000_000  # refuse to decode beyond this (decompression bombs; the service does the same)
EXIF_ORIENTATION_TAG = 0x0112
RESIZE_METHODS = ("bilinear", "bicubic", "area", "nearest")

# Centre-crop fraction training used, by image size (the issue: 50% at 384, 60% at 224).
DEFAULT_CROP_FRACTION = {384: 0.5, 224: 0.6}


@dataclass(frozen=True)
class Preprocessing:
    size: int = 384
    center_crop_fraction: float = 0.5
    resize_method: str = "bilinear"
    antialias: bool = True
    quantize: str = "uint8"

    def __post_init__(self):
        if not (0.0 < self.center_crop_fraction <= 1.0):
            raise PreprocessingError(f"centre-crop fraction must be in (0, 1], got {self.center_crop_fraction}")
        if self.resize_method not in RESIZE_METHODS:
            raise PreprocessingError(f"resize method must be one of {RESIZE_METHODS}, got {self.resize_method!r}")
        if self.quantize not in ("uint8", "none"):
            raise PreprocessingError(f"quantize must be 'uint8' or 'none', got {self.quantize!r}")

    def to_spec(self) -> dict:
        return {
            "decoder": "tensorflow",
            "jpegDct": "INTEGER_ACCURATE",
            "exifOrientation": "apply",
            "alpha": "drop",
            "grayscale": "replicate",
            "cmyk": "naive-inverted",
            "sixteenBit": "high-byte",
            "maxPixels": MAX_PIXELS,
            "centerCropFraction": self.center_crop_fraction,
            "centerCropRounding": "floor(f*min(H,W)+0.5)",
            "resize": {"method": self.resize_method, "antialias": self.antialias},
            "quantize": self.quantize,
            "rounding": "half-to-even",
        }

    @classmethod
    def from_spec(cls, input_spec: dict) -> "Preprocessing":
        p = input_spec["preprocessing"]
        return cls(size=int(input_spec["height"]), center_crop_fraction=float(p["centerCropFraction"]),
                   resize_method=p["resize"]["method"], antialias=bool(p["resize"]["antialias"]),
                   quantize=p.get("quantize", "uint8"))


@dataclass(frozen=True)
class Normalization:
    scale: float = 1.0
    mean: tuple = (0.0, 0.0, 0.0)
    std: tuple = (1.0, 1.0, 1.0)

    def to_spec(self) -> dict:
        return {"scale": self.scale, "mean": list(self.mean), "std": list(self.std)}

    @classmethod
    def from_spec(cls, d: dict) -> "Normalization":
        return cls(float(d["scale"]), tuple(float(v) for v in d["mean"]), tuple(float(v) for v in d["std"]))

    @property
    def identity(self) -> bool:
        return self.scale == 1.0 and all(m == 0.0 for m in self.mean) and all(s == 1.0 for s in self.std)


def to_model_input(pixels: np.ndarray, norm: Normalization) -> np.ndarray:
    """uint8/float pixels (…, H, W, 3) -> float32 model input, ``(p * scale - mean) / std`` in float32."""
    x = np.asarray(pixels, dtype=np.float32)
    if norm.identity:
        return x
    scale = np.float32(norm.scale)
    mean = np.asarray(norm.mean, np.float32)
    std = np.asarray(norm.std, np.float32)
    return ((x * scale - mean) / std).astype(np.float32)


# --------------------------------------------------------------------------------------------------


def read_exif_orientation(path: str) -> int | None:
    """The raw EXIF Orientation value, or None when absent/unreadable. Pillow reads headers only here."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                value = im.getexif().get(EXIF_ORIENTATION_TAG)
    except Exception:
        return None
    if isinstance(value, (tuple, list)) and value:
        value = value[0]
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def stored_size(path: str, data: bytes) -> tuple[int, int] | None:
    """(height, width) from the header, without decoding pixels; None when unknown."""
    import tensorflow as tf

    if bool(tf.io.is_jpeg(data)):
        try:
            h, w, _ = (int(v) for v in tf.io.extract_jpeg_shape(data).numpy())
            return h, w
        except Exception:
            return None
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                w, h = im.size
                return h, w
    except Image.DecompressionBombError:
        return (1 << 20, 1 << 20)
    except Exception:
        return None


def apply_orientation(image, orientation: int | None):
    """EXIF orientation as the display transform (ImageOps.exif_transpose), TensorFlow ops only."""
    import tensorflow as tf

    if orientation == 2:
        return tf.image.flip_left_right(image)
    if orientation == 3:
        return tf.image.rot90(image, k=2)
    if orientation == 4:
        return tf.image.flip_up_down(image)
    if orientation == 5:
        return tf.image.transpose(image)
    if orientation == 6:
        return tf.image.rot90(image, k=3)  # 90 degrees clockwise
    if orientation == 7:
        return tf.image.rot90(tf.image.transpose(image), k=2)
    if orientation == 8:
        return tf.image.rot90(image, k=1)  # 90 degrees counter-clockwise
    return image  # 0, 1, None, invalid: as stored


def decode_rgb(path: str):
    """Step 1: file -> (uint8 RGB tensor HxWx3 as stored, info). Raises PreprocessingError."""
    import tensorflow as tf

    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise PreprocessingError(f"cannot read {path}: {e.strerror}") from None
    if not data:
        raise PreprocessingError(f"{Path(path).name}: empty file")
    hw = stored_size(path, data)
    if hw is not None and hw[0] * hw[1] > MAX_PIXELS:
        raise PreprocessingError(f"{Path(path).name}: {hw[1]}x{hw[0]} exceeds the {MAX_PIXELS // 1_000_000} Mpx limit")
    is_jpeg = bool(tf.io.is_jpeg(data))
    try:
        if is_jpeg:
            image = tf.io.decode_jpeg(data, channels=3, dct_method="INTEGER_ACCURATE")
        else:
            image = tf.io.decode_image(data, channels=0, expand_animations=False)
            c = int(image.shape[-1])
            if image.dtype != tf.uint8:
                raise PreprocessingError(f"{Path(path).name}: decoded to {image.dtype.name}, expected uint8")
            if c == 1:
                image = tf.image.grayscale_to_rgb(image)
            elif c == 2:
                image = tf.image.grayscale_to_rgb(image[..., :1])
            elif c == 4:
                image = image[..., :3]
            elif c != 3:
                raise PreprocessingError(f"{Path(path).name}: {c} channels")
    except tf.errors.OpError as e:
        msg = (e.message or "").strip().splitlines()
        msg = msg[-1] if msg else type(e).__name__
        msg = re.sub(r"\{\{[^}]*\}\}\s*", "", msg.split("[Op:")[0]).strip()
        raise PreprocessingError(f"{Path(path).name}: TensorFlow cannot decode it ({msg})") from None
    return image, {"decoder": "decode_jpeg" if is_jpeg else "decode_image"}


def crop_box(height: int, width: int, fraction: float) -> tuple[int, int, int]:
    """(top, left, side) of the centred square crop."""
    side = int(math.floor(fraction * min(height, width) + 0.5))
    side = max(1, min(side, min(height, width)))
    return (height - side) // 2, (width - side) // 2, side


def reference_tensor(path: str, pp: Preprocessing):
    """THE reference preprocessing: image file -> (HxWx3 uint8 numpy array (float32 if quantize='none'), info).

    ``info`` holds what the fixtures record: stored and oriented sizes, EXIF orientation, the crop box.
    """
    import tensorflow as tf

    image, info = decode_rgb(path)
    stored_h, stored_w = int(image.shape[0]), int(image.shape[1])
    orientation = read_exif_orientation(path)
    image = apply_orientation(image, orientation)
    h, w = int(image.shape[0]), int(image.shape[1])
    top, left, side = crop_box(h, w, pp.center_crop_fraction)
    crop = image[top:top + side, left:left + side, :]
    resized = tf.image.resize(crop[tf.newaxis], [pp.size, pp.size], method=pp.resize_method,
                              antialias=pp.antialias)[0]
    if pp.quantize == "uint8":
        out = tf.cast(tf.clip_by_value(tf.round(resized), 0.0, 255.0), tf.uint8).numpy()
    else:
        out = tf.cast(resized, tf.float32).numpy()
    info.update({
        "storedWidth": stored_w, "storedHeight": stored_h,
        "exifOrientation": orientation,
        "orientedWidth": w, "orientedHeight": h,
        "crop": {"top": top, "left": left, "size": side},
    })
    return out, info


def jpeg_roundtrip(pixels: np.ndarray, quality: int = 95) -> np.ndarray:
    """What training additionally did: store the crop as JPEG (here with TF's encoder) and decode it again."""
    import tensorflow as tf

    enc = tf.io.encode_jpeg(tf.constant(pixels, tf.uint8), quality=quality)
    return tf.io.decode_jpeg(enc, channels=3, dct_method="INTEGER_ACCURATE").numpy()


def list_images(root: str, subdirs=("dermoscopy", "exif-orientation", "formats")) -> list[Path]:
    """Image files under ``root`` (each of ``subdirs`` when present, else root itself), sorted, no CSV/README."""
    base = Path(root)
    dirs = [base / d for d in subdirs if (base / d).is_dir()] or [base]
    files = []
    for d in dirs:
        files += [p for p in d.rglob("*") if p.is_file() and p.suffix.lower() not in (".csv", ".md", ".txt", ".json")]
    return sorted(files, key=lambda p: p.relative_to(base).as_posix())
