"""The one error type users see: a single line that names the file and what is wrong."""

from __future__ import annotations

import os
from typing import Optional, Union

PathLike = Union[str, "os.PathLike[str]"]


class RTKError(Exception):
    """A user-facing error: ``"<path>: <problem>"`` on one line.

    The command line prints it as ``rtk: error: …`` and exits non-zero; the Nuke side shows
    it in ``nuke.message``. Raise it for bad input, never for programming errors.
    """

    def __init__(self, problem: str, path: Optional[PathLike] = None) -> None:
        self.problem = " ".join(str(problem).split())  # always one line
        self.path = os.fspath(path) if path is not None else None
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}" if self.path else self.problem
