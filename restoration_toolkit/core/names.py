"""Names that become parts of file and folder names: project names and shot names.

A shot name from project.yaml, pairs.yaml or ``--shot`` ends up in paths such as
``inference_<shot>.nk`` or ``<shot>_ml_####.exr``; ``../../x`` or ``a/b`` there would write
outside the project. So they follow the same rule as project names.
"""

from __future__ import annotations

from typing import Any, Optional

from .errors import RTKError


def name_problem(value: Any) -> Optional[str]:
    """Why ``value`` cannot be a project or shot name (these go into file and folder names),
    or None: letters, digits, ``_`` and ``-`` only, not empty, at most 100 characters."""
    text = str(value) if value is not None else ""
    if not text:
        return "is empty"
    if len(text) > 100:
        return f"is longer than 100 characters ({len(text)})"
    if not all(ch.isalnum() or ch in "_-" for ch in text):
        return f"must be letters, digits, _ or - (used in file names), got {text!r}"
    return None


def check_name(value: Any, what: str = "shot name") -> str:
    """``value`` as text if it is a safe name (see :func:`name_problem`), else RTKError."""
    problem = name_problem(value)
    if problem:
        raise RTKError(f"{what} {problem}")
    return str(value)
