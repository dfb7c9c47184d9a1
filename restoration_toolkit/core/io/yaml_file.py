"""Read the toolkit's YAML files (project.yaml, pairs.yaml) strictly and safely.

Safe: only plain YAML types are built (no tag ever runs code). Strict where PyYAML is
lenient: a key given twice in one mapping is an error (PyYAML keeps the last one silently,
so a second ``source:`` pasted below the first would quietly win), and bytes that are not
UTF-8 or text that is not YAML give one line naming the file and the place, never a
traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import yaml

from ..errors import PathLike, RTKError


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, line: int, first: int) -> None:
        super().__init__(f"key {key!r} given twice (lines {first} and {line}); keep one")
        self.line = line


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Dict:
    loader.flatten_mapping(node)
    seen: Dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key: construct_mapping says so below
            continue
        line = key_node.start_mark.line + 1
        if first is not None:
            raise _DuplicateKey(key, line, first)
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_text_file(path: PathLike) -> str:
    """The file's text; RTKError (one line) for bytes that are not UTF-8 or a read error."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise RTKError(f"cannot read ({exc.strerror or exc})", p) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RTKError(
            f"not UTF-8 text (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "save it as UTF-8",
            p,
        ) from None


def load_yaml(path: PathLike) -> Any:
    """Parse a YAML file safely; RTKError naming the file and line for anything wrong."""
    p = Path(path)
    text = read_text_file(p)
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        raise RTKError(f"line {exc.line}: {exc}", p) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        raise RTKError(f"not valid YAML{where}" + (f" ({problem})" if problem else ""), p) from None
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. a date like 2024-13-45
        raise RTKError(f"not valid YAML ({type(exc).__name__}: {exc})", p) from None
