"""Pieces: bar detection, bad frames, temporal smoothing, the core stays pure."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from restoration_toolkit.core.alignment import estimate_alignment
from restoration_toolkit.core.alignment.preprocess import detect_bars
from restoration_toolkit.core.alignment.temporal import smooth_matrices
from restoration_toolkit.core.errors import RTKError
from tests.alignment.helpers import picture


def test_detect_letterbox_and_pillarbox():
    img = np.random.default_rng(0).uniform(0.2, 0.8, (100, 160)).astype(np.float32)
    img[:12] = 0.0
    img[-12:] = 0.01
    img[:, :20] = 0.0
    box = detect_bars(img)
    assert set(box.bars) == {"top", "bottom", "left"}
    assert (box.y0, box.y1, box.x0, box.x1) == (13, 87, 21, 160)


def test_no_bars_on_a_picture():
    y = picture("coffee").mean(axis=2)
    box = detect_bars(y)
    assert box.bars == () and (box.width, box.height) == (y.shape[1], y.shape[0])


def test_blank_frames_raise(base_pair):
    black = np.zeros_like(base_pair.reference)
    with pytest.raises(RTKError, match="blank"):
        estimate_alignment(base_pair.scan, black)
    with pytest.raises(RTKError, match="blank"):
        estimate_alignment(np.full_like(base_pair.scan, 0.5), base_pair.reference)


def test_unrelated_pair_is_flagged_or_refused(base_pair):
    other = picture("camera")
    ref = np.ascontiguousarray(other[100:325, 50:450])
    try:
        res = estimate_alignment(base_pair.scan, ref)
    except RTKError as exc:
        assert "overlap" in str(exc) or "blank" in str(exc)
        return
    assert res.warnings, "an unrelated reference must at least be flagged"
    assert res.figures.correlation < 0.5


def test_temporal_smoothing_reduces_jitter_and_ignores_outlier():
    rng = np.random.default_rng(1)
    frames = list(range(1001, 1021))
    base = np.array([[0.5, 0.0, 10.0], [0.0, 0.5, 20.0]])
    mats = {
        f: base + np.array([[0, 0, rng.normal(0, 0.3)], [0, 0, rng.normal(0, 0.3)]]) for f in frames
    }
    mats[1010] = base + np.array([[0, 0, 25.0], [0, 0, 0]])  # a failed fit
    out = smooth_matrices(mats, 2.0)
    err_before = np.std([mats[f][0, 2] - 10 for f in frames if f != 1010])
    err_after = np.std([out[f][0, 2] - 10 for f in frames])
    assert err_after < 0.6 * err_before
    assert abs(out[1010][0, 2] - 10.0) < 1.0
    assert set(out) == set(frames)


def test_core_alignment_imports_no_nuke_or_qt():
    code = (
        "import sys, restoration_toolkit.core.alignment as a, restoration_toolkit.testing.alignment_pairs; "
        "bad=[m for m in sys.modules if m.split('.')[0] in ('nuke','PySide6','PySide2','skimage')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
