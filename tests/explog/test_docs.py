"""The `rtk log` examples of docs/experiment-log.md run, in order, on a fresh project."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from restoration_toolkit.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "experiment-log.md"


def _console_commands() -> list:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("```console\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line[2:]) for line in block.splitlines() if line.startswith("$ rtk ")]


def test_documented_commands_run(
    capsys: pytest.CaptureFixture, project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project_dir)  # the docs rely on the nearest project.yaml
    commands = _console_commands()
    assert len(commands) >= 6
    outputs = []
    for argv in commands:
        assert argv[0] == "rtk"
        assert main(argv[1:]) == 0, argv
        outputs.append(capsys.readouterr().out)
    listed = json.loads(outputs[3])
    assert [e["id"] for e in listed] == ["E0001", "E0002"]
    compared = outputs[4]
    assert "cropSize" in compared and "epochs" in compared and "loss" in compared
    assert "keep (approved by maria" in outputs[6]
