"""Write files whole or not at all: temporary sibling, fsync, rename.

The file gets the permissions any program's new file gets (0666 less the umask), as the
images written through OpenImageIO do — ``mkstemp``'s private 0600 would lock the rest of a
team out of project.yaml, pairs.yaml or the experiment log.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Union

from ..errors import PathLike
from .protect import refuse_protected

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask (read by setting and restoring it: there is no other portable way)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a hidden temporary sibling renamed when complete."""
    target = Path(path)
    refuse_protected(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".rtk-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):  # POSIX; Windows files carry no mode bits to fix
                os.fchmod(handle.fileno(), 0o666 & ~current_umask())
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target


def temporary_folder(parent: PathLike, prefix: str) -> Path:
    """A new hidden folder in ``parent`` (to be renamed when complete) with the permissions
    a new folder gets from the umask — ``mkdtemp`` makes it 0700."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    if hasattr(os, "chmod"):
        os.chmod(folder, 0o777 & ~current_umask())
    return folder


def atomic_write_text(path: PathLike, text: Union[str, bytes]) -> Path:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return atomic_write_bytes(path, data)
