"""The traditional repair: fills from evidence, grain like the surround, nothing else touched."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from restoration_toolkit.core.damage.detect import feather
from restoration_toolkit.core.damage.grain import high_pass, ring_sigma
from restoration_toolkit.core.damage.repair import repair_frame
from restoration_toolkit.testing.damage_scoring import changed_outside, region_scores
from tests.damage.conftest import neighbours

FRAME = 2


@pytest.fixture(scope="module")
def truth_mask(clip):
    return feather(clip.damaged(FRAME), 1, 2.0)


@pytest.mark.parametrize("method", ["auto", "reference", "temporal"])
def test_repair_recovers_the_clean_picture_and_touches_nothing_else(clip, truth_mask, method):
    scan, clean = clip.scan[FRAME], clip.clean[FRAME]
    result = repair_frame(
        scan,
        truth_mask,
        reference=clip.reference[FRAME],
        neighbours=neighbours(clip, FRAME),
        method=method,
    )
    assert changed_outside(scan, result.image, truth_mask) == 0
    region = clip.damaged(FRAME)
    before = region_scores(clean, scan, region)["de2000_smoothed"]
    after = region_scores(clean, result.image, region)["de2000_smoothed"]
    assert after < 0.5 * before, (method, before, after)
    figures = result.figures()
    filled = figures["from_reference_px"] + figures["from_neighbours_px"]
    # neighbours cannot show what a pan uncovered at the frame's edge (measured 0.91)
    assert filled > (0.85 if method == "temporal" else 0.99) * (truth_mask > 0).sum()


def test_fill_carries_grain_like_its_surround(clip, truth_mask):
    scan = clip.scan[FRAME]
    hole = clip.truth[FRAME]["stain"] | clip.truth[FRAME]["dirt"]
    assert hole.sum() > 200
    mask = feather(hole, 1, 2.0)
    grainy = repair_frame(scan, mask, reference=clip.reference[FRAME], method="reference")
    smooth = repair_frame(
        scan, mask, reference=clip.reference[FRAME], method="reference", grain=False
    )
    core = cv2.erode(hole.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    clean_sigma = ring_sigma(clip.clean[FRAME], core)
    with_grain = ring_sigma(grainy.image, core)
    without = ring_sigma(smooth.image, core)
    assert np.all(without < 0.7 * clean_sigma)  # the soft reference alone is too smooth
    assert np.all(np.abs(with_grain / clean_sigma - 1.0) < 0.3)


def test_pixels_no_source_shows_are_left_as_scanned(clip):
    scan = clip.scan[FRAME]
    mask = np.zeros(scan.shape[:2], np.float32)
    mask[:, :6] = 1.0  # the camera pans right: the next frame no longer shows the left edge
    result = repair_frame(scan, mask, neighbours={1: clip.scan[FRAME + 1]}, method="temporal")
    assert result.unrecovered.any()
    assert np.array_equal(result.image[result.unrecovered], scan[result.unrecovered])


def test_bad_input_is_refused(clip):
    scan = clip.scan[FRAME]
    with pytest.raises(ValueError, match="the mask is 10×10"):
        repair_frame(scan, np.ones((10, 10), np.float32), reference=clip.reference[FRAME])
    with pytest.raises(ValueError, match="nothing to repair from"):
        repair_frame(scan, np.ones(scan.shape[:2], np.float32), method="temporal")


def test_high_pass_of_synthetic_grain_is_unit(clip):
    from restoration_toolkit.core.damage.grain import grain_shape, unit_grain

    shape = grain_shape(clip.clean[FRAME])
    noise = unit_grain(clip.clean[FRAME].shape, shape, seed=3)
    hp = high_pass(noise)
    assert np.allclose(hp.std(axis=(0, 1)), 1.0, atol=0.15)
    assert 0.3 <= shape.size_px <= 2.5
