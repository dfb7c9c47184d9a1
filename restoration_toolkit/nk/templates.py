"""Load a nuke_base/ template, check its version, fill its placeholders, expand its pair streams.

A template is an ordinary .nk script (see ``template_source``) with ``@name@`` knob values,
an ``RTK_TemplateInfo`` NoOp carrying ``rtk_template`` / ``rtk_template_version`` /
``rtk_edition`` and NoOps marking where the pair streams go. Nothing here imports nuke.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from ..core.errors import RTKError
from .graphs import SubGraph
from .model import Node, Raw, Script
from .parser import NkSyntaxError, parse_script
from .template_source import INFO_NODE, TEMPLATE_VERSION, TEMPLATES, template_text
from .writer import format_value

#: Versions of each template this toolkit knows how to fill.
SUPPORTED_VERSIONS: Dict[str, frozenset] = {
    name: frozenset({TEMPLATE_VERSION}) for name in TEMPLATES
}
EDITIONS = ("nk", "nknc")
_PLACEHOLDER = re.compile(r"@([A-Za-z0-9_]+)@")


def nuke_base_dir() -> Path:
    """The repository's nuke_base/ folder (next to the package)."""
    return Path(__file__).resolve().parents[2] / "nuke_base"


def load_template(
    name: str, edition: str = "nk", path: Optional[Union[str, Path]] = None
) -> Script:
    """The template ``name`` as a Script, from ``path``, else nuke_base/, else generated.

    Raises RTKError for an unknown template, an unreadable file, a file that is not this
    template, or a template version this toolkit does not know."""
    if name not in TEMPLATES:
        raise RTKError(f"unknown template {name!r} (known: {', '.join(TEMPLATES)})")
    if edition not in EDITIONS:
        raise RTKError(f"unknown edition {edition!r} (nk or nknc)")
    source: Optional[Path] = (
        Path(path) if path is not None else nuke_base_dir() / f"{name}.{edition}"
    )
    if path is not None and not source.is_file():  # type: ignore[union-attr]
        raise RTKError("no such template file", source)
    if source is not None and source.is_file():
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RTKError(f"cannot read template ({exc.__class__.__name__})", source) from None
    else:  # installed without the nuke_base/ folder: the same text, generated
        text = template_text(name, edition)
        source = None
    try:
        script = parse_script(text)
    except NkSyntaxError as exc:
        raise RTKError(f"template is not a readable .nk script ({exc})", source) from None
    info = script.find(INFO_NODE)
    if info is None:
        raise RTKError(f"not a toolkit template (no {INFO_NODE} node)", source)
    found = str(info.knob("rtk_template", ""))
    if found != name:
        raise RTKError(f"template is {found or 'unnamed'!r}, expected {name!r}", source)
    try:
        version = int(str(info.knob("rtk_template_version", "")))
    except ValueError:
        raise RTKError("template has no readable rtk_template_version", source) from None
    if version not in SUPPORTED_VERSIONS[name]:
        known = ", ".join(str(v) for v in sorted(SUPPORTED_VERSIONS[name]))
        raise RTKError(
            f"template version {version} of {name} is not supported by this toolkit "
            f"(it builds version {known})",
            source,
        )
    return script


def placeholders(script: Script) -> List[str]:
    """Every ``@name@`` still in the script (Root, knobs, user knobs), sorted."""
    found = set()
    for value in _all_values(script):
        found.update(_PLACEHOLDER.findall(str(value)))
    return sorted(found)


def _all_values(script: Script) -> List[Any]:
    values = list((script.root or {}).values())
    for node in script.walk():
        values += list(node.knobs.values())
        values += [u.value for u in node.user_knobs if u.value is not None]
    return values


def _substitute(value: Any, values: Mapping[str, Any]) -> Any:
    if not isinstance(value, str):
        return value
    whole = _PLACEHOLDER.fullmatch(str(value))
    if whole and whole.group(1) in values:
        return values[whole.group(1)]
    if "@" not in value:
        return value

    def repl(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            return m.group(0)
        v = values[m.group(1)]
        return format_value(v) if isinstance(value, Raw) else str(v)

    out = _PLACEHOLDER.sub(repl, str(value))
    return Raw(out) if isinstance(value, Raw) else out


def fill(script: Script, values: Mapping[str, Any], *, source: Optional[Path] = None) -> Script:
    """Replace placeholders in place; RTKError names any left without a value."""
    if script.root is not None:
        script.root = {k: _substitute(v, values) for k, v in script.root.items()}
    for node in script.walk():
        node.knobs = {k: _substitute(v, values) for k, v in node.knobs.items()}
        for user in node.user_knobs:
            user.value = _substitute(user.value, values)
    left = placeholders(script)
    if left:
        raise RTKError(
            "template placeholders without a value: " + ", ".join(f"@{p}@" for p in left), source
        )
    return script


def expand(script: Script, noop_name: str, build: Callable[[Optional[Node]], SubGraph]) -> SubGraph:
    """Replace the NoOp ``noop_name`` by ``build(its input 0)``; its readers read the result."""
    target = next((n for n in script.nodes if n.name == noop_name and n.cls == "NoOp"), None)
    if target is None:
        raise RTKError(f"template has no {noop_name} NoOp (the pair stream goes there)")
    src = target.inputs[0] if target.inputs and isinstance(target.inputs[0], Node) else None
    sub = build(src)
    if sub.output is None:
        raise RTKError(f"{noop_name}: nothing to put there (no pairs?)")
    for node in script.walk():
        node.inputs = [sub.output if i is target else i for i in node.inputs]
    index = script.nodes.index(target)
    script.nodes[index : index + 1] = sub.nodes
    return sub
