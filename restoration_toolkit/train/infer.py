"""Headless inference with a TorchScript model: frame by frame, tiled, farm-splittable.

Each frame is cut into tiles of ``tile`` pixels that overlap by ``overlap`` pixels. A tile's
outer ``overlap // 4`` pixels (where the network saw the tile's edge instead of the picture)
get weight 0, and across the rest of the overlap the weights ramp linearly from one tile to
the next, so there are no seams and the result matches whole-frame inference to within the
network's (small) sensitivity to far-away context. Tile origins sit on multiples of 16 so the
network's down-sampling grid is the same as for the whole frame. Memory: one 4K frame
(4096×3112 RGB float32 ≈ 150 MB) is held three times (input, weighted sum, weights) plus
one tile's activations — well under 2 GB with the default tile of 512.

Outputs keep the input's file format, bit depth and metadata (colour space, pixel aspect,
timecode, attributes), with provenance added: ``rtk:model`` (file name), ``rtk:model_sha256``,
``rtk:model_id`` and ``rtk:ml_generated = 1`` (a machine-readable mark that the image was
made by a trained model). Frames already rendered are skipped unless ``overwrite``; the
source files are never written.

Recombination (what the stage-04 Inference graph does after the Inference node): for colour
recovery the output keeps the scan's own luminance (its grain and detail) with the model's
chroma; for spatial recovery the model's luminance with the scan's chroma. ``recombine``
"auto" takes the technique from the model's ``model.json``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import numpy as np
import torch

from ..core.errors import RTKError
from ..core.io.images import read_image, write_image
from ..core.io.protect import refuse_protected
from ..core.io.raster import common_size
from ..core.io.sequence import ImageSequence, open_sequence, output_sequence
from ..core.progress import ProgressFn, report
from ..core.project import COLOR_TECHNIQUES, TECHNIQUES
from ..core.ycbcr import combine
from .export import SIDECAR_NAME, quiet_jit

GRID = 16  # tile origins are multiples of this (≥ 2^levels of every model size)
RECOMBINE = ("auto", "none", "chroma", "luma")


@dataclass
class InferResult:
    written: List[int] = field(default_factory=list)
    skipped: List[int] = field(default_factory=list)
    outputs: List[Path] = field(default_factory=list)
    seconds_per_frame: float = 0.0
    recombine: str = "none"


def load_model(path: Path, device: torch.device) -> torch.jit.ScriptModule:
    """Load a TorchScript model; RTKError (one line) if it is missing or not TorchScript."""
    p = Path(path)
    if not p.is_file():
        raise RTKError("no such model file", p)
    try:
        with quiet_jit():
            model = torch.jit.load(str(p), map_location=device)
    except Exception as exc:  # noqa: BLE001 - any load failure means an unusable file
        raise RTKError(
            f"not a TorchScript model this torch ({torch.__version__}) can load "
            f"({type(exc).__name__})",
            p,
        ) from None
    model.eval()
    return model


def model_sidecar(path: Path) -> dict:
    side = Path(path).with_name(SIDECAR_NAME)
    if side.is_file():
        try:
            return json.loads(side.read_text(encoding="utf-8"))
        except ValueError:
            return {}
    return {}


def check_model_technique(model_path: Path, technique: str, project_file: Path) -> None:
    """RTKError when the model (its model.json) was trained for another technique than the
    project's — a gauge model on a color project would render a plausible, wrong picture."""
    trained = model_sidecar(model_path).get("technique")
    if trained and trained != technique:
        raise RTKError(
            f"model was trained for technique {trained} but the project {project_file} is "
            f"{technique}; use a model trained on this project",
            model_path,
        )


def _ramp(length: int, lead: bool, trail: bool, overlap: int) -> np.ndarray:
    w = np.ones(length, np.float32)
    if overlap <= 0:
        return w
    margin = overlap // 4
    span = max(overlap - 2 * margin, 1)
    pos = np.arange(length, dtype=np.float32)
    if lead:
        w = np.minimum(w, np.clip((pos - margin + 0.5) / span, 0.0, 1.0))
    if trail:
        w = np.minimum(w, np.clip((length - 1 - pos - margin + 0.5) / span, 0.0, 1.0))
    return w


def _starts(size: int, tile: int, stride: int) -> List[int]:
    """GRID-aligned tile origins; the last tile runs to the edge (up to GRID-1 px longer)."""
    if size <= tile:
        return [0]
    last = ((size - tile) // GRID) * GRID
    starts = list(range(0, last, stride))
    starts.append(last)
    return sorted(set(starts))


def run_tiled(
    model: Callable[[torch.Tensor], torch.Tensor],
    image: np.ndarray,
    *,
    tile: int = 512,
    overlap: int = 64,
    device: Optional[torch.device] = None,
) -> np.ndarray:
    """Apply ``model`` to an (H, W, 3) float32 image tile by tile; returns (H, W, 3) float32.

    ``tile`` ≥ 2 × ``overlap``; ``tile`` 0 runs the whole frame at once.
    """
    device = device or torch.device("cpu")
    img = np.ascontiguousarray(image[:, :, :3], np.float32)
    h, w = img.shape[:2]
    if h < GRID or w < GRID:  # the network pads by reflection, which needs some picture:
        grown = np.pad(img, ((0, max(GRID - h, 0)), (0, max(GRID - w, 0)), (0, 0)), mode="edge")
        return run_tiled(model, grown, tile=0, device=device)[:h, :w]
    if tile <= 0 or (h <= tile and w <= tile):
        with torch.no_grad():
            x = torch.from_numpy(img.transpose(2, 0, 1)[None].copy()).to(device)
            return model(x)[0].cpu().numpy().transpose(1, 2, 0).astype(np.float32)
    tile = max(GRID, (tile // GRID) * GRID)
    overlap = min(overlap, tile // 2)
    stride = max(GRID, ((tile - overlap) // GRID) * GRID)
    acc = np.zeros((h, w, 3), np.float32)
    wsum = np.zeros((h, w, 1), np.float32)
    ys, xs = _starts(h, tile, stride), _starts(w, tile, stride)
    with torch.no_grad():
        for y in ys:
            for x in xs:
                y1 = h if y == ys[-1] else y + tile
                x1 = w if x == xs[-1] else x + tile
                patch = img[y:y1, x:x1]
                t = torch.from_numpy(patch.transpose(2, 0, 1)[None].copy()).to(device)
                out = model(t)[0].cpu().numpy().transpose(1, 2, 0)
                wy = _ramp(y1 - y, y > 0, y1 < h, tile - stride)
                wx = _ramp(x1 - x, x > 0, x1 < w, tile - stride)
                weight = (wy[:, None] * wx[None, :])[..., None]
                acc[y:y1, x:x1] += out * weight
                wsum[y:y1, x:x1] += weight
    return acc / np.maximum(wsum, 1e-8)


def recombine_mode(requested: str, sidecar: dict) -> str:
    if requested not in RECOMBINE:
        raise RTKError(f"unknown --recombine {requested!r} (one of {', '.join(RECOMBINE)})")
    if requested != "auto":
        return requested
    technique = sidecar.get("technique")
    if technique not in TECHNIQUES:
        return "none"
    return "chroma" if technique in COLOR_TECHNIQUES else "luma"


def apply_recombine(mode: str, scan: np.ndarray, restored: np.ndarray) -> np.ndarray:
    """``chroma``: scan Y + model CbCr; ``luma``: model Y + scan CbCr; ``none``: as is."""
    if mode == "chroma":
        return combine(scan[:, :, :3], restored)
    if mode == "luma":
        return combine(restored, scan[:, :, :3])
    return restored


def infer_sequence(
    model_path: Path,
    input_spec: str,
    output_pattern: str,
    *,
    frames: Optional[str] = None,
    tile: int = 512,
    overlap: int = 64,
    device: Optional[torch.device] = None,
    overwrite: bool = False,
    recombine: str = "auto",
    colorspace: Optional[str] = None,
    progress: Optional[ProgressFn] = None,
) -> InferResult:
    """Render ``output_pattern`` (``out.####.exr``) from ``input_spec`` with the model.

    Colour: the model works in the working space named in its ``model.json``. Input frames
    are converted from ``colorspace`` (default: the colour space in each file's metadata;
    none there = already the working space) to it through OCIO, and the result is converted
    back, so the output is in the input's colour space, format and bit depth.
    """
    import time

    device = device or torch.device("cpu")
    model_path = Path(model_path)
    seq = open_sequence(input_spec, frames, must_exist=True, allow_missing=False)
    out = output_sequence(output_pattern, seq.frames)
    _check_outputs(seq, out)
    model = load_model(model_path, device)
    sidecar = model_sidecar(model_path)
    mode = recombine_mode(recombine, sidecar)
    digest = hashlib.sha256(model_path.read_bytes()).hexdigest()  # the file, not what it claims
    result = InferResult(recombine=mode)
    size = common_size(seq.path(f) for f in seq.frames)  # a foreign frame: refused up front
    todo = [f for f in seq.frames if overwrite or not finished_frame(out.path(f), size, digest)]
    result.skipped = [f for f in seq.frames if f not in set(todo)]
    t0 = time.perf_counter()
    for i, frame in enumerate(todo):
        report(progress, i, len(todo), f"frame {frame}")
        src = seq.path(frame)
        img = read_image(src)
        pixels = np.nan_to_num(img.pixels, nan=0.0, posinf=0.0, neginf=0.0)
        if pixels.shape[2] < 3:
            pixels = np.repeat(pixels[:, :, :1], 3, axis=2)
        space = colorspace or img.metadata.colorspace
        working = sidecar.get("working_space")
        convert = bool(working and space and space != working)
        if convert:
            pixels = _convert(pixels, space, working, sidecar, src)
        restored = run_tiled(model, pixels, tile=tile, overlap=overlap, device=device)
        restored = apply_recombine(mode, pixels, restored)
        if convert:
            restored = _convert(restored, working, space, sidecar, src)
        result_pixels = img.pixels.copy() if img.pixels.shape[2] >= 3 else restored
        result_pixels[:, :, :3] = restored
        meta = img.metadata.with_attributes(
            **{
                "rtk:model": model_path.name,
                "rtk:model_sha256": digest,
                "rtk:model_id": str(sidecar.get("model_id", "")),
                "rtk:ml_generated": 1,
                "rtk:recombine": mode,
            }
        )
        dst = out.path(frame)
        write_image(dst, result_pixels, meta, protect=[src])
        result.written.append(frame)
        result.outputs.append(dst)
    report(progress, len(todo), len(todo), "done")
    if todo:
        result.seconds_per_frame = (time.perf_counter() - t0) / len(todo)
    return result


def finished_frame(path: Path, size: Tuple[int, int], digest: str) -> bool:
    """Whether ``path`` is a frame a resumed run may keep: it decodes completely, has the
    input's (width, height) and was made by this very model (``rtk:model_sha256``). An empty,
    truncated, other-size or other-model file is rendered again."""
    if not path.is_file():
        return False
    try:
        img = read_image(path)
    except RTKError:
        return False
    same_model = img.metadata.attributes.get("rtk:model_sha256") == digest
    return same_model and (img.width, img.height) == tuple(size)


def _convert(pixels: np.ndarray, src: str, dst: str, sidecar: dict, path: Path) -> np.ndarray:
    from ..core.io.ocio import colorspace_names, convert_colorspace
    from ..core.project import DEFAULT_OCIO_CONFIG

    config = sidecar.get("ocio_config") or DEFAULT_OCIO_CONFIG
    names = colorspace_names(config)
    for name in (src, dst):
        if name not in names:
            raise RTKError(
                f"colour space {name!r} is not in the OCIO config {config} — name the "
                "input's colour space with --colorspace",
                path,
            )
    return convert_colorspace(pixels[:, :, :3], src, dst, config=config)


def _check_outputs(seq: ImageSequence, out: ImageSequence) -> None:
    ext = Path(out.hash_pattern).suffix.lower().lstrip(".")
    if ext not in ("exr", "dpx", "tif", "tiff", "png", "jpg", "jpeg"):
        raise RTKError(
            f"unsupported output format .{ext} (use exr, dpx, tif, png or jpg)", out.hash_pattern
        )
    if out.is_single and len(seq.frames) > 1:
        raise RTKError(
            "output must be a sequence pattern (####) for a multi-frame input", out.hash_pattern
        )
    refuse_protected(out.path(seq.frames[0]))  # a project's own footage, before any work
    sources = {seq.path(f).resolve() for f in seq.frames}
    for f in seq.frames:
        if out.path(f).resolve() in sources:
            raise RTKError("output would overwrite the source — choose another --out", out.path(f))
