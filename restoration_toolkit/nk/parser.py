"""Read .nk text (a saved script or a paste snippet) back into the node model.

Knob values come back as :class:`~restoration_toolkit.nk.model.Raw` strings exactly as they
stand in the file (``"1.2"``, ``"{0 0 10 10}"``), except double-quoted strings, which come
back unquoted and unescaped (``"a b"`` → ``a b``) so paths and labels read naturally; a quoted
string holding live TCL (an unescaped ``[``) stays Raw with its quotes. Inputs follow Nuke:
the top of the stack is input 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .model import GROUP_CLASSES, PASTE_INPUT, ZERO_INPUT_CLASSES, Node, Raw, Script, UserKnob


class NkSyntaxError(ValueError):
    """The text is not a Nuke script this parser understands (with the line number)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def _skip_token(text: str, i: int) -> int:
    """Index just past the token (word, quoted string, {block} or [block]) starting at i."""
    n = len(text)
    ch = text[i]
    if ch == '"':
        i += 1
        while i < n:
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == '"':
                return i + 1
            i += 1
        raise NkSyntaxError("unterminated quoted string", text.count("\n", 0, i) + 1)
    if ch in "{[":
        close = "}" if ch == "{" else "]"
        depth = 0
        while i < n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == ch:
                depth += 1
            elif c == close:
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        raise NkSyntaxError(f"unbalanced {ch}", text.count("\n", 0, i) + 1)
    while i < n and text[i] not in " \t\r\n":
        if text[i] in "{[" and i > 0:
            i = _skip_token(text, i)
            continue
        i += 1
    return i


def _unquote(raw: str) -> Any:
    inner = raw[1:-1]
    if "[" in inner.replace("\\[", ""):
        return Raw(raw)  # live TCL inside quotes: keep it exactly
    out: List[str] = []
    i = 0
    escapes = {"n": "\n", "t": "\t", "r": "\r"}
    while i < len(inner):
        c = inner[i]
        if c == "\\" and i + 1 < len(inner):
            nxt = inner[i + 1]
            out.append(escapes.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _value(raw: str) -> Any:
    if len(raw) >= 2 and raw.startswith('"') and raw.endswith('"'):
        return _unquote(raw)
    return Raw(raw)


def _knob_lines(body: str, base_line: int) -> List[Tuple[str, str, int]]:
    """(name, raw value, line) for each knob line of a node body."""
    out: List[Tuple[str, str, int]] = []
    i, n = 0, len(body)
    counted_to = 0
    while i < n:
        while i < n and body[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        start = i
        i = _skip_token(body, i)
        name = body[start:i]
        base_line += body.count("\n", counted_to, start)
        counted_to = start
        line = base_line
        while i < n and body[i] in " \t":
            i += 1
        vstart = i
        vend = i
        while i < n and body[i] not in "\r\n":
            i = _skip_token(body, i)
            vend = i
            while i < n and body[i] in " \t":
                i += 1
        out.append((name, body[vstart:vend], line))
    return out


def _input_count(cls: str, raw: Optional[str]) -> int:
    if raw is None:
        return 0 if cls in ZERO_INPUT_CLASSES else 1
    try:
        return sum(int(part) for part in str(raw).split("+"))
    except ValueError:
        raise NkSyntaxError(f"{cls}: bad inputs value {raw!r}", 0) from None


@dataclass
class _State:
    """What the parser holds between statements: Nuke's stacks, scopes and variables."""

    script: Script
    stacks: List[List[Any]]
    scopes: List[List[Node]]
    groups: List[Node] = field(default_factory=list)
    variables: Dict[str, Any] = field(default_factory=dict)


def parse_script(text: str) -> Script:
    """Parse .nk text into a :class:`Script` (Root knobs in ``script.root``, not a node)."""
    script = Script(nodes=[], root=None)
    state = _State(script, stacks=[[]], scopes=[script.nodes])
    i, n = 0, len(text)
    line_no, counted_to = 1, 0
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
            continue
        line_no += text.count("\n", counted_to, i)  # incremental: O(n) over the whole text
        counted_to = i
        if ch == "#":  # the #! header or a comment: skip the line
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        start = i
        i = _skip_token(text, i)
        word = text[start:i]
        # rest of this logical line (tokens up to the newline)
        args: List[str] = []
        while i < n:
            while i < n and text[i] in " \t":
                i += 1
            if i >= n or text[i] in "\r\n":
                break
            s = i
            i = _skip_token(text, i)
            args.append(text[s:i])
        _statement(state, word, args, line_no)
    if state.groups:
        raise NkSyntaxError(
            f"Group {state.groups[-1].name} has no end_group", text.count("\n") + 1
        )
    return script


def _statement(state: _State, word: str, args: List[str], line: int) -> None:
    """Apply one statement (``word`` and the tokens after it on its line) to ``state``."""
    script, stack = state.script, state.stacks[-1]
    if word == "version":
        script.nuke_version = " ".join(args)
    elif word == "set":
        if len(args) != 2 or not args[1].startswith("[stack"):
            raise NkSyntaxError(f"expected 'set NAME [stack N]', got {' '.join(args)!r}", line)
        depth = int(args[1][1:-1].split()[1])
        if args[0] == "cut_paste_input" and not stack and not script.nodes:
            script.snippet = True
            state.variables[args[0]] = PASTE_INPUT
        else:
            state.variables[args[0]] = stack[-1 - depth] if depth < len(stack) else None
    elif word == "push":
        stack.append(_pushed(state, args, line))
    elif word == "end_group":
        if not state.groups:
            raise NkSyntaxError("end_group outside a Group", line)
        group = state.groups.pop()
        state.stacks.pop()
        state.scopes.pop()
        state.stacks[-1].append(group)
    elif word == "add_layer":
        layer = args[0][1:-1] if args and args[0].startswith("{") else " ".join(args)
        script.layers.append(layer)
    elif word == "define_window_layout_xml":
        pass
    elif args and args[-1].startswith("{") and len(args) == 1:
        _add_node(state, word, args[0], line)
    else:
        raise NkSyntaxError(f"unexpected {word!r}", line)


def _pushed(state: _State, args: List[str], line: int) -> Any:
    """What ``push`` puts on the stack: nothing (``push 0``) or a variable's node."""
    if len(args) != 1:
        raise NkSyntaxError("expected 'push $NAME' or 'push 0'", line)
    ref = args[0]
    if ref == "0":
        return None
    if ref.startswith("$"):
        if ref[1:] not in state.variables:
            raise NkSyntaxError(f"push of an unknown variable {ref}", line)
        return state.variables[ref[1:]]
    raise NkSyntaxError(f"cannot push {ref!r}", line)


def _add_node(state: _State, word: str, block: str, line: int) -> None:
    """A node statement: Root sets the script's root; others take inputs off the stack."""
    stack = state.stacks[-1]
    node = _make_node(word, block, line)
    raw_inputs = node.knobs.pop("inputs", None)
    count = _input_count(word, raw_inputs)
    if raw_inputs is not None and "+" in str(raw_inputs):
        node.knobs["inputs"] = raw_inputs  # keep the mask form (2+1) as written
    if word == "Root":
        state.script.root = dict(node.knobs)
        if node.name:
            state.script.root["name"] = node.name
        return
    node.inputs = [stack.pop() if stack else None for _ in range(count)]
    state.scopes[-1].append(node)
    if word in GROUP_CLASSES:
        node.children = []
        state.groups.append(node)
        state.stacks.append([])
        state.scopes.append(node.children)
    else:
        stack.append(node)


def _make_node(cls: str, block: str, line: int) -> Node:
    node = Node(cls)
    user: Dict[str, UserKnob] = {}
    for name, raw, _line in _knob_lines(block[1:-1], line):
        if name == "name":
            node.name = str(_value(raw))
        elif name == "addUserKnob":
            definition = raw[1:-1] if raw.startswith("{") else raw
            uk = UserKnob(definition=definition)
            node.user_knobs.append(uk)
            user[uk.name] = uk
        elif name in user:
            user[name].value = _value(raw)
        else:
            node.knobs[name] = _value(raw)
    return node
