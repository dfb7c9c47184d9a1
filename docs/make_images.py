"""Make the pictures of docs/troubleshooting.md and docs/case-studies/ from a demo project.

Usage (from the repository root, after running the tutorial's commands in ./demo)::

    python docs/make_images.py demo            # writes docs/images/*.png
    python docs/make_images.py demo --out DIR  # somewhere else

The project must have been through stages 01–03 of docs/tutorial.md (pairs.yaml, the aligned
pairs and held-out frames, a trained model); the images are measured from its files, and
the figures printed in each picture's title are computed here, from those files — nothing is
typed in by hand. What each picture shows and how it is made is in the docstring of its
function.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from restoration_toolkit.core.curation.pairs import load_pairs  # noqa: E402
from restoration_toolkit.core.errors import RTKError  # noqa: E402
from restoration_toolkit.core.io.images import read_image  # noqa: E402
from restoration_toolkit.core.io.ocio import convert_colorspace  # noqa: E402
from restoration_toolkit.core.project import open_project  # noqa: E402
from restoration_toolkit.core.ycbcr import luminance  # noqa: E402

DISPLAY = "sRGB - Texture"
DPI = 72


def display(project, path: Path, space: str) -> np.ndarray:
    """The image at ``path`` (in OCIO ``space``) as display sRGB, float32 0–1, clipped."""
    img = read_image(path, channels=3).pixels
    out = convert_colorspace(img, space, DISPLAY, config=project.color.ocio_config)
    return np.clip(out, 0.0, 1.0)


def display_unclipped(project, path: Path, space: str) -> np.ndarray:
    img = read_image(path, channels=3).pixels
    return convert_colorspace(img, space, DISPLAY, config=project.color.ocio_config)


def high_pass(y: np.ndarray, sigma: float = 2.0) -> np.ndarray:
    """Luminance minus its Gaussian blur: the edges, independent of color and exposure."""
    y = y.astype(np.float32)
    return y - cv2.GaussianBlur(y, (0, 0), sigma)


def normalised(hp: np.ndarray) -> np.ndarray:
    return hp / (np.std(hp) + 1e-6)


def _save(fig, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".tmp.png")
    fig.savefig(tmp, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    tmp.replace(out)
    print(f"wrote {out}")
    return out


def misalignment(project, pairs, out_dir: Path) -> Path:
    """Difference images of the scan against three versions of the same DVD frame.

    The edges (luminance high-pass, each image scaled to unit spread) of the scan minus those
    of: the DVD frame merely resized to the scan format (what a Reformat gives); the aligned
    reference moved 3 px to the right (a small residual error); the aligned reference from
    stage 02. Doubled edges mean misalignment; a flat grey picture means aligned. The figure
    in each title is the mean absolute difference inside the live area of the aligned frame.
    """
    pair = pairs.pairs[0]
    scan_path = project.resolve(project.source.path.replace("####", f"{pair.scan_frame:04d}"))
    ref_path = project.resolve(
        project.reference.path.replace("####", f"{pair.reference_frame:04d}")
    )
    aligned_path = project.alignment_dir / f"aligned.{pair.scan_frame:04d}.exr"
    conf = read_image(project.alignment_dir / f"confidence.{pair.scan_frame:04d}.exr").pixels[
        ..., 0
    ]
    scan = display(project, scan_path, project.source.colorspace)
    h, w = scan.shape[:2]
    ref = display(project, ref_path, project.reference.colorspace)
    resized = cv2.resize(ref, (w, h), interpolation=cv2.INTER_CUBIC)
    aligned = display(project, aligned_path, project.color.working_space)
    shifted = np.roll(aligned, 3, axis=1)
    inside = conf > 0.5
    s = normalised(high_pass(luminance(scan)))

    def diff(img: np.ndarray) -> Tuple[np.ndarray, float]:
        d = s - normalised(high_pass(luminance(img)))
        return d, float(np.mean(np.abs(d[inside])))

    panels = [("scan (display sRGB)", scan, None)]
    for title, img in (
        ("DVD only resized (Reformat)", resized),
        ("aligned, then moved 3 px", shifted),
        ("aligned by stage 02", aligned),
    ):
        d, m = diff(img)
        panels.append((f"{title}\nedge difference {m:.2f}", d, m))
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    for ax, (title, img, m) in zip(axes, panels):
        if m is None:
            ax.imshow(img)
        else:
            ax.imshow(np.clip(img * 0.25 + 0.5, 0, 1), cmap="gray", vmin=0, vmax=1)
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.suptitle(
        f"Misalignment: scan frame {pair.scan_frame} against DVD frame {pair.reference_frame} "
        "(edges of scan minus edges of reference; grey = equal)",
        fontsize=11,
    )
    return _save(fig, out_dir / "misalignment.png")


def confidence(project, pairs, out_dir: Path) -> Path:
    """Scan, aligned reference and the alignment confidence of a frame with subtitles (shot 2).

    The confidence (0 black – 1 white) is what keeps burned-in subtitles, the area outside the
    DVD's tighter framing and flat areas from teaching the model. Titles give the share of
    pixels above 0.5, computed from confidence.####.exr.
    """
    candidates = [p for p in pairs.pairs if p.shot == "sh020"] or pairs.pairs
    pair = candidates[0]
    f = pair.scan_frame
    scan_path = project.resolve(project.source.path.replace("####", f"{f:04d}"))
    scan = display(project, scan_path, project.source.colorspace)
    aligned = display(
        project, project.alignment_dir / f"aligned.{f:04d}.exr", project.color.working_space
    )
    conf = read_image(project.alignment_dir / f"confidence.{f:04d}.exr").pixels[..., 0]
    share = float(np.mean(conf > 0.5))
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for ax, (title, img) in zip(
        axes,
        (
            ("scan", scan),
            ("aligned reference (DVD)", aligned),
            (f"confidence (share > 0.5: {share:.2f})", conf),
        ),
    ):
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1)
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.suptitle(
        f"Scan frame {f} ({pair.shot}): what the reference can teach, per pixel", fontsize=11
    )
    return _save(fig, out_dir / "confidence.png")


def weak_crops(project, pairs, out_dir: Path, seed: int = 0) -> Path:
    """Random training crops of 64 px and 256 px on one pair, coloured by what they hold.

    A crop is *weak* when it teaches little: mostly outside the confident area (subtitles,
    bars) or nearly flat (luminance standard deviation under 0.03 in display sRGB). The
    title gives the share of weak crops among 200 random crops of each size on this frame.
    """
    pair = pairs.pairs[0]
    f = pair.scan_frame
    scan_path = project.resolve(project.source.path.replace("####", f"{f:04d}"))
    scan = display(project, scan_path, project.source.colorspace)
    conf = read_image(project.alignment_dir / f"confidence.{f:04d}.exr").pixels[..., 0]
    y = luminance(scan)
    h, w = y.shape
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for ax, size in zip(axes, (64, 256)):
        ax.imshow(scan)
        weak = 0
        boxes: List[Tuple[int, int, bool]] = []
        for _ in range(200):
            x0 = int(rng.integers(0, w - size + 1))
            y0 = int(rng.integers(0, h - size + 1))
            c = conf[y0 : y0 + size, x0 : x0 + size]
            lum = y[y0 : y0 + size, x0 : x0 + size]
            is_weak = bool(np.mean(c > 0.5) < 0.5 or np.std(lum) < 0.03)
            weak += is_weak
            boxes.append((x0, y0, is_weak))
        for x0, y0, is_weak in boxes[: 12 if size == 64 else 4]:
            ax.add_patch(
                Rectangle(
                    (x0, y0), size, size, fill=False, lw=2, edgecolor="red" if is_weak else "lime"
                )
            )
        ax.set_title(
            f"{size}-px crops: {weak / 2:.0f} % of 200 random crops are weak\n"
            "(red: flat or unconfident, green: useful)",
            fontsize=10,
        )
        ax.axis("off")
    fig.suptitle(
        f"Weak crops on scan frame {f}: small crops often hold one flat color and no context",
        fontsize=11,
    )
    return _save(fig, out_dir / "weak_crops.png")


def clipping(project, pairs, out_dir: Path) -> Path:
    """Where the reference (an 8-bit DVD) and the scan are clipped, on the same frame.

    Red marks pixels with any channel at or above 254/255 (white clip) or at or below
    1/255 (black clip) in display sRGB, inside the live area (the bounding box of the
    confident pixels, so the bars outside the DVD's picture are not counted); the titles give
    their share of the confident pixels.
    Clipped reference pixels carry no color information: the model learns to clip there.
    """
    pair = pairs.pairs[0]
    f = pair.scan_frame
    scan_path = project.resolve(project.source.path.replace("####", f"{f:04d}"))
    scan = display_unclipped(project, scan_path, project.source.colorspace)
    aligned = display_unclipped(
        project, project.alignment_dir / f"aligned.{f:04d}.exr", project.color.working_space
    )
    conf = read_image(project.alignment_dir / f"confidence.{f:04d}.exr").pixels[..., 0] > 0.5
    rows, cols = np.nonzero(conf)
    live = np.zeros_like(conf)
    live[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] = True
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for ax, (name, img) in zip(axes, (("scan", scan), ("aligned reference (DVD)", aligned))):
        clipped = (np.any(img >= 254 / 255, axis=2) | np.any(img <= 1 / 255, axis=2)) & live
        share = float(np.mean(clipped[conf])) if conf.any() else float(np.mean(clipped))
        show = np.clip(img, 0, 1).copy()
        show[clipped] = (1.0, 0.0, 0.0)
        ax.imshow(show)
        ax.set_title(f"{name}: {100 * share:.1f} % of confident pixels clipped (red)", fontsize=10)
        ax.axis("off")
    fig.suptitle(f"Clipping on scan frame {f}", fontsize=11)
    return _save(fig, out_dir / "clipping.png")


def copy_scaled(src: Path, out: Path, width: int = 600) -> Path:
    """A copy of a PNG the toolkit wrote, scaled down to ``width`` pixels for the docs."""
    img = cv2.imread(str(src), cv2.IMREAD_COLOR)
    if img is None:
        raise RTKError("cannot read this picture", src)
    if img.shape[1] > width:
        img = cv2.resize(
            img, (width, round(img.shape[0] * width / img.shape[1])), interpolation=cv2.INTER_AREA
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".tmp.png")
    cv2.imwrite(str(tmp), img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    tmp.replace(out)
    print(f"wrote {out}")
    return out


def held_out_crops(report: Path, out: Path) -> Path:
    """The validation report's crops of the first held-out frame in one strip, with its ΔE maps.

    Top row: the crops `rtk validate` wrote (scan, each baseline, model, reference) as they
    are; bottom row: the ΔE2000 maps the report made for the same candidates. Nothing is
    re-measured here; the pictures are the report's own.
    """
    crops = sorted((report / "crops").glob("f*_*.png"))
    if not crops:
        raise RTKError("the report has no crops (run rtk validate)", report)
    frame = crops[0].name.split("_")[0]
    names = [c.name[len(frame) + 1 : -4] for c in crops if c.name.startswith(frame + "_")]
    order = (
        ["scan"]
        + sorted(n for n in names if n not in ("scan", "model", "reference"))
        + ["model", "reference"]
    )
    order = [n for n in order if n in names]
    fig, axes = plt.subplots(2, len(order), figsize=(3.2 * len(order), 6.8), squeeze=False)
    for col, name in enumerate(order):
        img = cv2.cvtColor(
            cv2.imread(str(report / "crops" / f"{frame}_{name}.png")), cv2.COLOR_BGR2RGB
        )
        axes[0, col].imshow(img)
        axes[0, col].set_title(name, fontsize=10)
        de = report / "errors" / f"{frame}_{name}_de.png"
        if de.is_file():
            axes[1, col].imshow(cv2.cvtColor(cv2.imread(str(de)), cv2.COLOR_BGR2RGB))
            axes[1, col].set_title(f"ΔE2000 map: {name}", fontsize=9)
        for row in (0, 1):
            axes[row, col].axis("off")
    fig.suptitle(
        f"Held-out frame {frame[1:]}: crops and ΔE2000 maps from the validation report", fontsize=11
    )
    return _save(fig, out)


def make_all(project_dir: Path, out_dir: Path) -> Dict[str, Path]:
    project = open_project(project_dir)
    pairs = load_pairs(project.pairs_file)
    needed = [project.alignment_dir / f"aligned.{p.scan_frame:04d}.exr" for p in pairs.pairs[:1]]
    if not all(p.is_file() for p in needed):
        raise RTKError(
            "the pairs are not aligned yet: run docs/tutorial.md up to stage 02",
            project.alignment_dir,
        )
    made = {
        "misalignment": misalignment(project, pairs, out_dir),
        "confidence": confidence(project, pairs, out_dir),
        "weak_crops": weak_crops(project, pairs, out_dir),
        "clipping": clipping(project, pairs, out_dir),
        "contact_sheet": copy_scaled(
            project.stage_dir(1) / "contact_sheet.png", out_dir / "contact_sheet.png"
        ),
    }
    loss = project.stage_dir(3) / "torch" / "loss.png"
    if loss.is_file():
        made["loss_curve"] = copy_scaled(loss, out_dir / "loss_curve.png")
    report = project.stage_dir(5) / "report"
    for name in ("delta_e_per_frame.png", "nps.png"):
        if (report / name).is_file():
            made[name[:-4]] = copy_scaled(report / name, out_dir / f"report_{name}")
    if (report / "crops").is_dir():
        made["held_out"] = held_out_crops(report, out_dir / "report_held_out.png")
    return made


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="the demo project folder (after the tutorial)")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "images", help="folder for the PNGs"
    )
    args = parser.parse_args(argv)
    try:
        make_all(args.project.resolve(), args.out)
    except RTKError as exc:
        print(f"make_images: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
