"""Scoring a damage detector against the truth of a synthetic clip (pixel level, with a
tolerance): recall per true kind, precision per detected kind, and how a repair compares
with the clean frame inside and outside the damage.

Recall of kind k: the fraction of its true pixels within ``tolerance`` px of a detected
pixel. Precision of detected kind k: the fraction of pixels detected as k within
``tolerance`` px of any true damage (so calling dirt "dust" costs no precision; the kind
confusion is reported apart).
"""

from __future__ import annotations

from typing import Dict, Sequence

import cv2
import numpy as np

from .damage import KINDS


def _grow(mask: np.ndarray, px: int) -> np.ndarray:
    if px <= 0:
        return mask.astype(bool)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    return cv2.dilate(mask.astype(np.uint8), k).astype(bool)


def detection_counts(
    truth: Dict[str, np.ndarray], kind_map: np.ndarray, detected: np.ndarray, tolerance: int = 2
) -> Dict[str, Dict[str, int]]:
    """Pixel counts for one frame: per kind ``true``, ``found`` (recall numerator),
    ``detected`` and ``correct`` (precision numerator). ``kind_map``: 0 none, else
    1 + index in KINDS; ``detected``: the binary detection (mask ≥ 0.5)."""
    any_truth = np.zeros(detected.shape, bool)
    for m in truth.values():
        any_truth |= m
    near_truth = _grow(any_truth, tolerance)
    near_detected = _grow(detected, tolerance)
    # pixels the mask adds around a region (its grown rim) count with that region's kind
    labels = kind_map.copy()
    if detected.any():
        from scipy.ndimage import distance_transform_edt

        _, (iy, ix) = distance_transform_edt(kind_map == 0, return_indices=True)
        labels = np.where(detected, kind_map[iy, ix], 0)
    out: Dict[str, Dict[str, int]] = {}
    for i, kind in enumerate(KINDS, 1):
        t = truth.get(kind, np.zeros_like(detected))
        d = labels == i
        out[kind] = {
            "true": int(t.sum()),
            "found": int((t & near_detected).sum()),
            "detected": int(d.sum()),
            "correct": int((d & near_truth).sum()),
        }
    out["all"] = {
        "true": int(any_truth.sum()),
        "found": int((any_truth & near_detected).sum()),
        "detected": int(detected.sum()),
        "correct": int((detected & near_truth).sum()),
    }
    return out


def add_counts(total: Dict[str, Dict[str, int]], counts: Dict[str, Dict[str, int]]) -> None:
    for kind, c in counts.items():
        row = total.setdefault(kind, {k: 0 for k in c})
        for k, v in c.items():
            row[k] += v


def rates(total: Dict[str, Dict[str, int]]) -> Dict[str, Dict[str, float]]:
    """Precision and recall per kind from summed counts (None where undefined)."""
    out = {}
    for kind, c in total.items():
        out[kind] = {
            "recall": c["found"] / c["true"] if c["true"] else None,
            "precision": c["correct"] / c["detected"] if c["detected"] else None,
            "true_px": c["true"],
            "detected_px": c["detected"],
        }
    return out


def changed_outside(original: np.ndarray, repaired: np.ndarray, mask: np.ndarray) -> int:
    """Pixels outside ``mask`` (> 0) whose value changed at all (bit-exactness check)."""
    diff = np.any(original != repaired, axis=2)
    return int((diff & ~(mask > 0)).sum())


def region_scores(clean: np.ndarray, test: np.ndarray, region: np.ndarray) -> Dict[str, float]:
    """Mean CIEDE2000 (sRGB-encoded 0–1 inputs, D65) and PSNR (peak 1) over ``region``,
    per pixel and after a Gaussian of σ 1.5 px on both (color without the grain pattern:
    a repair cannot reproduce grains it never saw)."""
    from colour import XYZ_to_Lab, sRGB_to_XYZ
    from colour.difference import delta_E_CIE2000

    def lab(x: np.ndarray) -> np.ndarray:
        return XYZ_to_Lab(sRGB_to_XYZ(np.clip(x, 0, 1)))

    out = {}
    for name, a, b in (
        ("pixel", clean, test),
        ("smoothed", cv2.GaussianBlur(clean, (0, 0), 1.5), cv2.GaussianBlur(test, (0, 0), 1.5)),
    ):
        if not region.any():
            out[f"de2000_{name}"], out[f"psnr_{name}"] = float("nan"), float("nan")
            continue
        de = delta_E_CIE2000(lab(a[region]), lab(b[region]))
        mse = float(np.mean((a[region] - b[region]) ** 2))
        out[f"de2000_{name}"] = float(np.mean(de))
        out[f"psnr_{name}"] = float(10 * np.log10(1.0 / max(mse, 1e-12)))
    return out


def union_truth(truth: Sequence[Dict[str, np.ndarray]], index: int) -> np.ndarray:
    out = np.zeros(next(iter(truth[index].values())).shape, bool)
    for m in truth[index].values():
        out |= m
    return out
