"""The experiment log file: round trip, concurrent appends, human edits, damaged files."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.experiment_log import (
    ExperimentLog,
    compare_entries,
    filter_entries,
    log_run,
    parse_document,
    render_document,
)


def _log_text(root: Path) -> str:
    return (root / "notes" / "experiments.md").read_text(encoding="utf-8")


def _two_entries(root: Path) -> tuple:
    (root / "media" / "pairs.yaml").write_text("pairs: []\n")
    a = log_run(
        root,
        stage="training",
        shot="sh010",
        frames=[1, 2, 3, 10],
        parameters={"epochs": 10000, "cropSize": 256, "modelSize": "Medium"},
        figures={"loss": 0.004},
        inputs=[root / "media" / "pairs.yaml"],
        outputs=[Path("pipeline/03_copycat_training/sh010")],
        observations="Grain | smoothed in highlights.",
        model_route="copycat",
        alignment_path="automatic",
        author="ana",
    )
    b = log_run(
        root,
        stage="05",
        figures={"delta_e2000_mean": 2.31, "psnr": float("inf")},
        parameters={"lut_size": 33},
        author="ben",
    )
    return a, b


def test_entries_round_trip_exactly(project_dir: Path) -> None:
    a, b = _two_entries(project_dir)
    assert (a, b) == ("E0001", "E0002")
    text = _log_text(project_dir)
    doc = parse_document(text)
    assert doc.problems == []
    assert render_document(doc) == text
    again = parse_document(render_document(doc))
    assert [e.to_dict() for e in again.entries] == [e.to_dict() for e in doc.entries]
    first = doc.entries[0]
    assert first.parameters == {"epochs": 10000, "cropSize": 256, "modelSize": "Medium"}
    assert first.frames == [1, 2, 3, 10]
    assert first.stage == "training" and doc.entries[1].stage == "validation"
    assert first.project == "REEL1" and first.technique == "color-reference"
    assert first.live_area == [10, 20, 2038, 1536]
    assert first.color_chain == ["ADX10", "ACEScg", "ACES2065-1"]
    assert first.inputs[0].path == "media/pairs.yaml"
    assert first.inputs[0].sha256 is not None and len(first.inputs[0].sha256) == 64
    assert first.observations == "Grain | smoothed in highlights."
    assert doc.entries[1].figures["psnr"] == "inf"  # JSON has no infinity


def test_update_merges_and_keeps_prose(project_dir: Path) -> None:
    a, _ = _two_entries(project_dir)
    log_run(
        project_dir,
        stage="training",
        entry_id=a,
        figures={"psnr": 31.5},
        observations="Resumed to 20k steps.",
        verdict="keep",
        approved_by="lead",
    )
    entry = ExperimentLog.for_project(project_dir).get(a)
    assert entry.figures == {"loss": 0.004, "psnr": 31.5}
    assert entry.observations == "Grain | smoothed in highlights.\n\nResumed to 20k steps."
    assert (entry.verdict, entry.approved_by) == ("keep", "lead")
    with pytest.raises(RTKError, match="no entry E0099"):
        log_run(project_dir, stage="training", entry_id="E0099")


def test_human_edits_to_prose_survive_the_next_write(project_dir: Path) -> None:
    a, b = _two_entries(project_dir)
    path = project_dir / "notes" / "experiments.md"
    text = _log_text(project_dir)
    # a person types notes under E0001 and a line at the very end of the file
    text = text.replace(
        '### Notes\n\n```rtk-entry\n{\n "schema": "rtk-entry/1",\n "id": "E0001"',
        "### Notes\n\nFrame 10 is a *bad pair*: dust on the reference.\n- retry without it\n\n"
        '```rtk-entry\n{\n "schema": "rtk-entry/1",\n "id": "E0001"',
        1,
    )
    text = text.replace(
        "# Experiment log — REEL1", "# Experiment log — REEL1\n\nReel 1, see the shared drive."
    )
    text += "\nCalled with the lab: re-scan ordered.\n"
    path.write_text(text, encoding="utf-8")
    c = log_run(project_dir, stage="alignment", parameters={"method": "ecc"})
    ExperimentLog.for_project(project_dir).set_verdict(a, "reject", "lead")
    after = _log_text(project_dir)
    doc = parse_document(after)
    assert doc.problems == []
    assert [e.id for e in doc.entries] == [a, b, c]
    assert (
        doc.find(a).notes == "Frame 10 is a *bad pair*: dust on the reference.\n- retry without it"
    )
    assert doc.find(b).notes == "Called with the lab: re-scan ordered."
    assert "Reel 1, see the shared drive." in after
    assert doc.find(a).verdict == "reject"


def test_concurrent_appends_lose_nothing(project_dir: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    count = 24
    with ctx.Pool(4) as pool:
        jobs = [
            pool.apply_async(
                log_run,
                (project_dir,),
                {"stage": "inference", "parameters": {"job": i}, "hash_inputs": False},
            )
            for i in range(count)
        ]
        ids = [job.get(timeout=120) for job in jobs]
    doc = parse_document(_log_text(project_dir))
    assert doc.problems == []
    assert sorted(ids) == [f"E{n:04d}" for n in range(1, count + 1)]
    assert sorted(e.parameters["job"] for e in doc.entries) == list(range(count))
    assert len({e.id for e in doc.entries}) == count


def test_damaged_file_is_read_in_part_and_never_written(project_dir: Path) -> None:
    _two_entries(project_dir)
    log_run(project_dir, stage="alignment")
    path = project_dir / "notes" / "experiments.md"
    text = _log_text(project_dir)
    lines = text.split("\n")
    # break E0002's JSON (drop a comma) and duplicate E0003's heading id as E0001
    broken_at = next(i for i, line in enumerate(lines) if line == ' "id": "E0002",')
    lines[broken_at] = ' "id": "E0002"'
    text = (
        "\n".join(lines).replace("## E0003", "## E0001").replace('"id": "E0003"', '"id": "E0001"')
    )
    path.write_text(text, encoding="utf-8")
    log = ExperimentLog.for_project(project_dir)
    result = log.load()
    assert [e.id for e in result.entries] == ["E0001"]
    assert len(result.problems) == 2
    assert result.problems[0].startswith(
        f"line {broken_at + 2}: rtk-entry block of E0002 is not valid JSON"
    )
    headings = [n + 1 for n, ln in enumerate(text.split("\n")) if ln.startswith("## E0001")]
    assert result.problems[1] == (
        f"line {headings[1]}: duplicate entry id E0001 (first at line {headings[0]})"
    )
    with pytest.raises(RTKError, match=rf"damaged at line {broken_at + 2}:"):
        log_run(project_dir, stage="training")
    with pytest.raises(RTKError, match="damaged"):
        log.set_verdict("E0001", "keep")
    assert path.read_text(encoding="utf-8") == text


def test_block_without_heading_and_unclosed_block_are_named(tmp_path: Path) -> None:
    text = "# log\n\n```rtk-entry\n{}\n```\n\n## E0001 · training\n\n```rtk-entry\n{\n"
    doc = parse_document(text)
    assert [str(p) for p in doc.problems] == [
        "line 3: rtk-entry block outside an entry (no '## E0001 …' heading above it)",
        "line 9: rtk-entry block of E0001 is never closed with ```",
    ]
    bad_field = parse_document(
        '## E0001 x\n```rtk-entry\n{"schema": "rtk-entry/1", "id": "E0001", '
        '"stage": "training", "verdict": "maybe"}\n```\n'
    )
    assert [str(p) for p in bad_field.problems] == [
        "line 2: rtk-entry block of E0001: verdict 'maybe' is not one of open, keep, reject"
    ]


def test_compare_and_filter(project_dir: Path) -> None:
    a, b = _two_entries(project_dir)
    entries = ExperimentLog.for_project(project_dir).entries()
    diffs = {
        (d.section, d.name): d
        for d in compare_entries(entries[0], entries[1], only_differences=True)
    }
    assert diffs[("parameter", "epochs")].a == 10000 and diffs[("parameter", "epochs")].b is None
    assert diffs[("figure", "delta_e2000_mean")].b == 2.31
    assert ("field", "technique") not in diffs  # same technique in both
    assert [e.id for e in filter_entries(entries, stage="03")] == [a]
    assert [e.id for e in filter_entries(entries, text="lut_size")] == [b]
    assert [e.id for e in filter_entries(entries, verdict="open")] == [a, b]


def test_bad_arguments_raise(project_dir: Path) -> None:
    with pytest.raises(RTKError, match="unknown stage 'colour'"):
        log_run(project_dir, stage="colour")
    with pytest.raises(RTKError, match="alignment path 'auto' is not one of automatic, manual"):
        log_run(project_dir, stage="alignment", alignment_path="auto")
    with pytest.raises(RTKError, match="'E12' is not an entry id"):
        log_run(project_dir, stage="alignment", entry_id="E12")
    assert not (project_dir / "notes" / "experiments.md").exists()


def test_odd_parameter_values_are_recorded_not_refused(project_dir: Path) -> None:
    import enum
    from dataclasses import dataclass

    import numpy as np

    @dataclass
    class Box:
        x0: int
        y1: int

    class Mode(enum.Enum):
        FAST = "fast"

    entry_id = log_run(
        project_dir,
        stage="training",
        parameters={
            "box": Box(1, 2),
            "mode": Mode.FAST,
            "gains": np.array([1.0, 0.5], dtype=np.float32),
            "steps": np.int64(7),
            "channels": {"g", "r"},
            "thing": object.__new__(type("Odd", (), {"__str__": lambda self: "odd-thing"})),
        },
    )
    params = ExperimentLog.for_project(project_dir).get(entry_id).parameters
    assert params == {
        "box": {"x0": 1, "y1": 2},
        "mode": "fast",
        "gains": [1.0, 0.5],
        "steps": 7,
        "channels": ["g", "r"],
        "thing": "odd-thing",
    }


def test_windows_line_endings_are_read(project_dir: Path) -> None:
    a, b = _two_entries(project_dir)
    path = project_dir / "notes" / "experiments.md"
    text = _log_text(project_dir).replace("### Notes\n", "### Notes\n\nsaved on Windows\n", 1)
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    doc = parse_document(path.read_text(encoding="utf-8"))
    assert doc.problems == [] and [e.id for e in doc.entries] == [a, b]
    assert doc.find(a).notes == "saved on Windows"
    log_run(project_dir, stage="alignment")
    assert b"\r" not in path.read_bytes()
    assert ExperimentLog.for_project(project_dir).get(a).notes == "saved on Windows"


def test_concurrent_updates_and_appends_keep_every_change(project_dir: Path) -> None:
    first = log_run(project_dir, stage="training", figures={"loss": 0.1})
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        jobs = []
        for i in range(16):
            if i % 2:
                kwargs = {"stage": "training", "entry_id": first, "figures": {f"job{i}": i}}
            else:
                kwargs = {"stage": "inference", "parameters": {"job": i}}
            jobs.append(pool.apply_async(log_run, (project_dir,), kwargs))
        for job in jobs:
            job.get(timeout=120)
    doc = parse_document(_log_text(project_dir))
    assert doc.problems == [] and len(doc.entries) == 1 + 8
    assert set(doc.find(first).figures) == {"loss"} | {f"job{i}" for i in range(1, 16, 2)}
    assert sorted(e.parameters["job"] for e in doc.entries[1:]) == list(range(0, 16, 2))


def test_a_write_changes_only_the_entries_it_changes(project_dir: Path) -> None:
    a, b = _two_entries(project_dir)
    path = project_dir / "notes" / "experiments.md"
    text = _log_text(project_dir)
    first_section = text[text.index(f"## {a}") : text.index(f"## {b}")]
    hand_formatted = first_section.replace("| field | value |", "| Field   | Value   |")
    path.write_text(text.replace(first_section, hand_formatted), encoding="utf-8")
    ExperimentLog.for_project(project_dir).set_verdict(b, "keep", "lead")
    after = _log_text(project_dir)
    assert hand_formatted in after  # untouched entry: byte for byte
    ExperimentLog.for_project(project_dir).set_verdict(a, "reject", "lead")
    after = _log_text(project_dir)
    assert hand_formatted not in after and "| field | value |" in after  # re-rendered when changed
    assert parse_document(after).find(a).verdict == "reject"


_WRITER = """
import sys
if {block}:
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split('.')[0] == 'filelock':
                raise ImportError('blocked like in Nuke: ' + name)
    sys.meta_path.insert(0, Block())
from pathlib import Path
from restoration_toolkit.core.experiment_log import log_run
for i in range({count}):
    log_run(Path({root!r}), stage='inference', parameters={{'proc': {proc}, 'i': i}},
            hash_inputs=False)
assert ('filelock' in sys.modules) != {block}
"""


def test_nuke_sessions_without_filelock_and_farm_jobs_with_it_exclude_each_other(
    project_dir: Path,
) -> None:
    """Nuke's Python has no filelock: the stdlib lock must interoperate with filelock."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    count, procs = 6, 4
    running = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WRITER.format(block=p % 2 == 1, count=count, root=str(project_dir), proc=p),
            ],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in range(procs)
    ]
    for proc in running:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    doc = parse_document(_log_text(project_dir))
    assert doc.problems == []
    seen = sorted((e.parameters["proc"], e.parameters["i"]) for e in doc.entries)
    assert seen == [(p, i) for p in range(procs) for i in range(count)]
    assert len({e.id for e in doc.entries}) == count * procs
