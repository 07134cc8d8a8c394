"""Training-time augmentation, as the SIIM-ISIC notebooks did it: a random flip, rotation, shear, zoom and shift
in one affine warp, then mild colour changes. Every random number comes from a stateless seed, so the views of an
epoch are a function of (seed, epoch, photo) only: a resumed run sees what an uninterrupted one would have.

Each function takes one decoded image, float32 H x W x 3 in 0..255, and returns the same shape.
"""

from __future__ import annotations

import math

import tensorflow as tf

# Ranges (uniform unless said otherwise). A lesion has no "up", so any rotation and a mirror are fair; the
# independent zoom of each axis also undoes the aspect ratio that downscaled collections squeezed out.
ROTATION = math.pi  # +- radians
SHEAR = math.radians(10.0)  # +- radians
ZOOM = (0.85, 1.20)  # common scale (log-uniform), > 1 magnifies
ASPECT = 0.15  # +- log of the x/y scale ratio
SHIFT = 0.08  # +- fraction of the side
BRIGHTNESS = 0.08 * 255.0  # +- levels
CONTRAST = (0.85, 1.15)
SATURATION = (0.80, 1.20)


def _uniform(seed, low, high, shape=()):
    return tf.random.stateless_uniform(shape, seed=seed, minval=low, maxval=high, dtype=tf.float32)


def affine_transform(seed, size: int) -> tf.Tensor:
    """The 8 numbers of ImageProjectiveTransformV3: for each output (x, y), where to read the input.

    Output = c + shift + R(angle) Shear diag(zx, zy) (input - c); this is its inverse.
    """
    s = tf.random.experimental.stateless_split(seed, 6)
    angle = _uniform(s[0], -ROTATION, ROTATION)
    shear = _uniform(s[1], -SHEAR, SHEAR)
    zoom = tf.exp(_uniform(s[2], math.log(ZOOM[0]), math.log(ZOOM[1])))
    aspect = tf.exp(_uniform(s[3], -ASPECT, ASPECT))
    shift = _uniform(s[4], -SHIFT, SHIFT, (2,)) * size
    mirror = tf.where(_uniform(s[5], 0.0, 1.0) < 0.5, -1.0, 1.0)
    zx, zy = zoom * tf.sqrt(aspect) * mirror, zoom / tf.sqrt(aspect)
    cos, sin, tan = tf.cos(angle), tf.sin(angle), tf.tan(shear)
    # inverse: diag(1/zx, 1/zy) Shear^-1 R(-angle)
    m00, m01 = (cos - tan * -sin) / zx, (sin - tan * cos) / zx
    m10, m11 = -sin / zy, cos / zy
    c = (size - 1) / 2.0
    ox, oy = c + shift[0], c + shift[1]
    return tf.stack([m00, m01, c - m00 * ox - m01 * oy, m10, m11, c - m10 * ox - m11 * oy, 0.0, 0.0])


def warp(image: tf.Tensor, seed, size: int) -> tf.Tensor:
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=image[tf.newaxis], transforms=affine_transform(seed, size)[tf.newaxis],
        output_shape=tf.constant([size, size]), fill_value=0.0, interpolation="BILINEAR", fill_mode="REFLECT")
    return tf.reshape(out[0], [size, size, 3])


def colour(image: tf.Tensor, seed) -> tf.Tensor:
    s = tf.random.experimental.stateless_split(seed, 3)
    image = image + _uniform(s[0], -BRIGHTNESS, BRIGHTNESS)
    image = tf.image.stateless_random_contrast(image, CONTRAST[0], CONTRAST[1], seed=s[1])
    image = tf.image.stateless_random_saturation(image, SATURATION[0], SATURATION[1], seed=s[2])
    return tf.clip_by_value(image, 0.0, 255.0)


def augment(image: tf.Tensor, seed, size: int) -> tf.Tensor:
    s = tf.random.experimental.stateless_split(seed, 2)
    return colour(warp(image, s[0], size), s[1])
