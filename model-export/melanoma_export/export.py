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
from melanoma_export.graph_io import INPUT_NAME, OUTPUT_NAME
from melanoma_export.metadata import METADATA_INPUT_NAME, ModelInputs
from melanoma_export.sources import image_input_index

OPSET = 20


def export_onnx(model, out_path: str, progress=print, quiet: bool = True):
    """Export ``model`` (a Keras model built on the torch backend) to one self-contained ONNX file. A model with a
    second (patient metadata) input gets the graph inputs ``image`` and ``metadata``, in that order, whatever
    order the Keras model lists them in."""
    backend.use("torch")
    import onnx
    import torch

    at = image_input_index(model)
    size = int(model.inputs[at].shape[1])
    meta_length = next((int(t.shape[1]) for i, t in enumerate(model.inputs) if i != at), None)

    class Wrapper(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, image):
            return self.m(image, training=False)

    class MetadataWrapper(Wrapper):
        def forward(self, image, metadata):
            ordered = [image, metadata] if at == 0 else [metadata, image]
            return self.m(ordered, training=False)

    wrapper = (Wrapper if meta_length is None else MetadataWrapper)(model).eval()
    # Batch 2, not 1: with batch 1 torch.export specialises the batch dimension ("Invalid ranges [2:1]").
    gen = torch.Generator().manual_seed(0)
    example = (torch.rand((2, size, size, 3), generator=gen) * 255.0,)
    names = [INPUT_NAME]
    batch = torch.export.Dim("batch")
    dynamic = {INPUT_NAME: {0: batch}}
    if meta_length is not None:
        example += (torch.rand((2, meta_length), generator=gen),)
        names.append(METADATA_INPUT_NAME)
        dynamic[METADATA_INPUT_NAME] = {0: batch}  # the same Dim: image and metadata rows go together
    progress(f"exporting to ONNX with torch.onnx.export(dynamo=True) ({size}x{size}"
             f"{'' if meta_length is None else f' + metadata ({meta_length})'}); this can take a minute or more")
    with tempfile.TemporaryDirectory(prefix="melanoma-export-") as tmp:
        tmp_path = os.path.join(tmp, "model.onnx")
        sink = io.StringIO()
        redirect = (contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink)) if quiet else (
            contextlib.nullcontext(), contextlib.nullcontext())
        try:
            with redirect[0], redirect[1]:
                program = torch.onnx.export(
                    wrapper,
                    example,
                    tmp_path,
                    dynamo=True,
                    opset_version=OPSET,
                    input_names=names,
                    output_names=[OUTPUT_NAME],
                    dynamic_shapes=dynamic,
                    external_data=False,
                )
        except Exception as e:
            detail = str(e).strip().splitlines()[0] if str(e).strip() else ""
            raise ExportError(f"torch.onnx.export failed ({type(e).__name__}: {detail})") from e
        del program
        proto = onnx.load(tmp_path)  # loads external data too, if any was written
    strip_exporter_metadata(proto)
    _check_io(proto, names)
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


def _check_io(proto, expected_inputs: list[str]) -> None:
    ins = [i.name for i in proto.graph.input]
    outs = [o.name for o in proto.graph.output]
    if ins != expected_inputs or outs != [OUTPUT_NAME]:
        raise ExportError(f"exported graph has inputs {ins} and outputs {outs}, expected {expected_inputs} -> "
                          f"[{OUTPUT_NAME}]")


def keras_predict(model, x, batch: int = 8) -> np.ndarray:
    """Run a Keras model (any backend) in inference mode, in batches, returning float32 numpy. ``x``: an image
    array, or metadata.ModelInputs for a model with a metadata input."""
    import keras

    outs = []
    for i in range(0, len(x), batch):
        y = model(keras_inputs(model, x[i:i + batch]), training=False)
        outs.append(np.asarray(keras.ops.convert_to_numpy(y), dtype=np.float32))
    return np.concatenate(outs, axis=0)


def keras_inputs(model, x):
    """What a Keras model is called with for a batch: the image array, or [image, metadata] in the order the model
    lists its inputs."""

    if not isinstance(x, ModelInputs):
        return x
    return [x.image, x.metadata] if image_input_index(model) == 0 else [x.metadata, x.image]
