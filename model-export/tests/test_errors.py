"""Clear one-line errors and non-zero exits for the mistakes a user makes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import PKG_ROOT, SIZE
from melanoma_export.cli import main


def run_cli(capsys, *args):
    rc = main(list(args))
    err = capsys.readouterr().err.strip().splitlines()
    return rc, (err[-1] if err else "")


def test_help_runs_as_module():
    env = dict(os.environ, PYTHONPATH=str(PKG_ROOT))
    for args in (["--help"], ["convert", "--help"], ["demo", "--help"], ["reference", "--help"],
                 ["optimize", "--help"], ["match-tfrecords", "--help"]):
        p = subprocess.run([sys.executable, "-m", "melanoma_export", *args], capture_output=True, text=True, env=env)
        assert p.returncode == 0, p.stderr
        assert "usage: melanoma-export" in p.stdout


def test_real_exit_code_and_one_line(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(PKG_ROOT))
    p = subprocess.run([sys.executable, "-m", "melanoma_export", "convert", str(tmp_path / "nope.h5"), "--out",
                        str(tmp_path / "o")], capture_output=True, text=True, env=env)
    assert p.returncode == 2
    assert p.stderr.strip() == f"melanoma-export: error: model file not found: {tmp_path / 'nope.h5'}"


def test_missing_file(capsys, tmp_path):
    rc, line = run_cli(capsys, "convert", str(tmp_path / "missing.keras"), "--out", str(tmp_path / "o"))
    assert rc == 2 and "model file not found" in line


@pytest.mark.parametrize("name,content,expected", [
    ("corrupt.h5", b"\x89HDF\r\n\x1a\n" + b"\0" * 100, "corrupt HDF5 file"),
    ("garbage.h5", b"this is not a model at all", "cannot read"),
    ("empty.keras", b"", "model file is empty"),
])
def test_corrupt_file(capsys, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    rc, line = run_cli(capsys, "convert", str(path), "--out", str(tmp_path / "o"))
    assert rc == 2 and expected in line, line
    assert not (tmp_path / "o").exists()


def test_truncated_keras_zip(capsys, tmp_path, models_dir):
    data = (models_dir / "tiny.keras").read_bytes()
    path = tmp_path / "truncated.keras"
    path.write_bytes(data[: len(data) // 2])
    rc, line = run_cli(capsys, "convert", str(path), "--out", str(tmp_path / "o"))
    assert rc == 2 and ("cannot read" in line or "corrupt" in line), line


def test_wrong_architecture(capsys, tmp_path, b0_weights):
    rc, line = run_cli(capsys, "convert", str(b0_weights), "--arch", "efficientnetb1", "--size", str(SIZE),
                       "--out", str(tmp_path / "o"))
    assert rc == 3
    assert "do not fit efficientnetb1" in line and "not in the" in line


def test_wrong_size_for_full_model(capsys, tmp_path, models_dir):
    rc, line = run_cli(capsys, "convert", str(models_dir / "tiny.h5"), "--size", "64", "--out", str(tmp_path / "o"))
    assert rc == 3 and f"--size 64 does not match the model's input size {SIZE}" in line


def test_size_too_small(capsys, tmp_path, b0_weights):
    rc, line = run_cli(capsys, "convert", str(b0_weights), "--arch", "efficientnetb0", "--size", "16",
                       "--out", str(tmp_path / "o"))
    assert rc == 3 and "too small" in line


def test_weights_only_needs_arch(capsys, tmp_path, b0_weights):
    rc, line = run_cli(capsys, "convert", str(b0_weights), "--out", str(tmp_path / "o"))
    assert rc == 2 and "weights only" in line and "--arch" in line


def test_arch_needs_size(capsys, tmp_path, b0_weights):
    rc, line = run_cli(capsys, "convert", str(b0_weights), "--arch", "efficientnetb0", "--out", str(tmp_path / "o"))
    assert rc == 3 and "needs --size" in line


def test_unknown_arch_is_rejected_by_the_parser(capsys, tmp_path, b0_weights):
    with pytest.raises(SystemExit) as e:
        main(["convert", str(b0_weights), "--arch", "resnet50", "--size", "32"])
    assert e.value.code == 2
    assert "invalid choice: 'resnet50'" in capsys.readouterr().err
