"""Temporal sync on the synthetic reel: every cadence and edit case, and the bad inputs."""

import numpy as np
import pytest

from restoration_toolkit.core.curation.sync import sync_sequences
from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.io.thumbnails import Thumbnails, thumbnails_from_arrays


def accuracy(result, ref):
    ok = 0
    for i, m in enumerate(result.mapping):
        exp_ref, exp_fields = ref.expected(i)
        got_fields = tuple(sorted((f - 1, 0 if n == "top" else 1) for f, n in m.fields))
        if exp_ref is not None:
            ok += m.reference == exp_ref + 1  # reference thumbnails are numbered from 1
        elif exp_fields:
            ok += m.reference is None and got_fields == exp_fields
        else:
            ok += m.kind == "missing"
    return ok / len(result.mapping)


@pytest.mark.parametrize(
    "name, cadence, order, speed",
    [
        ("pal", "1:1", "progressive", 25 / 24),
        ("ntsc32", "3:2 pulldown", "upper", 30000 / 1001 / 1.25 / 24),
        ("interlaced", "2:2 field-shifted", "upper", 25 / 24),
        ("edited", "1:1", "progressive", 1.0),
    ],
)
def test_every_cadence_and_edit_is_mapped_exactly(
    scan_thumbs, ref_thumbs, references, name, cadence, order, speed
):
    ref = references[name]
    result = sync_sequences(scan_thumbs, ref_thumbs[name], scan_fps=24.0, reference_fps=ref.fps)
    assert accuracy(result, ref) >= 0.995, result.explanation
    assert result.cadence == cadence
    assert result.field_order == order
    assert result.speed == pytest.approx(speed, rel=1e-3)


def test_pal_offset_and_clean_frames(scan_thumbs, ref_thumbs):
    result = sync_sequences(scan_thumbs, ref_thumbs["pal"])
    # 14 leader frames, reference numbered from 1: scan 1001 is reference 15
    assert result.offset == 15 - 1001
    assert all(m.kind == "clean" for m in result.mapping)
    assert len(result.segments) == 1


def test_pulldown_never_pairs_a_field_mixed_frame(scan_thumbs, ref_thumbs, references):
    result = sync_sequences(scan_thumbs, ref_thumbs["ntsc32"])
    mixed = set(result.mixed_reference_frames)
    assert mixed, "3:2 pulldown has mixed video frames"
    assert not any(m.reference in mixed for m in result.mapping)
    kinds = [m.kind for m in result.mapping]
    assert kinds.count("fields") == pytest.approx(len(kinds) / 4, abs=2)  # C frames of A B C D
    assert result.slope == pytest.approx(1.25, abs=0.01)


def test_edit_reports_missing_shot_drops_and_repeats(scan_thumbs, ref_thumbs, references):
    ref = references["edited"]
    result = sync_sequences(scan_thumbs, ref_thumbs["edited"])
    missing = [i for i, m in enumerate(result.mapping) if m.kind == "missing"]
    assert missing == [i for i in range(len(ref.truth)) if not ref.truth[i]]
    n = len(ref.truth)
    drops = [
        i for i in range(1, n - 1) if not ref.truth[i] and ref.truth[i - 1] and ref.truth[i + 1]
    ]
    repeats = [i for i in range(n) if len(ref.truth[i]) > 2]
    assert drops and repeats
    assert result.dropped == len(drops) and result.repeated == len(repeats)
    assert len(result.segments) >= 4


def test_reference_much_shorter_than_scan_is_refused(scan_thumbs, ref_thumbs):
    short = ref_thumbs["pal"]
    cut = Thumbnails(short.frames[:100], short.luma[:100], short.color[:100], short.fields[:100])
    with pytest.raises(RTKError, match="shorter than the scan"):
        sync_sequences(scan_thumbs, cut)


def test_a_reference_with_nothing_in_common_is_refused(scan_thumbs):
    rng = np.random.default_rng(0)
    noise = [rng.random((96, 128, 3)).astype(np.float32) for _ in range(len(scan_thumbs))]
    other = thumbnails_from_arrays(range(1, 1 + len(noise)), noise, fields=True)
    with pytest.raises(RTKError, match="nothing in common|only"):
        sync_sequences(scan_thumbs, other)


def test_lower_field_first_pulldown_is_detected(scan_thumbs, references):
    ref = references["ntsc32"]
    # drop the first line: the earlier field of every frame is now the bottom one
    shifted = [np.ascontiguousarray(np.vstack([f[1:], f[-1:]])) for f in ref.frames]
    thumbs = thumbnails_from_arrays(range(1, 1 + len(shifted)), shifted, fields=True)
    result = sync_sequences(scan_thumbs, thumbs)
    assert result.field_order == "lower" and result.cadence == "3:2 pulldown"
    clean = [(i, m) for i, m in enumerate(result.mapping) if ref.expected(i)[0] is not None]
    assert np.mean([m.reference == ref.expected(i)[0] + 1 for i, m in clean]) >= 0.995


def test_a_reference_framed_differently_is_corrected(scan_thumbs, references):
    import cv2

    ref = references["pal"]

    def reframe(f):  # 5 % tighter and shifted, as transfers often are
        h, w = f.shape[:2]
        m = np.array([[1.05, 0, -0.025 * w + 2], [0, 1.05, -0.025 * h - 1]], np.float32)
        return cv2.warpAffine(f, m, (w, h), borderMode=cv2.BORDER_REFLECT)

    thumbs = thumbnails_from_arrays(
        range(1, 1 + len(ref.frames)), [reframe(f) for f in ref.frames], fields=True
    )
    result = sync_sequences(scan_thumbs, thumbs)
    assert "framing corrected" in result.explanation
    assert accuracy(result, ref) >= 0.995
