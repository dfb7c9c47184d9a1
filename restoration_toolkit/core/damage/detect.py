"""Damage detection for one frame: the float mask (1 = damaged) and the list of defects.

Evidence (see :mod:`.evidence`) is combined the way a restorer reads it:

- **spots** (dust, dirt, hairs), for each allowed sign (``polarity``: a print's dust is
  dark, a negative's bright): where both the aligned reference and the motion-compensated
  neighbours are there, a pixel must be darker (brighter) than *both* explain — the score is
  the smaller of the two σ values, so a moving object (the reference shows it), the
  reference's subtitles (the neighbours agree with the scan) and grain (neither) stay out.
  With only one source, that source and the scan's own local spike must agree;
- **scratches**: thin vertical lines that persist down the frame in the residual against
  the reference (or in the scan itself, then also present in a neighbouring frame);
- **stains**: broad color departures from the reference and/or the neighbours.

Each score goes through hysteresis (a defect must reach ``seed_sigma`` somewhere and
spreads over connected pixels above ``grow_sigma``). The thresholds are in σ of residuals
measured on the frame itself (:mod:`.noise`), so they carry over between films, gauges and
encodings; how their values were chosen is in ``notes/decisions-damage.md``.

The mask is 1 on the detected pixels grown by ``grow_px`` (the soft rim every real speck
has) and falls off below 0.5 over ``feather_px`` more, so ``mask >= 0.5`` is the detection
and a Keymix with the mask has no hard edge. ``reference_faults`` marks where the
reference disagrees with an undamaged scan (its own dirt, subtitles, compression,
misalignment): a ground truth must not be taken from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from scipy.ndimage import distance_transform_edt

from ..ycbcr import luminance
from . import evidence as ev
from .kinds import KINDS, Defect
from .motion import Warped, warp_neighbours
from .regions import describe_regions, hysteresis, keep_lines, keep_stains, line_width

POLARITIES = ("dark", "bright", "both")
MOVING_PX = 2.0  # a neighbour moved this much: a line that followed it is picture, not scratch


@dataclass(frozen=True)
class DetectionOptions:
    """Detection settings; thresholds in σ of the frame's own residuals."""

    polarity: str = "both"
    seed_sigma: float = 5.0
    grow_sigma: float = 3.0
    line_sigma: float = 5.0
    stain_sigma: float = 5.0
    spot_size: int = 81
    line_run: int = 31
    min_line_fraction: float = 0.25
    fit_radius: int = 40
    grow_px: int = 1
    feather_px: float = 2.0

    def signs(self) -> Tuple[str, ...]:
        if self.polarity not in POLARITIES:
            raise ValueError(f"polarity must be one of {POLARITIES}, got {self.polarity!r}")
        return ("dark", "bright") if self.polarity == "both" else (self.polarity,)


@dataclass(frozen=True)
class FrameDamage:
    """The result for one frame. ``mask`` float32 (H, W) in [0, 1]; ``sources``: the
    evidence that was available (``reference``, ``temporal``); ``kind_map`` (H, W) uint8:
    0 undamaged, else 1 + index in ``KINDS`` of the detected pixel's kind (before growing)."""

    mask: np.ndarray
    defects: Tuple[Defect, ...]
    reference_faults: Optional[np.ndarray]
    sources: Tuple[str, ...]
    kind_map: np.ndarray = field(repr=False, default=None)  # type: ignore[assignment]

    @property
    def binary(self) -> np.ndarray:
        return self.mask >= 0.5

    def counts(self) -> Dict[str, int]:
        return {k: sum(1 for d in self.defects if d.kind == k) for k in KINDS}

    def areas(self) -> Dict[str, int]:
        return {k: sum(d.area for d in self.defects if d.kind == k) for k in KINDS}

    def to_json(self) -> dict:
        return {
            "sources": list(self.sources),
            "damaged_fraction": round(float(self.binary.mean()), 6),
            "counts": self.counts(),
            "area_px": self.areas(),
            "reference_fault_fraction": None
            if self.reference_faults is None
            else round(float(self.reference_faults.mean()), 6),
            "defects": [d.to_json() for d in self.defects],
        }


@dataclass
class _Maps:
    y: np.ndarray
    ref: Optional[np.ndarray] = None  # signed reference evidence (σ)
    ref_y: Optional[np.ndarray] = None  # the reference's luminance
    blame: Dict[str, np.ndarray] = field(default_factory=dict)  # the reference's own doing
    dark: Optional[np.ndarray] = None  # temporal spike indices (σ), NaN: unknown
    bright: Optional[np.ndarray] = None
    spike: Dict[str, np.ndarray] = field(default_factory=dict)
    warped: List[Warped] = field(default_factory=list)


def _luma_warps(warped: List[Warped]) -> List[Warped]:
    return [
        Warped(w.offset, luminance(w.image[..., :3])[..., None], w.valid, w.flow) for w in warped
    ]  # luminance only: what the temporal evidence compares


def _temporal(maps: _Maps, frame, neighbours, suppress=None) -> None:
    maps.warped = warp_neighbours(frame, neighbours, suppress=suppress, previous=maps.warped)
    maps.dark, maps.bright = ev.temporal_evidence(maps.y, _luma_warps(maps.warped))


def _spot_score(maps: _Maps, sign: str) -> np.ndarray:
    spike = maps.spike[sign]
    ref = None if maps.ref is None else (-maps.ref if sign == "dark" else maps.ref)
    tmp = None if maps.dark is None else (maps.dark if sign == "dark" else maps.bright)
    if ref is not None:  # without neighbours: the scan must be the one that stands out
        alone = np.where(maps.blame[sign], 0.0, np.minimum(ref, spike))
    if ref is not None and tmp is not None:
        score = np.where(np.isnan(tmp), alone, np.minimum(ref, tmp))
    elif ref is not None:
        score = alone
    elif tmp is not None:
        score = np.minimum(np.nan_to_num(tmp, nan=0.0), spike)
    else:
        score = np.zeros_like(spike)
    return np.nan_to_num(score, nan=0.0).astype(np.float32)


def _spots(maps: _Maps, opts: DetectionOptions) -> Dict[str, np.ndarray]:
    return {
        s: hysteresis(_spot_score(maps, s), opts.grow_sigma, opts.seed_sigma) for s in opts.signs()
    }


def _lines(
    maps: _Maps, neighbours: Dict[int, np.ndarray], opts: DetectionOptions
) -> Tuple[np.ndarray, np.ndarray]:
    others: List[np.ndarray] = []
    if maps.ref is not None:
        z = ev.line_evidence(maps.ref, run=opts.line_run)
        content = ev.vertical_edges(maps.ref_y)
    else:
        z = ev.line_evidence(maps.y, run=opts.line_run)
        near = sorted(neighbours.items(), key=lambda kv: abs(kv[0]))[:2]
        others = [ev.line_evidence(luminance(n[..., :3]), run=opts.line_run) for _, n in near]
        votes = [
            (np.hypot(wp.flow[..., 0], wp.flow[..., 1]) >= MOVING_PX)
            & wp.valid
            & (
                np.abs(ev.line_evidence(luminance(wp.image[..., :3]), run=opts.line_run))
                >= opts.line_sigma
            )
            for wp in maps.warped
        ]  # a line that moved with the picture in a neighbour is the picture
        content = np.any(votes, axis=0) if votes else np.zeros(z.shape, bool)
    lines = line_width(keep_lines(z, others, opts, content), z, ev.across_residual(maps.y))
    return lines, z


def _stains(frame, reference, maps: _Maps, spots: np.ndarray, opts: DetectionOptions) -> np.ndarray:
    h, w = maps.y.shape
    keep = ~cv2.dilate(spots.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    sigma_px = max(2.0, min(h, w) / 100.0)
    scores = []
    if reference is not None:
        diff = frame[..., :3] - ev.global_color_fit(frame[..., :3], reference[..., :3], keep)
        scores.append(ev.stain_evidence(diff, sigma_px=sigma_px, keep=keep))
    per_neighbour = [
        ev.stain_evidence(
            np.where(wp.valid[..., None], frame[..., :3] - wp.image[..., :3], 0.0),
            sigma_px=sigma_px,
            keep=keep & wp.valid,
        )
        for wp in maps.warped
        if wp.valid.mean() > 0.5
    ]
    if per_neighbour:  # different from every neighbour: a stain on a neighbour is not this one's
        scores.append(np.min(np.stack(per_neighbour), axis=0))
    if not scores:
        return np.zeros((h, w), bool)
    score = scores[0] if len(scores) == 1 else np.minimum(scores[0], scores[1])
    return keep_stains(hysteresis(score, opts.grow_sigma, opts.stain_sigma), spots)


def feather(detected: np.ndarray, grow_px: int, feather_px: float) -> np.ndarray:
    """1 on ``detected`` grown by ``grow_px``; below 0.5 and falling to 0 over ``feather_px``."""
    core = detected
    if grow_px > 0 and detected.any():
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow_px + 1, 2 * grow_px + 1))
        core = cv2.dilate(detected.astype(np.uint8), k).astype(bool)
    if not core.any():
        return np.zeros(detected.shape, np.float32)
    d = distance_transform_edt(~core)
    skirt = 0.45 * np.clip(1.0 - (d - 1.0) / max(feather_px, 1e-6), 0.0, 1.0)
    return np.where(core, 1.0, skirt).astype(np.float32)


def detect_damage(
    frame: np.ndarray,
    *,
    reference: Optional[np.ndarray] = None,
    neighbours: Optional[Dict[int, np.ndarray]] = None,
    options: DetectionOptions = DetectionOptions(),
) -> FrameDamage:
    """Detect damage in ``frame`` (float32 (H, W, 3), any one encoding shared by all inputs).

    reference: the aligned reference (H, W, 3) on the scan grid, or None. neighbours:
    offset → frame (e.g. {-2: …, -1: …, 1: …, 2: …}). At least one of the two is needed
    (ValueError otherwise — the stage turns it into a one-line error)."""
    neighbours = dict(neighbours or {})
    if reference is None and not neighbours:
        raise ValueError("no evidence: give an aligned reference or neighbouring frames")
    options.signs()  # an unknown polarity fails here, before any work
    frame = np.asarray(frame, np.float32)
    maps = _Maps(y=luminance(frame[..., :3]))
    maps.spike["dark"], maps.spike["bright"] = ev.local_spike(maps.y, options.spot_size)
    if reference is not None:
        maps.ref_y = luminance(reference[..., :3])
        maps.ref = ev.reference_evidence(maps.y, maps.ref_y, radius=options.fit_radius)
        maps.blame["dark"], maps.blame["bright"] = ev.blame_reference(
            maps.y, maps.ref_y, options.spot_size
        )
    sources = tuple(
        s for s, ok in (("reference", reference is not None), ("temporal", bool(neighbours))) if ok
    )
    if neighbours:
        _temporal(maps, frame, neighbours)
    spots = _spots(maps, options)
    suspect = np.zeros(maps.y.shape, bool)
    for sign, m in spots.items():  # found, or a strong spike with no neighbour to judge it
        unjudged = np.isnan(maps.dark) if maps.dark is not None else np.zeros_like(m)
        suspect |= m | (unjudged & (maps.spike[sign] >= options.seed_sigma))
    if neighbours and suspect.any():  # the flow inside suspect areas, from around them
        _temporal(maps, frame, neighbours, suppress=suspect)
        spots = _spots(maps, options)
    lines, line_z = _lines(maps, neighbours, options)
    any_spot = np.zeros_like(suspect)
    for m in spots.values():
        any_spot |= m
    stains = _stains(frame, reference, maps, any_spot | lines, options)
    defects, kind_map = describe_regions(
        spots, lines, line_z, stains, _scores(maps, spots), sources
    )
    mask = feather(kind_map > 0, options.grow_px, options.feather_px)
    faults = None
    if maps.ref is not None:
        disagree = hysteresis(np.abs(maps.ref), options.grow_sigma, options.seed_sigma)
        faults = disagree & (mask <= 0)
    return FrameDamage(mask, tuple(defects), faults, sources, kind_map)


def _scores(maps: _Maps, spots: Dict[str, np.ndarray]) -> Dict[str, Dict[str, np.ndarray]]:
    """Per sign, the evidence maps a defect's ``evidence`` list is read from."""
    out: Dict[str, Dict[str, np.ndarray]] = {}
    for sign in spots:
        maps_for: Dict[str, np.ndarray] = {
            "spike": maps.spike[sign],
            "score": _spot_score(maps, sign),
        }
        if maps.ref is not None:
            maps_for["reference"] = -maps.ref if sign == "dark" else maps.ref
        if maps.dark is not None:
            maps_for["temporal"] = np.nan_to_num(
                maps.dark if sign == "dark" else maps.bright, nan=0.0
            )
        out[sign] = maps_for
    return out
