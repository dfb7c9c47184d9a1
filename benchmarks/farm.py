"""Render-farm scale: bundle a feature-length reel, run a real bundle locally with 1 and 2 workers.

    /work/main/.venv/bin/python benchmarks/farm.py [--frames 240] [--size 640x480] [--chunk 24]
        [--repeat 2] [--infer-frames 24] [--infer-chunk 6]

Part 1 — a synthetic 130 000-frame reel (frame *names* only: empty placeholder files, because
``rtk farm bundle`` checks the requested frames against the sequence on disk). For chunk sizes
10 / 50 / 200: time of ``plan_bundle`` + ``write_bundle`` (the whole ``rtk farm bundle`` minus
interpreter start-up; the CLI wall time is measured too), template size, bundle size and the
task count openjd-model forms. Compared in the same run with the two other ways to describe
the job: one INT task per chunk start (``--task-style int``, for farms without the
TASK_CHUNKING extension) and one task per frame (no chunking).

Part 2 — real local runs through openjd-cli (the code of ``rtk farm run``) of a tiny
project, 1 worker and 2 workers from a clean output folder, then a re-run of the finished
job (per-task overhead: OpenJD session, task start, on-disk completeness checks):
(a) a cheap per-frame stage: the tests' stand-in for the matchgrade-apply stage
(restoration_toolkit/testing/farm_standins.py: read the EXR, multiply by a gain, write EXR
half/zip atomically); (b) the real ``rtk infer`` stage
with the toolkit's small network exported to TorchScript, CPU, when torch is installed.
Every run is checked: an interpreter wrapper logs the frames each stage call was asked for
(each frame exactly once, none skipped), and every output frame is complete on disk.

Writes docs/benchmarks/farm.json and, rendered from it, farm.md (``benchmarks/farm_report.py``),
and the run's entry in notes/experiments.md.
"""

from __future__ import annotations

import argparse
import os
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

from benchmarks.farm_report import projection, render  # noqa: E402
from benchmarks.results import command_line, log_benchmark, machine, write_results  # noqa: E402
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
from restoration_toolkit.testing.farm_standins import (  # noqa: E402
    make_project,
    make_standin_python,
)

REEL_FIRST, REEL_FRAMES = 1001, 130_000
FEATURE_FRAMES = 130_000
REPEATS = 3  # bundle timings and CLI runs: best and median of this many


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
            for _ in range(REPEATS):
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
    for _ in range(REPEATS):
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


def ledger_python(folder: Path) -> Path:
    """An interpreter for the bundle that runs ``rtk`` with the stand-in stages registered
    and, with $RTK_RUNNER_LEDGER set, logs the frames every stage call (runner) was asked to
    do, to check that no frame is done twice or skipped
    (restoration_toolkit/testing/farm_standins.py)."""
    return make_standin_python(folder)


def ledger_frames(ledger: Path) -> list:
    """Frames named by ``--frames`` in every logged stage call (a frame may repeat: counted)."""
    from restoration_toolkit.core.io.frames import parse_frames

    frames = []
    if ledger.exists():
        for line in ledger.read_text().splitlines():
            words = line.split()
            frames += parse_frames(words[words.index("--frames") + 1])
    return frames


def part2(work: Path, frames: int, size: tuple, chunk: int, repeat: int, kind: str) -> dict:
    folder = work / kind
    project = make_project(folder / "tiny", frames=range(1, frames + 1), size=size)
    extra: dict = {"chunk": chunk}
    env_extra: dict = {}
    if kind == "infer":
        import torch  # noqa: F401 - optional dependency, only for this part

        from restoration_toolkit.train.export import export_model
        from restoration_toolkit.train.model import build_model

        model = export_model(
            build_model("small").eval(),
            project / "pipeline/03_copycat_training/torch",
            model_id="farm_bench",
        ).model_pt
        stage = "infer"
        extra["options"] = {"model": str(model)}
        python = ledger_python(folder / "bin")
        env_extra["OMP_NUM_THREADS"] = "1"  # one core per worker, as on a farm node slot
        label = (
            "`rtk infer`'s stage (the real runner): the toolkit's 'small' restoration "
            "network, untrained weights, TorchScript on CPU, one torch thread per worker"
        )
    else:
        stage = "matchgrade-apply"
        python = ledger_python(folder / "bin")
        label = (
            "stand-in for the matchgrade-apply stage (restoration_toolkit/testing/"
            "farm_standins.py: read EXR, gain, write EXR half/zip atomically), so that the "
            "runner's own costs are measured apart from the grade's"
        )
    bundle = folder / "bundle"
    write_bundle(
        plan_bundle(BundleRequest(stage, project=str(project), python=str(python), **extra)), bundle
    )
    values = yaml.safe_load((bundle / "parameter_values.yaml").read_text())["parameterValues"]
    out_pattern = next(v["value"] for v in values if v["name"] == "Out")
    out_dir = Path(out_pattern).parent
    base_env = {k: v for k, v in os.environ.items() if k != "RTK_PROGRESS"}
    base_env.update(env_extra)
    results: dict = {w: {"runs": [], "twice": 0, "missed": 0, "tasks": 0} for w in (1, 2)}
    for run_index, workers in enumerate([1, 2] * repeat):
        for p in out_dir.glob("*.exr"):
            if "_MG_" in p.name or "_ml_" in p.name:
                p.unlink()
        ledger = folder / f"ledger_{run_index}.txt"
        env = dict(base_env, RTK_RUNNER_LEDGER=str(ledger))
        t0 = time.perf_counter()
        result = run_bundle(bundle, workers=workers, env=env)
        seconds = time.perf_counter() - t0
        if not result.ok:
            raise SystemExit(
                f"run with {workers} workers failed: {[w.error for w in result.workers]}"
            )
        asked = ledger_frames(ledger)
        incomplete = [
            f
            for f in range(1, frames + 1)
            if frame_problem(Path(out_pattern.replace("####", f"{f:04d}")), size) is not None
        ]
        x = results[workers]
        x["runs"].append(seconds)
        x["seconds"] = min(x["runs"])
        x["tasks"] = result.tasks
        # every run is checked: the stage was asked for each frame exactly once (a repeat or
        # a gap counts), and every output frame is complete on disk
        x["twice"] += (len(asked) - len(set(asked))) + (frames - len(set(asked)))
        x["missed"] += len(incomplete)
    ledger = folder / "ledger_rerun.txt"
    t0 = time.perf_counter()
    rerun = run_bundle(bundle, workers=1, env=dict(base_env, RTK_RUNNER_LEDGER=str(ledger)))
    results["rerun"] = time.perf_counter() - t0
    assert rerun.ok and not ledger_frames(ledger), "a finished job did work again"
    results.update(label=label, stage=stage, frames=frames, size=size, chunk=chunk)
    return results


def run_data(r: dict) -> dict:
    """One local run as plain data, with the derived figures the table shows."""
    base = r[1]["seconds"]
    workers = {}
    for w in (1, 2):
        x = r[w]
        workers[str(w)] = {
            "best_s": x["seconds"],
            "runs_s": x["runs"],
            "frames_per_s": r["frames"] / x["seconds"],
            "speedup": base / x["seconds"],
            "tasks": x["tasks"],
            "asked_twice_or_never": x["twice"],
            "missing_or_incomplete": x["missed"],
        }
    return {
        "label": r["label"],
        "stage": r["stage"],
        "frames": r["frames"],
        "size": list(r["size"]),
        "chunk": r["chunk"],
        "repeats": len(r[1]["runs"]),
        "workers": workers,
        "rerun_s": r["rerun"],
        "projection": projection(r, FEATURE_FRAMES),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--chunk", type=int, default=24)
    ap.add_argument("--repeat", type=int, default=2, help="runs per worker count (best kept)")
    ap.add_argument(
        "--infer-frames",
        type=int,
        default=24,
        help="frames for the real `rtk infer` run (0: skip; needs torch)",
    )
    ap.add_argument("--infer-chunk", type=int, default=6)
    ap.add_argument("--no-write", action="store_true", help="print only (no docs, no log)")
    a = ap.parse_args(argv)
    size = tuple(int(x) for x in a.size.split("x"))
    work = Path(tempfile.mkdtemp(prefix="rtk-farm-bench-"))
    wall0 = time.perf_counter()
    try:
        rows, cli, per_frame = part1(work)
        runs = [part2(work, a.frames, size, a.chunk, a.repeat, "standin")]
        if a.infer_frames:
            runs.append(part2(work, a.infer_frames, size, a.infer_chunk, 1, "infer"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    chunk50 = next(x["tasks"] for x in rows if x["chunk"] == 50 and x["style"] == "chunk")
    data = {
        "command": " ".join(command_line("farm.py", argv)),
        "reel_frames": REEL_FRAMES,
        "feature_frames": FEATURE_FRAMES,
        "bundles": rows,
        "bundle_repeats": REPEATS,
        "cli": {
            "wall_s": cli[0],
            "cpu_s": cli[1],
            "best_s": min(cli[0]),
            "median_s": statistics.median(cli[0]),
            "cpu_best_s": min(cli[1]),
            "repeats": len(cli[0]),
        },
        "per_frame_job": {
            "tasks": per_frame[0],
            "template_bytes": per_frame[1],
            "fewer_tasks_at_chunk_50": per_frame[0] / chunk50,
        },
        "runs": [run_data(r) for r in runs],
        "targets": {"cli_s": 2.0, "speedup_2_workers": 1.7},
        "seconds": {"wall": time.perf_counter() - wall0},
        "machine": machine(),
    }
    data["headline"] = {
        "reel_frames": REEL_FRAMES,
        "cli_bundle_best_s": data["cli"]["best_s"],
        "cli_bundle_cpu_s": data["cli"]["cpu_best_s"],
        "speedup_2_workers": {r["stage"]: r["workers"]["2"]["speedup"] for r in data["runs"]},
        "targets": data["targets"],
    }
    text = render(data)
    print(text)
    if a.no_write:
        return 0
    write_results("farm", data, text)
    log_benchmark(
        "farm",
        stage="inference",
        command=command_line("farm.py", argv),
        parameters={
            "reel_frames": REEL_FRAMES,
            "frames": a.frames,
            "size": a.size,
            "chunk": a.chunk,
        },
        figures={
            "cli_bundle_best_s": round(data["cli"]["best_s"], 2),
            **{
                f"speedup_2_workers_{r['stage']}": round(r["workers"]["2"]["speedup"], 2)
                for r in data["runs"]
            },
        },
        observations="farm bundle and local OpenJD runs; see docs/benchmarks/farm.md",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
