"""The scoring functions the benchmarks rely on, checked on known answers: a perfect result
scores perfect, a known error scores exactly that error, a wrong result scores wrong."""

from __future__ import annotations

import math

import numpy as np
import pytest

from restoration_toolkit.core.validation.metrics import (
    delta_e2000,
    grain_comparison,
    psnr,
    ssim,
)
from restoration_toolkit.testing.alignment_pairs import PairSpec, end_point_error, make_pair

# -- alignment: end-point error in scan pixels ------------------------------------------------


@pytest.fixture(scope="module")
def pair():
    rng = np.random.default_rng(3)
    picture = rng.random((120, 160, 3)).astype(np.float32)
    spec = PairSpec(
        scan_size=(192, 144),
        ref_size=(128, 72),
        rotation_deg=7.0,
        par=1.1,
        warp=1.5,
        grain=0.0,
        jpeg_quality=None,
    )
    return make_pair(picture, spec)


def test_true_map_scores_zero(pair):
    assert float(end_point_error(pair, pair.true_map).max()) < 1e-4


@pytest.mark.parametrize("shift", [(0.5, 0.0), (0.0, 0.5), (0.3, -0.4)])
def test_half_pixel_shift_scores_half_a_pixel(pair, shift):
    # a map that is off by half a *scan* pixel: the reference-pixel error is G⁻¹ · shift
    d = np.linalg.solve(pair.ref_to_scan, np.asarray(shift))
    shifted = pair.true_map + d.astype(np.float32)
    epe = end_point_error(pair, shifted)
    np.testing.assert_allclose(epe, 0.5, atol=1e-4)


def test_reference_pixel_error_is_scaled_to_scan_pixels(pair):
    # one reference pixel to the right is about scale × par scan pixels
    epe = end_point_error(pair, pair.true_map + np.float32([1.0, 0.0]))
    expected = float(np.hypot(*pair.ref_to_scan[:, 0]))
    np.testing.assert_allclose(epe, expected, rtol=1e-5)


# -- ΔE2000: Sharma, Wu & Dalal (2005) test data ------------------------------------------------

SHARMA = [  # (Lab 1, Lab 2, ΔE00) — pairs 1, 7, 17, 25 of the paper's table
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
]


def _lab_to_linear_srgb(lab):
    import colour

    space = colour.RGB_COLOURSPACES["sRGB"]
    xyz = colour.Lab_to_XYZ(np.asarray(lab, np.float64), space.whitepoint)
    # the exact inverse of the matrix delta_e2000 reads linear sRGB with
    return np.linalg.solve(space.matrix_RGB_to_XYZ, xyz).reshape(1, 1, 3)


@pytest.mark.parametrize("lab1,lab2,expected", SHARMA)
def test_delta_e2000_matches_sharma(lab1, lab2, expected):
    de = delta_e2000(_lab_to_linear_srgb(lab1), _lab_to_linear_srgb(lab2), encoding="linear-srgb")
    assert de.mean == pytest.approx(expected, abs=2e-4)


def test_delta_e2000_perfect_and_masked():
    rng = np.random.default_rng(0)
    img = rng.random((16, 16, 3)).astype(np.float32)
    assert delta_e2000(img, img).max == 0.0
    other = img.copy()
    other[:8] = 1 - other[:8]
    mask = np.zeros((16, 16), np.float32)
    mask[8:] = 1
    assert delta_e2000(img, other, mask=mask).max == 0.0  # only the untouched half counts
    assert delta_e2000(img, other).max > 10


# -- PSNR / SSIM ----------------------------------------------------------------------------


def test_psnr_known_answers():
    rng = np.random.default_rng(1)
    img = rng.random((32, 32)).astype(np.float64) * 0.5 + 0.25
    assert math.isinf(psnr(img, img).db)
    assert psnr(img, img + 0.1).db == pytest.approx(20.0, abs=1e-6)  # MSE 0.01
    half = img.copy()
    half[:16] += 0.2  # MSE 0.5 × 0.04 = 0.02
    assert psnr(img, half).db == pytest.approx(10 * math.log10(1 / 0.02), abs=1e-6)
    assert psnr(img, img + 0.1, data_range=2.0).db == pytest.approx(20 + 20 * math.log10(2))


def test_ssim_known_answers():
    rng = np.random.default_rng(2)
    img = rng.random((32, 32, 3)).astype(np.float32)
    assert ssim(img, img).mean == pytest.approx(1.0, abs=1e-6)
    # two flat images a, b: SSIM = (2ab + C1) / (a² + b² + C1), C1 = (0.01 · range)²
    a, b, c1 = 0.5, 0.6, 1e-4
    flat_a = np.full((32, 32, 3), a, np.float32)
    flat_b = np.full((32, 32, 3), b, np.float32)
    assert ssim(flat_a, flat_b).mean == pytest.approx(
        (2 * a * b + c1) / (a * a + b * b + c1), abs=1e-5
    )
    assert ssim(img, 1 - img).mean < 0


# -- grain: noise-power ratio -------------------------------------------------------------------


def _flat_with_noise(sigma: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (0.5 + sigma * rng.standard_normal((256, 256, 1))).repeat(3, axis=2).astype(np.float32)


def test_grain_ratio_known_answers():
    a = _flat_with_noise(0.02, 1)
    assert grain_comparison(a, a, patch=32).variance_ratio == pytest.approx(1.0)
    # other noise of half the σ: a quarter of the power
    b = _flat_with_noise(0.01, 2)
    assert grain_comparison(a, b, patch=32).variance_ratio == pytest.approx(0.25, rel=0.06)
    # other noise of the same σ: the same power (the ratio measures grain, not the pixels)
    c = _flat_with_noise(0.02, 3)
    assert grain_comparison(a, c, patch=32).variance_ratio == pytest.approx(1.0, rel=0.06)
    # grain smoothed away scores far below 1
    from scipy.ndimage import gaussian_filter

    smooth = gaussian_filter(a, (2, 2, 0))
    assert grain_comparison(a, smooth, patch=32).variance_ratio < 0.05


# -- sync: fraction of scan frames mapped right --------------------------------------------------


def _truth(n: int = 10):
    truth = [{(k + 3, 0), (k + 3, 1)} for k in range(n)]
    truth[4] = {(6, 1), (7, 0)}  # a field-only frame: no clean reference frame
    truth[7] = set()  # absent from the reference (a dropped frame)
    return truth


def test_sync_score_known_answers():
    from restoration_toolkit.testing.sync_scoring import expected, score_mapping

    truth = _truth()
    right = [expected(fl)[0] for fl in truth]
    fields = [expected(fl)[1] for fl in truth]
    perfect = score_mapping(truth, right, fields)
    assert (perfect.clean, perfect.field_only, perfect.absent, perfect.overall) == (1, 1, 1, 1)
    assert (perfect.n_clean, perfect.n_field_only, perfect.n_absent) == (8, 1, 1)
    # a shuffled mapping (every frame given its neighbour's reference frame) scores zero
    clean = [r for r in right if r is not None]
    shuffled = [clean[(clean.index(r) + 1) % len(clean)] if r is not None else 0 for r in right]
    wrong = score_mapping(truth, shuffled, fields)
    assert (wrong.clean, wrong.field_only, wrong.absent, wrong.overall) == (0, 0, 0, 0)
    # half the clean frames wrong: half the clean score
    half = [r if (r is None or i % 2) else r + 50 for i, r in enumerate(right)]
    assert score_mapping(truth, half, fields).clean == pytest.approx(0.5)
    # a method that cannot name fields is not scored on field-only frames …
    frames_only = score_mapping(truth, right, None)
    assert frames_only.field_only is None and frames_only.clean == 1
    # … and its overall counts them wrong
    assert frames_only.overall == pytest.approx(0.9)


# -- the trainer benchmark's own measures -------------------------------------------------------


def test_content_overlap_sees_shared_content_and_only_that():
    from skimage import data

    from restoration_toolkit.testing.overlap import content_overlap, features

    pic = data.astronaut().astype(np.float32) / 255.0
    a, between, b = pic[:256, :256], pic[20:276, 20:276], pic[-256:, -256:]  # a slow pan
    other = (data.coffee().astype(np.float32) / 255.0)[100:356, 100:356]
    train = [features(a), features(b)]
    assert content_overlap(a, train) > 0.8  # a training frame itself
    assert content_overlap(between, train) > 0.4  # mostly the same picture
    assert content_overlap(other, train) < 0.1  # another picture: chance matches only


def test_log_linear_extrapolation_known_answer():
    from restoration_toolkit.testing.figures import loglinear

    points = [{"steps": s, "model_size": "small", "m": 1 + 2 * math.log10(s)} for s in (100, 1000)]
    fit = loglinear(points, "m", target=9.0, higher=True)
    assert fit["steps_needed"] == pytest.approx(1e4)
    assert loglinear(points, "m", target=9.0, higher=False)["steps_needed"] is None  # wrong way


def test_spread_and_verdict_known_answers():
    from restoration_toolkit.testing.figures import differs, spread

    s = spread([1.0, 2.0, 3.0, float("nan")])
    assert (s["mean"], s["sd"], s["n"], s["failed"]) == (2.0, 1.0, 3, 1)
    assert not differs(spread([1.0, 3.0]), spread([2.0, 2.5]))  # within the spread
    assert differs(spread([1.0, 1.1]), spread([2.0, 2.1]))
