"""The tutorial cannot rot: its ```sh blocks are the commands a user types, run here in order.

docs/tutorial.md holds shell blocks (```sh) that contain only ``rtk …`` commands and ``cd``.
The fast tests check, without running anything heavy, that every command parses with today's
``rtk`` and that every menu entry the tutorial names exists in ``nuke/menu_data.py``. The slow
test runs the whole tutorial on a fresh demo project in a temporary folder, each ``rtk`` as
``sys.executable -m restoration_toolkit`` in a subprocess, and checks the files each stage
promises the reader.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial.md"

_BLOCK = re.compile(r"^```sh[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
# Menu entries are written as **Film Restoration ▸ 02 Alignment ▸ Align Selected Reads (…)**
_MENU = re.compile(r"Film Restoration ▸ ([^*\n]+?)\*\*")


def tutorial_commands(text: str) -> List[Tuple[int, List[str]]]:
    """(block number, argv) for every command line of every ```sh block, in order.

    Lines ending in a backslash continue on the next line; blank lines and ``#`` comments
    are skipped. Only ``rtk …`` and ``cd DIR`` are allowed, so every line is something
    this test really runs.
    """
    commands: List[Tuple[int, List[str]]] = []
    for number, match in enumerate(_BLOCK.finditer(text), start=1):
        logical = match.group(1).replace("\\\n", " ")
        for line in logical.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            argv = shlex.split(line, comments=True)
            if argv[0] not in ("rtk", "cd"):
                raise AssertionError(
                    f"tutorial block {number}: only `rtk …` and `cd` belong in a ```sh block "
                    f"(use ```text for anything else): {line}"
                )
            commands.append((number, argv))
    return commands


def _text() -> str:
    return TUTORIAL.read_text(encoding="utf-8")


def _registered() -> set:
    from restoration_toolkit.cli import build_parser

    return set(build_parser()._subparsers._group_actions[0].choices)


def test_tutorial_runs_every_stage_this_build_has():
    """Every stage whose command exists in this build is run by the tutorial.

    Training, inference and validation of the demo need aligned references (the DVD is
    480×360, the scan 640×480), so they are required as soon as `rtk align` exists; the
    color stages as soon as `rtk matchgrade` does. A stage that lands on main without a
    tutorial section fails here.
    """
    used = {argv[1] for _, argv in tutorial_commands(_text()) if argv[0] == "rtk"}
    registered = _registered()
    needed = {"demo", "project", "curate", "nk", "log"}
    if "align" in registered:
        needed |= {"align", "train", "infer", "validate"}
    if "matchgrade" in registered:
        needed.add("matchgrade")
    missing = sorted(needed - used)
    assert not missing, f"the tutorial never runs: {', '.join('rtk ' + m for m in missing)}"


def test_every_tutorial_command_parses():
    """Each command is accepted by today's `rtk` argument parser (catches renamed options)."""
    from restoration_toolkit.cli import build_parser

    parser = build_parser()
    for block, argv in tutorial_commands(_text()):
        if argv[0] != "rtk":
            continue
        try:
            parser.parse_args(argv[1:])
        except SystemExit as exc:  # argparse reports and exits on a bad option
            raise AssertionError(
                f"tutorial block {block}: `{shlex.join(argv)}` does not parse"
            ) from exc


def test_every_menu_entry_named_in_the_tutorial_exists():
    from restoration_toolkit.nuke.menu_data import MENU_ENTRIES

    paths = {entry.path for entry in MENU_ENTRIES}
    named = [m.group(1).strip().replace(" ▸ ", "/") for m in _MENU.finditer(_text())]
    assert len(named) >= 8, "the tutorial should name the menu entry of every stage"
    missing = sorted(set(named) - paths)
    assert not missing, f"menu entries the tutorial names but menu_data.py lacks: {missing}"


def test_extractor_refuses_other_shell_lines():
    bad = "```sh\nrtk demo x\nrm -rf x\n```\n"
    with pytest.raises(AssertionError, match="only `rtk"):
        tutorial_commands(bad)
    ok = (
        "```sh\n# a comment\nrtk train --steps 10 \\\n  --crop-size 64\ncd x\n```\n"
        "```text\nrm y\n```\n"
    )
    assert tutorial_commands(ok) == [
        (1, ["rtk", "train", "--steps", "10", "--crop-size", "64"]),
        (1, ["cd", "x"]),
    ]


@pytest.mark.slow
@pytest.mark.torch
def test_tutorial_runs_start_to_finish(tmp_path):
    pytest.importorskip("torch")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("RTK_PROGRESS", None)
    env.pop("RTK_PROJECT", None)
    cwd = tmp_path
    for block, argv in tutorial_commands(_text()):
        if argv[0] == "cd":
            cwd = (cwd / argv[1]).resolve()
            assert cwd.is_dir(), f"tutorial block {block}: `cd {argv[1]}`: no such folder"
            continue
        done = subprocess.run(
            [sys.executable, "-m", "restoration_toolkit", *argv[1:]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, (
            f"tutorial block {block}: `{shlex.join(argv)}` exited {done.returncode}\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )

    # What the tutorial tells the reader to open exists after the run.
    project = tmp_path / "demo"
    for promised in (
        "project.yaml",
        "pipeline/01_dataset_curation/pairs.yaml",
        "pipeline/01_dataset_curation/contact_sheet.png",
        "pipeline/03_copycat_training/torch/model.pt",
        "pipeline/03_copycat_training/torch/catfile_creator.nk",
        "pipeline/05_matchgrade_render/report/index.html",
        "notes/experiments.md",
    ):
        assert (project / promised).is_file(), f"the tutorial promises {promised}"
    check_promises(project)


def check_promises(project: Path) -> None:
    """What the tutorial's prose says about the run's results."""
    import json

    import yaml

    from restoration_toolkit.core.io.images import read_image_header

    pairs = yaml.safe_load((project / "pipeline/01_dataset_curation/pairs.yaml").read_text())
    holdout = [int(f) for f in pairs["holdout"]]
    assert holdout == [1013], "the tutorial names the held-out frame 1013"
    # the held-out references are in the working space (the reason for `--project .`)
    for frame in holdout:
        header = read_image_header(project / "pipeline" / "02_alignment" / f"aligned.{frame}.exr")
        assert header.colorspace == "ACEScg", f"aligned.{frame}.exr is {header.colorspace}"
    # stage 05 measured the held-out frames and picked up the MatchGrade render as a candidate
    report = json.loads((project / "pipeline/05_matchgrade_render/report/report.json").read_text())
    assert report["frames"] == holdout
    names = {c["name"] for c in report["candidates"]}
    assert {"model", "matchgrade", "scan"} <= names, names
    # `rtk align` on the project aligned the pairs and the held-out frames
    alignment = json.loads((project / "pipeline/02_alignment/alignment.json").read_text())
    wanted = {p["scan_frame"] for p in pairs["pairs"]} | set(holdout)
    assert wanted <= {int(f) for f in alignment["frames"]}
    # every stage run on the project is in the experiment log
    log = (project / "notes" / "experiments.md").read_text()
    for stage in (
        "dataset_curation",
        "alignment",
        "matchgrade",
        "training",
        "inference",
        "validation",
    ):
        assert f"· {stage} ·" in log, f"no {stage} entry in the experiment log"
