"""Optional static int8 (QDQ) quantization with onnxruntime, guarded by an accuracy check.

The guard runs the fp32 and the int8 graph on every calibration image and refuses the int8 model
(``QuantizationRefused``: non-zero exit, nothing written) when any probability moves by more than the
tolerance, or when the int8 outputs collapse (no spread where the fp32 outputs have one). Static int8
of a random-weight EfficientNet collapses all outputs to one value: the guard exists for exactly that.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from melanoma_export.errors import QuantizationRefused
from melanoma_export.graph_io import INPUT_NAME
from melanoma_export.parity import onnx_probabilities

DEFAULT_INT8_TOLERANCE = 0.02


def quantize_static_qdq(fp32_path: str, out_path: str, calibration: np.ndarray, progress=print) -> None:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self, x):
            self.items = iter([{INPUT_NAME: x[i:i + 1]} for i in range(len(x))])

        def get_next(self):
            return next(self.items, None)

    progress(f"quantizing to int8 (static QDQ, per-channel weights, {len(calibration)} calibration images)")
    with tempfile.TemporaryDirectory(prefix="melanoma-int8-") as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        try:
            quant_pre_process(fp32_path, pre, skip_symbolic_shape=True)
        except Exception:
            pre = fp32_path
        quantize_static(pre, out_path, Reader(calibration), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True)


def guard(fp32_path: str, int8_path: str, calibration: np.ndarray, tolerance: float) -> dict:
    """Compare int8 against fp32 on the calibration inputs; raise QuantizationRefused beyond tolerance."""
    ref = onnx_probabilities(fp32_path, calibration, batch=1)[:, 0]
    got = onnx_probabilities(int8_path, calibration, batch=1)[:, 0]
    diff = np.abs(got - ref)
    worst = float(diff.max())
    spread_ref, spread_got = float(ref.max() - ref.min()), float(got.max() - got.min())
    if spread_ref > 10 * tolerance and spread_got < 0.1 * spread_ref:
        raise QuantizationRefused(
            f"int8 refused: outputs collapsed (spread {spread_got:.3g} vs fp32 {spread_ref:.3g} over "
            f"{len(ref)} calibration images; max |dprobability| {worst:.3g} > tolerance {tolerance:g}); nothing written")
    if worst > tolerance:
        bad = int((diff > tolerance).sum())
        raise QuantizationRefused(
            f"int8 refused: max |dprobability| {worst:.3g} > tolerance {tolerance:g} on {bad} of "
            f"{len(ref)} calibration images; nothing written")
    return {"maxAbsDiffVsFp32": worst, "tolerance": tolerance, "calibrationImages": int(len(ref)),
            "spreadFp32": spread_ref, "spreadInt8": spread_got}
