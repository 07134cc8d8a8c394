"""Runtime graphs: what convert and optimize write, that each graph computes model.onnx's function when opened
the way the spec says, and that a tampered model or a differing graph is refused with nothing written."""

from __future__ import annotations

import hashlib
import json
import platform
import shutil

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from conftest import REPO_ROOT, SIZE
from melanoma_export import runtime_graphs
from melanoma_export.cli import main

DEMO = REPO_ROOT / "models" / "efficientnetb4-demo" / "1"
LEVELS = {"disabled": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
          "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
          "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}
RECORD_KEYS = {"file", "sha256", "crc32", "sampledSha256", "bytes", "externalData", "savedAt", "openWith", "requires",
               "producedBy", "parity"}


def host_block_size():
    """Read here from /proc/cpuinfo, independently of the module under test."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return None
    with open("/proc/cpuinfo") as f:
        flags = next((set(line.split(":", 1)[1].split()) for line in f if line.startswith("flags")), set())
    return 16 if "avx512f" in flags else 8 if {"avx2", "fma"} <= flags else None


def expected_files():
    block = host_block_size()
    return ([f"model.opt-amd64-nchwc{block}.onnx"] if block else []) + ["model.opt-portable.onnx"]


def _spec(d):
    return json.loads((d / "model.json").read_text())


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _listing(d):
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def _probabilities(path, level, x):
    so = ort.SessionOptions()
    so.graph_optimization_level = LEVELS[level]
    so.intra_op_num_threads = 1
    s = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    return s.run(None, {"image": x})[0]


def _domains(path):
    return {n.domain for n in onnx.load(str(path)).graph.node}


def _nudge_largest_weight(path, factor=1.05):
    proto = onnx.load(str(path))
    init = max((i for i in proto.graph.initializer if i.data_type == onnx.TensorProto.FLOAT),
               key=lambda i: int(np.prod(i.dims)))
    w = numpy_helper.to_array(init)
    init.CopyFrom(numpy_helper.from_array((w * factor).astype(w.dtype), init.name))
    onnx.save(proto, str(path))


@pytest.fixture(scope="module")
def plain_export(models_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("plain") / "tiny" / "1"
    assert main(["convert", str(models_dir / "tiny.keras"), "--out", str(out), "--crop-fraction", "0.5",
                 "--no-runtime-graphs"]) == 0
    return out


@pytest.fixture
def plain_copy(plain_export, tmp_path):
    d = tmp_path / "copy"
    shutil.copytree(plain_export, d)
    return d


@pytest.fixture
def tamper_portable_graph(monkeypatch):
    """The portable graph comes out of onnxruntime with one weight changed by 5 %."""
    real = runtime_graphs.save_optimized

    def save_then_tamper(model_path, out_path, level):
        real(model_path, out_path, level)
        if out_path.endswith(runtime_graphs.PORTABLE_FILE):
            _nudge_largest_weight(out_path)

    monkeypatch.setattr(runtime_graphs, "save_optimized", save_then_tamper)


def check_records(d):
    spec = _spec(d)
    assert spec["specVersion"] == 4
    records = spec["runtimeGraphs"]
    assert [r["file"] for r in records] == expected_files()
    assert sorted(p.name for p in d.glob("model.opt-*.onnx")) == sorted(expected_files())
    assert sorted(p.name for p in d.glob("model.opt-*.data")) == sorted(f + ".data" for f in expected_files())
    for r in records:
        assert set(r) == RECORD_KEYS
        path = d / r["file"]
        assert r["sha256"] == _sha(path) and r["bytes"] == path.stat().st_size
        data = r["externalData"]
        assert data["file"] == r["file"] + ".data"
        assert data["sha256"] == _sha(d / data["file"]) and data["bytes"] == (d / data["file"]).stat().st_size
        # the weights are outside the graph (onnxruntime maps them instead of copying them out of the protobuf):
        # every initializer of 1 kB or more points into the .data file
        inline = [i.name for i in onnx.load(str(path), load_external_data=False).graph.initializer
                  if i.data_location != onnx.TensorProto.EXTERNAL and len(i.raw_data) >= 1024]
        assert not inline, inline
        assert r["producedBy"] == f"onnxruntime {ort.__version__}"
        if "nchwc" in r["file"]:
            assert (r["savedAt"], r["openWith"]) == ("all", "disabled")
            assert r["requires"] == {"arch": "amd64", "nchwcBlockSize": host_block_size()}
        else:
            assert (r["savedAt"], r["openWith"], r["requires"]) == ("extended", "all", {})
        p = r["parity"]
        assert set(p) == {"against", "maxAbsDiffProbability", "tolerance", "inputs", "inputKind"}
        assert p["against"] == "model.onnx" and p["tolerance"] == 1e-6
        assert 0.0 <= p["maxAbsDiffProbability"] <= p["tolerance"]
    return spec


def test_convert_writes_runtime_graphs(tiny_export):
    spec = check_records(tiny_export)
    for r in spec["runtimeGraphs"]:  # the gate's inputs
        assert r["parity"]["inputs"] == spec["parity"]["inputs"]
        assert r["parity"]["inputKind"] == spec["parity"]["inputKind"] == "noise"


def test_each_graph_opened_as_the_spec_says_computes_model_onnx(tiny_export):
    rng = np.random.default_rng(11)  # not the parity inputs
    x = np.stack([rng.uniform(0, 255 * (i + 1) / 6, (SIZE, SIZE, 3)) * rng.uniform(0.2, 1.0, 3)
                  for i in range(6)]).astype(np.float32)
    reference = _probabilities(tiny_export / "model.onnx", "all", x)
    assert float(reference.max() - reference.min()) > 1e-3
    for r in _spec(tiny_export)["runtimeGraphs"]:
        got = _probabilities(tiny_export / r["file"], r["openWith"], x)
        assert float(np.abs(got - reference).max()) <= 1e-6, r["file"]


def test_only_the_nchwc_graph_has_nchwc_nodes(tiny_export):
    for r in _spec(tiny_export)["runtimeGraphs"]:
        has = "com.microsoft.nchwc" in _domains(tiny_export / r["file"])
        assert has == ("nchwc" in r["file"]), r["file"]


def test_no_runtime_graphs_flag(plain_export):
    spec = _spec(plain_export)
    assert spec["specVersion"] == 4 and "runtimeGraphs" not in spec
    assert not list(plain_export.glob("model.opt-*"))


def test_optimize_adds_graphs_and_removes_stale_ones(plain_copy, capsys):
    before = _spec(plain_copy)
    model_sha = _sha(plain_copy / "model.onnx")
    (plain_copy / "model.opt-amd64-nchwc4.onnx").write_bytes(b"left over from an older export")
    assert main(["optimize", str(plain_copy)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(plain_copy)
    spec = check_records(plain_copy)
    assert _sha(plain_copy / "model.onnx") == model_sha
    assert {k: v for k, v in spec.items() if k not in ("specVersion", "runtimeGraphs")} == \
        {k: v for k, v in before.items() if k != "specVersion"}
    assert all(r["parity"]["inputKind"] == "noise" and r["parity"]["inputs"] == 8 for r in spec["runtimeGraphs"])


@pytest.mark.skipif(host_block_size() is None, reason="needs an amd64 CPU with avx512f or avx2 + fma")
def test_optimize_keeps_another_cpus_nchwc_graph_while_its_files_match(plain_copy, capsys):
    """One directory can carry a graph for AVX-512 hosts and one for AVX2 hosts: optimize on one kind of host keeps
    the graph the other kind made, unless its files no longer match model.json."""
    block = host_block_size()
    assert main(["optimize", str(plain_copy)]) == 0
    spec = _spec(plain_copy)
    mine = next(r for r in spec["runtimeGraphs"] if r["requires"].get("nchwcBlockSize") == block)
    other_block = 8 if block == 16 else 16
    other = json.loads(json.dumps(mine))
    other["file"] = f"model.opt-amd64-nchwc{other_block}.onnx"
    other["externalData"]["file"] = other["file"] + ".data"
    other["requires"]["nchwcBlockSize"] = other_block
    shutil.copy(plain_copy / mine["file"], plain_copy / other["file"])
    shutil.copy(plain_copy / mine["externalData"]["file"], plain_copy / other["externalData"]["file"])
    spec["runtimeGraphs"].append(other)
    (plain_copy / "model.json").write_text(json.dumps(spec))
    capsys.readouterr()

    assert main(["optimize", str(plain_copy)]) == 0
    assert "kept as model.json records it" in capsys.readouterr().err
    after = _spec(plain_copy)["runtimeGraphs"]
    assert [r["file"] for r in after] == ["model.opt-amd64-nchwc16.onnx", "model.opt-amd64-nchwc8.onnx",
                                          "model.opt-portable.onnx"]
    assert next(r for r in after if r["file"] == other["file"]) == other
    assert (plain_copy / other["file"]).is_file() and (plain_copy / other["externalData"]["file"]).is_file()

    weights = plain_copy / other["externalData"]["file"]
    tampered = bytearray(weights.read_bytes())
    tampered[-1] ^= 0xFF
    weights.write_bytes(bytes(tampered))
    assert main(["optimize", str(plain_copy)]) == 0
    assert "do not match model.json; dropped" in capsys.readouterr().err
    check_records(plain_copy)  # only this host's graphs are left, files and records


def test_optimize_on_images(plain_copy, testdata):
    images = plain_copy.parent / "images"
    images.mkdir()
    for name in ("ISIC_0000000.jpg", "ISIC_0024310.jpg"):
        shutil.copy(testdata / "dermoscopy" / name, images / name)
    assert main(["optimize", str(plain_copy), "--images", str(images)]) == 0
    spec = check_records(plain_copy)
    assert all(r["parity"]["inputKind"] == "images+noise" and r["parity"]["inputs"] == 8
               for r in spec["runtimeGraphs"])


def test_optimize_refuses_a_model_that_is_not_the_specs(plain_copy, capsys):
    _nudge_largest_weight(plain_copy / "model.onnx")
    before = _listing(plain_copy)
    rc = main(["optimize", str(plain_copy)])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert rc == 2, err
    assert "sha256" in err and "model.json says" in err
    assert _listing(plain_copy) == before


def test_optimize_refuses_a_graph_that_differs(plain_copy, capsys, tamper_portable_graph):
    before = _listing(plain_copy)
    rc = main(["optimize", str(plain_copy)])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert rc == 1, err
    assert "runtime graph model.opt-portable.onnx" in err and "> tolerance 1e-06" in err
    assert _listing(plain_copy) == before


def test_convert_refuses_a_graph_that_differs(models_dir, tmp_path, capsys, tamper_portable_graph):
    out = tmp_path / "refused"
    rc = main(["convert", str(models_dir / "tiny.keras"), "--out", str(out), "--crop-fraction", "0.5"])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert rc == 1, err
    assert "runtime graph model.opt-portable.onnx" in err
    assert not out.exists()


@pytest.mark.skipif(not (DEMO / "model.json").exists(), reason="demo model not generated")
def test_committed_demo_runtime_graphs_match_their_spec():
    spec = _spec(DEMO)
    records = spec["runtimeGraphs"]
    assert [r["file"] for r in records][-1] == "model.opt-portable.onnx"
    assert sorted(p.name for p in DEMO.glob("model.opt-*.onnx")) == sorted(r["file"] for r in records)
    x = np.full((1, 384, 384, 3), 128, np.float32)
    reference = _probabilities(DEMO / "model.onnx", "all", x)
    for r in records:
        path = DEMO / r["file"]
        assert r["sha256"] == _sha(path) and r["bytes"] == path.stat().st_size, r["file"]
        data = DEMO / r["externalData"]["file"]
        assert r["externalData"]["sha256"] == _sha(data), data
        assert r["parity"]["maxAbsDiffProbability"] <= r["parity"]["tolerance"]
        if r["requires"].get("nchwcBlockSize", host_block_size()) == host_block_size():  # runnable here
            got = _probabilities(path, r["openWith"], x)
            assert float(np.abs(got - reference).max()) <= r["parity"]["tolerance"], r["file"]
