"""Commands named in the prose of the user docs exist, with the options the prose gives them.

Inline spans such as `rtk curate --exclude 1010` or `rtk train --crop-size` are often only
part of a command, so they are not parsed whole; instead the sub-command must exist and every
``--option`` in the span must be one that sub-command accepts. The ```sh blocks of the
tutorial are run in full by test_tutorial.py.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [
    "docs/tutorial.md",
    "docs/troubleshooting.md",
    "docs/case-studies/README.md",
    "docs/case-studies/demo-film.md",
    "docs/install.md",
    "docs/glossary.md",
    "docs/damage-to-technique.md",
    "docs/index.md",
    "docs/footage.md",
]
_SPAN = re.compile(r"`(rtk [^`]+)`")
_FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```", re.M | re.S)


def _subparsers(parser: argparse.ArgumentParser) -> dict:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def resolve(
    parser: argparse.ArgumentParser, words: List[str]
) -> Tuple[Optional[argparse.ArgumentParser], str]:
    """The sub-parser a command's leading words lead to, and its name (``rtk nk train``).

    The first word must be a command; after that, descending stops at the first word that
    is not a sub-command (an option, a file, a placeholder)."""
    name = "rtk"
    for i, word in enumerate(words):
        choices = _subparsers(parser)
        if word not in choices:
            return (None, f"{name} {word}") if i == 0 else (parser, name)
        parser, name = choices[word], f"{name} {word}"
    return parser, name


def doc_commands(text: str) -> List[str]:
    """Every `rtk …` inline span, and every `rtk …` line of code blocks (continuations joined)."""
    found: List[str] = []
    for lang, body in _FENCE.findall(text):
        if lang in ("text", "sh", ""):
            for line in body.replace("\\\n", " ").splitlines():
                line = line.strip()
                if line.startswith("rtk "):
                    found.append(re.split(r"\s#", line)[0].strip())
    prose = _FENCE.sub("", text).replace("\n", " ")
    found += [m.group(1) for m in _SPAN.finditer(prose)]
    return found


def problems_in(text: str, parser: argparse.ArgumentParser) -> List[str]:
    problems = []
    for command in doc_commands(text):
        sub, name = resolve(parser, command.split()[1:])
        if sub is None:
            problems.append(f"`{command}`: no command `{name}`")
            continue
        known = {s for a in sub._actions for s in a.option_strings}
        for option in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", command):
            if option not in known:
                problems.append(f"`{command}`: `{name}` has no option {option}")
    return problems


def test_the_check_finds_a_wrong_command_and_a_wrong_option():
    from restoration_toolkit.cli import build_parser

    text = (
        "Run `rtk curate --exclud 1010`, then `rtk upscale`.\n"
        "```text\nrtk nk train --crop-size 64 --colour x\n```\n"
    )
    found = problems_in(text, build_parser())
    assert len(found) == 3, found
    assert "no option --exclud" in found[1] and "no command `rtk upscale`" in found[2]
    assert "no option --colour" in found[0]


@pytest.mark.parametrize("doc", DOCS)
def test_commands_and_options_named_in_the_docs_exist(doc):
    from restoration_toolkit.cli import build_parser

    path = ROOT / doc
    if not path.is_file():
        pytest.skip(f"{doc} not written yet")
    problems = problems_in(path.read_text(encoding="utf-8"), build_parser())
    assert not problems, f"{doc}:\n" + "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS)
def test_pictures_the_docs_show_exist(doc):
    path = ROOT / doc
    if not path.is_file():
        pytest.skip(f"{doc} not written yet")
    missing = [
        m
        for m in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", path.read_text(encoding="utf-8"))
        if not (path.parent / m).is_file()
    ]
    assert not missing, f"{doc} shows pictures that do not exist: {missing}"
