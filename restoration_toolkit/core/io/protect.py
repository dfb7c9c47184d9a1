"""Never write onto a project's source or reference sequence.

Nuke never writes over a Read; neither does rtk. While a command runs (inside
:func:`protection_scope`, which the ``rtk`` command line opens around every command), every
project it loads registers its scan and reference sequences here, and every writer of the
toolkit — :func:`~.images.write_image` and :func:`~.atomic.atomic_write_bytes` — calls
:func:`refuse_protected` before it creates anything. A sequence is matched by its naming
(folder, prefix, any frame number, suffix), so a frame that does not exist yet (a reference
with fewer frames than the input) is protected as well, and ``--overwrite`` changes nothing.
:func:`check_not_input` refuses, in the same words, a writer's own input files.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, List, Optional

from ..errors import PathLike, RTKError


@dataclass(frozen=True)
class ProtectedSequence:
    """One sequence (or single file) no command may write: its folder and file-name rule."""

    directory: Path
    name: re.Pattern[str]
    label: str
    pattern: str

    def covers(self, path: Path) -> bool:
        return _resolved(path.parent) == self.directory and bool(self.name.match(path.name))


_active: Optional[List[ProtectedSequence]] = None


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:  # an unreadable folder: compare as given
        return path.absolute()


@contextlib.contextmanager
def protection_scope() -> Iterator[None]:
    """Collect protected sequences for the duration of one command (nested scopes start from
    the outer one's list and drop what they added on exit)."""
    global _active
    outer = _active
    _active = list(outer or [])
    try:
        yield
    finally:
        _active = outer


def protect_sequence(spec: str, label: str) -> None:
    """Protect the sequence (or single file) ``spec`` for the rest of the current scope.

    Outside any scope this does nothing (library callers, tests preparing material)."""
    if _active is None or not spec:
        return
    from .sequence import is_pattern, spec_path, split_pattern

    text = spec_path(spec)
    if is_pattern(text):
        directory, prefix, _padding, suffix = split_pattern(text)
        rule = re.compile("^" + re.escape(prefix) + r"-?\d+" + re.escape(suffix) + "$")
    else:
        directory, rule = Path(text).parent, re.compile("^" + re.escape(Path(text).name) + "$")
    _active.append(ProtectedSequence(_resolved(Path(directory)), rule, label, text))


def refuse_protected(path: PathLike) -> None:
    """RTKError when ``path`` belongs to a protected sequence of the current scope."""
    if not _active:
        return
    target = Path(path)
    for seq in _active:
        if seq.covers(target):
            raise RTKError(
                f"refusing to write onto the {seq.label} ({seq.pattern}); a project's source "
                "and reference are never written — choose another output",
                target,
            )


def check_not_input(path: PathLike, inputs: Iterable[PathLike]) -> None:
    """Refuse to write over a source file of this very call (source material is sacred)."""
    target = Path(path).resolve()
    for src in inputs:
        if Path(src).resolve() == target:
            raise RTKError("refusing to write over an input file", path)
