"""Benchmark: the demo film end to end — how long `rtk demo` takes, step by step, and the
figures of docs/case-studies/demo-film.md.

1. ``rtk demo DIR`` as a user runs it (a subprocess), or an earlier run's folder
   (``--from DIR``): the seconds of each step as the demo run measured them itself
   (``demo_timings.json``, written by ``stages/demo.py``), the whole run's wall and CPU time
   when it runs here, and the validation report it ends with
   (``pipeline/05_matchgrade_render/report/report.json``: the demo's short model,
   MatchGrade, the scan and the spatial baselines on the held-out frames).
2. The case study's longer run on the same project: ``rtk train`` for ``--steps`` steps
   (everything else as the demo trains), ``rtk infer`` on the held-out frames, ``rtk
   validate --result`` — the same report for the longer model.

One project and one training seed: no spread is measured here (the trainer benchmark
measures the spread over seeds on held-out shots). Writes docs/benchmarks/demo.json and,
rendered from it, demo.md, and the run's entry in notes/experiments.md.

Run: ``python benchmarks/demo.py [--steps 1000] [--keep DIR | --from DIR] [--no-write]
[--render-only JSON]``
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.results import (  # noqa: E402
    command_line,
    log_benchmark,
    machine,
    machine_line,
    missing_numbers,
    write_results,
)

REPORT = "pipeline/05_matchgrade_render/report/report.json"


def rtk(args: List[str], cwd: Path, check: bool = True) -> Dict[str, Any]:
    """Run ``rtk ARGS``; its output, wall seconds and the CPU seconds of the process (a
    failure stops the benchmark unless ``check`` is False: the demo reports its own)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "restoration_toolkit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0 and check:
        raise SystemExit(
            f"rtk {' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}"
        )
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {"stdout": out.stdout + out.stderr, "wall_s": wall, "cpu_s": cpu}


def demo_timings(project: Path) -> Dict[str, Any]:
    """The seconds the demo run measured itself (``demo_timings.json``)."""
    return json.loads((project / "demo_timings.json").read_text(encoding="utf-8"))


def report_figures(project: Path) -> Dict[str, Any]:
    data = json.loads((project / REPORT).read_text(encoding="utf-8"))
    return {
        "frames": data.get("frames"),
        "training_frames": data.get("training_frames"),
        "ground_truth": data.get("ground_truth"),
        "measured_in": data.get("measured_in"),
        "summary": data["summary"],
        "outlier_frames": data.get("outlier_frames"),
    }


def log_entries(project: Path) -> List[Dict[str, Any]]:
    """What each stage recorded in the demo project's experiment log (its own figures)."""
    from restoration_toolkit.core.experiment_log import ExperimentLog

    return [
        {"id": e.id, "stage": e.stage, "parameters": e.parameters, "figures": e.figures}
        for e in ExperimentLog.for_project(project).entries()
    ]


def _entries_table(entries: List[Dict[str, Any]]) -> List[str]:
    lines = [
        "| entry | stage | figure | value |",
        "|---|---|---|---:|",
    ]
    for e in entries:
        if e["stage"] == "validation":
            continue  # the validation tables above show these
        for k, v in e["figures"].items():
            if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                continue  # lists and maps stay in demo.json
            shown = f"{v:.4g}" if isinstance(v, float) else str(v)
            lines.append(f"| {e['id']} | {e['stage']} | {k} | {shown} |")
    return lines + [""]


def longer_run(project: Path, steps: int) -> Dict[str, Any]:
    from restoration_toolkit.core.curation.pairs import load_pairs
    from restoration_toolkit.core.io.frames import format_frames

    holdout = format_frames(load_pairs(project / "pipeline/01_dataset_curation/pairs.yaml").holdout)
    out = f"pipeline/03_copycat_training/torch_{steps}"
    result = f"pipeline/04_inference_render/steps{steps}_ml_####.exr"
    train = rtk(
        ["train", "--project", ".", "--steps", str(steps), "--crop-size", "64", "--batch-size", "4",
         "--model-size", "small", "--seed", "1", "--checkpoint-interval", str(steps), "--out", out],
        project,
    )  # fmt: skip
    infer = rtk(
        ["infer", "--project", ".", "--model", f"{out}/model.pt", "media/DEMO_SOURCE_####.exr",
         "--out", result, "--frames", holdout],
        project,
    )  # fmt: skip
    validate = rtk(["validate", "--project", ".", "--result", result], project)
    return {
        "steps": steps,
        "holdout": holdout,
        "train": {k: train[k] for k in ("wall_s", "cpu_s")},
        "infer": {k: infer[k] for k in ("wall_s", "cpu_s")},
        "validate": {k: validate[k] for k in ("wall_s", "cpu_s")},
        "report": report_figures(project),
    }


def _table(title: str, rep: Dict[str, Any]) -> List[str]:
    summary = rep["summary"]
    names = list(summary)
    metrics = list(next(iter(summary.values())))
    lines = [
        f"### {title}",
        "",
        f"Frames {rep['frames']} (training frames {rep['training_frames']} never measured); "
        f"ground truth: {rep['ground_truth']}; measured in {rep['measured_in']}.",
        "",
        "| figure | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for m in metrics:
        cells = []
        for n in names:
            v = summary[n].get(m)
            cells.append(f"{v:.3f}" if isinstance(v, (int, float)) else str(v))
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return lines + ["", f"Outlier frames the report lists: {rep['outlier_frames'] or 'none'}.", ""]


NOT_RUN = (
    "Not in this data: it holds the demo's own timings only (the first form of this "
    "benchmark). The validation tables, the longer run and the log table come with the next "
    "`python benchmarks/demo.py`."
)


def from_first_form(old: Dict[str, Any]) -> Dict[str, Any]:
    """The data of this benchmark's first form (``{"timings": ...}`` only) in today's shape,
    with nothing added: the sections it did not measure stay empty."""
    return {
        "command": "python benchmarks/demo.py (its first form: the demo's timings only)",
        "demo": {"wall_s": None, "cpu_s": None, "timings": old["timings"], "report": None},
        "longer": None,
        "log": [],
        "machine": old["machine"],
    }


def headline(data: Dict[str, Any]) -> Dict[str, Any]:
    """The figures README's Measured line may quote (the figures test checks them)."""
    t = data["demo"]["timings"]
    return {
        "demo_total_s": t["total_seconds"],
        "failed": len(t["failed"]),
        "steps": len(t["seconds"]),
        "load_average_1min": t["machine"]["load_average_1_5_15"][0],
    }


def render(d: Dict[str, Any]) -> str:
    t = d["demo"]["timings"]
    lines = [
        "# Demo film, end to end (the figures of the case study)",
        "",
        f"Produced by `{d['command']}` — do not edit by hand; the numbers are in `demo.json` "
        "beside this file. One project, one training seed: no spread is measured here.",
        "",
        machine_line(d["machine"]),
        "",
        "## `rtk demo`, step by step",
        "",
        "Seconds of each step as the demo run measured them itself (`demo_timings.json`; wall "
        f"clock; load average at the end of the demo {t['machine']['load_average_1_5_15']}):",
        "",
        "| step | seconds |",
        "|---|---:|",
    ]
    lines += [f"| {step} | {sec} |" for step, sec in t["seconds"].items()]
    lines += [f"| **total** | **{t['total_seconds']}** |", ""]
    lines.append(
        (f"Failed: {', '.join(t['failed'])}." if t["failed"] else "Every step succeeded.")
        + (f" Skipped: {', '.join(t['skipped'])}." if t.get("skipped") else "")
    )
    if d["demo"].get("wall_s") is not None:
        lines += [
            "",
            f"The whole `rtk demo` process here: {d['demo']['wall_s']:.0f} s wall, "
            f"{d['demo']['cpu_s']:.0f} CPU s.",
        ]
    lines += ["", "## Validation", ""]
    if d["demo"].get("report") is None:  # the first form of this benchmark kept timings only
        return "\n".join(lines + [NOT_RUN])
    lines += _table("The demo's own model (as `rtk demo` trains it)", d["demo"]["report"])
    if d.get("longer"):
        r = d["longer"]
        lines += [
            f"The longer run: `rtk train` for {r['steps']} steps "
            f"({r['train']['wall_s']:.0f} s wall, "
            f"{r['train']['cpu_s']:.0f} CPU s), `rtk infer` on frames {r['holdout']} "
            f"({r['infer']['wall_s']:.0f} s wall), `rtk validate --result` "
            f"({r['validate']['wall_s']:.0f} s wall).",
            "",
        ]
        lines += _table(f"The model trained for {r['steps']} steps", r["report"])
    lines += [
        "## What each stage recorded",
        "",
        "The figures every command wrote to the demo project's experiment log "
        "(`notes/experiments.md` of the project; lists and maps are in `demo.json`, key `log`):",
        "",
    ]
    lines += _entries_table(d["log"])
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1000, help="the longer run (0: skip it)")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--keep", default=None, help="build the project here and keep it")
    where.add_argument("--from", dest="source", help="report an earlier `rtk demo` folder")
    ap.add_argument("--no-write", action="store_true", help="print only (no docs, no log)")
    ap.add_argument("--render-only", default=None, help="re-render a kept JSON (no new run)")
    args = ap.parse_args(argv)
    if args.render_only:
        kept = json.loads(Path(args.render_only).read_text(encoding="utf-8"))
        kept = kept if "demo" in kept else from_first_form(kept)
        kept.pop("benchmark", None)
        kept["headline"] = headline(kept)
        print(f"wrote {write_results('demo', kept, render(kept))}")
        return 0
    t0 = time.perf_counter()
    work = Path(args.keep or tempfile.mkdtemp(prefix="rtk-bench-demo-"))
    project = Path(args.source) if args.source else work / "demo"
    try:
        run: Dict[str, Any] = {"wall_s": None, "cpu_s": None}
        if not args.source:
            work.mkdir(parents=True, exist_ok=True)
            run = rtk(["demo", str(project)], work, check=False)
        if not (project / "demo_timings.json").is_file():
            raise SystemExit(
                f"rtk demo wrote no demo_timings.json:\n{run.get('stdout', '')[-3000:]}"
            )
        timings = demo_timings(project)
        data: Dict[str, Any] = {
            "command": " ".join(command_line("demo.py", argv)),
            "demo": {
                "wall_s": run["wall_s"],
                "cpu_s": run["cpu_s"],
                "timings": timings,
                "report": report_figures(project),
            },
        }
        data["longer"] = longer_run(project, args.steps) if args.steps else None
        data["log"] = log_entries(project)
    finally:
        if not args.keep and not args.source:
            shutil.rmtree(work, ignore_errors=True)
    data["seconds"] = {"wall": time.perf_counter() - t0}
    data["machine"] = machine()
    data["headline"] = headline(data)
    text = render(data)
    print(text)
    if args.no_write:
        print("numbers not in the data:", missing_numbers(text, data), file=sys.stderr)
        return 0
    write_results("demo", data, text)
    log_benchmark(
        "demo",
        stage="validation",
        command=command_line("demo.py", argv),
        parameters={"longer_run_steps": args.steps},
        figures={"demo_total_s": timings["total_seconds"], "failed_steps": len(timings["failed"])},
        observations="rtk demo end to end, and the longer run (docs/benchmarks/demo.md)",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
