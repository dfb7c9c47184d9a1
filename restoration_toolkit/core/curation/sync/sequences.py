"""Sync two sequences of thumbnails: features, field order and cadence, the search, the
framing correction, and the mapping (:func:`sync_sequences`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Tuple

import numpy as np

from ...errors import RTKError
from ...io.thumbnails import Thumbnails
from ...progress import ProgressFn, report
from .candidates import candidates
from .features import analyse_fields, frame_features, search_features, tone_curve
from .framing import describe_warp, estimate_framing, warp_thumbnails
from .result import SyncResult, build_result
from .search import Units, gap_costs, viterbi
from .settings import SyncSettings

CHUNK = 4096


def sync_sequences(
    scan: Thumbnails,
    reference: Thumbnails,
    *,
    scan_fps: Optional[float] = None,
    reference_fps: Optional[float] = None,
    field_order: Optional[str] = None,
    settings: Optional[SyncSettings] = None,
    feature_size: Tuple[int, int] = (32, 24),
    progress: Optional[ProgressFn] = None,
) -> SyncResult:
    """Map every scan frame to the reference frame (or fields) that show it.

    ``scan``: thumbnails of the film scan. ``reference``: thumbnails of the reference with
    ``fields`` (for interlaced/telecined video; without fields it is treated as progressive).
    ``field_order``: "progressive", "upper", "lower" or None to detect. Raises RTKError when
    the reference is far shorter than the scan or has nothing in common with it.
    ``progress``: ``(done, total, message)`` as the search advances.

    A transfer is rarely framed like the scan, and in a pan a framing offset looks like a
    frame offset. So after a first pass the framing (affine: shift, scale, slight rotation)
    is estimated (:func:`estimate_framing`); when it is not negligible the reference
    thumbnails are resampled onto the scan's framing and the search runs again, up to
    ``settings.framing_passes`` times.
    """
    settings = settings or SyncSettings()
    args = (scan_fps, reference_fps, field_order, settings, feature_size, progress)
    result = _sync_once(scan, reference, *args)
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
        ).astype(np.float32)
        try:
            result = _sync_once(scan, warp_thumbnails(reference, guess), *args)
        except RTKError:
            break  # a worse framing guess: keep the mapping we have
        total = guess
    if total is None:
        return result
    return replace(
        result, explanation=result.explanation + f"; framing corrected ({describe_warp(total)})"
    )


@dataclass
class _Prepared:
    """One field order's reference features, candidate units and gap costs."""

    units: Units
    cands: np.ndarray
    gaps: np.ndarray

    @property
    def targets(self) -> np.ndarray:
        """Jump targets: a candidate unit, or the one or two fields before it."""
        t = self.cands[:, :, None] - np.arange(3)
        return np.clip(t.reshape(len(self.cands), -1), 0, self.units.count - 1)


def _orders(reference: Thumbnails, field_order: Optional[str]) -> List[str]:
    """Field orders to try: the one given, or what the combing measure says."""
    if field_order not in (None, "auto"):
        return [str(field_order)]
    fa = analyse_fields(reference)
    if fa.combing <= 0.15:
        return ["progressive"]
    if fa.upper_first >= 0.8 or fa.upper_first <= 0.2:  # the order is clear
        return ["upper" if fa.upper_first >= 0.8 else "lower"]
    return ["upper", "lower"]


def _reference_units(
    reference: Thumbnails, w: int, h: int, curve: Optional[np.ndarray], interlaced: bool
) -> Units:
    """The reference's features as units in upper-first order (or progressive)."""
    if not interlaced or reference.fields is None:
        return Units(frame_features(reference.luma, w, h, curve), shift=1)
    n = len(reference)
    rows = np.empty((2 * n, w * h), np.float32)
    rows[0::2] = frame_features(reference.fields[:, 0], w, h, curve)
    rows[1::2] = frame_features(reference.fields[:, 1], w, h, curve)
    return Units(rows)


def _prepare(
    zs: np.ndarray,
    zs_search: np.ndarray,
    units: Units,
    search_units: Units,
    rates: Tuple[float, ...],
    settings: SyncSettings,
    progress: Optional[ProgressFn],
) -> _Prepared:
    found = candidates(zs_search, search_units, settings.candidates, rates, progress)
    cands = found.units
    S = len(zs)
    best_cost = np.empty(S)
    for a in range(0, S, CHUNK):
        c = cands[a : a + CHUNK]
        rows = units.take(c.ravel()).reshape(*c.shape, -1)
        best_cost[a : a + CHUNK] = 1.0 - np.einsum("sd,skd->sk", zs[a : a + CHUNK], rows).max(1)
    if settings.gap is not None:
        gaps = np.full(S, settings.gap)
    else:
        gaps = gap_costs(best_cost, found.steady, settings.blank_stretches)
    return _Prepared(units, cands, gaps)


def _swapped(p: _Prepared) -> _Prepared:
    """The same fields, the two of each frame swapped (lower field first)."""
    return _Prepared(replace(p.units, swap=1), p.cands ^ 1, p.gaps)


def _cadence(
    zs: np.ndarray, prepared: Dict[str, _Prepared], settings: SyncSettings
) -> Tuple[str, str]:
    """(field order, mode) of an interlaced reference from a free pass (2 or 3 fields per
    film frame, no alternation prior) over a window of the reel: the cheaper field order,
    and the 3:2 prior when more than a quarter of its steps are 3 fields."""
    S = len(zs)
    a = max(0, S // 2 - settings.detect_window // 2)
    window = slice(a, min(S, a + settings.detect_window))
    trials = []
    for o, p in prepared.items():
        targets = p.targets[window]
        path = viterbi(zs[window], p.units, targets, "free", p.gaps[window], settings)
        steps = path.step_in[path.step_in > 0]
        trials.append((path.score, o, float(np.mean(steps == 3)) if len(steps) else 0.0))
    _, order, frac3 = min(trials)
    return order, ("telecine" if frac3 > 0.25 else "progressive")


def _sync_once(
    scan: Thumbnails,
    reference: Thumbnails,
    scan_fps: Optional[float],
    reference_fps: Optional[float],
    field_order: Optional[str],
    settings: SyncSettings,
    feature_size: Tuple[int, int],
    progress: Optional[ProgressFn] = None,
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
    global_ = settings.features == "global"
    zs = frame_features(scan.luma, fw, fh, tone_curve(scan.luma, fw, fh) if global_ else None)
    zs_search = search_features(zs, fh, fw)
    orders = _orders(reference, field_order)
    interlaced = orders != ["progressive"]
    curve = tone_curve(reference.luma, fw, fh) if global_ else None
    units = _reference_units(reference, fw, fh, curve, interlaced)
    search_units = replace(units, rows=search_features(units.rows, fh, fw))
    report(progress, 0, 1, "features")
    rates = (2.0, 2.5) if interlaced else (2.0,)
    base = _prepare(zs, zs_search, units, search_units, rates, settings, progress)
    prepared = {"upper" if interlaced else "progressive": base}
    if "lower" in orders:
        prepared["lower"] = _swapped(base)
    if "upper" not in orders and interlaced:
        prepared.pop("upper")
    if interlaced:
        order, mode = _cadence(zs, prepared, settings)
    else:
        order, mode = "progressive", "progressive"
    p = prepared[order]
    path = viterbi(zs, p.units, p.targets, mode, p.gaps, settings, progress)
    return build_result(
        scan, reference, zs, p.units, path, order, mode, scan_fps, reference_fps, settings
    )
