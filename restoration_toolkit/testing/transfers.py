"""Synthetic video transfers of a synthetic reel, with the true frame mapping (test material).

References are made from the film frames the way a transfer would: another grade (gamma,
gain, color cast), softer, another size, their own noise, and

- ``pal``: 25 fps, every film frame once (1:1), with a leader in front;
- ``ntsc32``: 29.97 fps 3:2 pulldown, upper field first: A A B B B C C D D D as fields, so
  two of every five video frames mix two film frames;
- ``interlaced``: 25 fps PAL with the field phase shifted by one field: every video frame
  mixes two film frames, and every film frame exists only as two fields of two video frames;
- ``edited``: 24 fps, another cut: per 3,000 film frames one shot censored, a foreign shot
  inserted, three single frames dropped and two repeated (isolated: one per shot, 8 frames
  from a cut, 20 from the end, outside the censored shots; fewer in a reel too short).

A :class:`TransferPlan` says which film frame every reference field shows; frame ``k`` is
rendered from it with the noise of a random generator seeded by ``(seed, k // 64)``, so a
feature-length transfer can be streamed into thumbnails (:func:`transfer_thumbnails`)
without holding it.
Truth per scan frame: the set of reference fields ``(frame, 0 = top | 1 = bottom)`` that
show it (progressive references: both fields of the frame).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Set, Tuple

import cv2
import numpy as np

from ..core.io.thumbnails import Thumbnails
from .reels import (
    FOREIGN,
    Reel,
    ReelPlan,
    batch_thumbnails,
    render,
    source_image,
    stream_thumbnails,
)
from .sync_scoring import expected

NAMES = ("pal", "ntsc32", "interlaced", "edited")
EDIT_BLOCK = 3000  # film frames per censored shot / inserted shot / 3 drops / 2 repeats


@dataclass
class TransferPlan:
    """``fields``: per reference field in time order (top of frame 0, bottom of frame 0, …)
    the film frame index it shows, or None (leader, foreign material); ``foreign``: reference
    frame index → (centre, width) of the foreign picture it shows."""

    name: str
    fps: float
    size: Tuple[int, int]
    seed: int
    fields: List[Optional[int]]
    interlaced: bool
    n_film: int
    foreign: Dict[int, Tuple[Tuple[float, float], float]] = field(default_factory=dict)

    @property
    def field_order(self) -> str:
        return "upper" if self.interlaced else "progressive"

    def __len__(self) -> int:
        return len(self.fields) // 2

    def truth(self) -> List[Set[Tuple[int, int]]]:
        out: List[Set[Tuple[int, int]]] = [set() for _ in range(self.n_film)]
        for u, i in enumerate(self.fields):
            if i is not None:
                out[i].add((u // 2, u % 2))
        return out


@dataclass
class Reference:
    name: str
    frames: List[np.ndarray]
    fps: float
    truth: List[Set[Tuple[int, int]]]  # per scan frame: reference fields showing it
    field_order: str = "progressive"

    def expected(self, i: int) -> Tuple[Optional[int], Tuple[Tuple[int, int], ...]]:
        """(clean reference frame or None, sorted fields) of scan frame index ``i``."""
        return expected(self.truth[i])


def grade(
    img: np.ndarray,
    size,
    rng: Optional[np.random.Generator],
    noise: float = 0.025,
    blur: float = 0.8,
) -> np.ndarray:
    """The transfer's look: gamma 0.8, a color cast, softer, resized to ``size``, noise."""
    out = (
        cv2.pow(np.clip(img, 0, 1).astype(np.float32), 0.8)
        * np.array([1.08, 0.97, 0.9], np.float32)
        + 0.02
    )
    out = cv2.GaussianBlur(out, (0, 0), blur)
    out = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
    if noise and rng is not None:
        out += noise * rng.standard_normal(out.shape, dtype=np.float32)
    return np.clip(out, 0, 1, out=out)


def _doubled(order: List[Optional[int]]) -> List[Optional[int]]:
    return [i for i in order for _ in (0, 1)]


def _edited_order(plan_len: int, cuts: List[int], rng: np.random.Generator):
    """Reference frame order of the re-edit and the foreign frames it inserts."""
    n = plan_len
    starts = [0] + cuts + [n]
    shots = [(starts[s], starts[s + 1]) for s in range(len(starts) - 1)]
    blocks = max(1, n // EDIT_BLOCK)
    censored = [shots[(3 * b + 1) * len(shots) // (3 * blocks)] for b in range(blocks)]
    inserted_after = {shots[(3 * b + 2) * len(shots) // (3 * blocks)][1] for b in range(blocks)}
    # isolated edits: at most one per shot, outside the censored shots, 8 frames from a cut
    # and 20 from the end. A drop and a repeat in the same slow shot read, by content, as a
    # one-frame shift between them (each frame between matches its neighbour almost as well
    # as itself), and so does a repeat in the last frames of the reel.
    lo = shots[1][0] + 5 if len(shots) > 1 else 5
    banned = np.zeros(n, bool)
    banned[:lo] = True
    banned[n - 20 :] = True
    for c in cuts:
        banned[max(0, c - 7) : c + 8] = True
    for a, b in censored:
        banned[max(0, a - 2) : b + 2] = True
    shot_of = np.repeat(np.arange(len(shots)), [b - a for a, b in shots])
    picked: List[int] = []
    used = set()
    for i in rng.permutation(n):
        if len(picked) == 5 * blocks:
            break
        if not banned[i] and shot_of[i] not in used:
            picked.append(int(i))
            used.add(int(shot_of[i]))
    # alternate, so a short reel with room for fewer than five still has both kinds
    kinds = ["drop", "repeat", "drop", "repeat", "drop"]
    drops = {p for k, p in enumerate(picked) if kinds[k % 5] == "drop"}
    repeats = {p for k, p in enumerate(picked) if kinds[k % 5] == "repeat"}
    cut_out = np.zeros(n, bool)
    for a, b in censored:
        cut_out[a:b] = True
    order: List[Optional[int]] = [None] * 6
    foreign: Dict[int, Tuple[Tuple[float, float], float]] = {}
    for i in range(n):
        if cut_out[i] or i in drops:
            continue
        if i in inserted_after:
            for t in range(48):
                foreign[len(order)] = ((180.0 + 2 * t, 185.0), 220.0)
                order.append(None)
        order.append(i)
        if i in repeats:
            order.append(i)
    return order, foreign


def plan_transfers(
    film: ReelPlan, *, seed: int = 11, only: Optional[str] = None
) -> List[TransferPlan]:
    """The four transfer plans (or ``only`` the one named)."""
    n = len(film)
    out: List[TransferPlan] = []
    names = NAMES if only is None else (only,)
    for name in names:
        if name == "pal":  # 25 fps, 1:1, 14 frames of leader
            fields = _doubled([None] * 14 + list(range(n)))
            out.append(TransferPlan(name, 25.0, (120, 96), seed, fields, False, n))
        elif name == "ntsc32":  # 3:2 pulldown, upper field first, 4 leader fields
            f: List[Optional[int]] = [None] * 4
            for i in range(n):
                f += [i] * (2 if i % 2 == 0 else 3)
            f += [f[-1]] * (len(f) % 2)
            out.append(TransferPlan(name, 30000 / 1001, (120, 96), seed + 1, f, True, n))
        elif name == "interlaced":  # film frame i = bottom of k, top of k+1
            f = [None] + [i for i in range(n) for _ in (0, 1)] + [n - 1]
            out.append(TransferPlan(name, 25.0, (120, 96), seed + 2, f, True, n))
        elif name == "edited":
            order, foreign = _edited_order(n, film.cuts, np.random.default_rng(seed))
            plan = TransferPlan(name, 24.0, (128, 96), seed + 3, _doubled(order), False, n)
            plan.foreign = foreign
            out.append(plan)
        else:
            raise ValueError(f"unknown transfer {name!r} (one of {', '.join(NAMES)})")
    return out


NOISE_CHUNK = 64  # reference frames sharing one generator (seeded by (seed, chunk))


def transfer_frames(plan: TransferPlan, film: ReelPlan) -> Iterator[np.ndarray]:
    """The transfer's frames in order, rendered one at a time. Sizes, softening and noise
    follow the film's render size (the benchmark renders at half the tests' 128×96)."""
    scale = film.size[0] / 128.0
    size = (int(round(plan.size[0] * scale)), int(round(plan.size[1] * scale)))
    w, h = size
    cache: OrderedDict[int, np.ndarray] = OrderedDict()

    def clean(i: int) -> np.ndarray:  # the transfer's look of film frame i, before noise
        if i not in cache:
            cache[i] = grade(film.frame(i), size, None, noise=0.0, blur=0.8 * scale)
            if len(cache) > 8:
                cache.popitem(last=False)
        return cache[i]

    noise = np.empty(0)
    for k in range(len(plan)):
        if k % NOISE_CHUNK == 0:
            rng = np.random.default_rng([plan.seed, k // NOISE_CHUNK])
            noise = rng.standard_normal((NOISE_CHUNK, h, w, 3), np.float32) * np.float32(scale)
        z = noise[k % NOISE_CHUNK]
        top, bottom = plan.fields[2 * k], plan.fields[2 * k + 1]
        if not plan.interlaced:
            if top is not None:
                img = clean(top) + 0.025 * z
            elif k in plan.foreign:
                centre, width = plan.foreign[k]
                src = render(source_image(FOREIGN[0]), centre, width, film.size)
                img = grade(src, size, None, noise=0.0, blur=0.8 * scale) + 0.025 * z
            else:  # leader
                img = np.float32(0.05) + 0.02 * z
            yield np.clip(img, 0, 1)
            continue
        flat = np.full((h, w, 3), 0.05, np.float32)
        img = (clean(bottom) if bottom is not None else flat).copy()
        img[0::2] = (clean(top) if top is not None else flat)[0::2]
        img += 0.025 * z
        yield np.clip(img, 0, 1, out=img)


def transfer_thumbnails(
    plan: TransferPlan, film: ReelPlan, *, first: int = 1, size: Optional[Tuple[int, int]] = None
) -> Thumbnails:
    """Thumbnails (with fields) of the whole transfer, numbered from ``first``, streamed:
    the toolkit's 64×48 thumbnails, or with ``size`` the benchmark's
    :func:`~restoration_toolkit.testing.reels.batch_thumbnails`, 256 frames at a time."""
    n = len(plan)
    frames = range(first, first + n)
    if size is None:
        return stream_thumbnails(frames, transfer_frames(plan, film), fields=True)
    luma = np.empty((n, size[1], size[0]), np.float32)
    color = np.empty((n, 1, 1, 3), np.float32)
    fields = np.empty((n, 2, size[1], size[0]), np.float32)
    batch: List[np.ndarray] = []
    done = 0
    for img in transfer_frames(plan, film):
        batch.append(img)
        if len(batch) == 256 or done + len(batch) == n:
            lu, co, fl = batch_thumbnails(np.stack(batch), size, fields=True)
            m = len(batch)
            luma[done : done + m], color[done : done + m], fields[done : done + m] = lu, co, fl
            done += m
            batch = []
    return Thumbnails(np.asarray(frames, np.int64), luma, color, fields)


def make_references(reel: Reel, *, seed: int = 11, only: Optional[str] = None) -> List[Reference]:
    """The four references of a short reel rendered whole (or ``only`` the one named)."""
    if reel.plan is None:
        raise ValueError("make_references needs a reel made by make_reel")
    out = []
    for plan in plan_transfers(reel.plan, seed=seed, only=only):
        frames = list(transfer_frames(plan, reel.plan))
        out.append(Reference(plan.name, frames, plan.fps, plan.truth(), plan.field_order))
    return out
