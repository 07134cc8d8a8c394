"""Keras 3 (torch backend) -> ONNX with ``torch.onnx.export(dynamo=True)``.

tf2onnx is not installable here, and Keras 3's own ``model.export(format="onnx")`` goes through it on
the TensorFlow backend. On the torch backend a Keras model is a ``torch.nn.Module``; wrapping it with a
forward that calls ``model(image, training=False)`` lets ``torch.export`` trace inference mode.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import numpy as np

from melanoma_export import backend
from melanoma_export.errors import ExportError

INPUT_NAME = "image"
OUTPUT_NAME = "probability"
OPSET = 20


def export_onnx(model, out_path: str, progress=print, quiet: bool = True):
    """Export ``model`` (a Keras model built on the torch backend) to one self-contained ONNX file."""
    backend.use("torch")
    import onnx
    import torch

    size = int(model.inputs[0].shape[1])

    class Wrapper(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, image):
            return self.m(image, training=False)

    wrapper = Wrapper(model).eval()
    # Batch 2, not 1: with batch 1 torch.export specialises the batch dimension ("Invalid ranges [2:1]").
    gen = torch.Generator().manual_seed(0)
    example = torch.rand((2, size, size, 3), generator=gen) * 255.0
    progress(f"exporting to ONNX with torch.onnx.export(dynamo=True) ({size}x{size}); this can take a minute or more")
    with tempfile.TemporaryDirectory(prefix="melanoma-export-") as tmp:
        tmp_path = os.path.join(tmp, "model.onnx")
        sink = io.StringIO()
        redirect = (contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink)) if quiet else (
            contextlib.nullcontext(), contextlib.nullcontext())
        try:
            with redirect[0], redirect[1]:
                program = torch.onnx.export(
                    wrapper,
                    (example,),
                    tmp_path,
                    dynamo=True,
                    opset_version=OPSET,
                    input_names=[INPUT_NAME],
                    output_names=[OUTPUT_NAME],
                    dynamic_shapes={"image": {0: torch.export.Dim("batch")}},
                    external_data=False,
                )
        except Exception as e:
            detail = str(e).strip().splitlines()[0] if str(e).strip() else ""
            raise ExportError(f"torch.onnx.export failed ({type(e).__name__}: {detail})") from e
        del program
        proto = onnx.load(tmp_path)  # loads external data too, if any was written
    strip_exporter_metadata(proto)
    _check_io(proto)
    onnx.checker.check_model(proto)
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    save(proto, out_path)
    return proto


def strip_exporter_metadata(proto) -> None:
    """Drop what torch's exporter records for debugging: per-node Python stack traces (with the absolute
    paths of the machine that exported), FX node names and class hierarchies. They make the file larger,
    leak build paths into a shipped artefact, and change nothing the runtime computes."""
    def clear(items):
        for item in items:
            del item.metadata_props[:]
            item.doc_string = ""

    clear(proto.graph.node)
    clear(proto.graph.input)
    clear(proto.graph.output)
    clear(proto.graph.value_info)
    clear(proto.graph.initializer)
    proto.graph.doc_string = ""
    proto.doc_string = ""


def save(proto, path: str) -> None:
    """One self-contained file (no external data), so the sha256 in the spec covers the whole model."""
    import onnx

    onnx.save_model(proto, path, save_as_external_data=False)


def _check_io(proto) -> None:
    ins = [i.name for i in proto.graph.input]
    outs = [o.name for o in proto.graph.output]
    if ins != [INPUT_NAME] or outs != [OUTPUT_NAME]:
        raise ExportError(f"exported graph has inputs {ins} and outputs {outs}, expected [{INPUT_NAME}] -> [{OUTPUT_NAME}]")


def keras_predict(model, x: np.ndarray, batch: int = 8) -> np.ndarray:
    """Run a Keras model (any backend) in inference mode, in batches, returning float32 numpy."""
    import keras

    outs = []
    for i in range(0, len(x), batch):
        y = model(x[i:i + batch], training=False)
        outs.append(np.asarray(keras.ops.convert_to_numpy(y), dtype=np.float32))
    return np.concatenate(outs, axis=0)
