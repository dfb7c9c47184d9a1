"""A strict fake of Nuke's Python module, for tests that run without Nuke.

It models what the toolkit uses and RAISES on anything else, the way real Nuke does:
an unknown node class (``RuntimeError``), an unknown knob (``NameError`` on ``node[name]``),
an unknown module attribute (``AttributeError``). Install it with the ``fake_nuke`` fixture
(tests/conftest.py), which puts it in ``sys.modules["nuke"]`` and calls :func:`_reset`.

Recorded for assertions: ``_messages`` (nuke.message texts), ``_plugin_paths``,
``_progress_tasks``, ``_undo_log``, ``_executed`` (execute calls), ``_saved_scripts``.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional

from .node_classes import MENUS, NODE_CLASSES, knobs_of

GUI = True
NUKE_VERSION_MAJOR = 15
NUKE_VERSION_MINOR = 1
NUKE_VERSION_RELEASE = 1
NUKE_VERSION_STRING = "15.1v1"
env: Dict[str, Any] = {}  # edition flags nc / nukex / studio: H (Foundry's render launcher reads them)

_messages: List[str] = []
_plugin_paths: List[str] = []
_progress_tasks: List["ProgressTask"] = []
_undo_log: List[str] = []
_executed: List[tuple] = []
_saved_scripts: List[str] = []
_nodes: List["Node"] = []
_root: "Node"
_menus: Dict[str, "Menu"] = {}
_frame = [1]
_script_name = [""]
_cancel_progress_after: List[Optional[int]] = [None]
_group_stack: List["Node"] = []


# -- knobs ------------------------------------------------------------------------------------

class Knob:
    def __init__(self, name: str, label: str = "", value: Any = None) -> None:
        self._name = name
        self._label = label or name
        self._value = value
        self._tooltip = ""
        self._flags = 0
        self._script = ""

    def name(self) -> str:
        return self._name

    def label(self) -> str:
        return self._label

    def value(self) -> Any:
        return self._value

    def getValue(self) -> Any:
        return self._value

    def setValue(self, value: Any) -> bool:
        self._value = value
        return True

    def setTooltip(self, text: str) -> None:
        self._tooltip = text

    def tooltip(self) -> str:
        return self._tooltip

    def setFlag(self, flag: int) -> None:
        self._flags |= flag

    def toScript(self) -> str:
        return "" if self._value is None else str(self._value)

    def __repr__(self) -> str:
        return f"<Knob {self._name}={self._value!r}>"


class Format:
    def __init__(self, width: int, height: int, pixel_aspect: float = 1.0, name: str = "") -> None:
        self._w, self._h, self._pa, self._name = width, height, pixel_aspect, name

    def width(self) -> int:
        return self._w

    def height(self) -> int:
        return self._h

    def pixelAspect(self) -> float:
        return self._pa

    def name(self) -> str:
        return self._name


class _FormatKnob(Knob):
    def setValue(self, value: Any) -> bool:
        if isinstance(value, str):
            parts = value.split()
            if len(parts) >= 7:
                value = Format(int(parts[0]), int(parts[1]), float(parts[6]), " ".join(parts[7:]))
            elif len(parts) >= 2 and parts[0].isdigit():
                value = Format(int(parts[0]), int(parts[1]), float(parts[2]) if len(parts) > 2 else 1.0)
            else:
                value = Format(2048, 1556, 1.0, value)
        self._value = value
        return True


# User knob classes (addKnob). Source: Nuke Python API reference (V).
class Tab_Knob(Knob):
    pass


class Text_Knob(Knob):
    def __init__(self, name: str, label: str = "", text: str = "") -> None:
        super().__init__(name, label, text)


class String_Knob(Knob):
    def __init__(self, name: str, label: str = "", value: str = "") -> None:
        super().__init__(name, label, value)


class File_Knob(String_Knob):
    pass


class Int_Knob(Knob):
    def __init__(self, name: str, label: str = "") -> None:
        super().__init__(name, label, 0)


class Double_Knob(Knob):
    def __init__(self, name: str, label: str = "") -> None:
        super().__init__(name, label, 0.0)


class Boolean_Knob(Knob):
    def __init__(self, name: str, label: str = "", value: bool = False) -> None:
        super().__init__(name, label, bool(value))


class Enumeration_Knob(Knob):
    def __init__(self, name: str, label: str, values: List[str]) -> None:
        super().__init__(name, label, values[0] if values else "")
        self._values = list(values)

    def values(self) -> List[str]:
        return list(self._values)


class _MenuKnob(Knob):
    """An enumeration knob of a node class whose menu is verified (node_classes.MENUS)."""

    def __init__(self, name: str, entries: Any) -> None:
        super().__init__(name)
        self._entries = entries

    def values(self) -> List[str]:
        return _ocio_menu() if self._entries == "ocio" else list(self._entries)


def _ocio_menu() -> List[str]:
    """Color spaces of the Root's OCIO config, listed the way Nuke lists them (name, menu
    path, aliases): Nuke's fn-nuke_* configs are OCIO's built-in configs of the same name."""
    config = str(_root["OCIO_config"].value() or "").split("\t")[0]
    if not config.startswith("fn-nuke_"):
        return []
    import PyOpenColorIO as ocio

    cfg = ocio.Config.CreateFromBuiltinConfig(config[len("fn-nuke_"):])
    entries = []
    for space in cfg.getColorSpaces():
        aliases = ",".join(space.getAliases())
        entries.append(f"{space.getName()}\tColorspaces/{space.getFamily()}/{space.getName()}\t\t{aliases}")
    return entries


class PyScript_Knob(Knob):
    def __init__(self, name: str, label: str = "", command: str = "") -> None:
        super().__init__(name, label, command)


class Multiline_Eval_String_Knob(String_Knob):
    pass


# -- nodes ------------------------------------------------------------------------------------

class Node:
    def __init__(self, cls: str, parent: Optional["Node"] = None) -> None:
        if cls not in NODE_CLASSES:
            raise RuntimeError(f"{cls}: unknown command")
        self._class = cls
        self._max_inputs, names = knobs_of(cls)
        self._knobs: Dict[str, Knob] = {}
        for n in names:
            menu = MENUS.get((cls, n))
            if menu is not None:
                self._knobs[n] = _MenuKnob(n, menu)
            else:
                self._knobs[n] = _FormatKnob(n) if n == "format" else Knob(n)
        self._inputs: List[Optional[Node]] = []
        self._children: List[Node] = []
        self._parent = parent
        self._knobs["xpos"].setValue(0)
        self._knobs["ypos"].setValue(0)
        self._knobs["selected"].setValue(False)

    # identity
    def Class(self) -> str:
        return self._class

    def name(self) -> str:
        return self._knobs["name"].value()

    def fullName(self) -> str:
        return self.name()

    def setName(self, name: str, uncollide: bool = True) -> None:
        if name == self.name():  # a node does not collide with itself
            return
        self._knobs["name"].setValue(_unique_name(name) if uncollide else name)

    # knobs
    def __getitem__(self, name: str) -> Knob:
        if name not in self._knobs:
            raise NameError(f"knob {name} does not exist")
        return self._knobs[name]

    def knob(self, name: str) -> Optional[Knob]:
        return self._knobs.get(name)

    def knobs(self) -> Dict[str, Knob]:
        return dict(self._knobs)

    def addKnob(self, knob: Knob) -> None:
        if not isinstance(knob, Knob):
            raise TypeError("addKnob expects a knob")
        self._knobs[knob.name()] = knob

    def removeKnob(self, knob: Knob) -> None:
        del self._knobs[knob.name()]

    # inputs
    def maxInputs(self) -> int:
        return self._max_inputs

    def setInput(self, index: int, node: Optional["Node"]) -> bool:
        if index < 0 or index >= max(self._max_inputs, 0):
            return False
        while len(self._inputs) <= index:
            self._inputs.append(None)
        self._inputs[index] = node
        return True

    def input(self, index: int) -> Optional["Node"]:
        return self._inputs[index] if 0 <= index < len(self._inputs) else None

    def inputs(self) -> int:
        n = len(self._inputs)
        while n and self._inputs[n - 1] is None:
            n -= 1
        return n

    def dependencies(self, what: int = 0) -> List["Node"]:
        return [n for n in self._inputs if n is not None]

    def dependent(self, what: int = 0, forceEvaluate: bool = True) -> List["Node"]:
        return [n for n in _all_nodes_flat() if self in n._inputs]

    # graph position and selection
    def xpos(self) -> int:
        return int(self._knobs["xpos"].value())

    def ypos(self) -> int:
        return int(self._knobs["ypos"].value())

    def setXpos(self, x: int) -> None:
        self._knobs["xpos"].setValue(int(x))

    def setYpos(self, y: int) -> None:
        self._knobs["ypos"].setValue(int(y))

    def setXYpos(self, x: int, y: int) -> None:
        self.setXpos(x)
        self.setYpos(y)

    def screenWidth(self) -> int:
        return 80

    def screenHeight(self) -> int:
        return 18

    def setSelected(self, selected: bool) -> None:
        self._knobs["selected"].setValue(bool(selected))

    def isSelected(self) -> bool:
        return bool(self._knobs["selected"].value())

    # render-related
    def width(self) -> int:
        fmt = self._knobs.get("format")
        if fmt is not None and isinstance(fmt.value(), Format):
            return fmt.value().width()
        return _root["format"].value().width()

    def height(self) -> int:
        fmt = self._knobs.get("format")
        if fmt is not None and isinstance(fmt.value(), Format):
            return fmt.value().height()
        return _root["format"].value().height()

    def format(self) -> Format:
        fmt = self._knobs.get("format")
        if fmt is not None and isinstance(fmt.value(), Format):
            return fmt.value()
        return _root["format"].value()

    def firstFrame(self) -> int:
        k = self._knobs.get("first")
        return int(k.value()) if k is not None and k.value() is not None else int(_root["first_frame"].value())

    def lastFrame(self) -> int:
        k = self._knobs.get("last")
        return int(k.value()) if k is not None and k.value() is not None else int(_root["last_frame"].value())

    # groups
    def begin(self) -> "Node":
        if self._class not in ("Group", "Root"):
            raise AttributeError(f"'{self._class}' node has no attribute 'begin'")
        _group_stack.append(self)
        return self

    def end(self) -> None:
        if not _group_stack or _group_stack[-1] is not self:
            raise RuntimeError("end() without matching begin()")
        _group_stack.pop()

    def __enter__(self) -> "Node":
        return self.begin()

    def __exit__(self, *exc: Any) -> None:
        self.end()

    def nodes(self) -> List["Node"]:
        if self._class == "Root":
            return list(_nodes)
        if self._class != "Group":
            raise AttributeError(f"'{self._class}' node has no attribute 'nodes'")
        return list(self._children)

    def __repr__(self) -> str:
        return f"<{self._class} {self.name()}>"


def _all_nodes_flat() -> List[Node]:
    out: List[Node] = []

    def walk(nodes: List[Node]) -> None:
        for n in nodes:
            out.append(n)
            walk(n._children)

    walk(_nodes)
    return out


def _container() -> List[Node]:
    return _group_stack[-1]._children if _group_stack and _group_stack[-1]._class == "Group" else _nodes


def _unique_name(base: str) -> str:
    taken = {n.name() for n in _container()}
    if base not in taken:
        return base
    stem = base.rstrip("0123456789") or base
    i = 1
    while f"{stem}{i}" in taken:
        i += 1
    return f"{stem}{i}"


def _make_node(cls: str, knobs: Optional[Dict[str, Any]] = None, inputs: Optional[List[Optional[Node]]] = None) -> Node:
    node = Node(cls, _group_stack[-1] if _group_stack else None)
    node._knobs["name"].setValue(_unique_name(f"{cls.rstrip('0123456789')}1" if cls != "Merge2" else "Merge1"))
    for key, value in (knobs or {}).items():
        if key == "name":
            node.setName(str(value))
        else:
            node[key].setValue(value)
    for i, inp in enumerate(inputs or []):
        if not node.setInput(i, inp):
            raise ValueError(f"{node.name()}: input {i} out of range")
    _container().append(node)
    return node


class _NodeFactory:
    def __getattr__(self, cls: str) -> Callable[..., Node]:
        if cls.startswith("_") or cls not in NODE_CLASSES or cls == "Root":
            raise AttributeError(f"module 'nuke.nodes' has no attribute '{cls}'")

        def create(**kwargs: Any) -> Node:
            inputs = kwargs.pop("inputs", None)
            return _make_node(cls, kwargs, inputs)

        return create


nodes = _NodeFactory()


def createNode(node: str, args: str = "", inpanel: bool = True) -> Node:
    """Create a node connected to the selected node, as Nuke does, and select it."""
    selected = selectedNodes()
    if node not in NODE_CLASSES:
        return _create_from_gizmo(node, selected)
    n = _make_node(node)
    if args:
        tokens = args.split()
        if len(tokens) % 2:
            raise RuntimeError(f"{node}: bad knob arguments {args!r}")
        for k, v in zip(tokens[::2], tokens[1::2]):
            n[k].setValue(v)
    if selected and n.maxInputs() > 0:
        n.setInput(0, selected[0])
    for other in _all_nodes_flat():
        other.setSelected(False)
    n.setSelected(True)
    return n


def _create_from_gizmo(name: str, selected: List[Node]) -> Node:
    """``createNode("RT_X")`` finds ``RT_X.gizmo`` on the plugin path, as Nuke does.

    The toolkit's gizmo files hold a ``Group`` (so scripts open without the toolkit): the
    created node is that Group, built strictly from the file."""
    for folder in _plugin_paths:
        path = os.path.join(folder, f"{name}.gizmo")
        if os.path.isfile(path):
            for n in _all_nodes_flat():
                n.setSelected(False)
            if selected:
                selected[0].setSelected(True)
            group = nodePaste(path)
            if group is None or group.Class() != "Group":
                raise RuntimeError(f"{name}: gizmo file does not define a Group")
            return group
    raise RuntimeError(f"{name}: unknown command")


def delete(node: Node) -> None:
    for container in (_nodes, *(n._children for n in _all_nodes_flat())):
        if node in container:
            container.remove(node)
            return
    raise ValueError(f"{node!r} is not in the script")


def toNode(name: str) -> Optional[Node]:
    if name == "root":
        return _root
    for n in _container():
        if n.name() == name:
            return n
    return None


def root() -> Node:
    return _root


def thisGroup() -> Node:
    return _group_stack[-1] if _group_stack else _root


def allNodes(filter: Optional[str] = None, group: Optional[Node] = None, recurseGroups: bool = False) -> List[Node]:
    pool = group.nodes() if group is not None else list(_container())
    if recurseGroups:
        pool = _all_nodes_flat()
    return [n for n in pool if filter is None or n.Class() == filter]


def selectedNodes(filter: Optional[str] = None) -> List[Node]:
    return [n for n in _container() if n.isSelected() and (filter is None or n.Class() == filter)]


def selectedNode() -> Node:
    sel = selectedNodes()
    if not sel:
        raise ValueError("no node selected")
    return sel[-1]


def invertSelection() -> None:
    for n in _container():
        n.setSelected(not n.isSelected())


def frame(value: Optional[int] = None) -> int:
    if value is not None:
        _frame[0] = int(value)
    return _frame[0]


# -- messages, progress, undo -----------------------------------------------------------------

def message(text: str) -> None:
    _messages.append(str(text))


def ask(text: str) -> bool:
    _messages.append(str(text))
    return True


def getFilename(message: str, pattern: Optional[str] = None, default: str = "", **kw: Any) -> Optional[str]:
    _messages.append(str(message))
    return None


def getInput(message: str, default: str = "") -> Optional[str]:
    _messages.append(str(message))
    return None


class ProgressTask:
    """Records messages and progress; ``_cancel_progress_after`` makes it report cancel."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.messages: List[str] = []
        self.progress: List[int] = []
        _progress_tasks.append(self)

    def setMessage(self, text: str) -> None:
        self.messages.append(str(text))

    def setProgress(self, value: int) -> None:
        if not isinstance(value, int):
            raise TypeError("setProgress expects an int 0–100")
        self.progress.append(value)

    def isCancelled(self) -> bool:
        limit = _cancel_progress_after[0]
        return limit is not None and len(self.progress) >= limit


class Undo:
    """nuke.Undo: begin/name/end/cancel, and a context manager."""

    def __init__(self, name: str = "") -> None:
        self._name = name
        self._open = False

    def begin(self, name: str = "") -> None:
        if self._open:
            raise RuntimeError("Undo.begin while already open")
        self._open = True
        self._name = name or self._name
        _undo_log.append(f"begin:{self._name}")

    def name(self, name: str) -> None:
        self._name = name
        _undo_log.append(f"name:{name}")

    def end(self) -> None:
        if not self._open:
            raise RuntimeError("Undo.end without begin")
        self._open = False
        _undo_log.append(f"end:{self._name}")

    def cancel(self) -> None:
        self._open = False
        _undo_log.append(f"cancel:{self._name}")

    def __enter__(self) -> "Undo":
        self.begin(self._name)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.end()


# -- menus ------------------------------------------------------------------------------------

class MenuItem:
    def __init__(self, name: str, command: Any, shortcut: str, icon: str, tooltip: str) -> None:
        self._name, self._command, self._shortcut, self._icon, self._tooltip = name, command, shortcut, icon, tooltip

    def name(self) -> str:
        return self._name

    def script(self) -> Any:
        return self._command

    def icon(self) -> str:
        return self._icon

    def invoke(self) -> Any:
        if callable(self._command):
            return self._command()
        raise TypeError("the fake only runs callable menu commands (the toolkit never uses code strings)")


class Menu:
    def __init__(self, name: str) -> None:
        self._name = name
        self._items: List[Any] = []
        self.icon = ""
        self.tooltip = ""

    def name(self) -> str:
        return self._name

    def items(self) -> List[Any]:
        return list(self._items)

    def _child(self, name: str) -> Optional[Any]:
        for item in self._items:
            if item is not None and item.name() == name:
                return item
        return None

    def addMenu(self, name: str, icon: str = "", tooltip: str = "", index: int = -1, **kw: Any) -> "Menu":
        head, _, rest = name.partition("/")
        sub = self._child(head)
        if sub is None:
            sub = Menu(head)
            sub.icon, sub.tooltip = icon, tooltip
            self._items.append(sub)
        if not isinstance(sub, Menu):
            raise RuntimeError(f"{head} is a command, not a menu")
        return sub.addMenu(rest, icon, tooltip) if rest else sub

    def addCommand(self, name: str, command: Any = None, shortcut: str = "", icon: str = "",
                   tooltip: str = "", index: int = -1, readonly: bool = False, shortcutContext: int = 0,
                   tag: int = 0, tagTarget: int = 0) -> MenuItem:
        path, _, leaf = name.rpartition("/")
        menu = self.addMenu(path) if path else self
        existing = menu._child(leaf)
        item = MenuItem(leaf, command, shortcut, icon, tooltip)
        if existing is not None:
            menu._items[menu._items.index(existing)] = item
        else:
            menu._items.append(item)
        return item

    def addSeparator(self, **kw: Any) -> None:
        self._items.append(None)

    def findItem(self, name: str) -> Optional[Any]:
        node: Any = self
        for part in name.split("/"):
            if not isinstance(node, Menu):
                return None
            node = node._child(part)
            if node is None:
                return None
        return node

    def removeItem(self, name: str) -> None:
        item = self._child(name)
        if item is None:
            raise ValueError(f"no item {name}")
        self._items.remove(item)

    def clearMenu(self) -> None:
        self._items.clear()


_KNOWN_MENUS = ("Nuke", "Nodes", "Pane", "Viewer", "Node Graph", "Properties", "Animation")


def menu(name: str) -> Menu:
    if name not in _KNOWN_MENUS:
        raise RuntimeError(f"no menu {name!r}")
    if not GUI:
        raise RuntimeError("menus exist only in GUI mode")
    return _menus.setdefault(name, Menu(name))


def toolbar(name: str, create: bool = True) -> Menu:
    if name != "Nodes" and not create:
        raise RuntimeError(f"no toolbar {name!r}")
    if not GUI:
        raise RuntimeError("toolbars exist only in GUI mode")
    return _menus.setdefault(name if name == "Nodes" else f"toolbar:{name}", Menu(name))



class _Pane:
    """A docking pane, as ``getPaneFor`` returns it (only its identity is modelled)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def name(self) -> str:
        return self._name


_KNOWN_PANES = ("Properties.1", "DAG.1", "Viewer.1", "Toolbar.1")


def getPaneFor(name: str) -> Optional[_Pane]:
    """The pane holding the named panel, or None. Source: Foundry Python dev guide, "Custom
    Panels" (``pane = nuke.getPaneFor('Properties.1')`` before ``addToPane(pane)``)."""
    if not GUI:
        raise RuntimeError("panes exist only in GUI mode")
    return _Pane(name) if name in _KNOWN_PANES else None

# -- plugin path, scripts, execution ------------------------------------------------------------

def pluginAddPath(path: str, addToSysPath: bool = True) -> None:
    import sys

    _plugin_paths.insert(0, str(path))
    if addToSysPath and str(path) not in sys.path:
        sys.path.insert(0, str(path))


def pluginAppendPath(path: str, addToSysPath: bool = True) -> None:
    _plugin_paths.append(str(path))


def pluginPath() -> List[str]:
    return list(_plugin_paths)


def scriptName() -> str:
    if not _script_name[0]:
        raise RuntimeError("Untitled script")
    return _script_name[0]


def scriptSaveAs(filename: str, overwrite: int = -1) -> None:
    if os.path.exists(filename) and overwrite != 1:
        raise RuntimeError(f"{filename} already exists")
    from restoration_toolkit.nk import write_script  # lazy: the fake writes real .nk text

    with open(filename, "w", encoding="utf-8") as handle:
        handle.write(write_script(_script_from_graph()))
    _script_name[0] = filename
    _saved_scripts.append(filename)


def _script_from_graph():
    from restoration_toolkit.nk import Node as NkNode
    from restoration_toolkit.nk import Script

    made: Dict[int, Any] = {}

    def convert(n: Node) -> Any:
        if id(n) in made:
            return made[id(n)]
        knobs = {k: v.value() for k, v in n._knobs.items()
                 if v.value() not in (None, "", False) and k not in ("name", "selected")}
        if isinstance(knobs.get("format"), Format):
            fmt = knobs["format"]
            knobs["format"] = f"{fmt.width()} {fmt.height()} 0 0 {fmt.width()} {fmt.height()} {fmt.pixelAspect()} {fmt.name()}".strip()
        nk = NkNode(n.Class(), name=n.name(), knobs=knobs)
        made[id(n)] = nk
        nk.inputs = [convert(i) if i is not None else None for i in n._inputs]
        if n._children:
            nk.children = [convert(c) for c in n._children]
        return nk

    return Script(nodes=[convert(n) for n in _nodes])


def nodePaste(path: str) -> Optional[Node]:
    """Paste a .nk snippet (parsed with restoration_toolkit.nk): nodes are created strictly,
    wired, and left selected; ``push $cut_paste_input`` connects to the selected node."""
    from restoration_toolkit.nk import parse_script
    from restoration_toolkit.nk.model import PASTE_INPUT

    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    script = parse_script(text)
    anchor = selectedNodes()[0] if selectedNodes() else None
    for n in _all_nodes_flat():
        n.setSelected(False)
    made: Dict[int, Node] = {}
    created: List[Node] = []

    def build(nk: Any, top: bool) -> Node:
        node = _make_node(nk.cls)
        created.append(node)
        made[id(nk)] = node
        for key, value in nk.knobs.items():
            node[key].setValue(value)  # strict: an unknown knob raises NameError
        for user in getattr(nk, "user_knobs", []):
            knob = Knob(user.name, user.name, user.value)
            node.addKnob(knob)
        if nk.name:
            node.setName(nk.name)
        if getattr(nk, "children", None):
            node.begin()
            try:
                for child in nk.children:
                    build(child, False)
                for child in nk.children:
                    _wire(child)
            finally:
                node.end()
        if top:
            node.setSelected(True)
        return node

    def _wire(nk: Any) -> None:
        node = made[id(nk)]
        for i, inp in enumerate(nk.inputs):
            if inp is None:
                continue
            target = anchor if inp is PASTE_INPUT else made.get(id(inp))
            if target is not None and not node.setInput(i, target):
                raise ValueError(f"{node.name()}: input {i} out of range")

    top = [build(nk, True) for nk in script.nodes]
    for nk in script.nodes:
        _wire(nk)
    # Nuke returns the last pasted top-level node (a pasted Group, not its last child)
    return top[-1] if top else None


def execute(node: Any, first: int, last: int, incr: int = 1) -> None:
    name = node if isinstance(node, str) else node.name()
    target = toNode(name)
    if target is None:
        raise ValueError(f"{name} is not a node")
    if target.Class() not in ("Write", "CopyCat", "CatFileCreator"):
        raise RuntimeError(f"{name} cannot be executed")
    _executed.append((name, int(first), int(last), int(incr)))


def executeInMainThread(call: Callable[..., Any], args: Any = (), kwargs: Optional[dict] = None) -> None:
    call(*(args if isinstance(args, tuple) else (args,)), **(kwargs or {}))


def executeInMainThreadWithResult(call: Callable[..., Any], args: Any = (), kwargs: Optional[dict] = None) -> Any:
    return call(*(args if isinstance(args, tuple) else (args,)), **(kwargs or {}))


def _reset(gui: bool = True, version: int = 15) -> None:
    """Back to an empty script (the fixture calls this between tests)."""
    global GUI, _root, NUKE_VERSION_MAJOR, NUKE_VERSION_STRING
    GUI = gui
    NUKE_VERSION_MAJOR = version
    NUKE_VERSION_STRING = f"{version}.1v1"
    env.clear()
    env.update({"NukeVersionMajor": version, "NukeVersionMinor": 1, "NukeVersionString": NUKE_VERSION_STRING,
                "gui": gui, "nc": False, "nukex": True, "studio": False, "ExecutablePath": "/opt/Nuke/Nuke"})
    for store in (_messages, _plugin_paths, _progress_tasks, _undo_log, _executed, _saved_scripts, _nodes, _group_stack):
        store.clear()
    _menus.clear()
    _frame[0] = 1
    _script_name[0] = ""
    _cancel_progress_after[0] = None
    _root = Node("Root")
    _root._knobs["name"].setValue("root")
    _root["first_frame"].setValue(1)
    _root["last_frame"].setValue(100)
    _root["fps"].setValue(24.0)
    _root["format"].setValue("2048 1556 0 0 2048 1556 1 2K_Super_35(full-ap)")


_reset()
