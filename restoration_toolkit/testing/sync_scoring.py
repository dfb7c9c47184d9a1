"""How a frame mapping is scored against the truth of a synthetic transfer (test material,
used by ``benchmarks/sync.py`` and the tests).

Scan frames fall in three classes by what the reference holds of them:

- *clean*: some reference frame shows the film frame in both fields. Every method can name
  a frame, so every method is scored here: right when it names that frame (the first
  such frame when the transfer repeats it).
- *field-only*: the film frame exists only as fields of video frames that mix two film
  frames (3:2 pulldown's C frames, field-shifted video). Only a method that can answer
  "no clean frame; these two fields" can be right; methods that only name frames are
  not scored here (they would score 0 by construction).
- *absent*: the reference does not have the film frame (a censored shot, a dropped
  frame): right when the method says it is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Set, Tuple

Fields = Tuple[Tuple[int, int], ...]


@dataclass(frozen=True)
class MappingScore:
    """Fractions right per class (None when the class is empty or, for field-only frames,
    the method cannot produce fields), their counts, and ``overall``: all frames, field-only
    ones counted wrong for a method without fields."""

    clean: Optional[float]
    field_only: Optional[float]
    absent: Optional[float]
    overall: float
    n_clean: int
    n_field_only: int
    n_absent: int


def expected(fl: Set[Tuple[int, int]]) -> Tuple[Optional[int], Fields]:
    """(clean reference frame or None, sorted fields) from the fields showing a film frame."""
    clean = sorted(k for k in {f for f, _ in fl} if (k, 0) in fl and (k, 1) in fl)
    return (clean[0] if clean else None), tuple(sorted(fl))


def score_mapping(
    truth: Sequence[Set[Tuple[int, int]]],
    references: Sequence[Optional[int]],
    fields: Optional[Sequence[Fields]] = None,
) -> MappingScore:
    """Score a mapping: ``references[i]`` is the reference frame index (0-based) named for
    scan frame i or None; ``fields[i]`` the sorted ``(frame, 0 top | 1 bottom)`` fields it
    names (None: the method cannot name fields)."""
    if len(references) != len(truth):
        raise ValueError(f"{len(references)} answers for {len(truth)} frames")
    right: List[List[bool]] = [[], [], []]
    for i, fl in enumerate(truth):
        ref, flds = expected(fl)
        got = references[i]
        if ref is not None:
            right[0].append(got == ref)
        elif flds:
            right[1].append(got is None and fields is not None and tuple(fields[i]) == flds)
        else:
            right[2].append(got is None)

    def frac(xs: List[bool]) -> Optional[float]:
        return sum(xs) / len(xs) if xs else None

    total = sum(map(sum, right))
    return MappingScore(
        frac(right[0]),
        frac(right[1]) if fields is not None else None,
        frac(right[2]),
        total / len(truth),
        len(right[0]),
        len(right[1]),
        len(right[2]),
    )
