"""Finding Nuke and reading its output (no real Nuke needed)."""

from __future__ import annotations

import stat

import pytest

from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.nk.headless import STEP_LINE, find_nuke, newest_model, usual_locations


def _exe(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_find_nuke_order(tmp_path, monkeypatch):
    explicit = _exe(tmp_path / "a" / "Nuke15.1")
    env_one = _exe(tmp_path / "b" / "Nuke14.0")
    old = _exe(tmp_path / "usr" / "Nuke14.0v5" / "Nuke14.0")
    new = _exe(tmp_path / "usr" / "Nuke15.1v3" / "Nuke15.1")
    patterns = [str(tmp_path / "usr" / "Nuke*" / "Nuke*")]
    assert find_nuke(str(explicit), {"RTK_NUKE": str(env_one)}, patterns) == explicit
    assert find_nuke(None, {"RTK_NUKE": str(env_one)}, patterns) == env_one
    assert find_nuke(None, {}, patterns) == new
    assert old != new
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(RTKError, match="Nuke not found"):
        find_nuke(None, {}, [])
    with pytest.raises(RTKError, match="--nuke does not name an executable"):
        find_nuke(str(tmp_path / "missing"), {}, patterns)
    with pytest.raises(RTKError, match="RTK_NUKE"):
        find_nuke(None, {"RTK_NUKE": str(tmp_path / "missing")}, patterns)


def test_usual_locations_per_platform():
    assert any("Program Files" in p for p in usual_locations("win32"))
    assert any("/Applications/" in p for p in usual_locations("darwin"))
    assert any(p.startswith("/usr/local/Nuke") for p in usual_locations("linux"))


def test_step_line():
    m = STEP_LINE.search("[Step:1200/40000] Loss:0.0164")
    assert m and (m.group(1), m.group(2), float(m.group(3))) == ("1200", "40000", 0.0164)
    assert STEP_LINE.search("CopyCat1: [Step: 5 / 10] Loss: 1e-3").group(3) == "1e-3"
    assert STEP_LINE.search("Loading model") is None


def test_newest_model(tmp_path):
    assert newest_model(tmp_path) is None
    (tmp_path / "Training_260101_101010.10000.cat").write_bytes(b"a")
    (tmp_path / "Training_260101_101010.10000.ost").write_bytes(b"a")
    assert newest_model(tmp_path).name == "Training_260101_101010.10000.cat"


@pytest.mark.parametrize(
    "line,reported",
    [
        ("ERROR: CopyCat1: No valid or writable data directory is selected.",
         "CopyCat1: No valid or writable data directory is selected."),
        ("CopyCat1: Error : out of GPU memory", "CopyCat1: Error : out of GPU memory"),
        ("[12:01] Error: cannot open model", "[12:01] Error: cannot open model"),
        ("2026-01-01 Eddy[ERROR] - CUDA failure", "2026-01-01 Eddy[ERROR] - CUDA failure"),
        ("[Step:10/40] Loss:0.1", None),
        ("Loading plug-in CopyCat", None),
        ("errors: 0", None),
    ],
)  # fmt: skip
def test_error_lines_anywhere(line, reported):
    from restoration_toolkit.nk.headless import error_text

    assert error_text(line) == reported


def test_an_error_line_fails_even_with_exit_0():
    from restoration_toolkit.nk.headless import NukeRun, _failed

    assert _failed(NukeRun([], 0, error="Foo: plug-in not found"))
    assert _failed(NukeRun([], 3))
    assert not _failed(NukeRun([], 0))


def test_step_line_without_a_loss():
    m = STEP_LINE.search("CopyCat1 [Step:250/40000]")
    assert m and (m.group(1), m.group(2), m.group(3)) == ("250", "40000", None)


def test_newest_model_non_commercial(tmp_path):
    import os

    old = tmp_path / "Training_260101_101010.10000.cat"
    new = tmp_path / "Training_260101_111010.20000.catnc"
    old.write_bytes(b"a")
    new.write_bytes(b"b")
    os.utime(old, (1, 1))
    assert newest_model(tmp_path) == new
