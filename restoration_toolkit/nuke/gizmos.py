"""Insert an RT_* tool (a Group saved in gizmos/, found on Nuke's plugin path)."""

from __future__ import annotations

from typing import Any, Optional

import nuke


def insert_gizmo(name: str) -> Optional[Any]:
    try:
        return nuke.createNode(name)
    except RuntimeError:
        nuke.message(
            f"{name} is not on Nuke's plugin path: add the toolkit folder to NUKE_PATH "
            "(its init.py adds gizmos/) and restart Nuke."
        )
        return None
