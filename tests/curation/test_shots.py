"""Shot detection on synthetic cuts and dissolves; per-frame flags."""

import numpy as np

from restoration_toolkit.core.curation.shots import detect_shots, frame_stats
from restoration_toolkit.core.io.thumbnails import thumbnails_from_arrays


def test_cuts_and_the_dissolve_are_found(dissolve_reel):
    thumbs = thumbnails_from_arrays(range(len(dissolve_reel.frames)), dissolve_reel.frames)
    det = detect_shots(thumbs)
    cuts = [t.first for t in det.transitions if t.kind == "cut"]
    dissolves = [(t.first, t.last) for t in det.transitions if t.kind == "dissolve"]
    ((d0, d1),) = dissolve_reel.dissolves
    true_cuts = [c for c in dissolve_reel.cuts if not d0 <= c <= d1]
    assert cuts == true_cuts
    assert len(dissolves) == 1
    assert abs(dissolves[0][0] - d0) <= 2 and abs(dissolves[0][1] - d1) <= 2
    assert len(det.shots) == len(dissolve_reel.cuts) + 1
    assert [s.name for s in det.shots][:2] == ["sh010", "sh020"]
    # every frame belongs to exactly one shot
    covered = sum(s.length for s in det.shots)
    assert covered == len(dissolve_reel.frames)


def test_camera_moves_alone_make_no_transition(reel):
    first_shot = reel.frames[: reel.cuts[0]]
    thumbs = thumbnails_from_arrays(range(len(first_shot)), first_shot)
    assert detect_shots(thumbs).transitions == ()


def test_black_frames_and_a_damaged_frame_are_flagged(reel):
    frames = [f.copy() for f in reel.frames[:40]]
    frames[10] = np.zeros_like(frames[10])
    blotch = frames[25].copy()
    blotch[30:60, 40:80] = 1.0  # a white blotch on one frame only
    frames[25] = blotch
    stats = frame_stats(thumbnails_from_arrays(range(40), frames))
    assert stats.black[10] and stats.black.sum() == 1
    assert int(np.argmax(stats.damage)) == 25
    assert stats.damage[25] > 3 * np.median(stats.damage)


def test_shots_from_project_replace_detection(reel):
    thumbs = thumbnails_from_arrays(range(100), reel.frames[:100])
    det = detect_shots(thumbs, shots=[("A", 0, 49), ("B", 50, 99)])
    assert [(s.name, s.first, s.last) for s in det.shots] == [("A", 0, 49), ("B", 50, 99)]
