"""`rtk nk train|inference|run-train`: scripts written, chunks, headless runs with a stand-in
Nuke (an executable script printing what Nuke prints), and bad input that writes nothing."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from independent import read_independently

from restoration_toolkit.cli import main
from restoration_toolkit.core.io.frames import parse_frames
from restoration_toolkit.nk import parse_script
from restoration_toolkit.nk.chunks import chunk_ranges, chunk_shell_script

STAND_IN = """#!{python}
import sys, pathlib, time
args = sys.argv[1:]
log = pathlib.Path({log!r})
log.open("a").write(" ".join(args) + "\\n")
mode = {mode!r}
if "-X" in args and args[args.index("-X") + 1].startswith("CopyCat"):
    if mode == "bad-dir":
        print("ERROR: CopyCat1: No valid or writable data directory is selected.")
        sys.exit(0)
    if mode == "eddy":
        print("[Step:1/4] Loss:0.5")
        print("2026-01-01 12:00:00 Eddy[ERROR] - CUDA error: out of memory")
        sys.exit(0)
    script = pathlib.Path(args[-1]).read_text()
    data = [l.split(" ", 2)[-1] for l in script.splitlines() if l.startswith(" dataDirectory ")][0]
    for step in range(1, 5):
        print(f"[Step:{{step}}/4] Loss:{{0.1 / step:.4f}}", flush=True)
    pathlib.Path(data, "Training_260101_120000.2.cat").write_bytes(b"old")
    time.sleep(0.01)
    pathlib.Path(data, "Training_260101_120001.4.cat").write_bytes(b"cat")
else:
    first, last = (int(v) for v in args[args.index("-F") + 1].split("-"))
    for f in range(first, last + 1):
        print(f"Writing frame.{{f}} Frame {{f}} ({{f - first + 1}} of {{last - first + 1}})")
    if mode == "crash":
        sys.exit(3)
"""


def make_stand_in(folder: Path, mode: str = "ok") -> Path:
    path = folder / "nuke-stand-in"
    path.write_text(
        STAND_IN.format(python=sys.executable, log=str(folder / "calls.txt"), mode=mode)
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def rtk(capsys, monkeypatch):
    """Run `rtk ARGS` in this process (fast); the real subprocess is tested once below."""

    def run(*args, env=None):
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return run


def test_rtk_nk_runs_as_a_subprocess(project_factory):
    project = project_factory("generation")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "restoration_toolkit",
            "nk",
            "train",
            "--project",
            str(project.root),
            "--no-log",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert result.returncode == 0, result.stderr
    assert Path(json.loads(result.stdout)["script"]).is_file()


def test_train_writes_script_session_and_data_directory(project_factory, capsys):
    project = project_factory("color-reference")
    out = project.root / "train.nk"
    assert (
        main(
            [
                "nk",
                "train",
                "--project",
                str(project.root),
                "--out",
                str(out),
                "--json",
                "--epochs",
                "500",
                "--model-size",
                "large",
                "--no-log",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    seen = read_independently(out.read_text())
    assert (
        seen["CopyCat1"].knobs["epochs"] == "500" and seen["CopyCat1"].knobs["modelSize"] == "Large"
    )
    data = Path(result["data_directory"])
    assert data.is_dir() and (data / "session.yaml").is_file()
    assert result["settings"]["epochs"] == 500


def test_train_reads_project_settings_file(project_factory, capsys):
    project = project_factory("generation")
    (project.stage_dir(3) / "settings.yaml").write_text(
        "crop_size: 128\ncheckpoint_interval: 500\n"
    )
    assert main(["nk", "train", "--project", str(project.root), "--json", "--no-log"]) == 0
    result = json.loads(capsys.readouterr().out)
    seen = read_independently(Path(result["script"]).read_text())
    assert seen["CopyCat1"].knobs["cropSize"] == "128"
    assert seen["CopyCat1"].knobs["checkpointInterval"] == "500"
    (project.stage_dir(3) / "settings.yaml").write_text("learning_rate: 1\n")
    assert main(["nk", "train", "--project", str(project.root), "--no-log"]) == 1
    assert "unknown settings learning_rate" in capsys.readouterr().err


@pytest.mark.parametrize(
    "technique,extra,message",
    [
        ("color-reference", ["--technique", "colour"], "unknown technique 'colour'"),
        ("generation", ["--model-size", "huge"], "--model-size must be one of"),
        ("color-nonreference", [], "no provenance"),
        ("generation", ["--template", "nope.nk"], "no such template file"),
        ("generation", ["--shot", "sh999"], "no shot 'sh999'"),
    ],
)
def test_train_bad_input_writes_nothing(project_factory, rtk, technique, extra, message):
    project = project_factory(technique, provenance=False)
    out = project.root / "never.nk"
    before = sorted(p for p in project.root.rglob("*"))
    result = rtk("nk", "train", "--project", project.root, "--out", out, *extra)
    assert result.returncode not in (0, None)
    assert message in result.stderr
    line = result.stderr.strip()
    assert line.startswith("rtk: error: ") and "\n" not in line
    assert not out.exists() and sorted(p for p in project.root.rglob("*")) == before


def test_train_refuses_no_pairs(project_factory, rtk):
    project = project_factory("generation", pairs=[])
    result = rtk("nk", "train", "--project", project.root)
    assert result.returncode == 1 and "no training pairs" in result.stderr
    assert not list(project.stage_dir(3).glob("*.nk"))


def test_inference_chunks_cover_every_frame_once(project_factory, tmp_path, capsys):
    project = project_factory("gauge")
    model = tmp_path / "m.cat"
    model.write_bytes(b"cat")
    out = tmp_path / "render" / "inference.nk"
    assert (
        main(
            [
                "nk",
                "inference",
                "--project",
                str(project.root),
                "--model",
                str(model),
                "--frames",
                "1001-1007,1010-1020",
                "--chunk",
                "4",
                "--gpu",
                "--out",
                str(out),
                "--json",
                "--no-log",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    chunks = Path(result["chunks_file"]).read_text().split()
    covered = [f for c in chunks for f in parse_frames(c)]
    assert sorted(covered) == parse_frames("1001-1007,1010-1020")
    assert len(covered) == len(set(covered))
    assert all(len(parse_frames(c)) <= 4 for c in chunks)
    shell = Path(result["render_script"]).read_text()
    assert shell.startswith("#!/bin/sh") and shell.count(" -X WriteML --gpu ") == len(chunks)
    assert os.access(result["render_script"], os.X_OK)
    seen = read_independently(out.read_text())
    assert seen["WriteML"].knobs["first"] == "1001" and seen["WriteML"].knobs["last"] == "1020"


@pytest.mark.parametrize(
    "frames,size",
    [([1, 2, 3, 4, 5, 6, 7], 3), (list(range(1001, 1101)), 7), ([5, 9, 10, 11, 20], 2), ([42], 10)],
)
def test_chunk_ranges_cover_every_frame_once(frames, size):
    ranges = chunk_ranges(frames, size)
    covered = [f for a, b in ranges for f in range(a, b + 1)]
    assert covered == sorted(frames)
    assert all(b - a + 1 <= size for a, b in ranges)
    text = chunk_shell_script(Path("/x/it's.nk"), "WriteML", ranges)
    assert text.count("-X WriteML") == len(ranges) and "'/x/it'\\''s.nk'" in text


def test_inference_bad_input_writes_nothing(project_factory, tmp_path, rtk):
    project = project_factory("generation")
    model = tmp_path / "m.cat"
    model.write_bytes(b"cat")
    out = tmp_path / "x.nk"
    for extra, message in (
        (["--model", tmp_path / "none.cat"], "no such model file"),
        (["--model", model, "--frames", "1-10"], "outside the scan sequence"),
        (["--model", model, "--chunk", "0"], "at least 1"),
        (["--model", model, "--shot", "nope"], "no shot 'nope' in project.yaml"),
    ):
        result = rtk("nk", "inference", "--project", project.root, "--out", out, *extra)
        assert result.returncode == 1 and message in result.stderr, result.stderr
        assert not out.exists()


def test_train_run_with_stand_in_nuke(project_factory, tmp_path, rtk):
    project = project_factory("color-reference")
    nuke = make_stand_in(tmp_path)
    result = rtk(
        "nk", "train", "--project", project.root, "--run", "--nuke", nuke, "--json", "--no-log"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["steps_done"] == 4 and data["final_loss"] == pytest.approx(0.025)
    assert data["model"].endswith("Training_260101_120001.4.cat")
    curve = Path(data["loss_curve"]).read_text().splitlines()
    assert curve[0] == "step,loss" and len(curve) == 5
    call = (tmp_path / "calls.txt").read_text().split()
    # as farm integrations run CopyCat: no --nukex unless asked for
    assert call[:5] == ["-X", "CopyCat1", "-F", "1", "--gpu"] and "--nukex" not in call
    assert call[-1] == data["script"]


def test_train_run_reports_nukes_error_line(project_factory, tmp_path, rtk):
    project = project_factory("generation")
    nuke = make_stand_in(tmp_path, "bad-dir")
    result = rtk(
        "nk", "train", "--project", project.root, "--run", "--no-log", env={"RTK_NUKE": str(nuke)}
    )
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "CopyCat1: No valid or writable data directory is selected."
    )
    assert result.stderr.startswith("rtk: error: ")


def test_run_train_on_an_existing_script(project_factory, tmp_path, capsys):
    project = project_factory("generation")
    assert main(["nk", "train", "--project", str(project.root), "--no-log", "--json"]) == 0
    script = Path(json.loads(capsys.readouterr().out)["script"])
    nuke = make_stand_in(tmp_path)
    assert main(["nk", "run-train", str(script), "--nuke", str(nuke), "--json", "--no-log"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["model"].endswith(".4.cat") and data["total_steps"] == 4
    assert main(["nk", "run-train", str(script), "--node", "CopyCat9", "--nuke", str(nuke)]) == 1
    assert "no CopyCat node named CopyCat9" in capsys.readouterr().err


def test_inference_run_renders_every_chunk(project_factory, tmp_path, capsys):
    project = project_factory("color-reference")
    model = tmp_path / "m.cat"
    model.write_bytes(b"cat")
    nuke = make_stand_in(tmp_path)
    assert (
        main(
            [
                "nk",
                "inference",
                "--project",
                str(project.root),
                "--model",
                str(model),
                "--chunk",
                "6",
                "--run",
                "--nuke",
                str(nuke),
                "--json",
                "--no-log",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["frames_rendered"] == 20
    calls = (tmp_path / "calls.txt").read_text().splitlines()
    assert [c.split()[1] for c in calls] == ["1001-1006", "1007-1012", "1013-1018", "1019-1020"]
    crash = make_stand_in(tmp_path, "crash")
    assert (
        main(
            [
                "nk",
                "inference",
                "--project",
                str(project.root),
                "--model",
                str(model),
                "--run",
                "--nuke",
                str(crash),
                "--no-log",
            ]
        )
        == 1
    )
    assert "status 3" in capsys.readouterr().err


def test_written_script_round_trips(project_factory, capsys):
    project = project_factory("gauge")
    assert (
        main(
            [
                "nk",
                "train",
                "--project",
                str(project.root),
                "--target-size",
                "128x96",
                "--json",
                "--no-log",
            ]
        )
        == 0
    )
    script = Path(json.loads(capsys.readouterr().out)["script"])
    parsed = parse_script(script.read_text())
    assert parsed.find("GaugeReformat").knobs["format"] == "128 96 0 0 128 96 1 DEMO_target"


def test_training_run_is_logged_with_loss_and_model(project_factory, tmp_path, rtk):
    project = project_factory("color-reference")
    nuke = make_stand_in(tmp_path)
    result = rtk("nk", "train", "--project", project.root, "--run", "--nuke", nuke, "--json")
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stdout)["log_entry"]
    log = (project.root / "notes" / "experiments.md").read_text()
    assert f"## {entry} · training" in log
    assert "| final_loss | 0.025 |" in log and "Training_260101_120001.4.cat" in log
    assert "rtk_loss_curve.csv" in log
    assert log.count("## E") == 1  # the run updated the entry the script made


def test_unknown_template_version_from_the_command_line(project_factory, tmp_path, rtk):
    from restoration_toolkit.nk.template_source import TEMPLATE_VERSION, template_text

    project = project_factory("generation")
    bad = tmp_path / "generation_train.nk"
    bad.write_text(
        template_text("generation_train").replace(
            f"rtk_template_version {TEMPLATE_VERSION}", "rtk_template_version 1"
        )
    )
    out = tmp_path / "out.nk"
    result = rtk("nk", "train", "--project", project.root, "--template", bad, "--out", out)
    assert result.returncode == 1 and not out.exists()
    assert "template version 1 of generation_train is not supported" in result.stderr
    assert not list(project.stage_dir(3).rglob("session_*"))
