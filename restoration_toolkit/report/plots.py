"""The validation report's pictures, drawn with matplotlib (Agg, no display): ΔE2000 per frame,
noise power spectra, flicker over time, and the crops / ΔE maps of the frames kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import numpy as np

from ..core.validation.evaluate import ValidationResult
from ..core.validation.inputs import TRAINING


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _integer_frames(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # frames are whole numbers


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path)
    _pyplot().close(fig)


def _delta_e_plot(result: ValidationResult, path: Path) -> None:
    plt = _pyplot()
    frames = result.inputs.measured_frames
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
    for f, status in result.status.items():
        if status == TRAINING:
            ax.axvline(f, color="#888", ls=":", lw=1)
    ax.set_xlabel("scan frame (dotted: training frames, shown for comparison)")
    _integer_frames(ax)
    ax.set_ylabel("mean ΔE2000")
    ax.set_title("Color error per frame (lower is better; red bands: outlier frames)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=3)
    _save(fig, path)


def _nps_plot(result: ValidationResult, path: Path) -> None:
    fig, ax = _pyplot().subplots(figsize=(8, 3.5), dpi=100)
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
    _save(fig, path)


def _flicker_plot(result: ValidationResult, path: Path) -> None:
    fig, ax = _pyplot().subplots(figsize=(8, 3.5), dpi=100)
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
    _integer_frames(ax)
    ax.set_ylabel("|ΔY − ΔY_ref| (% of mean Y)")
    ax.set_title("Flicker over time (brightness steps the reference does not have)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=3)
    _save(fig, path)


def draw_plots(result: ValidationResult, folder: Path) -> Dict[str, str]:
    """The plots as PNG files in ``folder``: key → file name relative to it."""
    out = {"delta_e": "delta_e_per_frame.png"}
    _delta_e_plot(result, folder / out["delta_e"])
    if result.nps:
        out["nps"] = "nps.png"
        _nps_plot(result, folder / out["nps"])
    if result.flicker:
        out["flicker"] = "flicker.png"
        _flicker_plot(result, folder / out["flicker"])
    return out


def slug(name: str) -> str:
    """A file-name-safe form of a candidate name."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def write_pictures(result: ValidationResult, folder: Path) -> List[Dict[str, Any]]:
    """Crops side by side and ΔE error maps of the frames the evaluation kept (the model's
    worst frame and the first held-out frame), as PNG files under ``folder``."""
    from ..core.io.images import write_image

    if not result.pictures:
        return []
    plt = _pyplot()
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
            rel = f"crops/f{f}_{slug(name)}.png"
            write_image(folder / rel, np.clip(img, 0, 1), data_format="uint8")
            entry["crops"][name] = rel
        for name, de in pic.error_maps.items():
            rel = f"errors/f{f}_{slug(name)}_de.png"
            de_map = np.nan_to_num(de.astype(np.float32), nan=0.0)
            plt.imsave(folder / rel, de_map, cmap="magma", vmin=0.0, vmax=10.0)
            entry["errors"][name] = rel
        shots.append(entry)
    return shots
