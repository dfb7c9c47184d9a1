"""A synthetic film reel (test material), any frame of which can be rendered on its own.

Used by ``benchmarks/sync.py`` and the stage-01 tests; its video transfers are in
:mod:`restoration_toolkit.testing.transfers`. The "film" is a run of shots cut from
scikit-image's sample pictures with camera moves (pan, zoom), frame-to-frame flicker and
fresh grain on every frame; an optional dissolve joins two shots. Values are
display-referred 0–1, float32 (H, W, 3).

A :class:`ReelPlan` renders frame ``i`` from its shot and a random generator seeded by
``(seed, i)``, so a 150,000-frame reel never has to be held in memory: the feature-scale
benchmark streams it into thumbnails (:func:`reel_thumbnails`). :func:`make_reel` renders a
short reel whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..core.io.thumbnails import Thumbnails, frame_thumbnail

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

    def __post_init__(self) -> None:
        lengths = np.array([s.length for s in self.shots], np.int64)
        self.shot_start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self.shot_of = np.repeat(np.arange(len(self.shots)), lengths)

    def __len__(self) -> int:
        return int(self.shot_of.shape[0])

    @property
    def cuts(self) -> List[int]:
        return [int(x) for x in self.shot_start[1:]]

    def _clean(self, i: int, rng: np.random.Generator) -> np.ndarray:
        s = int(self.shot_of[i])
        spec, t = self.shots[s], i - int(self.shot_start[s])
        c = (spec.start[0] + spec.velocity[0] * t, spec.start[1] + spec.velocity[1] * t)
        img = render(source_image(spec.image), c, spec.width * spec.zoom**t, self.size)
        return img * np.float32(1.0 + 0.01 * rng.standard_normal())  # flicker

    def frame(self, i: int) -> np.ndarray:
        """Film frame ``i`` (0-based), float32 (H, W, 3) 0–1; the same every time."""
        rng = np.random.default_rng([self.seed, i])
        img = self._clean(i, rng)
        if self.dissolve is not None and self.dissolve[0] <= i <= self.dissolve[1]:
            first, last = self.dissolve
            a = self._clean(first - 1, np.random.default_rng([self.seed, first - 1]))
            b = self._clean(last + 1, np.random.default_rng([self.seed, last + 1]))
            alpha = (i - first + 1) / (last - first + 2)
            img = (1 - alpha) * a + alpha * b
        if self.reframe is not None:
            img = self.reframe(img)
        img = img.astype(np.float32) + self.grain * rng.standard_normal(img.shape, np.float32)
        return np.clip(img, 0, 1, out=img)


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
    frames: Sequence[int],
    images: Iterable[np.ndarray],
    *,
    fields: bool = False,
    size: Optional[Tuple[int, int]] = None,
) -> Thumbnails:
    """Thumbnails of images that arrive one by one, each made by the toolkit's own
    :func:`~restoration_toolkit.core.io.thumbnails.frame_thumbnail` and then, when ``size``
    (w, h) is given, area-averaged down to it (the feature-scale benchmark keeps 32×24, what
    the sync reads, so a 150,000-frame reel fits in memory); color is then one mean per frame.
    Only the thumbnails are kept."""
    n = len(frames)
    lumas: Optional[np.ndarray] = None
    colors: Optional[np.ndarray] = None
    flds: Optional[np.ndarray] = None
    for k, img in enumerate(images):
        lu, co, fl = frame_thumbnail(img, fields=fields)
        if size is not None:
            lu = cv2.resize(lu, size, interpolation=cv2.INTER_AREA)
            co = co.reshape(-1, 3).mean(axis=0).reshape(1, 1, 3)
            if fl is not None:
                fl = np.stack([cv2.resize(x, size, interpolation=cv2.INTER_AREA) for x in fl])
        if lumas is None:
            lumas = np.empty((n, *lu.shape), np.float32)
            colors = np.empty((n, *co.shape), np.float32)
            flds = np.empty((n, *fl.shape), np.float32) if fl is not None else None
        lumas[k], colors[k] = lu, co
        if flds is not None:
            flds[k] = fl
    assert lumas is not None and colors is not None
    return Thumbnails(np.asarray(list(frames), np.int64), lumas, colors, flds)


def reel_thumbnails(
    plan: ReelPlan, first: int = 1001, size: Optional[Tuple[int, int]] = None
) -> Thumbnails:
    """Thumbnails of every frame of ``plan``, numbered from ``first``, rendered one at a time."""
    n = len(plan)
    return stream_thumbnails(range(first, first + n), (plan.frame(i) for i in range(n)), size=size)
