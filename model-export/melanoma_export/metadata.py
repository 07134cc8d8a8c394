"""Patient metadata beside the image: the encodings a model's second input may have been trained with.

An encoding is a list of fields, each of one of three kinds, that turn the API's JSON metadata object
(``{"sex": "female", "age": 55, "site": "torso"}``, any field may be absent) into a fixed-length float32 vector:

* ``category``  one column: the value's number from ``values``, or ``missing`` when absent
* ``number``    one column: value / ``scale`` (refused outside ``min``..``max``), or ``missing`` when absent
* ``one-hot``   one column per value, then one more (``missingColumn``) that is 1 when the field is absent

``isic2020`` is the encoding the SIIM-ISIC 2020 winners fed their metadata members: sex male 1 / female 0 /
missing -1; age / 90, missing 0; anatomic site one-hot over the six ISIC sites with missing as its own column.
Another encoding is added by declaring its fields next to it and listing it in ``ENCODINGS``; model.json
records the fields (``extraInputs``, docs/MODEL_SPEC.md), so the service encodes from the spec, not from code.

``ModelInputs`` carries a batch of images together with its metadata rows through the parity gate, the runtime
graph checks and the TensorFlow worker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from melanoma_export.errors import MetadataError
from melanoma_export.graph_io import INPUT_NAME

METADATA_INPUT_NAME = "metadata"
EXTRA_INPUT_KIND = "patient-metadata"


@dataclass(frozen=True)
class CategoryField:
    name: str
    index: int
    values: dict  # value -> number
    missing: float
    kind: str = "category"
    width: int = 1

    def encode(self, value, row: np.ndarray) -> None:
        if value is None:
            row[self.index] = self.missing
        elif value in self.values:
            row[self.index] = self.values[value]
        else:
            raise MetadataError(f"metadata field {self.name!r}: {value!r} is not one of "
                                f"{', '.join(map(repr, self.values))} (or absent)")

    def to_spec(self) -> dict:
        return {"name": self.name, "kind": self.kind, "index": self.index,
                "values": {k: float(v) for k, v in self.values.items()}, "missing": float(self.missing)}


@dataclass(frozen=True)
class NumberField:
    name: str
    index: int
    scale: float
    min: float
    max: float
    missing: float
    kind: str = "number"
    width: int = 1

    def encode(self, value, row: np.ndarray) -> None:
        if value is None:
            row[self.index] = self.missing
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise MetadataError(f"metadata field {self.name!r}: {value!r} is not a number "
                                f"({self.min:g}..{self.max:g}, or absent)")
        if not self.min <= value <= self.max:
            raise MetadataError(f"metadata field {self.name!r}: {value:g} is outside {self.min:g}..{self.max:g}")
        row[self.index] = value / self.scale

    def to_spec(self) -> dict:
        return {"name": self.name, "kind": self.kind, "index": self.index, "scale": float(self.scale),
                "min": _plain(self.min), "max": _plain(self.max), "missing": float(self.missing)}


@dataclass(frozen=True)
class OneHotField:
    name: str
    index: int
    values: tuple  # the columns index, index + 1, ... in this order
    missing_column: int

    kind: str = "one-hot"

    @property
    def width(self) -> int:
        return max(self.missing_column - self.index + 1, len(self.values))

    def encode(self, value, row: np.ndarray) -> None:
        if value is None:
            row[self.missing_column] = 1.0
        elif value in self.values:
            row[self.index + self.values.index(value)] = 1.0
        else:
            raise MetadataError(f"metadata field {self.name!r}: {value!r} is not one of "
                                f"{', '.join(map(repr, self.values))} (or absent)")

    def to_spec(self) -> dict:
        return {"name": self.name, "kind": self.kind, "index": self.index, "values": list(self.values),
                "missingColumn": self.missing_column}


def _plain(v: float):
    return int(v) if float(v).is_integer() else float(v)


@dataclass(frozen=True)
class Encoding:
    name: str
    length: int
    fields: tuple

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def encode(self, metadata: dict | None = None, **values) -> np.ndarray:
        """The float32 vector for an API metadata object (``None`` or absent keys: the missing encoding)."""
        given = dict(metadata or {}, **values)
        unknown = sorted(set(given) - set(self.field_names()))
        if unknown:
            raise MetadataError(f"unknown metadata field(s) {', '.join(map(repr, unknown))}; {self.name} has "
                                f"{', '.join(self.field_names())}")
        row = np.zeros(self.length, np.float32)
        for f in self.fields:
            f.encode(given.get(f.name), row)
        return row

    def missing(self) -> np.ndarray:
        return self.encode({})

    def to_spec(self, input_name: str) -> dict:
        """The model.json ``extraInputs`` entry for the graph input ``input_name``."""
        return {"name": input_name, "kind": EXTRA_INPUT_KIND, "encoding": self.name, "dtype": "float32",
                "shape": [-1, self.length], "fields": [f.to_spec() for f in self.fields]}


# The six anatomic sites of the ISIC 2020 challenge's ``anatom_site_general_challenge`` column, in column order.
ISIC2020_SITES = ("head/neck", "upper extremity", "lower extremity", "torso", "palms/soles", "oral/genital")

ISIC2020 = Encoding("isic2020", 9, (
    CategoryField("sex", 0, {"male": 1.0, "female": 0.0}, missing=-1.0),
    NumberField("age", 1, scale=90.0, min=0, max=120, missing=0.0),
    OneHotField("site", 2, ISIC2020_SITES, missing_column=8),
))

ENCODINGS = {e.name: e for e in (ISIC2020,)}

# The ISIC 2020 training CSV's column for each field (evaluate reads them from a labels file).
ISIC2020_CSV_COLUMNS = {"sex": "sex", "age": "age_approx", "site": "anatom_site_general_challenge"}


def encode(sex: str | None = None, age: float | None = None, site: str | None = None) -> np.ndarray:
    """The isic2020 vector (9 float32) of one patient; ``None`` is the missing encoding of that field."""
    return ISIC2020.encode(sex=sex, age=age, site=site)


def encoding(name: str) -> Encoding:
    if name not in ENCODINGS:
        raise MetadataError(f"unknown metadata encoding {name!r}; known: {', '.join(ENCODINGS)}")
    return ENCODINGS[name]


def from_spec(entry: dict) -> Encoding:
    """The encoding an ``extraInputs`` entry declares (checked against the built-in one of that name)."""
    known = encoding(entry.get("encoding", ""))
    if entry.get("fields") != [f.to_spec() for f in known.fields] or entry.get("shape") != [-1, known.length]:
        raise MetadataError(f"extraInputs {entry.get('name')!r}: its fields are not the {known.name} encoding "
                            "this exporter knows")
    return known


def spec_encoding(spec: dict) -> Encoding | None:
    """The metadata encoding a model.json declares in ``extraInputs`` (None: an image-only model)."""
    entries = [e for e in spec.get("extraInputs") or [] if e.get("kind") == EXTRA_INPUT_KIND]
    return from_spec(entries[0]) if entries else None


def parity_cases(enc: Encoding) -> list[dict]:
    """API metadata objects the parity gate feeds beside every image: all missing, then enough valid ones that
    every category value, every one-hot column, several numbers (the ends of the range included) and every field's
    missing encoding appear."""
    if enc is ISIC2020:
        return [
            {},
            {"sex": "male", "age": 55, "site": "torso"},
            {"sex": "female", "age": 30, "site": "head/neck"},
            {"age": 80},
            {"site": "palms/soles"},
            {"sex": "female", "site": "oral/genital"},
            {"sex": "male", "age": 0, "site": "upper extremity"},
            {"sex": "female", "age": 120, "site": "lower extremity"},
            {"sex": "male"},
        ]
    cases = [{}]
    for f in enc.fields:
        if f.kind == "number":
            cases += [{f.name: f.min}, {f.name: f.max}]
        else:
            cases += [{f.name: v} for v in f.values]
    return cases


def csv_metadata(row: dict, columns: dict = ISIC2020_CSV_COLUMNS) -> dict:
    """The API metadata object of an ISIC 2020 CSV row: empty cells (and the CSV's NaN spellings) are absent,
    age_approx becomes a number."""
    out = {}
    for field, column in columns.items():
        value = (row.get(column) or "").strip()
        if value and value.lower() not in ("nan", "na", "unknown"):
            out[field] = float(value) if field == "age" else value
    if "age" in out and float(out["age"]).is_integer():
        out["age"] = int(out["age"])
    return out


# ------------------------------------------------------------------------------------------ batches of inputs

@dataclass(frozen=True)
class ModelInputs:
    """A batch for a model with a second input: the images (N, H, W, 3) and the metadata rows (N, L), which
    slice together. Plain ndarrays stand for image-only batches everywhere else."""

    image: np.ndarray
    metadata: np.ndarray
    metadata_name: str = METADATA_INPUT_NAME

    def __post_init__(self):
        if len(self.image) != len(self.metadata):
            raise ValueError(f"{len(self.image)} images but {len(self.metadata)} metadata rows")

    def __len__(self) -> int:
        return len(self.image)

    def __getitem__(self, s: slice) -> "ModelInputs":
        return ModelInputs(self.image[s], self.metadata[s], self.metadata_name)


def feeds(x) -> dict:
    """onnxruntime's input dict for a batch (an image array or ModelInputs)."""
    if isinstance(x, ModelInputs):
        return {INPUT_NAME: x.image, x.metadata_name: x.metadata}
    return {INPUT_NAME: x}


def images_of(x) -> np.ndarray:
    return x.image if isinstance(x, ModelInputs) else x


def cross(images: np.ndarray, enc: Encoding, cases: list[dict], name: str = METADATA_INPUT_NAME) -> ModelInputs:
    """Every image with every metadata case: image-major (image 0 with each case, then image 1, ...)."""
    rows = np.stack([enc.encode(c) for c in cases])
    return ModelInputs(np.repeat(images, len(cases), axis=0), np.tile(rows, (len(images), 1)), name)
