"""The deterministic, untrained demo model: EfficientNetB4 at 384 px from a fixed seed.

Why it looks like this:

* Its outputs mean nothing (``trained: false``); it exists so that the service runs end to end on a
  real-sized graph with the real preprocessing, without shipping anyone's trained weights.
* Committed in compact form: EfficientNetB4 has ~17.7 M parameters (71 MB as float32). Every large
  kernel (>= 4096 elements) is generated directly on an int8 grid with a power-of-two scale per output
  channel, ``s = 2**ceil(log2(max|w_c| / 127))``, ``w = q * s`` with integer ``q`` in [-127, 127] (exact
  in float32). The ``compact-int8-storage`` rewrite then stores those tensors as int8 + Cast + Mul,
  which onnxruntime folds back at session creation: same numbers bit for bit, a quarter of the bytes.
* Outputs vary from image to image: random-init BatchNorm statistics (mean 0, var 1) let activations
  explode or vanish through 32 blocks and every output ends up ~0.5. Instead the statistics are set from
  data: Dropout rates 0, BatchNorm momentum 0, one ``training=True`` forward pass over a deterministic
  batch of synthetic images (smooth colour blobs, not test photos, plus flat and saturated extremes), so
  each moving mean/variance is that batch's statistics; each variance is floored at half the layer's median
  so that no channel amplifies out-of-distribution inputs (flat images once reached logits of 9000); they are then rounded to float16 precision so that the last-bit noise of a
  forward pass cannot change the stored weights. The Dense head is scaled so that its logits over the
  synthetic batch have median 0 and a robust standard deviation (1.4826 MAD) of 1.75.
* Regeneration is deterministic: ``weights_digest`` of the Keras weights is recorded in the spec and
  checked when the reference fixtures regenerate the source model.
"""

from __future__ import annotations

import numpy as np

from melanoma_export import backend
from melanoma_export.sources import build_classifier, leaf_layers

DEFAULT_SEED = 20240607
LOGIT_STD = 1.75
CALIBRATION_IMAGES = 16
PARITY_IMAGES = 8
VARIANCE_FLOOR = 0.5
GRID_MIN_ELEMENTS = 4096
RESIDUAL_GAMMA = 0.25

DESCRIPTION = ("Untrained EfficientNetB4 (random weights from a fixed seed, BatchNorm statistics from synthetic "
               "images) for testing the service. Its outputs mean nothing.")


def synthetic_images(n: int, size: int, seed: int) -> np.ndarray:
    """Smooth random colour blobs on a skin-like background, 0..255 float32 (n, size, size, 3)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    out = np.empty((n, size, size, 3), np.float32)
    for i in range(n):
        bg = rng.uniform([150, 90, 70], [240, 190, 170])
        img = np.ones((size, size, 3), np.float32) * bg.astype(np.float32)
        img += (rng.uniform(-40, 40, 3) * (xx[..., None] - 0.5)).astype(np.float32)
        for _ in range(int(rng.integers(2, 7))):
            cy, cx = rng.uniform(0.15, 0.85, 2)
            sy, sx = rng.uniform(0.03, 0.25, 2)
            colour = rng.uniform([20, 10, 5], [200, 140, 120]) - bg
            blob = np.exp(-(((yy - cy) / sy) ** 2 + ((xx - cx) / sx) ** 2) / 2)
            img += blob[..., None] * colour.astype(np.float32)
        # Texture at several scales (photos have hair, pores, film grain; smooth blobs alone leave
        # BatchNorm channels that see almost no variance, which real photos then blow up).
        for cell in (2, 6, 24, 96):
            n_cells = size // cell + 1
            field = rng.normal(0, 1, (n_cells, n_cells, 3)).astype(np.float32)
            field = np.kron(field, np.ones((cell, cell, 1), np.float32))[:size, :size]
            img += field * float(rng.uniform(2, 18))
        # Hard edges: rectangles, discs and stripes of flat colour (graphics, rulers, text overlays).
        for _ in range(int(rng.integers(1, 5))):
            colour = rng.uniform(0, 255, 3).astype(np.float32)
            kind = int(rng.integers(0, 3))
            if kind == 0:
                y0, x0 = rng.uniform(0, 0.8, 2)
                y1, x1 = y0 + rng.uniform(0.05, 0.4), x0 + rng.uniform(0.05, 0.4)
                mask = (yy >= y0) & (yy < y1) & (xx >= x0) & (xx < x1)
            elif kind == 1:
                cy, cx, r = *rng.uniform(0.1, 0.9, 2), rng.uniform(0.02, 0.2)
                mask = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
            else:
                period = rng.uniform(0.01, 0.1)
                mask = ((xx * np.cos(rng.uniform(0, 3.14)) + yy) % period) < period / 2
            img[mask] = colour
        if i % 4 == 3:  # some nearly flat images (uniform backgrounds, tiny upscaled inputs)
            img = img * 0.1 + float(rng.uniform(0, 255)) * 0.9
        out[i] = np.clip(img, 0, 255)
    return np.round(out)


def extreme_images(size: int) -> np.ndarray:
    """Flat and saturated images (black, white, pure colours, a flag, a grid): inputs far from photos.

    Without them in the BatchNorm calibration batch, a few channels that never varied on the smooth synthetic
    images amplify such inputs through 32 blocks (feature norms 1000x the usual, logits in the thousands), and
    float rounding alone then flips TensorFlow's and onnxruntime's answers between 0 and 1.
    """
    out = [np.full((size, size, 3), v, np.float32) for v in (0, 255)]
    for colour in ([255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]):
        out.append(np.ones((size, size, 3), np.float32) * np.array(colour, np.float32))
    flag = np.zeros((size, size, 3), np.float32)
    flag[: size // 3] = [174, 28, 40]
    flag[size // 3: 2 * size // 3] = 255
    flag[2 * size // 3:] = [33, 70, 139]
    grid = np.zeros((size, size, 3), np.float32)
    grid[::16] = 255
    grid[:, ::16] = 255
    return np.stack(out + [flag, grid])


def on_int8_grid(w: np.ndarray, axis: int) -> np.ndarray:
    """Snap ``w`` to q * 2**e per slice along ``axis`` (q integer in [-127, 127]); exact in float32."""
    moved = np.moveaxis(w, axis, 0)
    flat = moved.reshape(moved.shape[0], -1).astype(np.float64)
    m = np.abs(flat).max(axis=1)
    e = np.where(m > 0, np.ceil(np.log2(np.maximum(m, 1e-30) / 127.0)), 0.0)
    s = np.exp2(e)
    q = np.clip(np.round(flat / s[:, None]), -127, 127)
    snapped = (q * s[:, None]).astype(np.float32).reshape(moved.shape)
    return np.ascontiguousarray(np.moveaxis(snapped, 0, axis))


def _round_f16(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, np.float32).astype(np.float16).astype(np.float32)


def _truncated_normal(rng, shape, std):
    return (np.clip(rng.standard_normal(shape), -2.0, 2.0) * std).astype(np.float32)


def demo_model(seed: int = DEFAULT_SEED, arch: str = "efficientnetb4", size: int = 384, progress=print):
    """Build the demo Keras model (torch backend) with its generated, calibrated weights."""
    backend.use("torch")
    import keras
    import torch

    keras.utils.set_random_seed(seed)
    model = build_classifier(arch, size, name=f"{arch}_demo")
    rng = np.random.default_rng(seed)
    progress(f"generating {arch} weights from seed {seed} (int8-grid kernels)")
    for layer in leaf_layers(model):
        kind = type(layer).__name__
        values = []
        for w in layer.weights:
            shape = tuple(w.shape)
            leaf = w.path.split("/")[-1]
            if kind in ("Conv2D", "DepthwiseConv2D") and leaf == "kernel":
                kh, kw, cin, cout = shape
                fan_out = kh * kw * cout  # VarianceScaling(2.0, "fan_out") as keras.applications EfficientNet
                v = _truncated_normal(rng, shape, np.sqrt(2.0 / fan_out) / 0.8796)
                if v.size >= GRID_MIN_ELEMENTS:
                    v = on_int8_grid(v, 2 if kind == "DepthwiseConv2D" else 3)
            elif kind == "Dense" and leaf == "kernel":
                v = _truncated_normal(rng, shape, np.sqrt(1.0 / shape[0]))
            elif leaf == "gamma" and _is_residual_branch_end(layer.name):
                # Residual branches start small ("zero-init residual", Goyal et al. 2017): a random
                # 32-block network with full-strength branches is chaotic, so last-bit differences between
                # TensorFlow and onnxruntime grow into visible probability differences, and flat or
                # saturated images blow activations up; scaled branches keep it close to a shallow network.
                v = np.full(shape, RESIDUAL_GAMMA, np.float32)
            elif leaf in ("gamma", "moving_variance", "variance"):
                v = np.ones(shape, np.float32)
            else:  # bias, beta, moving_mean, normalization mean/count
                v = np.zeros(shape, np.asarray(w.numpy()).dtype)
            values.append(v)
        layer.set_weights(values)

    # BatchNorm statistics from one training-mode pass over synthetic images.
    bns = [layer for layer in leaf_layers(model) if isinstance(layer, keras.layers.BatchNormalization)]
    dropouts = [layer for layer in _all_layers(model) if isinstance(layer, keras.layers.Dropout)]
    saved = [(b, b.momentum) for b in bns] + [(d, d.rate) for d in dropouts]
    for b in bns:
        b.momentum = 0.0
    for d in dropouts:
        d.rate = 0.0
    images = np.concatenate([synthetic_images(CALIBRATION_IMAGES, size, seed + 1), extreme_images(size)])
    progress(f"setting BatchNorm statistics from a training-mode pass over {len(images)} synthetic images")
    with torch.no_grad():
        model(images, training=True)
    for obj, value in saved:
        if isinstance(obj, keras.layers.BatchNormalization):
            obj.momentum = value
        else:
            obj.rate = value
    for b in bns:
        gamma, beta, mean, var = (np.asarray(w.numpy()) for w in b.weights)
        # A channel that barely varied on the synthetic batch would be scaled by up to 1/sqrt(eps);
        # floor the variance at a fraction of the layer's median so that no channel amplifies wildly.
        var = np.maximum(var, VARIANCE_FLOOR * float(np.median(var)))
        b.set_weights([gamma, beta, _round_f16(mean), _round_f16(var)])

    # Head: logits over the photo-like synthetic images (not the extremes) with mean 0 and std LOGIT_STD.
    dense = model.get_layer("dense")
    features = keras.Model(model.inputs, dense.input)
    with torch.no_grad():
        f = np.asarray(keras.ops.convert_to_numpy(features(images[:CALIBRATION_IMAGES], training=False)),
                       np.float64)
    k = np.asarray(dense.weights[0].numpy(), np.float64)
    z = f @ k[:, 0]
    # Robust scale (median absolute deviation): a few synthetic images with extreme features must not
    # set the scale for all the others.
    spread = 1.4826 * float(np.median(np.abs(z - np.median(z))))
    a = LOGIT_STD / max(spread, 1e-12)
    kernel = _round_f16(k * a)
    bias = _round_f16(np.array([-float(np.median(f @ kernel.astype(np.float64)[:, 0]))]))
    dense.set_weights([kernel, bias])
    return model


def _is_residual_branch_end(name: str) -> bool:
    """keras.applications EfficientNet: ``block{stage}{letter}_project_bn``; blocks after the first of each
    stage ('b', 'c', ...) keep their input's shape and add it back after this BatchNorm."""
    import re
    m = re.fullmatch(r"block\d+([a-z])_project_bn", name)
    return bool(m) and m.group(1) != "a"


def _all_layers(model):
    out = []
    for layer in model.layers:
        out.append(layer)
        if hasattr(layer, "layers"):
            out.extend(_all_layers(layer))
    return out
