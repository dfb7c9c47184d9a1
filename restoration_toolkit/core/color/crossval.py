"""Model choice by cross-validation on the user's own pairs.

Every candidate of :mod:`.candidates` is cross-validated on the same folds (:mod:`.folds`:
whole shots, whole frames, or spatial blocks of a single frame). Inside each fold the
candidate chooses its own weights on the training part only (:mod:`.estimators`), is fitted
there, and is scored on the held-out part in ΔE2000 (:mod:`.scoring`). The candidate with
the lowest mean held-out ΔE2000 is the best; candidates within one standard error of its
mean (over the folds; at least :data:`.candidates.TIE_TOLERANCE`) count as tied with it and
the simplest of them wins (the one-standard-error rule, :func:`choose_winner`).

Speed: the folds run on a subsample of at most ``cv_samples`` pixels (default
:data:`CV_SAMPLES`), drawn evenly from every unit (shot, frame or block) — enough for a few
hundred parameters per model, and the same pixels for every candidate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..errors import RTKError
from ..progress import ProgressFn
from .candidates import TIE_FLOOR, TIE_TOLERANCE, Candidate
from .estimators import Workspace, fit_candidate
from .folds import FoldPlan, inner_plan
from .samples import FitSamples
from .scoring import Scorer

CV_SAMPLES = 24_000
#: cross-validation fits its LUT candidates on a lattice this fine (scale-free weights)
CV_LATTICE = 17


@dataclass
class CandidateScore:
    """Cross-validated figures of one candidate: mean ΔE2000 per fold, their mean, the 95th
    percentile over every held-out sample, the weights each fold chose, seconds spent."""

    candidate: Candidate
    fold_means: List[float] = field(default_factory=list)
    fold_weights: List[Dict[str, Any]] = field(default_factory=list)
    cv_mean: float = float("inf")
    cv_p95: float = float("inf")
    seconds: float = 0.0
    error: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return {
            **self.candidate.to_dict(),
            "cv_de2000_mean": _num(self.cv_mean),
            "cv_de2000_p95": _num(self.cv_p95),
            "fold_de2000_mean": [_num(v) for v in self.fold_means],
            "fold_weights": self.fold_weights,
            "seconds": round(self.seconds, 2),
            **({"error": self.error} if self.error else {}),
        }


def _num(v: float) -> Any:
    return round(float(v), 4) if np.isfinite(v) else None


@dataclass
class Selection:
    """The outcome: the plan (folds), every candidate's score, the winner."""

    plan: FoldPlan
    scores: List[CandidateScore]
    winner: CandidateScore
    cv_samples: int
    lattice: int
    chroma_only: bool
    seconds: float = 0.0

    @property
    def best(self) -> CandidateScore:
        """The candidate with the lowest cross-validated mean (the winner is the simplest
        one tied with it)."""
        return min((s for s in self.scores if np.isfinite(s.cv_mean)), key=lambda s: s.cv_mean)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "winner": self.winner.candidate.name,
            "rule": "one standard error: every candidate whose cross-validated mean ΔE2000 "
            "is within one standard error (over the folds) of the lowest — and at least "
            f"within {TIE_TOLERANCE:.0%} or {TIE_FLOOR} ΔE2000 — ties with it, and the "
            "simplest tied candidate wins",
            "tie_limit_de2000": _num(tie_limit(self.best)),
            "best_cv_candidate": self.best.candidate.name,
            "folds": self.plan.to_dict(),
            "cv_samples": self.cv_samples,
            "cv_lut_size": self.lattice,
            "chroma_only": self.chroma_only,
            "seconds": round(self.seconds, 1),
            "candidates": [s.to_dict() for s in sorted(self.scores, key=lambda s: s.cv_mean)],
        }


def subsample(samples: FitSamples, unit: np.ndarray, n: int, seed: int = 0) -> FitSamples:
    """At most ``n`` samples, the same share from every unit label (seeded)."""
    if len(samples) <= n:
        return samples
    rng = np.random.default_rng(seed)
    labels = np.unique(unit)
    per = max(1, n // len(labels))
    keep = []
    for u in labels:
        idx = np.flatnonzero(unit == u)
        keep.append(idx if idx.size <= per else rng.choice(idx, per, replace=False))
    return samples.subset(np.sort(np.concatenate(keep)))


def standard_error(fold_means: Sequence[float]) -> float:
    """Standard error of a cross-validated mean: the folds' sample deviation / √folds (0 with
    fewer than two folds)."""
    v = np.asarray(fold_means, np.float64)
    return float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else 0.0


def tie_limit(best: CandidateScore, tolerance: float = TIE_TOLERANCE,
              floor: float = TIE_FLOOR) -> float:
    """The cross-validated mean up to which a candidate ties with ``best``: one standard error
    of the best candidate's mean (Breiman et al. 1984; Hastie, Tibshirani & Friedman, *The
    Elements of Statistical Learning*, §7.10), and never less than ``tolerance`` (relative) or
    ``floor`` (ΔE2000)."""
    m = best.cv_mean
    return max(m * (1.0 + tolerance), m + floor, m + standard_error(best.fold_means))


def choose_winner(scores: Sequence[CandidateScore], tolerance: float = TIE_TOLERANCE,
                  floor: float = TIE_FLOOR) -> CandidateScore:
    """The one-standard-error rule: among the candidates within :func:`tie_limit` of the
    lowest mean, the simplest. A model the folds cannot tell apart from a simpler one is
    not trusted on colors no pair shows (a new scene of the same film)."""
    finite = [s for s in scores if np.isfinite(s.cv_mean)]
    if not finite:
        raise RTKError("no candidate color model could be fitted on these pairs: "
                       + "; ".join(f"{s.candidate.name}: {s.error}" for s in scores if s.error))
    best = min(finite, key=lambda s: s.cv_mean)
    limit = tie_limit(best, tolerance, floor)
    tied = [s for s in finite if s.cv_mean <= limit]
    return min(tied, key=lambda s: (s.candidate.complexity, s.cv_mean))


def cross_validate(
    samples: FitSamples,
    candidates: Sequence[Candidate],
    plan: FoldPlan,
    scorer: Scorer,
    *,
    robust: str = "tukey",
    lattice: int = CV_LATTICE,
    progress: Optional[ProgressFn] = None,
) -> Selection:
    """Score every candidate on ``plan``'s folds of ``samples`` (see the module docstring)."""
    start = time.perf_counter()
    scores = [CandidateScore(c) for c in candidates]
    pooled: List[List[np.ndarray]] = [[] for _ in candidates]
    steps, done = len(plan) * len(candidates), 0
    for k in range(len(plan)):
        held = plan.held_out(k)
        if not held.any() or held.all():
            continue
        ws = Workspace(samples.subset(~held), robust, scorer)
        inner = inner_plan(plan, ~held, samples.block)
        test = samples.subset(held)
        for i, c in enumerate(candidates):
            t0 = time.perf_counter()
            try:
                model = fit_candidate(ws, c, inner, size=lattice)
                pred = model.apply(test.source[None])[0]
                de = scorer.errors(test.source, test.target, pred)
            except (RTKError, np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
                scores[i].error = str(exc).splitlines()[0][:200]
                de = None
            if de is not None:
                scores[i].fold_means.append(float(np.average(de, weights=np.maximum(
                    test.weight, 1e-12))))
                scores[i].fold_weights.append(model.figures.get("weights", {}))
                pooled[i].append(de)
            scores[i].seconds += time.perf_counter() - t0
            done += 1
            if progress:
                progress(done, steps, f"cross-validation {plan.names[k]}: {c.name}")
    for s, de in zip(scores, pooled):
        if s.error is None and de:
            s.cv_mean = float(np.mean(s.fold_means))
            s.cv_p95 = float(np.percentile(np.concatenate(de), 95))
        else:
            s.cv_mean = s.cv_p95 = float("inf")
    winner = choose_winner(scores)
    return Selection(plan, scores, winner, len(samples), lattice, scorer.chroma_only,
                     time.perf_counter() - start)
