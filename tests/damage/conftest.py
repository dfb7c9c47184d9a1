"""Small synthetic damaged clips (testing.damage) shared by the damage tests."""

from __future__ import annotations

import pytest

from restoration_toolkit.testing.damage import DamageSpec, make_damaged_clip

SMALL = dict(size=(192, 144), frames=5, dust_size=(2.0, 16.0), dust_per_frame=5)


@pytest.fixture(scope="session")
def clip():
    """Dust both signs, dirt, a hair or two, one scratch, a stain on frame 3, subtitles in
    the reference on frames 2 and 3, a moving object, grain."""
    return make_damaged_clip(DamageSpec(picture="rocket", seed=5, **SMALL))


@pytest.fixture(scope="session")
def clean_clip():
    """The same kind of clip without any damage (the reference still has its subtitles)."""
    return make_damaged_clip(
        DamageSpec(
            picture="rocket",
            seed=6,
            dust_per_frame=0,
            dirt_per_frame=0,
            hairs_per_frame=0,
            scratches=0,
            stain_frame=None,
            **{k: v for k, v in SMALL.items() if k != "dust_per_frame"},
        )
    )


def neighbours(clip, frame: int, reach: int = 2):
    return {
        o: clip.scan[frame + o]
        for o in range(-reach, reach + 1)
        if o and 0 <= frame + o < len(clip.scan)
    }
