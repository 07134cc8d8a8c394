"""One family of typed errors. The CLI turns any of them into one line on stderr and a non-zero exit."""

from __future__ import annotations


class ExportError(Exception):
    """Base class: a failure the user can act on. ``str(err)`` is a one-line reason."""

    exit_code = 1


class SourceError(ExportError):
    """The input model is missing, unreadable or of an unknown kind."""

    exit_code = 2


class ArchitectureMismatch(ExportError):
    """The weights do not fit the requested architecture or input size."""

    exit_code = 3


class ParityError(ExportError):
    """ONNX Runtime and TensorFlow disagree beyond the tolerance; lists every mismatch."""

    exit_code = 4

    def __init__(self, tolerance: float, mismatches: list[str], max_abs_diff: float, quantity: str = "dprobability"):
        self.tolerance = tolerance
        self.mismatches = list(mismatches)
        self.max_abs_diff = max_abs_diff
        shown = "; ".join(self.mismatches[:3])
        more = f" (+{len(self.mismatches) - 3} more)" if len(self.mismatches) > 3 else ""
        super().__init__(
            f"parity gate failed: max |{quantity}| {max_abs_diff:.3g} > tolerance {tolerance:g} "
            f"in {len(self.mismatches)} comparison(s): {shown}{more}"
        )


class QuantizationRefused(ExportError):
    """The int8 model drifts from the fp32 model beyond the tolerance; nothing was written."""

    exit_code = 5


class PreprocessingError(ExportError):
    """An image cannot be turned into a model input (undecodable, too large)."""

    exit_code = 6


class MetadataError(ExportError):
    """Patient metadata that the model's encoding cannot take, or a model and a --metadata flag that do not fit."""

    exit_code = 9


class EnsembleRefused(ExportError):
    """Member directories that cannot form an ensemble (mixed tasks, a nested ensemble, bad weights, a duplicate,
    a missing source, dihedral views of a non-square input); nothing was written."""

    exit_code = 10
