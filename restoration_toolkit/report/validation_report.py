"""Build ``pipeline/05_matchgrade_render/report/``: index.html, report.json and the pictures.

The folder is self-contained (every picture sits next to the HTML, no network, a few lines
of inline CSS/JS for the wipe and the toggle) and is built in a hidden temporary folder that
replaces the old report only when complete: a failed run never leaves half a report.

Sign-offs (a human verdict per shot) are kept in ``pipeline/05_matchgrade_render/signoffs.json``
so that rebuilding the report keeps them; each sign-off also rewrites index.html and
report.json in place (atomically) and is recorded in the experiment log.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import json
import math
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from .. import __version__
from ..core.errors import RTKError
from ..core.io.atomic import atomic_write_text
from ..core.io.frames import format_frames
from ..core.progress import ProgressFn
from ..core.project import Project
from ..core.validation.evaluate import (
    GROUND_TRUTHS,
    METRICS,
    ValidationInputs,
    ValidationResult,
    best_per_row,
    evaluate,
    project_inputs,
)

REPORT_SCHEMA = "rtk-validation-report/1"
SIGNOFF_SCHEMA = "rtk-signoffs/1"
VERDICTS = ("accept", "reject")
CROP = 256


@dataclass
class ReportOutcome:
    """Where the report went and what it found."""

    folder: Path
    html: Path
    json: Path
    entry_id: Optional[str]
    outlier_frames: List[int]
    curate_command: Optional[str]
    summary: Dict[str, Dict[str, float]] = field(default_factory=dict)
    best: Dict[str, Optional[str]] = field(default_factory=dict)


# -- helpers ----------------------------------------------------------------------------------


def json_safe(value: Any) -> Any:
    """``value`` with NaN/inf as null, numpy as Python and paths as strings (strict JSON)."""
    return _clean(value)


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf → None, numpy → Python, Paths → posix strings."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    return value


def _fmt(value: Any, key: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if math.isinf(value):
            return "∞"
        if key == "psnr":
            return f"{value:.2f}"
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    return html.escape(str(value))


def _provenance(project: Optional[Project]) -> List[Dict[str, str]]:
    if project is None:
        return []
    out = []
    if project.reference is not None:
        p = project.reference.provenance
        out.append(
            {
                "reference": project.reference.path,
                "element": " ".join(
                    x
                    for x in (
                        project.reference.element.gauge,
                        project.reference.element.generation,
                        project.reference.element.description,
                    )
                    if x
                ),
                "source": p.source if p else "",
                "holder": p.holder if p else "",
                "permission": p.permission if p else "",
                "date": p.date if p else "",
                "notes": p.notes if p else "",
            }
        )
    for k in project.keyframe_references:
        out.append(
            {
                "reference": k.path,
                "element": f"keyframe for scan frame {k.scan_frame}",
                "source": k.provenance.source,
                "holder": k.provenance.holder,
                "permission": k.provenance.permission,
                "date": k.provenance.date,
                "notes": k.provenance.notes,
            }
        )
    return out


def _log_run(project_root: Path, **kwargs: Any) -> Optional[str]:
    try:
        from ..core.experiment_log import log_run  # issue 8; optional until merged
    except ImportError:
        return None
    return log_run(project_root, **kwargs)


def _save_png(path: Path, pixels: np.ndarray) -> None:
    from ..core.io.images import write_image

    write_image(path, np.clip(pixels, 0, 1), data_format="uint8")


# -- plots ------------------------------------------------------------------------------------


def _plots(result: ValidationResult, folder: Path) -> Dict[str, str]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    out: Dict[str, str] = {}
    frames = result.inputs.frames
    fig, ax = plt.subplots(figsize=(8, 3.5), dpi=100)
    for name, rows in result.per_frame.items():
        xs: List[float] = []
        ys: List[float] = []
        for k, f in enumerate(frames):
            if k and f != frames[k - 1] + 1:  # no line across frames that were not measured
                xs.append(float("nan"))
                ys.append(float("nan"))
            xs.append(f)
            ys.append(rows[f]["delta_e_mean"])
        ax.plot(xs, ys, marker="o", lw=2.5 if name == "model" else 1.2, label=name)
    for o in result.outliers:
        ax.axvline(o.frame, color="#c33", alpha=0.15, lw=6)
    ax.set_xlabel("scan frame (held out of training)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # frames are whole numbers
    ax.set_ylabel("mean ΔE2000")
    ax.set_title("Color error per frame (lower is better; red bands: outlier frames)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=3)
    fig.tight_layout()
    fig.savefig(folder / "delta_e_per_frame.png")
    plt.close(fig)
    out["delta_e"] = "delta_e_per_frame.png"

    if result.nps:
        fig, ax = plt.subplots(figsize=(8, 3.5), dpi=100)
        for name, curve in result.nps.items():
            f = np.array(curve["frequencies"])
            p = np.array(curve["power"])
            if f.size:
                ax.semilogy(
                    f,
                    np.maximum(p, 1e-12),
                    lw=2.5 if name in ("model", "scan (grain reference)") else 1.2,
                    ls="--" if name.startswith("scan (grain") else "-",
                    label=name,
                )
        ax.set_xlabel("spatial frequency (cycles / pixel)")
        ax.set_ylabel("NPS (value² · px²)")
        ax.set_title("Grain: noise power spectrum of the scan's flattest patches")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8, ncol=2)
        fig.tight_layout()
        fig.savefig(folder / "nps.png")
        plt.close(fig)
        out["nps"] = "nps.png"

    if result.flicker:
        fig, ax = plt.subplots(figsize=(8, 3.5), dpi=100)
        for name, fl in result.flicker.items():
            series = fl["series"]
            ax.plot(
                [s[0] for s in series],
                [s[1] for s in series],
                marker=".",
                lw=2.5 if name == "model" else 1.2,
                label=name,
            )
        ax.axhline(2.0, color="#c33", ls=":", label="outlier threshold")
        ax.set_xlabel("scan frame")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("|ΔY − ΔY_ref| (% of mean Y)")
        ax.set_title("Flicker over time (brightness steps the reference does not have)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, ncol=3)
        fig.tight_layout()
        fig.savefig(folder / "flicker.png")
        plt.close(fig)
        out["flicker"] = "flicker.png"
    return out


def _pictures(result: ValidationResult, folder: Path) -> List[Dict[str, Any]]:
    """Crops side by side and ΔE error maps of the frames the evaluation kept (the model's
    worst frame and the first held-out frame)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if not result.pictures:
        return []
    (folder / "crops").mkdir()
    (folder / "errors").mkdir()
    shots: List[Dict[str, Any]] = []
    for pic in result.pictures:
        f = pic.frame
        y0, x0, size = pic.box
        entry: Dict[str, Any] = {
            "frame": f,
            "why": pic.why,
            "box": [x0, y0, size, size],
            "crops": {},
            "errors": {},
        }
        for name, img in pic.crops.items():
            rel = f"crops/f{f}_{_slug(name)}.png"
            _save_png(folder / rel, img)
            entry["crops"][name] = rel
        for name, de in pic.error_maps.items():
            rel = f"errors/f{f}_{_slug(name)}_de.png"
            plt.imsave(
                folder / rel,
                np.nan_to_num(de.astype(np.float32), nan=0.0),
                cmap="magma",
                vmin=0.0,
                vmax=10.0,
            )
            entry["errors"][name] = rel
        shots.append(entry)
    return shots


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


# -- JSON -----------------------------------------------------------------------------------------


def report_data(
    result: ValidationResult,
    *,
    project: Optional[Project],
    entry_id: Optional[str],
    plots: Dict[str, str],
    pictures: List[Dict[str, Any]],
    signoffs: List[Dict[str, Any]],
) -> Dict[str, Any]:
    inputs = result.inputs
    best = best_per_row(result.summary)
    outlier_frames = sorted({o.frame for o in result.outliers})
    curate = f"rtk curate --add {format_frames(outlier_frames)}" if outlier_frames else None
    if curate and project is not None:
        curate += f" --project {project.root.as_posix()}"
    model = next((c for c in inputs.candidates if c.kind == "model"), None)
    return _clean(
        {
            "schema": REPORT_SCHEMA,
            "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
            "toolkit_version": __version__,
            "project": {
                "name": project.name,
                "technique": project.technique,
                "root": project.root,
                "film": project.film,
            }
            if project
            else None,
            "trained_model_notice": (
                "The images labelled 'model' were made by a trained machine-learning model (a per-film "
                "network trained on the reference pairs listed in pairs.yaml); they are a restoration, "
                "not the original film, and the references they were trained on are listed below."
            ),
            "frames": inputs.frames,
            "training_frames": inputs.training_frames,
            "measured_in": "display-referred sRGB 0–1 (OpenColorIO: each input from its colour space to "
            "'sRGB - Texture'), cropped to the live area, over the alignment confidence mask",
            "size": list(result.size),
            "ground_truth": inputs.ground_truth,
            "compared_with": GROUND_TRUTHS[inputs.ground_truth],
            "references": {
                "source": inputs.reference_source,
                "colorspace": inputs.reference_space,
                "provenance": _provenance(project),
            },
            "scan": {"source": inputs.scan_source, "colorspace": inputs.scan_space},
            "model_provenance": model.attributes if model else {},
            "candidates": [
                {
                    "name": c.name,
                    "kind": c.kind,
                    "description": c.description,
                    "source": c.source,
                    "colorspace": c.colorspace,
                    "parameters": c.parameters,
                }
                for c in inputs.candidates
            ],
            "metrics": {k: {"label": v[0], "better": v[1]} for k, v in METRICS.items()},
            "summary": result.summary,
            "best": best,
            "per_frame": {
                n: {str(f): v for f, v in rows.items()} for n, rows in result.per_frame.items()
            },
            "nps": result.nps,
            "flicker": result.flicker,
            "outlier_measures": [asdict(m) for m in result.measures],
            "outliers": [asdict(o) for o in result.outliers],
            "outlier_frames": outlier_frames,
            "curate_command": curate,
            "notes": inputs.notes,
            "plots": plots,
            "pictures": pictures,
            "experiment_entry": entry_id,
            "signoffs": signoffs,
        }
    )


# -- HTML -----------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.notice{background:#fff7e0;border-left:5px solid #e0a800;padding:.7em 1em}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th{background:#f3f3f3}td.label,th.label{text-align:left}td.best{background:#d7f5d0;font-weight:bold}
.small{color:#666;font-size:.9em}img.plot{max-width:100%}
.wipe{position:relative;display:inline-block;line-height:0}.wipe img{display:block;image-rendering:pixelated}
.wipe .top{position:absolute;top:0;left:0;height:100%;overflow:hidden;border-right:2px solid #fff}
.crops{display:flex;flex-wrap:wrap;gap:8px}.crops figure{margin:0}.crops figcaption{font-size:.8em;text-align:center}
.crops img{width:192px;height:192px;image-rendering:pixelated}
button.sel{font-weight:bold}code{background:#f3f3f3;padding:.1em .3em}
"""

_JS = """
function wipe(id,v){document.querySelector('#'+id+' .top').style.width=v+'%';}
function pick(id,side,src,btn){var w=document.getElementById(id);
 (side==='a'?w.querySelector('.top img'):w.querySelector('img.b')).src=src;
 btn.parentNode.querySelectorAll('button').forEach(function(b){b.classList.remove('sel');});btn.classList.add('sel');}
function flip(id){var t=document.querySelector('#'+id+' .top');t.style.width=(t.style.width==='100%'?'0%':'100%');}
"""


def render_html(data: Dict[str, Any]) -> str:
    e = html.escape
    names = [c["name"] for c in data["candidates"]]
    proj = data.get("project") or {}
    title = f"Validation report — {proj.get('name', 'restoration')}"
    parts: List[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title><style>{_CSS}</style><script>{_JS}</script></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="small">Technique: {e(str(proj.get("technique", "—")))} · built {e(data["created"])} · '
        f"Film Restoration Toolkit {e(data['toolkit_version'])} · experiment-log entry "
        f"<code>{e(str(data.get('experiment_entry') or 'not logged'))}</code></p>",
        f'<p class="notice"><b>Made with a trained model.</b> {e(data["trained_model_notice"])}</p>',
        "<h2>Frames</h2>",
        f"<p>Measured on {len(data['frames'])} held-out frames: <code>{e(format_frames(data['frames']))}</code>. "
        f"Training frames (never measured here): <code>{e(format_frames(data['training_frames']) or '—')}</code>. "
        f"Measured in {e(data['measured_in'])}; image size {data['size'][0]}×{data['size'][1]}. "
        f"Every result is compared with {e(str(data.get('compared_with') or 'the reference'))}.</p>",
    ]
    for note in data.get("notes") or []:
        parts.append(f'<p class="notice">{e(note)}</p>')

    # table of figures
    parts.append(
        "<h2>Figures</h2><table><tr><th class='label'>metric</th>"
        + "".join(f"<th>{e(n)}</th>" for n in names)
        + "</tr>"
    )
    for key, meta in data["metrics"].items():
        best = data["best"].get(key)
        cells = []
        for n in names:
            v = data["summary"].get(n, {}).get(key)
            cls = ' class="best"' if n == best and v is not None else ""
            cells.append(f"<td{cls}>{_fmt(v, key)}</td>")
        parts.append(
            f"<tr><td class='label'>{e(meta['label'])} <span class='small'>"
            f"({e({'lower': 'lower is better', 'higher': 'higher is better', 'one': 'closest to 1 is best'}[meta['better']])})"
            f"</span></td>{''.join(cells)}</tr>"
        )
    parts.append(
        "</table><p class='small'>Best per row highlighted. Grain: the film's grain is to be "
        "kept, so the untreated scan is its reference (ratio 1); a result that removed grain shows "
        "a ratio well below 1. Detail: high-frequency energy (luminance minus a Gaussian σ = 2 px) "
        "relative to the reference, with the correlation that tells detail from noise.</p>"
    )

    # candidates
    parts.append(
        "<h2>What is compared</h2><table><tr><th class='label'>name</th><th class='label'>what</th>"
        "<th class='label'>source</th><th class='label'>parameters</th></tr>"
    )
    for c in data["candidates"]:
        params = ", ".join(f"{k}={v}" for k, v in (c.get("parameters") or {}).items())
        parts.append(
            f"<tr><td class='label'>{e(c['name'])}</td><td class='label'>{e(c['description'])}</td>"
            f"<td class='label'><code>{e(str(c['source']))}</code> ({e(str(c.get('colorspace') or 'computed'))})</td>"
            f"<td class='label'>{e(params)}</td></tr>"
        )
    parts.append("</table>")

    # plots
    plots = data.get("plots") or {}
    if plots:
        parts.append("<h2>Plots</h2>")
        for key, alt in (
            ("delta_e", "ΔE2000 per frame"),
            ("nps", "noise power spectra"),
            ("flicker", "flicker over time"),
        ):
            if key in plots:
                parts.append(f'<p><img class="plot" src="{e(plots[key])}" alt="{e(alt)}"></p>')

    # pictures
    for i, pic in enumerate(data.get("pictures") or []):
        wid = f"wipe{i}"
        crops = pic["crops"]
        parts.append(f"<h2>Frame {pic['frame']} ({e(pic['why'])})</h2>")
        x0, y0, w, h = pic["box"]
        parts.append(
            f"<p class='small'>Crop at x {x0}, y {y0}, {w}×{h} px. Drag the slider to wipe between the "
            "left image (A) and the right image (B); choose A and B below; click the picture to toggle.</p>"
        )
        a_src, b_src = crops["reference"], crops.get("model", crops["reference"])
        parts.append(
            f'<div class="wipe" id="{wid}" onclick="flip(\'{wid}\')"><img class="b" src="{e(b_src)}" '
            f'width="{w}" height="{h}" alt="B">'
            f'<div class="top" style="width:50%"><img src="{e(a_src)}" width="{w}" height="{h}" alt="A"></div></div>'
        )
        parts.append(
            f'<p><input type="range" min="0" max="100" value="50" oninput="wipe(\'{wid}\',this.value)" '
            f'aria-label="wipe"></p>'
        )
        for side, label, default in (("a", "A (left)", "reference"), ("b", "B (right)", "model")):
            sel = ' class="sel"'
            buttons = "".join(
                f'<button type="button"{sel if n == default else ""} '
                f"onclick=\"pick('{wid}','{side}','{e(src)}',this)\">{e(n)}</button>"
                for n, src in crops.items()
            )
            parts.append(f"<p>{label}: {buttons}</p>")
        parts.append(
            "<div class='crops'>"
            + "".join(
                f'<figure><img src="{e(src)}" alt="{e(n)}"><figcaption>{e(n)}</figcaption></figure>'
                for n, src in crops.items()
            )
            + "</div>"
        )
        parts.append(
            "<p class='small'>ΔE2000 error maps (whole frame, black 0 → yellow ≥ 10):</p><div class='crops'>"
            + "".join(
                f'<figure><img src="{e(src)}" alt="ΔE {e(n)}"><figcaption>ΔE {e(n)}</figcaption></figure>'
                for n, src in pic["errors"].items()
            )
            + "</div>"
        )

    # outliers
    parts.append("<h2>Outliers: frames to add as training pairs</h2>")
    if data["outliers"]:
        parts.append(
            "<table><tr><th>frame</th><th class='label'>kind</th><th>value</th><th>threshold</th>"
            "<th class='label'>why</th></tr>"
        )
        for o in data["outliers"]:
            parts.append(
                f"<tr><td>{o['frame']}</td><td class='label'>{e(o['kind'])}</td><td>{_fmt(o['value'])}</td>"
                f"<td>{_fmt(o['threshold'])}</td><td class='label'>{e(o['why'])}</td></tr>"
            )
        parts.append("</table>")
        parts.append(
            f"<p>Feed them back for the next training round:</p><pre><code>{e(data['curate_command'])}</code></pre>"
        )
    else:
        parts.append("<p>No frame crossed an outlier threshold.</p>")
    parts.append(
        "<p class='small'>How each is measured: <b>hue drift</b> — the mean CIELAB hue error (result − "
        "reference, pixels with C*ab &gt; 10) departs &gt; 3° from the median of the neighbouring evaluated "
        "frames; <b>edge bleed</b> — mean ΔE2000 on the reference's edges (top 10 % Sobel of L*, dilated 2 px) "
        "is &gt; 1.5× the ΔE elsewhere and &gt; 2; <b>skin</b> — on skin-like reference pixels (L* 20–90, C* "
        "10–45, hue 25°–65°) the hue error departs &gt; 3° from the neighbours or ΔE &gt; 5; <b>flicker</b> — "
        "the brightness step from the previous frame differs from the reference's by &gt; 2 % of mean Y; "
        "<b>banding</b> — in smooth reference areas, 25 % more flat steps (|ΔY| &lt; 1/4096) than the "
        "reference.</p>"
    )

    # provenance
    parts.append("<h2>References and their provenance</h2>")
    refs = data["references"]
    parts.append(
        f"<p>Reference images: <code>{e(str(refs['source']))}</code> ({e(str(refs['colorspace']))}).</p>"
    )
    if refs["provenance"]:
        parts.append(
            "<table><tr><th class='label'>reference</th><th class='label'>element</th><th class='label'>source</th>"
            "<th class='label'>holder</th><th class='label'>permission</th><th class='label'>date</th>"
            "<th class='label'>notes</th></tr>"
        )
        for p in refs["provenance"]:
            parts.append(
                "<tr>"
                + "".join(
                    f"<td class='label'>{e(str(p.get(k) or '—'))}</td>"
                    for k in (
                        "reference",
                        "element",
                        "source",
                        "holder",
                        "permission",
                        "date",
                        "notes",
                    )
                )
                + "</tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p class='notice'>No provenance recorded for the references.</p>")
    if data.get("model_provenance"):
        parts.append(
            "<p>Provenance carried in the model result's EXR header:</p><table>"
            + "".join(
                f"<tr><td class='label'>{e(str(k))}</td><td class='label'>{e(str(v))}</td></tr>"
                for k, v in data["model_provenance"].items()
            )
            + "</table>"
        )
    parts.append(
        f"<p>Scan: <code>{e(str(data['scan']['source']))}</code> ({e(str(data['scan']['colorspace']))}).</p>"
    )

    # sign-off
    parts.append("<h2>Review and sign-off</h2>")
    if data.get("signoffs"):
        parts.append(
            "<table><tr><th class='label'>shot</th><th class='label'>verdict</th><th class='label'>by</th>"
            "<th class='label'>when (UTC)</th><th class='label'>notes</th></tr>"
        )
        for s in data["signoffs"]:
            parts.append(
                "<tr>"
                + "".join(
                    f"<td class='label'>{e(str(s.get(k) or ''))}</td>"
                    for k in ("shot", "verdict", "by", "when", "notes")
                )
                + "</tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>Not signed off yet.</p>")
    parts.append(
        "<p class='small'>Record a verdict: <code>rtk validate signoff --shot NAME --verdict accept|reject "
        "--by WHO --notes TEXT</code></p>"
    )
    parts.append(
        "<p class='small'>Numbers: <a href='report.json'>report.json</a>"
        + (
            " · Nuke comparison graph: <a href='validation.nk'>validation.nk</a>"
            if data.get("nuke_script")
            else ""
        )
        + "</p></body></html>"
    )
    return "\n".join(parts) + "\n"


# -- build -------------------------------------------------------------------------------------------


def report_dir(project: Project) -> Path:
    return project.stage_dir(5) / "report"


def load_signoffs(folder: Path) -> List[Dict[str, Any]]:
    path = folder / "signoffs.json"
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        raise RTKError("not valid JSON", path) from None
    if not isinstance(data, dict) or data.get("schema") != SIGNOFF_SCHEMA:
        raise RTKError(f"not a sign-off file of schema {SIGNOFF_SCHEMA}", path)
    return list(data.get("signoffs") or [])


def _replace_folder(tmp: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_report_from_inputs(
    inputs: ValidationInputs,
    out_dir: Path,
    *,
    project: Optional[Project] = None,
    log: bool = True,
    progress: Optional[ProgressFn] = None,
    nuke_script: Optional[str] = None,
) -> ReportOutcome:
    """Evaluate ``inputs`` and write the report folder ``out_dir`` (replaced whole, or not at all)."""
    result = evaluate(inputs, progress)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        plots = _plots(result, tmp)
        pictures = _pictures(result, tmp)
        if nuke_script:
            (tmp / "validation.nk").write_text(nuke_script, encoding="utf-8")
        entry_id = None
        outlier_frames = sorted({o.frame for o in result.outliers})
        if log and project is not None:
            entry_id = _log_run(
                project.root,
                stage="validation",
                technique=project.technique,
                frames=inputs.frames,
                parameters={
                    "candidates": [c.name for c in inputs.candidates],
                    "training_frames": format_frames(inputs.training_frames),
                },
                figures={
                    f"{n}.{k}": v
                    for n, s in result.summary.items()
                    for k, v in s.items()
                    if n in ("model", "matchgrade") and v is not None and math.isfinite(v)
                },
                inputs=[Path(inputs.reference_source.split(" ")[0])],
                outputs=[out_dir / "index.html", out_dir / "report.json"],
                observations=(
                    f"outlier frames: {format_frames(outlier_frames)}"
                    if outlier_frames
                    else "no outlier frames"
                ),
            )
        signoffs = load_signoffs(out_dir.parent) if project is not None else []
        data = report_data(
            result,
            project=project,
            entry_id=entry_id,
            plots=plots,
            pictures=pictures,
            signoffs=signoffs,
        )
        data["nuke_script"] = "validation.nk" if nuke_script else None
        (tmp / "report.json").write_text(
            json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        (tmp / "index.html").write_text(render_html(data), encoding="utf-8")
        _replace_folder(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ReportOutcome(
        folder=out_dir,
        html=out_dir / "index.html",
        json=out_dir / "report.json",
        entry_id=entry_id,
        outlier_frames=outlier_frames,
        curate_command=data.get("curate_command"),
        summary=result.summary,
        best=best_per_row(result.summary),
    )


def build_report(
    project: Project,
    *,
    frames: Optional[Sequence[int]] = None,
    result: Optional[str] = None,
    baselines: Optional[Sequence[str]] = None,
    extra: Optional[Dict[str, str]] = None,
    log: bool = True,
    progress: Optional[ProgressFn] = None,
) -> ReportOutcome:
    """The whole of ``rtk validate --project DIR``: held-out frames from pairs.yaml, the aligned
    references, the model result in pipeline/04_inference_render, a MatchGrade render when
    present and the traditional baselines; writes pipeline/05_matchgrade_render/report/."""
    inputs = project_inputs(project, frames=frames, result=result, baselines=baselines, extra=extra)
    script = None
    try:
        from ..nk.validation_graph import comparison_script_text

        script = comparison_script_text(inputs, project)
    except ImportError:
        script = None
    return build_report_from_inputs(
        inputs, report_dir(project), project=project, log=log, progress=progress, nuke_script=script
    )


def record_signoff(
    project: Project,
    *,
    shot: str,
    verdict: str,
    by: str,
    notes: str = "",
    log: bool = True,
) -> Dict[str, Any]:
    """Record a human verdict for ``shot`` with the report (signoffs.json, report.json,
    index.html) and in the experiment log. Returns the sign-off record."""
    if verdict not in VERDICTS:
        raise RTKError(f"verdict must be accept or reject, got {verdict!r}")
    if not by.strip():
        raise RTKError("--by must name who signs off")
    folder = report_dir(project)
    report_json = folder / "report.json"
    if not report_json.is_file():
        raise RTKError("no validation report yet: run `rtk validate` first", report_json)
    known = [s.name for s in project.shots]
    if known and shot not in known:
        raise RTKError(
            f"no shot {shot!r} in project.yaml (shots: {', '.join(known)})",
            project.root / "project.yaml",
        )
    try:
        data = json.loads(report_json.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        raise RTKError("not valid JSON", report_json) from None
    digest = hashlib.sha256(report_json.read_bytes()).hexdigest()[:12]
    record = {
        "shot": shot,
        "verdict": verdict,
        "by": by.strip(),
        "when": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "notes": notes,
        "report_created": data.get("created"),
        "report_sha256": digest,
        "frames": data.get("frames"),
    }
    entry = None
    if log:
        entry = _log_run(
            project.root,
            stage="validation",
            technique=project.technique,
            shot=shot,
            frames=data.get("frames"),
            parameters={"signoff": verdict, "report": data.get("created")},
            outputs=[report_json],
            observations=f"sign-off: {verdict} by {by.strip()}" + (f" — {notes}" if notes else ""),
            verdict="keep" if verdict == "accept" else "reject",
            approved_by=by.strip(),
            hash_inputs=False,
        )
    record["experiment_entry"] = entry
    signoffs = load_signoffs(folder.parent) + [record]
    atomic_write_text(
        folder.parent / "signoffs.json",
        json.dumps({"schema": SIGNOFF_SCHEMA, "signoffs": signoffs}, indent=2, ensure_ascii=False),
    )
    data["signoffs"] = signoffs
    atomic_write_text(report_json, json.dumps(data, indent=2, ensure_ascii=False))
    atomic_write_text(folder / "index.html", render_html(data))
    return record
