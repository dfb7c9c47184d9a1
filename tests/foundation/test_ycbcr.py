"""The ground-truth compositions: Y from one side, chroma from the other."""

import numpy as np

from restoration_toolkit.core.ycbcr import (
    chroma_ground_truth,
    from_ycbcr,
    luma_ground_truth,
    to_ycbcr,
)


def test_ycbcr_round_trip():
    rgb = np.random.default_rng(1).random((9, 11, 3)).astype(np.float32)
    assert np.abs(from_ycbcr(to_ycbcr(rgb)) - rgb).max() < 1e-5


def test_chroma_ground_truth_keeps_scan_luma_and_reference_chroma():
    rng = np.random.default_rng(2)
    scan, ref = rng.random((8, 8, 3)).astype(np.float32), rng.random((8, 8, 3)).astype(np.float32)
    gt = to_ycbcr(chroma_ground_truth(scan, ref))
    assert np.allclose(gt[..., 0], to_ycbcr(scan)[..., 0], atol=1e-5)
    assert np.allclose(gt[..., 1:], to_ycbcr(ref)[..., 1:], atol=1e-5)
    gt2 = to_ycbcr(luma_ground_truth(scan, ref))
    assert np.allclose(gt2[..., 0], to_ycbcr(ref)[..., 0], atol=1e-5)
    assert np.allclose(gt2[..., 1:], to_ycbcr(scan)[..., 1:], atol=1e-5)
