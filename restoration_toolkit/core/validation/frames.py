"""One validation frame as the metrics see it: every image read with OpenImageIO, converted
with OpenColorIO to display-referred sRGB 0–1, cropped to the live area, the ground truth
composed, the traditional baselines computed from the scan.

Every image is measured in display-referred sRGB (``sRGB - Texture``, clipped to 0–1): the
figures describe what a viewer of the restoration sees, and ΔE2000 is defined there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict

import numpy as np

from ..color.chroma_only import keep_scan_luminance
from ..errors import RTKError
from ..io.images import read_image
from ..ycbcr import chroma_ground_truth, luma_ground_truth
from .baselines import apply_baseline, resample
from .inputs import DEFAULT_OCIO, DISPLAY_SPACE, ValidationInputs


@dataclass
class FrameImages:
    """One validation frame, display-referred sRGB 0–1, cropped to the live area."""

    frame: int
    reference: np.ndarray  # the ground truth (see ValidationInputs.ground_truth)
    scan: np.ndarray  # the scan on the reference raster
    mask: np.ndarray  # (H, W) float32 0/1
    candidates: Dict[str, np.ndarray]
    scan_same_raster: bool = False  # the scan already had the reference's raster


def to_display(pixels: np.ndarray, space: str, config: str = DEFAULT_OCIO) -> np.ndarray:
    """(H, W, 3) in OCIO colour space ``space`` → display-referred sRGB 0–1 (clipped), float32."""
    from ..io.ocio import convert_colorspace

    arr = convert_colorspace(
        np.asarray(pixels, np.float32)[:, :, :3], space, DISPLAY_SPACE, config=config
    )
    return np.clip(np.nan_to_num(arr, nan=0.0), 0.0, 1.0).astype(np.float32)


def _crop(inputs: ValidationInputs, a: np.ndarray) -> np.ndarray:
    if inputs.live_area is None:
        return a
    x0, y0, x1, y1 = inputs.live_area
    return a[y0:y1, x0:x1]


def _mask(inputs: ValidationInputs, frame: int, raster: tuple, size: tuple) -> np.ndarray:
    """The alignment confidence mask (> 0.5) on the cropped raster, or all ones."""
    h, w = size
    mask = np.ones((h, w), np.float32)
    if frame in inputs.confidence:
        conf = read_image(inputs.confidence[frame]).pixels[:, :, 0]
        if conf.shape != raster:
            raise RTKError(
                f"confidence map is {conf.shape[1]}x{conf.shape[0]}, reference is "
                f"{raster[1]}x{raster[0]}",
                inputs.confidence[frame],
            )
        mask = (_crop(inputs, conf) > 0.5).astype(np.float32)
    if mask.sum() < 1:
        raise RTKError(
            f"frame {frame}: the confidence mask excludes every pixel, nothing to measure",
            inputs.confidence.get(frame),
        )
    return mask


def _ground_truth(kind: str, scan: np.ndarray, ref: np.ndarray) -> np.ndarray:
    if kind == "chroma":
        return np.clip(chroma_ground_truth(scan, ref), 0.0, 1.0)
    if kind == "luma":
        return np.clip(luma_ground_truth(scan, ref), 0.0, 1.0)
    return ref


def load_frame(inputs: ValidationInputs, frame: int) -> FrameImages:
    """Read, convert and crop everything for ``frame``; baselines and chroma-only forms are
    computed here. RTKError names the file whose raster does not match."""
    cfg = inputs.ocio_config
    ref_raw = read_image(inputs.reference[frame], channels=3).pixels
    ref = _crop(inputs, to_display(ref_raw, inputs.reference_space, cfg))
    h, w = ref.shape[:2]
    if h == 0 or w == 0:
        raise RTKError(
            f"the live area is outside the reference image ({ref_raw.shape[1]}x{ref_raw.shape[0]})",
            inputs.reference[frame],
        )
    mask = _mask(inputs, frame, ref_raw.shape[:2], (h, w))
    scan_disp = to_display(
        read_image(inputs.scan[frame], channels=3).pixels, inputs.scan_space, cfg
    )
    if inputs.live_area is not None and scan_disp.shape[:2] == ref_raw.shape[:2]:
        scan_disp = _crop(inputs, scan_disp)
    same_raster = scan_disp.shape[:2] == (h, w)
    scan = resample(scan_disp, (w, h), filter="lanczos")
    ref = _ground_truth(inputs.ground_truth, scan, ref)
    out: Dict[str, np.ndarray] = {}
    for c in inputs.candidates:
        if c.chroma_of is not None:
            continue  # composed below, from the candidate it takes its chroma from
        if c.paths:
            raw = read_image(c.paths[frame], channels=3).pixels
            if raw.shape[:2] != ref_raw.shape[:2]:
                raise RTKError(
                    f"{c.name} frame {frame} is {raw.shape[1]}x{raw.shape[0]} but the reference "
                    f"is {ref_raw.shape[1]}x{ref_raw.shape[0]}",
                    c.paths[frame],
                )
            out[c.name] = _crop(inputs, to_display(raw, c.colorspace or DISPLAY_SPACE, cfg))
        elif c.kind == "scan":
            out[c.name] = scan
        else:
            out[c.name] = np.clip(apply_baseline(c.baseline or "", scan_disp, (w, h)), 0.0, 1.0)
    for c in inputs.candidates:
        if c.chroma_of is not None:
            out[c.name] = np.clip(keep_scan_luminance(scan, out[c.chroma_of]), 0.0, 1.0)
    # the table's order is the candidates' order
    ordered = {c.name: out[c.name] for c in inputs.candidates if c.name in out}
    return FrameImages(frame, ref, scan, mask, ordered, same_raster)
