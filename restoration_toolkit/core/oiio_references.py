"""Release, before the interpreter exits, the OpenImageIO objects other libraries keep in
module globals, so OpenImageIO's nanobind bindings print no "leaked instances / types /
functions" lines at exit.

Found 2026-12-03 (notes/decisions-house.md): colour-science's ``colour.io.image`` imports
``ImageSpec`` and the ``DOUBLE``/``FLOAT``/``HALF``/``UINT8``/``UINT16`` BASETYPE values of
OpenImageIO into its module globals whenever OpenImageIO is installed; when torch is loaded
in the same process, module teardown reaches them after nanobind has shut down and every
``rtk`` run that used both (``rtk demo``, the pytest session) ended with ~120 leak lines.
Our own code keeps no OpenImageIO object beyond a call.
"""

from __future__ import annotations

import atexit
import sys

_registered = [False]


def release_held_references() -> None:
    """Drop every module global of a ``colour`` module that is an OpenImageIO object or type."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("colour") or module is None:
            continue
        namespace = getattr(module, "__dict__", {})
        for key, value in list(namespace.items()):
            owner = getattr(value, "__module__", None) or getattr(type(value), "__module__", "")
            if isinstance(owner, str) and owner.startswith("OpenImageIO"):
                del namespace[key]


def release_at_exit() -> None:
    """Register :func:`release_held_references` to run at exit (once per process)."""
    if not _registered[0]:
        atexit.register(release_held_references)
        _registered[0] = True
