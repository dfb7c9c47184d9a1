"""Small synthetic pairs with known maps (scan 640×486, reference 400×225) for the alignment tests."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from restoration_toolkit.testing.alignment_pairs import PairSpec, SyntheticPair, make_pair

SMALL = PairSpec(
    scan_size=(640, 486),
    ref_size=(400, 225),
    grain=0.01,
    jpeg_quality=92,
    rotation_deg=0.2,
    offset=(3.0, -2.0),
)


def picture(name: str = "astronaut") -> np.ndarray:
    import skimage.data

    img = np.asarray(getattr(skimage.data, name)(), np.float32)
    img = img / 255.0 if img.max() > 1.5 else img
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return img[:, :, :3]


def small_pair(name: str = "astronaut", **changes) -> SyntheticPair:
    return make_pair(picture(name), replace(SMALL, **changes))


def epe_stats(pair: SyntheticPair, map_xy: np.ndarray, mask=None):
    from restoration_toolkit.testing.alignment_pairs import end_point_error

    e = end_point_error(pair, map_xy)[pair.true_valid if mask is None else mask]
    return float(e.mean()), float(np.percentile(e, 95))


def write_sequence(
    folder, frames, ref_frames, *, size=(480, 364), ref_size=(300, 169), picture_name="astronaut"
):
    """scan.####.exr for ``frames`` and ref.####.png for ``ref_frames`` (a small drift per frame)."""
    from restoration_toolkit.core.io.images import write_image

    pic = picture(picture_name)
    pairs = {}
    for i, f in enumerate(frames):
        pair = make_pair(
            pic,
            replace(SMALL, scan_size=size, ref_size=ref_size, offset=(2.0 + 0.7 * i, -1.0), seed=i),
        )
        write_image(folder / f"scan.{f:04d}.exr", pair.scan)
        if i < len(ref_frames):
            write_image(folder / f"ref.{ref_frames[i]:04d}.png", pair.reference)
        pairs[f] = pair
    return pairs


def write_project(root, frames, ref_frames):
    """A color-reference project (sRGB PNG reference, ACEScg working space) around a small sequence."""
    from restoration_toolkit.core.project import (
        Element,
        Footage,
        Project,
        Provenance,
        create_project_folders,
    )

    create_project_folders(root)
    media = root / "media"
    media.mkdir(parents=True, exist_ok=True)
    pairs = write_sequence(media, frames, ref_frames)
    project = Project(
        name="ALIGNTEST",
        technique="color-reference",
        root=root,
        source=Footage(
            path="media/scan.####.exr",
            frames=f"{frames[0]}-{frames[-1]}",
            colorspace="ACEScg",
            element=Element("35mm", "print"),
        ),
        reference=Footage(
            path="media/ref.####.png",
            frames=f"{ref_frames[0]}-{ref_frames[-1]}",
            colorspace="sRGB - Texture",
            element=Element("video", "DVD"),
            provenance=Provenance("test DVD", "nobody", "test only"),
        ),
    )
    project.save()
    return project, pairs
