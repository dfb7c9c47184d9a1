"""The node model of Nuke script text: nodes with a class, knobs, inputs and (Groups) children.

No Nuke needed. A :class:`Node` is what Nuke writes as one ``Class { … }`` block; a
:class:`Script` is the list of nodes plus the Root settings. Inputs are numbered the way
Nuke numbers them: ``inputs[0]`` is input 0 (a Merge2's B, CopyCat's Input), ``inputs[1]``
input 1 (Merge2's A, CopyCat's Ground Truth) and so on; ``None`` is an empty input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

DEFAULT_NUKE_VERSION = "15.1 v1"
DEFAULT_NUKE_EXECUTABLE = "/usr/local/Nuke15.1v1/nuke-15.1.1"

#: Classes that take no input unless a script says otherwise (Nuke writes no ``inputs``
#: line for them). Every other class is read with one input when ``inputs`` is absent.
ZERO_INPUT_CLASSES = frozenset(
    {
        "Root",
        "Read",
        "ReadGeo",
        "ReadGeo2",
        "Constant",
        "CheckerBoard",
        "CheckerBoard2",
        "ColorBars",
        "ColorWheel",
        "StickyNote",
        "BackdropNode",
        "Camera",
        "Camera2",
        "Camera3",
        "Axis",
        "Axis2",
        "Axis3",
        "Light",
        "Light2",
        "DirectLight",
        "PointLight",
        "SpotLight",
        "Environment",
        "Viewer",
    }
)

#: Classes whose block is followed by child nodes and ``end_group``.
GROUP_CLASSES = frozenset({"Group", "Gizmo", "LiveGroup"})


class Raw(str):
    """A knob value written verbatim: TCL as it stands in the file (``{{parent.size}}``,
    ``"\\[value x]"``, ``{0 0 10 10}``). :func:`parse_script` returns knob values as Raw."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Raw({str.__repr__(self)})"


class _PasteInput:
    """The selection a pasted snippet connects to (``push $cut_paste_input``)."""

    _instance: Optional[_PasteInput] = None

    def __new__(cls) -> _PasteInput:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "PASTE_INPUT"


#: Use as an input to connect a snippet's node to whatever is selected when it is pasted.
PASTE_INPUT = _PasteInput()

InputRef = Union["Node", _PasteInput, None]


@dataclass
class UserKnob:
    """A knob added with ``addUserKnob {definition}`` and, if set, its value.

    ``definition`` is the text inside the braces, e.g. ``7 size l Size t "tooltip" R 0 10``
    (type number, knob name, then flags); ``name`` is its second word.
    """

    definition: str
    value: Any = None

    @property
    def name(self) -> str:
        parts = self.definition.split()
        return parts[1] if len(parts) > 1 else ""

    @property
    def type(self) -> int:
        return int(self.definition.split()[0])


class Node:
    """One node: ``Node("Grade", name="Grade1", knobs={"white": 1.2}, inputs=[read])``.

    ``knobs`` keeps insertion order; ``user_knobs`` are written after them, each
    ``addUserKnob`` line followed by its value. ``children`` makes a Group (``Input`` nodes
    inside it, ``number`` knob = input index, and an ``Output``).
    """

    __slots__ = ("cls", "name", "knobs", "inputs", "children", "user_knobs")

    def __init__(
        self,
        cls: str,
        name: Optional[str] = None,
        knobs: Optional[Dict[str, Any]] = None,
        inputs: Optional[Sequence[InputRef]] = None,
        children: Optional[Sequence[Node]] = None,
        user_knobs: Optional[Sequence[UserKnob]] = None,
    ) -> None:
        if not cls or not str(cls).replace("_", "").replace(".", "").isalnum():
            raise ValueError(f"not a node class: {cls!r}")
        self.cls = str(cls)
        self.name = name
        self.knobs: Dict[str, Any] = dict(knobs or {})
        if "name" in self.knobs:
            raise ValueError("give the node's name as name=, not as a knob")
        self.inputs: List[InputRef] = list(inputs or [])
        self.children: Optional[List[Node]] = list(children) if children is not None else None
        self.user_knobs: List[UserKnob] = list(user_knobs or [])

    @property
    def is_group(self) -> bool:
        return self.children is not None

    def input(self, index: int) -> InputRef:
        """Input ``index`` (Nuke's numbering) or None when absent or empty."""
        return self.inputs[index] if 0 <= index < len(self.inputs) else None

    def knob(self, name: str, default: Any = None) -> Any:
        """A knob's value, looking in ``knobs`` and then in the user knobs."""
        if name in self.knobs:
            return self.knobs[name]
        for user in self.user_knobs:
            if user.name == name:
                return user.value
        return default

    def find(self, name: str) -> Optional[Node]:
        """A child of this Group by name (``"Inner.Child"`` for nested groups)."""
        return _find(self.children or [], name)

    def walk(self) -> Iterator[Node]:
        """This node's children, depth first (not the node itself)."""
        for child in self.children or []:
            yield child
            yield from child.walk()

    def __repr__(self) -> str:
        return f"Node({self.cls!r}, name={self.name!r})"


@dataclass
class Script:
    """A Nuke script: top-level ``nodes``, the Root's knobs and the header version.

    ``root`` holds Root knobs such as ``format``, ``first_frame``, ``last_frame``, ``fps``,
    ``colorManagement`` ("OCIO") and ``OCIO_config``. ``layers`` are ``add_layer`` bodies.
    """

    nodes: List[Node] = field(default_factory=list)
    root: Optional[Dict[str, Any]] = None
    nuke_version: str = DEFAULT_NUKE_VERSION
    layers: List[str] = field(default_factory=list)
    snippet: bool = False

    def find(self, name: str) -> Optional[Node]:
        """A node by name, anywhere (``"Group1.Child"`` names a node inside a Group)."""
        return _find(self.nodes, name)

    def walk(self) -> Iterator[Node]:
        """Every node, groups' children included, depth first."""
        for node in self.nodes:
            yield node
            yield from node.walk()

    def of_class(self, cls: str) -> List[Node]:
        return [n for n in self.walk() if n.cls == cls]


def _find(nodes: Sequence[Node], name: str) -> Optional[Node]:
    head, _, rest = name.partition(".")
    for node in nodes:
        if node.name == head:
            if not rest:
                return node
            found = _find(node.children or [], rest)
            if found is not None:
                return found
    if not rest:
        for node in nodes:
            found = _find(node.children or [], name)
            if found is not None:
                return found
    return None
