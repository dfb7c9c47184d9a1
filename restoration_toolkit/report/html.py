"""The validation report's ``index.html``, rendered with Jinja2 from the template files in
``report/templates/`` (shipped as package data) and the ``report.json`` document.

Autoescaping is on: every value from the document is HTML-escaped; only the toolkit's own
stylesheet and script are inserted as they are.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Dict

from ..core.io.frames import format_frames

TEMPLATE = "validation_report.html"
BETTER = {
    "lower": "lower is better",
    "higher": "higher is better",
    "one": "closest to 1 is best",
}
PROVENANCE_KEYS = ("reference", "element", "source", "holder", "permission", "date", "notes")
SIGNOFF_KEYS = ("shot", "verdict", "by", "when", "notes")


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("restoration_toolkit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def fmt(value: Any, key: str = "") -> str:
    """A figure as the tables show it: — for none, ∞, 2 decimals for PSNR, 3 otherwise."""
    if value is None:
        return "—"
    if isinstance(value, float):
        if math.isinf(value):
            return "∞"
        if key == "psnr":
            return f"{value:.2f}"
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    return str(value)


def render_html(data: Dict[str, Any]) -> str:
    """``index.html`` for the report document ``data`` (as written to report.json)."""
    env = _environment()
    css = env.loader.get_source(env, "report.css")[0]
    js = env.loader.get_source(env, "report.js")[0]
    return env.get_template(TEMPLATE).render(
        d=data,
        css=css,
        js=js,
        fmt=fmt,
        frames=format_frames,
        better=BETTER,
        provenance_keys=PROVENANCE_KEYS,
        signoff_keys=SIGNOFF_KEYS,
    )
