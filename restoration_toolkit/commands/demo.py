"""`rtk demo [OUT]`: build the demo restoration project and run every stage on it."""

from __future__ import annotations

import argparse
import datetime as _dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Sequence

from ..cli_support import progress_bar
from ..core.errors import RTKError
from ..core.io.images import ImageMetadata, write_image
from ..core.project import (
    PROJECT_FILE,
    Element,
    Footage,
    Project,
    Provenance,
    create_project_folders,
    load_project,
)

COMMAND = "demo"
HELP = "build a small demo restoration project (faded scan + DVD reference) and run every stage on it"
ORDER = 0

SCAN_FIRST = 1001


@dataclass(frozen=True)
class DemoStep:
    """One stage of the demo: the `rtk` command it runs and the result a person looks at."""

    title: str
    argv: Callable[[Path], List[str]]
    result: Callable[[Path], Path]


def _steps() -> Sequence[DemoStep]:
    """Every stage in workflow order; `rtk demo` runs the ones this build has."""
    s1, s2, s3, s4, s5 = (Path("pipeline") / d for d in (
        "01_dataset_curation", "02_alignment", "03_copycat_training", "04_inference_render",
        "05_matchgrade_render"))
    return (
        DemoStep("01 dataset curation", lambda p: ["curate", "--project", str(p)],
                 lambda p: p / s1 / "pairs.yaml"),
        DemoStep("02 alignment", lambda p: ["align", "--project", str(p)],
                 lambda p: p / s2 / "alignment.json"),
        DemoStep("05 MatchGrade fit (the traditional color baseline)",
                 lambda p: ["matchgrade", "fit", "--project", str(p)],
                 lambda p: p / s5 / "grade.cube"),
        DemoStep("05 MatchGrade apply to the whole scan",
                 lambda p: ["matchgrade", "apply", str(p / s5 / "grade.cube"), "--project", str(p)],
                 lambda p: p / s5),
        DemoStep("03 CopyCat training script", lambda p: ["nk", "train", "--project", str(p)],
                 lambda p: p / s3),
        DemoStep("03 training with the toolkit's own engine (tiny, CPU)",
                 lambda p: ["train", "--project", str(p), "--steps", "300", "--crop-size", "64",
                            "--batch-size", "4", "--model-size", "small", "--seed", "1"],
                 lambda p: p / s3 / "torch" / "model.pt"),
        DemoStep("04 inference over the whole scan",
                 lambda p: ["infer", "--project", str(p), "--model", str(p / s3 / "torch" / "model.pt"),
                            str(p / "media" / "DEMO_SOURCE_####.exr"),
                            "--out", str(p / s4 / "DEMO_ml_####.exr")],
                 lambda p: p / s4),
        DemoStep("05 validation report", lambda p: ["validate", "--project", str(p)],
                 lambda p: p / s5 / "report" / "index.html"),
    )


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", nargs="?", default="rtk-demo", help="folder for the demo project (default ./rtk-demo)")
    parser.add_argument("--force", action="store_true", help="rebuild the media of an existing demo folder")
    parser.add_argument("--only-project", action="store_true", help="create the project and its sequences, run no stage")


def write_demo_project(root: Path, *, quiet: bool = False) -> Project:
    """Write media/ and project.yaml for the demo film under ``root``."""
    from ..core.io.ocio import convert_colorspace
    from ..core.project import DEFAULT_OCIO_CONFIG
    from ..testing.demo_footage import make_demo_footage

    footage = make_demo_footage()
    media = root / "media"
    name = "DEMO"
    total = len(footage.scan) + len(footage.reference)
    with progress_bar("writing demo media", total, quiet=quiet) as progress:
        for i, frame in enumerate(footage.scan):
            aces = convert_colorspace(frame, "sRGB - Texture", "ACES2065-1", config=DEFAULT_OCIO_CONFIG)
            meta = ImageMetadata(colorspace="ACES2065-1", timecode=_timecode(SCAN_FIRST + i),
                                 attributes={"rtk:demo": "faded chromogenic print scan (synthetic)"})
            write_image(media / f"{name}_SOURCE_{SCAN_FIRST + i:04d}.exr", aces, meta)
            progress(i + 1, total, "scan")
        for j, frame in enumerate(footage.reference):
            write_image(media / f"{name}_REF_{j + 1:04d}.png", frame,
                        ImageMetadata(colorspace="sRGB - Texture"))
            progress(len(footage.scan) + j + 1, total, "reference")
    project = Project(
        name=name,
        technique="color-reference",
        root=root,
        film={"title": "The Sea So Blue (demo film)", "reel": "1",
              "notes": "synthetic demo built by `rtk demo` from scikit-image sample images"},
        source=Footage(
            path=f"media/{name}_SOURCE_####.exr", frames=f"{SCAN_FIRST}-{SCAN_FIRST + len(footage.scan) - 1}",
            fps=24.0, colorspace="ACES2065-1",
            element=Element("35mm", "release print", "faded Eastmancolor-like print, scanned to ACES2065-1 EXR"),
        ),
        reference=Footage(
            path=f"media/{name}_REF_####.png", frames=f"1-{len(footage.reference)}", fps=24.0,
            colorspace="sRGB - Texture",
            element=Element("video", "DVD", "4:3 DVD transfer made while the colors were good; "
                            "tighter framing, 3 frames of leader, burned-in subtitles in shot 2"),
            provenance=Provenance(
                source="Synthetic reference made by `rtk demo` from images bundled with scikit-image",
                holder="scikit-image contributors (astronaut, coffee, chelsea: public domain / CC0 per skimage.data)",
                permission="Images distributed with scikit-image; used here for demonstration only",
                date=_dt.date.today().isoformat(),
                notes="stands in for a DVD of the film",
            ),
        ),
    )
    create_project_folders(root)
    project.save()
    return load_project(root)


def _timecode(frame: int, fps: int = 24) -> str:
    s, f = divmod(frame, fps)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}:{f:02d}"


def run(args: argparse.Namespace) -> int:
    from ..cli import main

    root = Path(args.out).resolve()
    if (root / PROJECT_FILE).exists() and not args.force:
        project = load_project(root)
        print(f"using the existing demo project in {root} (--force rebuilds it)")
    else:
        if root.exists() and any(root.iterdir()) and not (root / PROJECT_FILE).exists():
            raise RTKError("folder exists and is not a demo project; choose another OUT", root)
        started = time.monotonic()
        project = write_demo_project(root)
        print(f"demo project: {root / PROJECT_FILE} ({time.monotonic() - started:.1f} s)")
    print(f"  scan:      {project.source_spec()} {project.source.frames}")
    print(f"  reference: {project.reference_spec()} {project.reference.frames if project.reference else ''}")
    if args.only_project:
        return 0
    failures = 0
    results: List[str] = []
    for step in _steps():
        argv = step.argv(root)
        print(f"- {step.title}: rtk {' '.join(argv)}")
        started = time.monotonic()
        code = main(argv)
        if code != 0:
            failures += 1
            print(f"  FAILED (exit {code})")
            continue
        print(f"  done in {time.monotonic() - started:.1f} s → {step.result(root)}")
        results.append(f"  {step.title:<55} {step.result(root)}")
    print("\nwhere the results are:")
    print("\n".join(results))
    print(f"  {'experiment log':<55} {root / 'notes' / 'experiments.md'}")
    return 1 if failures else 0


