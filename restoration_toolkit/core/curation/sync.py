"""Temporal sync: which reference frame shows the same film frame as each scan frame.

Content-based, never timecode. The scan is film, one image per frame; the reference is a
video transfer that may be 1:1 (24 fps, or PAL 25 fps: every film frame once, 4 % fast),
NTSC 3:2 pulldown (29.97 fps: fields A A B B B C C D D D — two of every five video frames
mix two film frames), interlaced with the field phase shifted (every video frame mixed), and
edited (shots missing from either side, dropped or repeated frames).

Method: the reference is split into *fields* (two per video frame, in time order) and each
scan frame is matched to the run of consecutive fields that shows it, by a Viterbi search
(dynamic programming with a beam) over

- a match cost: 1 − Spearman correlation between luminance thumbnails (rank-normalised, so
  any monotonic grade, log vs video encoding or brightness change costs nothing);
- step costs: how many fields a film frame occupies (2 for 1:1 and PAL, alternating 2/3 for
  3:2 pulldown, 4 for a repeated frame, 1 for an orphan field at a video edit);
- a gap cost for a scan frame with no reference (dropped frames, censored shots), and a jump
  cost for a discontinuity (a shot missing from the scan, another cut), jump targets coming
  from a global nearest-neighbour search on 16×12 thumbnails.

The cadence (1:1 or 3:2) and the field order are detected first (combing measure, then the
step histogram of a first pass) and the search is re-run with that cadence's prior, so
static shots follow the cadence instead of noise. A scan frame is then *clean* when both
fields of one reference frame show it (that frame is its pair), *fields* when it exists only
as fields of two mixed video frames (recoverable by weaving them, never paired as is), or
*missing*. Confidence is the similarity of its fields (0–1).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..errors import RTKError
from ..io.thumbnails import Thumbnails

SEARCH_W, SEARCH_H = 16, 12
FIELD_NAMES = ("top", "bottom")


@dataclass(frozen=True)
class SyncSettings:
    """Costs of the search, in units of (1 − correlation).

    gap: cost of leaving a scan frame unmatched (None: from the data, see ``_gap_costs``); jump: cost of a discontinuity; beam: states kept per
    frame; candidates: global nearest neighbours per scan frame; min_coverage: fraction of
    scan frames that must be found in the reference (else RTKError).
    """

    gap: Optional[float] = None
    jump: float = 1.0
    repeat: float = 0.15
    cadence_break: float = 0.12
    orphan_field: float = 0.3
    beam: int = 64
    candidates: int = 5
    min_coverage: float = 0.5
    detect_window: int = 300
    framing_passes: int = 4
    gap_states: int = 8


@dataclass(frozen=True)
class FrameMatch:
    """One scan frame: its clean reference frame (or None) and the reference fields that
    show it (``(reference frame, "top" | "bottom")`` in time order)."""

    scan: int
    reference: Optional[int]
    confidence: float
    kind: str  # "clean" | "fields" | "missing"
    fields: Tuple[Tuple[int, str], ...] = ()


@dataclass(frozen=True)
class SyncSegment:
    """A run of scan frames that follow each other in the reference without a break."""

    scan_first: int
    scan_last: int
    reference_first: int
    reference_last: int


@dataclass(frozen=True)
class SyncResult:
    mapping: Tuple[FrameMatch, ...]
    cadence: str  # "1:1", "3:2 pulldown", "2:2 field-shifted"
    field_order: str  # "progressive", "upper", "lower"
    slope: float  # reference frames per scan frame (1.0, 1.25)
    offset: Optional[int]  # most common reference − round(slope × scan) over clean frames
    speed: Optional[float]  # reference playback speed vs the film (1.0417 for PAL)
    segments: Tuple[SyncSegment, ...]
    mixed_reference_frames: Tuple[int, ...]
    repeated: int
    dropped: int
    matched_fraction: float
    explanation: str = ""

    def match(self, scan_frame: int) -> FrameMatch:
        for m in self.mapping:
            if m.scan == scan_frame:
                return m
        raise KeyError(scan_frame)

    def as_dict(self) -> Dict[str, object]:
        d = asdict(self)
        d["mapping"] = [
            {
                "scan": m.scan,
                "reference": m.reference,
                "confidence": round(m.confidence, 4),
                "kind": m.kind,
                "fields": [list(f) for f in m.fields],
            }
            for m in self.mapping
        ]
        return d


# -- features ------------------------------------------------------------------------------


def rank_features(images: np.ndarray) -> np.ndarray:
    """(N, h, w) luminance → (N, h·w) zero-mean unit-norm rank vectors (float32).

    The dot product of two rows is the Spearman correlation of the two thumbnails: invariant
    to any monotonic change of tone (grade, gamma, log vs video, exposure)."""
    x = np.asarray(images, np.float32).reshape(len(images), -1)
    order = np.argsort(x, axis=1)
    ranks = np.empty(x.shape, np.float32)
    np.put_along_axis(ranks, order, np.arange(x.shape[1], dtype=np.float32)[None, :], axis=1)
    ranks -= (x.shape[1] - 1) / 2.0
    ranks /= np.linalg.norm(ranks, axis=1, keepdims=True) + 1e-9
    return ranks


def pool(images: np.ndarray, w: int, h: int) -> np.ndarray:
    """(N, H, W) → (N, h, w) by block averaging (H, W multiples of h, w)."""
    n, hh, ww = images.shape
    a, b = hh // h, ww // w
    if a == 1 and b == 1:
        return np.asarray(images, np.float32)
    # one call on the stacked frames: with whole-number factors INTER_AREA averages exactly
    # the a×b blocks, which never straddle two frames
    stacked = np.ascontiguousarray(images, np.float32).reshape(n * hh, ww)
    return cv2.resize(stacked, (w, n * h), interpolation=cv2.INTER_AREA).reshape(n, h, w)


def reference_units(ref: Thumbnails, order: str) -> np.ndarray:
    """Reference luminance per field in time order: (2R, h, w). ``order``: progressive
    (both units are the whole frame), upper or lower (field first in time)."""
    if order == "progressive" or ref.fields is None:
        return np.repeat(ref.luma, 2, axis=0)
    f = ref.fields if order == "upper" else ref.fields[:, ::-1]
    return f.reshape(-1, *f.shape[2:])


@dataclass(frozen=True)
class FieldAnalysis:
    """combing: fraction of moving reference frames whose fields pair across the frame
    boundary better than within the frame (0 progressive, ~0.5 3:2 pulldown, ~1 field-shifted
    video); upper_first: fraction of those where the pairing says upper field first."""

    combing: float
    upper_first: float


def analyse_fields(ref: Thumbnails) -> FieldAnalysis:
    """Combing and field order from the reference's field thumbnails (frames where the
    difference is within the noise are not counted)."""
    if ref.fields is None or len(ref) < 3:
        return FieldAnalysis(0.0, 0.5)
    top = rank_features(pool(ref.fields[:, 0], 16, 12))
    bot = rank_features(pool(ref.fields[:, 1], 16, 12))
    within = np.einsum("ij,ij->i", top[1:], bot[1:])
    upper = np.einsum("ij,ij->i", bot[:-1], top[1:])  # previous bottom with this top
    lower = np.einsum("ij,ij->i", top[:-1], bot[1:])  # previous top with this bottom
    diff = np.maximum(upper, lower) - within
    decided = np.abs(diff) > 0.005
    if decided.sum() < max(3, 0.02 * len(diff)):
        return FieldAnalysis(0.0, 0.5)
    combed = decided & (diff > 0)
    return FieldAnalysis(
        float(np.mean(diff[decided] > 0)),
        float(np.mean(upper[combed] > lower[combed])) if combed.any() else 0.5,
    )


def search_features(z: np.ndarray, h: int, w: int) -> np.ndarray:
    """Coarse (h/2 × w/2) unit vectors from rank features of an h × w thumbnail: the global
    nearest-neighbour search runs on these (4× fewer numbers)."""
    coarse = pool(z.reshape(len(z), h, w), w // 2, h // 2).reshape(len(z), -1)
    coarse = coarse - coarse.mean(axis=1, keepdims=True)
    return (coarse / (np.linalg.norm(coarse, axis=1, keepdims=True) + 1e-9)).astype(np.float32)


def top_candidates(zs: np.ndarray, zu: np.ndarray, k: int, chunk: int = 2048) -> np.ndarray:
    """Indices (S, k) of the k most similar units for each scan frame (chunked matmul)."""
    k = min(k, zu.shape[0])
    out = np.empty((zs.shape[0], k), np.int64)
    for a in range(0, zs.shape[0], chunk):
        sims = zs[a : a + chunk] @ zu.T
        out[a : a + chunk] = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    return out


# -- the search ----------------------------------------------------------------------------


@dataclass
class _Path:
    start: np.ndarray  # (S,) first unit of each scan frame, -1 unmatched
    step_in: np.ndarray  # (S,) step that led to it (0: jump/start/after a gap)
    score: float


def _viterbi(
    zs: np.ndarray, zu: np.ndarray, cands: np.ndarray, mode: str, gaps: np.ndarray, st: SyncSettings
) -> _Path:
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


def _backtrack(back, best: int, S: int, score: float) -> _Path:
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
    return _Path(start, step_in, score)


# -- public entry ----------------------------------------------------------------------------


def _gap_costs(best_cost: np.ndarray, best_unit: np.ndarray) -> np.ndarray:
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


def sync_sequences(
    scan: Thumbnails,
    reference: Thumbnails,
    *,
    scan_fps: Optional[float] = None,
    reference_fps: Optional[float] = None,
    field_order: Optional[str] = None,
    settings: Optional[SyncSettings] = None,
    feature_size: Tuple[int, int] = (32, 24),
) -> SyncResult:
    """Map every scan frame to the reference frame (or fields) that show it.

    ``scan``: thumbnails of the film scan. ``reference``: thumbnails of the reference with
    ``fields`` (for interlaced/telecined video; without fields it is treated as progressive).
    ``field_order``: "progressive", "upper", "lower" or None to detect. Raises RTKError when
    the reference is far shorter than the scan or has nothing in common with it.

    A transfer is rarely framed like the scan, and in a pan a framing offset looks like a
    frame offset. So after a first pass the framing (affine: shift, scale, slight rotation)
    is estimated (:func:`estimate_framing`); when it is not negligible the reference
    thumbnails are resampled onto the scan's framing and the search runs again, up to
    ``settings.framing_passes`` times.
    """
    settings = settings or SyncSettings()
    result = _sync_once(
        scan, reference, scan_fps, reference_fps, field_order, settings, feature_size
    )
    total: Optional[np.ndarray] = None
    for _ in range(settings.framing_passes):
        current = warp_thumbnails(reference, total) if total is not None else reference
        warp = estimate_framing(scan, current, result)
        if warp is None:
            break
        guess = (
            warp
            if total is None
            else (np.vstack([total, [0, 0, 1]]) @ np.vstack([warp, [0, 0, 1]]))[:2]
        )
        guess = guess.astype(np.float32)
        try:
            result = _sync_once(
                scan,
                warp_thumbnails(reference, guess),
                scan_fps,
                reference_fps,
                field_order,
                settings,
                feature_size,
            )
        except RTKError:
            break  # a worse framing guess: keep the mapping we have
        total = guess
    if total is None:
        return result
    return replace(
        result, explanation=result.explanation + f"; framing corrected ({describe_warp(total)})"
    )


def estimate_framing(
    scan: Thumbnails,
    reference: Thumbnails,
    result: SyncResult,
    run: int = 24,
    shifts: int = 3,
    max_runs: int = 16,
) -> Optional[np.ndarray]:
    """The affine (2×3, thumbnail pixels) taking scan thumbnail coordinates to reference
    ones, or None when it moves no point by more than a fifth of a thumbnail pixel.

    In a pan or a zoom a framing difference and a mapping a few frames off look alike, so
    the framing is fitted jointly over many runs of ``run`` matched frames: for every run
    and every time shift up to ``shifts`` frames, an ECC fit of the run's averages gives a
    candidate; the candidate that explains all runs best (each at its own best shift) wins.
    The shared framing is what the runs agree on; each run's own motion is not."""
    idx_s, idx_r = [], []
    for i, m in enumerate(result.mapping):
        if m.kind == "clean" and m.confidence > 0.3:
            idx_s.append(i)
            idx_r.append(reference.index_of(int(m.reference)))
    R = len(reference)
    runs = []
    starts = list(range(0, len(idx_s) - run + 1, run))
    if len(starts) > max_runs:  # evenly spread over the reel
        starts = [starts[int(round(t))] for t in np.linspace(0, len(starts) - 1, max_runs)]
    for k in starts:
        a = _ranked(scan.luma[idx_s[k : k + run]].mean(axis=0))
        refs = {}
        for d in range(-shifts, shifts + 1):
            rr = np.clip(np.array(idx_r[k : k + run]) + d, 0, R - 1)
            refs[d] = _ranked(reference.luma[rr].mean(axis=0))
        runs.append((a, refs))
    if len(runs) < 3:
        return None
    h, w = scan.luma.shape[1:]
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float32)

    def moves(warp: np.ndarray) -> float:
        return float(np.abs(corners @ warp.T - corners[:, :2]).max())

    def fit(a: np.ndarray, b: np.ndarray) -> Optional[np.ndarray]:
        try:
            criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 40, 1e-4)
            _, warp = cv2.findTransformECC(
                a, b, np.eye(2, 3, dtype=np.float32), cv2.MOTION_AFFINE, criteria, None, 1
            )
            return warp
        except cv2.error:
            return None

    # quick look first: runs as matched; when they agree the framing is the same, stop
    direct = [x for x in (fit(a, refs[0]) for a, refs in runs) if x is not None]
    if direct and moves(np.median(np.stack(direct), axis=0)) <= 0.1:
        return None
    candidates = [np.eye(2, 3, dtype=np.float32)] + direct
    for a, refs in runs:
        for d, b in refs.items():
            warp = fit(a, b) if d else None
            if warp is not None:
                candidates.append(warp)
    inner = (slice(3, h - 3), slice(3, w - 3))

    def score(warp: np.ndarray) -> float:
        total = 0.0
        for a, refs in runs:
            best = -1.0
            for b in refs.values():
                wb = cv2.warpAffine(
                    b,
                    warp,
                    (w, h),
                    flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                    borderMode=cv2.BORDER_REPLICATE,
                )
                x, y = a[inner].ravel() - a[inner].mean(), wb[inner].ravel() - wb[inner].mean()
                best = max(best, float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-9)))
            total += best
        return total

    scores = [score(c) for c in candidates]
    warp = candidates[int(np.argmax(scores))]
    return warp if moves(warp) > 0.2 else None


def _ranked(img: np.ndarray) -> np.ndarray:
    flat = img.ravel()
    out = np.empty(flat.size, np.float32)
    out[np.argsort(flat)] = np.arange(flat.size, dtype=np.float32) / flat.size
    return cv2.GaussianBlur(out.reshape(img.shape), (0, 0), 0.7)


def warp_thumbnails(t: Thumbnails, warp: np.ndarray) -> Thumbnails:
    """Reference thumbnails resampled onto the scan's framing (``warp`` from
    :func:`estimate_framing`); borders are filled by replication."""
    h, w = t.luma.shape[1:]

    def one(img: np.ndarray) -> np.ndarray:
        return cv2.warpAffine(
            img,
            warp,
            (w, h),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )

    luma = np.stack([one(x) for x in t.luma])
    fields = None
    if t.fields is not None:
        fields = np.stack([np.stack([one(x[0]), one(x[1])]) for x in t.fields])
    return Thumbnails(t.frames, luma, t.color, fields)


def describe_warp(warp: np.ndarray) -> str:
    scale = float(np.sqrt(abs(np.linalg.det(warp[:, :2]))))
    return f"shift {warp[0, 2]:+.2f}, {warp[1, 2]:+.2f} thumbnail px, scale {scale:.3f}"


def _sync_once(
    scan: Thumbnails,
    reference: Thumbnails,
    scan_fps: Optional[float],
    reference_fps: Optional[float],
    field_order: Optional[str],
    settings: SyncSettings,
    feature_size: Tuple[int, int],
) -> SyncResult:
    S, R = len(scan), len(reference)
    if S == 0 or R == 0:
        raise RTKError("empty sequence")
    if R < 0.5 * S:
        raise RTKError(
            f"reference is shorter than the scan ({R} frames against {S}): "
            "give the whole reference, or only the scan frames it covers"
        )
    fw, fh = feature_size
    zs = rank_features(pool(scan.luma, fw, fh))
    zs_search = search_features(zs, fh, fw)
    if field_order in (None, "auto"):
        fa = analyse_fields(reference)
        if fa.combing <= 0.15:
            orders = ["progressive"]
        elif fa.upper_first >= 0.8 or fa.upper_first <= 0.2:  # the order is clear
            orders = ["upper" if fa.upper_first >= 0.8 else "lower"]
        else:
            orders = ["upper", "lower"]
    else:
        orders = [field_order]
    prepared = {}
    upper = None  # (features, candidates) of the fields in upper-first order
    for order in orders:
        if order == "progressive" or reference.fields is None:
            zf = rank_features(pool(reference.luma, fw, fh))
            zu = np.repeat(zf, 2, axis=0)
            cands = 2 * top_candidates(zs_search, search_features(zf, fh, fw), settings.candidates)
        else:
            if upper is None:
                zu_up = rank_features(pool(reference_units(reference, "upper"), fw, fh))
                upper = (
                    zu_up,
                    top_candidates(zs_search, search_features(zu_up, fh, fw), settings.candidates),
                )
            if order == "upper":
                zu, cands = upper
            else:  # the same fields, the two of each frame swapped: unit 2k+f becomes 2k+1-f
                zu = upper[0].reshape(R, 2, -1)[:, ::-1].reshape(2 * R, -1)
                cands = upper[1] ^ 1
        sims = np.einsum("sd,skd->sk", zs, zu[cands])
        best_cost = 1.0 - np.max(sims, axis=1)
        if settings.gap is not None:
            gap = np.full(S, settings.gap)
        else:
            gap = _gap_costs(best_cost, cands[np.arange(S), np.argmax(sims, axis=1)])
        prepared[order] = (zu, cands, gap)
    if orders == ["progressive"]:
        order, mode = "progressive", "progressive"
    else:  # interlaced
        # cadence and field order from a free pass (2 or 3 fields per film frame, no
        # alternation prior) over a window of the reel; then one pass with that prior.
        a = max(0, S // 2 - settings.detect_window // 2)
        window = slice(a, min(S, a + settings.detect_window))
        trials = []
        for o in orders:
            zu, cands, gap = prepared[o]
            p = _viterbi(zs[window], zu, cands[window], "free", gap[window], settings)
            steps = p.step_in[p.step_in > 0]
            trials.append((p.score, o, float(np.mean(steps == 3)) if len(steps) else 0.0))
        _, order, frac3 = min(trials)
        mode = "telecine" if frac3 > 0.25 else "progressive"
    zu, cands, gap = prepared[order]
    path = _viterbi(zs, zu, cands, mode, gap, settings)
    return _result(scan, reference, zs, zu, path, order, mode, scan_fps, reference_fps, settings)


def _result(
    scan: Thumbnails,
    ref: Thumbnails,
    zs: np.ndarray,
    zu: np.ndarray,
    path: _Path,
    order: str,
    mode: str,
    scan_fps,
    reference_fps,
    st: SyncSettings,
) -> SyncResult:
    S, U = len(scan), zu.shape[0]
    start, step_in = path.start, path.step_in
    second = {"upper": (0, 1), "lower": (1, 0), "progressive": (0, 1)}[order]
    # fields per frame: up to where the next frame starts, else the cadence's guess
    next_step = np.append(step_in[1:], 0)
    follows = next_step > 0
    n = np.where(follows, next_step, 2)
    if mode == "telecine":
        n = np.where(follows, n, np.where(step_in == 2, 3, 2))
    cols = np.clip(np.maximum(start, 0)[:, None] + np.arange(4)[None, :], 0, U - 1)
    sims4 = np.einsum("sd,skd->sk", zs, zu[cols])  # similarity to the next four fields
    # before a gap, a jump or the end: one more field if it still shows this frame and no
    # later frame starts there
    pos = np.where(start >= 0, np.arange(S), S)
    after = np.append(np.minimum.accumulate(pos[::-1])[::-1][1:], S)
    nxt = np.where(after < S, start[np.minimum(after, S - 1)], U)
    base = np.array([sims4[i, : n[i]].mean() for i in range(S)])
    extend = (
        (~follows)
        & (n < 3)
        & (start + n < np.minimum(U, nxt))
        & (sims4[np.arange(S), np.minimum(n, 3)] >= base - 0.02)
    )
    n = n + extend
    mapping: List[FrameMatch] = []
    for i in range(S):
        j = int(start[i])
        if j < 0:
            mapping.append(FrameMatch(int(scan.frames[i]), None, 0.0, "missing"))
            continue
        units = list(range(j, min(j + int(n[i]), U)))
        conf = float(np.clip(sims4[i, : len(units)].mean(), 0.0, 1.0))
        clean = [u // 2 for u in units if u % 2 == 0 and u + 1 in units]
        fields = tuple((int(ref.frames[u // 2]), FIELD_NAMES[second[u % 2]]) for u in units)
        if clean:
            mapping.append(
                FrameMatch(int(scan.frames[i]), int(ref.frames[clean[0]]), conf, "clean", fields)
            )
        else:
            mapping.append(FrameMatch(int(scan.frames[i]), None, conf, "fields", fields))
    # reference frames whose two fields show two different scan frames
    owner = np.full(U, -1, np.int64)
    for i, m in enumerate(mapping):
        if m.kind != "missing":
            j = int(start[i])
            for u in range(j, j + len(m.fields)):
                owner[u] = i
    mixed = tuple(
        int(ref.frames[k])
        for k in range(U // 2)
        if owner[2 * k] >= 0 and owner[2 * k + 1] >= 0 and owner[2 * k] != owner[2 * k + 1]
    )
    steps = step_in[step_in > 0]
    slope = float(np.mean(steps) / 2.0) if len(steps) else 1.0
    if mode == "telecine":
        slope_nominal, cadence = 1.25, "3:2 pulldown"
    elif order != "progressive":
        slope_nominal = 1.0
        cadence = "2:2 field-shifted" if mixed and len(mixed) > 0.5 * S else "1:1 interlaced"
    else:
        slope_nominal, cadence = 1.0, "1:1"
    matched = [(i, m) for i, m in enumerate(mapping) if m.kind != "missing"]
    offsets = Counter(
        int(m.reference) - int(round(slope_nominal * m.scan))
        for m in mapping
        if m.reference is not None
    )
    if not offsets:  # field-shifted video: the frame of the first field
        offsets = Counter(
            int(m.fields[0][0]) - int(round(slope_nominal * m.scan)) for m in mapping if m.fields
        )
    offset = offsets.most_common(1)[0][0] if offsets else None
    speed = None
    if scan_fps and reference_fps:
        speed = float(reference_fps / (slope_nominal * scan_fps))
    segments: List[SyncSegment] = []
    seg_start: Optional[int] = None
    for i in range(S):
        if start[i] >= 0 and (seg_start is None or step_in[i] == 0):
            if seg_start is not None:
                segments.append(_segment(scan, ref, mapping, seg_start, i - 1))
            seg_start = i
        elif start[i] < 0 and seg_start is not None:
            segments.append(_segment(scan, ref, mapping, seg_start, i - 1))
            seg_start = None
    if seg_start is not None:
        segments.append(_segment(scan, ref, mapping, seg_start, S - 1))
    both = (start[:-1] >= 0) & (start[1:] >= 0)
    delta = (start[1:] - start[:-1])[both]
    repeated = int(np.sum(steps == 4)) if mode == "telecine" else int(np.sum(delta == 4))
    dropped = sum(
        1 for i in range(1, S - 1) if start[i] < 0 and start[i - 1] >= 0 and start[i + 1] >= 0
    )
    matched_fraction = len(matched) / S
    if (
        not matched
        or matched_fraction < 0.05
        or np.median([m.confidence for _, m in matched]) < 0.3
    ):
        raise RTKError(
            "scan and reference have nothing in common (no run of frames matches); "
            "is this the right reference?"
        )
    if matched_fraction < st.min_coverage:
        raise RTKError(
            f"only {matched_fraction:.0%} of the scan frames were found in the reference "
            "(reference shorter than the scan, or another film?)"
        )
    explanation = (
        f"{cadence}, field order {order}; {len(matched)}/{S} scan frames found, "
        f"{sum(m.kind == 'clean' for m in mapping)} with a clean reference frame, "
        f"{len(segments)} continuous segment(s), {repeated} repeated, {dropped} dropped"
    )
    return SyncResult(
        tuple(mapping),
        cadence,
        order,
        slope,
        offset,
        speed,
        tuple(segments),
        mixed,
        repeated,
        dropped,
        matched_fraction,
        explanation,
    )


def _segment(
    scan: Thumbnails, ref: Thumbnails, mapping: Sequence[FrameMatch], a: int, b: int
) -> SyncSegment:
    first = mapping[a].fields[0][0] if mapping[a].fields else -1
    last = mapping[b].fields[-1][0] if mapping[b].fields else -1
    return SyncSegment(int(scan.frames[a]), int(scan.frames[b]), int(first), int(last))
