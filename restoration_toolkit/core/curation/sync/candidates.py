"""Jump targets of the sync search: where in the reference a scan frame may start when the
path breaks (the first frame, a cut, a shot missing from one side).

A global nearest-neighbour search of every scan frame against every reference field costs
scan × reference products: 150,000 × 375,000 × 192 multiply-adds for a feature against its
NTSC transfer, far beyond ten minutes on two cores. So only *anchor* frames (every
``ANCHOR_EVERY``-th scan frame, and the last) are searched globally, against reference
frames; every scan frame then gets the anchors' candidates of the anchor before and the one
after it, carried to its own position at the cadence's rates (2 fields per film frame, and
2.5 for 3:2 pulldown), each with a neighbouring unit either side, and keeps the ``k`` most
similar. A break between two anchors is still reached from the anchor after it, at the
right unit: frames between anchors lose nothing a per-frame search would find, unless a
shot shorter than the anchor spacing lies entirely between two anchors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from ...progress import ProgressFn, report
from .search import Units

ANCHOR_EVERY = 8
CHUNK = 4096


def top_rows(queries: np.ndarray, table: np.ndarray, k: int, chunk: int = 512) -> np.ndarray:
    """Indices (Q, k) of the k rows of ``table`` most similar to each query (dot product;
    chunked, so memory is ``chunk`` × len(table) floats at a time)."""
    k = min(k, table.shape[0])
    out = np.empty((queries.shape[0], k), np.int64)
    for a in range(0, queries.shape[0], chunk):
        sims = queries[a : a + chunk] @ table.T
        out[a : a + chunk] = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    return out


def frame_table(search_units: Units) -> np.ndarray:
    """Unit-norm search rows per reference *frame*: the row itself (progressive) or the
    normalised sum of the frame's two fields."""
    if search_units.shift:
        return search_units.rows
    rows = search_units.rows
    both = rows[0::2] + rows[1::2]
    return both / (np.linalg.norm(both, axis=1, keepdims=True) + 1e-9)


@dataclass(frozen=True)
class Candidates:
    """``units``: (S, k) candidate start units per scan frame; ``steady``: (S,) whether the
    frame lies between two anchors whose best global matches are as far apart in the
    reference as the anchors are in the scan (at one of the rates, within 3 fields): the
    reference shows this stretch, however weakly each frame matches."""

    units: np.ndarray
    steady: np.ndarray


def _steady(anchors: np.ndarray, best: np.ndarray, rates: Sequence[float], S: int) -> np.ndarray:
    d = np.diff(anchors).astype(np.float64)
    du = 2.0 * np.diff(best).astype(np.float64)  # units between the anchors' best frames
    ok = np.zeros(len(d), bool)
    for r in rates:
        ok |= np.abs(du - r * d) <= 3.0

    steady = np.zeros(S, bool)
    for k in np.flatnonzero(ok):
        steady[anchors[k] : anchors[k + 1] + 1] = True
    return steady


def candidates(
    zs_search: np.ndarray,
    search_units: Units,
    k: int,
    rates: Sequence[float],
    progress: Optional[ProgressFn] = None,
) -> Candidates:
    """Candidate start units per scan frame, and which frames are steady (see the module
    docstring and :class:`Candidates`).

    ``zs_search``: (S, d) coarse scan features; ``search_units``: the reference's coarse
    features as units; ``rates``: reference units per scan frame to carry candidates at."""
    S = zs_search.shape[0]
    anchors = np.unique(np.append(np.arange(0, S, ANCHOR_EVERY), S - 1))
    table = frame_table(search_units)
    frames = top_rows(zs_search[anchors], table, k)  # (A, k) frames, unordered
    sims = np.einsum("ad,akd->ak", zs_search[anchors], table[frames])
    best = frames[np.arange(len(anchors)), np.argmax(sims, axis=1)]
    report(progress, 1, 3, "candidates")
    i = np.arange(S)
    after = np.searchsorted(anchors, i)  # anchor at or after i
    before = np.where(anchors[np.minimum(after, len(anchors) - 1)] == i, after, after - 1)
    step = 2 if search_units.shift else 1
    nudges = np.array([-step, 0, step])
    proposals = []
    for side in (before, after):
        side = np.clip(side, 0, len(anchors) - 1)
        d = (i - anchors[side]).astype(np.float64)  # frames from the anchor
        for r in rates:
            base = 2 * frames[side] + np.rint(r * d)[:, None].astype(np.int64)
            proposals.append((base[:, :, None] + nudges).reshape(S, -1))
    units = np.clip(np.concatenate(proposals, axis=1), 0, search_units.count - 1)
    out = np.empty((S, min(k, units.shape[1])), np.int64)
    for a in range(0, S, CHUNK):
        out[a : a + CHUNK] = _best_distinct(
            zs_search[a : a + CHUNK], units[a : a + CHUNK], search_units, k
        )
    report(progress, 3, 3, "candidates")
    return Candidates(out, _steady(anchors, best, rates, S))


def _best_distinct(zs: np.ndarray, units: np.ndarray, table: Units, k: int) -> np.ndarray:
    """Per row the ``k`` distinct units of ``units`` most similar to ``zs``."""
    n, m = units.shape
    sims = np.einsum("nd,nmd->nm", zs, table.take(units.ravel()).reshape(n, m, -1))
    order = np.argsort(units, axis=1, kind="stable")
    su = np.take_along_axis(units, order, axis=1)
    dup = np.zeros((n, m), bool)
    dup[:, 1:] = su[:, 1:] == su[:, :-1]
    ss = np.take_along_axis(sims, order, axis=1)
    ss[dup] = -np.inf
    k = min(k, m)
    best = np.argpartition(-ss, k - 1, axis=1)[:, :k]
    return np.take_along_axis(su, best, axis=1)
