"""The sync search: a beam Viterbi over (scan frame, first reference field, arrival step |
gap) states, and the data-driven cost of leaving a scan frame unmatched.

Costs are in units of (1 − correlation); see :class:`SyncSettings` for their meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from .settings import SyncSettings


def gap_costs(best_cost: np.ndarray, best_unit: np.ndarray) -> np.ndarray:
    """Cost of leaving each scan frame unmatched: twice the typical worst match (90th
    percentile, clamped to 0.12–0.5); raised to 0.1 above the frame's own best match (at most
    0.6) where that match is fair (correlation > 0.5) and the best matches of neighbouring
    frames advance together through the reference — a noisy or textured shot that is there,
    not a missing one."""
    base = float(np.clip(2.0 * np.percentile(best_cost, 90), 0.12, 0.5))
    step = np.diff(best_unit)
    steady = np.zeros(len(best_unit), bool)
    ok = (step >= 1) & (step <= 4)
    steady[1:] |= ok
    steady[:-1] |= ok
    return np.where(steady & (best_cost < 0.5), np.clip(best_cost + 0.1, base, 0.6), base)


@dataclass
class SearchPath:
    start: np.ndarray  # (S,) first unit of each scan frame, -1 unmatched
    step_in: np.ndarray  # (S,) step that led to it (0: jump/start/after a gap)
    score: float


def viterbi(
    zs: np.ndarray, zu: np.ndarray, cands: np.ndarray, mode: str, gaps: np.ndarray, st: SyncSettings
) -> SearchPath:
    """Beam Viterbi over (scan frame, first field, arrival step | gap) states; ``gaps[i]``
    is the cost of leaving scan frame i unmatched."""
    S, U = zs.shape[0], zu.shape[0]
    # step penalties [arrival step of frame i-1: 0..4] x [step 1..4]
    pen = np.zeros((5, 4))
    if mode == "free":
        pen[:, :] = [st.orphan_field, 0.0, 0.0, st.repeat]
    elif mode == "telecine":
        pen[:, :] = [st.orphan_field, 0.0, 0.0, st.orphan_field + st.repeat]
        pen[2, 1] = st.cadence_break  # 2 after 2
        pen[3, 2] = st.cadence_break  # 3 after 3
    else:
        pen[:, :] = [st.orphan_field, 0.0, st.cadence_break, st.repeat]
    zpad = np.vstack([zu, np.zeros((4, zu.shape[1]), zu.dtype)])
    ar4 = np.arange(4)
    steps = ar4 + 1
    div = steps.astype(np.float64)
    # jump targets per frame: a top unit, or the one or two fields before it
    jump_units = np.clip((cands[:, :, None] - np.arange(3)[None, None, :]).reshape(S, -1), 0, U - 1)
    C = jump_units.shape[1]
    big = np.inf
    steps_tiled = np.tile(steps, 4 * (st.beam + C + 2))
    keep_step = mode == "telecine"

    j = np.concatenate([jump_units[0], [-1]])
    g = np.zeros(len(j), bool)
    g[-1] = True
    p = np.zeros(len(j), np.int64)
    score = np.zeros(len(j))
    back: List[Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for i in range(1, S + 1):
        x = zs[i - 1]
        gap = float(gaps[i - 1])
        src_m = np.flatnonzero(~g)
        src_g = np.flatnonzero(g)
        jm, sm = j[src_m], score[src_m]
        idx = jm[:, None] + ar4
        costs = np.cumsum(1.0 - zpad[idx] @ x, axis=1) / div
        costs[idx >= U] = big  # past the end (idx rises along a row, so the tail too)
        close = np.minimum(costs[:, 1], costs[:, 0] + 0.2)
        sg = score[src_g]
        if i == S:  # terminal: close each state with its own cost
            end = np.full(len(j), big)
            end[src_m] = sm + (
                np.minimum(costs[:, 1], costs[:, 2]) if mode == "telecine" else close
            )
            end[src_g] = sg + gap
            back.append((j, g, p, np.full(len(j), -1)))
            best = int(np.argmin(end))
            return _backtrack(back, best, S, float(end[best]))
        nm, ng_ = len(src_m), len(src_g)
        total = 5 * nm + 2 * ng_ + C + 1
        nj = np.empty(total, np.int64)
        ngap = np.zeros(total, bool)
        npp = np.zeros(total, np.int64)
        ns = np.empty(total)
        nb = np.empty(total, np.int64)
        e = 4 * nm
        # matched -> matched, steps 1..4
        nj[:e] = (jm[:, None] + steps).ravel()
        npp[:e] = steps_tiled[:e]
        ns[:e] = (sm[:, None] + costs + pen[p[src_m]]).ravel()
        nb[:e] = np.repeat(src_m, 4)
        # matched -> gap (next frame unmatched), expected position two fields on
        nj[e : e + nm] = jm + 2
        ngap[e : e + nm] = True
        ns[e : e + nm] = sm + close
        nb[e : e + nm] = src_m
        e += nm
        # gap -> gap, gap -> matched at the expected unit
        jg = j[src_g]
        nj[e : e + ng_] = jg
        ngap[e : e + ng_] = True
        nj[e + ng_ : e + 2 * ng_] = jg
        ns[e : e + ng_] = sg + gap
        ns[e + ng_ : e + 2 * ng_] = sg + gap
        nb[e : e + ng_] = src_g
        nb[e + ng_ : e + 2 * ng_] = src_g
        e += 2 * ng_
        # jumps from the cheapest way to close frame i-1
        if nm and (not ng_ or (sm + close).min() <= (sg + gap).min()):
            k = int(np.argmin(sm + close))
            origin, origin_src = float(sm[k] + close[k]), int(src_m[k])
        else:
            k = int(np.argmin(sg))
            origin, origin_src = float(sg[k] + gap), int(src_g[k])
        nj[e : e + C] = jump_units[i]
        ns[e : e + C] = origin + st.jump
        nj[e + C] = -1
        ngap[e + C] = True
        ns[e + C] = origin
        nb[e:] = origin_src
        keep = (nj < U) & (ns < big) & ((nj >= 0) | ngap)
        is_jump = np.zeros(total, bool)
        is_jump[e:] = True
        nj, ngap, npp, ns, nb, is_jump = (
            nj[keep],
            ngap[keep],
            npp[keep],
            ns[keep],
            nb[keep],
            is_jump[keep],
        )
        # merge identical states, keep the best B, every jump target and the best gap
        # states (both pay their cost at once and would otherwise lose their place to
        # continuations that pay theirs later)
        # (the arrival step only matters to the 3:2 cadence prior; elsewhere one state per
        # position keeps the beam diverse)
        key = (
            (nj + 1) * 16 + ngap * 8 + (((npp == 2) + 2 * (npp == 3)) * (~ngap) if keep_step else 0)
        )
        order = np.lexsort((ns, key))
        ks = key[order]
        first = np.empty(len(order), bool)
        first[0] = True
        np.not_equal(ks[1:], ks[:-1], out=first[1:])
        sel = order[first]
        if len(sel) > st.beam:
            mark = np.zeros(len(nj), bool)
            mark[sel[np.argpartition(ns[sel], st.beam - 1)[: st.beam]]] = True
            mark[sel[is_jump[sel]]] = True
            held = sel[ngap[sel]]  # a dropped frame pays its gap now, like a jump
            if len(held) > st.gap_states:
                held = held[np.argpartition(ns[held], st.gap_states - 1)[: st.gap_states]]
            mark[held] = True
            sel = np.flatnonzero(mark)
        back.append((j, g, p, nb[sel]))
        j, g, p, score = nj[sel], ngap[sel], npp[sel], ns[sel]
    raise AssertionError("unreachable")


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
