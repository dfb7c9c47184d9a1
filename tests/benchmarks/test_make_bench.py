"""`make bench` regenerates every table in docs/benchmarks/ (issue 19: every figure generated)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bench_commands() -> str:
    done = subprocess.run(
        ["make", "-n", "bench"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_every_table_has_a_make_bench_command():
    text = _bench_commands()
    listed = set(re.search(r"for b in ([^;]+);", text).group(1).split())
    named = set(re.findall(r"--name ([\w-]+)", text))
    scripts = set(re.findall(r"benchmarks/([\w-]+)\.py", text)) - {"$b"}
    made = listed | named | scripts
    tables = {p.stem for p in (ROOT / "docs" / "benchmarks").glob("*.md")}
    assert tables - made == set(), f"tables no `make bench` command writes: {tables - made}"
