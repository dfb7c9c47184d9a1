"""A small model of Nuke script (.nk) text: build, write and read scripts without Nuke.

``Node``/``Script`` hold the graph; :func:`write_script` writes the stack / ``set`` / ``push``
form Nuke saves (full script with Root, or a ``nuke.nodePaste`` snippet); :func:`parse_script`
reads it back. Never imports ``nuke``.
"""

from .model import (
    DEFAULT_NUKE_VERSION,
    GROUP_CLASSES,
    PASTE_INPUT,
    ZERO_INPUT_CLASSES,
    Node,
    Raw,
    Script,
    UserKnob,
)
from .parser import NkSyntaxError, parse_script
from .writer import format_value, quote, write_script

__all__ = [
    "DEFAULT_NUKE_VERSION",
    "GROUP_CLASSES",
    "PASTE_INPUT",
    "ZERO_INPUT_CLASSES",
    "NkSyntaxError",
    "Node",
    "Raw",
    "Script",
    "UserKnob",
    "format_value",
    "parse_script",
    "quote",
    "write_script",
]
