"""Write files whole or not at all: temporary sibling, fsync, rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Union

from ..errors import PathLike


def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".rtk-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target


def atomic_write_text(path: PathLike, text: Union[str, bytes]) -> Path:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return atomic_write_bytes(path, data)
