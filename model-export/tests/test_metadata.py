"""Patient metadata (convert --metadata isic2020): the encoding against the ISIC 2020 definition, a two-input model
converted with the real convert and checked against TensorFlow over real photos x metadata cases, the spec's
extraInputs, the reference and evaluate paths, and every refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import onnxruntime as ort
import pytest

from conftest import PKG_ROOT, SIZE, stand_in_service, tiny_metadata_model
from melanoma_export.cli import main
from melanoma_export.errors import MetadataError
from melanoma_export.metadata import ISIC2020, csv_metadata, encode, parity_cases

SEXES = (None, "male", "female")
AGES = (None, 0, 30, 55, 80, 120)
SITES = (None, "head/neck", "upper extremity", "lower extremity", "torso", "palms/soles", "oral/genital")

# extraInputs exactly as the round's contract writes it.
CONTRACT_EXTRA_INPUT = {
    "name": "metadata", "kind": "patient-metadata", "encoding": "isic2020", "dtype": "float32", "shape": [-1, 9],
    "fields": [
        {"name": "sex", "kind": "category", "index": 0, "values": {"male": 1.0, "female": 0.0}, "missing": -1.0},
        {"name": "age", "kind": "number", "index": 1, "scale": 90.0, "min": 0, "max": 120, "missing": 0.0},
        {"name": "site", "kind": "one-hot", "index": 2,
         "values": ["head/neck", "upper extremity", "lower extremity", "torso", "palms/soles", "oral/genital"],
         "missingColumn": 8},
    ],
}


def isic2020_by_hand(sex, age, site) -> list[float]:
    """The SIIM-ISIC 2020 winners' encoding, written out: sex male 1 / female 0 / missing -1; age / 90, missing 0;
    site one-hot over head/neck, upper extremity, lower extremity, torso, palms/soles, oral/genital, then missing."""
    v = [{"male": 1.0, "female": 0.0, None: -1.0}[sex], 0.0 if age is None else np.float32(age) / np.float32(90.0)]
    v += [1.0 if site == s else 0.0 for s in SITES[1:]] + [1.0 if site is None else 0.0]
    return v


@pytest.mark.parametrize("sex", SEXES)
@pytest.mark.parametrize("site", SITES)
def test_encoding_is_the_isic2020_definition(sex, site):
    for age in AGES:
        got = encode(sex=sex, age=age, site=site)
        assert got.dtype == np.float32 and got.shape == (9,)
        assert got.tolist() == pytest.approx(isic2020_by_hand(sex, age, site), abs=0), (sex, age, site)
        api = {k: v for k, v in (("sex", sex), ("age", age), ("site", site)) if v is not None}
        assert ISIC2020.encode(api).tolist() == got.tolist()  # the API's JSON object, absent keys missing


def test_all_missing_vector():
    assert encode().tolist() == [-1.0, 0.0, 0, 0, 0, 0, 0, 0, 1.0]


@pytest.mark.parametrize("field, value", [
    ("sex", "m"), ("sex", "Male"), ("sex", ""), ("age", -1), ("age", 120.5), ("age", "55"), ("age", True),
    ("age", float("nan")), ("site", "anterior torso"), ("site", "torso "), ("site", "TORSO"), ("gender", "male"),
])
def test_encoding_refuses_what_it_cannot_encode(field, value):
    with pytest.raises(MetadataError) as e:
        ISIC2020.encode({field: value})
    assert repr(field) in str(e.value)


def test_parity_cases_cover_every_value():
    cases = parity_cases(ISIC2020)
    assert cases[0] == {}
    assert {c.get("sex") for c in cases} == set(SEXES)
    assert {c.get("site") for c in cases} == set(SITES)
    ages = {c.get("age") for c in cases}
    assert None in ages and {0, 120} <= ages and len(ages) >= 4


def test_csv_row_to_api_metadata():
    row = {"image_name": "ISIC_1", "sex": "female", "age_approx": "55.0", "anatom_site_general_challenge": "torso"}
    assert csv_metadata(row) == {"sex": "female", "age": 55, "site": "torso"}
    assert csv_metadata({"sex": "", "age_approx": "nan", "anatom_site_general_challenge": ""}) == {}


# ------------------------------------------------------------------------------------------- converted model

@pytest.fixture(scope="session")
def metadata_sources(tmp_path_factory):
    d = tmp_path_factory.mktemp("metadata-sources")
    tiny_metadata_model(SIZE).save(d / "meta.keras")
    tiny_metadata_model(SIZE, seed=1, metadata_first=True).save(d / "meta-first.keras")
    tiny_metadata_model(SIZE, metadata_length=12).save(d / "meta-12.keras")
    return d


@pytest.fixture(scope="session")
def metadata_export(metadata_sources, testdata, tmp_path_factory):
    out = tmp_path_factory.mktemp("metadata-export") / "1"
    rc = main(["convert", str(metadata_sources / "meta.keras"), "--metadata", "isic2020", "--out", str(out),
               "--crop-fraction", "0.6", "--calibration-dir", str(testdata / "dermoscopy"), "--untrained"])
    assert rc == 0
    return out


def tensorflow_probabilities(keras_file, images: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """TensorFlow itself (a fresh process), the inputs given by name: independent of the exporter's input order."""
    d = os.path.dirname(str(keras_file))
    np.save(os.path.join(d, "tf-x.npy"), images)
    np.save(os.path.join(d, "tf-m.npy"), rows)
    code = textwrap.dedent(f"""
        import numpy as np, keras
        m = keras.saving.load_model({str(keras_file)!r}, compile=False)
        x, r = np.load({os.path.join(d, 'tf-x.npy')!r}), np.load({os.path.join(d, 'tf-m.npy')!r})
        np.save({os.path.join(d, 'tf-y.npy')!r}, np.asarray(m.predict({{"image": x, "metadata": r}}, verbose=0)))
    """)
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return np.load(os.path.join(d, "tf-y.npy"))


def photo_inputs(spec, testdata, n=4):
    from melanoma_export.preprocessing import Normalization, Preprocessing, reference_tensor, to_model_input

    pp = Preprocessing.from_spec(spec["input"])
    files = sorted((testdata / "dermoscopy").glob("*.jpg"))[-n:]  # not the gate's first eight
    x = np.stack([reference_tensor(str(f), pp)[0] for f in files])
    return to_model_input(x, Normalization.from_spec(spec["input"]["normalization"]))


def onnx_run(path, images, rows):
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return s.run(["probability"], {"image": images, "metadata": rows})[0]


def test_spec_declares_the_metadata_input(metadata_export):
    spec = json.loads((metadata_export / "model.json").read_text())
    assert spec["specVersion"] == 4
    assert spec["extraInputs"] == [CONTRACT_EXTRA_INPUT]
    s = ort.InferenceSession(str(metadata_export / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [(i.name, i.shape[1:]) for i in s.get_inputs()] == [("image", [SIZE, SIZE, 3]), ("metadata", [9])]
    p = spec["parity"]
    assert p["metadataCases"] == parity_cases(ISIC2020) and p["inputs"] == 8 * len(p["metadataCases"])
    assert p["inputKind"] == "images" and p["maxAbsDiffProbability"] <= p["tolerance"] == 1e-5
    assert {r["name"] for r in spec["export"]["graphRewrites"]} == {"sub-const-to-add", "pad-into-conv"}
    assert all(r["sites"] > 0 for r in spec["export"]["graphRewrites"])
    assert spec["runtimeGraphs"] and all(g["parity"]["inputs"] == p["inputs"] for g in spec["runtimeGraphs"])
    # The head reads Concat(GAP(features), metadata branch): the map splits the Dense kernel by rows.
    [cam] = spec["extraOutputs"]
    assert cam["name"] == "cam" and cam["includesOtherInputs"] is True and cam["shape"] == [-1, SIZE // 4, SIZE // 4]
    assert cam["parity"]["maxAbsDiffScaled"] <= cam["parity"]["tolerance"]


def test_cam_mean_is_the_logit_and_metadata_only_shifts_it(metadata_export, testdata):
    from melanoma_export.heatmap import mean_logit_gap, onnx_cams, scaled
    from melanoma_export.metadata import cross

    spec = json.loads((metadata_export / "model.json").read_text())
    cases = parity_cases(ISIC2020)
    x = cross(photo_inputs(spec, testdata, n=3), ISIC2020, cases)
    assert mean_logit_gap(str(metadata_export / "model.onnx"), x) < 1e-4
    cams = onnx_cams(str(metadata_export / "model.onnx"), x).reshape(3, len(cases), SIZE // 4, SIZE // 4)
    s = scaled(cams.reshape(-1, SIZE // 4, SIZE // 4)).reshape(cams.shape)
    assert np.abs(s - s[:, :1]).max() < 1e-5  # the scaled map is the image's alone
    assert np.ptp(cams.mean(axis=(2, 3)), axis=1).min() > 0.05  # the raw map moves with the metadata


def test_onnx_matches_tensorflow_over_photos_and_metadata_cases(metadata_export, metadata_sources, testdata):
    spec = json.loads((metadata_export / "model.json").read_text())
    images = photo_inputs(spec, testdata)
    cases = [dict(zip(("sex", "age", "site"), c)) for c in
             [("male", 55, "torso"), ("female", 30, "head/neck"), (None, 80, None), (None, None, "palms/soles"),
              ("female", None, "oral/genital"), ("male", 0, "upper extremity"), ("female", 120, "lower extremity"),
              (None, None, None)]]
    rows = np.stack([encode(**c) for c in cases])
    x = np.repeat(images, len(cases), axis=0)
    r = np.tile(rows, (len(images), 1))
    tf = tensorflow_probabilities(metadata_sources / "meta.keras", x, r)
    for graph in ["model.onnx"] + [g["file"] for g in spec["runtimeGraphs"]]:
        np.testing.assert_allclose(onnx_run(metadata_export / graph, x, r), tf, atol=1e-5, rtol=0)
    one = np.concatenate([onnx_run(metadata_export / "model.onnx", x[i:i + 1], r[i:i + 1]) for i in range(len(x))])
    np.testing.assert_allclose(one, tf, atol=1e-5, rtol=0)


def test_each_field_moves_the_probability(metadata_export, testdata):
    """The graph reads its metadata input: changing one field alone changes the answer (the test model's
    metadata branch is scaled so that it does)."""
    spec = json.loads((metadata_export / "model.json").read_text())
    image = photo_inputs(spec, testdata, n=1)
    base = float(onnx_run(metadata_export / "model.onnx", image, encode()[None])[0, 0])
    for change in [{"sex": "male"}, {"sex": "female"}, {"age": 30}, {"age": 90}] + [{"site": s} for s in SITES[1:]]:
        p = float(onnx_run(metadata_export / "model.onnx", image, encode(**change)[None])[0, 0])
        assert abs(p - base) > 2e-3, change


def test_metadata_first_model_exports_image_first(metadata_sources, testdata, tmp_path):
    """A Keras model that lists the metadata input first still gets the graph inputs image, metadata."""
    out = tmp_path / "first"
    assert main(["convert", str(metadata_sources / "meta-first.keras"), "--metadata", "isic2020", "--out", str(out),
                 "--crop-fraction", "0.6", "--no-runtime-graphs"]) == 0
    spec = json.loads((out / "model.json").read_text())
    images = photo_inputs(spec, testdata, n=2)
    rows = np.stack([encode(sex="male", age=55, site="torso"), encode(site="oral/genital")])
    np.testing.assert_allclose(onnx_run(out / "model.onnx", images, rows),
                               tensorflow_probabilities(metadata_sources / "meta-first.keras", images, rows),
                               atol=1e-5, rtol=0)


def test_reference_fixtures_feed_the_missing_encoding(metadata_export, metadata_sources, testdata, tmp_path):
    from melanoma_export.reference import write_fixtures

    images = tmp_path / "photos" / "dermoscopy"
    images.mkdir(parents=True)
    for f in sorted((testdata / "dermoscopy").glob("*.jpg"))[:3]:
        (images / f.name).write_bytes(f.read_bytes())
    out = write_fixtures(str(metadata_export), str(images.parent), str(tmp_path / "ref"),
                         source_path=str(metadata_sources / "meta.keras"), progress=lambda *_: None)
    fixtures = json.loads((out / "fixtures.json").read_text())
    assert fixtures["metadata"]["encoded"] == encode().tolist()
    assert fixtures["maxAbsDiffProbability"] <= 1e-5
    spec = json.loads((metadata_export / "model.json").read_text())
    x = photo_inputs(spec, images.parent, n=3)
    tf = tensorflow_probabilities(metadata_sources / "meta.keras", x, np.tile(encode(), (3, 1)))[:, 0]
    np.testing.assert_allclose([e["probability"] for e in fixtures["images"]], tf, atol=1e-6, rtol=0)


def test_evaluate_reference_feeds_each_photos_metadata(metadata_export, metadata_sources, testdata):
    """run_reference (evaluate --reference) gives TensorFlow the metadata evaluate sent the service."""
    from melanoma_export.evaluate import run_reference

    spec = json.loads((metadata_export / "model.json").read_text())
    files = sorted((testdata / "dermoscopy").glob("*.jpg"))[-3:]
    sent = [{"sex": "male", "age": 55, "site": "torso"}, {}, {"site": "palms/soles"}]
    images = photo_inputs(spec, testdata, n=3)
    rows = np.stack([ISIC2020.encode(m) for m in sent])
    service = onnx_run(metadata_export / "model.onnx", images, rows)[:, 0]  # what a service running it answers
    photos = [{"image": f.stem, "file": f.name, "target": i % 2, "probability": float(p),
               "uncalibratedProbability": float(p), "sentMetadata": m}
              for i, (f, p, m) in enumerate(zip(files, service, sent))]
    ref = run_reference({"spec": spec, "photos": photos}, str(testdata / "dermoscopy"),
                        str(metadata_sources / "meta.keras"), progress=lambda *_: None)
    assert ref["compared"] == 3 and ref["maxAbsDiff"] <= 1e-5
    tf = tensorflow_probabilities(metadata_sources / "meta.keras", images, rows)[:, 0]
    np.testing.assert_allclose([p["tensorflowProbability"] for p in photos], tf, atol=1e-6, rtol=0)


# -------------------------------------------------------------------------------------------------- refusals

def _refused(capsys, argv) -> str:
    assert main(argv) == MetadataError.exit_code
    err = capsys.readouterr().err.strip().splitlines()  # progress lines, then the one-line reason
    assert err[-1].startswith("melanoma-export: error: ") and not any("Traceback" in line for line in err)
    return err[-1]


def test_second_input_without_metadata_flag_is_refused(capsys, metadata_sources, tmp_path):
    msg = _refused(capsys, ["convert", str(metadata_sources / "meta.keras"), "--out", str(tmp_path / "o"),
                            "--crop-fraction", "0.6"])
    assert "second input 'metadata'" in msg and "--metadata isic2020" in msg
    assert not (tmp_path / "o").exists()


def test_metadata_flag_on_an_image_only_model_is_refused(capsys, models_dir, tmp_path):
    msg = _refused(capsys, ["convert", str(models_dir / "tiny.keras"), "--metadata", "isic2020",
                            "--out", str(tmp_path / "o"), "--crop-fraction", "0.5"])
    assert "has only the image input" in msg


def test_metadata_flag_with_a_rebuilt_architecture_is_refused(capsys, b0_weights, tmp_path):
    msg = _refused(capsys, ["convert", str(b0_weights), "--arch", "efficientnetb0", "--size", str(SIZE),
                            "--metadata", "isic2020", "--out", str(tmp_path / "o"), "--crop-fraction", "0.5"])
    assert "--arch" in msg and "image input only" in msg


def test_second_input_of_the_wrong_length_is_refused(capsys, metadata_sources, tmp_path):
    msg = _refused(capsys, ["convert", str(metadata_sources / "meta-12.keras"), "--metadata", "isic2020",
                            "--out", str(tmp_path / "o"), "--crop-fraction", "0.6"])
    assert "(None, 12)" in msg and "(batch, 9)" in msg


def test_unknown_encoding_is_refused_by_the_parser(capsys, metadata_sources, tmp_path):
    with pytest.raises(SystemExit):
        main(["convert", str(metadata_sources / "meta.keras"), "--metadata", "isic2019", "--out", str(tmp_path)])
    assert "isic2020" in capsys.readouterr().err


def test_int8_with_metadata_is_refused(capsys, metadata_sources, tmp_path):
    from melanoma_export.errors import QuantizationRefused

    assert main(["convert", str(metadata_sources / "meta.keras"), "--metadata", "isic2020", "--int8",
                 "--calibration-dir", str(PKG_ROOT), "--out", str(tmp_path / "o"),
                 "--crop-fraction", "0.6"]) == QuantizationRefused.exit_code
    assert "--int8 is not available with --metadata" in capsys.readouterr().err


def test_evaluate_sends_each_photos_metadata_as_query_parameters(metadata_export, testdata, tmp_path):
    """collect (evaluate, calibrate) sends the ISIC 2020 columns as the API's query parameters, to a stand-in HTTP
    server that records what it was sent."""
    import urllib.parse

    from melanoma_export.evaluate import collect

    spec = (metadata_export / "model.json").read_bytes()
    seen = []
    files = sorted((testdata / "dermoscopy").glob("*.jpg"))[:3]
    labels = tmp_path / "train.csv"
    labels.write_text("image_name,target,sex,age_approx,anatom_site_general_challenge\n"
                      f"{files[0].stem},0,female,55.0,torso\n{files[1].stem},1,,,\n{files[2].stem},0,male,,palms/soles\n")
    with stand_in_service(spec, lambda path, body: seen.append(
            dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query)))) as url:
        got = collect(url, str(testdata / "dermoscopy"), str(labels), concurrency=1, progress=lambda *_: None)
    assert seen == [{"sex": "female", "age": "55", "site": "torso"}, {}, {"sex": "male", "site": "palms/soles"}]
    assert [p["sentMetadata"] for p in got["photos"]] == [{"sex": "female", "age": 55, "site": "torso"}, {},
                                                           {"sex": "male", "site": "palms/soles"}]


def test_an_ensemble_member_with_metadata_is_gated_on_tensorflow_with_metadata(metadata_export, metadata_sources,
                                                                                testdata, tmp_path):
    """`ensemble` feeds a metadata member the all-missing vector and valid ones on both sides: the gate passes on
    TensorFlow itself (the member's source given with --source), and the parity record says which cases it ran."""
    out = tmp_path / "ens" / "1"
    rc = main(["ensemble", str(metadata_export), "--out", str(out), "--tta", "dihedral8", "--images", str(testdata),
               "--parity-inputs", "3", "--source", str(metadata_sources / "meta.keras")])
    assert rc == 0
    spec = json.loads((out / "model.json").read_text())
    parity = spec["parity"]
    assert parity["maxAbsDiffProbability"] <= parity["tolerance"] == 1e-5
    assert "membersWithoutReference" not in parity
    assert parity.get("metadataCases"), parity
    assert spec["members"][0]["dir"].startswith("members/")
