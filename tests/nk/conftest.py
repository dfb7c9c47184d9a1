"""Fixtures: a tiny restoration project on disk (64×48 EXR scan and reference, pairs.yaml)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from restoration_toolkit.core.curation.pairs import Pair, PairSet  # noqa: E402
from restoration_toolkit.core.io.images import write_image  # noqa: E402
from restoration_toolkit.core.project import (  # noqa: E402
    Element,
    Footage,
    KeyframeReference,
    LiveArea,
    Project,
    Provenance,
    Shot,
    create_project_folders,
)

W, H = 64, 48
SCAN_FRAMES = range(1001, 1021)
PAIR_FRAMES = [1002, 1005, 1009, 1014, 1018]
PROVENANCE = Provenance(
    source="DVD release 2004", holder="Archive X", permission="licence 12", date="2026-01-01"
)


def _frames(folder: Path, name: str, frames, seed: int) -> None:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for f in frames:
        write_image(folder / f"{name}.{f:04d}.exr", rng.random((H, W, 3), dtype=np.float32))


def make_project(
    root: Path,
    technique: str = "color-reference",
    *,
    aligned: bool = False,
    provenance: bool = True,
    pairs=PAIR_FRAMES,
) -> Project:
    create_project_folders(root)
    _frames(root / "media" / "scan", "scan", SCAN_FRAMES, 1)
    keyframes = []
    reference = None
    if technique == "color-nonreference":
        _frames(root / "media" / "keys", "key", pairs, 2)
        keyframes = [
            KeyframeReference(
                f,
                f"media/keys/key.{f:04d}.exr",
                "sRGB - Texture",
                PROVENANCE if provenance else Provenance(),
            )
            for f in pairs
        ]
    else:
        _frames(root / "media" / "ref", "ref", range(2001, 2021), 3)
        reference = Footage(
            path="media/ref/ref.####.exr",
            frames="2001-2020",
            fps=25.0,
            colorspace="Gamma 2.4 Rec.709 - Texture",
            element=Element(gauge="35mm" if technique == "gauge" else "video"),
            provenance=PROVENANCE if provenance else Provenance(),
        )
    if aligned:
        _frames(root / "pipeline" / "02_alignment", "aligned", pairs, 4)
    project = Project(
        name="DEMO",
        technique=technique,
        root=root,
        source=Footage(
            path="media/scan/scan.####.exr",
            frames="1001-1020",
            fps=24.0,
            element=Element(gauge="16mm" if technique == "gauge" else "35mm"),
        ),
        reference=reference,
        keyframe_references=keyframes,
        live_area=LiveArea(4, 2, 60, 46),
        shots=[Shot("sh010", 1001, 1010), Shot("sh020", 1011, 1020)],
    )
    project.save()
    PairSet(
        technique=technique,
        pairs=[
            Pair(
                scan_frame=f,
                reference_frame=None if technique == "color-nonreference" else f + 1000,
                reference_file=f"media/keys/key.{f:04d}.exr"
                if technique == "color-nonreference"
                else None,
                shot="sh010" if f <= 1010 else "sh020",
                reason="test pair",
            )
            for f in pairs
        ],
        holdout=[1011],
    ).save(project.pairs_file)
    return project


@pytest.fixture
def project_factory(tmp_path):
    made = []

    def factory(technique="color-reference", **kw):
        root = tmp_path / f"proj{len(made)}"
        made.append(root)
        return make_project(root, technique, **kw)

    return factory
