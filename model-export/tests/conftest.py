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

import pytest

PKG_ROOT = Path(__file__).resolve().parents[1]
REPO_ROOT = PKG_ROOT.parent
sys.path.insert(0, str(PKG_ROOT))

sys.path.insert(0, str(PKG_ROOT / "fixtures"))

from melanoma_export import backend  # noqa: E402
from tiny_models import SIZE, tiny_cnn, tiny_metadata_model, tiny_model  # noqa: E402,F401 (the tests import them here)

backend.use("torch")


def testdata_root() -> Path:
    return Path(os.environ.get("TESTDATA_DIR", REPO_ROOT / "testdata"))


@pytest.fixture(scope="session")
def testdata() -> Path:
    root = testdata_root()
    if not (root / "dermoscopy").is_dir():
        pytest.skip(f"test images not found at {root} (set TESTDATA_DIR)")
    return root


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
