"""Stage 02 work items: one scan frame ↔ reference frame job, planned from sequences or
pairs.yaml, run in this process or in a pool of processes (a failed frame never takes the
others down), writing the aligned reference, the STMap and the confidence map of each frame.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..core.errors import RTKError
from ..interrupts import call_in_worker, stop_pool, worker_signals

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
    # the scan's picture area (x0, y0, x1, y1): perforations, soundtrack, frame lines outside
    scan_box: Optional[Tuple[int, int, int, int]] = None
    mask_text: bool = True


def _read(path: str, frame: Optional[int]):
    """Frame ``frame`` of a video file, or the image file ``path``."""
    from ..core.io.footage import read_footage_frame

    return read_footage_frame(path, frame or 1, channels=3)


def _estimate(
    job: Job,
    settings: Settings,
    initial=None,
    refine_global: bool = True,
    dense: Optional[bool] = None,
):
    from ..core.alignment import AlignmentOptions, estimate_alignment

    scan = _read(job.scan_path, job.scan_frame)
    ref = _read(job.reference_path, job.reference_frame)
    par = settings.pixel_aspect or (
        ref.metadata.pixel_aspect / max(scan.metadata.pixel_aspect, 1e-6)
    )
    opts = AlignmentOptions(
        reference_pixel_aspect=par or 1.0,
        initial_matrix=initial,
        refine_global=refine_global,
        dense=settings.dense if dense is None else dense,
    )
    pixels = _picture_only(scan.pixels, settings.scan_box)
    result = estimate_alignment(pixels, ref.pixels, opts)
    return scan, ref, _restrict(result, scan.pixels, ref.pixels, settings)


def _picture_only(pixels, box):
    """The scan with what lies outside its picture area (perforations, soundtrack, frame
    lines) replaced by a mirror of the picture, so none of it drives the fit."""
    if box is None:
        return pixels
    import cv2

    h, w = pixels.shape[:2]
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    inner = pixels[y0:y1, x0:x1]
    return cv2.copyMakeBorder(inner, y0, h - y1, x0, w - x1, cv2.BORDER_REFLECT_101)


def _restrict(result, scan_pixels, ref_pixels, settings: Settings):
    """Confidence 0 outside the scan's picture area and on burned-in text of either element
    (the color fit weights its samples by confidence, so none of it is fitted); the live area
    kept inside the picture area."""
    import numpy as np

    from ..core.alignment import apply_alignment
    from ..core.alignment.result import LiveArea
    from ..core.curation.picture_area import text_overlay_mask

    conf = result.confidence
    h, w = conf.shape
    if settings.scan_box is not None:
        x0, y0, x1, y1 = settings.scan_box
        inside = np.zeros((h, w), np.float32)
        inside[max(0, y0):y1, max(0, x0):x1] = 1.0
        conf = conf * inside
        la = result.live_area
        result.live_area = LiveArea(max(la.x0, x0), max(la.y0, y0), min(la.x1, x1), min(la.y1, y1))
    if settings.mask_text:
        ref_text = text_overlay_mask(ref_pixels)
        text = text_overlay_mask(scan_pixels)
        if ref_text.any():
            warped = apply_alignment(ref_text[:, :, None], result, filter="linear")[:, :, 0]
            text = np.maximum(text, (warped > 0.05).astype(np.float32))
        if text.any():
            conf = conf * (1.0 - text)
            result.warnings.append(f"burned-in text masked ({100 * float(text.mean()):.1f}% of the frame)")
    if conf is not result.confidence:
        result.confidence = conf.astype(np.float32)
        from dataclasses import replace

        fraction = float((result.confidence > 0.5).mean())
        result.figures = replace(result.figures, confident_fraction=fraction)
    return result


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
        if write:
            _remove_outputs(job)
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
    except BaseException as exc:  # a frame must never take the others down
        if write:  # a failed frame keeps no output: not half of this run's, not an old one
            _remove_outputs(job)
        if not isinstance(exc, Exception):  # interrupted: stop, with nothing half-done left
            raise
        error = str(exc) if isinstance(exc, RTKError) else _error_text(exc)
        return {**record, "status": "failed", "error": error}


def _error_text(exc: Exception) -> str:
    if isinstance(exc, OSError):
        from ..core.errors import os_error

        return str(os_error(exc))
    return f"{type(exc).__name__}: {exc}"


def _remove_outputs(job: Job) -> None:
    for path in job.outputs.values():
        try:
            Path(path).unlink()
        except FileNotFoundError:
            pass
        except OSError:  # a folder that cannot be written: nothing was written there either
            pass


def _write_outputs(job: Job, settings: Settings, scan, ref, result) -> None:
    from ..core.alignment import apply_alignment, write_stmap
    from ..core.io.images import ImageMetadata, write_image

    pixels = ref.pixels
    colorspace = ref.metadata.colorspace
    if settings.working_space and settings.reference_colorspace and settings.ocio_config:
        from ..core.io.ocio import convert_colorspace

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
    from ..core.io.footage import open_footage
    from ..core.io.frames import parse_frames

    scan_seq = open_footage(source, None if pairs else frames, allow_missing=True)
    ref_seq = open_footage(reference, reference_frames, allow_missing=True)
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
        elif ref_seq.is_video and r not in set(ref_seq.frames):
            problem = f"{ref_path}: no frame {r} in this video (frames 1-{ref_seq.last})"
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
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=worker_signals)
    try:
        futures = {
            pool.submit(
                call_in_worker,
                run_job,
                job,
                worker_settings,
                (initial or {}).get(job.scan_frame),
                write,
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
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): no worker goes on writing
        stop_pool(pool, {Path(p).parent for j in jobs for p in j.outputs.values()})
        raise
    pool.shutdown()
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
