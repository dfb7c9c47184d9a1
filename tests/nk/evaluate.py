"""A tiny numpy evaluator for the node classes of the ground-truth and recombine graphs.

It runs a parsed graph (knob values as .nk text) on float32 (H, W, C) images, so tests check
what the written wiring computes, not only its shape. Y'CbCr is core.ycbcr's (the numeric
stand-in for Nuke's Colorspace node; the graphs only rely on the split being invertible).
"""

from __future__ import annotations

from typing import Dict

import numpy as np
from scipy.ndimage import median_filter

from restoration_toolkit.core.ycbcr import from_ycbcr, to_ycbcr
from restoration_toolkit.nk import Node

CHANNEL = {"rgba.red": 0, "rgba.green": 1, "rgba.blue": 2, "rgba.alpha": 3}


def _rgb(op, image: np.ndarray) -> np.ndarray:
    out = image.copy()
    out[..., :3] = op(image[..., :3])
    return out


def evaluate(node: Node, given: Dict[str, np.ndarray], cache=None) -> np.ndarray:
    """The image ``node`` outputs; ``given`` holds the images of named nodes (sources)."""
    cache = {} if cache is None else cache
    if node.name in given:
        return given[node.name]
    if id(node) in cache:
        return cache[id(node)]
    ins = [evaluate(i, given, cache) if i is not None else None for i in node.inputs]
    k = node.knobs
    cls = node.cls
    if cls == "Colorspace":
        if str(k.get("colorspace_out", "")) == "YCbCr":
            out = _rgb(to_ycbcr, ins[0])
        elif str(k.get("colorspace_in", "")) == "YCbCr":
            out = _rgb(from_ycbcr, ins[0])
        else:
            raise AssertionError(f"{node.name}: unexpected Colorspace knobs {k}")
    elif cls == "Copy":
        out = ins[0].copy()
        for n in range(4):
            src, dst = k.get(f"from{n}"), k.get(f"to{n}")
            if src is not None:
                out[..., CHANNEL[str(dst)]] = ins[1][..., CHANNEL[str(src)]]
    elif cls == "Grade":
        out = ins[0].copy()
        if str(k.get("black_clamp", "true")) == "true":
            out[..., :3] = np.maximum(out[..., :3], 0)
        if str(k.get("white_clamp", "false")) == "true":
            out[..., :3] = np.minimum(out[..., :3], 1)
    elif cls == "Remove":
        assert str(k.get("channels")) == "alpha" and "operation" not in k
        out = ins[0][..., :3].copy()
    elif cls == "CopyBBox":
        out = ins[0]
    elif cls == "Median":
        size = int(float(k["size"]))
        out = _rgb(lambda a: median_filter(a, size=(size, size, 1), mode="nearest"), ins[0])
    elif cls == "Keymix":  # inputs 0 = B, 1 = A, 2 = mask (alpha): A·m + B·(1 − m)
        m = ins[2][..., CHANNEL[str(k.get("maskChannel", "rgba.alpha"))]][..., None]
        b, a = ins[0], ins[1]
        n = min(b.shape[2], a.shape[2])
        out = b.copy()
        out[..., :n] = a[..., :n] * m + b[..., :n] * (1.0 - m)
    elif cls == "Switch":
        out = ins[int(str(k.get("which", "0")))]
    elif cls in ("Dot", "NoOp"):
        out = ins[0]
    else:
        raise AssertionError(f"no evaluator for {cls} ({node.name})")
    cache[id(node)] = out.astype(np.float32)
    return cache[id(node)]
