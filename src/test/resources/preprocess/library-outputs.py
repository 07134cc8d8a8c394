"""Prints library-outputs.txt: small images and what OpenCV (its own code, IPP off), Pillow and cv2.imencode +
tf.io.decode_jpeg make of them, for OpenCvResizeTest, PillowResizeTest and JpegRoundTripTest.

    python library-outputs.py > library-outputs.txt
    (opencv-python-headless 4.14.0.94, pillow 12.3.0, tensorflow 2.21.0)
"""
import cv2
import numpy as np
import tensorflow as tf
from PIL import Image


def csv(a):
    return ",".join(str(int(v)) for v in a.reshape(-1))


images = {
    "9x7": np.random.default_rng(3).integers(0, 256, (7, 9, 3)).astype(np.uint8),
    "12x6": np.random.default_rng(5).integers(0, 256, (6, 12, 3)).astype(np.uint8),
}
# smooth enough for a JPEG to keep some AC terms; 20 x 13 pads both axes to whole blocks
jpeg_input = cv2.GaussianBlur(np.random.default_rng(7).integers(0, 256, (13, 20, 3)).astype(np.uint8), (3, 3), 0)
print("# Small images and what OpenCV (IPP off), Pillow and cv2.imencode + tf.io.decode_jpeg made of them;")
print("# printed by library-outputs.py beside this file.")
for tag, img in images.items():
    print(f"input {tag} {csv(img)}")
print(f"input 20x13 {csv(jpeg_input)}")
cv2.ipp.setUseIPP(False)
for name, flag in [("area", cv2.INTER_AREA), ("linear", cv2.INTER_LINEAR), ("cubic", cv2.INTER_CUBIC)]:
    for tag, img in images.items():
        for w, h in [(4, 3), (6, 3), (4, 2), (12, 5), (3, 3)]:
            print(f"resize opencv {name} {tag} {w}x{h} {csv(cv2.resize(img, (w, h), interpolation=flag))}")
for name, flag in [("bilinear", Image.BILINEAR), ("bicubic", Image.BICUBIC), ("lanczos", Image.LANCZOS)]:
    for tag, img in images.items():
        for w, h in [(4, 3), (9, 3), (12, 5), (3, 3)]:
            print(f"resize pillow {name} {tag} {w}x{h} {csv(np.asarray(Image.fromarray(img).resize((w, h), flag)))}")
for q in (95, 50):
    for sub, factor in [("4:2:0", cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420), ("4:2:2", cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422),
                        ("4:4:4", cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444)]:
        ok, data = cv2.imencode(".jpg", jpeg_input[:, :, ::-1],
                                [cv2.IMWRITE_JPEG_QUALITY, q, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, factor])
        for dct, tf_name in [("tensorflow-default", ""), ("accurate", "INTEGER_ACCURATE")]:
            out = tf.io.decode_jpeg(data.tobytes(), channels=3, dct_method=tf_name).numpy()
            print(f"jpeg {q} {sub} {dct} {csv(out)}")
