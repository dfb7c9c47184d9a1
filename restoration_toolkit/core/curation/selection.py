"""Which scan frames become training pairs — every pick explained, every rejection recorded.

Two ways to choose, both following Bedoya (2024):

- ``method`` (per shot): the paper's start — the first frame, two middles and the last frame
  of each shot (4 pairs) — and its escalation when training fails: insert midpoints
  between the picks (7), then midpoints in the four gaps whose ends differ most (11).
- ``coverage`` (per sequence, the sequence-level model first): N pairs spread over shots,
  brightness, color and content by greedy farthest-point (k-centre) selection on per-frame
  features; it leaves no region of the reel's look far from a training example, which
  uniform spacing does not guarantee.

A frame is not usable when it has no clean reference frame (missing, or only as fields of
field-mixed video frames), when the sync is unsure, when it is near a cut or inside a
dissolve, black, a title card, heavily damaged, blurred or in fast motion. A wanted frame
that is not usable is recorded with its reason and the nearest usable frame is taken
instead. An optional content check (same image after a quick alignment) runs on each
pick. Manual includes are always picked and manual excludes never — automation suggests,
people decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import numpy as np

from ..io.thumbnails import Thumbnails
from .content_check import ContentCheck
from .shots import ShotDetection, ShotInfo
from .sync import SyncResult, pool, rank_features
from .usability import SelectionSettings, Usability

ESCALATION = (4, 7, 11)


@dataclass(frozen=True)
class Pick:
    scan_frame: int
    reference_frame: Optional[int]
    shot: str
    reason: str
    confidence: float
    origin: str = "auto"


@dataclass(frozen=True)
class Reject:
    scan_frame: int
    reason: str
    reference_frame: Optional[int] = None


@dataclass(frozen=True)
class Selection:
    mode: str
    picks: Tuple[Pick, ...]
    rejected: Tuple[Reject, ...]
    holdout: Tuple[int, ...] = ()
    summary: str = ""
    unusable: Dict[str, int] = field(default_factory=dict)  # reason → number of frames


ContentChecker = Callable[[int, int], ContentCheck]


def content_features(
    thumbs: Thumbnails, shots: ShotDetection, content_weight: float = 0.5
) -> np.ndarray:
    """(N, 7) per-frame features for coverage: standardised brightness, Cb, Cr and four
    principal components of the 16×12 rank thumbnails (what is in the picture)."""
    base = shots.stats.features()[:, :3]
    z = rank_features(pool(thumbs.luma, 16, 12))
    z = z - z.mean(axis=0)
    if len(z) > 4:
        sample = z[:: max(1, len(z) // 4000)].astype(np.float64)
        _, vecs = np.linalg.eigh(sample.T @ sample)  # principal axes, largest last
        pcs = z @ vecs[:, -4:][:, ::-1].astype(np.float32)
        pcs = pcs / (pcs.std(axis=0) + 1e-9)
    else:
        pcs = np.zeros((len(z), 4), np.float32)
    return np.hstack([base, content_weight * pcs]).astype(np.float32)


def _nearest_usable(
    fr: Usability, want: int, lo: int, hi: int, taken: Set[int], excluded: Set[int]
) -> Optional[int]:
    for d in range(0, hi - lo + 1):
        for f in (want - d, want + d) if d else (want,):
            if lo <= f <= hi and f not in taken and f not in excluded and fr.usable(f):
                return f
    return None


def method_positions(
    first: int, last: int, count: int, features: Optional[Callable[[int], np.ndarray]] = None
) -> List[Tuple[int, str]]:
    """The paper's positions in a shot: 4 = begin, two middles, end; 7 = plus the midpoints
    between them; 11 = plus midpoints in the 4 gaps whose ends differ most (``features``)
    or are longest. Returns (frame, label) sorted by frame."""
    span = last - first
    base = [
        (first, "begin"),
        (first + round(span / 3), "middle 1"),
        (first + round(2 * span / 3), "middle 2"),
        (last, "end"),
    ]
    pos = base
    for target in ESCALATION[1:]:
        if count < target:
            break
        gaps = [(pos[k], pos[k + 1]) for k in range(len(pos) - 1)]
        if features is not None:
            ranked = sorted(
                gaps, key=lambda g: -float(np.linalg.norm(features(g[0][0]) - features(g[1][0])))
            )
        else:
            ranked = sorted(gaps, key=lambda g: -(g[1][0] - g[0][0]))
        need = target - len(pos)
        new = []
        for (a, la), (b, lb) in ranked[:need]:
            if b - a >= 2:
                new.append(((a + b) // 2, f"midpoint of {la} and {lb}"))
        pos = sorted(pos + new)
    return sorted(set(pos), key=lambda x: x[0])


def select_pairs(
    thumbs: Thumbnails,
    shots: ShotDetection,
    sync: Optional[SyncResult] = None,
    *,
    mode: str = "method",
    per_shot: int = 4,
    count: Optional[int] = None,
    include: Sequence[int] = (),
    exclude: Sequence[int] = (),
    holdout: int = 0,
    check: Optional[ContentChecker] = None,
    settings: Optional[SelectionSettings] = None,
) -> Selection:
    """Choose training pairs.

    ``mode``: "method" (``per_shot`` of 4, 7 or 11 per shot) or "coverage" (``count`` over
    the sequence). ``include``/``exclude``: scan frames a person forced in or out (they win).
    ``holdout``: frames kept back for validation, chosen by coverage among the usable rest.
    ``check(scan_frame, reference_frame)``: optional content check of each pick.
    """
    if mode not in ("method", "coverage"):
        raise ValueError(f"mode must be method or coverage, not {mode!r}")
    fr = Usability(thumbs, shots, sync, settings or SelectionSettings())
    excluded = set(int(f) for f in exclude)
    picks, rejected = _by_hand(fr, shots, include)
    taken: Set[int] = {p.scan_frame for p in picks}
    for f in sorted(excluded):
        rejected.append(Reject(f, "excluded by hand", fr.reference(f)))

    def accept(f: int, reason: str, shot: str) -> bool:
        ref = fr.reference(f)
        if check is not None and ref is not None:
            result = check(f, ref)
            if not result.ok:
                rejected.append(Reject(f, result.reason, ref))
                excluded.add(f)
                return False
            reason += f"; content check correlation {result.correlation:.2f}"
        picks.append(Pick(f, ref, shot, reason, fr.confidence(f), "auto"))
        taken.add(f)
        return True

    feats = content_features(thumbs, shots)
    if mode == "method":
        _method(fr, shots.shots, per_shot, feats, taken, excluded, rejected, accept)
    else:
        _coverage(
            fr,
            shots,
            int(count if count is not None else 4 * max(1, len(shots.shots))),
            feats,
            taken,
            excluded,
            rejected,
            accept,
        )
    hold: List[int] = []
    if holdout > 0:
        hold = _farthest(fr, feats, holdout, taken | excluded, seeds=sorted(taken))
    unusable = _unusable_counts(fr)
    picks.sort(key=lambda p: p.scan_frame)
    n_usable = sum(1 for f in fr.frames if fr.usable(f))
    summary = (
        f"{len(picks)} pairs ({sum(p.origin == 'manual' for p in picks)} by hand) from "
        f"{len(shots.shots)} shots, mode {mode}; {n_usable}/{len(fr.frames)} frames usable; "
        f"{len(rejected)} candidates rejected"
    )
    return Selection(mode, tuple(picks), tuple(rejected), tuple(hold), summary, unusable)


def _by_hand(
    fr: Usability, shots: ShotDetection, include: Sequence[int]
) -> Tuple[List[Pick], List[Reject]]:
    """The frames a person forced in (kept even when unusable, with a warning)."""
    picks: List[Pick] = []
    rejected: List[Reject] = []
    for f in sorted(set(int(x) for x in include)):
        if f not in fr.index:
            rejected.append(Reject(f, "included by hand but not a frame of the scan"))
            continue
        sh = shots.shot_of(f)
        note = f" (warning: {fr.why(f)})" if not fr.usable(f) else ""
        picks.append(
            Pick(
                f,
                fr.reference(f),
                sh.name if sh else "",
                "included by hand" + note,
                fr.confidence(f),
                "manual",
            )
        )
    return picks, rejected


def _unusable_counts(fr: Usability) -> Dict[str, int]:
    """How many frames each kind of problem made unusable."""
    unusable: Dict[str, int] = {}
    for p in fr.problems:
        for reason in p:
            key = reason.split(" (")[0].split(" at ")[0]
            key = "inside a dissolve" if key.startswith("inside dissolve") else key
            unusable[key] = unusable.get(key, 0) + 1
    return unusable


def _method(
    fr: Usability,
    shots: Sequence[ShotInfo],
    per_shot: int,
    feats: np.ndarray,
    taken: Set[int],
    excluded: Set[int],
    rejected: List[Reject],
    accept,
) -> None:
    if per_shot not in ESCALATION:
        raise ValueError(f"per_shot must be one of {ESCALATION}")
    for sh in shots:
        lo, hi = sh.first, sh.last

        def feat(f: int) -> np.ndarray:
            return feats[fr.index[f]]

        wanted = method_positions(lo, hi, per_shot, feat)
        have = [p for p in taken if lo <= p <= hi]
        for k, (want, label) in enumerate(wanted):
            if any(abs(h - want) <= 1 for h in have):
                continue  # a manual pick already stands here
            prev_w = wanted[k - 1][0] if k else lo
            next_w = wanted[k + 1][0] if k + 1 < len(wanted) else hi
            a = max(lo, (prev_w + want) // 2 + (1 if k else 0))
            b = min(hi, (want + next_w) // 2 - (1 if k + 1 < len(wanted) else 0))
            tried: List[int] = []
            while True:
                f = _nearest_usable(fr, want, a, b, taken, excluded | set(tried))
                if f is None and (a, b) != (lo, hi):
                    a, b = lo, hi  # nothing usable near the position: anywhere in the shot
                    continue
                if f is None:
                    rejected.append(
                        Reject(
                            want,
                            f"{sh.name} {label}: no usable frame between {a} and {b} "
                            f"({fr.why(want) or 'all candidates failed'})",
                            fr.reference(want),
                        )
                    )
                    break
                if f != want and want not in excluded and not tried:
                    rejected.append(
                        Reject(
                            want,
                            f"{sh.name} {label}: {fr.why(want) or 'taken'}",
                            fr.reference(want),
                        )
                    )
                reason = f"{sh.name} {label}" + (
                    f" (nearest usable to {want})" if f != want else ""
                )
                if accept(f, reason, sh.name):
                    break
                tried.append(f)


def _farthest(
    fr: Usability, feats: np.ndarray, n: int, banned: Set[int], seeds: Sequence[int]
) -> List[int]:
    cand = np.array(
        [i for i, f in enumerate(fr.frames) if fr.usable(f) and f not in banned], np.int64
    )
    if len(cand) == 0 or n <= 0:
        return []
    X = feats[cand]
    if seeds:
        S = feats[[fr.index[s] for s in seeds if s in fr.index]]
        dist = np.min(((X[:, None, :] - S[None, :, :]) ** 2).sum(-1), axis=1)
    else:
        dist = ((X - X.mean(axis=0)) ** 2).sum(1) * -1.0  # first pick: the most typical frame
        dist -= dist.min()
    out = []
    for _ in range(min(n, len(cand))):
        k = int(np.argmax(dist))
        out.append(fr.frames[cand[k]])
        dist = np.minimum(dist, ((X - X[k]) ** 2).sum(1))
        dist[k] = -1.0
    return out


def _coverage(
    fr: Usability,
    shots: ShotDetection,
    count: int,
    feats: np.ndarray,
    taken: Set[int],
    excluded: Set[int],
    rejected: List[Reject],
    accept,
) -> None:
    """Greedy k-centre: each new pick is the usable frame farthest (in feature space) from
    every pick so far; the first is the most typical frame when nothing was forced in."""
    cand = np.array(
        [i for i, f in enumerate(fr.frames) if fr.usable(f) and f not in excluded], np.int64
    )
    if len(cand) == 0:
        return
    X = feats[cand]
    dist = np.full(len(cand), np.inf)
    for f in taken:
        if f in fr.index:
            dist = np.minimum(dist, ((X - feats[fr.index[f]]) ** 2).sum(1))
    first = not taken
    alive = np.ones(len(cand), bool)
    for k, c in enumerate(cand):
        if fr.frames[c] in taken:
            alive[k] = False
    while len(taken) < count and alive.any():
        if first:
            k = int(np.argmin(np.where(alive, ((X - X[alive].mean(axis=0)) ** 2).sum(1), np.inf)))
            why = "coverage: the most typical frame of the reel (start)"
        else:
            k = int(np.argmax(np.where(alive, dist, -1.0)))
            dk = float(np.sqrt(dist[k]))
            why = (
                f"coverage: farthest from earlier picks (distance {dk:.2f} "
                "in brightness/color/content)"
            )
        alive[k] = False
        f = fr.frames[cand[k]]
        sh = shots.shot_of(f)
        s = shots.stats
        why += f"; brightness {s.brightness[cand[k]]:.3f}"
        if accept(f, why, sh.name if sh else ""):
            first = False
            dist = np.minimum(dist, ((X - X[k]) ** 2).sum(1))


def coverage_radius(feats: np.ndarray, candidates: Sequence[int], picks: Sequence[int]) -> float:
    """Largest feature distance from any candidate index to its nearest pick index — smaller
    means the picks span the feature space better."""
    X = feats[list(candidates)]
    P = feats[list(picks)]
    d = np.sqrt(((X[:, None, :] - P[None, :, :]) ** 2).sum(-1)).min(axis=1)
    return float(d.max())
