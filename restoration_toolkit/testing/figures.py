"""How benchmark figures are summarised and checked: the spread over seeds, a verdict only
beyond it, a log-linear extrapolation of a learning curve, and the numbers a Markdown table
shows (to check them against the JSON the script wrote).

Shared by ``benchmarks/`` (which compute and publish the figures) and the tests (which check
these functions on known answers and every published table against its JSON).
"""

from __future__ import annotations

import bisect
import math
import re
from typing import Any, Dict, Iterable, List, Sequence

import numpy as np

#: beyond this many steps an extrapolated training budget is reported as no realistic budget
#: (CopyCat's own default run for 12 pairs is about 80 000 steps)
REALISTIC_STEPS = 1_000_000


def spread(values: Iterable[float]) -> Dict[str, Any]:
    """Mean, sample standard deviation (0 for one value), min, max and count of ``values``
    (non-finite values are counted in ``failed`` and left out of the rest)."""
    vals = [float(v) for v in values]
    ok = [v for v in vals if math.isfinite(v)]
    n = len(ok)
    mean = sum(ok) / n if n else float("nan")
    sd = math.sqrt(sum((v - mean) ** 2 for v in ok) / (n - 1)) if n > 1 else 0.0
    return {
        "mean": mean,
        "sd": sd if n else float("nan"),
        "min": min(ok) if ok else float("nan"),
        "max": max(ok) if ok else float("nan"),
        "n": n,
        "failed": len(vals) - n,
        "values": vals,
    }


def pm(s: Dict[str, Any], digits: int = 3) -> str:
    """``mean ± sd`` of a :func:`spread` ("fail" when nothing finite)."""
    if not s["n"]:
        return "fail"
    return f"{s['mean']:.{digits}f} ± {s['sd']:.{digits}f}"


def differs(a: Dict[str, Any], b: Dict[str, Any]) -> bool:
    """True when the difference of two spreads' means exceeds their seed-to-seed spread
    (the larger of the two standard deviations, at least): the only case a benchmark may
    call one better than the other."""
    if not (a["n"] and b["n"]):
        return False
    return abs(a["mean"] - b["mean"]) > max(a["sd"], b["sd"])


# -- numbers in a table and in its JSON --------------------------------------------------------

#: a number as tables print it: 1,234 · 0.071 · −3.5 · 1e-4 · 12 % · 4.2× · 0.07 ± 0.01 (each
#: side). Digits glued to letters or to a hyphen (p95, E0001, x86_64, Lanczos-4, ACES2065-1,
#: 16mm, 2048x1556) are names, not figures, and are skipped, and so are versions (3.11.7).
_NUMBER = re.compile(
    r"(?<![\w.\-−])(?P<sign>[-−+]?)"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?P<exp>[eE][-+]?\d+)?"
    r"(?![\w])(?!\.\d)(?P<pct>\s?%)?"
)

_DIGITS = re.compile(r"\d+(?:\.\d+)?")


class Shown:
    """A number as a table shows it: its value, the half-unit of its last digit, whether
    it was a percentage, and the text."""

    __slots__ = ("value", "tolerance", "percent", "text")

    def __init__(self, value: float, tolerance: float, percent: bool, text: str) -> None:
        self.value, self.tolerance, self.percent, self.text = value, tolerance, percent, text

    def __repr__(self) -> str:
        return self.text


def numbers_in_text(text: str) -> List[Shown]:
    """Every figure in ``text`` (see :data:`_NUMBER` for what counts)."""
    out: List[Shown] = []
    for m in _NUMBER.finditer(text):
        sign = -1.0 if m.group("sign") in ("-", "−") else 1.0
        digits = m.group("int").replace(",", "")
        frac = m.group("frac") or ""
        exp = int(m.group("exp")[1:]) if m.group("exp") else 0
        value = sign * float(digits + frac) * 10.0**exp
        decimals = max(len(frac) - 1, 0)
        tolerance = 0.5 * 10.0 ** (exp - decimals)
        out.append(Shown(value, tolerance, bool(m.group("pct")), m.group(0).strip()))
    return out


def numbers_in_json(data: Any) -> List[float]:
    """Every number in a JSON value: numeric leaves, and the numbers inside its strings and
    keys (a description or a date the table copies), sorted."""
    found: List[float] = []

    def walk(value: Any) -> None:
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, (int, float)):
            if math.isfinite(value):
                found.append(float(value))
        elif isinstance(value, str):
            found.extend(s.value for s in numbers_in_text(value))
            found.extend(float(d) for d in _DIGITS.findall(value))  # 26T14 in a date, too
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(str(k))
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    walk(data)
    return sorted(found)


def _present(values: List[float], target: float, tolerance: float) -> bool:

    slack = tolerance * (1 + 1e-9) + 1e-12 * abs(target)
    i = bisect.bisect_left(values, target - slack)
    return i < len(values) and values[i] <= target + slack


def missing_numbers(markdown: str, data: Any) -> List[str]:
    """The figures of ``markdown`` that no number in ``data`` rounds to (a percentage may
    also be a fraction in the JSON: 12.5 % ↔ 0.125)."""
    values = numbers_in_json(data)
    missing = []
    for shown in numbers_in_text(markdown):
        ok = _present(values, shown.value, shown.tolerance)
        if not ok and shown.percent:
            ok = _present(values, shown.value / 100.0, shown.tolerance / 100.0)
        if not ok:
            missing.append(shown.text)
    return missing


def loglinear(
    points: Sequence[Dict[str, Any]], key: str, target: float, higher: bool
) -> Dict[str, Any]:
    """Fit ``key = a + b·log10(steps)`` to the small-model curve; the steps at which it would
    reach ``target`` (None when the curve does not move toward it). An extrapolation."""
    pts = sorted((p["steps"], p[key]) for p in points if p["model_size"] == points[0]["model_size"])
    x = np.log10([p[0] for p in pts])
    y = np.array([p[1] for p in pts])
    if len(pts) < 2:
        return {
            "a": None,
            "b": None,
            "steps_needed": None,
            "points": len(pts),
            "realistic_steps": REALISTIC_STEPS,
        }
    b, a = np.polyfit(x, y, 1)
    improving = b > 0 if higher else b < 0
    exponent = (target - a) / b if improving and b != 0 else None
    needed = 10.0 ** min(exponent, 300.0) if exponent is not None else None
    return {
        "a": float(a),
        "b": float(b),
        "target": float(target),
        "steps_needed": needed,
        "points": len(pts),
        "realistic_steps": REALISTIC_STEPS,
    }


def headline_figures(headline: Dict[str, Any], limit: int = 16) -> Dict[str, Any]:
    """The scalar figures of a table's ``headline`` (nested keys joined with ``/``), at most
    ``limit``, for the run's experiment-log entry."""
    out: Dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if len(out) >= limit:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}/{k}" if prefix else str(k), v)
        elif isinstance(value, (bool, int, float, str)):
            out[prefix] = value

    walk("", headline)
    return out
