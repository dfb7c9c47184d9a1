"""Sync two sequences of thumbnails: detect the field order and cadence, run the search,
estimate and correct the framing, and return the mapping (:func:`sync_sequences`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Tuple

import numpy as np

from ...errors import RTKError
from ...io.thumbnails import Thumbnails
from .features import analyse_fields, frame_features, search_features, top_candidates, unit_features
from .framing import describe_warp, estimate_framing, warp_thumbnails
from .result import SyncResult, build_result
from .search import gap_costs, viterbi
from .settings import SyncSettings


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
    zs = frame_features(scan.luma, fw, fh)
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
            zf = frame_features(reference.luma, fw, fh)
            zu = np.repeat(zf, 2, axis=0)
            cands = 2 * top_candidates(zs_search, search_features(zf, fh, fw), settings.candidates)
        else:
            if upper is None:
                zu_up = unit_features(reference, "upper", fw, fh)
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
            gap = gap_costs(best_cost, cands[np.arange(S), np.argmax(sims, axis=1)])
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
            p = viterbi(zs[window], zu, cands[window], "free", gap[window], settings)
            steps = p.step_in[p.step_in > 0]
            trials.append((p.score, o, float(np.mean(steps == 3)) if len(steps) else 0.0))
        _, order, frac3 = min(trials)
        mode = "telecine" if frac3 > 0.25 else "progressive"
    zu, cands, gap = prepared[order]
    path = viterbi(zs, zu, cands, mode, gap, settings)
    return build_result(
        scan, reference, zs, zu, path, order, mode, scan_fps, reference_fps, settings
    )
