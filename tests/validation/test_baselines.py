"""Traditional baselines: sizes, parameters, and what they do to grain and detail."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.validation.baselines import (
    BASELINES,
    apply_baseline,
    denoise_sharpen_grain,
    grain_rms,
    regrain,
    resample,
    unsharp,
)
from restoration_toolkit.core.validation.metrics import detail_ratio, grain_comparison


def grainy(h=128, w=160, sigma=0.03, seed=0):
    rng = np.random.default_rng(seed)
    base = gaussian_filter(rng.random((h, w, 3)), (4, 4, 0)).astype(np.float32)
    return (0.3 + 0.4 * base + rng.normal(0, sigma, (h, w, 1))).astype(np.float32)


@pytest.mark.parametrize("name", list(BASELINES))
@pytest.mark.parametrize("size", [None, (200, 150), (80, 64)])
def test_every_baseline_gives_the_target_size(name, size):
    scan = grainy()
    before = scan.copy()
    out = apply_baseline(name, scan, size)
    want = (scan.shape[0], scan.shape[1]) if size is None else (size[1], size[0])
    assert out.shape == want + (3,) and out.dtype == np.float32
    assert np.array_equal(scan, before)  # input untouched


def test_resample_filters_differ_and_keep_the_mean():
    img = grainy()
    lz = resample(img, (320, 256), filter="lanczos")
    bc = resample(img, (320, 256), filter="bicubic")
    assert not np.allclose(lz, bc)
    assert lz.mean() == pytest.approx(img.mean(), abs=2e-3)
    with pytest.raises(RTKError, match="filter"):
        resample(img, (10, 10), filter="box")


def test_unsharp_adds_detail_and_keeps_values_above_one():
    img = grainy()
    assert detail_ratio(img, unsharp(img)).ratio > 1.5
    hot = np.full((16, 16, 3), 4.0, np.float32)
    assert unsharp(hot).max() == pytest.approx(4.0)  # scene-linear values are not clipped


def test_denoise_sharpen_grain_restores_the_measured_grain_level():
    scan = grainy(sigma=0.03)
    rms = grain_rms(scan)
    assert rms == pytest.approx(0.03, rel=0.2)
    out = denoise_sharpen_grain(scan)
    # regrain brings the noise power back near the scan's (denoising alone removes most of it)
    assert 0.6 < grain_comparison(scan, out).variance_ratio < 1.8
    assert np.array_equal(regrain(scan, 0.0), scan)
    a, b = regrain(scan, 0.02, seed=3), regrain(scan, 0.02, seed=3)
    assert np.array_equal(a, b)


def test_unknown_baseline_is_refused():
    with pytest.raises(RTKError, match="unknown baseline"):
        apply_baseline("magic", grainy(), None)
