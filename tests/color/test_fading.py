import numpy as np
import pytest

from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.testing.fades import FadeParameters, simulate_dye_fade


def _ramp() -> np.ndarray:
    x = np.linspace(0, 1, 16, dtype=np.float32)
    return np.stack([*np.meshgrid(x, x, indexing="ij"), np.full((16, 16), 0.5, np.float32)], -1)


def test_fade_is_deterministic_and_has_grain_of_requested_sigma():
    img = _ramp()
    a = simulate_dye_fade(img, rng=np.random.default_rng(3), grain_sigma=0.015, grain_size=0)
    b = simulate_dye_fade(img, rng=np.random.default_rng(3), grain_sigma=0.015, grain_size=0)
    clean = simulate_dye_fade(img, grain_sigma=0)
    assert a.dtype == np.float32 and a.shape == img.shape
    assert np.array_equal(a, b)
    inside = (clean > 0.05) & (clean < 0.95)
    assert abs(float((a - clean)[inside].std()) - 0.015) < 0.003


def test_fade_leaves_magenta_cast_and_lifts_blacks():
    grey = np.full((4, 4, 3), 0.5, np.float32)
    out = simulate_dye_fade(grey, grain_sigma=0)
    r, g, b = out[0, 0]
    assert r > g and b > g  # cyan and yellow faded more than magenta
    black = simulate_dye_fade(np.zeros((2, 2, 3), np.float32), grain_sigma=0)
    assert black.min() > 0.02  # flare + no dye left to block light... blacks lift


def test_no_fade_parameters_give_near_identity():
    img = _ramp()
    p = FadeParameters(
        retention=(1, 1, 1), crossover=0.0, fog=(0, 0, 0), desaturation=0.0, flare=0.0
    )
    out = simulate_dye_fade(img, grain_sigma=0, params=p)
    assert np.allclose(out, img, atol=2e-3)


def test_input_not_mutated_and_bad_input():
    img = _ramp()
    before = img.copy()
    simulate_dye_fade(img)
    assert np.array_equal(img, before)
    bad = img.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(RTKError):
        simulate_dye_fade(bad)
