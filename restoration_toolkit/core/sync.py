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
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .errors import RTKError
from .thumbnails import Thumbnails

SEARCH_W, SEARCH_H = 16, 12
FIELD_NAMES = ("top", "bottom")


@dataclass(frozen=True)
class SyncSettings:
    """Costs of the search, in units of (1 − correlation).

    gap: cost of leaving a scan frame unmatched (None: from the data, 3 × the median best
    match cost, clamped to 0.12–0.5); jump: cost of a discontinuity; beam: states kept per
    frame; candidates: global nearest neighbours per scan frame; min_coverage: fraction of
    scan frames that must be found in the reference (else RTKError).
    """

    gap: Optional[float] = None
    jump: float = 1.0
    repeat: float = 0.15
    cadence_break: float = 0.12
    orphan_field: float = 0.3
    beam: int = 40
    candidates: int = 5
    min_coverage: float = 0.5
    detect_window: int = 800


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
            {"scan": m.scan, "reference": m.reference, "confidence": round(m.confidence, 4),
             "kind": m.kind, "fields": [list(f) for f in m.fields]}
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
    out = np.zeros((n, h, w), np.float32)
    for dy in range(a):
        for dx in range(b):
            out += images[:, dy::a, dx::b]
    return out / float(a * b)


def reference_units(ref: Thumbnails, order: str) -> np.ndarray:
    """Reference luminance per field in time order: (2R, h, w). ``order``: progressive
    (both units are the whole frame), upper or lower (field first in time)."""
    if order == "progressive" or ref.fields is None:
        return np.repeat(ref.luma, 2, axis=0)
    f = ref.fields if order == "upper" else ref.fields[:, ::-1]
    return f.reshape(-1, *f.shape[2:])


def combing_fraction(ref: Thumbnails) -> float:
    """Fraction of moving reference frames whose fields pair across the frame boundary
    better than within the frame (0 for progressive video, ~0.4 for 3:2 pulldown, ~1 for
    field-shifted video). Frames where the difference is within the noise are not counted."""
    if ref.fields is None or len(ref) < 3:
        return 0.0
    top = rank_features(pool(ref.fields[:, 0], 32, 24))
    bot = rank_features(pool(ref.fields[:, 1], 32, 24))
    within = np.einsum("ij,ij->i", top[1:], bot[1:])
    across = np.maximum(np.einsum("ij,ij->i", bot[:-1], top[1:]),  # upper field first
                        np.einsum("ij,ij->i", top[:-1], bot[1:]))  # lower field first
    diff = across - within
    decided = np.abs(diff) > 0.005
    if decided.sum() < max(3, 0.02 * len(diff)):
        return 0.0
    return float(np.mean(diff[decided] > 0))


def top_candidates(zs: np.ndarray, zu: np.ndarray, k: int, chunk: int = 2048) -> np.ndarray:
    """Indices (S, k) of the k most similar units for each scan frame (chunked matmul)."""
    k = min(k, zu.shape[0])
    out = np.empty((zs.shape[0], k), np.int64)
    for a in range(0, zs.shape[0], chunk):
        sims = zs[a:a + chunk] @ zu.T
        out[a:a + chunk] = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    return out


# -- the search ----------------------------------------------------------------------------

@dataclass
class _Path:
    start: np.ndarray  # (S,) first unit of each scan frame, -1 unmatched
    step_in: np.ndarray  # (S,) step that led to it (0: jump/start/after a gap)
    score: float


def _viterbi(zs: np.ndarray, zu: np.ndarray, cands: np.ndarray, mode: str, gap: float,
             st: SyncSettings) -> _Path:
    S, U = zs.shape[0], zu.shape[0]
    steps = np.array([1, 2, 3, 4])
    # step penalties [prev step 0..4] x [step 1..4]
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
    valid_pad = np.concatenate([np.ones(U, bool), np.zeros(4, bool)])

    # state arrays: unit j (-1: gap with unknown position), gap flag, arrival step
    def start_states(i: int):
        c = np.unique(np.clip(np.concatenate([cands[i] - d for d in (0, 1, 2)]), 0, U - 1))
        j = np.concatenate([c, [-1]])
        g = np.concatenate([np.zeros(len(c), bool), [True]])
        return j, g, np.zeros(len(j), np.int64), np.zeros(len(j))

    j, g, p, score = start_states(0)
    back: List[Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for i in range(1, S + 1):
        x = zs[i - 1]
        m = ~g
        jm, pm, sm = j[m], p[m], score[m]
        idx = jm[:, None] + np.arange(4)[None, :]
        sims = zpad[idx] @ x  # (n, 4)
        ok = valid_pad[idx]
        costs = np.cumsum(1.0 - sims, axis=1) / np.arange(1, 5)[None, :]
        costs = np.where(np.cumsum(~ok, axis=1) > 0, np.inf, costs)
        src_m = np.flatnonzero(m)
        if i == S:  # terminal: close each state with its own cost
            end_m = sm + np.minimum(costs[:, 1], costs[:, 2] if mode == "telecine" else np.inf)
            end_m = np.where(np.isfinite(end_m), end_m, sm + np.minimum(costs[:, 0], gap))
            finals = np.full(len(j), np.inf)
            finals[src_m] = end_m
            finals[g] = score[g] + gap
            back.append((j, g, p, np.full(len(j), -1)))
            best = int(np.argmin(finals))
            return _backtrack(back, best, S, float(finals[best]))
        # matched → matched with steps 1..4
        new_j = [(jm[:, None] + steps[None, :]).ravel()]
        new_g = [np.zeros(new_j[0].shape, bool)]
        new_p = [np.broadcast_to(steps, (len(jm), 4)).ravel()]
        new_s = [(sm[:, None] + costs + pen[np.minimum(pm, 4)]).ravel()]
        new_b = [np.repeat(src_m, 4)]
        # matched → gap (this frame matched, next one not), expected position after 2 fields
        close = np.minimum(costs[:, 1], np.where(np.isfinite(costs[:, 0]), costs[:, 0] + 0.2, np.inf))
        new_j.append(jm + 2)
        new_g.append(np.ones(len(jm), bool))
        new_p.append(np.zeros(len(jm), np.int64))
        new_s.append(sm + close)
        new_b.append(src_m)
        # gap → gap, gap → matched at the expected unit
        src_g = np.flatnonzero(g)
        jg = j[g]
        new_j += [jg, jg]
        new_g += [np.ones(len(jg), bool), np.zeros(len(jg), bool)]
        new_p += [np.zeros(len(jg), np.int64)] * 2
        new_s += [score[g] + gap] * 2
        new_b += [src_g, src_g]
        # jumps from the best way to close frame i-1
        closing = np.concatenate([sm + close, score[g] + gap])
        closing_src = np.concatenate([src_m, src_g])
        b = int(np.argmin(closing))
        origin, origin_src = float(closing[b]), int(closing_src[b])
        if i < S:
            c = np.unique(np.clip(np.concatenate([cands[i] - d for d in (0, 1, 2)]), 0, U - 1))
            new_j += [c, np.array([-1])]
            new_g += [np.zeros(len(c), bool), np.array([True])]
            new_p += [np.zeros(len(c), np.int64), np.zeros(1, np.int64)]
            new_s += [np.full(len(c), origin + st.jump), np.array([origin])]
            new_b += [np.full(len(c), origin_src), np.array([origin_src])]
        nj = np.concatenate(new_j)
        ng = np.concatenate(new_g)
        npp = np.concatenate(new_p)
        ns = np.concatenate(new_s)
        nb = np.concatenate(new_b)
        nz_jump = np.zeros(len(nj), bool)
        if i < S:
            nz_jump[len(nj) - len(c) - 1:] = True
        keep = (nj < U) & np.isfinite(ns) & ((nj >= 0) | ng)
        nj, ng, npp, ns, nb, nz_jump = nj[keep], ng[keep], npp[keep], ns[keep], nb[keep], nz_jump[keep]
        # merge identical states, keep the best B
        key = (nj + 1) * 16 + ng * 8 + np.where(ng, 0, npp)
        order = np.lexsort((ns, key))
        first = np.ones(len(order), bool)
        first[1:] = key[order][1:] != key[order][:-1]
        sel = order[first]
        if len(sel) > st.beam:
            # the best B states, and every jump target: a jump pays its cost at once and
            # would otherwise lose its place to continuations that pay theirs later
            top = sel[np.argpartition(ns[sel], st.beam - 1)[: st.beam]]
            jumps = sel[nz_jump[sel]]
            sel = np.union1d(top, jumps)
        back.append((j, g, p, nb[sel]))
        j, g, p, score = nj[sel], ng[sel], npp[sel], ns[sel]
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

def sync_sequences(scan: Thumbnails, reference: Thumbnails, *, scan_fps: Optional[float] = None,
                   reference_fps: Optional[float] = None, field_order: Optional[str] = None,
                   settings: SyncSettings = SyncSettings(),
                   feature_size: Tuple[int, int] = (32, 24)) -> SyncResult:
    """Map every scan frame to the reference frame (or fields) that show it.

    ``scan``: thumbnails of the film scan. ``reference``: thumbnails of the reference with
    ``fields`` (for interlaced/telecined video; without fields it is treated as progressive).
    ``field_order``: "progressive", "upper", "lower" or None to detect. Raises RTKError when
    the reference is far shorter than the scan or has nothing in common with it.
    """
    S, R = len(scan), len(reference)
    if S == 0 or R == 0:
        raise RTKError("empty sequence")
    if R < 0.5 * S:
        raise RTKError(f"reference is shorter than the scan ({R} frames against {S}): "
                       "give the whole reference, or only the scan frames it covers")
    fw, fh = feature_size
    zs = rank_features(pool(scan.luma, fw, fh))
    zs_search = rank_features(pool(scan.luma, SEARCH_W, SEARCH_H))
    if field_order in (None, "auto"):
        orders = ["upper", "lower"] if combing_fraction(reference) > 0.15 else ["progressive"]
    else:
        orders = [field_order]
    prepared = {}
    for order in orders:
        units = reference_units(reference, order)
        zu = rank_features(pool(units, fw, fh))
        zu_search = rank_features(pool(units, SEARCH_W, SEARCH_H))
        cands = top_candidates(zs_search, zu_search, settings.candidates)
        best_sim = np.max(np.einsum("sd,skd->sk", zs_search, zu_search[cands]), axis=1)
        gap = settings.gap if settings.gap is not None else float(
            np.clip(3.0 * np.median(1.0 - best_sim), 0.12, 0.5))
        prepared[order] = (zu, cands, gap)
    if orders == ["progressive"]:
        order, mode = "progressive", "progressive"
    else:
        # cadence and field order from a free pass (2 or 3 fields per film frame, no
        # alternation prior) over a window of the reel; then one pass with that prior.
        a = max(0, S // 2 - settings.detect_window // 2)
        window = slice(a, min(S, a + settings.detect_window))
        trials = []
        for o in orders:
            zu, cands, gap = prepared[o]
            p = _viterbi(zs[window], zu, cands[window], "free", gap, settings)
            steps = p.step_in[p.step_in > 0]
            trials.append((p.score, o, float(np.mean(steps == 3)) if len(steps) else 0.0))
        _, order, frac3 = min(trials)
        mode = "telecine" if frac3 > 0.25 else "progressive"
    zu, cands, gap = prepared[order]
    path = _viterbi(zs, zu, cands, mode, gap, settings)
    return _result(scan, reference, zs, zu, path, order, mode, scan_fps, reference_fps, settings)


def _result(scan: Thumbnails, ref: Thumbnails, zs: np.ndarray, zu: np.ndarray, path: _Path,
            order: str, mode: str, scan_fps, reference_fps, st: SyncSettings) -> SyncResult:
    S, U = len(scan), zu.shape[0]
    start, step_in = path.start, path.step_in
    second = {"upper": (0, 1), "lower": (1, 0), "progressive": (0, 1)}[order]
    mapping: List[FrameMatch] = []
    claimed = np.zeros(U, bool)
    for i in range(S):
        j = int(start[i])
        if j < 0:
            mapping.append(FrameMatch(int(scan.frames[i]), None, 0.0, "missing"))
            continue
        if i + 1 < S and step_in[i + 1] > 0:
            n = int(step_in[i + 1])
        elif mode == "telecine":
            n = 3 if step_in[i] == 2 else 2
        else:
            n = 2
        units = [u for u in range(j, min(j + n, U))]
        if not (i + 1 < S and step_in[i + 1] > 0):
            # before a gap, a jump or the end: take one more field if it still shows this
            # frame and no later frame starts there
            later = start[i + 1:]
            nxt = int(later[later >= 0][0]) if np.any(later >= 0) else U
            extra = units[-1] + 1
            if extra < min(U, nxt) and len(units) < 3:
                base = float(np.mean(zu[units] @ zs[i]))
                if float(zu[extra] @ zs[i]) >= base - 0.02:
                    units.append(extra)
        claimed[units] = True
        sim = float(np.mean(zu[units] @ zs[i]))
        frames_here = [u // 2 for u in units]
        clean = [k for k in sorted(set(frames_here)) if 2 * k in units and 2 * k + 1 in units]
        fields = tuple((int(ref.frames[u // 2]), FIELD_NAMES[second[u % 2]]) for u in units)
        conf = float(np.clip(sim, 0.0, 1.0))
        if clean:
            mapping.append(FrameMatch(int(scan.frames[i]), int(ref.frames[clean[0]]), conf, "clean", fields))
        else:
            mapping.append(FrameMatch(int(scan.frames[i]), None, conf, "fields", fields))
    # reference frames whose two fields show two different scan frames
    owner = np.full(U, -1, np.int64)
    for i, m in enumerate(mapping):
        if m.kind != "missing":
            j = int(start[i])
            for u in range(j, j + len(m.fields)):
                owner[u] = i
    mixed = tuple(int(ref.frames[k]) for k in range(U // 2)
                  if owner[2 * k] >= 0 and owner[2 * k + 1] >= 0 and owner[2 * k] != owner[2 * k + 1])
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
    offsets = Counter(int(m.reference) - int(round(slope_nominal * m.scan))
                      for m in mapping if m.reference is not None)
    if not offsets:  # field-shifted video: the frame of the first field
        offsets = Counter(int(m.fields[0][0]) - int(round(slope_nominal * m.scan))
                          for m in mapping if m.fields)
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
    repeated = int(np.sum(steps == 4))
    dropped = sum(1 for i in range(1, S - 1) if start[i] < 0 and start[i - 1] >= 0 and start[i + 1] >= 0)
    matched_fraction = len(matched) / S
    if not matched or matched_fraction < 0.05 or np.median([m.confidence for _, m in matched]) < 0.3:
        raise RTKError("scan and reference have nothing in common (no run of frames matches); "
                       "is this the right reference?")
    if matched_fraction < st.min_coverage:
        raise RTKError(f"only {matched_fraction:.0%} of the scan frames were found in the reference "
                       "(reference shorter than the scan, or another film?)")
    explanation = (f"{cadence}, field order {order}; {len(matched)}/{S} scan frames found, "
                   f"{sum(m.kind == 'clean' for m in mapping)} with a clean reference frame, "
                   f"{len(segments)} continuous segment(s), {repeated} repeated, {dropped} dropped")
    return SyncResult(tuple(mapping), cadence, order, slope, offset, speed, tuple(segments), mixed,
                      repeated, dropped, matched_fraction, explanation)


def _segment(scan: Thumbnails, ref: Thumbnails, mapping: Sequence[FrameMatch], a: int, b: int) -> SyncSegment:
    first = mapping[a].fields[0][0] if mapping[a].fields else -1
    last = mapping[b].fields[-1][0] if mapping[b].fields else -1
    return SyncSegment(int(scan.frames[a]), int(scan.frames[b]), int(first), int(last))
