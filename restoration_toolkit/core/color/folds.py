"""Cross-validation folds for a color fit: whole shots, whole frames, or spatial blocks.

Neighbouring pixels of one frame share their colors, so holding out random pixels would
reward a transform that memorises the training colors. Folds therefore hold out whole units:

- **shot**: pairs from several shots → leave one shot out (at most :data:`MAX_FOLDS` folds;
  with more shots, consecutive shots are grouped);
- **frame**: several frames of one shot → leave one frame out (grouped the same way beyond
  :data:`MAX_FOLDS` frames);
- **spatial**: a single frame → its :data:`.samples.BLOCKS` × ``BLOCKS`` blocks, the folds
  being the Latin-square diagonals (``(row + column) mod BLOCKS``), so every fold holds one
  block from every row and every column: regions of the frame the fit has not seen.

The same rule builds the *inner* folds used to choose smoothness and ridge weights on a
fold's training part only (:func:`inner_plan`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np

from .samples import BLOCKS, FitSamples

MAX_FOLDS = 5
INNER_FOLDS = 3
KINDS = ("shot", "frame", "spatial")


@dataclass
class FoldPlan:
    """``kind`` (shot / frame / spatial); per sample its unit label ``unit`` (N,); ``folds``:
    for each fold the unit labels it holds out; ``names``: a readable name per fold."""

    kind: str
    unit: np.ndarray
    folds: List[List[int]]
    names: List[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.folds)

    def held_out(self, k: int) -> np.ndarray:
        """Boolean (N,) mask of the samples fold ``k`` holds out."""
        return np.isin(self.unit, self.folds[k])

    def to_dict(self) -> dict:
        return {"kind": self.kind, "folds": list(self.names)}


def _group(labels: Sequence[int], k: int) -> List[List[int]]:
    """One fold per label when there are at most ``k``; else ``k`` runs of consecutive labels."""
    labels = list(labels)
    if len(labels) <= k:
        return [[v] for v in labels]
    return [list(map(int, part)) for part in np.array_split(np.asarray(labels), k)]


def _latin_folds(blocks: Sequence[int]) -> List[List[int]]:
    present = set(int(b) for b in blocks)
    folds = []
    for d in range(BLOCKS):
        fold = [r * BLOCKS + c for r in range(BLOCKS) for c in range(BLOCKS)
                if (r + c) % BLOCKS == d and r * BLOCKS + c in present]
        if fold:
            folds.append(fold)
    return folds


def plan_folds(
    samples: FitSamples,
    shots: Optional[Sequence[str]] = None,
    frames: Optional[Sequence[object]] = None,
) -> FoldPlan:
    """The outer folds for ``samples``. ``shots``: the shot of each pair (same order as the
    pairs; empty or None = unknown); ``frames``: a name per pair for the fold names."""
    n_pairs = int(samples.pair.max()) + 1 if len(samples) else 0
    names = [str(f) for f in frames] if frames is not None else [str(i) for i in range(n_pairs)]
    shot_of = list(shots) if shots is not None else []
    distinct = sorted({s for s in shot_of if s}, key=shot_of.index) if shot_of else []
    if len(distinct) >= 2 and all(shot_of):
        index = {s: i for i, s in enumerate(distinct)}
        unit = np.asarray([index[shot_of[p]] for p in samples.pair], np.int32)
        folds = _group(range(len(distinct)), MAX_FOLDS)
        return FoldPlan("shot", unit, folds, [
            "shot " + "+".join(distinct[u] for u in f) for f in folds])
    present = sorted(set(int(p) for p in np.unique(samples.pair)))
    if len(present) >= 2:
        folds = _group(present, MAX_FOLDS)
        return FoldPlan("frame", samples.pair.astype(np.int32), folds, [
            "frame " + "+".join(names[u] for u in f) for f in folds])
    folds = _latin_folds(np.unique(samples.block))
    return FoldPlan("spatial", samples.block.astype(np.int32), folds, [
        "blocks " + ",".join(str(b) for b in f) for f in folds])


def inner_plan(plan: FoldPlan, training: np.ndarray, block: np.ndarray) -> FoldPlan:
    """Folds over the training part only (``training``: boolean (N,); ``block``: every
    sample's spatial block), at most :data:`INNER_FOLDS` of them, for choosing weights
    without the held-out fold. A training part of one frame (or one shot) folds on blocks."""
    unit = plan.unit[training]
    units = sorted(set(int(u) for u in np.unique(unit)))
    if plan.kind == "spatial" or len(units) < 2:
        unit = np.asarray(block[training], np.int32)
        blocks = sorted(set(int(b) for b in np.unique(unit)))
        folds = [f for f in (blocks[i::INNER_FOLDS] for i in range(INNER_FOLDS)) if f]
        return FoldPlan("spatial", unit, folds, [str(f) for f in folds])
    folds = _group(units, INNER_FOLDS)
    return FoldPlan(plan.kind, unit, folds, [str(f) for f in folds])
