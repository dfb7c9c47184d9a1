"""Stage 04 with CopyCat's Inference node: write the render script of a project (optionally in
frame chunks with a shell script to render them), log it, and render it headless.

Outputs: the script (``pipeline/04_inference_render/inference_<shot>.nk`` unless told); with
chunks ``<script>_chunks.txt`` and ``<script>_render.sh``; rendered frames
``<shot>_ml_####.exr``. Used by ``rtk nk inference``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..core.experiment_log import log_run
from ..core.io.atomic import atomic_write_text
from ..core.progress import ProgressFn
from ..core.project import open_project
from ..nk import write_script
from ..nk.chunks import chunk_ranges, chunk_shell_script
from ..nk.headless import find_nuke, render
from ..nk.inference_script import inference_script
from ..nk.root_color import DEFAULT_NUKE_VERSION
from ..nk.stage_inputs import StageScript


@dataclass(frozen=True)
class InferenceRequest:
    """What a front end asks stage 04 (Nuke route) for."""

    model: Path
    project: Optional[str] = None
    technique: Optional[str] = None
    shot: Optional[str] = None
    frames: Optional[str] = None
    test_render: Optional[int] = None
    chunk: Optional[int] = None
    write: str = "default"
    compression: Optional[str] = None
    target_size: Optional[Tuple[int, int]] = None
    resize_filter: str = "Lanczos4"
    out: Optional[Path] = None
    non_commercial: bool = False
    template: Optional[Path] = None
    nuke_version: int = DEFAULT_NUKE_VERSION
    nuke_ocio_config: Optional[str] = None
    run: bool = False
    nuke: Optional[str] = None
    gpu: bool = False
    log: bool = True


@dataclass
class InferenceOutcome:
    script: Path
    stage: StageScript
    ranges: List[Tuple[int, int]] = field(default_factory=list)
    chunks_file: Optional[Path] = None
    render_script: Optional[Path] = None
    log_entry: Optional[str] = None
    frames_rendered: Optional[int] = None

    def as_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"script": self.script.as_posix(), **self.stage.summary()}
        if self.chunks_file is not None and self.render_script is not None:
            out.update(
                chunks=[f"{a}-{b}" for a, b in self.ranges],
                chunks_file=self.chunks_file.as_posix(),
                render_script=self.render_script.as_posix(),
            )
        out["log_entry"] = self.log_entry
        if self.frames_rendered is not None:
            out["frames_rendered"] = self.frames_rendered
        return out


def _write_chunks(outcome: InferenceOutcome, gpu: bool) -> None:
    stem = outcome.script.with_suffix("")
    outcome.chunks_file = Path(f"{stem}_chunks.txt")
    outcome.render_script = Path(f"{stem}_render.sh")
    atomic_write_text(outcome.chunks_file, "".join(f"{a}-{b}\n" for a, b in outcome.ranges))
    atomic_write_text(
        outcome.render_script,
        chunk_shell_script(outcome.script, outcome.stage.executable_node, outcome.ranges, gpu),
    )
    os.chmod(outcome.render_script, 0o755)


def write_inference(
    request: InferenceRequest, progress: Optional[ProgressFn] = None
) -> InferenceOutcome:
    """Build and write the inference script (and chunks); with ``request.run`` render it.
    Nothing is written when the inputs are wrong."""
    project = open_project(request.project)
    edition = "nknc" if request.non_commercial else "nk"
    stage = inference_script(
        project,
        model=request.model,
        shot=request.shot,
        frames=request.frames,
        test_render=request.test_render,
        edition=edition,
        template_path=request.template,
        write=request.write,
        compression=request.compression,
        technique=request.technique,
        target_size=request.target_size,
        resize_filter=request.resize_filter,
        nuke_version=request.nuke_version,
        nuke_config=request.nuke_ocio_config,
    )
    chunked = request.chunk is not None
    ranges = chunk_ranges(stage.frames, request.chunk if chunked else len(stage.frames))  # type: ignore[arg-type]
    nuke = find_nuke(request.nuke) if request.run else None  # before anything is written
    out = request.out or project.stage_dir(4) / f"inference_{stage.shot}.{edition}"
    atomic_write_text(out, write_script(stage.script))
    outcome = InferenceOutcome(out, stage, ranges)
    if chunked:
        _write_chunks(outcome, request.gpu)
    if request.log:
        outcome.log_entry = log_run(
            project.root,
            stage="inference",
            technique=stage.technique,
            shot=stage.shot,
            frames=stage.frames,
            parameters={
                "template": stage.template,
                "edition": edition,
                "write": request.write,
                "compression": request.compression,
                "chunk": request.chunk,
                "model": str(stage.model_file),
                "ocio_config": stage.ocio_config,
            },
            inputs=stage.inputs,
            outputs=[out],
            model_route="copycat",
            observations="inference script written"
            + ("; rendering headless" if request.run else ""),
        )
    if nuke is not None:
        done = render(nuke, out, stage.executable_node, ranges, gpu=request.gpu, progress=progress)
        outcome.frames_rendered = done.frames_done
    return outcome
