"""Each metric on a case whose answer is known in advance."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from scipy.ndimage import shift as nd_shift

from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.validation.metrics import (
    delta_e2000,
    detail_ratio,
    flicker,
    grain_comparison,
    noise_power_spectrum,
    psnr,
    ssim,
)


def textured(h=96, w=128, seed=0):
    rng = np.random.default_rng(seed)
    base = gaussian_filter(rng.random((h, w, 3)), (2, 2, 0))
    base = (base - base.min()) / (base.max() - base.min())
    return (0.1 + 0.8 * base).astype(np.float32)


def test_identical_images():
    img = textured()
    assert psnr(img, img).db == float("inf")
    s = ssim(img, img)
    assert s.mean == pytest.approx(1.0, abs=1e-6)
    d = detail_ratio(img, img)
    assert d.ratio == pytest.approx(1.0) and d.correlation == pytest.approx(1.0)
    assert delta_e2000(img, img).max == pytest.approx(0.0, abs=1e-4)


def test_psnr_matches_known_mse():
    img = textured()
    test = img + 0.01  # MSE exactly 1e-4 → 40 dB
    assert psnr(img, test).db == pytest.approx(40.0, abs=0.01)


def test_psnr_and_ssim_fall_with_a_known_shift():
    img = textured()
    one = nd_shift(img, (0, 1, 0), mode="nearest")
    three = nd_shift(img, (0, 3, 0), mode="nearest")
    assert psnr(img, one).db > psnr(img, three).db
    assert 1.0 > ssim(img, one).mean > ssim(img, three).mean
    # a shift moves the detail: its energy stays, its correlation with the reference falls
    d = detail_ratio(img, three)
    assert d.ratio == pytest.approx(1.0, abs=0.1)
    assert d.correlation < 0.5


def test_mask_limits_the_measurement():
    img = textured()
    test = img.copy()
    test[:, 64:] = 0.0  # ruin the right half
    mask = np.zeros(img.shape[:2], np.float32)
    mask[:, :64] = 1.0
    assert psnr(img, test, mask=mask).db == float("inf")
    assert (
        ssim(img, test, mask=mask).map[0, 100] != ssim(img, test, mask=mask).map[0, 100]
    )  # NaN outside
    with pytest.raises(RTKError, match="excludes every pixel"):
        psnr(img, test, mask=np.zeros_like(mask))


def test_size_mismatch_is_refused():
    with pytest.raises(RTKError, match="sizes differ"):
        ssim(textured(), textured(64, 64))


def test_detail_ratio_of_a_blur_is_below_one():
    img = textured()
    rng = np.random.default_rng(3)
    sharp = img + rng.normal(0, 0.02, img.shape).astype(np.float32)
    soft = gaussian_filter(sharp, (1.5, 1.5, 0))
    d = detail_ratio(sharp, soft)
    assert d.ratio < 0.5
    assert np.nanmean(d.map) < 0


def test_nps_of_white_noise_is_sigma_squared():
    sigma = 0.02
    rng = np.random.default_rng(7)
    flat = np.full((256, 256, 3), 0.4, np.float32)
    noisy = flat + rng.normal(0, sigma, (256, 256, 1)).astype(
        np.float32
    )  # same noise in RGB → Y has σ
    nps = noise_power_spectrum(noisy)
    assert nps.level == pytest.approx(sigma**2, rel=0.1)
    assert nps.rms == pytest.approx(sigma, rel=0.08)
    # white noise: flat spectrum (no band far from σ²)
    assert np.all(np.abs(nps.power[2:] / sigma**2 - 1) < 0.35)


def test_grain_removed_shows_in_the_nps():
    rng = np.random.default_rng(8)
    scan = np.full((256, 256, 3), 0.5, np.float32) + rng.normal(0, 0.03, (256, 256, 1)).astype(
        np.float32
    )
    denoised = gaussian_filter(scan, (2, 2, 0))
    g = grain_comparison(scan, denoised)
    assert g.variance_ratio < 0.2
    kept = grain_comparison(scan, scan.copy())
    assert kept.variance_ratio == pytest.approx(1.0)


def test_flat_patches_avoid_structure():
    rng = np.random.default_rng(9)
    img = np.full((256, 256, 3), 0.5, np.float32) + rng.normal(0, 0.01, (256, 256, 1)).astype(
        np.float32
    )
    img[:, :128] += (
        np.linspace(0, 0.5, 128, dtype=np.float32)[None, :, None]
        * np.sin(np.arange(256, dtype=np.float32) / 5)[:, None, None]
    )
    nps = noise_power_spectrum(img)
    assert all(c >= 128 for _, c in nps.patches)
    assert nps.rms == pytest.approx(0.01, rel=0.15)


def test_flicker_finds_a_brightness_pump():
    base = [textured(seed=1) for _ in range(6)]
    steady = flicker(base, base)
    assert steady.luma_rms == pytest.approx(0.0, abs=1e-9)
    pumped = [f * (1.05 if i % 2 else 1.0) for i, f in enumerate(base)]
    fl = flicker(base, pumped)
    assert fl.luma_percent > 2.0
    assert fl.steps.shape == (5,)
    # a real change in the reference is not flicker
    ramp = [f * (1 + 0.05 * i) for i, f in enumerate(base)]
    assert flicker(ramp, ramp).luma_rms == pytest.approx(0.0, abs=1e-9)
    assert flicker(None, ramp).luma_rms > 0


def test_metrics_do_not_mutate_inputs():
    img = textured()
    test = img * 0.9
    before = (img.copy(), test.copy())
    psnr(img, test), ssim(img, test), detail_ratio(img, test)
    assert np.array_equal(img, before[0]) and np.array_equal(test, before[1])
