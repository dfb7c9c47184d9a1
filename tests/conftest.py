"""Shared fixtures: the strict fake `nuke` and `nukescripts`, installed for one test at a time."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

FAKES = Path(__file__).parent / "fakes"

# Qt widgets in tests need no screen (pytest-qt, the Experiment Log panel).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True, scope="session")
def _video_index_cache(tmp_path_factory):
    """Video indexes (core.io.video) go to a temporary folder, never the user's cache."""
    old = os.environ.get("RTK_CACHE")
    os.environ["RTK_CACHE"] = str(tmp_path_factory.mktemp("rtk-cache"))
    yield
    if old is None:
        os.environ.pop("RTK_CACHE", None)
    else:
        os.environ["RTK_CACHE"] = old


@pytest.fixture
def fake_nuke(monkeypatch):
    """The strict fake `nuke` installed as sys.modules["nuke"], reset for each test."""
    from tests.fakes import nuke as fake

    fake._reset()
    monkeypatch.setitem(sys.modules, "nuke", fake)
    yield fake
    fake._reset()


@pytest.fixture
def fake_nukescripts(fake_nuke, monkeypatch):
    """The strict fake ``nukescripts`` (tests/fakes/nukescripts), after the fake ``nuke``."""
    from tests.fakes import nukescripts as fake

    fake.panels._reset()
    monkeypatch.setitem(sys.modules, "nukescripts", fake)
    monkeypatch.setitem(sys.modules, "nukescripts.panels", fake.panels)
    yield fake
    fake.panels._reset()
