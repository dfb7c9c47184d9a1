"""The sync search: a beam Viterbi over (scan frame, first reference field, arrival step |
gap) states, and the data-driven cost of leaving a scan frame unmatched.

Costs are in units of (1 − correlation); see :class:`SyncSettings` for their meaning. The
search keeps, per scan frame, only the beam's back pointers (about 1 kB), so a feature of
150,000 frames needs about 150 MB for them; the features are read, never copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from ...progress import ProgressFn, report
from .settings import SyncSettings

_BIG = np.inf
_AR4 = np.arange(4)
_STEPS = _AR4 + 1
_DIV = _STEPS.astype(np.float64)

# the gap rule before 2026-12 (``blank_stretches=False``): raise the cost of leaving a
# frame unmatched only where its best cost is below the first, up to the second
LEGACY_GAP_RULE = (0.5, 0.6)


@dataclass(frozen=True)
class Units:
    """The reference as *units* (fields in time order, two per video frame) over a table of
    feature rows, without copying it: unit ``u`` is row ``(u ^ swap) >> shift``.

    Progressive: one row per frame, ``shift`` 1 (both units of frame k are row k). Fields:
    rows top 0, bottom 0, top 1, …; ``swap`` 1 when the lower field comes first."""

    rows: np.ndarray
    shift: int = 0
    swap: int = 0

    @property
    def count(self) -> int:
        return int(self.rows.shape[0]) << self.shift

    def take(self, units: np.ndarray) -> np.ndarray:
        """Feature rows of ``units`` (clipped to the reference: callers mask the tail)."""
        u = np.clip(units, 0, self.count - 1)
        return self.rows[(u ^ self.swap) >> self.shift]


def gap_costs(
    best_cost: np.ndarray, steady: np.ndarray, blank_stretches: bool = True
) -> np.ndarray:
    """Cost of leaving each scan frame unmatched: twice the typical worst match of the
    steady frames (90th percentile, clamped to 0.12–0.5; all frames when fewer than a
    tenth are steady, so a long censored stretch does not set it); raised to 0.1 above the
    frame's own best match where the frame is ``steady`` (the reference shows the stretch
    around it, see :class:`~.candidates.Candidates`) — a noisy, textured or nearly blank
    stretch of a shot that is there, not a missing one.

    (Before 2026-12 the raise stopped at 0.6 and needed a correlation above 0.5: the blank
    end of a shot, whose true match correlates at 0.3 but is still the best in the whole
    reference, then became a run of "missing" frames; ``blank_stretches=False`` keeps that
    rule, for the benchmark's comparison.)"""
    typical = best_cost[steady] if steady.sum() >= max(1, 0.1 * len(steady)) else best_cost
    base = float(np.clip(2.0 * np.percentile(typical, 90), 0.12, 0.5))
    if not blank_stretches:
        below, at_most = LEGACY_GAP_RULE
        fair = steady & (best_cost < below)
        return np.where(fair, np.clip(best_cost + 0.1, base, at_most), base)
    return np.where(steady, np.maximum(best_cost + 0.1, base), base)


@dataclass
class SearchPath:
    start: np.ndarray  # (S,) first unit of each scan frame, -1 unmatched
    step_in: np.ndarray  # (S,) step that led to it (0: jump/start/after a gap)
    score: float


def step_penalties(mode: str, st: SyncSettings) -> np.ndarray:
    """[arrival step of the previous frame 0..4] × [step 1..4] penalties of a cadence:
    "free" (2 or 3 fields alike), "telecine" (3:2 alternation) or "progressive" (2)."""
    pen = np.zeros((5, 4))
    if mode == "free":
        pen[:, :] = [st.orphan_field, 0.0, 0.0, st.repeat]
    elif mode == "telecine":
        pen[:, :] = [st.orphan_field, 0.0, 0.0, st.orphan_field + st.repeat]
        pen[2, 1] = st.cadence_break  # 2 after 2
        pen[3, 2] = st.cadence_break  # 3 after 3
    else:
        pen[:, :] = [st.orphan_field, 0.0, st.cadence_break, st.repeat]
    return pen


@dataclass
class _Beam:
    """States of one scan frame: unit (first field; for a gap the expected one), gap flag,
    arrival step, accumulated cost, frames since the path's last jump."""

    j: np.ndarray
    g: np.ndarray
    p: np.ndarray
    score: np.ndarray
    age: np.ndarray


@dataclass
class _Expansion:
    """Every successor of a beam (before merging): the same fields as :class:`_Beam` plus
    the index of its source state and whether it is a jump (or the fresh gap state)."""

    j: np.ndarray
    g: np.ndarray
    p: np.ndarray
    score: np.ndarray
    src: np.ndarray
    jump: np.ndarray
    age: np.ndarray


def _costs(beam: _Beam, src_m: np.ndarray, x: np.ndarray, units: Units) -> np.ndarray:
    """(matched states, 4): mean match cost of taking 1..4 fields from each state's unit."""
    idx = beam.j[src_m][:, None] + _AR4
    sims = units.take(idx.ravel()).reshape(len(src_m), 4, -1) @ x
    costs = np.cumsum(1.0 - sims, axis=1) / _DIV
    costs[idx >= units.count] = _BIG  # past the end (idx rises along a row, so the tail too)
    return costs


def _expand(
    beam: _Beam,
    costs: np.ndarray,
    src_m: np.ndarray,
    src_g: np.ndarray,
    gap: float,
    targets: np.ndarray,
    pen: np.ndarray,
    st: SyncSettings,
) -> _Expansion:
    """Successors: matched → matched (steps 1..4) or → gap; gap → gap or → matched at the
    expected unit; a jump to every target, and a fresh gap, from the cheapest way to close
    the previous frame."""
    jm, sm, sg = beam.j[src_m], beam.score[src_m], beam.score[src_g]
    close = np.minimum(costs[:, 1], costs[:, 0] + 0.2)
    nm, ng, C = len(src_m), len(src_g), len(targets)
    jg = beam.j[src_g]
    if nm and (not ng or (sm + close).min() <= (sg + gap).min()):
        k = int(np.argmin(sm + close))
        origin, origin_src = float(sm[k] + close[k]), int(src_m[k])
    else:
        k = int(np.argmin(sg))
        origin, origin_src = float(sg[k] + gap), int(src_g[k])
    j = np.concatenate([(jm[:, None] + _STEPS).ravel(), jm + 2, jg, jg, targets, [-1]])
    g = np.concatenate(
        [np.zeros(4 * nm, bool), np.ones(nm + ng, bool), np.zeros(ng + C, bool), [True]]
    )
    p = np.concatenate([np.tile(_STEPS, nm), np.zeros(nm + 2 * ng + C + 1, np.int64)])
    score = np.concatenate(
        [
            (sm[:, None] + costs + pen[beam.p[src_m]]).ravel(),
            sm + close,
            sg + gap,
            sg + gap,
            np.full(C, origin + st.jump),
            [origin],
        ]
    )
    src = np.concatenate(
        [np.repeat(src_m, 4), src_m, src_g, src_g, np.full(C + 1, origin_src, np.int64)]
    )
    jump = np.zeros(len(j), bool)
    jump[len(j) - C - 1 :] = True
    age = np.where(jump, 0, beam.age[src] + 1)
    return _Expansion(j, g, p, score, src, jump, age)


def _prune(
    e: _Expansion, count: int, keep_step: bool, st: SyncSettings, horizon: int
) -> np.ndarray:
    """Indices of the successors kept: one per distinct state (the cheapest), then the best
    ``beam``, every jump target and the best gap states (both pay their cost at once and
    would otherwise lose their place to continuations that pay theirs later), and the best
    matched states of paths that jumped less than ``horizon`` frames ago (a jump is paid at
    once, so for a while its path costs more than gap states that pay as they go: where
    those fill the beam, the jump's path would be dropped every frame and a shot the
    reference has left "missing"). The arrival step is part of a state only under the 3:2
    prior; elsewhere one state per position keeps the beam diverse."""
    valid = np.flatnonzero((e.j < count) & (e.score < _BIG) & ((e.j >= 0) | e.g))
    j, g, p, s, age = e.j[valid], e.g[valid], e.p[valid], e.score[valid], e.age[valid]
    key = (j + 1) * 16 + g * 8
    if keep_step:
        key = key + ((p == 2) + 2 * (p == 3)) * (~g)
    order = np.lexsort((s, key))
    ks = key[order]
    first = np.empty(len(order), bool)
    first[:1] = True
    np.not_equal(ks[1:], ks[:-1], out=first[1:])
    sel = order[first]
    if len(sel) > st.beam:
        mark = np.zeros(len(valid), bool)
        mark[sel[np.argpartition(s[sel], st.beam - 1)[: st.beam]]] = True
        mark[sel[e.jump[valid][sel]]] = True
        held = sel[g[sel]]  # a dropped frame pays its gap now, like a jump
        if len(held) > st.gap_states:
            held = held[np.argpartition(s[held], st.gap_states - 1)[: st.gap_states]]
        mark[held] = True
        # a jump's path pays the jump at once; until it has had the frames to repay it
        # against a gap, its best states keep a place, like the jump itself
        young = sel[(~g[sel]) & (age[sel] < horizon)]
        if len(young) > st.gap_states:
            young = young[np.argpartition(s[young], st.gap_states - 1)[: st.gap_states]]
        mark[young] = True
        sel = np.flatnonzero(mark)
    return valid[sel]


def viterbi(
    zs: np.ndarray,
    units: Units,
    targets: np.ndarray,
    mode: str,
    gaps: np.ndarray,
    st: SyncSettings,
    progress: Optional[ProgressFn] = None,
) -> SearchPath:
    """Beam Viterbi over (scan frame, first field, arrival step | gap) states.

    ``zs``: (S, d) scan features; ``units``: the reference's; ``targets``: (S, C) jump
    targets per scan frame (units); ``gaps[i]``: the cost of leaving scan frame i unmatched;
    ``mode``: the cadence prior (:func:`step_penalties`)."""
    S = zs.shape[0]
    pen = step_penalties(mode, st)
    keep_step = mode == "telecine"
    n0 = targets.shape[1]
    beam = _Beam(
        np.concatenate([targets[0], [-1]]),
        np.arange(n0 + 1) == n0,
        np.zeros(n0 + 1, np.int64),
        np.zeros(n0 + 1),
        np.zeros(n0 + 1, np.int64),
    )
    # frames a jump's path needs to repay the jump against the cheapest gap
    horizon = int(np.ceil(st.jump / max(float(np.min(gaps)), 1e-3))) + 1
    back: List[Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for i in range(1, S + 1):
        src_m, src_g = np.flatnonzero(~beam.g), np.flatnonzero(beam.g)
        costs = _costs(beam, src_m, zs[i - 1], units)
        gap = float(gaps[i - 1])
        if i == S:  # terminal: close each state with its own cost
            end = np.full(len(beam.j), _BIG)
            last = np.minimum(costs[:, 1], costs[:, 2] if keep_step else costs[:, 0] + 0.2)
            end[src_m] = beam.score[src_m] + last
            end[src_g] = beam.score[src_g] + gap
            back.append(_compact(beam, np.full(len(beam.j), -1)))
            best = int(np.argmin(end))
            return _backtrack(back, best, S, float(end[best]))
        e = _expand(beam, costs, src_m, src_g, gap, targets[i], pen, st)
        sel = _prune(e, units.count, keep_step, st, horizon)
        back.append(_compact(beam, e.src[sel]))
        age = np.minimum(e.age[sel], horizon)
        beam = _Beam(e.j[sel], e.g[sel], e.p[sel], e.score[sel], age)
        if i % 1024 == 0:
            report(progress, i, S, "searching")
    raise AssertionError("unreachable")


def _compact(beam: _Beam, src: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What the backtrack needs of one frame, in the smallest types (units fit int32)."""
    return beam.j.astype(np.int32), beam.g.copy(), beam.p.astype(np.int8), src.astype(np.int32)


def _backtrack(back, best: int, S: int, score: float) -> SearchPath:
    start = np.full(S, -1, np.int64)
    step_in = np.zeros(S, np.int64)
    idx = best
    for i in range(S - 1, -1, -1):
        j, g, p, _ = back[i]
        if not g[idx]:
            start[i] = j[idx]
            step_in[i] = p[idx]
        if i > 0:
            idx = int(back[i - 1][3][idx])
    return SearchPath(start, step_in, score)
