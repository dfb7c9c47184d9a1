"""The demo: build a small restoration project from synthetic footage that looks like what an
archive receives, then run every stage of the workflow on it, timing each step.

Footage (``testing.demo_footage``): a faded full-aperture 35mm scan (perforations, soundtrack,
frame lines) as ACES2065-1 EXR frames, and a DVD reference as an interlaced MPEG-2 file —
3:2 pulldown at 29.97 fps, letterboxed 1.66:1 in a 720×480 anamorphic raster, a burned-in
subtitle, leader before and after. The project is made by the same code as
`rtk project init` (the video's rate, field order, pixel aspect and color come from the file,
the scan's picture area is detected), then the film's details and the reference's provenance
are filled in. The run writes ``demo_timings.json`` in the demo folder: seconds per step and
in total, with the machine, measured by the run itself.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shlex
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from ..core.errors import RTKError
from ..core.io.atomic import atomic_write_text
from ..core.io.images import ImageMetadata, write_image
from ..core.progress import ProgressFn, report
from ..core.project import PROJECT_FILE, Element, Project, load_project

SCAN_FIRST = 1001
NAME = "DEMO"
REFERENCE_FILE = f"{NAME}_REF_dvd.mpg"
# Written by `rtk demo` into the folders it makes: the only ones it runs its stages in.
DEMO_MARKER = ".rtk-demo"
TIMINGS = "demo_timings.json"
S1, S2, S3, S4, S5 = (
    str(Path("pipeline") / d)
    for d in (
        "01_dataset_curation",
        "02_alignment",
        "03_copycat_training",
        "04_inference_render",
        "05_matchgrade_render",
    )
)


@dataclass(frozen=True)
class DemoStep:
    """One stage of the demo: the `rtk` command it runs and the result a person looks at."""

    title: str
    argv: Callable[[Path], List[str]]
    result: Callable[[Path], Path]


def demo_steps() -> Sequence[DemoStep]:
    """Every stage in workflow order; `rtk demo` runs the ones this build has."""
    model = lambda p: p / S3 / "torch" / "model.pt"  # noqa: E731
    return (
        DemoStep(
            "01 dataset curation",
            lambda p: ["curate", "--project", str(p)],
            lambda p: p / S1 / "pairs.yaml",
        ),
        DemoStep(
            "02 alignment",
            lambda p: ["align", "--project", str(p)],
            lambda p: p / S2 / "alignment.json",
        ),
        DemoStep(
            "05 MatchGrade fit (the traditional color baseline)",
            lambda p: ["matchgrade", "fit", "--project", str(p)],
            lambda p: p / S5 / "grade.cube",
        ),
        DemoStep(
            "05 MatchGrade apply to the whole scan",
            lambda p: ["matchgrade", "apply", str(p / S5 / "grade.cube"), "--project", str(p)],
            lambda p: p / S5,
        ),
        DemoStep(
            "03 CopyCat training script",
            lambda p: ["nk", "train", "--project", str(p)],
            lambda p: p / S3,
        ),
        DemoStep(
            "03 training with the toolkit's own engine (tiny, CPU)",
            lambda p: [
                "train",
                "--project",
                str(p),
                "--steps",
                "300",
                "--crop-size",
                "64",
                "--batch-size",
                "4",
                "--model-size",
                "small",
                "--seed",
                "1",
            ],
            model,
        ),
        DemoStep(
            "04 inference over the whole scan",
            lambda p: [
                "infer",
                "--project",
                str(p),
                "--model",
                str(model(p)),
                str(p / "media" / f"{NAME}_SOURCE_####.exr"),
                "--out",
                str(p / S4 / f"{NAME}_ml_####.exr"),
            ],
            lambda p: p / S4,
        ),
        DemoStep(
            "05 validation report",
            lambda p: ["validate", "--project", str(p)],
            lambda p: p / S5 / "report" / "index.html",
        ),
    )


def _timecode(frame: int, fps: int = 24) -> str:
    s, f = divmod(frame, fps)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}:{f:02d}"


def write_demo_project(root: Path, progress: Optional[ProgressFn] = None) -> Project:
    """Write media/ (EXR scan frames, the MPEG-2 DVD file) and project.yaml under ``root``."""
    from ..core.io.ocio import convert_colorspace
    from ..core.project import DEFAULT_OCIO_CONFIG
    from ..testing.demo_footage import DVD_PIXEL_ASPECT, make_demo_footage
    from ..testing.videos import telecine_32, write_video
    from .project import InitRequest, init_project

    footage = make_demo_footage()
    media = root / "media"
    total = len(footage.scan) + 1
    for i, frame in enumerate(footage.scan):
        aces = convert_colorspace(frame, "sRGB - Texture", "ACES2065-1", config=DEFAULT_OCIO_CONFIG)
        meta = ImageMetadata(
            colorspace="ACES2065-1",
            timecode=_timecode(SCAN_FIRST + i),
            attributes={"rtk:demo": "faded chromogenic print, full-aperture scan (synthetic)"},
        )
        write_image(media / f"{NAME}_SOURCE_{SCAN_FIRST + i:04d}.exr", aces, meta)
        report(progress, i + 1, total, "scan")
    tmp = media / f".{REFERENCE_FILE}.rtk-tmp.mpg"
    write_video(
        tmp,
        telecine_32(footage.reference, top_first=True),
        rate=Fraction(30000, 1001),
        interlaced=True,
        top_field_first=True,
        matrix="bt601",
        gop=15,
        bitrate=6_000_000,
        sample_aspect=Fraction(*DVD_PIXEL_ASPECT),
    )
    os.replace(tmp, media / REFERENCE_FILE)
    report(progress, total, total, "reference")
    outcome = init_project(
        InitRequest(
            root=root,
            technique="color-reference",
            name=NAME,
            fps=24.0,
            source=str(media / f"{NAME}_SOURCE_####.exr"),
            reference=str(media / REFERENCE_FILE),
            source_colorspace="ACES2065-1",
            force=True,  # prepare() decided the folder may be (re)written
        )
    )
    project = outcome.project
    project.film = {
        "title": "The Sea So Blue (demo film)",
        "reel": "1",
        "notes": "synthetic demo built by `rtk demo` from scikit-image sample images",
    }
    project.source.element = Element(
        "35mm",
        "release print",
        "faded Eastmancolor-like print, full-aperture scan to ACES2065-1 EXR",
    )
    assert project.reference is not None and project.reference.provenance is not None
    project.reference.element = Element(
        "video",
        "DVD",
        "NTSC DVD made while the colors were good: 3:2 pulldown, interlaced "
        "MPEG-2, 1.66:1 letterboxed, tighter framing, leader, burned-in subtitles in shot 2",
    )
    prov = project.reference.provenance
    prov.source = "Synthetic reference made by `rtk demo` from images bundled with scikit-image"
    prov.holder = (
        "scikit-image contributors (astronaut, coffee, chelsea: public domain / CC0 per "
        "skimage.data)"
    )
    prov.permission = "Images distributed with scikit-image; used here for demonstration only"
    prov.date = _dt.date.today().isoformat()
    prov.notes = "stands in for a DVD of the film"
    project.save()
    return load_project(root)


@dataclass
class DemoRun:
    """What a demo run did: seconds per step, failures, where the results are."""

    root: Path
    seconds: Dict[str, float] = field(default_factory=dict)
    failed: List[str] = field(default_factory=list)
    results: List[str] = field(default_factory=list)


def made_by_demo(root: Path) -> bool:
    """The marker `rtk demo` leaves, or (demo folders made before it) the demo's own words
    in project.yaml."""
    if (root / DEMO_MARKER).is_file():
        return True
    try:
        text = (root / PROJECT_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return f"name: {NAME}\n" in text and "synthetic demo built by `rtk demo`" in text


def prepare(root: Path, force: bool, progress: Optional[ProgressFn] = None) -> tuple:
    """(project, seconds it took to build, or None when an existing demo was reused).

    Only a folder `rtk demo` made (or an empty or new one) is used: a real project is never
    run over, and ``--force`` never replaces its project.yaml."""
    if root.exists() and any(root.iterdir()) and not made_by_demo(root):
        raise RTKError(
            "folder exists and is not a demo project made by `rtk demo`; choose another OUT", root
        )
    if (root / PROJECT_FILE).exists() and not force:
        return load_project(root), None
    started = time.monotonic()
    project = write_demo_project(root, progress)
    atomic_write_text(root / DEMO_MARKER, "made by `rtk demo`; its stages may run here again\n")
    return project, time.monotonic() - started


def run_steps(run: DemoRun, say: Callable[[str], None]) -> DemoRun:
    """Run every step through the `rtk` entry point, timing each."""
    from ..cli import main

    for step in demo_steps():
        argv = step.argv(run.root)
        say(f"- {step.title}: {shlex.join(['rtk', *argv])}")
        started = time.monotonic()
        code = main(argv)
        run.seconds[step.title] = round(time.monotonic() - started, 2)
        if code != 0:
            run.failed.append(step.title)
            say(f"  FAILED (exit {code})")
            continue
        say(f"  done in {run.seconds[step.title]:.1f} s → {step.result(run.root)}")
        run.results.append(f"  {step.title:<55} {step.result(run.root)}")
    return run


def write_timings(run: DemoRun) -> Path:
    """``demo_timings.json``: the seconds this run measured, and on what."""
    doc = {
        "schema": "rtk.demo-timings/1",
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]
            if hasattr(os, "getloadavg")
            else None,
        },
        "seconds": run.seconds,
        "total_seconds": round(sum(run.seconds.values()), 2),
        "failed": run.failed,
    }
    return atomic_write_text(run.root / TIMINGS, json.dumps(doc, indent=1) + "\n")
