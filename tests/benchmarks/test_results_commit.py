"""A table names the commit it ran on, and says so when the code differed from it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from restoration_toolkit.testing.provenance import code_commit


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    (tmp_path / "restoration_toolkit").mkdir()
    (tmp_path / "restoration_toolkit" / "fit.py").write_text("X = 1\n")
    (tmp_path / "notes.md").write_text("notes\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first")
    return tmp_path


def test_clean_tree_names_head(repo: Path):
    assert code_commit(repo) == _git(repo, "rev-parse", "--short", "HEAD")


def test_changed_code_is_marked_uncommitted(repo: Path):
    head = _git(repo, "rev-parse", "--short", "HEAD")
    (repo / "notes.md").write_text("other notes\n")  # not code a benchmark runs
    assert code_commit(repo) == head
    (repo / "restoration_toolkit" / "fit.py").write_text("X = 2\n")
    assert code_commit(repo) == head + "+uncommitted"
    (repo / "restoration_toolkit" / "fit.py").write_text("X = 1\n")
    (repo / "restoration_toolkit" / "new.py").write_text("Y = 1\n")  # an untracked module too
    assert code_commit(repo) == head + "+uncommitted"


def test_outside_a_checkout(tmp_path: Path):
    assert code_commit(tmp_path) is None


def test_headline_figures_flatten_scalars_for_the_log():
    from restoration_toolkit.testing.figures import headline_figures

    headline = {"families": 5, "cv": {"a": 1.46, "b": 2.88}, "ranges": [0.9, 2.9],
                "met": False, "note": "x"}
    assert headline_figures(headline) == {"families": 5, "cv/a": 1.46, "cv/b": 2.88,
                                          "met": False, "note": "x"}
    assert len(headline_figures({f"k{i}": i for i in range(40)}, limit=7)) == 7
