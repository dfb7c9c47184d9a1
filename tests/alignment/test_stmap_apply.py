"""STMap convention (Nuke: u = (x+0.5)/W, v = 1 − (y+0.5)/H in reference coordinates) checked by
resampling the reference with the map read back from the EXR, independently of the toolkit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from restoration_toolkit.core.alignment import (
    AlignmentOptions,
    apply_alignment,
    estimate_alignment,
    map_to_stmap,
    stmap_to_map,
    write_stmap,
)
from restoration_toolkit.core.io.images import read_image


def _nuke_stmap_sample(reference: np.ndarray, stmap: np.ndarray) -> np.ndarray:
    """What a Nuke STMap node does: sample src at pixel (u·W, v·H) in Nuke's bottom-up pixel
    space, where pixel centres sit at +0.5, i.e. array column u·W − 0.5, row (1 − v)·H − 0.5."""
    h, w = reference.shape[:2]
    cols = stmap[..., 0].astype(np.float64) * w - 0.5
    rows = (1.0 - stmap[..., 1].astype(np.float64)) * h - 0.5
    return np.stack(
        [
            ndimage.map_coordinates(reference[..., c], [rows, cols], order=1, mode="constant")
            for c in range(reference.shape[2])
        ],
        axis=2,
    )


def test_stmap_written_as_float32_and_reproduces_aligned(base_pair, tmp_path):
    res = estimate_alignment(base_pair.scan, base_pair.reference, AlignmentOptions(dense=True))
    path = write_stmap(tmp_path / "stmap.exr", res.map_xy, res.reference_shape)
    back = read_image(path)
    assert back.metadata.data_format == "float"
    assert back.pixels.shape == (486, 640, 4)
    aligned = apply_alignment(base_pair.reference, res, filter="linear")
    nuke_like = _nuke_stmap_sample(base_pair.reference, back.pixels)
    inside = back.pixels[..., 3] > 0.5
    inside &= ndimage.binary_erosion(inside, iterations=2)
    diff = np.abs(aligned - nuke_like)[inside]
    # cv2.remap's bilinear uses 1/32-pixel weights in OpenCV 4 (float weights in 5): at sharp
    # edges that alone reaches ~0.01, while a half-pixel convention error moves every pixel
    assert float(diff.mean()) < 1e-3
    assert float(np.percentile(diff, 99)) < 5e-3
    assert diff.max() < 0.02
    assert inside.mean() > 0.5


def test_stmap_round_trip_and_corners():
    map_xy = np.zeros((2, 3, 2), np.float32)
    map_xy[0, 0] = (0.0, 0.0)  # reference top-left pixel centre
    map_xy[1, 2] = (9.0, 4.0)  # reference bottom-right pixel centre (W=10, H=5)
    st = map_to_stmap(map_xy, (5, 10))
    assert st[0, 0, 0] == pytest.approx(0.05) and st[0, 0, 1] == pytest.approx(0.9)
    assert st[1, 2, 0] == pytest.approx(0.95) and st[1, 2, 1] == pytest.approx(0.1)
    assert np.allclose(stmap_to_map(st, (5, 10)), map_xy, atol=1e-5)


def test_apply_filters_and_no_mutation(base_pair):
    res = estimate_alignment(base_pair.scan, base_pair.reference, AlignmentOptions(dense=False))
    ref = base_pair.reference.copy()
    outs = {
        f: apply_alignment(ref, res, filter=f) for f in ("nearest", "linear", "cubic", "lanczos")
    }
    assert np.array_equal(ref, base_pair.reference)
    for out in outs.values():
        assert out.shape == base_pair.scan.shape and out.dtype == np.float32
    with pytest.raises(ValueError):
        apply_alignment(ref, res, filter="sinc")
