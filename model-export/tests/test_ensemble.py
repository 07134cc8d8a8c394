"""melanoma-export ensemble: two tiny CNN members of different sizes, crops and resize choices, converted with the
real convert; the ensemble gate against TensorFlow, the weights, the dihedral views, and every refusal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import tiny_cnn
from melanoma_export.cli import main
from melanoma_export.spec import sha256_file

PHOTOS = 5
# (name, size, crop, resize, Rescaling in the model (else ImageNet mean/std in the spec), runtime graphs)
MEMBERS = [("small", 32, 0.5, "tensorflow:bilinear-antialias", True, True),
           ("large", 40, 0.8, "opencv:area", False, False)]
IMAGENET = ["--input-scale", str(1 / 255), "--input-mean", "0.485,0.456,0.406", "--input-std", "0.229,0.224,0.225"]


@pytest.fixture(scope="module")
def members(tmp_path_factory, testdata) -> dict[str, Path]:
    """name -> version directory, converted from a .keras file kept in the folder above it."""
    root = tmp_path_factory.mktemp("members")
    out = {}
    for seed, (name, size, crop, resize, rescale, graphs) in enumerate(MEMBERS):
        tiny_cnn(size, seed=seed + 3, rescale=rescale, name=name).save(root / f"{name}.keras")
        d = root / name / "1"
        args = ["convert", str(root / f"{name}.keras"), "--out", str(d), "--name", name, "--untrained",
                "--crop-fraction", str(crop), "--resize", resize, "--calibration-dir", str(testdata / "dermoscopy")]
        args += [] if rescale else IMAGENET
        args += [] if graphs else ["--no-runtime-graphs"]
        assert main(args) == 0
        out[name] = d
    return out


def ensemble(members, out, *extra, photos=PHOTOS, testdata=None) -> int:
    args = ["ensemble", *(str(members[n]) for n, *_ in MEMBERS), "--out", str(out), "--parity-inputs", str(photos)]
    if testdata is not None:
        args += ["--images", str(testdata)]
    return main(args + list(extra))


@pytest.fixture(scope="module")
def built(members, testdata, tmp_path_factory) -> dict[str, Path]:
    """tta -> ensemble directory (weights 1,3)."""
    root = tmp_path_factory.mktemp("ensembles")
    out = {}
    for tta in ("none", "dihedral8"):
        out[tta] = root / tta / "1"
        assert ensemble(members, out[tta], "--weights", "1,3", "--tta", tta, "--name", f"ens-{tta}",
                        "--threshold", "0.4", testdata=testdata) == 0
    return out


def read(d: Path) -> dict:
    return json.loads((d / "model.json").read_text())


# ---------------------------------------------------------------------------------------------- the spec

@pytest.mark.parametrize("tta", ["none", "dihedral8"])
def test_ensemble_spec_and_parity_against_tensorflow(built, members, tta):
    spec = read(built[tta])
    assert spec["specVersion"] == 4 and spec["name"] == f"ens-{tta}" and spec["trained"] is False
    assert spec["task"] == "binary-classification"
    assert not {"model", "input", "output", "runtimeGraphs"} & set(spec)
    assert spec["combination"] == {"method": "weighted-mean-probability", "tta": tta}
    assert spec["decision"]["threshold"] == 0.4
    p = spec["parity"]
    assert p["tta"] == tta and p["inputKind"] == "images" and p["inputs"] == PHOTOS and len(p["images"]) == PHOTOS
    assert p["tolerance"] == 1e-5 and 0 <= p["maxAbsDiffProbability"] <= 1e-5
    assert p["reference"].startswith("tensorflow ") and p["runtime"].startswith("onnxruntime ")
    assert set(p["members"]) == {"small", "large"}
    lo, hi = p["ensembleProbabilityRange"]
    assert hi - lo > 0.01  # the photos give different answers: the gate compared something
    assert [m["name"] for m in spec["members"]] == ["small", "large"]
    assert [m["weight"] for m in spec["members"]] == [1.0, 3.0]
    for m in spec["members"]:
        assert m["dir"] == f"members/{m['name']}"
        assert m["cost"]["medianMs"] > 0 and m["cost"]["batch"] == 1
        assert m["cost"]["measuredWith"].startswith("onnxruntime ") and m["cost"]["cpu"]
        copied = built[tta] / m["dir"]
        assert m["specSha256"] == sha256_file(str(copied / "model.json"))
        original = members[m["name"]]
        assert sorted(f.name for f in copied.iterdir()) == sorted(f.name for f in original.iterdir())
        for f in original.iterdir():  # copied unchanged
            assert sha256_file(str(copied / f.name)) == sha256_file(str(f))
    assert spec["source"]["kind"] == "ensemble"
    assert [s["source"]["files"][0]["file"] for s in spec["source"]["members"]] == ["small.keras", "large.keras"]


# ---------------------------------------------------------------------------------------------- by hand

def views_by_hand(x: np.ndarray) -> np.ndarray:
    """The spec's order, written out: rot90^k(x), then rot90^k(fliplr(x)), k = 0..3."""
    return np.stack([np.rot90(x, k, axes=(0, 1)) for k in range(4)] +
                    [np.rot90(np.fliplr(x), k, axes=(0, 1)) for k in range(4)])


def test_weights_and_views_against_tensorflow_combined_by_hand(built, members, testdata):
    """The written directory run on onnxruntime as its model.json says, against TensorFlow's member probabilities
    on the same views, combined here: weights 1 and 3, and the 8 views' mean for dihedral8."""
    import onnxruntime as ort

    from melanoma_export.parity import tensorflow_reference
    from melanoma_export.preprocessing import Normalization, Preprocessing, reference_tensor, to_model_input
    from melanoma_export.sources import inspect_source

    photos = [testdata / f for f in read(built["dihedral8"])["parity"]["images"]]
    n = len(photos)
    tf_p, ort_p = {}, {}
    for m in read(built["none"])["members"]:  # TensorFlow: one run per member, plain inputs then all views
        ms = json.loads((built["none"] / m["dir"] / "model.json").read_text())
        pp, norm = Preprocessing.from_spec(ms["input"]), Normalization.from_spec(ms["input"]["normalization"])
        x = to_model_input(np.stack([reference_tensor(str(f), pp)[0] for f in photos]), norm)
        xv = np.concatenate([views_by_hand(xi) for xi in x])
        source = inspect_source(str(members[m["name"]].parent.parent / f"{m['name']}.keras"), None, None)
        y, _ = tensorflow_reference(source.to_json(), np.concatenate([x, xv]), progress=lambda *_: None)
        y = y[:, 0].astype(np.float64)
        tf_p["none", m["name"]], tf_p["dihedral8", m["name"]] = y[:n], y[n:].reshape(n, 8).mean(axis=1)
        for tta, d in built.items():  # onnxruntime on the written directories, one batch per photo
            ms = json.loads((d / m["dir"] / "model.json").read_text())
            sess = ort.InferenceSession(str(d / m["dir"] / ms["model"]["file"]), providers=["CPUExecutionProvider"])
            batches = [x[i:i + 1] for i in range(n)] if tta == "none" else [xv[i * 8:(i + 1) * 8] for i in range(n)]
            ort_p[tta, m["name"]] = np.array([sess.run([ms["output"]["name"]], {ms["input"]["name"]: b})[0][:, 0].mean()
                                              for b in batches])
    for tta, d in built.items():
        spec = read(d)
        w = {m["name"]: m["weight"] for m in spec["members"]}
        by_hand = (w["small"] * tf_p[tta, "small"] + w["large"] * tf_p[tta, "large"]) / (w["small"] + w["large"])
        ours = (w["small"] * ort_p[tta, "small"] + w["large"] * ort_p[tta, "large"]) / (w["small"] + w["large"])
        assert np.abs(ours - by_hand).max() <= 1e-5
        equal = (tf_p[tta, "small"] + tf_p[tta, "large"]) / 2
        assert np.abs(by_hand - equal).max() > 1e-3  # the weights matter on these photos
        lo, hi = read(d)["parity"]["ensembleProbabilityRange"]
        assert lo == pytest.approx(by_hand.min(), abs=1e-6) and hi == pytest.approx(by_hand.max(), abs=1e-6)
    # the views change the answer: dihedral8 is not the plain run
    assert np.abs(tf_p["dihedral8", "small"] - tf_p["none", "small"]).max() > 1e-4


def test_dihedral8_order_is_the_specs():
    from melanoma_export.ensemble import dihedral8

    x = np.arange(2 * 2 * 1, dtype=np.float32).reshape(2, 2, 1)  # [[0, 1], [2, 3]]
    v = dihedral8(x)[..., 0]
    assert v.shape == (8, 2, 2)
    np.testing.assert_array_equal(v[0], [[0, 1], [2, 3]])
    np.testing.assert_array_equal(v[1], [[1, 3], [0, 2]])  # rot90 counter-clockwise
    np.testing.assert_array_equal(v[4], [[1, 0], [3, 2]])  # fliplr: columns mirrored
    np.testing.assert_array_equal(dihedral8(x), views_by_hand(x))
    assert len({a.tobytes() for a in dihedral8(np.arange(9, dtype=np.float32).reshape(3, 3, 1))}) == 8


def test_metadata_encoding_of_the_contract():
    """The isic2020 example of docs/MODEL_SPEC.md encodes as it says (the gate feeds members vectors like these)."""
    from melanoma_export.metadata import from_spec, parity_cases

    extra = {"name": "metadata", "kind": "patient-metadata", "encoding": "isic2020", "dtype": "float32",
             "shape": [-1, 9], "fields": [
                 {"name": "sex", "kind": "category", "index": 0, "values": {"male": 1.0, "female": 0.0}, "missing": -1.0},
                 {"name": "age", "kind": "number", "index": 1, "scale": 90.0, "min": 0, "max": 120, "missing": 0.0},
                 {"name": "site", "kind": "one-hot", "index": 2, "values": ["head/neck", "upper extremity",
                  "lower extremity", "torso", "palms/soles", "oral/genital"], "missingColumn": 8}]}
    enc = from_spec(extra)
    np.testing.assert_array_equal(enc.encode({}), [-1, 0, 0, 0, 0, 0, 0, 0, 1])
    np.testing.assert_allclose(enc.encode({"sex": "female", "age": 45, "site": "torso"}),
                               [0, 0.5, 0, 0, 0, 1, 0, 0, 0])
    cases = parity_cases(enc)
    assert cases[0] == {} and len(cases) >= 3 and all(c in ({}, *cases[1:]) for c in cases)


# ---------------------------------------------------------------------------------------------- refusals

def copy_member(members, name, to: Path) -> Path:
    d = to / name / "1"
    shutil.copytree(members[name], d)
    shutil.copyfile(members[name].parent.parent / f"{name}.keras", to / f"{name}.keras")
    return d


def edit_spec(d: Path, change) -> None:
    spec = read(d)
    change(spec)
    (d / "model.json").write_text(json.dumps(spec, indent=2) + "\n")


def refused(args, capsys, code: int = 10) -> str:
    """The one-line error and its exit status: 10 cannot form an ensemble, 2 a member's files, 4 parity gate."""
    rc = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == code, err
    errors = [line for line in err if "error" in line]  # progress lines before it are fine
    assert len(errors) == 1 and errors[0] == err[-1] and err[-1].startswith("melanoma-export: error: "), err
    return err[-1]


@pytest.mark.parametrize("weights,reason", [("1,0", "> 0"), ("1", "1 weight(s) for 2"), ("1,a", "comma-separated"),
                                            ("-1,2", "> 0"), ("nan,1", "finite"), ("1,2,3", "3 weight(s)")])
def test_bad_weights_refused(members, tmp_path, capsys, weights, reason):
    err = refused(["ensemble", str(members["small"]), str(members["large"]), "--out", str(tmp_path / "e"),
                   f"--weights={weights}"], capsys)
    assert reason in err and not (tmp_path / "e").exists()


def test_duplicate_member_refused(members, tmp_path, capsys):
    same = tmp_path / "link"
    same.symlink_to(members["small"])
    for second in (members["small"], same):
        err = refused(["ensemble", str(members["small"]), str(second), "--out", str(tmp_path / "e")], capsys)
        assert "given twice" in err
    copy = copy_member(members, "small", tmp_path / "copy")
    assert "same model" in refused(["ensemble", str(members["small"]), str(copy), "--out", str(tmp_path / "e")],
                                   capsys)


def test_nested_ensemble_refused(built, members, tmp_path, capsys):
    err = refused(["ensemble", str(built["none"]), str(members["small"]), "--out", str(tmp_path / "e")], capsys)
    assert "itself an ensemble" in err


def test_mixed_tasks_refused(members, tmp_path, capsys):
    other = copy_member(members, "large", tmp_path)
    edit_spec(other, lambda s: s.update(task="multi-class-classification"))
    err = refused(["ensemble", str(members["small"]), str(other), "--out", str(tmp_path / "e")], capsys)
    assert "different tasks" in err and "multi-class-classification" in err


def test_dihedral8_needs_square_inputs(members, tmp_path, capsys):
    other = copy_member(members, "large", tmp_path)
    edit_spec(other, lambda s: s["input"].update(width=48))
    args = ["ensemble", str(members["small"]), str(other), "--out", str(tmp_path / "e")]
    err = refused(args + ["--tta", "dihedral8"], capsys)
    assert "square" in err and "40x48" in err


@pytest.mark.parametrize("file", ["model.onnx", "model.opt-portable.onnx"])
def test_member_files_must_match_their_sha256(members, tmp_path, capsys, file):
    other = copy_member(members, "small", tmp_path)
    with open(other / file, "ab") as f:
        f.write(b"\0")
    err = refused(["ensemble", str(other), str(members["large"]), "--out", str(tmp_path / "e")], capsys, 2)
    assert file in err and "sha256" in err


def test_out_must_be_new_or_empty(members, tmp_path, capsys):
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "old.txt").write_text("x")
    err = refused(["ensemble", str(members["small"]), str(members["large"]), "--out", str(tmp_path / "e")], capsys)
    assert "not empty" in err
    inside = members["small"] / "ensemble"
    err = refused(["ensemble", str(members["small"]), str(members["large"]), "--out", str(inside)], capsys)
    assert "inside member" in err and not inside.exists()


def test_missing_source_refused_unless_skipped(members, tmp_path, capsys):
    lone = tmp_path / "lone" / "1"
    shutil.copytree(members["large"], lone)  # no large.keras beside it
    args = ["ensemble", str(lone), "--parity-inputs", "2"]
    err = refused(args + ["--out", str(tmp_path / "e")], capsys)
    assert "large.keras" in err and "was not found" in err and "--skip-unavailable-sources" in err
    # the file given explicitly is found by its sha256, whatever its name
    shutil.copyfile(members["large"].parent.parent / "large.keras", tmp_path / "renamed.keras")
    assert main(args + ["--out", str(tmp_path / "given"), "--source", str(tmp_path / "renamed.keras")]) == 0
    assert "membersWithoutReference" not in read(tmp_path / "given")["parity"]
    assert main(args + ["--out", str(tmp_path / "skipped"), "--skip-unavailable-sources"]) == 0
    p = read(tmp_path / "skipped")["parity"]
    assert [m["name"] for m in p["membersWithoutReference"]] == ["large"] and p["inputKind"] == "synthetic-images"
    assert "large.keras" in p["membersWithoutReference"][0]["reason"]
    assert p["members"]["large"]["reference"] == "none: onnxruntime only"


def test_source_with_other_weights_refused(members, tmp_path, capsys):
    """A source file of the recorded name and sha256 is found, but its weights are not those exported."""
    other = copy_member(members, "large", tmp_path)
    edit_spec(other, lambda s: s["source"].update(weightsDigest="0" * 64))
    err = refused(["ensemble", str(other), "--out", str(tmp_path / "e")], capsys)
    assert "weightsDigest" in err and "--skip-unavailable-sources" in err


def test_gate_fails_when_a_member_graph_differs_from_its_source(members, tmp_path, capsys):
    """A graph changed consistently with its model.json (the sha256s match) still fails against TensorFlow."""
    import onnx
    from onnx import numpy_helper

    other = copy_member(members, "large", tmp_path)
    proto = onnx.load(str(other / "model.onnx"))
    bias = next(i for i in proto.graph.initializer if numpy_helper.to_array(i).size == 1)
    bias.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(bias) + np.float32(0.05), bias.name))
    onnx.save(proto, str(other / "model.onnx"))
    edit_spec(other, lambda s: s["model"].update(sha256=sha256_file(str(other / "model.onnx"))))
    err = refused(["ensemble", str(other), "--out", str(tmp_path / "e"), "--parity-inputs", "2"], capsys, 4)
    assert "parity gate failed" in err and "member large" in err


def test_default_member_names():
    from melanoma_export.ensemble import default_name

    taken = {"tiny"}
    assert default_name("tiny", taken) == "tiny-2"
    assert default_name("My Model_v1", set()) == "my-model_v1"
    assert default_name("--x", set()) == "x"
