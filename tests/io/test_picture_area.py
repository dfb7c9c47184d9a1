"""Picture-area detection on a synthetic full-aperture scan frame (perforations, soundtrack,
frame lines, burned-in text) and on ordinary pictures, where it must not fire."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from restoration_toolkit.core.curation.picture_area import (
    combine_areas,
    detect_picture_area,
    text_overlay_mask,
)
from restoration_toolkit.testing.full_aperture import TRACK_X, full_aperture_frame


def _picture(name: str) -> np.ndarray:
    return getattr(data, name)().astype(np.float32) / 255.0


@pytest.mark.parametrize("name, seed", [("astronaut", 0), ("coffee", 1), ("chelsea", 2)])
def test_full_aperture_frame_picture_box_and_what_was_found(name, seed):
    frame = full_aperture_frame(_picture(name), seed=seed)
    area = detect_picture_area(frame.pixels)
    kinds = {(f.kind, f.side) for f in area.features}
    assert {("perforations", "left"), ("perforations", "right"), ("soundtrack", "left")} <= kinds
    assert ("frame line", "top") in kinds and ("frame line", "bottom") in kinds
    x0, y0, x1, y1 = area.box
    tx0, ty0, tx1, ty1 = frame.picture_box
    # inside the picture, and not more than 1.5 % of the frame short of it on any side
    assert tx0 <= x0 <= tx0 + 0.015 * 896 and tx1 - 0.015 * 896 <= x1 <= tx1
    assert ty0 <= y0 <= ty0 + 0.015 * 560 and ty1 - 0.015 * 560 <= y1 <= ty1
    track = next(f for f in area.features if f.kind == "soundtrack")
    assert track.box[0] >= TRACK_X[0] * 896 - 2 and track.box[2] <= TRACK_X[1] * 896 + 2
    assert "perforations at left" in area.describe()


def test_one_perforation_column_and_no_soundtrack():
    frame = full_aperture_frame(
        _picture("coffee"), both_perfs=False, soundtrack=False, frame_lines=False, seed=4
    )
    area = detect_picture_area(frame.pixels)
    kinds = {(f.kind, f.side) for f in area.features}
    assert ("perforations", "left") in kinds
    assert not any(k == "soundtrack" for k, _ in kinds)
    assert not any(s == "right" and k == "perforations" for k, s in kinds)
    assert area.box[0] >= frame.picture_box[0] and area.box[1] == 0 and area.box[3] == 560


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea", "immunohistochemistry"])
def test_ordinary_pictures_are_all_picture(name):
    picture = _picture(name)
    area = detect_picture_area(picture)
    assert area.full_frame and area.box == (0, 0, picture.shape[1], picture.shape[0])
    assert text_overlay_mask(picture).mean() < 0.01


def test_burned_in_text_is_masked():
    clean = full_aperture_frame(_picture("astronaut"), seed=3).pixels
    texted = full_aperture_frame(_picture("astronaut"), seed=3, text="01:02:03:04").pixels
    text_pixels = np.abs(texted - clean).max(axis=2) > 0.3
    mask = text_overlay_mask(texted) > 0.5
    assert text_pixels.sum() > 500
    assert (mask & text_pixels).sum() >= 0.9 * text_pixels.sum()
    assert mask.mean() < 0.08  # the line of text, not the frame


def test_combined_over_frames_keeps_what_stays_put():
    areas = [
        detect_picture_area(full_aperture_frame(_picture(n), seed=i).pixels)
        for i, n in enumerate(["astronaut", "coffee", "chelsea"])
    ]
    area = combine_areas(areas)
    assert {"perforations", "soundtrack", "frame line"} <= {f.kind for f in area.features}
    assert area.box == tuple(int(v) for v in np.median([a.box for a in areas], axis=0).round())
