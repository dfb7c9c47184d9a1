"""Bundles run end to end through OpenJD's own local runner (openjd-cli's `openjd run`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import yaml

from restoration_toolkit.core.io.images import read_image
from restoration_toolkit.farm.bundle import BundleRequest, plan_bundle, write_bundle
from restoration_toolkit.farm.completeness import frame_problem

OUT = "pipeline/05_matchgrade_render/TINY_MG_####.exr"
FRAMES = list(range(1, 13))


def rtk(args, env, **kw):
    return subprocess.run(
        [sys.executable, "-m", "restoration_toolkit", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        **kw,
    )


def process_groups_below(pid: int) -> set:
    """Process groups of every descendant of ``pid`` (Linux /proc; empty elsewhere)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        parents[int(stat.parent.name)] = (int(fields[1]), int(fields[2]))  # ppid, pgid
    groups, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, pgid) in parents.items():
            if ppid == parent:
                groups.add(pgid)
                todo.append(child)
    return groups


def bundle(project, standin, out, chunk=3):
    plan = plan_bundle(BundleRequest("matchgrade-apply", project=str(project), chunk=chunk,
                                     python=str(standin)))
    return write_bundle(plan, out)


def out_path(project: Path, frame: int) -> Path:
    return project / OUT.replace("####", f"{frame:04d}")


def complete(project: Path) -> set:
    return {f for f in FRAMES if frame_problem(out_path(project, f), (8, 6)) is None}


def ledger_frames(path: Path) -> list:
    return [int(line.split()[0]) for line in path.read_text().splitlines()] if path.exists() else []


def test_two_workers_run_every_frame_once_and_a_rerun_does_nothing(
    project, standin_python, subprocess_env, tmp_path
):
    b = bundle(project, standin_python, tmp_path / "bundle")
    ledger = tmp_path / "ledger.txt"
    env = dict(subprocess_env, STANDIN_LEDGER=str(ledger))
    result = rtk(["farm", "run", str(b), "--workers", "2", "--json"], env)
    assert result.returncode == 0, result.stderr + result.stdout
    summary = json.loads(result.stdout)
    assert summary["ok"] and summary["tasks"] == 4
    assert sorted(w["chunks_done"] for w in summary["workers"]) == [2, 2]
    assert sorted(ledger_frames(ledger)) == FRAMES  # each frame written exactly once
    assert (
        len({line.split()[1] for line in ledger.read_text().splitlines()}) == 4
    )  # one process per chunk
    for f in FRAMES:
        got = read_image(out_path(project, f)).pixels
        np.testing.assert_allclose(got, np.full((6, 8, 3), 0.005 * f, np.float32), rtol=1e-3)
    again = rtk(["farm", "run", str(b)], env)
    assert again.returncode == 0, again.stderr
    assert sorted(ledger_frames(ledger)) == FRAMES  # re-submitting a finished job does no work


def test_kill_and_resume_covers_every_frame_exactly_once(
    project, standin_python, subprocess_env, tmp_path
):
    b = bundle(project, standin_python, tmp_path / "bundle", chunk=6)
    ledger1 = tmp_path / "ledger1.txt"
    env = dict(subprocess_env, STANDIN_LEDGER=str(ledger1), STANDIN_DELAY="0.25")
    proc = subprocess.Popen(
        [sys.executable, "-m", "restoration_toolkit", "farm", "run", str(b)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(ledger_frames(ledger1)) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    # The task runs in its own process group (OpenJD starts a new session for it): kill it
    # and the runner above it, as a dying worker host would.
    writer_pid = int(ledger1.read_text().splitlines()[-1].split()[1])
    # `openjd run` sits in a session of its own too: a dying host takes it with the rest
    below = process_groups_below(proc.pid)
    try:
        os.killpg(os.getpgid(writer_pid), signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.killpg(proc.pid, signal.SIGKILL)
    for group in below - {proc.pid}:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)
    done_first = complete(project)
    assert 3 <= len(done_first) < len(FRAMES), done_first
    # nothing half-written under a final name: every output file present is complete
    present = {f for f in FRAMES if out_path(project, f).exists()}
    assert present == done_first
    inodes = {f: out_path(project, f).stat().st_ino for f in done_first}

    ledger2 = tmp_path / "ledger2.txt"
    env = dict(subprocess_env, STANDIN_LEDGER=str(ledger2))
    result = rtk(["farm", "run", str(b)], env)
    assert result.returncode == 0, result.stderr
    redone = ledger_frames(ledger2)
    assert sorted(redone) == sorted(set(FRAMES) - done_first)  # the rest, each once
    assert complete(project) == set(FRAMES)
    assert {f: out_path(project, f).stat().st_ino for f in done_first} == inodes  # not rewritten
    leftovers = [p.name for p in out_path(project, 1).parent.iterdir() if "rtk-tmp" in p.name]
    assert leftovers == []


def test_path_mapping_rewrites_the_bundle_paths(project, standin_python, subprocess_env, tmp_path):
    """A bundle written where the project is /mnt/studio/TINY runs here through path mapping."""
    b = bundle(project, standin_python, tmp_path / "bundle", chunk=6)
    values_file = b / "parameter_values.yaml"
    doc = yaml.safe_load(values_file.read_text())
    studio = "/mnt/studio-that-does-not-exist/TINY"
    for item in doc["parameterValues"]:
        if isinstance(item["value"], str) and item["value"].startswith(str(project)):
            item["value"] = studio + item["value"][len(str(project)) :]
    values_file.write_text(yaml.safe_dump(doc, sort_keys=False))
    assert str(project) not in values_file.read_text()

    unmapped = rtk(["farm", "run", str(b)], subprocess_env)
    assert unmapped.returncode == 1
    last = unmapped.stderr.strip().splitlines()[-1]  # the task's own error line, passed up
    assert (
        last.startswith("rtk: error:")
        and "/mnt/studio-that-does-not-exist/TINY: no such project folder" in last
    )
    assert complete(project) == set()

    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "version": "pathmapping-1.0",
                "path_mapping_rules": [
                    {
                        "source_path_format": "POSIX",
                        "source_path": studio,
                        "destination_path": str(project),
                    }
                ],
            }
        )
    )
    mapped = rtk(["farm", "run", str(b), "--path-mapping", str(rules)], subprocess_env)
    assert mapped.returncode == 0, mapped.stderr
    assert complete(project) == set(FRAMES)
