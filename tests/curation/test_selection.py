"""Pair selection: the method's positions, coverage vs uniform spacing, manual overrides."""

import numpy as np
import pytest

from restoration_toolkit.core.curation.content_check import check_content
from restoration_toolkit.core.curation.selection import (
    content_features,
    coverage_radius,
    method_positions,
    select_pairs,
)
from restoration_toolkit.core.curation.shots import detect_shots
from restoration_toolkit.core.curation.sync import sync_sequences


@pytest.fixture(scope="module")
def prepared(scan_thumbs, ref_thumbs):
    shots = detect_shots(scan_thumbs)
    sync = sync_sequences(scan_thumbs, ref_thumbs["ntsc32"])
    return scan_thumbs, shots, sync


def test_method_positions_escalate_4_7_11():
    four = method_positions(100, 190, 4)
    assert [f for f, _ in four] == [100, 130, 160, 190]
    assert [label for _, label in four] == ["begin", "middle 1", "middle 2", "end"]
    seven = method_positions(100, 190, 7)
    assert [f for f, _ in seven] == [100, 115, 130, 145, 160, 175, 190]
    eleven = method_positions(100, 190, 11)
    assert len(eleven) == 11 and {f for f, _ in seven} <= {f for f, _ in eleven}
    assert all("midpoint" in label for f, label in eleven if f not in {x for x, _ in seven})


def test_method_picks_per_shot_with_reasons_and_never_a_field_mixed_frame(prepared):
    thumbs, shots, sync = prepared
    sel = select_pairs(thumbs, shots, sync, mode="method", per_shot=4)
    by_scan = {m.scan: m for m in sync.mapping}
    assert len(sel.picks) == 4 * len(shots.shots)
    for p in sel.picks:
        assert p.reason and p.shot
        assert (
            by_scan[p.scan_frame].kind == "clean"
            and p.reference_frame == by_scan[p.scan_frame].reference
        )
        t = shots.near_transition(p.scan_frame, 1)
        assert t is None, f"{p.scan_frame} next to {t}"
    # wanted positions that were not usable are recorded with why
    assert all(r.reason for r in sel.rejected)
    assert any("field-mixed" in r.reason or "cut" in r.reason for r in sel.rejected)


def test_coverage_spans_the_feature_space_better_than_uniform_spacing(prepared):
    thumbs, shots, sync = prepared
    n = 8
    sel = select_pairs(thumbs, shots, sync, mode="coverage", count=n)
    feats = content_features(thumbs, shots)
    index = {int(f): i for i, f in enumerate(thumbs.frames)}
    usable = [index[m.scan] for m in sync.mapping if m.kind == "clean"]
    picks = [index[p.scan_frame] for p in sel.picks]
    uniform = [usable[int(round(k))] for k in np.linspace(0, len(usable) - 1, n)]
    assert len(picks) == n
    assert coverage_radius(feats, usable, picks) < coverage_radius(feats, usable, uniform)
    assert all(p.reason.startswith("coverage") for p in sel.picks)


def test_manual_include_and_exclude_win(prepared):
    thumbs, shots, sync = prepared
    auto = select_pairs(thumbs, shots, sync, mode="method")
    victim = auto.picks[1].scan_frame
    forced = next(m.scan for m in sync.mapping if m.kind == "fields")  # not usable automatically
    sel = select_pairs(thumbs, shots, sync, mode="method", include=[forced], exclude=[victim])
    frames = [p.scan_frame for p in sel.picks]
    assert victim not in frames and forced in frames
    manual = next(p for p in sel.picks if p.scan_frame == forced)
    assert manual.origin == "manual" and "warning" in manual.reason
    assert any(r.scan_frame == victim and r.reason == "excluded by hand" for r in sel.rejected)


def test_content_check_rejects_a_wrong_frame_and_accepts_a_regraded_one(reel, references):
    ref = references["pal"]
    same = check_content(reel.frames[60], ref.frames[60 + 14])
    other = check_content(reel.frames[60], ref.frames[200 + 14])
    assert same.ok and same.correlation > 0.9
    assert not other.ok and "content differs" in other.reason


def test_a_failing_content_check_is_recorded_and_replaced(prepared):
    thumbs, shots, sync = prepared
    from restoration_toolkit.core.curation.content_check import ContentCheck

    bad = {int(shots.shots[0].first)}

    def check(scan_frame, ref_frame):
        if scan_frame in bad:
            return ContentCheck(
                False,
                0.1,
                (0.0, 0.0),
                1.0,
                "content differs after alignment (correlation 0.10 < 0.80)",
            )
        return ContentCheck(True, 0.95, (0.0, 0.0), 1.0, "")

    sel = select_pairs(thumbs, shots, sync, mode="method", check=check)
    assert not bad & {p.scan_frame for p in sel.picks}
    assert any(r.scan_frame in bad and "content differs" in r.reason for r in sel.rejected)
    assert len([p for p in sel.picks if p.shot == shots.shots[0].name]) == 4
