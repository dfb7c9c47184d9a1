"""`rtk log` from the command line, including --json and errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from restoration_toolkit.cli import main


def rtk(capsys: pytest.CaptureFixture, *args: str) -> tuple:
    code = main(["log", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_show_verdict_compare(capsys: pytest.CaptureFixture, project_dir: Path) -> None:
    p = str(project_dir)
    code, out, _ = rtk(
        capsys,
        "add",
        "--project",
        p,
        "--stage",
        "03",
        "--note",
        "first try",
        "--param",
        "epochs=10000",
        "--param",
        "modelSize=Medium",
        "--param",
        "gpu=true",
        "--figure",
        "loss=0.004",
        "--frames",
        "1-5,9",
        "--shot",
        "sh010",
    )
    assert code == 0 and out.startswith("added E0001 in ")
    code, out, _ = rtk(
        capsys,
        "add",
        "--project",
        p,
        "--stage",
        "training",
        "--param",
        "epochs=20000",
        "--figure",
        "loss=0.002",
        "--json",
    )
    added = json.loads(out)
    assert added["id"] == "E0002" and added["parameters"] == {"epochs": 20000}
    code, out, _ = rtk(capsys, "list", "--project", p, "--json")
    listed = json.loads(out)
    assert [e["id"] for e in listed] == ["E0001", "E0002"]
    first = listed[0]
    assert first["parameters"] == {"epochs": 10000, "modelSize": "Medium", "gpu": True}
    assert first["figures"] == {"loss": 0.004} and first["notes"] == "first try"
    assert first["frames"] == [1, 2, 3, 4, 5, 9] and first["stage"] == "training"
    code, out, _ = rtk(capsys, "list", "--project", p, "--shot", "sh010")
    assert code == 0 and "E0001" in out and "E0002" not in out
    code, out, _ = rtk(capsys, "set-verdict", "--project", p, "E0002", "keep", "--by", "lead")
    assert out.strip() == "E0002: keep (approved by lead)"
    code, out, _ = rtk(capsys, "list", "--project", p, "--verdict", "keep", "--json")
    assert [e["id"] for e in json.loads(out)] == ["E0002"]
    code, out, _ = rtk(capsys, "show", "--project", p, "E0001")
    assert out.startswith("## E0001 · training · sh010") and "| epochs | 10000 |" in out
    code, out, _ = rtk(capsys, "compare", "--project", p, "E0001", "E0002", "--json")
    rows = {(r["section"], r["name"]): r for r in json.loads(out)["rows"]}
    assert (
        rows[("parameter", "epochs")]["a"] == 10000 and rows[("parameter", "epochs")]["b"] == 20000
    )
    assert rows[("figure", "loss")]["b"] == 0.002 and rows[("field", "verdict")]["b"] == "keep"
    assert all(not r["same"] for r in rows.values())
    code, out, _ = rtk(capsys, "compare", "--project", p, "E0001", "E0002")
    line = next(ln for ln in out.splitlines() if "epochs" in ln)
    assert line.split()[-3:] == ["10000", "20000", "≠"]
    code, out, _ = rtk(
        capsys, "add", "--project", p, "--stage", "03", "--id", "E0001", "--figure", "psnr=31.5"
    )
    assert out.startswith("updated E0001")
    code, out, _ = rtk(capsys, "show", "--project", p, "E0001", "--json")
    shown = json.loads(out)
    assert shown["figures"] == {"loss": 0.004, "psnr": 31.5}
    assert shown["live_area"] == [10, 20, 2038, 1536]  # from project.yaml
    assert shown["color_chain"] == ["ADX10", "ACEScg", "ACES2065-1"]
    code, out, _ = rtk(
        capsys,
        "add",
        "--project",
        p,
        "--stage",
        "02",
        "--live-area",
        "0,0,1920,1080",
        "--color-spaces",
        "ADX10, ACEScg",
        "--alignment",
        "manual",
        "--json",
    )
    added = json.loads(out)
    assert added["live_area"] == [0, 0, 1920, 1080] and added["color_chain"] == ["ADX10", "ACEScg"]
    assert added["alignment_path"] == "manual"
    code, _, err = rtk(capsys, "add", "--project", p, "--stage", "02", "--live-area", "5,5,1,1")
    assert code == 1 and "must be X0,Y0,X1,Y1" in err


def test_errors_are_one_line_and_exit_1(capsys: pytest.CaptureFixture, project_dir: Path) -> None:
    p = str(project_dir)
    code, _, err = rtk(capsys, "add", "--project", p, "--stage", "07")
    assert (
        code == 1
        and err.strip()
        == "rtk: error: unknown stage '07': give 01..05 or one of "
        "dataset_curation, alignment, training, inference, matchgrade, validation"
    )
    code, _, err = rtk(capsys, "add", "--project", p, "--stage", "03", "--param", "epochs")
    assert code == 1 and "must look like NAME=VALUE" in err
    code, _, err = rtk(capsys, "show", "--project", p, "E0042")
    assert code == 1 and err.strip().endswith(
        "experiments.md: no entry E0042 in the experiment log"
    )
    code, _, err = rtk(capsys, "list", "--project", str(project_dir / "nope"))
    assert code == 1 and err.startswith("rtk: error: ") and "no such project folder" in err


def test_damaged_log_lists_with_warnings_and_refuses_writes(
    capsys: pytest.CaptureFixture, project_dir: Path
) -> None:
    p = str(project_dir)
    rtk(capsys, "add", "--project", p, "--stage", "01")
    rtk(capsys, "add", "--project", p, "--stage", "02")
    path = project_dir / "notes" / "experiments.md"
    text = (
        path.read_text(encoding="utf-8")
        .replace("## E0002", "## E0001")
        .replace('"id": "E0002"', '"id": "E0001"')
    )
    path.write_text(text, encoding="utf-8")
    code, out, err = rtk(capsys, "list", "--project", p, "--json")
    assert code == 0 and [e["id"] for e in json.loads(out)] == ["E0001"]
    assert "rtk: warning: " in err and "duplicate entry id E0001 (first at line" in err
    code, out, _ = rtk(capsys, "check", "--project", p)
    assert code == 1 and "1 entries read, 1 problems" in out
    code, _, err = rtk(capsys, "set-verdict", "--project", p, "E0001", "keep")
    assert code == 1 and "damaged at line" in err
    assert path.read_text(encoding="utf-8") == text


def test_console_entry_point_prints_a_json_list(project_dir: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    run = [sys.executable, "-m", "restoration_toolkit", "log"]
    subprocess.run(
        run + ["add", "--project", str(project_dir), "--stage", "04", "--param", "chunk=10"],
        check=True,
        env=env,
        capture_output=True,
        timeout=120,
    )
    done = subprocess.run(
        run + ["list", "--project", str(project_dir), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (
        isinstance(data, list)
        and data[0]["stage"] == "inference"
        and data[0]["parameters"] == {"chunk": 10}
    )


def test_gui_opens_the_panel_as_a_window(
    qtbot: Any, project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    pytest.importorskip("restoration_toolkit.ui.qt", exc_type=ImportError)
    from restoration_toolkit.ui import log_panel

    shown = []

    def fake_exec(app: Any) -> int:  # running the real event loop would block the test
        shown.extend(
            w for w in app.topLevelWidgets() if isinstance(w, log_panel.LogPanel) and w.isVisible()
        )
        for w in shown:
            qtbot.addWidget(w)
        return 0

    monkeypatch.setattr(log_panel, "qt_exec", fake_exec)
    assert main(["log", "--gui", "--project", str(project_dir)]) == 0
    assert len(shown) == 1 and shown[0].log.path == project_dir / "notes" / "experiments.md"
    assert shown[0].windowTitle().startswith("Experiment Log — ")
