"""Shared fixtures: small models (32 px) of each input kind, built once per session.

The test process runs Keras on torch (as the exporter does); TensorFlow runs in the exporter's worker
subprocess. Tests that read the real test images skip when testdata/ is absent (TESTDATA_DIR overrides it).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

PKG_ROOT = Path(__file__).resolve().parents[1]
REPO_ROOT = PKG_ROOT.parent
sys.path.insert(0, str(PKG_ROOT))

from melanoma_export import backend  # noqa: E402

backend.use("torch")

SIZE = 32


def testdata_root() -> Path:
    return Path(os.environ.get("TESTDATA_DIR", REPO_ROOT / "testdata"))


@pytest.fixture(scope="session")
def testdata() -> Path:
    root = testdata_root()
    if not (root / "dermoscopy").is_dir():
        pytest.skip(f"test images not found at {root} (set TESTDATA_DIR)")
    return root


def tiny_model(seed: int = 0):
    """A small CNN with the parts that matter for export: Rescaling, Normalization, padding, stride-2 conv,
    BatchNorm, swish, depthwise conv, squeeze-and-excitation, GAP, Dense(1, sigmoid). Random but
    non-trivial weights and BatchNorm statistics, so that outputs vary from input to input."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inp = keras.Input((SIZE, SIZE, 3), name="image")
    x = layers.Rescaling(1.0 / 255.0)(inp)
    x = layers.Normalization(axis=-1, mean=[0.485, 0.456, 0.406], variance=[0.052, 0.05, 0.051])(x)
    x = layers.ZeroPadding2D(((0, 1), (0, 1)))(x)
    x = layers.Conv2D(16, 3, strides=2, padding="valid", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("swish")(x)
    x = layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("swish")(x)
    se = layers.GlobalAveragePooling2D()(x)
    se = layers.Reshape((1, 1, 16))(se)
    se = layers.Conv2D(4, 1, activation="swish")(se)
    se = layers.Conv2D(16, 1, activation="sigmoid")(se)
    x = layers.multiply([x, se])
    x = layers.Conv2D(24, 1, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.GlobalAveragePooling2D()(x)
    out = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inp, out, name="tiny")
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            g, b, m, v = (np.asarray(w.numpy()) for w in layer.weights)
            layer.set_weights([rng.uniform(0.5, 1.5, g.shape).astype("f"), rng.normal(0, 0.2, b.shape).astype("f"),
                               rng.normal(0, 0.5, m.shape).astype("f"), rng.uniform(0.5, 2.0, v.shape).astype("f")])
    # Head: logits with median 0 and spread ~0.3 over inputs of varied brightness and colour.
    dense = model.layers[-1]
    feats = keras.Model(model.inputs, dense.input)
    x = np.stack([rng.uniform(0, 255 * (i + 1) / 16, (SIZE, SIZE, 3)) * rng.uniform(0.2, 1.0, 3)
                  for i in range(16)]).astype(np.float32)
    f = np.asarray(keras.ops.convert_to_numpy(feats(x, training=False)), np.float64)
    k = rng.normal(0, 1, (f.shape[1], 1))
    z = f @ k[:, 0]
    k *= 0.3 / max(float(z.std()), 1e-9)
    dense.set_weights([k.astype("f"), np.array([-float(np.median(f @ k[:, 0]))], "f")])
    return model


def tiny_metadata_model(size: int = SIZE, seed: int = 0, metadata_length: int = 9, metadata_first: bool = False):
    """A two-input model as the ISIC 2020 metadata members were built: a small CNN image branch (Rescaling,
    stride-2 convolutions, BatchNorm, swish, GAP) and a Dense metadata branch, concatenated, then Dense(1,
    sigmoid). The head is scaled so that the metadata moves the logit by about 1.5 (each field visibly) and the
    image by about 0.5. ``metadata_first`` lists the metadata input first, as some notebooks did."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    image = keras.Input((size, size, 3), name="image")
    meta = keras.Input((metadata_length,), name="metadata")
    x = layers.Rescaling(1.0 / 255.0)(image)
    x = layers.ZeroPadding2D(((0, 1), (0, 1)))(x)
    x = layers.Conv2D(8, 3, strides=2, padding="valid", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("swish")(x)
    x = layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("swish")(x)
    x = layers.GlobalAveragePooling2D()(x)
    m = layers.Dense(8, activation="swish", name="metadata_dense")(meta)
    out = layers.Dense(1, activation="sigmoid", name="head")(layers.Concatenate()([x, m]))
    model = keras.Model([meta, image] if metadata_first else [image, meta], out, name="tiny_metadata")
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            g, b, mu, v = (np.asarray(w.numpy()) for w in layer.weights)
            layer.set_weights([rng.uniform(0.5, 1.5, g.shape).astype("f"), rng.normal(0, 0.2, b.shape).astype("f"),
                               rng.normal(0, 0.5, mu.shape).astype("f"), rng.uniform(0.5, 2.0, v.shape).astype("f")])
    dense = model.get_layer("metadata_dense")
    dense.set_weights([rng.normal(0, 1.5, (metadata_length, 8)).astype("f"), rng.normal(0, 0.3, 8).astype("f")])
    head = model.get_layer("head")
    # Scale each half of the head on what it reads: images of varied brightness and colour, metadata rows of
    # every field value.
    feats = keras.Model(model.inputs, head.input)
    imgs = np.stack([rng.uniform(0, 255 * (i + 1) / 16, (size, size, 3)) * rng.uniform(0.2, 1.0, 3)
                     for i in range(16)]).astype(np.float32)
    rows = rng.choice([-1.0, 0.0, 1.0], (16, metadata_length)).astype(np.float32)
    rows[:, 1] = rng.uniform(0, 1.3, 16)
    f = np.asarray(keras.ops.convert_to_numpy(
        feats([rows, imgs] if metadata_first else [imgs, rows], training=False)), np.float64)
    k = rng.normal(0, 1, (f.shape[1], 1))
    for part, spread in ((slice(0, 16), 0.5), (slice(16, None), 1.5)):
        z = f[:, part] @ k[part, 0]
        k[part] *= spread / max(float(z.std()), 1e-9)
    head.set_weights([k.astype("f"), np.array([-float(np.median(f @ k[:, 0]))], "f")])
    return model


def save_legacy_weights(model, path: str) -> None:
    """Write a Keras-2 style weights-only HDF5 (what ModelCheckpoint(save_weights_only=True) wrote)."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sources")
    m = tiny_model()
    m.save(d / "tiny.keras")
    m.save(d / "tiny.h5")  # legacy full-model HDF5
    return d


@pytest.fixture(scope="session")
def b0_weights(tmp_path_factory) -> Path:
    """Weights-only legacy HDF5 of an EfficientNetB0 classifier (calibrated like the demo, 32 px)."""
    from melanoma_export.demo import demo_model

    d = tmp_path_factory.mktemp("b0")
    model = demo_model(seed=7, arch="efficientnetb0", size=SIZE, progress=lambda *_: None)
    path = d / "fold-0.h5"
    save_legacy_weights(model, str(path))
    return path


@pytest.fixture(scope="session")
def tiny_export(models_dir, tmp_path_factory) -> Path:
    """The tiny .keras model converted once (threshold 0.3), shared by the spec and parity tests."""
    from melanoma_export.cli import main

    out = tmp_path_factory.mktemp("export") / "tiny" / "1"
    rc = main(["convert", str(models_dir / "tiny.keras"), "--out", str(out), "--crop-fraction", "0.5",
               "--threshold", "0.3", "--name", "tiny"])
    assert rc == 0
    return out


def tiny_cnn(size: int, seed: int = 0, rescale: bool = True, head_pixels: np.ndarray | None = None,
             spread: float = 1.0, name: str = "tiny_cnn"):
    """An ensemble member: Conv+BN+ReLU x3 (two stride-2), GlobalAveragePooling2D, Dense(1, sigmoid), so that
    convert adds the class activation map. ``rescale``: a Rescaling(1/255) first (the model takes 0..255); without
    it the model expects an input normalised outside (convert --input-scale/--input-mean/--input-std).
    The Dense head is set so that the logits over ``head_pixels`` (N,size,size,3 model inputs; default: images of
    varied brightness and colour) have median 0 and standard deviation ``spread``: outputs differ photo to photo."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inp = keras.Input((size, size, 3), name="image")
    x = layers.Rescaling(1.0 / 255.0)(inp) if rescale else inp
    for filters, stride in ((8, 2), (16, 2), (16, 1)):
        x = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    out = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inp, out, name=name)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            g, b, m, v = (np.asarray(w.numpy()) for w in layer.weights)
            layer.set_weights([rng.uniform(0.5, 1.5, g.shape).astype("f"), rng.normal(0, 0.3, b.shape).astype("f"),
                               rng.normal(0, 0.2, m.shape).astype("f"), rng.uniform(0.5, 2.0, v.shape).astype("f")])
    dense = model.layers[-1]
    feats = keras.Model(model.inputs, dense.input)
    if head_pixels is None:
        head_pixels = np.stack([rng.uniform(0, 255 * (i + 1) / 16, (size, size, 3)) * rng.uniform(0.2, 1.0, 3)
                                for i in range(16)]).astype(np.float32)
        if not rescale:
            head_pixels = head_pixels / 255.0
    f = np.asarray(keras.ops.convert_to_numpy(feats(np.asarray(head_pixels, np.float32), training=False)), np.float64)
    f = f - f.mean(axis=0)  # spread along the directions in which these inputs differ
    k = rng.normal(0, 1, (f.shape[1], 1)) * (f.std(axis=0)[:, None] > 0)
    z = f @ k[:, 0]
    k *= spread / max(float(z.std()), 1e-9)
    full = np.asarray(keras.ops.convert_to_numpy(feats(np.asarray(head_pixels, np.float32), training=False)), np.float64)
    dense.set_weights([k.astype("f"), np.array([-float(np.median(full @ k[:, 0]))], "f")])
    return model


@contextlib.contextmanager
def stand_in_service(spec: bytes, on_post):
    """A local HTTP server in place of the service for evaluate/calibrate's collect: GET answers ``spec`` (model.json),
    POST calls ``on_post(path, body)`` and answers a benign 0.5. Yields its URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self._answer(spec)

        def do_POST(self):
            on_post(self.path, self.rfile.read(int(self.headers["Content-Length"])))
            self._answer(json.dumps({"malignantProbability": 0.5, "label": "benign", "threshold": 0.5}).encode())

        def _answer(self, body):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
