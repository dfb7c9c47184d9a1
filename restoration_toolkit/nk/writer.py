"""Write a :class:`~restoration_toolkit.nk.model.Script` as the text Nuke saves.

Wiring uses Nuke's stack form: a node's inputs are pushed highest index first, so input 0 is
the top of the stack when the node block is read; a node used by more than one other node
is named with ``set N… [stack 0]`` and pushed again with ``push $N…``; an empty input is
``push 0``. Each sink (a node nothing reads from) starts a depth-first walk, in list order.
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .model import (
    DEFAULT_NUKE_EXECUTABLE,
    PASTE_INPUT,
    ZERO_INPUT_CLASSES,
    Node,
    Raw,
    Script,
)

_BARE = re.compile(r"^[A-Za-z0-9_.+\-/:,=@%#*]+$")


def format_value(value: Any) -> str:
    """One knob value as .nk text.

    bool → ``true``/``false``; int/float → shortest exact decimal; str → bare when safe, else
    double-quoted with ``\\ " [ $`` and newlines escaped (so ``[`` is never run as TCL);
    list/tuple → ``{a b c}``; :class:`Raw` → verbatim.
    """
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"knob value is not finite: {value!r}")
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        if value and _BARE.match(value) and not value.startswith("#"):
            return value
        return quote(value)
    if isinstance(value, (list, tuple)):
        return "{" + " ".join(format_value(v) for v in value) + "}"
    raise TypeError(f"cannot write a knob value of type {type(value).__name__}: {value!r}")


def quote(text: str) -> str:
    """``text`` as a double-quoted TCL string with ``[`` and ``$`` escaped."""
    out = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("[", "\\[")
        .replace("$", "\\$")
        .replace("\n", "\\n")
        .replace("\t", "\\t")
    )
    return f'"{out}"'


def write_script(
    script: Script, snippet: Optional[bool] = None, executable: str = DEFAULT_NUKE_EXECUTABLE
) -> str:
    """The script as .nk text.

    Full form: ``#! <nuke> -nx``, ``version …``, the Root, then the nodes. ``snippet=True``
    writes what ``nuke.nodePaste`` reads: ``set cut_paste_input [stack 0]``, ``version …``,
    then the nodes (no Root); :data:`PASTE_INPUT` inputs become ``push $cut_paste_input``.
    """
    is_snippet = script.snippet if snippet is None else snippet
    lines: List[str] = []
    if is_snippet:
        lines.append("set cut_paste_input [stack 0]")
        lines.append(f"version {script.nuke_version}")
    else:
        lines.append(f"#! {executable} -nx")
        lines.append(f"version {script.nuke_version}")
        root = dict(script.root or {})
        lines.append("Root {")
        lines.append(" inputs 0")
        for key, value in root.items():
            if value is not None and key != "inputs":
                lines.append(f" {key} {format_value(value)}")
        lines.append("}")
    for layer in script.layers:
        lines.append(f"add_layer {{{layer}}}")
    _Emitter(lines, is_snippet).emit_scope(script.nodes, indent="")
    return "\n".join(lines) + "\n"


class _Emitter:
    def __init__(self, lines: List[str], snippet: bool) -> None:
        self.lines = lines
        self.snippet = snippet
        self.variables: Dict[int, str] = {}
        self.done: Dict[int, Node] = {}
        self.names: Dict[int, str] = {}
        self.counter = 0

    # scope = one node list (top level or one Group's children), with its own stack
    def emit_scope(self, nodes: Sequence[Node], indent: str) -> None:
        scope = _collect(nodes)
        consumers: Dict[int, int] = {}
        for node in scope:
            for inp in node.inputs:
                if isinstance(inp, Node):
                    consumers[id(inp)] = consumers.get(id(inp), 0) + 1
        used_names = {n.name for n in scope if n.name}
        for node in scope:
            if not node.name:
                base = node.cls.split(".")[-1].rstrip("0123456789") or "Node"
                k = 1
                while f"{base}{k}" in used_names:
                    k += 1
                used_names.add(f"{base}{k}")
                self.names[id(node)] = f"{base}{k}"
            else:
                self.names[id(node)] = node.name
        self.consumers = consumers
        visiting: set = set()
        for node in scope:
            if consumers.get(id(node), 0) == 0 and id(node) not in self.done:
                self.emit_node(node, indent, visiting)
        for node in scope:  # nodes only inside cycles would be left: refuse them
            if id(node) not in self.done:
                raise ValueError(f"node graph has a cycle through {self.names[id(node)]}")

    def emit_node(self, root: Node, indent: str, visiting: set) -> None:
        """Write ``root`` after its inputs (highest input first), depth first.

        An explicit work stack instead of recursion, so a chain of any length is written."""
        work: List[Tuple[str, Any]] = [("node", root)]
        while work:
            kind, item = work.pop()
            if kind == "node":
                if id(item) in visiting:
                    raise ValueError(f"node graph has a cycle through {self.names.get(id(item))}")
                visiting.add(id(item))
                work.append(("write", item))
                # popped last-in first: inputs[-1] is handled first, input 0 last (stack top)
                work.extend(("input", inp) for inp in item.inputs)
            elif kind == "input":
                self._emit_input(item, indent, work)
            else:
                visiting.discard(id(item))
                self.write_block(item, indent)
                self.done[id(item)] = item
                if self.consumers.get(id(item), 0) > 1:
                    self.counter += 1
                    var = f"N{self.counter:08x}"
                    self.variables[id(item)] = var
                    self.lines.append(f"{indent}set {var} [stack 0]")

    def _emit_input(self, inp: Any, indent: str, work: List[Tuple[str, Any]]) -> None:
        if inp is None:
            self.lines.append(f"{indent}push 0")
        elif inp is PASTE_INPUT:
            self.lines.append(f"{indent}push {'$cut_paste_input' if self.snippet else '0'}")
        elif not isinstance(inp, Node):
            raise TypeError(f"an input must be a Node, PASTE_INPUT or None, not {inp!r}")
        elif id(inp) in self.done:
            var = self.variables.get(id(inp))
            if var is None:  # pragma: no cover - guarded by the consumer count
                raise ValueError(f"{self.names[id(inp)]} is used before it is named")
            self.lines.append(f"{indent}push ${var}")
        else:
            work.append(("node", inp))

    def write_block(self, node: Node, indent: str) -> None:
        lines = self.lines
        lines.append(f"{indent}{node.cls} {{")
        n_inputs = len(node.inputs)
        default = 0 if node.cls in ZERO_INPUT_CLASSES else 1
        if "inputs" in node.knobs:
            lines.append(f"{indent} inputs {format_value(node.knobs['inputs'])}")
        elif n_inputs != default:
            lines.append(f"{indent} inputs {n_inputs}")
        for key, value in node.knobs.items():
            if key == "inputs" or value is None:
                continue
            lines.append(f"{indent} {key} {format_value(value)}")
        lines.append(f"{indent} name {format_value(self.names[id(node)])}")
        for user in node.user_knobs:
            lines.append(f"{indent} addUserKnob {{{user.definition}}}")
            if user.value is not None:
                lines.append(f"{indent} {user.name} {format_value(user.value)}")
        lines.append(f"{indent}}}")
        if node.children is not None:
            inner = _Emitter(lines, self.snippet)
            inner.counter = self.counter
            inner.emit_scope(node.children, indent + " ")
            self.counter = inner.counter
            lines.append(f"{indent}end_group")


def _collect(nodes: Sequence[Node]) -> List[Node]:
    """The nodes of one scope: those listed plus any they read from, in first-seen order."""
    seen: Dict[int, Node] = {}
    order: List[Node] = []
    todo = list(reversed(nodes))
    while todo:  # depth first, first-seen order, without recursion
        node = todo.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        order.append(node)
        todo.extend(reversed([i for i in node.inputs if isinstance(i, Node)]))
    return order
