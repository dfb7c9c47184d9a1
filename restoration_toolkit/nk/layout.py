"""Node positions (``xpos``/``ypos``) so a written graph reads top to bottom in Nuke's DAG."""

from __future__ import annotations

from typing import Dict, List

from .model import Node, Script

X_STEP = 150
Y_STEP = 90


def layout(script: Script) -> None:
    """Give every top-level node (and each Group's children) a position.

    Rows are the depth (longest path from a source); a node takes the column of its input 0
    unless another node of the same row holds it. Nodes that already have ``xpos``/``ypos``
    are moved too, so the result is the same whatever was there before."""
    _layout_scope(script.nodes)
    for node in script.walk():
        if node.children:
            _layout_scope(node.children)


def _layout_scope(nodes: List[Node]) -> None:
    scope = {id(n): n for n in nodes}
    depth: Dict[int, int] = {}
    for start in nodes:  # longest path from a source, without recursion
        if id(start) in depth:
            continue
        todo = [(start, False)]
        on_path: set = set()
        while todo:
            node, ready = todo.pop()
            if id(node) in depth:
                continue
            ups = [i for i in node.inputs if isinstance(i, Node) and id(i) in scope]
            if ready:
                on_path.discard(id(node))
                depth[id(node)] = 1 + max((depth.get(id(i), 0) for i in ups), default=-1)
                continue
            on_path.add(id(node))
            todo.append((node, True))
            todo.extend((i, False) for i in ups if id(i) not in depth and id(i) not in on_path)
    column: Dict[int, int] = {}
    taken: Dict[tuple, int] = {}
    next_col = 0
    for n in sorted(nodes, key=lambda n: depth[id(n)]):
        first = n.inputs[0] if n.inputs else None
        col = column.get(id(first)) if isinstance(first, Node) else None
        if col is None or (depth[id(n)], col) in taken:
            col = next_col
            next_col += 1
        taken[(depth[id(n)], col)] = id(n)
        column[id(n)] = col
        n.knobs["xpos"] = col * X_STEP
        n.knobs["ypos"] = depth[id(n)] * Y_STEP
