"""A strict fake of Nuke's ``nukescripts`` package: only ``nukescripts.panels`` as the toolkit
uses it. Install with the ``fake_nukescripts`` fixture (tests/explog/conftest.py), after
``fake_nuke``. Anything not modelled raises AttributeError, as a typo would in Nuke.
"""

from . import panels

__all__ = ["panels"]
