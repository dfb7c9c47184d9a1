"""The color benchmark's choosing and scoring (benchmarks/color.py runs them; the hold-out
test checks them): every choice — the toolkit's cross-validated model, every candidate's
weights, every peer's setting — made from the training pairs alone, then the held-out pairs
graded and scored in ΔE2000 against the truth.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..core.color.candidates import registry
from ..core.color.chroma_only import keep_scan_luminance
from ..core.color.crossval import CV_SAMPLES, cross_validate, subsample
from ..core.color.fit import refit
from ..core.color.folds import plan_folds
from ..core.color.samples import collect_samples
from ..core.color.scoring import Scorer
from .benchmark_images import HELD_OUT_IMAGES, TRAIN_IMAGES, load_srgb
from .color_families import FAMILIES, FamilyPair, srgb_to_linear
from .color_peers import cross_validate_peer, peer_settings

CV_CHOICE = "CV choice"
NONE = "no correction"


class Chosen:
    """What the choosing step produced: fitted models (name → linear (N, 3) → (N, 3)),
    the toolkit's selection table, the peers' chosen settings, the fit time."""

    def __init__(self) -> None:
        self.models: Dict[str, Any] = {}
        self.kind: Dict[str, str] = {}
        self.winner = ""
        self.selection: Dict[str, Any] = {}
        self.peer_choice: Dict[str, str] = {}
        self.fit_wall = self.fit_cpu = 0.0


def choose(train: Sequence[FamilyPair], chroma_only: bool, *, size: int = 33,
           cv_samples: int = CV_SAMPLES, candidates: Optional[list] = None,
           with_matcher: bool = True, peers: Optional[Dict[str, list]] = None) -> Chosen:
    """Every choice of the benchmark, made from the training pairs alone."""
    out = Chosen()
    scorer = Scorer("linear-srgb", chroma_only)
    wall, cpu = time.perf_counter(), time.process_time()
    samples = collect_samples([(p.scan, p.reference, None) for p in train])
    if chroma_only:
        samples = samples.with_target(keep_scan_luminance(samples.source, samples.target))
    shots = [f"picture {i + 1}" for i in range(len(train))]
    plan = plan_folds(samples, shots)
    small = subsample(samples, plan.unit, cv_samples)
    plan = plan_folds(small, shots)
    cands = list(candidates or registry())
    selection = cross_validate(small, cands, plan, scorer)
    winner = selection.winner.candidate
    model = refit(samples, small, plan, winner, scorer, size=size)
    out.fit_wall, out.fit_cpu = time.perf_counter() - wall, time.process_time() - cpu
    out.winner, out.selection = winner.name, selection.to_dict()
    out.models[CV_CHOICE], out.kind[CV_CHOICE] = model.apply, "ours"
    for c in cands:
        fitted = model if c == winner else refit(samples, small, plan, c, scorer, size=size)
        out.models[c.name], out.kind[c.name] = fitted.apply, "candidate"
    for family, settings in (peers or peer_settings(with_matcher)).items():
        best, _ = cross_validate_peer(settings, small, plan, scorer)
        fit = best.fit(samples.source, samples.target)
        out.models[family] = lambda x, f=fit: f(x.reshape(-1, 3)).reshape(x.shape)
        out.kind[family] = "peer"
        out.peer_choice[family] = best.label
    out.models[NONE], out.kind[NONE] = (lambda x: x), "baseline"
    return out


def score(chosen: Chosen, held: Sequence[FamilyPair], chroma_only: bool) -> Dict[str, float]:
    """Mean over the held-out pictures of each model's mean ΔE2000 against the truth."""
    scorer = Scorer("linear-srgb", chroma_only)
    per: Dict[str, List[float]] = {name: [] for name in chosen.models}
    for p in held:
        src = p.scan_clean
        truth = keep_scan_luminance(src, p.truth) if chroma_only else p.truth
        for name, apply in chosen.models.items():
            pred = np.asarray(apply(src), np.float32)
            de = scorer.errors(src.reshape(-1, 3), truth.reshape(-1, 3),
                               pred[..., :3].reshape(-1, 3))
            per[name].append(float(de.mean()))
    return {name: float(np.mean(v)) for name, v in per.items()}


def run_family(key: str, draws: int, rows: int, size: int, log=print,
               held_out: Sequence[str] = HELD_OUT_IMAGES, **choose_options: Any) -> Dict[str, Any]:
    """Every draw of one family: choose from the training pairs, score on the held-out ones."""
    fam = FAMILIES[key]
    train_img = [fam.prepare(srgb_to_linear(load_srgb(n, rows))) for n in TRAIN_IMAGES]
    held_img = [fam.prepare(srgb_to_linear(load_srgb(n, rows))) for n in held_out]
    out: Dict[str, Any] = {"key": key, "name": fam.name, "chroma_only": fam.chroma_only,
                           "draws": []}
    for d in range(draws):
        rng = np.random.default_rng(1000 * (ord(key) - ord("a") + 1) + d)
        params = fam.draw(rng)
        train = [fam.pair(x, params, rng) for x in train_img]
        held = [fam.pair(x, params, rng) for x in held_img]
        chosen = choose(train, fam.chroma_only, size=size, **choose_options)
        result = score(chosen, held, fam.chroma_only)
        out["draws"].append({
            "seed": 1000 * (ord(key) - ord("a") + 1) + d,
            "parameters": repr(params),
            "winner": chosen.winner,
            "peer_settings": chosen.peer_choice,
            "fit_seconds_wall": round(chosen.fit_wall, 1),
            "fit_seconds_cpu": round(chosen.fit_cpu, 1),
            "selection": chosen.selection,
            "heldout_de2000": {k: round(v, 4) for k, v in result.items()},
            "kind": chosen.kind,
        })
        log(f"({key}) draw {d + 1}/{draws}: CV chose {chosen.winner}: {result[CV_CHOICE]:.3f}; "
            f"best peer {min((v, k) for k, v in result.items() if chosen.kind[k] == 'peer')}; "
            f"none {result[NONE]:.2f}; fit {chosen.fit_wall:.0f} s wall / "
            f"{chosen.fit_cpu:.0f} s CPU")
    return out
