"""The reference preprocessing: one function that turns an image file into the tensor training fed the model.

Decoding is TensorFlow's (the Kaggle training pipelines decoded with it); each resize choice calls its own
library (``tf.image.resize``, ``cv2.resize``, Pillow's ``Image.resize``) and the optional JPEG round trip
encodes with OpenCV or Pillow and decodes with ``tf.io.decode_jpeg``, as training stored and re-read its
images. Pillow also reads the EXIF Orientation tag and image headers.

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
3. ``order``: ``crop-then-resize`` (default) - centre crop, square side ``s = floor(f * min(H, W) + 0.5)``
   (at least 1), top-left at ``((H - s) // 2, (W - s) // 2)``, then resize to ``size x size``;
   ``resize-then-crop`` - resize the whole image so that its shorter side is ``T = floor(size / f + 0.5)``
   (longer side ``floor(L * T / S + 0.5)``, aspect kept), then centre crop ``size x size``.
4. resize with the chosen library (``RESIZE_CHOICES``). TensorFlow's result is float32, rounded half to
   even (``tf.round``), clipped to 0..255 and cast to uint8 (``quantize="uint8"``); OpenCV and Pillow
   resize uint8 to uint8 themselves.
5. optional JPEG round trip of the model-sized uint8 image (``JpegRoundTrip``): encoded by OpenCV
   (``cv2.imencode``) or Pillow (``Image.save``), both libjpeg-turbo, then decoded by
   ``tf.io.decode_jpeg`` with the DCT method training's decode used.
6. normalisation (``to_model_input``): ``x = (pixel * scale - mean[c]) / std[c]``.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from melanoma_export.errors import PreprocessingError

MAX_PIXELS = 50_000_000  # refuse to decode beyond this (decompression bombs; the service does the same)
EXIF_ORIENTATION_TAG = 0x0112

# Centre-crop fraction training used, by image size (the issue: 50% at 384, 60% at 224).
DEFAULT_CROP_FRACTION = {384: 0.5, 224: 0.6}

# Every resize the service reproduces: name -> (library, method, antialias). antialias only means
# something to TensorFlow; OpenCV and Pillow have one behaviour per method.
RESIZE_CHOICES: dict[str, tuple[str, str, bool | None]] = {
    "tensorflow:bilinear-antialias": ("tensorflow", "bilinear", True),
    "tensorflow:bilinear": ("tensorflow", "bilinear", False),
    "tensorflow:bicubic-antialias": ("tensorflow", "bicubic", True),
    "opencv:area": ("opencv", "area", None),
    "opencv:linear": ("opencv", "linear", None),
    "opencv:cubic": ("opencv", "cubic", None),
    "pillow:bilinear": ("pillow", "bilinear", None),
    "pillow:bicubic": ("pillow", "bicubic", None),
    "pillow:lanczos": ("pillow", "lanczos", None),
}
DEFAULT_RESIZE = "tensorflow:bilinear-antialias"
RESIZE_LIBRARIES = ("tensorflow", "opencv", "pillow")
ORDERS = ("crop-then-resize", "resize-then-crop")
JPEG_ENCODERS = ("opencv", "pillow")
CHROMA_SUBSAMPLINGS = ("4:2:0", "4:2:2", "4:4:4")  # what both encoders can write
# dctMethod -> tf.io.decode_jpeg's dct_method. "" is TensorFlow's default, libjpeg's JDCT_IFAST
# (checked in tests: it equals "INTEGER_FAST" and differs from "INTEGER_ACCURATE").
JPEG_DCT_METHODS = {"tensorflow-default": "", "accurate": "INTEGER_ACCURATE"}


def resize_choice_name(library: str, method: str, antialias: bool | None) -> str | None:
    """The RESIZE_CHOICES name of a (library, method, antialias), None when it is not one of them."""
    for name, triple in RESIZE_CHOICES.items():
        if triple == (library, method, antialias if library == "tensorflow" else None):
            return name
    return None


@dataclass(frozen=True)
class JpegRoundTrip:
    """Training stored the model-sized image as JPEG and decoded it again: the same loss, reproduced."""

    quality: int = 95
    chroma_subsampling: str = "4:2:0"
    encoder: str = "opencv"
    dct_method: str = "tensorflow-default"

    def __post_init__(self):
        if isinstance(self.quality, bool) or not isinstance(self.quality, int) or not 1 <= self.quality <= 100:
            raise PreprocessingError(f"JPEG round-trip quality must be an integer 1..100, got {self.quality!r}")
        if self.chroma_subsampling not in CHROMA_SUBSAMPLINGS:
            raise PreprocessingError(f"JPEG chroma subsampling must be one of {', '.join(CHROMA_SUBSAMPLINGS)}, "
                                     f"got {self.chroma_subsampling!r}")
        if self.encoder not in JPEG_ENCODERS:
            raise PreprocessingError(f"JPEG encoder must be one of {', '.join(JPEG_ENCODERS)}, got {self.encoder!r}")
        if self.dct_method not in JPEG_DCT_METHODS:
            raise PreprocessingError(f"JPEG DCT method must be one of {', '.join(JPEG_DCT_METHODS)}, "
                                     f"got {self.dct_method!r}")

    def to_spec(self) -> dict:
        return {"quality": self.quality, "chromaSubsampling": self.chroma_subsampling, "encoder": self.encoder,
                "dctMethod": self.dct_method}

    @classmethod
    def from_spec(cls, d: dict | None) -> "JpegRoundTrip | None":
        if d is None:
            return None
        if not isinstance(d, dict) or "quality" not in d:
            raise PreprocessingError(f"input.preprocessing.jpegRoundTrip must be null or an object with a quality, "
                                     f"got {d!r}")
        return cls(quality=d["quality"], chroma_subsampling=d.get("chromaSubsampling", "4:2:0"),
                   encoder=d.get("encoder", "opencv"), dct_method=d.get("dctMethod", "tensorflow-default"))

    @property
    def flags(self) -> str:
        """The convert flags that select this round trip (defaults left out)."""
        out = f"--jpeg-roundtrip {self.quality}"
        if self.chroma_subsampling != "4:2:0":
            out += f" --jpeg-subsampling {self.chroma_subsampling}"
        if self.dct_method != "tensorflow-default":
            out += f" --jpeg-dct {self.dct_method}"
        if self.encoder != "opencv":
            out += f" --jpeg-encoder {self.encoder}"
        return out


@dataclass(frozen=True)
class Preprocessing:
    size: int = 384
    center_crop_fraction: float = 0.5
    resize_method: str = "bilinear"
    antialias: bool | None = True
    quantize: str = "uint8"
    resize_library: str = "tensorflow"
    order: str = "crop-then-resize"
    jpeg_roundtrip: JpegRoundTrip | None = None

    def __post_init__(self):
        if not (0.0 < self.center_crop_fraction <= 1.0):
            raise PreprocessingError(f"centre-crop fraction must be in (0, 1], got {self.center_crop_fraction}")
        if self.resize_library not in RESIZE_LIBRARIES:
            raise PreprocessingError(f"resize library must be one of {', '.join(RESIZE_LIBRARIES)}, "
                                     f"got {self.resize_library!r}")
        if self.resize_library != "tensorflow" and self.antialias is not None:
            object.__setattr__(self, "antialias", None)  # only TensorFlow has the switch
        if self.resize_choice is None:
            what = f"{self.resize_library}:{self.resize_method}"
            if self.resize_library == "tensorflow":
                what += f" (antialias {str(self.antialias).lower()})"
            raise PreprocessingError(f"resize {what} is not one the service reproduces; choose one of "
                                     f"{', '.join(RESIZE_CHOICES)}")
        if self.order not in ORDERS:
            raise PreprocessingError(f"order must be one of {', '.join(ORDERS)}, got {self.order!r}")
        if self.quantize not in ("uint8", "none"):
            raise PreprocessingError(f"quantize must be 'uint8' or 'none', got {self.quantize!r}")
        if self.quantize == "none" and (self.resize_library != "tensorflow" or self.jpeg_roundtrip is not None):
            raise PreprocessingError("quantize 'none' exists only for a TensorFlow resize without a JPEG round trip "
                                     "(OpenCV, Pillow and JPEG give 8-bit pixels)")

    @property
    def resize_choice(self) -> str | None:
        return resize_choice_name(self.resize_library, self.resize_method, self.antialias)

    @classmethod
    def with_resize(cls, choice: str, **kwargs) -> "Preprocessing":
        """``Preprocessing.with_resize("opencv:area", size=128, ...)``."""
        if choice not in RESIZE_CHOICES:
            raise PreprocessingError(f"unknown resize {choice!r}; choose one of {', '.join(RESIZE_CHOICES)}")
        library, method, antialias = RESIZE_CHOICES[choice]
        return cls(resize_library=library, resize_method=method, antialias=antialias, **kwargs)

    def replace(self, *, resize: str | None = None, **changes) -> "Preprocessing":
        """A copy with some choices changed (``resize`` by its RESIZE_CHOICES name)."""
        if resize is not None:
            if resize not in RESIZE_CHOICES:
                raise PreprocessingError(f"unknown resize {resize!r}; choose one of {', '.join(RESIZE_CHOICES)}")
            library, method, antialias = RESIZE_CHOICES[resize]
            changes.update(resize_library=library, resize_method=method, antialias=antialias)
        return dataclasses.replace(self, **changes)

    @property
    def flags(self) -> str:
        """The convert flags that select this preprocessing (crop fraction, resize, order, round trip)."""
        out = f"--resize {self.resize_choice} --crop-fraction {self.center_crop_fraction:g}"
        if self.order != "crop-then-resize":
            out += f" --order {self.order}"
        if self.jpeg_roundtrip is not None:
            out += " " + self.jpeg_roundtrip.flags
        return out

    def to_spec(self) -> dict:
        resize = {"library": self.resize_library, "method": self.resize_method}
        if self.resize_library == "tensorflow":
            resize["antialias"] = self.antialias
        spec = {
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
            "order": self.order,
            "resize": resize,
            "quantize": self.quantize,
            "rounding": "half-to-even",
        }
        if self.jpeg_roundtrip is not None:
            spec["jpegRoundTrip"] = self.jpeg_roundtrip.to_spec()
        return spec

    @classmethod
    def from_spec(cls, input_spec: dict) -> "Preprocessing":
        """specVersion 1/2 files have no library, order or round trip: TensorFlow, crop then resize, none."""
        p = input_spec["preprocessing"]
        r = p["resize"]
        library = r.get("library", "tensorflow")
        return cls(size=int(input_spec["height"]), center_crop_fraction=float(p["centerCropFraction"]),
                   resize_method=r["method"],
                   antialias=bool(r["antialias"]) if library == "tensorflow" else None,
                   quantize=p.get("quantize", "uint8"), resize_library=library,
                   order=p.get("order", "crop-then-resize"),
                   jpeg_roundtrip=JpegRoundTrip.from_spec(p.get("jpegRoundTrip")))


def choices_from_flags(*, resize: str | None = None, order: str | None = None, jpeg_quality: int | None = None,
                       jpeg_subsampling: str | None = None, jpeg_dct: str | None = None,
                       jpeg_encoder: str | None = None, no_jpeg: bool = False, legacy_method: str | None = None,
                       legacy_antialias: bool = True, defaults: bool) -> dict:
    """Command-line preprocessing flags -> keyword changes for ``Preprocessing.replace``.

    ``defaults=True`` (convert): every choice gets a value, the v2 pipeline where a flag is absent.
    ``defaults=False`` (reference): only what a flag names, to override the model's spec.
    The deprecated ``--resize-method``/``--no-antialias`` map onto the TensorFlow choices; what the service
    cannot reproduce (area, nearest, bicubic without antialias) is refused here.
    """
    if legacy_method is not None or not legacy_antialias:
        if resize is not None:
            raise PreprocessingError("give --resize alone (--resize-method and --no-antialias are its deprecated form)")
        method = legacy_method or "bilinear"
        resize = resize_choice_name("tensorflow", method, legacy_antialias)
        if resize is None:
            raise PreprocessingError(
                f"--resize-method {method}{'' if legacy_antialias else ' --no-antialias'} is not reproduced by the "
                f"service; choose --resize from {', '.join(RESIZE_CHOICES)}")
    jpeg_details = [f for f, v in (("--jpeg-subsampling", jpeg_subsampling), ("--jpeg-dct", jpeg_dct),
                                   ("--jpeg-encoder", jpeg_encoder)) if v is not None]
    if jpeg_quality is None and jpeg_details:
        raise PreprocessingError(f"{', '.join(jpeg_details)} needs --jpeg-roundtrip QUALITY")
    if no_jpeg and jpeg_quality is not None:
        raise PreprocessingError("--no-jpeg-roundtrip contradicts --jpeg-roundtrip")
    out: dict = {}
    if resize is not None or defaults:
        library, method, antialias = RESIZE_CHOICES[resize or DEFAULT_RESIZE]
        out.update(resize_library=library, resize_method=method, antialias=antialias)
    if order is not None or defaults:
        out["order"] = order or "crop-then-resize"
    if jpeg_quality is not None:
        out["jpeg_roundtrip"] = JpegRoundTrip(jpeg_quality, jpeg_subsampling or "4:2:0", jpeg_encoder or "opencv",
                                              jpeg_dct or "tensorflow-default")
    elif no_jpeg or defaults:
        out["jpeg_roundtrip"] = None
    return out


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


def resized_size(height: int, width: int, size: int, fraction: float) -> tuple[int, int]:
    """resize-then-crop: (height, width) the whole image is resized to, shorter side floor(size / f + 0.5)."""
    short = max(size, int(math.floor(size / fraction + 0.5)))
    if height <= width:
        return short, max(short, int(math.floor(width * short / height + 0.5)))
    return max(short, int(math.floor(height * short / width + 0.5))), short


def resize(pixels, height: int, width: int, pp: Preprocessing) -> np.ndarray:
    """uint8 HxWx3 -> height x width x 3 with the chosen library (uint8; float32 for TensorFlow + quantize none)."""
    if pp.resize_library == "tensorflow":
        import tensorflow as tf

        out = tf.image.resize(tf.convert_to_tensor(pixels)[tf.newaxis], [height, width], method=pp.resize_method,
                              antialias=bool(pp.antialias))[0]
        if pp.quantize == "uint8":
            return tf.cast(tf.clip_by_value(tf.round(out), 0.0, 255.0), tf.uint8).numpy()
        return tf.cast(out, tf.float32).numpy()
    pixels = np.ascontiguousarray(np.asarray(pixels), np.uint8)
    if pp.resize_library == "opencv":
        import cv2

        flag = {"area": cv2.INTER_AREA, "linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}[pp.resize_method]
        out = cv2.resize(pixels, (width, height), interpolation=flag)
        return out.reshape(height, width, -1)  # a 1-pixel-wide result keeps its channel axis
    from PIL import Image

    flag = {"bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC,
            "lanczos": Image.Resampling.LANCZOS}[pp.resize_method]
    return np.asarray(Image.fromarray(pixels, "RGB").resize((width, height), resample=flag))


def jpeg_encode(pixels: np.ndarray, rt: JpegRoundTrip) -> bytes:
    """The model-sized RGB image as the chosen encoder writes it as JPEG (baseline, no optimisation)."""
    pixels = np.ascontiguousarray(pixels, np.uint8)
    if rt.encoder == "opencv":
        import cv2

        factor = {"4:2:0": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420, "4:2:2": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422,
                  "4:4:4": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444}[rt.chroma_subsampling]
        ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(pixels[..., ::-1]),  # OpenCV takes BGR
                               [cv2.IMWRITE_JPEG_QUALITY, rt.quality, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, factor])
        if not ok:
            raise PreprocessingError("OpenCV could not encode the JPEG round trip")
        return buf.tobytes()
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, format="JPEG", quality=rt.quality, subsampling=rt.chroma_subsampling)
    return out.getvalue()


def jpeg_decode(data: bytes, rt: JpegRoundTrip) -> np.ndarray:
    """The stored JPEG as training read it: ``tf.io.decode_jpeg(channels=3)`` with the round trip's DCT method."""
    import tensorflow as tf

    return tf.io.decode_jpeg(data, channels=3, dct_method=JPEG_DCT_METHODS[rt.dct_method]).numpy()


def jpeg_roundtrip(pixels: np.ndarray, rt: JpegRoundTrip) -> np.ndarray:
    return jpeg_decode(jpeg_encode(pixels, rt), rt)


def geometry(image, pp: Preprocessing):
    """Oriented uint8 image -> (size x size x 3 array, crop info): crop and resize in the spec's order."""
    h, w = int(image.shape[0]), int(image.shape[1])
    if pp.order == "crop-then-resize":
        top, left, side = crop_box(h, w, pp.center_crop_fraction)
        out = resize(image[top:top + side, left:left + side, :], pp.size, pp.size, pp)
        return out, {"crop": {"top": top, "left": left, "size": side}}
    rh, rw = resized_size(h, w, pp.size, pp.center_crop_fraction)
    whole = resize(image, rh, rw, pp)
    top, left = (rh - pp.size) // 2, (rw - pp.size) // 2
    out = np.ascontiguousarray(whole[top:top + pp.size, left:left + pp.size, :])
    return out, {"resized": {"height": rh, "width": rw}, "crop": {"top": top, "left": left, "size": pp.size}}


def oriented_rgb(path: str):
    """Steps 1-2: file -> (oriented uint8 RGB tensor, info with stored/oriented size and EXIF orientation)."""
    image, info = decode_rgb(path)
    stored_h, stored_w = int(image.shape[0]), int(image.shape[1])
    orientation = read_exif_orientation(path)
    image = apply_orientation(image, orientation)
    info.update({
        "storedWidth": stored_w, "storedHeight": stored_h,
        "exifOrientation": orientation,
        "orientedWidth": int(image.shape[1]), "orientedHeight": int(image.shape[0]),
    })
    return image, info


def preprocess_oriented(image, pp: Preprocessing):
    """Steps 3-5 on an already decoded and oriented image (lets callers try many choices on one decode)."""
    out, info = geometry(image, pp)
    if pp.jpeg_roundtrip is not None:
        out = jpeg_roundtrip(out, pp.jpeg_roundtrip)
    return out, info


def reference_tensor(path: str, pp: Preprocessing):
    """THE reference preprocessing: image file -> (HxWx3 uint8 numpy array (float32 if quantize='none'), info).

    ``info`` holds what the fixtures record: stored and oriented sizes, EXIF orientation, the crop box
    (and, for resize-then-crop, the size the whole image was resized to).
    """
    image, info = oriented_rgb(path)
    out, geo = preprocess_oriented(image, pp)
    info.update(geo)
    return out, info


def list_images(root: str, subdirs=("dermoscopy", "exif-orientation", "formats")) -> list[Path]:
    """Image files under ``root`` (each of ``subdirs`` when present, else root itself), sorted, no CSV/README."""
    base = Path(root)
    dirs = [base / d for d in subdirs if (base / d).is_dir()] or [base]
    files = []
    for d in dirs:
        files += [p for p in d.rglob("*") if p.is_file() and p.suffix.lower() not in (".csv", ".md", ".txt", ".json")]
    return sorted(files, key=lambda p: p.relative_to(base).as_posix())
