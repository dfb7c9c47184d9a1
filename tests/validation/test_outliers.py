"""Each outlier measure flags the defect it names, and leaves a clean result alone."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from restoration_toolkit.core.validation.metrics import delta_e2000
from restoration_toolkit.core.validation.outliers import FrameMeasures, find_outliers, measure_frame

H, W = 120, 160


def scene(seed=0):
    rng = np.random.default_rng(seed)
    img = gaussian_filter(rng.random((H, W, 3)), (2, 2, 0))
    img = 0.2 + 0.6 * (img - img.min()) / (img.max() - img.min())
    img[30:70, 40:100] = [0.80, 0.56, 0.45]  # skin-like
    img[80:, 100:] = [0.1, 0.3, 0.8]  # a saturated blue block with hard edges
    return img.astype(np.float32)


def measures(ref, test, frame=1):
    valid = np.ones(ref.shape[:2], bool)
    return measure_frame(frame, ref, test, delta_e2000(ref, test).map, valid)


def base(frame, **kw):
    values = dict(
        hue_error=0.0,
        edge_ratio=1.0,
        edge_de=0.5,
        skin_hue_error=0.0,
        skin_de=0.5,
        skin_pixels=2000,
        mean_y=0.5,
        reference_mean_y=0.5,
        banding=0.0,
    )
    values.update(kw)
    return FrameMeasures(frame=frame, **values)


def test_clean_result_has_no_outliers():
    ref = scene()
    ms = [measures(ref, ref.copy(), f) for f in range(1, 6)]
    assert find_outliers(ms) == []


def test_hue_drift_on_one_frame_only():
    ms = [base(f, hue_error=0.5) for f in range(1, 8)]
    ms[3] = base(4, hue_error=9.0)
    out = find_outliers(ms)
    assert [(o.frame, o.kind) for o in out] == [(4, "hue_drift")]


def test_edge_bleed_is_measured_on_edges():
    ref = scene()
    test = ref.copy()
    # chroma smeared across edges, luminance kept: what a soft color model does
    from restoration_toolkit.core.ycbcr import from_ycbcr, to_ycbcr

    ycc = to_ycbcr(ref)
    ycc[..., 1:] = gaussian_filter(ycc[..., 1:], (4, 4, 0))
    test = np.clip(from_ycbcr(ycc), 0, 1)
    m = measures(ref, test)
    assert m.edge_ratio > 1.5 and m.edge_de > 2
    assert {o.kind for o in find_outliers([m])} == {"edge_bleed"}


def test_skin_tone_error_is_found_on_skin_pixels():
    ref = scene()
    test = ref.copy()
    test[30:70, 40:100] = [0.80, 0.50, 0.60]  # skin turned magenta
    m = measures(ref, test)
    assert m.skin_pixels >= 500 and m.skin_de > 5
    assert "skin" in {o.kind for o in find_outliers([m])}


def test_flicker_needs_consecutive_frames():
    ms = [base(f) for f in range(1, 6)]
    ms[2] = base(3, mean_y=0.53)  # +6 % where the reference stays
    kinds = [(o.frame, o.kind) for o in find_outliers(ms)]
    assert (3, "flicker") in kinds and (4, "flicker") in kinds
    gapped = [base(1), base(3, mean_y=0.53)]
    assert find_outliers(gapped) == []  # no step measured across a gap


def test_banding_in_a_smooth_gradient():
    ramp = np.linspace(0.2, 0.6, W, dtype=np.float32)[None, :, None] * np.ones(
        (H, 1, 3), np.float32
    )
    banded = np.round(ramp * 24) / 24  # a coarse LUT / 8-bit-per-channel contouring
    m = measures(ramp, banded)
    assert m.banding > 0.25
    assert "banding" in {o.kind for o in find_outliers([m])}
    assert measures(ramp, ramp.copy()).banding <= 0.0
