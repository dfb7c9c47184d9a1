"""Read .nk text with the independent ``nkparser`` package, in Nuke's input numbering.

nkparser (0.3) lists a node's inputs in push order — the reverse of Nuke's numbering, where
the top of the stack is input 0 — so :func:`read_independently` reverses them. It also does
not know that a Group's children follow its block up to ``end_group``; each Group body is
cut out here and read as a script of its own (its own stack, as in Nuke).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import pytest

_STUB = "RtkStub"


@dataclass
class Seen:
    cls: str
    knobs: Dict[str, str]
    inputs: List[Optional[str]]  # Nuke order: index = input number
    children: Dict[str, Seen] = field(default_factory=dict)


def _split_groups(text: str) -> tuple[str, Dict[int, str]]:
    """Outer text with each top-level Group's body removed, and the bodies by group index."""
    lines = text.split("\n")
    outer: List[str] = []
    bodies: Dict[int, str] = {}
    depth = 0
    group_index = -1
    body: List[str] = []
    in_block = False
    for line in lines:
        stripped = line.strip()
        if depth == 0:
            if not (re.match(r"^(Group|Gizmo) \{$", stripped) and line == stripped):
                outer.append(line)
            if re.match(r"^(Group|Gizmo) \{$", stripped) and line == stripped:
                # nkparser would take this block's (empty) child list as "all nodes so
                # far" and drop them; give it a class name it treats as a plain node.
                outer.append(f"{_STUB}{stripped.split()[0]} {{")
                in_block = True
                group_index += 1
                continue
            if in_block and line == "}":
                in_block = False
                depth = 1
                body = []
            continue
        # inside a group body
        if re.match(r"^(Group|Gizmo) \{$", stripped):
            depth += 1
        if stripped == "end_group":
            depth -= 1
            if depth == 0:
                bodies[group_index] = "\n".join(body) + "\n"
                continue
        body.append(line[1:] if line.startswith(" ") else line)
    return "\n".join(outer), bodies


def read_independently(text: str) -> Dict[str, Seen]:
    """name → Seen for every node outside Root, with Group children nested."""
    nkparser = pytest.importorskip("nkparser")  # Python ≥ 3.10 only: the caller skips on 3.9
    if text.startswith("set cut_paste_input"):
        # a paste snippet: nkparser reads `version` only as a header line, not after `set`
        text = re.sub(r"^version [^\n]*\n", "", text, count=1, flags=re.M)
    outer, bodies = _split_groups(text)
    script = nkparser.Script.from_string(outer)
    # nkparser reports Nuke's `push 0` (an empty input) as an unknown variable "$0" while
    # still pushing an empty input for it; every other error fails the check.
    errors = [
        d
        for d in script.diagnostics
        if d.severity.name == "ERROR" and "undefined variable '$0'" not in d.message
    ]
    assert not errors, errors
    result: Dict[str, Seen] = {}
    group_index = -1
    for node in script.nodes:
        if node.class_name == "Root":
            continue
        knobs = {k.name: k.value.raw for k in node.knobs if k.name not in ("name", "inputs")}
        inputs = [None if i is None else i.name for i in reversed(node.inputs)]
        cls = node.class_name.replace(_STUB, "")
        seen = Seen(cls, knobs, inputs)
        if node.class_name.startswith(_STUB):
            group_index += 1
            seen.children = read_independently(bodies.get(group_index, ""))
        result[node.name] = seen
    return result
