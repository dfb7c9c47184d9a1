"""Which code a benchmark ran: the commit, marked when the code differed from it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Optional, Sequence

#: the folders whose changes change what a benchmark measures
CODE_FOLDERS: Sequence[str] = ("restoration_toolkit", "benchmarks")


def code_commit(root: Path, folders: Sequence[str] = CODE_FOLDERS) -> Optional[str]:
    """HEAD's short hash, with ``+uncommitted`` when ``folders`` hold changed or untracked
    files, so a table never names code it did not run. None outside a git checkout."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        if not head:
            return None
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", *folders],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return None
    return head + ("+uncommitted" if changed else "")
