"""The color benchmark's pictures (no download: scikit-image and matplotlib ship them).

Training images and held-out images are fixed, disjoint lists of different scenes;
the held-out images are only ever graded and scored, never shown to any code that chooses a
model, a weight or a default (tests/color/test_benchmark_holdout.py checks it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Tuple

import numpy as np

#: three natural photographs, a stained micrograph and a fundus photograph
TRAIN_IMAGES: Tuple[str, ...] = ("astronaut", "rocket", "motorcycle", "immunohistochemistry",
                                 "retina")
#: three natural photographs, the Hubble deep field and a rendered object (matplotlib's
#: Minduka gift box, over mid grey)
HELD_OUT_IMAGES: Tuple[str, ...] = ("chelsea", "coffee", "grace_hopper", "hubble_deep_field",
                                    "minduka")


def load_srgb(name: str, rows: int) -> np.ndarray:
    """A picture as sRGB code values, float32 (rows, W, 3), W keeping the aspect ratio
    (a new array each call; the resized picture is cached)."""
    return _load(name, int(rows)).copy()


@lru_cache(maxsize=32)
def _load(name: str, rows: int) -> np.ndarray:
    import skimage.data
    from skimage.transform import resize

    if name == "grace_hopper":
        import cv2
        import matplotlib.cbook as cbook

        a = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))[..., ::-1]
    elif name == "minduka":
        import cv2
        import matplotlib.cbook as cbook

        path = cbook.get_sample_data("Minduka_Present_Blue_Pack.png", asfileobj=False)
        rgba = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)[..., [2, 1, 0, 3]] / 255.0
        a = 255.0 * (rgba[..., :3] * rgba[..., 3:] + 0.5 * (1.0 - rgba[..., 3:]))
    elif name == "motorcycle":
        a = skimage.data.stereo_motorcycle()[0]
    else:
        a = getattr(skimage.data, name)()
    a = np.asarray(a[..., :3], np.float32) / 255.0
    cols = int(round(rows * a.shape[1] / a.shape[0]))
    return np.clip(resize(a, (rows, cols), anti_aliasing=True), 0, 1).astype(np.float32)
