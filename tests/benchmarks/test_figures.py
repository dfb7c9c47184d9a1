"""Every figure in docs/benchmarks/*.md comes from the JSON its script wrote beside it.

The number reader (restoration_toolkit.testing.figures, which the benchmark scripts' own
``write_results`` uses to refuse a typed figure) is checked on known answers first (ints,
thousands separators, decimals, percentages, ±, ×, signs; names with digits skipped), then
every table present, and the README's Measured lines.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from restoration_toolkit.testing.figures import missing_numbers, numbers_in_text

ROOT = Path(__file__).resolve().parents[2]
TABLES = sorted((ROOT / "docs" / "benchmarks").glob("*.md"))


def _values(text: str):
    return [(round(s.value, 12), s.percent) for s in numbers_in_text(text)]


def test_reads_the_usual_forms():
    text = "| 1,234 | 0.071 ± 0.012 | −3.5 | 12.5 % | 4.2× | 1e-4 | -987 | 99.93% |"
    assert _values(text) == [
        (1234.0, False),
        (0.071, False),
        (0.012, False),
        (-3.5, False),
        (12.5, True),
        (4.2, False),
        (0.0001, False),
        (-987.0, False),
        (99.93, True),
    ]


def test_skips_names_with_digits():
    text = "p95 ΔE2000 E0001 x86_64 Lanczos-4 ACES2065-1 16mm 2048x1556 Python 3.11.7 Rec.709"
    assert _values(text) == []


def test_sentence_end_and_ranges():
    assert _values("took 0.621. Range 0.9–1.1, frames 1001–1024.") == [
        (0.621, False),
        (0.9, False),
        (1.1, False),
        (1001.0, False),
        (1024.0, False),
    ]


def test_rounding_tolerance_is_half_the_last_digit():
    data = {"a": 0.0734, "b": 1.25, "c": 13000, "d": 0.125}
    assert missing_numbers("0.073 1.2 13,000 12.5 %", data) == []  # 12.5 % ↔ 0.125
    assert missing_numbers("0.074", data) == ["0.074"]
    assert missing_numbers("1.4", data) == ["1.4"]
    assert missing_numbers("13,001", data) == ["13,001"]


def test_numbers_inside_json_strings_count():
    data = {"case": "rotation 2.5 deg", "machine": {"date": "2026-11-26T14:21:00+00:00"}}
    assert missing_numbers("rotation 2.5°, run 2026-11-26 14:21", data) == []
    assert missing_numbers("rotation 3.5°", data) == ["3.5"]


def test_there_are_tables():
    assert TABLES, "docs/benchmarks/ holds no table"


@pytest.mark.parametrize("table", TABLES, ids=[t.stem for t in TABLES])
def test_every_figure_is_in_its_json(table: Path):
    source = table.with_suffix(".json")
    assert source.is_file(), f"{table.name} has no {source.name}: no script wrote this table"
    data = json.loads(source.read_text(encoding="utf-8"))
    missing = missing_numbers(table.read_text(encoding="utf-8"), data)
    assert not missing, f"{table.name} shows numbers that are not in {source.name}: {missing}"


def _measured_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Measured" in text, "README has no Measured section"
    return text.split("## Measured", 1)[1].split("\n## ", 1)[0]


def _headline_items(section: str) -> list:
    """The section's list items (a wrapped item is one item) and its other paragraphs."""
    items: list = []
    for block in section.split("\n\n"):
        for line in block.splitlines():
            if line.startswith("- ") or not items or not line.startswith(" "):
                items.append(line)
            else:
                items[-1] += " " + line.strip()
    return [i for i in items if i.strip()]


def test_readme_measured_lines_come_from_their_json():
    """Each headline item names its table; every number in it is in that table's JSON, and
    an item with a number but no table fails."""
    import re

    checked = 0
    for line in _headline_items(_measured_section()):
        names = re.findall(r"docs/benchmarks/([\w-]+)\.md", line)
        shown = re.sub(r"\([^)]*docs/benchmarks/[^)]*\)", "", line)  # the link targets
        if not numbers_in_text(shown):
            continue  # a line without figures (links, prose) needs no source
        assert names, f"README line with figures and no table: {line}"
        sources = [ROOT / f"docs/benchmarks/{n}.json" for n in names]
        for source in sources:
            assert source.is_file(), f"README cites {source.name}, which no script wrote: {line}"
        data = [json.loads(source.read_text(encoding="utf-8")) for source in sources]
        # a script that names its headline figures is held to them (a precise check)
        data = [d.get("headline", d) for d in data]
        missing = missing_numbers(shown, data)
        assert not missing, f"README shows {missing} that {names} do not hold: {line}"
        checked += 1
    assert checked, "the Measured section lists no headline figure"
