"""Keras picks its backend once per process, from KERAS_BACKEND, when it is first imported.

The export runs Keras on torch (``torch.onnx.export``); the parity reference runs the same weights on
TensorFlow in a separate process (``melanoma_export.tf_worker``). Call :func:`use` before importing keras.
"""

from __future__ import annotations

import os
import sys
import warnings


def use(name: str) -> None:
    if "keras" in sys.modules:
        current = sys.modules["keras"].backend.backend()
        if current != name:
            raise RuntimeError(f"keras already imported with backend {current!r}; {name!r} needs a new process")
        return
    # A functional model called with a bare tensor instead of a one-element list: harmless, noisy.
    warnings.filterwarnings("ignore", message="The structure of `inputs` doesn't match")
    os.environ["KERAS_BACKEND"] = name
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
