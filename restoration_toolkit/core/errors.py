"""The one error type users see: a single line that names the file and what is wrong."""

from __future__ import annotations

import errno
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


# errno → what a person should look at (the OS's own words follow in brackets)
_OS_HINTS = {
    errno.EACCES: "not writable or not readable here (permissions; a read-only folder?)",
    errno.EPERM: "not permitted here (permissions)",
    getattr(errno, "EROFS", -3): "on a read-only disk",
    errno.ENOSPC: "the disk is full; free some space and run again",
    getattr(errno, "EDQUOT", -2): "the disk quota is used up; free some space and run again",
    errno.ENOTDIR: "a part of this path is a file, not a folder",
    errno.EEXIST: "a file is in the way where a folder is needed",
    errno.ENOENT: "no such file or folder",
    errno.EISDIR: "is a folder, not a file",
    errno.ENAMETOOLONG: "the name is too long for this disk",
}


def os_error(exc: OSError) -> RTKError:
    """An OSError (read-only folder, full disk, a file where a folder should be …) as the
    one-line RTKError a person sees instead of a traceback."""
    hint = _OS_HINTS.get(exc.errno or -1)
    reason = exc.strerror or type(exc).__name__
    problem = f"{hint} ({reason})" if hint else reason
    return RTKError(problem, exc.filename if exc.filename is not None else None)
