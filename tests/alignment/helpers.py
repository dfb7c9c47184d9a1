"""Small synthetic pairs with known maps (scan 640×486, reference 400×225) for the alignment tests."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from restoration_toolkit.core.alignment.synthetic import PairSpec, SyntheticPair, make_pair

SMALL = PairSpec(scan_size=(640, 486), ref_size=(400, 225), grain=0.01, jpeg_quality=92,
                 rotation_deg=0.2, offset=(3.0, -2.0))


def picture(name: str = "astronaut") -> np.ndarray:
    import skimage.data

    img = np.asarray(getattr(skimage.data, name)(), np.float32)
    img = img / 255.0 if img.max() > 1.5 else img
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return img[:, :, :3]


def small_pair(name: str = "astronaut", **changes) -> SyntheticPair:
    return make_pair(picture(name), replace(SMALL, **changes))


def epe_stats(pair: SyntheticPair, map_xy: np.ndarray, mask=None):
    from restoration_toolkit.core.alignment.synthetic import end_point_error

    e = end_point_error(pair, map_xy)[pair.true_valid if mask is None else mask]
    return float(e.mean()), float(np.percentile(e, 95))
