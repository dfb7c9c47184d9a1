"""The color benchmark's peers, each at its own best setting chosen by the same
cross-validation as the toolkit's model (same samples, same folds, same ΔE2000 scorer).

- colour-science ``colour_correction``: Cheung 2004 (every term count it offers), Finlayson
  2015 (degree 1–4, plain and root), Vandermonde (degree 1–4); each on linear values or on
  sRGB code values (the domain is part of the setting);
- color-matcher (distribution transfer): every method it offers. It matches a picture to a
  reference *picture*, not pixel pairs, so its reference is the training references pooled
  (in cross-validation: those of the other folds) — how one would grade new frames with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from ..core.color.folds import FoldPlan
from ..core.color.samples import FitSamples
from ..core.color.scoring import Scorer

Apply = Callable[[np.ndarray], np.ndarray]  # linear (N, 3) → linear (N, 3)


def _encode(x: np.ndarray) -> np.ndarray:
    v = np.clip(x, 0.0, 1.0)
    return np.where(v <= 0.0031308, 12.92 * v, 1.055 * np.power(v, 1 / 2.4) - 0.055)


def _decode(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.04045, v / 12.92, np.power((v + 0.055) / 1.055, 2.4))


_DOMAINS = {"linear": (lambda x: np.asarray(x, np.float64), lambda x: np.asarray(x)),
            "sRGB code": (_encode, _decode)}


@dataclass(frozen=True)
class PeerSetting:
    family: str
    label: str
    fit: Callable[[np.ndarray, np.ndarray], Apply]  # (source, target) linear → apply


def _colour(method: str, domain: str, **kw: Any) -> Callable[[np.ndarray, np.ndarray], Apply]:
    enc, dec = _DOMAINS[domain]

    def fit(src: np.ndarray, tgt: np.ndarray) -> Apply:
        import colour

        ccm = colour.characterisation.matrix_colour_correction(enc(src), enc(tgt), method=method,
                                                               **kw)

        def apply(x: np.ndarray) -> np.ndarray:
            out = colour.characterisation.apply_matrix_colour_correction(enc(x), ccm,
                                                                         method=method, **kw)
            return dec(np.nan_to_num(np.asarray(out, np.float64))).astype(np.float32)

        return apply

    return fit


def _matcher(method: str, domain: str) -> Callable[[np.ndarray, np.ndarray], Apply]:
    enc, dec = _DOMAINS[domain]

    def fit(src: np.ndarray, tgt: np.ndarray) -> Apply:
        from color_matcher import ColorMatcher

        ref = enc(tgt)[:, None, :]

        def apply(x: np.ndarray) -> np.ndarray:
            out = ColorMatcher().transfer(src=enc(x)[:, None, :], ref=ref, method=method)
            return dec(np.nan_to_num(np.asarray(out, np.float64)[:, 0, :])).astype(np.float32)

        return apply

    return fit


def peer_settings(with_matcher: bool = True) -> Dict[str, List[PeerSetting]]:
    """Every setting of every peer family."""
    out: Dict[str, List[PeerSetting]] = {}
    for domain in _DOMAINS:
        out.setdefault("colour Cheung 2004", []).extend(
            PeerSetting("colour Cheung 2004", f"{t} terms, {domain}",
                        _colour("Cheung 2004", domain, terms=t))
            for t in (3, 5, 7, 8, 10, 11, 14, 16, 17, 19, 20, 22))
        out.setdefault("colour Finlayson 2015", []).extend(
            PeerSetting("colour Finlayson 2015", f"{'root ' if r else ''}degree {d}, {domain}",
                        _colour("Finlayson 2015", domain, degree=d, root_polynomial_expansion=r))
            for d in (1, 2, 3, 4) for r in (False, True))
        out.setdefault("colour Vandermonde", []).extend(
            PeerSetting("colour Vandermonde", f"degree {d}, {domain}",
                        _colour("Vandermonde", domain, degree=d))
            for d in (1, 2, 3, 4))
    if with_matcher:
        try:
            from color_matcher.top_level import METHODS
        except ImportError:  # an optional peer (pip install .[peers])
            METHODS = ()
        out["color-matcher"] = [
            PeerSetting("color-matcher", f"{m}, {domain}", _matcher(m, domain))
            for m in METHODS if m != "default" for domain in _DOMAINS]
        if not out["color-matcher"]:
            del out["color-matcher"]
    return out


def _score(apply: Apply, test: FitSamples, scorer: Scorer) -> np.ndarray:
    return scorer.errors(test.source, test.target, apply(test.source))


def cross_validate_peer(settings: List[PeerSetting], samples: FitSamples, plan: FoldPlan,
                        scorer: Scorer) -> Tuple[PeerSetting, List[Dict[str, Any]]]:
    """The setting with the lowest mean held-out ΔE2000 over ``plan``'s folds (ties: the
    first listed, i.e. the simplest), and every setting's figures."""
    rows = []
    for s in settings:
        means: List[float] = []
        error: Optional[str] = None
        for k in range(len(plan)):
            held = plan.held_out(k)
            train, test = samples.subset(~held), samples.subset(held)
            try:
                de = _score(s.fit(train.source, train.target), test, scorer)
                means.append(float(np.average(de, weights=np.maximum(test.weight, 1e-12))))
            except Exception as exc:  # a peer setting that fails is simply not chosen
                error = str(exc).splitlines()[0][:120]
                break
        mean = float(np.mean(means)) if means and error is None else float("inf")
        rows.append({"setting": s.label, "cv_de2000_mean": mean, "error": error})
    best = int(np.argmin([r["cv_de2000_mean"] for r in rows]))
    return settings[best], rows
