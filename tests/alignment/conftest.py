"""Fixtures of the alignment tests (helpers live in helpers.py)."""

from __future__ import annotations

import pytest

from tests.alignment.helpers import small_pair


@pytest.fixture(scope="session")
def base_pair():
    return small_pair()
