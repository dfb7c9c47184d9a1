"""`rtk align`: stage 02 — register the reference onto the scan, frame by frame.

Writes into ``--out`` (default, on a project: ``pipeline/02_alignment/``), per scan frame N:
``aligned.NNNN.exr`` (the reference resampled onto the scan grid, in the working space on a
project), ``stmap.NNNN.exr`` (32-bit float, Nuke convention, reference-normalised),
``confidence.NNNN.exr`` (one channel, 0–1) and ``alignment.json`` (per frame: model,
parameters, figures, live-area crop, warnings, or the failure). A single image pair writes
``aligned.exr``, ``stmap.exr``, ``confidence.exr``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..cli_support import add_json_argument, add_no_log_argument, print_json, progress_bar
from ..core.errors import RTKError

COMMAND = "align"
HELP = "stage 02: align the reference onto the scan (aligned reference, STMap, confidence, figures)"
ORDER = 20

SCHEMA = "rtk.alignment/1"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        nargs="?",
        help="scan: one image or a sequence (scan.####.exr, scan.%%04d.exr, 'scan.####.exr 1001-1100'); default: the project's source",
    )
    parser.add_argument(
        "reference",
        nargs="?",
        help="reference: one image or a sequence (dvd.####.png); default: the project's reference",
    )
    parser.add_argument(
        "--out", metavar="DIR", help="output folder (default on a project: pipeline/02_alignment)"
    )
    parser.add_argument(
        "--frames",
        metavar="LIST",
        help="scan frames to align, e.g. 1001-1010,1020 (default: all, or on a project the pairs and held-out frames of pairs.yaml)",
    )
    parser.add_argument(
        "--reference-frames",
        metavar="LIST",
        help="reference frames, matched to the scan frames in order (default: all, in order)",
    )
    parser.add_argument(
        "--pairs",
        metavar="FILE",
        help="pairs.yaml naming scan frame ↔ reference frame (default on a project: pipeline/01_dataset_curation/pairs.yaml when it exists)",
    )
    parser.add_argument(
        "--smooth",
        metavar="FRAMES",
        type=float,
        nargs="?",
        const=2.0,
        default=0.0,
        help="smooth the global model over time (Gaussian sigma in frames, default 2 when given)",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="frames aligned in parallel (processes)"
    )
    parser.add_argument(
        "--filter",
        default="cubic",
        choices=("nearest", "linear", "cubic", "lanczos"),
        help="resampling filter for aligned.####.exr",
    )
    parser.add_argument(
        "--no-dense", action="store_true", help="global model only (no dense residual field)"
    )
    parser.add_argument(
        "--pixel-aspect",
        type=float,
        default=None,
        metavar="PAR",
        help="reference pixel aspect (default: the file's, or project.yaml's)",
    )
    parser.add_argument(
        "--project",
        metavar="DIR",
        default=None,
        help="restoration project folder (default: the nearest project.yaml, used when SOURCE/REFERENCE are not given)",
    )
    add_json_argument(parser)
    add_no_log_argument(parser)


# -- work items ------------------------------------------------------------------------------


@dataclass
class Job:
    scan_frame: int
    scan_path: Optional[str]
    reference_frame: Optional[int]
    reference_path: Optional[str]
    outputs: Dict[str, str]
    problem: str = ""  # known before running (no partner frame, missing file)


@dataclass
class Settings:
    dense: bool = True
    filter: str = "cubic"
    pixel_aspect: Optional[float] = None
    ocio_config: Optional[str] = None
    reference_colorspace: Optional[str] = None
    working_space: Optional[str] = None
    protect: List[str] = field(default_factory=list)
    threads: int = 0


def _read(path: str):
    from ..core.imageio import read_image

    return read_image(path, channels=3)


def _estimate(
    job: Job,
    settings: Settings,
    initial=None,
    refine_global: bool = True,
    dense: Optional[bool] = None,
):
    from ..core.alignment import AlignmentOptions, estimate_alignment

    scan = _read(job.scan_path)
    ref = _read(job.reference_path)
    par = settings.pixel_aspect or (
        ref.metadata.pixel_aspect / max(scan.metadata.pixel_aspect, 1e-6)
    )
    opts = AlignmentOptions(
        reference_pixel_aspect=par or 1.0,
        initial_matrix=initial,
        refine_global=refine_global,
        dense=settings.dense if dense is None else dense,
    )
    return scan, ref, estimate_alignment(scan.pixels, ref.pixels, opts)


def run_job(job: Job, settings: Settings, initial=None, write: bool = True) -> Dict[str, Any]:
    """Align one pair and (``write``) write its outputs. Never raises: failures come back as
    ``{"status": "failed", "error": ...}``."""
    if settings.threads:
        import cv2

        cv2.setNumThreads(settings.threads)
    record: Dict[str, Any] = {
        "scan_frame": job.scan_frame,
        "reference_frame": job.reference_frame,
        "scan": job.scan_path,
        "reference": job.reference_path,
    }
    if job.problem:
        return {**record, "status": "failed", "error": job.problem}
    try:
        scan, ref, result = _estimate(
            job, settings, initial, refine_global=initial is None, dense=None if write else False
        )
        if not write:
            return {
                **record,
                "status": "ok",
                "matrix": result.matrix.tolist(),
                "confident_fraction": result.figures.confident_fraction,
            }
        _write_outputs(job, settings, scan, ref, result)
        return {
            **record,
            "status": "ok",
            **result.to_json(),
            "outputs": dict(job.outputs),
            "smoothed": initial is not None,
        }
    except RTKError as exc:
        return {**record, "status": "failed", "error": str(exc)}
    except Exception as exc:  # a frame must never take the others down
        return {**record, "status": "failed", "error": f"{type(exc).__name__}: {exc}"}


def _write_outputs(job: Job, settings: Settings, scan, ref, result) -> None:
    from ..core.alignment import apply_alignment, write_stmap
    from ..core.imageio import ImageMetadata, write_image

    pixels = ref.pixels
    colorspace = ref.metadata.colorspace
    if settings.working_space and settings.reference_colorspace and settings.ocio_config:
        from ..core.ocio import convert_colorspace

        pixels = convert_colorspace(
            pixels,
            settings.reference_colorspace,
            settings.working_space,
            config=settings.ocio_config,
        )
        colorspace = settings.working_space
    aligned = apply_alignment(pixels, result, filter=settings.filter)
    provenance = {
        "rtk:stage": "02_alignment",
        "rtk:scan": str(job.scan_path),
        "rtk:reference": str(job.reference_path),
        "rtk:scan_frame": int(job.scan_frame),
        "rtk:model": "affine+bspline" if result.field is not None else "affine",
        "rtk:confident_fraction": float(round(result.figures.confident_fraction, 4)),
    }
    protect = settings.protect
    write_image(
        job.outputs["aligned"],
        aligned,
        ImageMetadata(
            colorspace=colorspace, timecode=scan.metadata.timecode, attributes=provenance
        ),
        data_format="half",
        protect=protect,
    )
    write_stmap(
        job.outputs["stmap"],
        result.map_xy,
        result.reference_shape,
        metadata=ImageMetadata(attributes=provenance),
        protect=protect,
    )
    write_image(
        job.outputs["confidence"],
        result.confidence,
        ImageMetadata(attributes=provenance),
        data_format="half",
        protect=protect,
        channel_names=("Y",),
    )


# -- planning --------------------------------------------------------------------------------


def _outputs(out: Path, frame: int, single: bool) -> Dict[str, str]:
    if single:
        return {k: str(out / f"{k}.exr") for k in ("aligned", "stmap", "confidence")}
    return {k: str(out / f"{k}.{frame:04d}.exr") for k in ("aligned", "stmap", "confidence")}


def plan_jobs(
    source: str,
    reference: str,
    out: Path,
    *,
    frames: Optional[str] = None,
    reference_frames: Optional[str] = None,
    pairs: Optional[List[Tuple[int, int]]] = None,
) -> List[Job]:
    """Pair scan frames with reference frames: from ``pairs`` (scan, reference) when given,
    else in order. Missing files and frames without a partner become failed jobs, not errors."""
    from ..core.frames import parse_frames
    from ..core.sequence import open_sequence

    scan_seq = open_sequence(source, None if pairs else frames, allow_missing=True)
    ref_seq = open_sequence(reference, reference_frames, allow_missing=True)
    single = scan_seq.is_single
    scan_missing = set(scan_seq.missing)
    ref_missing = set(ref_seq.missing)
    if pairs is not None:
        wanted = set(parse_frames(frames)) if frames else None
        couples = [(s, r) for s, r in pairs if wanted is None or s in wanted]
        if not couples:
            raise RTKError("no pairs left to align for these frames", source)
    elif scan_seq.is_single and ref_seq.is_single:
        couples = [(1, 1)]
    elif ref_seq.is_single:
        couples = [(s, 1) for s in scan_seq.frames]
    else:
        sf, rf = list(scan_seq.frames), list(ref_seq.frames)
        couples = [(s, rf[i] if i < len(rf) else None) for i, s in enumerate(sf)]
    jobs = []
    for s, r in couples:
        problem = ""
        scan_path = str(scan_seq.path(s))
        ref_path = str(ref_seq.path(r)) if r is not None else None
        if r is None:
            problem = f"no reference frame for scan frame {s} (the reference has {len(ref_seq.frames)} frames, the scan {len(scan_seq.frames)})"
        elif s in scan_missing or not Path(scan_path).is_file():
            problem = f"{scan_path}: scan frame missing"
        elif r in ref_missing or not Path(ref_path).is_file():
            problem = f"{ref_path}: reference frame missing"
        jobs.append(Job(s, scan_path, r, ref_path, _outputs(out, s, single), problem))
    return jobs


# -- running ---------------------------------------------------------------------------------


def _map(
    jobs: List[Job],
    settings: Settings,
    workers: int,
    progress,
    label: str,
    initial: Optional[Dict[int, Any]] = None,
    write: bool = True,
) -> Dict[int, Dict[str, Any]]:
    results: Dict[int, Dict[str, Any]] = {}
    total = len(jobs)
    if workers <= 1 or total <= 1:
        for i, job in enumerate(jobs):
            results[job.scan_frame] = run_job(
                job, settings, (initial or {}).get(job.scan_frame), write
            )
            progress(i + 1, total, f"{label} {job.scan_frame}")
        return results
    import multiprocessing

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    ctx = multiprocessing.get_context("spawn")
    worker_settings = Settings(**{**settings.__dict__, "threads": 1})
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {
            pool.submit(
                run_job, job, worker_settings, (initial or {}).get(job.scan_frame), write
            ): job
            for job in jobs
        }
        for done, fut in enumerate(as_completed(futures), 1):
            job = futures[fut]
            try:
                results[job.scan_frame] = fut.result()
            except Exception as exc:  # a dead worker
                results[job.scan_frame] = {
                    "scan_frame": job.scan_frame,
                    "status": "failed",
                    "error": f"worker failed: {exc}",
                }
            progress(done, total, f"{label} {job.scan_frame}")
    return results


def align_jobs(
    jobs: List[Job], settings: Settings, *, smooth: float = 0.0, workers: int = 1, progress=None
) -> Dict[int, Dict[str, Any]]:
    """Run the jobs (two passes with ``smooth``: global models first, smoothed, then the
    dense fit and outputs on the smoothed models)."""
    import numpy as np

    from ..core.alignment.temporal import smooth_matrices

    say = progress or (lambda done, total, message="": None)
    if smooth <= 0:
        return _map(jobs, settings, workers, say, "aligning")
    first = _map(jobs, settings, workers, say, "global model", write=False)
    good = {f: np.asarray(r["matrix"]) for f, r in first.items() if r.get("status") == "ok"}
    weights = {f: first[f].get("confident_fraction", 1.0) for f in good}
    smoothed = smooth_matrices(good, smooth, weights=weights)
    todo = [j for j in jobs if j.scan_frame in smoothed or j.problem or j.scan_frame not in good]
    results = _map(
        [j for j in todo if j.scan_frame in smoothed],
        settings,
        workers,
        say,
        "aligning",
        initial=smoothed,
    )
    for f, r in first.items():
        if r.get("status") != "ok":
            results[f] = r
    return results


def _summary(records: Dict[int, Dict[str, Any]]) -> Dict[str, Any]:
    ok = [r for r in records.values() if r.get("status") == "ok"]
    failed = sorted(f for f, r in records.items() if r.get("status") != "ok")
    figs = [r["figures"] for r in ok]

    def stat(key: str, fn) -> Optional[float]:
        vals = [f[key] for f in figs if f.get(key) is not None]
        return round(float(fn(vals)), 5) if vals else None

    look = sorted(
        (
            f
            for f, r in records.items()
            if r.get("status") == "ok"
            and (
                r["figures"]["confident_fraction"] < 0.2
                or r["figures"]["correlation"] < 0.3
                or r.get("warnings")
            )
        )
    )
    return {
        "frames": len(records),
        "aligned": len(ok),
        "failed": failed,
        "look_at": look,
        "confident_fraction_min": stat("confident_fraction", min),
        "confident_fraction_mean": stat("confident_fraction", lambda v: sum(v) / len(v)),
        "correlation_min": stat("correlation", min),
        "field_max_px": stat("field_max_px", max),
    }


def run(args: argparse.Namespace) -> int:
    project = None
    pairs = None
    if args.source and not args.reference:
        raise RTKError("give both SOURCE and REFERENCE, or neither (then the project's are used)")
    settings = Settings(dense=not args.no_dense, filter=args.filter, pixel_aspect=args.pixel_aspect)
    if args.source:
        source, reference = args.source, args.reference
        if not args.out:
            raise RTKError("--out DIR is required when SOURCE and REFERENCE are given")
        out = Path(args.out)
        project = _project_for(args.project, reference)
    else:
        from ..core.project import open_project

        project = open_project(args.project)
        if project.reference is None:
            raise RTKError(
                "project has no reference to align (technique " + project.technique + ")",
                project.root / "project.yaml",
            )
        source = project.source_spec()
        reference = project.reference_spec()
        out = Path(args.out) if args.out else project.alignment_dir
        if args.frames is None and project.source.frames:
            args.frames = project.source.frames
        if args.reference_frames is None and project.reference.frames:
            args.reference_frames = project.reference.frames
        pairs_file = Path(args.pairs) if args.pairs else project.pairs_file
        if pairs_file.is_file():
            args.pairs = str(pairs_file)
    source, reference = _absolute(source), _absolute(reference)
    if project is not None and project.reference is not None and _same_footage(project, reference):
        settings.ocio_config = project.color.ocio_config
        settings.reference_colorspace = project.reference.colorspace
        settings.working_space = project.color.working_space
        if settings.pixel_aspect is None and project.reference.pixel_aspect:
            settings.pixel_aspect = project.reference.pixel_aspect / max(
                project.source.pixel_aspect, 1e-6
            )
    if args.pairs:
        from ..core.pairs import load_pairs

        ps = load_pairs(args.pairs)
        pairs = [
            (p.scan_frame, p.reference_frame) for p in ps.pairs if p.reference_frame is not None
        ]
        # held-out frames too: validation and the MatchGrade hold-out figures measure them
        # against their aligned reference
        paired = {s for s, _ in pairs}
        pairs += sorted((s, r) for s, r in ps.holdout_references.items() if s not in paired)
    jobs = plan_jobs(
        source,
        reference,
        out,
        frames=args.frames,
        reference_frames=args.reference_frames,
        pairs=pairs,
    )
    settings.protect = sorted(
        {j.scan_path for j in jobs if j.scan_path}
        | {j.reference_path for j in jobs if j.reference_path}
    )
    out.mkdir(parents=True, exist_ok=True)
    with progress_bar(
        "aligning", len(jobs) * (2 if args.smooth > 0 else 1), quiet=args.json
    ) as bar:
        offset = [0]

        def progress(done: int, total: int, message: str = "") -> None:
            if message.startswith("global") or args.smooth <= 0:
                bar(done, total * (2 if args.smooth > 0 else 1), message)
                offset[0] = done
            else:
                bar(offset[0] + done, offset[0] + total, message)

        records = align_jobs(
            jobs, settings, smooth=args.smooth, workers=max(1, args.jobs), progress=progress
        )
    document = _write_json(out / "alignment.json", source, reference, records, settings, args)
    summary = document["summary"]
    _write_nk(out, settings)
    for f in summary["failed"]:
        print(f"rtk: error: frame {f}: {records[f]['error']}", file=sys.stderr)
    _log(project, args, jobs, records, summary, out)
    if args.json:
        print_json(
            {
                "alignment": str(out / "alignment.json"),
                "summary": summary,
                "frames": {str(f): _short(r) for f, r in sorted(records.items())},
            }
        )
    else:
        print(
            f"aligned {summary['aligned']} of {summary['frames']} frames → {out}"
            + (f"; FAILED: {', '.join(map(str, summary['failed']))}" if summary["failed"] else "")
            + (
                f"; look at: {', '.join(map(str, summary['look_at']))}"
                if summary["look_at"]
                else ""
            )
        )
    return 1 if summary["failed"] else 0


def _write_nk(out: Path, settings: Settings) -> None:
    """alignment.nk: the same graph the Nuke menu pastes (Read(stmap) + STMap(reference))."""
    from ..core.atomic import atomic_write_text
    from ..nk import write_script
    from ..nk.alignment_graph import alignment_graph

    try:
        graph = alignment_graph(
            out / "alignment.json", reference_colorspace=settings.reference_colorspace
        )
    except RTKError:
        return  # nothing aligned: no graph
    atomic_write_text(out / "alignment.nk", write_script(graph.script))


def _absolute(spec: str) -> str:
    """A spec with its path made absolute (a trailing frame range is kept)."""
    head, sep, tail = spec.partition(" ")
    return os.path.abspath(head) + sep + tail


def _project_for(explicit: Optional[str], reference: str):
    """The project named by --project, else the nearest one above the current folder (None
    when there is none): its colour settings apply when REFERENCE is its reference."""
    from ..core.project import open_project

    if explicit:
        return open_project(explicit)
    try:
        return open_project(None)
    except RTKError:
        return None


def _same_footage(project, spec: str) -> bool:
    ref = project.reference_spec()
    return bool(ref) and _absolute(spec).split(" ")[0] == os.path.abspath(ref.split(" ")[0])


def _short(record: Dict[str, Any]) -> Dict[str, Any]:
    if record.get("status") != "ok":
        return {"status": "failed", "error": record.get("error")}
    return {
        "status": "ok",
        "figures": record["figures"],
        "live_area": record["live_area"],
        "warnings": record["warnings"],
    }


def _write_json(
    path: Path, source: str, reference: str, records, settings: Settings, args
) -> Dict[str, Any]:
    from ..core.atomic import atomic_write_text

    frames: Dict[str, Any] = {}
    if path.is_file():  # keep the frames of an earlier run that this run did not redo
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            if old.get("schema") == SCHEMA and old.get("source") == source:
                frames.update(old.get("frames") or {})
        except (ValueError, OSError):
            pass
    frames.update({str(f): r for f, r in records.items()})
    ordered = {k: frames[k] for k in sorted(frames, key=lambda k: int(k))}
    all_records = {int(k): v for k, v in ordered.items()}
    document = {
        "schema": SCHEMA,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "source": source,
        "reference": reference,
        "settings": {
            "dense": settings.dense,
            "filter": settings.filter,
            "smooth_sigma_frames": args.smooth,
            "reference_pixel_aspect": settings.pixel_aspect,
            "working_space": settings.working_space,
            "reference_colorspace": settings.reference_colorspace,
            "stmap": "u=(x+0.5)/W, v=1-(y+0.5)/H in reference-normalised coordinates, float32",
        },
        "summary": _summary(all_records),
        "frames": ordered,
    }
    atomic_write_text(path, json.dumps(document, indent=1, default=str) + "\n")
    return document


def _median_live_area(records) -> Optional[List[int]]:
    import statistics

    boxes = [
        r["live_area"] for r in records.values() if r.get("status") == "ok" and r.get("live_area")
    ]
    return [int(statistics.median(b[i] for b in boxes)) for i in range(4)] if boxes else None


def _log(project, args, jobs: List[Job], records, summary, out: Path) -> None:
    if project is None or args.no_log:
        return
    try:
        from ..core.experiment_log import log_run
    except ImportError:
        return
    frames = sorted(records)
    try:
        log_run(
            project.root,
            stage="alignment",
            technique=project.technique,
            frames=frames,
            parameters={
                "dense": not args.no_dense,
                "filter": args.filter,
                "smooth": args.smooth,
                "jobs": args.jobs,
            },
            figures={
                k: v for k, v in summary.items() if isinstance(v, (int, float)) and v is not None
            },
            inputs=[Path(project.source_spec()), Path(project.reference_spec() or "")],
            outputs=[out / "alignment.json"],
            alignment_path="automatic",  # the log's vocabulary: automatic / manual
            live_area=_median_live_area(records),
            observations=(f"failed frames: {summary['failed']}; " if summary["failed"] else "")
            + (
                f"look at: {summary['look_at']}"
                if summary["look_at"]
                else "all frames within thresholds"
            ),
        )
    except Exception as exc:  # the log must never fail the stage
        print(f"rtk: warning: experiment log not updated ({exc})", file=sys.stderr)
