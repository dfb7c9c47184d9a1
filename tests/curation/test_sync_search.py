"""The sync search (beam Viterbi) on small hand-made features: what the beam must keep."""

from __future__ import annotations

import numpy as np

from restoration_toolkit.core.curation.sync.search import Units, viterbi
from restoration_toolkit.core.curation.sync.settings import SyncSettings


def _unit_rows(x: np.ndarray) -> np.ndarray:
    x = x - x.mean(axis=1, keepdims=True)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_a_shot_after_a_static_stretch_is_found_not_left_missing():
    """A static stretch fills the beam with near-equal positions, each of which leaves a
    "missing" (gap) state behind. When the scan then cuts to a shot elsewhere in the
    reference, reaching it costs a jump at once while the gap states only pay as they go:
    if gap states may take the whole beam, the jump's continuation is pruned every frame
    and the shot is reported missing, however well it matches (found at 150,000 frames: 346
    clean frames in a row left missing). A jump's path keeps a place in the beam until it
    has had the frames to repay the jump."""
    rng = np.random.default_rng(3)
    d = 64
    still = rng.standard_normal(d)
    ref_a = still + 0.01 * rng.standard_normal((40, d))  # a static shot: 40 frames alike
    ref_b = rng.standard_normal((40, d))  # another shot, every frame distinct
    ref = _unit_rows(np.vstack([ref_a, ref_b]))
    scan = _unit_rows(
        np.vstack(
            [
                still + 0.01 * rng.standard_normal((30, d)),
                ref_b[:30] + 0.05 * rng.standard_normal((30, d)),
            ]
        )
    )
    units = Units(ref, shift=1)
    S = len(scan)
    true = np.concatenate([np.arange(30), 40 + np.arange(30)])
    others = rng.integers(0, 40, size=(S, 3))
    targets = np.concatenate([2 * true[:, None], 2 * others], axis=1)
    st = SyncSettings(beam=16, gap_states=4)
    path = viterbi(scan, units, targets, "progressive", np.full(S, 0.12), st)
    found = path.start[30:] // 2
    assert np.mean(found == true[30:]) >= 0.9, found
