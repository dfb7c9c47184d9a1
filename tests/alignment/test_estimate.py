"""Known synthetic transforms are recovered (tolerances in scan pixels over the pixels the
reference truly covers); color, inversion and grain do not stop it."""

from __future__ import annotations

import numpy as np
import pytest

from restoration_toolkit.core.alignment import AlignmentOptions, estimate_alignment
from restoration_toolkit.core.alignment.geometry import describe
from tests.alignment.helpers import epe_stats, small_pair


def _check(pair, mean_tol=0.3, p95_tol=0.8, options=None):
    res = estimate_alignment(pair.scan, pair.reference, options)
    mean, p95 = epe_stats(pair, res.map_xy)
    assert mean < mean_tol and p95 < p95_tol, (mean, p95, res.warnings)
    return res


def test_base_pair_subpixel(base_pair):
    res = _check(base_pair, 0.15, 0.4)
    assert res.figures.confident_fraction > 0.3
    assert res.figures.correlation > 0.8
    assert res.map_xy.dtype == np.float32 and res.map_xy.shape == (486, 640, 2)
    assert res.confidence.shape == (486, 640)
    assert 0.0 <= res.confidence.min() and res.confidence.max() <= 1.0


def test_scale_and_pixel_aspect():
    pair = small_pair(coverage=0.8, par=1.12)
    res = _check(pair)
    params = describe(res.matrix, res.reference_shape)
    assert params.pixel_aspect == pytest.approx(1.12, abs=0.01)


def test_crop_and_reframe():
    _check(small_pair("coffee", scale=1.2, offset=(40.0, -25.0)))


def test_rotation():
    pair = small_pair("chelsea", rotation_deg=3.0)
    res = _check(pair)
    assert describe(res.matrix, res.reference_shape).rotation_deg == pytest.approx(3.0, abs=0.1)


def test_smooth_warp_needs_the_dense_field():
    pair = small_pair(warp=2.5)
    dense = _check(pair, 0.35, 1.0)
    rigid = estimate_alignment(pair.scan, pair.reference, AlignmentOptions(dense=False))
    assert epe_stats(pair, rigid.map_xy)[0] > 2 * epe_stats(pair, dense.map_xy)[0]


def test_letterbox_bars_excluded_and_not_confident():
    pair = small_pair(letterbox=28)
    res = _check(pair, 0.35, 1.0)
    assert set(res.reference_box.bars) == {"top", "bottom"}
    # scan pixels that land on the bars have zero confidence
    y = pair.true_map[..., 1]
    on_bars = (
        ((y < 26) | (y > 225 - 27)) & (pair.true_map[..., 0] > 0) & (pair.true_map[..., 0] < 399)
    )
    assert on_bars.any()
    assert float(res.confidence[on_bars].max()) < 0.05
    # the proposed live area stays inside the picture
    x0, y0, x1, y1 = res.live_area.as_list()
    inside = pair.true_valid[y0:y1, x0:x1]
    assert inside.mean() > 0.99


def test_color_inverted_reference_aligns():
    pair = small_pair(invert=True)
    res = _check(pair)
    assert res.polarity == -1.0


def test_faded_grainy_scan_aligns():
    _check(small_pair(fade=True, grain=0.06), 0.35, 1.0)


def test_subtitles_do_not_pull_the_global_fit_and_are_not_confident():
    pair = small_pair("coffee", subtitles=True)
    rigid = estimate_alignment(pair.scan, pair.reference, AlignmentOptions(dense=False))
    assert epe_stats(pair, rigid.map_xy)[0] < 0.2
    res = estimate_alignment(pair.scan, pair.reference)
    # the scan pixels under the burned-in text get little confidence
    clean = small_pair("coffee")
    text = np.abs(pair.reference - clean.reference).max(axis=2) > 0.15
    xs = np.clip(np.rint(pair.true_map[..., 0]).astype(int), 0, 399)
    ys = np.clip(np.rint(pair.true_map[..., 1]).astype(int), 0, 224)
    under_text = text[ys, xs] & pair.true_valid
    assert under_text.sum() > 500
    assert res.confidence[under_text].mean() < 0.5 * res.confidence[pair.true_valid & ~under_text].mean()
    # on the pixels it calls confident, the dense result stays sub-pixel on average
    assert epe_stats(pair, res.map_xy, res.confidence > 0.5)[0] < 0.4


def test_initial_matrix_kept_when_global_refinement_off(base_pair):
    first = estimate_alignment(base_pair.scan, base_pair.reference, AlignmentOptions(dense=False))
    again = estimate_alignment(
        base_pair.scan,
        base_pair.reference,
        AlignmentOptions(initial_matrix=first.matrix, refine_global=False, dense=False),
    )
    assert np.allclose(again.matrix, first.matrix, atol=1e-6)


def test_inputs_not_modified(base_pair):
    scan = base_pair.scan.copy()
    ref = base_pair.reference.copy()
    estimate_alignment(scan, ref, AlignmentOptions(dense=False))
    assert np.array_equal(scan, base_pair.scan) and np.array_equal(ref, base_pair.reference)


def test_anamorphic_dvd_pixel_aspect_found_without_a_hint():
    # 16:9 NTSC DVD: reference pixels 1.4587 wide, the picture squeezed into 360×300
    pair = small_pair(par=1.4587, ref_size=(360, 300))
    res = _check(pair, 0.4, 1.0)
    assert describe(res.matrix, res.reference_shape).pixel_aspect == pytest.approx(1.4587, abs=0.01)
