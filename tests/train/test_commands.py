"""`rtk train` / `rtk infer` from the command line: results, one-line errors, no torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import make_project

ROOT = Path(__file__).resolve().parents[2]


def _rtk(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "restoration_toolkit", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_without_torch_train_says_how_to_install(tmp_path):
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\nclass _B:\n    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch' or name.startswith('torch.'):\n"
        "            raise ImportError('blocked for the test')\n        return None\n"
        "sys.meta_path.insert(0, _B())\n"
    )
    env = dict(os.environ, PYTHONPATH=f"{blocker}{os.pathsep}{ROOT}")
    r = _rtk("train", "--project", tmp_path, env=env)
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0
    assert 'pip install ".[train]"' in r.stderr
    assert _rtk("--help", env=env).returncode == 0  # everything else still works


def _main(*args):
    from restoration_toolkit.cli import main

    return main([str(a) for a in args])


@pytest.mark.torch
def test_train_then_infer_from_the_command_line(tmp_path, capsys):
    pytest.importorskip("torch")
    project = make_project(tmp_path / "p", frames=4)
    code = _main(
        "train",
        "--project",
        project.root,
        "--steps",
        "20",
        "--crop-size",
        "32",
        "--batch-size",
        "2",
        "--model-size",
        "small",
        "--json",
        "--no-log",
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    summary = json.loads(out)
    torch_dir = project.root / "pipeline/03_copycat_training/torch"
    assert Path(summary["model"]) == torch_dir / "model.pt"
    for name in ("model.pt", "model.json", "catfile_creator.nk", "loss.csv"):
        assert (torch_dir / name).is_file(), name
    (torch_dir / "model.pt").unlink()
    code = _main("train", "--project", project.root, "--export-only", "--json")
    out, err = capsys.readouterr()
    assert code == 0, err
    assert (torch_dir / "model.pt").is_file()
    assert json.loads((torch_dir / "model.json").read_text())["steps"] == 20
    render = tmp_path / "render" / "ml.####.exr"
    code = _main(
        "infer",
        "--model",
        torch_dir / "model.pt",
        project.root / "media/scan.####.exr",
        "--out",
        render,
        "--frames",
        "2-3",
        "--tile",
        "32",
        "--overlap",
        "8",
        "--json",
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["frames_written"] == 2
    assert sorted(p.name for p in render.parent.iterdir()) == ["ml.0002.exr", "ml.0003.exr"]


@pytest.mark.torch
def test_bad_inputs_give_one_line_and_write_nothing(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    project = make_project(tmp_path / "p", frames=3, reference_size=(60, 80))
    out = tmp_path / "t"

    def one_line_error(*args, match):
        code = _main(*args)
        err = capsys.readouterr().err
        assert code == 1 and err.startswith("rtk: error:") and err.count("\n") == 1, err
        assert match in err

    one_line_error(
        "train",
        "--project",
        project.root,
        "--steps",
        "5",
        "--out",
        out,
        match="no aligned reference",
    )
    assert not out.exists()
    bad = tmp_path / "bad.pt"
    bad.write_text("nope")
    one_line_error(
        "infer",
        "--model",
        bad,
        project.root / "media/scan.####.exr",
        "--out",
        tmp_path / "o/x.####.exr",
        match="TorchScript",
    )
    assert not (tmp_path / "o").exists()
    one_line_error(
        "train", "--project", project.root, "--resume", "--out", out, match="nothing to resume"
    )
    if not torch.cuda.is_available():
        one_line_error(
            "train",
            "--project",
            project.root,
            "--device",
            "cuda",
            "--out",
            out,
            match="cuda is not available",
        )
    assert not out.exists()
