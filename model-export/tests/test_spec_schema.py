"""model.json's JSON Schema (melanoma_export/schema/model.schema.json): it is a valid 2020-12 schema, every
model.json in the repository meets it, what it refuses is named by field, write_spec never writes a spec that
breaks it, and docs/MODEL_SPEC.md names every field it defines."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest

from melanoma_export import spec as spec_module
from melanoma_export.spec import SCHEMA_PATH, InvalidSpec, schema_errors, write_spec

REPO = Path(__file__).resolve().parents[2]
SPECS = sorted(p for p in [*REPO.glob("models/**/model.json"), *REPO.glob("src/test/resources/models/**/model.json")])


def _schema():
    return json.loads(SCHEMA_PATH.read_text())


def _default():
    return json.loads((REPO / "models" / "melanoma-b0" / "1" / "model.json").read_text())


def test_the_schema_is_a_valid_2020_12_schema():
    schema = _schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_model_json_in_the_repository_meets_it(path):
    assert schema_errors(json.loads(path.read_text())) == []


def _broken(edit):
    spec = _default()
    edit(spec)
    return "; ".join(schema_errors(spec))


@pytest.mark.parametrize("edit, named", [
    (lambda s: s["quality"].update(minSharpnes=3.0), "quality: Additional properties are not allowed ('minSharpnes'"),
    (lambda s: s["input"]["preprocessing"]["resize"].update(method="lanczos"),
     "input.preprocessing.resize.method: 'lanczos' is not one of ['area', 'linear', 'cubic']"),
    (lambda s: s["input"]["preprocessing"]["resize"].update(antialias=True), "input.preprocessing.resize.antialias"),
    (lambda s: s["input"]["preprocessing"]["resize"].update(library="tensorflow", method="bilinear"),
     "input.preprocessing.resize: 'antialias' is a required property"),
    (lambda s: s["input"]["preprocessing"]["resize"].update(library="tensorflow", method="bicubic", antialias=False),
     "input.preprocessing.resize.antialias: True was expected"),
    (lambda s: s["decision"].update(threshold=1.0), "decision.threshold: 1.0 is greater than or equal to"),
    (lambda s: s["input"].pop("normalization"), "input: 'normalization' is a required property"),
    (lambda s: s["runtimeGraphs"][0]["requires"].update(avx10=True), "runtimeGraphs[0].requires: Additional"),
    (lambda s: s["runtimeGraphs"][0].update(openWith="everything"), "runtimeGraphs[0].openWith"),
    (lambda s: s["runtimeGraphs"][0]["externalData"].update(file="../x.data"), "runtimeGraphs[0].externalData.file"),
    (lambda s: s["model"].update(sha256="ABC"), "model.sha256: 'ABC' does not match"),
    (lambda s: s.update(members=[{"name": "a", "dir": "members/a", "specSha256": "0" * 64}],
                        combination={"method": "weighted-mean-probability", "tta": "none"}), "model: {'file': 'model.onnx'"),
    (lambda s: s.update(trained="yes"), "trained: 'yes' is not of type 'boolean'"),
    (lambda s: s.update(specVersion=5), "specVersion: 5 is greater than the maximum of 4"),
    (lambda s: s.update(calibration={"method": "platt", "a": -1, "b": 0}), "calibration.a: -1 is less than or equal"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_what_it_refuses_is_named_by_field(edit, named):
    assert named in _broken(edit)


def test_write_spec_refuses_a_spec_that_breaks_it(tmp_path):
    spec = _default()
    spec["quality"]["minContrast"] = -1
    with pytest.raises(InvalidSpec, match=r"quality\.minContrast"):
        write_spec(str(tmp_path), spec)
    assert not (tmp_path / "model.json").exists()
    write_spec(str(tmp_path), _default())
    assert json.loads((tmp_path / "model.json").read_text()) == _default()


def _fields(node, found):
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            found.add(name)
            _fields(sub, found)
        for key in ("$defs", "then", "else"):
            sub = node.get(key)
            if isinstance(sub, dict):
                for value in (sub.values() if key == "$defs" else [sub]):
                    _fields(value, found)
        for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
            for sub in node.get(key, []):
                _fields(sub, found)
        if isinstance(node.get("items"), dict):
            _fields(node["items"], found)
    return found


def test_model_spec_md_names_every_field_the_schema_defines():
    doc = (REPO / "docs" / "MODEL_SPEC.md").read_text()
    named = set(re.findall(r"`([A-Za-z0-9_]+)`", doc)) | set(re.findall(r"[`.\"]([A-Za-z0-9_]+)[`\":]", doc))
    missing = sorted(f for f in _fields(_schema(), set()) if f not in named)
    assert not missing, f"docs/MODEL_SPEC.md does not name {missing}"


def test_the_package_ships_the_schema():
    assert spec_module.SCHEMA_PATH.is_file()
    pyproject = (REPO / "model-export" / "pyproject.toml").read_text()
    assert '"schema/*.json"' in pyproject
