"""Stage 05 input discovery: what `rtk validate` compares, found in a project or given.

In a project: ``pairs.yaml`` for the training and held-out frames, the aligned references of
stage 02 (``aligned.####.exr`` and their ``confidence.####.exr``), the model result of stage 04
(``<shot>_ml_####.exr``), a MatchGrade render in stage 05 when there is one (scored in full
and chroma-only), the traditional baselines computed from the scan. Without a project every
sequence is named and shares one colour space.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ..core.errors import RTKError
from ..core.io.frames import format_frames
from ..core.io.sequence import open_sequence
from ..core.project import Project
from ..core.validation.baselines import BASELINES
from ..core.validation.inputs import (
    DEFAULT_OCIO,
    DISPLAY_SPACE,
    GROUND_TRUTHS,
    NEIGHBOUR_FRAMES,
    Candidate,
    ValidationInputs,
    check_validation_frames,
    chroma_only_candidates,
)

_NUMBERED = re.compile(
    r"^(?P<prefix>.+?)(?P<frame>-?\d+)\.(?P<ext>exr|dpx|tif|tiff|png|jpg)$", re.I
)
MODEL_DESCRIPTION = "the trained per-film model's result"


def numbered_files(directory: Path) -> Dict[str, Dict[int, Path]]:
    """Numbered image files in ``directory`` grouped by prefix: prefix → {frame: path}."""
    groups: Dict[str, Dict[int, Path]] = {}
    if not directory.is_dir():
        return groups
    for p in sorted(directory.iterdir()):
        if not p.is_file() or p.name.startswith("."):
            continue
        m = _NUMBERED.match(p.name)
        if m:
            groups.setdefault(m.group("prefix"), {})[int(m.group("frame"))] = p
    return groups


def sequence_paths(spec: str, frames: Sequence[int], what: str) -> Dict[int, Path]:
    """{frame: path} of ``spec`` for ``frames``; RTKError names what is missing."""
    seq = open_sequence(spec, allow_missing=True)
    if seq.is_single:
        return {f: seq.path(f) for f in frames}
    have = set(seq.frames) - set(seq.missing)
    missing = [f for f in frames if f not in have]
    if missing:
        raise RTKError(
            f"{what} has no frames {format_frames(missing)} (validation frames "
            f"{format_frames(frames)})",
            spec,
        )
    return {f: seq.path(f) for f in frames}


def _require(
    paths: Dict[int, Path], frames: Sequence[int], what: str, where: Path
) -> Dict[int, Path]:
    missing = [f for f in frames if f not in paths]
    if missing:
        raise RTKError(f"{what} is missing frames {format_frames(missing)}", where)
    return {f: paths[f] for f in frames}


def _header_space(path: Path, default: str, config: str) -> Tuple[str, Dict[str, object]]:
    """The colour space a file's header names (when the OCIO config knows it) and its
    ``rtk:`` provenance attributes."""
    from ..core.io.images import read_image_header
    from ..core.io.ocio import load_config

    meta = read_image_header(path)
    space = default
    if meta.colorspace:
        try:
            if load_config(config).getColorSpace(meta.colorspace) is not None:
                space = meta.colorspace
        except RTKError:
            pass
    attrs = {k: v for k, v in meta.attributes.items() if str(k).startswith("rtk:")}
    return space, attrs


def _given_kind(name: str) -> str:
    """``--baseline matchgrade=SEQ`` is the MatchGrade result; any other name a baseline."""
    return "matchgrade" if name.lower() in ("matchgrade", "mg") else "baseline"


def baseline_candidates(names: Optional[Sequence[str]] = None) -> List[Candidate]:
    """The untreated scan and the traditional baselines ``names`` (default: all)."""
    out = [
        Candidate(
            "scan",
            "scan",
            "the untreated scan (resampled to the reference raster if needed)",
            "scan",
            baseline="lanczos",
            parameters={"filter": "Lanczos4"},
        )
    ]
    for name in names if names is not None else list(BASELINES):
        if name not in BASELINES:
            raise RTKError(f"unknown baseline {name!r} (one of {', '.join(BASELINES)})")
        if name == "lanczos":
            continue  # identical to "scan" on the same raster; on another raster "scan" is it
        b = BASELINES[name]
        out.append(
            Candidate(
                name,
                "baseline",
                b.description,
                "computed from the scan",
                baseline=name,
                parameters=dict(b.parameters),
            )
        )
    return out


def _model_results(project: Project, result: Optional[str]) -> Tuple[Dict[int, Path], str]:
    """Every frame of the model result on disk and how to name its source."""
    if result:
        seq = open_sequence(result, allow_missing=True)
        return {f: seq.path(f) for f in seq.frames if f not in set(seq.missing)}, result
    found: Dict[int, Path] = {}
    for prefix, paths in numbered_files(project.stage_dir(4)).items():
        if prefix.endswith("_ml_"):
            found.update(paths)
    if not found:
        raise RTKError(
            "no model result (<shot>_ml_####.exr) in pipeline/04_inference_render: "
            "render the inference first or pass --result",
            project.stage_dir(4),
        )
    return found, (project.stage_dir(4) / "<shot>_ml_####.exr").as_posix()


def _measurable(
    project: Project, chosen: List[int], aligned: Dict[int, Path], found: Dict[int, Path]
) -> Tuple[List[int], List[str]]:
    """The default held-out frames that have both an aligned reference and a model result,
    and a note naming those left out (an explicit --frames must be complete instead)."""
    usable = [f for f in chosen if f in aligned and f in found]
    left = [f for f in chosen if f not in usable]
    if not usable:
        raise RTKError(
            f"none of the held-out frames {format_frames(chosen)} has both an aligned reference "
            "(pipeline/02_alignment/aligned.####.exr: run `rtk align` on them) and a model "
            "result (pipeline/04_inference_render)",
            project.pairs_file,
        )
    notes = []
    if left:
        notes.append(
            f"held-out frames {format_frames(left)} were not measured: they lack an aligned "
            "reference or a model result"
        )
    return usable, notes


def _matchgrade_candidates(
    project: Project, chosen: Sequence[int], extra: Dict[str, str], config: str
) -> Tuple[List[Candidate], List[str]]:
    """A MatchGrade render of every measured frame in stage 05 (full), when there is one."""
    mg_dir = project.stage_dir(5)
    groups = {k: v for k, v in numbered_files(mg_dir).items() if all(f in v for f in chosen)}
    if any(_given_kind(n) == "matchgrade" for n in extra):
        return [], []
    if not groups:
        if (mg_dir / "grade.cube").is_file():
            return [], [
                "grade.cube exists but no MatchGrade render of the validation frames was found "
                "in pipeline/05_matchgrade_render: run `rtk matchgrade apply` on the scan to "
                "compare it"
            ]
        return [], []
    prefix = sorted(groups, key=lambda k: (not re.search(r"mg|match", k, re.I), k))[0]
    paths = {f: groups[prefix][f] for f in chosen}
    space, _ = _header_space(paths[chosen[0]], project.source.colorspace, config)
    return [
        Candidate(
            "matchgrade",
            "matchgrade",
            "MatchGrade result in full (its own luminance and chroma; global color transform)",
            (mg_dir / f"{prefix}####").as_posix(),
            paths,
            space,
        )
    ], []


def _model_candidate(
    project: Project,
    measured: Sequence[int],
    result: Optional[str],
    found: Dict[int, Path],
    source: str,
    config: str,
) -> Candidate:
    """The model result on every measured frame, in the colour space its header names."""
    if result:
        paths = sequence_paths(result, measured, "the result")
    else:
        where = project.stage_dir(4)
        paths = _require(found, measured, "the model result (<shot>_ml_####.exr)", where)
    space, attrs = _header_space(paths[measured[0]], project.color.delivery_space, config)
    return Candidate("model", "model", MODEL_DESCRIPTION, source, paths, space, attributes=attrs)


def _shots(project: Project) -> Dict[int, str]:
    return {f: s.name for s in project.shots for f in range(s.first, s.last + 1)}


def project_inputs(
    project: Project,
    *,
    frames: Optional[Sequence[int]] = None,
    result: Optional[str] = None,
    baselines: Optional[Sequence[str]] = None,
    extra: Optional[Dict[str, str]] = None,
    with_training: bool = False,
    neighbour_frames: int = NEIGHBOUR_FRAMES,
) -> ValidationInputs:
    """Resolve what ``rtk validate --project DIR`` compares (see the module docstring).
    ``with_training``: also measure the training frames that have a result, for comparison."""
    from ..core.curation.pairs import load_project_pairs

    extra = dict(extra or {})
    pairs = load_project_pairs(project)  # checked against the sequences, checksums verified
    training = sorted(set(pairs.scan_frames))
    chosen = sorted(set(frames)) if frames else sorted(set(pairs.holdout))
    if not chosen:
        raise RTKError(
            "pairs.yaml holds no held-out frames (`holdout`): list frames kept out of "
            "training there, or pass --frames",
            project.pairs_file,
        )
    check_validation_frames(chosen, training, project.pairs_file)
    config = project.color.ocio_config or DEFAULT_OCIO
    aligned = numbered_files(project.alignment_dir).get("aligned.", {})
    found, source = _model_results(project, result)
    notes: List[str] = []
    if not frames:
        chosen, notes = _measurable(project, chosen, aligned, found)
    shown = [f for f in training if f in aligned and f in found] if with_training else []
    measured = sorted(set(chosen) | set(shown))
    reference = _require(
        aligned,
        measured,
        "the aligned references (pipeline/02_alignment/aligned.####.exr; "
        "run `rtk align` on the held-out frames)",
        project.alignment_dir,
    )
    confidence = numbered_files(project.alignment_dir).get("confidence.", {})
    candidates = [_model_candidate(project, measured, result, found, source, config)]
    mg, mg_notes = _matchgrade_candidates(project, measured, extra, config)
    candidates += mg
    for name, spec in extra.items():
        paths = sequence_paths(spec, measured, f"baseline {name}")
        space, _ = _header_space(paths[measured[0]], project.source.colorspace, config)
        candidates.append(
            Candidate(name, _given_kind(name), f"given sequence {spec}", spec, paths, space)
        )
    ground_truth = "chroma" if project.is_color else "luma"
    if ground_truth != "luma":
        candidates += chroma_only_candidates(candidates)
    candidates += baseline_candidates(baselines)
    live = project.live_area
    return ValidationInputs(
        ground_truth=ground_truth,
        frames=chosen,
        training_frames=training,
        training_measured=shown,
        scan=sequence_paths(project.source_spec(), measured, "the scan"),
        scan_space=project.source.colorspace,
        reference=reference,
        reference_space=project.color.working_space,
        candidates=candidates,
        confidence={f: confidence[f] for f in measured if f in confidence},
        ocio_config=config,
        live_area=(live.x0, live.y0, live.x1, live.y1) if live else None,
        reference_source=(project.alignment_dir / "aligned.####.exr").as_posix()
        + (f" (aligned from {project.reference.path})" if project.reference else ""),
        scan_source=project.source.path,
        notes=notes + mg_notes,
        shots=_shots(project),
        neighbour_frames=neighbour_frames,
    )


def explicit_inputs(
    *,
    scan: str,
    reference: str,
    result: str,
    frames: Sequence[int],
    training: Sequence[int] = (),
    colorspace: str = DISPLAY_SPACE,
    ocio_config: str = DEFAULT_OCIO,
    baselines: Optional[Sequence[str]] = None,
    extra: Optional[Dict[str, str]] = None,
    ground_truth: str = "reference",
    neighbour_frames: int = NEIGHBOUR_FRAMES,
) -> ValidationInputs:
    """``rtk validate --scan --reference --result``: every sequence in ``colorspace``."""
    if ground_truth not in GROUND_TRUTHS:
        raise RTKError(
            f"ground truth must be one of {', '.join(GROUND_TRUTHS)}, got {ground_truth!r}"
        )
    chosen = sorted(set(frames))
    check_validation_frames(chosen, training)
    cands = [
        Candidate(
            "model",
            "model",
            MODEL_DESCRIPTION,
            result,
            sequence_paths(result, chosen, "the result"),
            colorspace,
        )
    ]
    for name, spec in (extra or {}).items():
        paths = sequence_paths(spec, chosen, f"baseline {name}")
        kind = _given_kind(name)
        cands.append(Candidate(name, kind, f"given sequence {spec}", spec, paths, colorspace))
    if ground_truth != "luma":
        cands += chroma_only_candidates(cands)
    cands += baseline_candidates(baselines)
    return ValidationInputs(
        frames=chosen,
        training_frames=sorted(set(training)),
        scan=sequence_paths(scan, chosen, "the scan"),
        scan_space=colorspace,
        reference=sequence_paths(reference, chosen, "the reference"),
        reference_space=colorspace,
        candidates=cands,
        ocio_config=ocio_config,
        reference_source=reference,
        scan_source=scan,
        ground_truth=ground_truth,
        neighbour_frames=neighbour_frames,
    )
