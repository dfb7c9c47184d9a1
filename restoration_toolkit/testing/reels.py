"""A synthetic film reel (test material), any frame of which can be rendered on its own.

Used by ``benchmarks/sync.py`` and the stage-01 tests; its video transfers are in
:mod:`restoration_toolkit.testing.transfers`. The "film" is a run of shots cut from
scikit-image's sample pictures with camera moves (pan, zoom), frame-to-frame flicker and
fresh grain on every frame; an optional dissolve joins two shots. Values are
display-referred 0–1, float32 (H, W, 3).

A :class:`ReelPlan` renders a shot at a time, from its spec and a random generator seeded by
``(seed, shot)``, so a 150,000-frame reel never has to be held in memory: the feature-scale
benchmark streams it into thumbnails (:func:`reel_thumbnails`, :func:`batch_thumbnails`).
:func:`make_reel` renders a short reel whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..core.io.thumbnails import (
    COLOR_H,
    COLOR_W,
    THUMB_H,
    THUMB_W,
    Thumbnails,
    bob,
    frame_thumbnail,
)

_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)

_IMAGES = (
    "astronaut",
    "camera",
    "coffee",
    "chelsea",
    "coins",
    "moon",
    "rocket",
    "horse",
    "clock",
    "hubble_deep_field",
    "immunohistochemistry",
    "brick",
    "grass",
    "gravel",
    "cell",
    "page",
    "text",
    "colorwheel",
    "retina",
    "cat",
)
FOREIGN = ("colorwheel", "text")


@cache
def source_image(name: str) -> np.ndarray:
    """A scikit-image sample picture as float32 RGB 0–1 (cached; do not modify)."""
    import skimage.data

    img = getattr(skimage.data, name)().astype(np.float32)
    img /= 255.0 if img.max() > 1.5 else 1.0
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    out = np.ascontiguousarray(img[:, :, :3])
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class ShotSpec:
    image: str
    length: int
    start: Tuple[float, float]  # crop centre (x, y) in source px
    velocity: Tuple[float, float]  # source px per frame
    width: float  # crop width in source px
    zoom: float  # crop width factor per frame


def render(src: np.ndarray, centre, width: float, size=(128, 96)) -> np.ndarray:
    """The crop of ``src`` centred on ``centre``, ``width`` source px wide, at ``size``."""
    w, h = size
    scale = width / w
    cx, cy = centre
    m = np.array([[scale, 0, cx - scale * w / 2], [0, scale, cy - scale * h / 2]], np.float32)
    return cv2.warpAffine(
        src, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT
    )


def make_shots(n_frames: int, rng: np.random.Generator) -> List[ShotSpec]:
    """Shots of 30–140 frames cycling through the sample pictures (the foreign ones left
    out), each with its own crop, pan, speed and zoom, ``n_frames`` in all."""
    shots: List[ShotSpec] = []
    total = 0
    names = [n for n in _IMAGES if n not in FOREIGN]
    sizes = {n: source_image(n).shape[:2] for n in names}
    while total < n_frames:
        name = names[len(shots) % len(names)]
        h, w = sizes[name]
        length = int(min(rng.integers(30, 140), n_frames - total))
        if n_frames - total - length < 30:
            length = n_frames - total
        width = float(rng.uniform(0.35, 0.7) * w)
        speed = rng.uniform(0.8, 3.0)
        ang = rng.uniform(0, 2 * np.pi)
        shots.append(
            ShotSpec(
                name,
                length,
                (float(rng.uniform(0.35, 0.65) * w), float(rng.uniform(0.35, 0.65) * h)),
                (float(speed * np.cos(ang)), float(speed * np.sin(ang))),
                width,
                float(rng.choice([1.0, 0.997, 1.003])),
            )
        )
        total += length
    return shots


@dataclass
class ReelPlan:
    """The film: its shots and how any frame is rendered (see the module docstring).

    ``dissolve``: (first, last) frame index of a dissolve joining shots 1 and 2, or None.
    ``reframe``: an optional function applied to every rendered frame before grain (the
    benchmark's reframed transfers)."""

    shots: List[ShotSpec]
    seed: int
    size: Tuple[int, int] = (128, 96)
    grain: float = 0.03
    dissolve: Optional[Tuple[int, int]] = None
    reframe: Optional[Callable[[np.ndarray], np.ndarray]] = None
    shot_of: np.ndarray = field(init=False)
    shot_start: np.ndarray = field(init=False)
    _cache: Dict[int, np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._cache = {}
        lengths = np.array([s.length for s in self.shots], np.int64)
        self.shot_start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self.shot_of = np.repeat(np.arange(len(self.shots)), lengths)

    def __len__(self) -> int:
        return int(self.shot_of.shape[0])

    @property
    def cuts(self) -> List[int]:
        return [int(x) for x in self.shot_start[1:]]

    def _flicker(self, s: int) -> np.ndarray:
        """Per-frame gain of shot ``s`` (the first draw of the shot's generator)."""
        return 1.0 + 0.01 * np.random.default_rng([self.seed, s]).standard_normal(
            self.shots[s].length
        )

    def _clean(self, i: int, gain: float) -> np.ndarray:
        s = int(self.shot_of[i])
        spec, t = self.shots[s], i - int(self.shot_start[s])
        c = (spec.start[0] + spec.velocity[0] * t, spec.start[1] + spec.velocity[1] * t)
        img = render(source_image(spec.image), c, spec.width * spec.zoom**t, self.size)
        return img * np.float32(gain)

    def shot(self, s: int) -> np.ndarray:
        """Every frame of shot ``s``, (L, H, W, 3) float32 0–1, rendered in one go with one
        generator seeded by ``(seed, s)``: flicker first, then fresh grain on every frame."""
        cached = self._cache.get(s)
        if cached is not None:
            return cached
        rng = np.random.default_rng([self.seed, s])
        spec, a = self.shots[s], int(self.shot_start[s])
        gain = 1.0 + 0.01 * rng.standard_normal(spec.length)
        w, h = self.size
        out = np.empty((spec.length, h, w, 3), np.float32)
        for t in range(spec.length):
            out[t] = self._frame_before_grain(a + t, float(gain[t]))
        out += self.grain * rng.standard_normal(out.shape, np.float32)
        np.clip(out, 0, 1, out=out)
        if len(self._cache) >= 3:
            self._cache.pop(next(iter(self._cache)))
        self._cache[s] = out
        return out

    def _frame_before_grain(self, i: int, gain: float) -> np.ndarray:
        img = self._clean(i, gain)
        if self.dissolve is not None and self.dissolve[0] <= i <= self.dissolve[1]:
            first, last = self.dissolve
            ends = []
            for e in (first - 1, last + 1):
                s = int(self.shot_of[e])
                ends.append(self._clean(e, float(self._flicker(s)[e - int(self.shot_start[s])])))
            alpha = (i - first + 1) / (last - first + 2)
            img = (1 - alpha) * ends[0] + alpha * ends[1]
        return self.reframe(img) if self.reframe is not None else img

    def frame(self, i: int) -> np.ndarray:
        """Film frame ``i`` (0-based), float32 (H, W, 3) 0–1; the same every time."""
        s = int(self.shot_of[i])
        return self.shot(s)[i - int(self.shot_start[s])]


def plan_reel(
    n_frames: int, *, seed: int = 7, size=(128, 96), grain: float = 0.03, dissolve: int = 0
) -> ReelPlan:
    """The plan of an ``n_frames`` reel. ``dissolve`` > 0 joins shots 1 and 2 with a
    dissolve of that many frames (overlapping the end of shot 1 and the start of shot 2)."""
    plan = ReelPlan(make_shots(n_frames, np.random.default_rng(seed)), seed, size, grain)
    cuts = plan.cuts
    if dissolve and len(cuts) >= 2:
        c = cuts[1]
        plan.dissolve = (c - dissolve // 2, c + dissolve - dissolve // 2 - 1)
    return plan


@dataclass
class Reel:
    frames: List[np.ndarray]  # (H, W, 3) float32 film frames
    shot_of: List[int]  # shot index per frame
    cuts: List[int]  # first frame index of every shot after the first
    dissolves: List[Tuple[int, int]] = field(default_factory=list)  # (first, last) frame idx
    plan: Optional[ReelPlan] = None


def make_reel(
    n_frames: int = 2000, *, seed: int = 7, size=(128, 96), grain: float = 0.03, dissolve: int = 0
) -> Reel:
    """A short reel rendered whole (see :func:`plan_reel`)."""
    plan = plan_reel(n_frames, seed=seed, size=size, grain=grain, dissolve=dissolve)
    return Reel(
        [plan.frame(i) for i in range(len(plan))],
        [int(s) for s in plan.shot_of],
        plan.cuts,
        [plan.dissolve] if plan.dissolve else [],
        plan,
    )


def stream_thumbnails(
    frames: Sequence[int], images: Iterable[np.ndarray], *, fields: bool = False
) -> Thumbnails:
    """Thumbnails of images that arrive one by one, each made by the toolkit's own
    :func:`~restoration_toolkit.core.io.thumbnails.frame_thumbnail`; only those are kept."""
    n = len(frames)
    lumas = np.empty((n, THUMB_H, THUMB_W), np.float32)
    colors = np.empty((n, COLOR_H, COLOR_W, 3), np.float32)
    flds = np.empty((n, 2, THUMB_H, THUMB_W), np.float32) if fields else None
    for k, img in enumerate(images):
        lumas[k], colors[k], fl = frame_thumbnail(img, fields=fields)
        if flds is not None:
            flds[k] = fl
    return Thumbnails(np.asarray(list(frames), np.int64), lumas, colors, flds)


def batch_thumbnails(
    images: np.ndarray, size: Tuple[int, int], *, fields: bool = False
) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """Thumbnail-level synthesis for the feature-scale benchmark: (N, H, W, 3) frames →
    luma (N, h, w) area-averaged to ``size`` (w, h), color (N, 1, 1, 3) (the mean), and
    fields (N, 2, h, w): the even and the odd rows, each area-averaged (H a multiple of 2h,
    W of w). What the sync reads, without the 64×48 step of
    :func:`~restoration_toolkit.core.io.thumbnails.frame_thumbnail`."""
    w, h = size
    lum = images @ _LUMA
    luma = _area(lum, w, h)
    color = images.mean(axis=(1, 2))[:, None, None, :].astype(np.float32)
    flds = None
    if fields:
        # each field brought back to the frame's grid as the toolkit does (bob), rows first
        rows_first = np.ascontiguousarray(lum.transpose(1, 0, 2))
        flds = np.stack(
            [_area(bob(rows_first, p).transpose(1, 0, 2), w, h) for p in (0, 1)], axis=1
        )
    return luma, color, flds


def _area(x: np.ndarray, w: int, h: int) -> np.ndarray:
    """(N, H, W) → (N, h, w) by area averaging, all frames in one call (H a multiple of h,
    so no output row straddles two frames)."""
    n, hh, ww = x.shape
    stacked = np.ascontiguousarray(x, np.float32).reshape(n * hh, ww)
    return cv2.resize(stacked, (w, n * h), interpolation=cv2.INTER_AREA).reshape(n, h, w)


def reel_thumbnails(
    plan: ReelPlan, first: int = 1001, size: Optional[Tuple[int, int]] = None
) -> Thumbnails:
    """Thumbnails of every frame of ``plan``, numbered from ``first``, a shot at a time:
    the toolkit's 64×48 thumbnails, or with ``size`` the benchmark's
    :func:`batch_thumbnails`."""
    n = len(plan)
    frames = range(first, first + n)
    if size is None:
        return stream_thumbnails(frames, (plan.frame(i) for i in range(n)))
    luma = np.empty((n, size[1], size[0]), np.float32)
    color = np.empty((n, 1, 1, 3), np.float32)
    for s in range(len(plan.shots)):
        a = int(plan.shot_start[s])
        lu, co, _ = batch_thumbnails(plan.shot(s), size)
        luma[a : a + len(lu)], color[a : a + len(lu)] = lu, co
    return Thumbnails(np.asarray(frames, np.int64), luma, color)
