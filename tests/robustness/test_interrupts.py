"""Issue 18, defects 5 and 16: a killed run stops its children and leaves no temporary file.

Each case starts ``rtk`` as a user would, waits for a first output (the marker that work is
under way), sends SIGTERM or SIGINT to that one process (as ``kill`` or a farm's cancel does),
and then checks that no process the run started is still alive and nothing half-written or
temporary is left. Processes are found by a tag in their environment (Linux ``/proc``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Callable, List

import pytest

from .conftest import leftovers, rtk, rtk_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc"),
]


def _start(*args, tag: str, cwd: Path, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "restoration_toolkit", *[str(a) for a in args]],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
        env=rtk_env(RTK_ROBUST_TAG=tag, **env),
    )


def _tagged(tag: str) -> List[int]:
    """Processes whose environment carries ``RTK_ROBUST_TAG=tag``."""
    needle = f"RTK_ROBUST_TAG={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _wait_for(check: Callable[[], bool], timeout: float, proc: subprocess.Popen) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def _stop_and_check(proc: subprocess.Popen, tag: str, signum: int, *folders: Path) -> str:
    proc.send_signal(signum)
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:  # its children still hold its output open
        err = "(no exit within 120 s of the stop)"
    end = time.monotonic() + 15  # children get the grace a clean stop needs
    while _tagged(tag) and time.monotonic() < end:
        time.sleep(0.1)
    alive = _tagged(tag)
    for pid in alive:  # never leave a stray process behind the test itself
        os.kill(pid, signal.SIGKILL)
    proc.kill()
    assert not alive, f"processes still running after the stop: {alive}"
    assert proc.wait() != 0, err
    assert not leftovers(*folders), leftovers(*folders)
    assert "Traceback" not in err, err[-3000:]
    return err


def _written(folder: Path, pattern: str) -> int:
    return len(list(folder.glob(pattern)))


@pytest.mark.robustness(defect=5)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_killed_parallel_alignment_stops_its_workers(project, tmp_path, signum):
    out = tmp_path / "aligned"
    tag = uuid.uuid4().hex
    proc = _start("align", project / "media/SCAN.####.exr", project / "media/REF.####.png",
                  "--reference-frames", "4-21", "--out", out, "--jobs", "2", "--no-log",
                  tag=tag, cwd=tmp_path)
    started = _wait_for(lambda: any(out.glob("aligned.*.exr")), 300, proc)
    if not started:
        proc.kill()
        pytest.fail("alignment ended before its first frame: " + proc.communicate()[1][-2000:])
    at_stop = _written(out, "aligned.*.exr")
    err = _stop_and_check(proc, tag, signum, out)
    assert "rtk: interrupted" in err
    # at most the two frames in flight may still land; workers must not go on to new ones
    assert _written(out, "aligned.*.exr") <= at_stop + 2, "workers kept aligning after the stop"


@pytest.mark.robustness(defect=5)
def test_killed_farm_run_stops_openjd_and_removes_its_temp_folder(project, tmp_path):
    pytest.importorskip("openjd.sessions")
    bundle = tmp_path / "bundle"
    out = tmp_path / "graded"
    made = rtk("farm", "bundle", "--stage", "matchgrade-apply", "--project", project, "--grade",
               project / "pipeline/05_matchgrade_render/grade.cube", "--output",
               out / "g.####.exr", "--chunk", "1", "--out", bundle)
    assert made.returncode == 0, made.stderr
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    tag = uuid.uuid4().hex
    proc = _start("farm", "run", bundle, "--workers", "2", tag=tag, cwd=tmp_path,
                  TMPDIR=str(tmp))
    started = _wait_for(lambda: any(out.glob("g.*.exr")), 300, proc)
    if not started:
        proc.kill()
        pytest.fail("farm run ended before its first frame: " + proc.communicate()[1][-2000:])
    at_stop = _written(out, "g.*.exr")
    _stop_and_check(proc, tag, signal.SIGTERM, out, tmp)
    assert not [p for p in tmp.iterdir() if p.name.startswith("rtk-farm-run-")]
    assert _written(out, "g.*.exr") <= at_stop + 2, "workers kept rendering after the stop"


@pytest.mark.robustness(defect=16)
def test_killed_matchgrade_apply_leaves_no_hidden_file(project, tmp_path):
    out = tmp_path / "graded"
    tag = uuid.uuid4().hex
    proc = _start("matchgrade", "apply", project / "pipeline/05_matchgrade_render/grade.cube",
                  "--project", project, "--out", out / "g.####.exr", "--no-log",
                  tag=tag, cwd=tmp_path)
    started = _wait_for(lambda: any(out.glob("*")), 300, proc)
    if not started:
        proc.kill()
        pytest.fail("apply ended before its first frame: " + proc.communicate()[1][-2000:])
    _stop_and_check(proc, tag, signal.SIGTERM, out)
