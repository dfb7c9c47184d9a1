"""Files in and out: images (OpenImageIO), Nuke-style sequences, frame lists, atomic writes,
OpenColorIO conversion and cached thumbnails.

Never imports nuke, Qt, torch or anything above ``core``. Importing the package imports
nothing heavy (the Nuke side uses ``frames`` and ``atomic`` with the standard library only);
the names below load their module on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "atomic_write_bytes": "atomic",
    "atomic_write_text": "atomic",
    "format_frames": "frames",
    "parse_frames": "frames",
    "ImageMetadata": "images",
    "read_image": "images",
    "read_image_header": "images",
    "write_image": "images",
    "ImageSequence": "sequence",
    "open_sequence": "sequence",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(name)
