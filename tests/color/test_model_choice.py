"""Model choice by cross-validation: folds, weights chosen without the held-out fold, the
true model chosen, ties, single-frame robustness."""

import numpy as np
import pytest

from restoration_toolkit.core.color.candidates import Candidate, registry, select_candidates
from restoration_toolkit.core.color.crossval import (
    CandidateScore,
    choose_winner,
    cross_validate,
    standard_error,
)
from restoration_toolkit.core.color.encodings import get_encoding
from restoration_toolkit.core.color.fit import fit_color_transform
from restoration_toolkit.core.color.folds import inner_plan, plan_folds
from restoration_toolkit.core.color.samples import BLOCKS, collect_samples
from restoration_toolkit.core.color.scoring import Scorer
from restoration_toolkit.core.color.transforms import Cdl, DyeDensity
from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.testing.color_images import smooth_image

TINY = {"cv_samples": 3000, "cv_lattice": 9, "size": 9, "prefilter": 0.0, "edge_stops": 0.0}


def _sources(n=3, seed=0, h=40, w=56):
    rng = np.random.default_rng(seed)
    return [smooth_image(rng, h, w) for _ in range(n)]


def _winner(sources, model, **kw):
    targets = [np.asarray(model(s), np.float32) for s in sources]
    t = fit_color_transform(sources, targets, **{**TINY, **kw})
    return t.figures["model_selection"]["winner"], t


def _affine(x):
    m = np.array([[0.9, 0.12, -0.02], [0.05, 0.8, 0.1], [0.0, 0.15, 0.7]])
    return x @ m.T + np.array([0.01, 0.02, 0.03])


def _cdl(x):
    cdl = Cdl(encoding="acescct", slope=np.array([1.2, 0.9, 1.1]),
              offset=np.array([-0.02, 0.03, 0.0]), power=np.array([1.1, 0.95, 1.0]),
              saturation=1.2)
    return cdl.apply(x)


def _dye(x):
    # flare below the darkest source, densities below the model's floor (4): no clipping
    model = DyeDensity(flare=np.array([0.003, 0.002, 0.004]),
                       matrix=np.array([[1.3, 0.1, 0.0], [0.05, 1.1, 0.1], [0.0, 0.15, 1.4]]),
                       offset=np.array([-0.05, -0.02, -0.1]))
    return model.apply(x)


@pytest.mark.slow
@pytest.mark.parametrize("model, expected", [
    (_affine, "polynomial/linear/deg1"),
    (_cdl, "cdl/acescct"),
    (_dye, "dye-density/density"),
])
def test_cross_validation_picks_the_model_that_made_the_data(model, expected):
    winner, _ = _winner(_sources(), model)
    assert winner == expected


def _hue_bump(x):
    """A local twist no global candidate has: reds (and only reds) turn toward orange."""
    enc = get_encoding("log2")
    e = enc.encode(np.asarray(x, np.float32))
    redness = np.clip(e[..., 0] - 0.5 * (e[..., 1] + e[..., 2]), 0, None)
    bump = np.exp(-((redness - 0.12) / 0.04) ** 2)
    out = e.copy()
    out[..., 1] += 0.06 * bump
    out[..., 2] -= 0.03 * bump
    return enc.decode(out)


@pytest.mark.slow
def test_a_local_change_no_global_model_has_picks_a_lut():
    sources = _sources(n=3, seed=4)
    winner, t = _winner(sources, _hue_bump, size=17, cv_lattice=17)
    assert winner.startswith("lut3d/"), winner
    table = {c["name"]: c["cv_de2000_mean"] for c in
             t.figures["model_selection"]["candidates"]}
    best_global = min(v for k, v in table.items() if not k.startswith("lut3d/"))
    best_lut = min(v for k, v in table.items() if k.startswith("lut3d/"))
    assert best_lut < 0.8 * best_global
    # the winner is the simplest LUT tied with the best (one standard error), still ahead of
    # every global model
    assert table[winner] <= t.figures["model_selection"]["tie_limit_de2000"] + 1e-4
    assert table[winner] < best_global


def test_folds_by_shot_frame_or_spatial_block():
    frames = _sources(n=4)
    pairs = [(f, f, None) for f in frames]
    samples = collect_samples(pairs, prefilter=0.0, edge_stops=0.0)
    shot = plan_folds(samples, ["A", "A", "B", "C"])
    assert shot.kind == "shot" and len(shot) == 3
    assert set(np.unique(shot.unit[samples.pair == 1])) == {0}  # frame 2 is in shot A
    frame = plan_folds(samples, None, frames=[1001, 1002, 1003, 1004])
    assert frame.kind == "frame" and frame.names[0] == "frame 1001"
    single = plan_folds(collect_samples(pairs[:1], prefilter=0.0, edge_stops=0.0))
    assert single.kind == "spatial" and len(single) == BLOCKS
    for fold in single.folds:  # one block from every row and every column
        assert sorted(b // BLOCKS for b in fold) == list(range(BLOCKS))
        assert sorted(b % BLOCKS for b in fold) == list(range(BLOCKS))
    for k in range(len(shot)):  # inner folds only ever hold training units
        training = ~shot.held_out(k)
        inner = inner_plan(shot, training, samples.block)
        assert inner.unit.shape[0] == int(training.sum())
        held_units = set(shot.folds[k])
        if inner.kind == "shot":
            assert not held_units & {u for f in inner.folds for u in f}


def test_weights_are_chosen_without_the_held_out_fold():
    # corrupting the held-out fold's targets must not change the weights that fold chose
    frames = _sources(n=3, seed=2)
    targets = [_affine(f) for f in frames]
    samples = collect_samples([(s, t, None) for s, t in zip(frames, targets)], prefilter=0.0)
    plan = plan_folds(samples, None)
    cands = [Candidate("polynomial", "log2", degree=3),
             Candidate("lut3d", "log2", prior="affine")]
    first = cross_validate(samples, cands, plan, Scorer(), lattice=9)
    bad = samples.with_target(np.where(plan.held_out(0)[:, None], 0.9 - samples.target,
                                       samples.target))
    second = cross_validate(bad, cands, plan, Scorer(), lattice=9)
    for a, b in zip(first.scores, second.scores):
        assert a.fold_weights[0] == b.fold_weights[0]
        assert a.fold_means[0] < b.fold_means[0]  # …while its score sees the corruption


def test_ties_go_to_the_simpler_model():
    lut, poly, cdl = (Candidate("lut3d", "log2", prior="affine"),
                      Candidate("polynomial", "log2", degree=2), Candidate("cdl", "acescct"))
    scores = [CandidateScore(lut, cv_mean=1.00), CandidateScore(poly, cv_mean=1.015),
              CandidateScore(cdl, cv_mean=1.3)]
    assert choose_winner(scores).candidate == poly
    scores[1].cv_mean = 1.05
    assert choose_winner(scores).candidate == lut


def test_forcing_narrows_the_candidates():
    assert len(registry()) == 21
    assert {c.prior for c in select_candidates("lut3d")} == {
        "identity", "affine", "polynomial", "dye-density"}
    forced = select_candidates("root-polynomial", "acescct", degree=2)
    assert [c.name for c in forced] == ["root-polynomial/acescct/deg2"]
    assert select_candidates("root-polynomial", degree=1)[0].method == "polynomial"
    with pytest.raises(RTKError, match="always works in density"):
        select_candidates("dye-density", "log2")
    with pytest.raises(RTKError, match="unknown method"):
        select_candidates("histogram")


def test_single_pair_fit_is_monotone_and_keeps_shadows():
    # one frame (a keyframe): spatial-block cross-validation; the chosen grade must not fold,
    # crush the shadows or invent steps along the neutral axis, inside or outside the data
    rng = np.random.default_rng(8)
    ref = smooth_image(rng, 48, 64) * 0.6 + 0.05  # no deep shadows, no highlights in the data
    scan = _dye(ref)
    t = fit_color_transform(scan, ref, size=17, cv_samples=3000, cv_lattice=9)
    assert t.figures["model_selection"]["folds"]["kind"] == "spatial"
    grey = np.geomspace(1e-3, 1.0, 400, dtype=np.float32)
    out = t.apply(np.repeat(grey[:, None], 3, axis=1)[None])[0]
    assert np.all(np.diff(out, axis=0) >= -1e-4), "a channel folds along the neutral axis"
    luma = out @ np.array([0.2126, 0.7152, 0.0722])
    assert np.all(np.diff(luma) > 0), "steps or crushed tones along the neutral axis"
    assert luma[0] > 0 and luma[0] < luma[40] < luma[120]  # shadows stay apart


def test_one_standard_error_rule():
    # a simpler candidate within one standard error of the best (over the folds) ties with it
    lut, poly = Candidate("lut3d", "log2", prior="affine"), Candidate("polynomial", "srgb", degree=2)
    folds = [0.8, 1.2, 1.0, 0.7, 1.3]
    se = standard_error(folds)
    assert se == pytest.approx(np.std(folds, ddof=1) / np.sqrt(5))
    assert 0.1 < se < 0.13
    best = CandidateScore(lut, fold_means=folds, cv_mean=1.0)
    simpler = CandidateScore(poly, fold_means=[1.1] * 5, cv_mean=1.0 + 0.9 * se)
    assert choose_winner([best, simpler]).candidate == poly
    simpler.cv_mean = 1.0 + 1.1 * se
    assert choose_winner([best, simpler]).candidate == lut
    # folds that agree leave only the relative tolerance
    best.fold_means = [1.0] * 5
    simpler.cv_mean = 1.03
    assert choose_winner([best, simpler]).candidate == lut
    assert standard_error([1.0]) == 0.0
