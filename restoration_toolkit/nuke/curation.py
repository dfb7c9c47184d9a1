"""Film Restoration ▸ 01 Dataset Curation: run curation, build the pair streams, mark a pair.

The numbers come from ``rtk curate`` (run in a subprocess, never on Nuke's UI thread); this
module only turns pairs.yaml into nodes and forwards a person's picks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import nuke

from ..core.curation.pairs import PairSet, load_pairs
from ..core.errors import RTKError
from ..core.io.sequence import open_sequence
from ..core.project import Project
from ..nk import write_script
from ..nk.pair_streams import StreamPair, pair_streams_script
from . import host
from .rtk_process import run_rtk_async

BACKDROP_LABEL = "01 Dataset Curation — training pairs"
BACKDROP_COLOR = 0x5F6B4BFF


def _project() -> Optional[Project]:
    project = host.current_project()
    if project is None:
        host.message(
            "Open a restoration project first (Film Restoration ▸ Project ▸ Open Restoration "
            "Project…), or save this script inside a project folder."
        )
    return project


def streams_text(project: Project, pairs: PairSet) -> str:
    """The .nk snippet of the two pair streams for ``project`` (pure; tested without Nuke)."""
    scan = open_sequence(project.source_spec(), project.source.frames, allow_missing=True)
    aligned_dir = project.alignment_dir
    aligned = [aligned_dir / f"aligned.{p.scan_frame:04d}.exr" for p in pairs.pairs]
    use_aligned = (
        pairs.pairs and all(a.is_file() for a in aligned) and project.reference is not None
    )
    stream_pairs: List[StreamPair] = []
    for p in pairs.pairs:
        label = (
            f"scan {p.scan_frame}"
            + (f" / ref {p.reference_frame}" if p.reference_frame is not None else "")
            + (f" / {p.shot}" if p.shot else "")
        )
        if use_aligned:
            stream_pairs.append(StreamPair(p.scan_frame, p.scan_frame, None, label + " (aligned)"))
        elif p.reference_file:
            stream_pairs.append(
                StreamPair(p.scan_frame, None, project.resolve(p.reference_file).as_posix(), label)
            )
        else:
            stream_pairs.append(StreamPair(p.scan_frame, p.reference_frame, None, label))
    ref_file, ref_range, ref_space = (
        None,
        None,
        project.reference.colorspace if project.reference else "sRGB - Texture",
    )
    if use_aligned:
        ref_file = (aligned_dir / "aligned.%04d.exr").as_posix()
        frames = [p.scan_frame for p in pairs.pairs]
        ref_range = (min(frames), max(frames))
        ref_space = project.color.working_space
    elif project.reference is not None:
        from ..core.io.footage import open_footage  # a video too: frames 1…N, as Nuke reads it

        ref = open_footage(
            str(project.reference_spec()), project.reference.frames, allow_missing=True
        )
        ref_file, ref_range = ref.printf_pattern, (ref.first, ref.last)
    elif project.keyframe_references:
        ref_space = project.keyframe_references[0].colorspace
    script = pair_streams_script(
        stream_pairs,
        scan_file=scan.printf_pattern,
        reference_file=ref_file,
        scan_colorspace=project.source.colorspace,
        reference_colorspace=ref_space,
        scan_range=(scan.first, scan.last),
        reference_range=ref_range,
    )
    return write_script(script, snippet=True)


def build_pair_streams() -> List[Any]:
    """Paste the scan and reference pair streams (FrameHold → FrameRange → AppendClip) and a
    Viewer that flips between them, inside a Backdrop. Returns the pasted nodes."""
    project = _project()
    if project is None:
        return []
    try:
        pairs = load_pairs(project.pairs_file)
        if not pairs.pairs:
            raise RTKError("pairs.yaml has no pairs", project.pairs_file)
        text = streams_text(project, pairs)
        return host.paste_graph(text, f"{BACKDROP_LABEL} ({len(pairs.pairs)})", BACKDROP_COLOR)
    except RTKError as exc:
        host.message(
            f"Cannot build the pair streams: {exc}\n\nRun Film Restoration ▸ 01 Dataset Curation ▸ "
            "Run Curation first."
        )
        return []


def _scan_frame_here(project: Project) -> Optional[int]:
    """The scan frame under the playhead: the current frame when a scan Read (or nothing) is
    selected; the pair's own frame when a pair-stream node is selected."""
    frame = int(nuke.frame())
    selected = nuke.selectedNodes()
    if selected:
        node = selected[0]
        if node.Class() == "FrameHold":
            knob = "firstFrame" if "firstFrame" in node.knobs() else "first_frame"
            return int(float(node[knob].value()))
        if node.Class() == "Read":
            spec = host.read_path(node)
            try:
                wanted = open_sequence(
                    project.source_spec(), project.source.frames, allow_missing=True
                )
                mine = open_sequence(spec.replace("%04d", "####"), must_exist=False)
            except RTKError:
                return None
            if Path(mine.hash_pattern).name != Path(wanted.hash_pattern).name:
                return None
    return frame


def mark_pair() -> Optional[Any]:
    """Add the scan frame under the playhead to pairs.yaml as a manual pick (rtk curate --add)."""
    project = _project()
    if project is None:
        return None
    frame = _scan_frame_here(project)
    if frame is None:
        host.message(
            "Select the scan's Read node (or nothing) and put the playhead on the frame to mark."
        )
        return None
    if not project.pairs_file.is_file():
        host.message(
            "There is no pairs.yaml yet: run Film Restoration ▸ 01 Dataset Curation ▸ Run Curation first."
        )
        return None

    def done(result: Any, error: Optional[str]) -> None:
        if error:
            host.message(f"Mark pair at frame {frame} failed:\n{error}")
        else:
            host.message(
                f"Frame {frame} added to pairs.yaml as a manual pair.\n"
                f"{(result or {}).get('summary', '') if isinstance(result, dict) else ''}"
            )

    return run_rtk_async(
        [
            "curate",
            "--project",
            str(project.root),
            "--add",
            str(frame),
            "--reason",
            "marked by hand in Nuke",
            "--json",
        ],
        f"Mark pair {frame}",
        done,
    )


def run_curate() -> Optional[Any]:
    """Run ``rtk curate`` on the open project in the background; report its summary."""
    project = _project()
    if project is None:
        return None

    def done(result: Any, error: Optional[str]) -> None:
        if error:
            host.message(f"Curation failed:\n{error}")
            return
        summary = result.get("summary", "") if isinstance(result, dict) else str(result)
        host.message(
            f"Curation done: {summary}\n\nPairs: {project.pairs_file}\n"
            "Build Pair Streams shows them in the node graph."
        )

    return run_rtk_async(
        ["curate", "--project", str(project.root), "--json"], "01 Dataset Curation", done
    )
