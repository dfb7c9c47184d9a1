"""Non-reference color recovery (``color-nonreference``): keyframe references (graded
frames, paintings, photographs) mapped to scan frames and recorded with their provenance in
project.yaml, and pairs.yaml made of them (one manual pair per keyframe).

What ``rtk curate --keyframes DIR`` and ``rtk curate`` on such a project run; the pure
matching is :mod:`restoration_toolkit.core.curation.keyframes`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from ..core.curation.contact_sheet import SheetEntry, contact_sheet
from ..core.curation.keyframes import frame_number, keyframe_provenance, match_keyframe
from ..core.curation.pairs import Pair, PairSet, Rejection
from ..core.errors import RTKError
from ..core.io.images import ImageMetadata, read_image, write_image
from ..core.io.thumbnails import frame_thumbnail, sequence_thumbnails
from ..core.project import KeyframeReference, Project, Provenance
from .curation_common import (
    CONTACT_SHEET,
    CurateOptions,
    CurationResult,
    display,
    sha256,
)
from .sync import open_input

IMAGE_EXTENSIONS = (".exr", ".dpx", ".tif", ".tiff", ".png", ".jpg", ".jpeg")


def register_keyframes(
    project: Project, folder: Path, provenance: Provenance, *, colorspace: str = "sRGB - Texture"
) -> List[Tuple[KeyframeReference, str]]:
    """Map every image in ``folder`` to a scan frame and record it, with its provenance, in
    project.yaml (an entry for the same file is replaced).

    The scan frame is the last number in the file name when it is a frame of the scan,
    else the most similar scan frame by content (luminance layout; a painting or photo of
    the same scene). A ``provenance.yaml`` in the folder (``default:`` and per-file entries
    with source / holder / permission / date / notes / scan_frame) overrides ``provenance``.
    Returns (reference, how it was mapped) per file. Saves project.yaml."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RTKError("no such folder of keyframe references", folder)
    files = sorted(
        p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()
    )
    if not files:
        raise RTKError("no images in the keyframe folder (exr, dpx, tif, png, jpg)", folder)
    sidecar: Dict = {}
    side = folder / "provenance.yaml"
    if side.is_file():
        try:
            sidecar = yaml.safe_load(side.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            raise RTKError("not valid YAML", side) from None
        if not isinstance(sidecar, dict):
            raise RTKError("must be a mapping with 'default' and per-file entries", side)
    scan_seq = open_input(project.source_spec(), project.source.frames)
    scan = sequence_thumbnails(scan_seq, cache_dir=project.stage_dir(1) / "cache")
    out: List[Tuple[KeyframeReference, str]] = []
    for path in files:
        prov = keyframe_provenance(sidecar, path.name, provenance)
        declared = ((sidecar.get("files") or {}).get(path.name) or {}).get("scan_frame")
        number = declared if declared is not None else frame_number(path.name)
        luma = None
        if number is None or int(number) not in set(int(f) for f in scan.frames):
            luma = frame_thumbnail(read_image(path).pixels)[0]
        match = match_keyframe(path.name, scan.frames, scan.luma, luma, declared)
        rel = _relative(path, project.root)
        out.append((KeyframeReference(match.scan_frame, rel, colorspace, prov), match.how))
    keep = [k for k in project.keyframe_references if k.path not in {r.path for r, _ in out}]
    project.keyframe_references = sorted(
        keep + [r for r, _ in out], key=lambda k: (k.scan_frame, k.path)
    )
    project.save()
    return out


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def curate_keyframes(project: Project, options: Optional[CurateOptions] = None) -> CurationResult:
    """pairs.yaml for non-reference color: one manual pair per keyframe reference."""
    options = options or CurateOptions()
    if not project.keyframe_references:
        raise RTKError(
            "no keyframe references in project.yaml "
            "(add a folder with `rtk curate --keyframes DIR`)",
            project.root / "project.yaml",
        )
    scan_seq = open_input(project.source_spec(), project.source.frames)
    excluded = set(options.exclude)
    pairs, rejected, warnings = [], [], []
    for k in project.keyframe_references:
        path = project.resolve(k.path)
        if not path.is_file():
            raise RTKError("keyframe reference file is missing", path)
        if k.scan_frame not in scan_seq.frames:
            raise RTKError(f"keyframe maps to frame {k.scan_frame}, not a frame of the scan", path)
        if k.scan_frame in excluded:
            rejected.append(Rejection(k.scan_frame, "excluded by hand"))
            continue
        p = k.provenance
        credit = ", ".join(
            (
                p.source or "unknown source",
                p.holder or "unknown holder",
                p.permission or "no permission recorded",
            )
        )
        if p.is_empty():
            warnings.append(
                f"{k.path}: provenance incomplete (missing {', '.join(p.missing_fields())}) — "
                "training and export will refuse it"
            )
        pairs.append(
            Pair(
                k.scan_frame,
                None,
                k.path,
                "",
                f"keyframe reference ({credit})",
                1.0,
                "manual",
                {"scan": scan_seq.checksum(k.scan_frame), "reference": sha256(path)},
            )
        )
    if not pairs:
        raise RTKError("every keyframe reference was excluded", project.root / "project.yaml")
    pairset = PairSet(
        project.technique,
        sorted(pairs, key=lambda p: p.scan_frame),
        rejected,
        notes=f"{len(pairs)} keyframe pairs (non-reference color)",
    )
    sheet_path = None
    if options.contact_sheet:
        entries = []
        for p in pairset.pairs:
            entries.append(
                SheetEntry(
                    display(
                        scan_seq.read(p.scan_frame).pixels,
                        project.source.colorspace,
                        project,
                    ),
                    read_image(project.resolve(str(p.reference_file))).pixels,
                    f"scan {p.scan_frame} <-> {Path(str(p.reference_file)).name}",
                    p.reason[:80],
                )
            )
        sheet_path = project.stage_dir(1) / CONTACT_SHEET
        write_image(
            sheet_path,
            contact_sheet(entries, heading=f"{project.name}: keyframe references"),
            ImageMetadata(colorspace="sRGB - Texture"),
        )
    pairset.save(project.pairs_file)
    return CurationResult(
        project.pairs_file, sheet_path, pairset, None, None, None, pairset.notes, tuple(warnings)
    )
