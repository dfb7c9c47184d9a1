"""Render-farm scale: bundle a feature-length reel, run a real bundle locally with 1 and 2 workers.

    /work/main/.venv/bin/python benchmarks/farm.py [--frames 240] [--size 640x480] [--chunk 24]

Part 1 — a synthetic 130 000-frame reel (frame *names* only: empty placeholder files, because
``rtk farm bundle`` checks the requested frames against the sequence on disk). For chunk sizes
10 / 50 / 200: time of ``plan_bundle`` + ``write_bundle`` (the whole ``rtk farm bundle`` minus
interpreter start-up; the CLI wall time is measured too), template size, bundle size and the
task count openjd-model forms. Compared in the same run with the two other ways to describe
the job: one INT task per chunk start (``--task-style int``, for farms without the
TASK_CHUNKING extension) and one task per frame (no chunking).

Part 2 — a real local run through openjd-cli (``rtk farm run``) of a tiny project: N small
EXR frames, ``matchgrade-apply`` stage. The stage is the tests' stand-in for
``rtk matchgrade apply`` (tests/farm/standin_stage.py: read the EXR, multiply by a gain,
write EXR half/zip atomically) unless the real ``rtk balance`` command is on this branch, in
which case that is used; the table says which. 1 worker and 2 workers from a clean output
folder, then a re-run of the finished job (pure per-task overhead: OpenJD session, task
start, on-disk completeness checks). Every frame is checked: written exactly once (the
stand-in's ledger), complete on disk.

Writes docs/benchmarks/farm.md.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from restoration_toolkit.farm.bundle import BundleRequest, plan_bundle, write_bundle  # noqa: E402
from restoration_toolkit.farm.completeness import frame_problem  # noqa: E402
from restoration_toolkit.farm.local import run_bundle  # noqa: E402
from restoration_toolkit.farm.stages import STAGES  # noqa: E402
from restoration_toolkit.farm.templates import (  # noqa: E402
    TemplateOptions,
    build_job_template,
    create_job,
    task_count,
)
from tests.farm.conftest import make_project, make_standin_python  # noqa: E402

REEL_FIRST, REEL_FRAMES = 1001, 130_000
FEATURE_FRAMES = 130_000


def dir_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def reel_project(root: Path) -> Path:
    (root / "media").mkdir(parents=True)
    (root / "project.yaml").write_text(
        yaml.safe_dump(
            {
                "schema_version": 1,
                "name": "REEL",
                "technique": "color-nonreference",
                "source": {"path": "media/REEL_SOURCE_######.exr"},
            }
        )
    )
    (root / "pipeline/05_matchgrade_render").mkdir(parents=True)
    (root / "pipeline/05_matchgrade_render/grade.cube").write_text("gain 0.5\n")
    for f in range(REEL_FIRST, REEL_FIRST + REEL_FRAMES):
        (root / "media" / f"REEL_SOURCE_{f:06d}.exr").touch()
    return root


def per_frame_template_tasks() -> tuple:
    """One task per frame: an INT task parameter over every frame (no chunking)."""
    template = build_job_template(
        STAGES["matchgrade-apply"], TemplateOptions(task_style="int", chunk_starts=[1])
    )
    template["steps"][0]["parameterSpace"]["taskParameterDefinitions"][0]["range"] = (
        "{{Param.Frames}}"
    )
    args = template["steps"][0]["script"]["actions"]["onRun"]["args"]
    i = args.index("--chunk-start")
    args[i : i + 6] = ["--frames", "{{Task.Param.ChunkStart}}"]
    values = {
        "ProjectDir": "/p",
        "Python": "/py",
        "Frames": f"{REEL_FIRST}-{REEL_FIRST + REEL_FRAMES - 1}",
        "ChunkSize": 1,
        "Grade": "/g",
        "Source": "/s.####.exr",
        "Out": "/o.####.exr",
    }
    t0 = time.perf_counter()
    job = create_job(template, values, "/tmp")
    n = task_count(job)
    return n, len(yaml.safe_dump(template, sort_keys=False)), time.perf_counter() - t0


def part1(work: Path) -> list:
    project = reel_project(work / "reel")
    rows = []
    for chunk in (10, 50, 200):
        for style in ("chunk", "int"):
            out = work / f"bundle_{style}_{chunk}"
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                plan = plan_bundle(
                    BundleRequest(
                        "matchgrade-apply", project=str(project), chunk=chunk, task_style=style
                    )
                )
                write_bundle(plan, out, overwrite=True)
                times.append(time.perf_counter() - t0)
            rows.append(
                {
                    "style": style,
                    "chunk": chunk,
                    "seconds": min(times),
                    "median": statistics.median(times),
                    "tasks": plan.tasks,
                    "template": (out / "template.yaml").stat().st_size,
                    "bundle": dir_size(out),
                    "frames": len(plan.frames),
                }
            )
            shutil.rmtree(out)
    # the CLI as a user runs it (interpreter start-up and imports included), chunk 50
    cli, cpu = [], []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "restoration_toolkit",
                "farm",
                "bundle",
                "--stage",
                "matchgrade-apply",
                "--project",
                str(project),
                "--chunk",
                "50",
                "--overwrite",
                "--out",
                str(work / "bundle_cli"),
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        cli.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    per_frame = per_frame_template_tasks()
    shutil.rmtree(project)
    return rows, (cli, cpu), per_frame


def real_stage_available() -> bool:
    return (ROOT / "restoration_toolkit" / "commands" / "balance.py").is_file()


def part2(work: Path, frames: int, size: tuple, chunk: int, repeat: int) -> dict:
    project = make_project(work / "tiny", frames=range(1, frames + 1), size=size)
    real = real_stage_available()
    if real:
        stage, python, label = "balance", sys.executable, "rtk balance (real stage command)"
    else:
        stage, python = "matchgrade-apply", str(make_standin_python(work / "bin"))
        label = (
            "stand-in for `rtk matchgrade apply` (tests/farm/standin_stage.py: read EXR, "
            "gain, write EXR half/zip atomically); the real stage commands are not on this branch"
        )
    bundle = work / "bundle"
    write_bundle(
        plan_bundle(BundleRequest(stage, project=str(project), chunk=chunk, python=python)), bundle
    )
    values = yaml.safe_load((bundle / "parameter_values.yaml").read_text())["parameterValues"]
    out_pattern = next(v["value"] for v in values if v["name"] == "Out")
    out_dir = Path(out_pattern).parent
    results: dict = {w: {"runs": [], "twice": 0, "missed": 0, "tasks": 0} for w in (1, 2)}
    for run_index, workers in enumerate([1, 2] * repeat):
        for p in out_dir.glob("*.exr"):
            if "_MG_" in p.name or "_BAL_" in p.name:
                p.unlink()
        ledger = work / f"ledger_{run_index}.txt"
        env = dict(os.environ, STANDIN_LEDGER=str(ledger))
        env.pop("RTK_PROGRESS", None)
        t0 = time.perf_counter()
        result = run_bundle(bundle, workers=workers, env=env)
        seconds = time.perf_counter() - t0
        if not result.ok:
            raise SystemExit(
                f"run with {workers} workers failed: {[w.error for w in result.workers]}"
            )
        written = (
            [int(line.split()[0]) for line in ledger.read_text().splitlines()]
            if ledger.exists()
            else []
        )
        incomplete = [
            f
            for f in range(1, frames + 1)
            if frame_problem(Path(out_pattern.replace("####", f"{f:04d}")), size) is not None
        ]
        x = results[workers]
        x["runs"].append(seconds)
        x["seconds"] = min(x["runs"])
        x["tasks"] = result.tasks
        # every run is checked: no frame written twice, none missing (the ledger must also
        # name every frame, or a frame was skipped that should not have been)
        if real:
            x["twice"] = None
        else:
            x["twice"] += len(written) - len(set(written)) + (frames - len(set(written)))
        x["missed"] += len(incomplete)
    t0 = time.perf_counter()
    rerun = run_bundle(
        bundle, workers=1, env={k: v for k, v in os.environ.items() if k != "RTK_PROGRESS"}
    )
    results["rerun"] = time.perf_counter() - t0
    assert rerun.ok
    results["label"] = label
    results["stage"] = stage
    results["frames"] = frames
    results["size"] = size
    results["chunk"] = chunk
    return results


def projection(r: dict) -> list:
    """Feature wall time on N nodes from the measured costs (1 worker = 1 node)."""
    tasks = r[1]["tasks"]
    overhead = r["rerun"] / tasks  # per task, no frame work
    per_frame = max(r[1]["seconds"] - r["rerun"], 0.0) / r["frames"]
    rows = []
    for chunk in (10, 50, 200):
        feature_tasks = math.ceil(FEATURE_FRAMES / chunk)
        task_s = overhead + chunk * per_frame
        for nodes in (1, 10, 50, 200):
            rows.append((chunk, nodes, feature_tasks, math.ceil(feature_tasks / nodes) * task_s))
    return overhead, per_frame, rows


def hms(seconds: float) -> str:
    h, rem = divmod(int(round(seconds)), 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--chunk", type=int, default=24)
    ap.add_argument("--repeat", type=int, default=2, help="runs per worker count (best kept)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks" / "farm.md"))
    a = ap.parse_args()
    size = tuple(int(x) for x in a.size.split("x"))
    work = Path(tempfile.mkdtemp(prefix="rtk-farm-bench-"))
    try:
        rows, cli, per_frame = part1(work)
        r = part2(work, a.frames, size, a.chunk, a.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    overhead, frame_cost, proj = projection(r)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# Farm benchmark",
        "",
        f"`{' '.join(['python', 'benchmarks/farm.py'] + sys.argv[1:])}` — {platform.node()}, "
        f"{os.cpu_count()} cores, load average {load:.1f} at the end of the run, "
        f"Python {platform.python_version()}, openjd-model/cli/sessions as installed.",
        "",
        f"## 1. Bundle for a {REEL_FRAMES:,}-frame reel (matchgrade-apply)",
        "",
        "| task style | chunk | bundle time, best of 3 (s) | median (s) | tasks | template.yaml (bytes) | whole bundle (bytes) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = "CHUNK[INT] (default)" if row["style"] == "chunk" else "INT chunk starts"
        lines.append(
            f"| {name} | {row['chunk']} | {row['seconds']:.3f} | {row['median']:.3f} | {row['tasks']:,} | "
            f"{row['template']:,} | {row['bundle']:,} |"
        )
    lines += [
        "",
        f"- one task per frame (no chunking), same job: {per_frame[0]:,} tasks, template "
        f"{per_frame[1]:,} bytes; ours at chunk 50 is {per_frame[0] / next(x['tasks'] for x in rows if x['chunk'] == 50 and x['style'] == 'chunk'):.0f}× fewer tasks.",
        f"- `rtk farm bundle` from the shell (interpreter start-up, imports, directory scan of "
        f"{REEL_FRAMES:,} names, openjd-model validation, write), chunk 50: best {min(cli[0]):.2f} s, "
        f"median {statistics.median(cli[0]):.2f} s wall of 3; CPU time (user + sys) of the "
        f"process {min(cli[1]):.2f} s — wall minus CPU is time spent waiting for a core on this "
        "shared machine. Target < 2 s.",
        "- The whole-bundle size grows with the task count because of `chunks.txt` and "
        "`commands.sh` (one line per task, for farms that speak no OpenJD); the OpenJD "
        "template itself does not grow with the reel.",
        "",
        f"## 2. Local run through openjd-cli: {r['frames']} frames {size[0]}×{size[1]}, chunk {r['chunk']}",
        "",
        f"Stage: {r['label']}.",
        "",
        "| workers | wall, best run (s) | all runs (s) | frames/s | speed-up vs 1 | tasks | frames written twice or never, all runs | frames missing/incomplete, all runs |",
        "|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    base = r[1]["seconds"]
    for w in (1, 2):
        x = r[w]
        twice = "n/a (real stage)" if x["twice"] is None else str(x["twice"])
        lines.append(
            f"| {w} | {x['seconds']:.2f} | {', '.join(f'{v:.2f}' for v in x['runs'])} | {r['frames'] / x['seconds']:.1f} | "
            f"{base / x['seconds']:.2f}× | {x['tasks']} | {twice} | {x['missed']} |"
        )
    lines += [
        "",
        f"Re-running the finished job (1 worker): {r['rerun']:.2f} s, no frame written — "
        f"{overhead:.2f} s per task of pure overhead (OpenJD session and task start, two "
        f"interpreter start-ups, header checks of {r['chunk']} frames).",
        "",
        "Target: 2 workers ≥ 1.7× the 1-worker throughput. "
        + (
            "Met."
            if base / r[2]["seconds"] >= 1.7
            else f"Not met here: {base / r[2]['seconds']:.2f}× on a machine with {os.cpu_count()} cores "
            f"shared with other work (load {load:.1f}); the workers share nothing but the disk, "
            "so scaling is bounded by the free cores, not by the runner."
        ),
        "",
        "## 3. Projected wall time for a feature",
        "",
        f"From the measured costs above: {overhead:.2f} s overhead per task + {frame_cost * 1000:.1f} ms "
        f"per frame of this stage, {FEATURE_FRAMES:,} frames, one task at a time per node, "
        "perfect packing (ceil(tasks / nodes) × task time). A real stage's per-frame cost "
        "replaces the stand-in's: wall ≈ ceil(frames / chunk / nodes) × (overhead + chunk × "
        "per-frame cost).",
        "",
        "| chunk | nodes | tasks | projected wall (h:mm:ss) |",
        "|---:|---:|---:|---:|",
    ]
    for chunk, nodes, tasks, secs in proj:
        lines.append(f"| {chunk} | {nodes} | {tasks:,} | {hms(secs)} |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
