"""The settings of the sync search (costs, beam, candidates, coverage)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class SyncSettings:
    """Costs of the search, in units of (1 − correlation).

    gap: cost of leaving a scan frame unmatched (None: from the data, see
    :func:`~.search.gap_costs`); jump: cost of a discontinuity; repeat: a film frame held for
    four fields; cadence_break: a 3:2 step out of its alternation; orphan_field: a film
    frame shown by one field only; beam: states kept per frame; candidates: global nearest
    neighbours per scan frame (jump targets); min_coverage: fraction of scan frames that
    must be found in the reference (else RTKError); detect_window: scan frames of the
    cadence-detection pass; framing_passes: at most this many reframed searches; gap_states:
    gap states always kept in the beam, and as many states of paths that jumped lately (see
    :func:`~.search._prune`).
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
    features: str = "global"
    blank_stretches: bool = True
