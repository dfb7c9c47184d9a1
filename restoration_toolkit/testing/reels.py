"""A synthetic film reel and its video references, with the true frame mapping.

Used by ``benchmarks/sync.py`` and the stage-01 tests. The "film" is a run of shots cut from
scikit-image's sample pictures with camera moves (pan, zoom), frame-to-frame flicker and
fresh grain on every frame; an optional dissolve joins two shots. References are made from
the film frames the way a transfer would: another grade (gamma, gain, color cast), softer,
another size, their own noise, and

- ``pal``: 25 fps, every film frame once (1:1), with a leader in front;
- ``ntsc32``: 29.97 fps 3:2 pulldown, upper field first: A A B B B C C D D D as fields, so
  two of every five video frames mix two film frames;
- ``interlaced``: 25 fps PAL with the field phase shifted by one field: every video frame
  mixes two film frames, and every film frame exists only as two fields of two video frames;
- ``edited``: 24 fps, another cut: one shot censored, a foreign shot inserted, three single
  frames dropped and two repeated (isolated: at least 40 frames apart and 8 from a cut,
  outside the censored shot).

Truth per scan frame: the set of reference fields ``(frame, 0 = top | 1 = bottom)`` that show
it (progressive references: both fields of the frame).  Values are display-referred 0–1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import cv2
import numpy as np

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
_FOREIGN = ("colorwheel", "text")


def _source(name: str) -> np.ndarray:
    import skimage.data

    img = getattr(skimage.data, name)().astype(np.float32)
    img /= 255.0 if img.max() > 1.5 else 1.0
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return np.ascontiguousarray(img[:, :, :3])


@dataclass
class ShotSpec:
    image: str
    length: int
    start: Tuple[float, float]  # crop centre (x, y) in source px
    velocity: Tuple[float, float]  # source px per frame
    width: float  # crop width in source px
    zoom: float  # crop width factor per frame


@dataclass
class Reel:
    frames: List[np.ndarray]  # (H, W, 3) float32 film frames
    shot_of: List[int]  # shot index per frame
    cuts: List[int]  # first frame index of every shot after the first
    dissolves: List[Tuple[int, int]] = field(default_factory=list)  # (first, last) frame idx


@dataclass
class Reference:
    name: str
    frames: List[np.ndarray]
    fps: float
    truth: List[Set[Tuple[int, int]]]  # per scan frame: reference fields showing it
    field_order: str = "progressive"

    def expected(self, i: int) -> Tuple[Optional[int], Tuple[Tuple[int, int], ...]]:
        """(clean reference frame or None, sorted fields) of scan frame index ``i``."""
        fl = self.truth[i]
        clean = sorted(k for k in {f for f, _ in fl} if (k, 0) in fl and (k, 1) in fl)
        return (clean[0] if clean else None), tuple(sorted(fl))


def _render(src: np.ndarray, centre, width: float, size=(128, 96)) -> np.ndarray:
    w, h = size
    scale = width / w
    cx, cy = centre
    m = np.array([[scale, 0, cx - scale * w / 2], [0, scale, cy - scale * h / 2]], np.float32)
    return cv2.warpAffine(
        src, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT
    )


def make_shots(n_frames: int, rng: np.random.Generator) -> List[ShotSpec]:
    shots: List[ShotSpec] = []
    total = 0
    names = [n for n in _IMAGES if n not in _FOREIGN]
    while total < n_frames:
        name = names[len(shots) % len(names)]
        src = _source(name)
        h, w = src.shape[:2]
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


def make_reel(
    n_frames: int = 2000, *, seed: int = 7, size=(128, 96), grain: float = 0.03, dissolve: int = 0
) -> Reel:
    """Film frames, float32 RGB 0–1. ``dissolve`` > 0 joins shots 1 and 2 with a dissolve of
    that many frames (overlapping the end of shot 1 and the start of shot 2)."""
    rng = np.random.default_rng(seed)
    specs = make_shots(n_frames, rng)
    frames: List[np.ndarray] = []
    shot_of: List[int] = []
    cuts: List[int] = []
    for s, spec in enumerate(specs):
        src = _source(spec.image)
        if s:
            cuts.append(len(frames))
        for t in range(spec.length):
            c = (spec.start[0] + spec.velocity[0] * t, spec.start[1] + spec.velocity[1] * t)
            img = _render(src, c, spec.width * spec.zoom**t, size)
            img = img * float(1.0 + rng.normal(0, 0.01))
            frames.append(img.astype(np.float32))
            shot_of.append(s)
    dissolves: List[Tuple[int, int]] = []
    if dissolve and len(cuts) >= 2:
        c = cuts[1]
        first, last = c - dissolve // 2, c + dissolve - dissolve // 2 - 1
        a, b = frames[first - 1], frames[last + 1]
        for k, i in enumerate(range(first, last + 1)):
            alpha = (k + 1) / (dissolve + 1)
            frames[i] = ((1 - alpha) * a + alpha * b).astype(np.float32)
        dissolves.append((first, last))
    noise = np.random.default_rng(seed + 1)
    frames = [np.clip(f + noise.normal(0, grain, f.shape).astype(np.float32), 0, 1) for f in frames]
    return Reel(frames, shot_of, cuts, dissolves)


def _grade(img: np.ndarray, size, rng: np.random.Generator, noise: float = 0.025) -> np.ndarray:
    out = (
        cv2.pow(np.clip(img, 0, 1).astype(np.float32), 0.8)
        * np.array([1.08, 0.97, 0.9], np.float32)
        + 0.02
    )
    out = cv2.GaussianBlur(out, (0, 0), 0.8)
    out = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
    if noise:
        out += noise * rng.standard_normal(out.shape, dtype=np.float32)
    return np.clip(out, 0, 1, out=out)


def _leader(n: int, size, rng) -> List[np.ndarray]:
    w, h = size
    return [
        np.clip(
            np.full((h, w, 3), 0.05, np.float32)
            + rng.normal(0, 0.02, (h, w, 3)).astype(np.float32),
            0,
            1,
        )
        for _ in range(n)
    ]


def _progressive(
    name: str,
    reel: Reel,
    order: List[Optional[int]],
    fps: float,
    size,
    seed: int,
    extra: Optional[Dict[int, np.ndarray]] = None,
) -> Reference:
    """``order``: per reference frame, the scan frame index it shows (None: leader/foreign)."""
    rng = np.random.default_rng(seed)
    leader = _leader(1, size, rng)[0]
    frames = []
    truth: List[Set[Tuple[int, int]]] = [set() for _ in reel.frames]
    for k, i in enumerate(order):
        if i is None:
            img = extra[k] if extra and k in extra else leader
            frames.append(
                _grade(img, size, rng)
                if extra and k in extra
                else np.clip(leader + rng.normal(0, 0.02, leader.shape).astype(np.float32), 0, 1)
            )
        else:
            frames.append(_grade(reel.frames[i], size, rng))
            truth[i] |= {(k, 0), (k, 1)}
    return Reference(name, frames, fps, truth)


def _interlaced(
    name: str, reel: Reel, field_src: List[Optional[int]], fps: float, size, seed: int
) -> Reference:
    """``field_src``: per field in time order (upper field first), the scan frame index."""
    rng = np.random.default_rng(seed)
    w, h = size
    if len(field_src) % 2:
        field_src = field_src + [field_src[-1]]
    cache: Dict[int, np.ndarray] = {}

    def graded(i: Optional[int]) -> np.ndarray:
        if i is None:
            return np.full((h, w, 3), 0.05, np.float32)
        if i not in cache:
            cache.clear() if len(cache) > 8 else None
            cache[i] = _grade(reel.frames[i], size, rng, noise=0.0)
        return cache[i]

    frames = []
    truth: List[Set[Tuple[int, int]]] = [set() for _ in reel.frames]
    for k in range(len(field_src) // 2):
        top, bottom = field_src[2 * k], field_src[2 * k + 1]
        img = graded(bottom).copy()
        img[0::2] = graded(top)[0::2]
        img += 0.025 * rng.standard_normal(img.shape, dtype=np.float32)
        img = np.clip(img, 0, 1, out=img)
        frames.append(img)
        if top is not None:
            truth[top].add((k, 0))
        if bottom is not None:
            truth[bottom].add((k, 1))
    return Reference(name, frames, fps, truth, field_order="upper")


def make_references(reel: Reel, *, seed: int = 11, only: Optional[str] = None) -> List[Reference]:
    """The four references (or ``only`` the one named)."""
    n = len(reel.frames)
    rng = np.random.default_rng(seed)
    refs = []
    # PAL 25 fps, 1:1, 14 frames of leader.
    refs.append(_progressive("pal", reel, [None] * 14 + list(range(n)), 25.0, (120, 96), seed))
    if only == "pal":
        return refs
    # NTSC 29.97 3:2 pulldown, upper field first, 3 leader fields.
    fields: List[Optional[int]] = [None] * 4
    for i in range(n):
        fields += [i] * (2 if i % 2 == 0 else 3)
    refs.append(_interlaced("ntsc32", reel, fields, 30000 / 1001, (120, 96), seed + 1))
    if only == "ntsc32":
        return refs[1:]
    # PAL interlaced, field phase shifted: film frame i = bottom of k, top of k+1.
    fields = [None]
    for i in range(n):
        fields += [i, i]
    refs.append(_interlaced("interlaced", reel, fields, 25.0, (120, 96), seed + 2))
    # Edited 24 fps: censor a shot, insert a foreign shot, drop 3 frames, repeat 2.
    starts = [0] + reel.cuts + [n]
    shots = [(starts[s], starts[s + 1]) for s in range(len(starts) - 1)]
    censored = shots[len(shots) // 3]
    inserted_after = shots[2 * len(shots) // 3][1]
    order: List[Optional[int]] = [None] * 6
    extra: Dict[int, np.ndarray] = {}
    # isolated edits: outside the censored shot, at least 40 frames from each other (a drop and a
    # repeat a few frames apart in a slow shot read, by content, as a shift between them)
    lo = shots[1][0] + 5 if len(shots) > 1 else 5
    near_cut = lambda i: any(abs(i - c) < 8 for c in reel.cuts)  # noqa: E731
    pool = [
        i
        for i in range(lo, n - 5)
        if not censored[0] - 2 <= i < censored[1] + 2 and not near_cut(i)
    ]
    picked: List[int] = []
    for i in rng.permutation(pool):
        if all(abs(int(i) - p) >= 40 for p in picked):
            picked.append(int(i))
        if len(picked) == 5:
            break
    drops, repeats = set(picked[:3]), set(picked[3:])
    foreign = _source(_FOREIGN[0])
    for i in range(n):
        if censored[0] <= i < censored[1] or i in drops:
            continue
        if i == inserted_after:
            for t in range(48):
                extra[len(order)] = _render(foreign, (180 + 2 * t, 185), 220)
                order.append(None)
        order.append(i)
        if i in repeats:
            order.append(i)
    refs.append(_progressive("edited", reel, order, 24.0, (128, 96), seed + 3, extra))
    return refs
