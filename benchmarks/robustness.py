"""The robustness table: issue 18's defects, the cases that try each one, what they show now.

Runs the robustness suite (``tests/robustness``: each case runs ``rtk`` in a subprocess as a
user would and checks the exit status, the one-line message, the inputs' checksums and that
nothing partial or hidden is left), collects each case's outcome from the suite's own record
(``RTK_ROBUSTNESS_RESULTS``), and writes docs/benchmarks/robustness.json and .md with
``benchmarks.results.write_results``. Nothing in the table is typed by hand.

With ``--before REV`` the same cases also run against the code of git revision REV (exported
with ``git archive`` into a temporary folder; today's tests are copied in), so the table shows
which defects the cases reproduce on the code before the fixes and which pass now.

    .venv/bin/python benchmarks/robustness.py --before 1d7f09f
    .venv/bin/python benchmarks/robustness.py -- -m "not slow"
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.results import ROOT, log_run, machine, machine_line, write_results  # noqa: E402

# The 19 numbered defects of issue 18 (as the issue names them), found by trying 78 cases.
DEFECTS = {
    1: "writing over the project's own scan / reference",
    2: "`rtk demo DIR` on an existing project",
    3: "paths with spaces, unicode, shell characters",
    4: "huge frame ranges exhaust memory",
    5: "killed parallel runs orphan their children",
    6: "resumed `rtk infer` trusts bad frames",
    7: "checkpoint loading unpickles anything",
    8: "printed commands not shell-quoted",
    9: "tracebacks instead of one line (read-only, disk full, non-UTF-8, 1×1, path under a file)",
    10: "images accepted without a word (other size, RGBA, NaN/Inf, one channel)",
    11: "pairs.yaml structure and checksums",
    12: "damaged experiment log found after the work",
    13: "grey reference against a color scan",
    14: "model of another technique accepted",
    15: "files written 0600 regardless of umask",
    16: "hidden temporary and stale frames left behind",
    17: "inputs silently ignored or accepted (validate --out, --frames '', duplicate keys, "
        "project check)",
    18: "shot names used as paths",
    19: "`rtk nk inference --shot <unknown>`",
}


def run_suite(tree: Path, pytest_args: List[str]) -> List[Dict[str, Any]]:
    """Run tests/robustness of ``tree`` against ``tree``'s code; one record per case
    (case, defect, outcome, seconds)."""
    with tempfile.TemporaryDirectory(prefix="rtk-robustness-") as tmp:
        record = Path(tmp) / "results.jsonl"
        env = dict(os.environ, RTK_ROBUSTNESS_RESULTS=str(record), PYTHONPATH=str(tree))
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "tests/robustness", *pytest_args]
        subprocess.run(command, cwd=tree, env=env, check=False)
        if not record.is_file():
            raise SystemExit(f"the suite recorded no case in {tree} (did it run?)")
        return [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]


def run_before(revision: str, pytest_args: List[str]) -> Tuple[str, List[Dict[str, Any]]]:
    """The same cases against the code of ``revision`` (today's tests and pytest settings)."""
    commit = subprocess.run(["git", "rev-parse", "--short", revision], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True,
                             capture_output=True).stdout
    with tempfile.TemporaryDirectory(prefix="rtk-robustness-before-") as tmp:
        tree = Path(tmp) / "tree"
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tree)  # noqa: S202 - our own repository's archive
        shutil.rmtree(tree / "tests" / "robustness", ignore_errors=True)
        shutil.copytree(ROOT / "tests" / "robustness", tree / "tests" / "robustness")
        shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")  # the suite's marker
        return commit, run_suite(tree, pytest_args)


def _by_defect(cases: List[Dict[str, Any]]) -> Dict[int, List[Dict[str, Any]]]:
    grouped: Dict[int, List[Dict[str, Any]]] = defaultdict(list)
    for case in cases:
        grouped[int(case["defect"])].append(case)
    return grouped


def _status(failed_before: Optional[int], passed: int, failed: int, cases: int) -> str:
    if not cases:
        return "no case"
    if failed:
        return "open"
    if not passed:
        return "not run here"
    if failed_before == 0:
        return "holds (not reproduced before)"
    return "fixed"


def summarise(cases: List[Dict[str, Any]],
              before: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    by_defect, old = _by_defect(cases), _by_defect(before or [])
    rows = []
    for number, title in DEFECTS.items():
        mine = by_defect.get(number, [])
        passed = sum(c["outcome"] == "passed" for c in mine)
        failed = sum(c["outcome"] == "failed" for c in mine)
        skipped = sum(c["outcome"] == "skipped" for c in mine)
        failed_before = (sum(c["outcome"] == "failed" for c in old.get(number, []))
                         if before is not None else None)
        rows.append({"defect": number, "title": title, "cases": len(mine),
                     "failed_before": failed_before, "passed": passed, "failed": failed,
                     "skipped": skipped, "status": _status(failed_before, passed, failed,
                                                           len(mine))})
    return {
        "cases_tried": len(cases),
        "cases_passed": sum(c["outcome"] == "passed" for c in cases),
        "cases_failed": sum(c["outcome"] == "failed" for c in cases),
        "cases_skipped": sum(c["outcome"] == "skipped" for c in cases),
        "defects_found": len(DEFECTS),
        "defects_reproduced_before": (sum(bool(r["failed_before"]) for r in rows)
                                      if before is not None else None),
        "cases_failed_before": (sum(c["outcome"] == "failed" for c in before)
                                if before is not None else None),
        "defects_fixed": sum(r["status"] == "fixed" for r in rows),
        "defects_open": sum(r["status"] == "open" for r in rows),
        "defects": rows,
        "cases": cases,
    }


def markdown(data: Dict[str, Any]) -> str:
    lines = [
        "# Robustness: issue 18's defects, tried again as a user would",
        "",
        "Generated by `benchmarks/robustness.py` from the results of `tests/robustness` "
        "(each case runs `rtk` in a subprocess and checks the exit status, the one-line "
        "message, that the inputs' checksums are unchanged and that nothing partial or "
        "hidden is left). Do not edit by hand.",
        "",
        machine_line(data["machine"]),
        "",
        f"Cases tried: {data['cases_tried']} ({data['cases_passed']} passed, "
        f"{data['cases_failed']} failed, {data['cases_skipped']} skipped). Defects found by "
        f"issue 18: {data['defects_found']}; fixed (their cases fail before and pass now): "
        f"{data['defects_fixed']}; open: {data['defects_open']}.",
    ]
    if data.get("before"):
        lines += ["", f"Before: the same cases against commit {data['before']}: "
                      f"{data['cases_failed_before']} failed, reproducing "
                      f"{data['defects_reproduced_before']} of the {data['defects_found']} "
                      "defects."]
    lines += [
        "",
        "| defect | what went wrong | cases | failed before | passed now | failed now | "
        "skipped | status |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in data["defects"]:
        before = "—" if r["failed_before"] is None else r["failed_before"]
        lines.append(f"| {r['defect']} | {r['title']} | {r['cases']} | {before} | "
                     f"{r['passed']} | {r['failed']} | {r['skipped']} | {r['status']} |")
    lines += ["", "Every case, with its time in seconds:", "",
              "| case | defect | outcome | seconds |", "|---|---:|---|---:|"]
    for c in sorted(data["cases"], key=lambda c: (c["defect"], c["case"])):
        lines.append(f"| `{c['case']}` | {c['defect']} | {c['outcome']} | {c['seconds']} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="REV",
                        help="also run the cases against the code of this git revision")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (e.g. -m 'not slow')")
    args = parser.parse_args()
    started = time.monotonic()
    before = commit = None
    if args.before:
        commit, before = run_before(args.before, args.pytest_args)
    data = summarise(run_suite(ROOT, args.pytest_args), before)
    data["before"] = commit
    data["suite_seconds"] = round(time.monotonic() - started, 1)
    data["pytest_args"] = args.pytest_args
    data["machine"] = machine()
    path = write_results("robustness", data, markdown(data))
    log_run("robustness", "validation", "robustness.py", None, data, figures={
        k: data[k] for k in ("cases_tried", "cases_failed", "defects_found", "defects_fixed",
                             "suite_seconds") if k in data})
    print(f"{data['cases_tried']} cases, {data['defects_fixed']}/{data['defects_found']} "
          f"defects fixed; wrote {path}")
    return 0 if not data["cases_failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
