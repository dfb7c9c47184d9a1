"""`rtk damage detect / repair`, `rtk deflicker`, `rtk consistency` on files: outputs, the
report, bit-exact pixels outside the mask, and bad input (one line, nothing written)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from restoration_toolkit.cli import main
from restoration_toolkit.core.io.images import read_image, write_image


@pytest.fixture(scope="module")
def media(clip, tmp_path_factory):
    root = tmp_path_factory.mktemp("damage")
    for i, (scan, ref) in enumerate(zip(clip.scan, clip.reference)):
        write_image(root / "scan" / f"scan.{1001 + i:04d}.dpx", scan)
        write_image(root / "ref" / f"aligned.{1001 + i:04d}.exr", ref)
    return root


@pytest.fixture(scope="module")
def detected(media):
    out = media / "masks"
    code = main(
        [
            "damage",
            "detect",
            str(media / "scan/scan.####.dpx"),
            "--reference",
            str(media / "ref/aligned.####.exr"),
            "--out",
            str(out),
            "--frames",
            "1002-1004",
            "--no-log",
        ]
    )
    assert code == 0
    return out


def test_detect_writes_a_mask_per_frame_and_the_report(detected):
    names = sorted(p.name for p in detected.iterdir())
    assert names == [
        "damage.json",
        "mask.1002.exr",
        "mask.1003.exr",
        "mask.1004.exr",
        "reference_faults.1002.exr",
        "reference_faults.1003.exr",
        "reference_faults.1004.exr",
    ]
    mask = read_image(detected / "mask.1003.exr")
    assert mask.metadata.channel_names == ("R", "G", "B", "A")
    assert 0 < mask.pixels[..., 3].mean() < 0.2 and mask.pixels.max() == 1.0
    report = json.loads((detected / "damage.json").read_text())
    assert report["schema"] == "rtk.damage/1"
    assert report["summary"]["all"]["frames"] == 3
    assert report["summary"]["all"]["counts"]["dust"] > 0
    assert report["frames"]["1003"]["sources"] == ["reference", "temporal"]


def test_repair_keeps_every_unmasked_pixel_bit_for_bit_in_the_scans_format(media, detected):
    out = media / "repaired"
    assert (
        main(
            [
                "damage",
                "repair",
                str(media / "scan/scan.####.dpx"),
                "--mask",
                str(detected),
                "--reference",
                str(media / "ref/aligned.####.exr"),
                "--out",
                str(out),
                "--no-log",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in out.glob("*.dpx")) == [
        f"repaired.{f}.dpx" for f in (1002, 1003, 1004)
    ]
    for f in (1002, 1003, 1004):
        scan = read_image(media / f"scan/scan.{f}.dpx")
        fixed = read_image(out / f"repaired.{f}.dpx")
        mask = read_image(detected / f"mask.{f}.exr").pixels[..., 0]
        assert fixed.metadata.data_format == "uint10"
        outside = mask <= 0
        assert np.array_equal(fixed.pixels[outside], scan.pixels[outside])
        assert not np.array_equal(fixed.pixels[~outside], scan.pixels[~outside])
    totals = json.loads((out / "repair.json").read_text())["totals"]
    assert totals["from_reference_px"] + totals["from_neighbours_px"] > 0


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rtk: error: ")
    return err[0]


def test_a_mask_of_another_size_is_one_line_and_nothing_is_written(media, tmp_path, capsys):
    write_image(tmp_path / "m" / "mask.1002.exr", np.ones((50, 60, 4), np.float32))
    out = tmp_path / "out"
    code = main(
        [
            "damage",
            "repair",
            str(media / "scan/scan.####.dpx"),
            "--mask",
            str(tmp_path / "m"),
            "--out",
            str(out),
            "--no-log",
        ]
    )
    assert code == 1
    line = _one_line(capsys)
    assert "mask.1002.exr" in line and "60×50" in line
    assert not out.exists() or not any(p for p in out.rglob("*") if p.is_file())


def test_a_reference_that_is_not_aligned_is_refused(media, tmp_path, capsys):
    for f in (1001, 1002, 1003):
        ref = read_image(media / f"ref/aligned.{f}.exr").pixels
        write_image(tmp_path / "raw" / f"ref.{f}.exr", np.roll(ref, 6, axis=1))
    out = tmp_path / "masks"
    code = main(
        [
            "damage",
            "detect",
            str(media / "scan/scan.####.dpx"),
            "--reference",
            str(tmp_path / "raw/ref.####.exr"),
            "--out",
            str(out),
            "--no-log",
        ]
    )
    assert code == 1
    line = _one_line(capsys)
    assert "ref.1001.exr" in line and "not aligned" in line
    assert not any(p for p in out.rglob("*") if p.is_file())


def test_a_single_frame_without_reference_has_no_evidence(media, tmp_path, capsys):
    code = main(
        [
            "damage",
            "detect",
            str(media / "scan/scan.1001.dpx"),
            "--out",
            str(tmp_path / "m"),
            "--no-log",
        ]
    )
    assert code == 1
    assert "no aligned reference and no neighbouring frame" in _one_line(capsys)
    assert not any(p for p in (tmp_path / "m").rglob("*") if p.is_file())


def test_deflicker_removes_flicker_and_keeps_the_grain(clean_clip, tmp_path):
    gains = [1.0, 1.06, 0.95, 1.04, 0.97]
    for i, (frame, g) in enumerate(zip(clean_clip.scan, gains)):
        write_image(tmp_path / "in" / f"f.{i + 1:04d}.exr", frame * g, data_format="float")
    out = tmp_path / "out"
    assert main(["deflicker", str(tmp_path / "in/f.####.exr"), "--out", str(out), "--json"]) == 0
    report = json.loads((out / "flicker.json").read_text())
    figures = report["figures"]
    assert figures["deflickered"]["luma_percent"] < 0.5 * figures["scan"]["luma_percent"]
    from restoration_toolkit.core.damage.grain import high_pass

    before = read_image(tmp_path / "in/f.0002.exr").pixels
    after = read_image(out / "deflickered.0002.exr").pixels
    ratio = after[8:-8, 8:-8] / np.maximum(before[8:-8, 8:-8], 1e-3)
    hp_before, hp_after = high_pass(before), high_pass(after)
    # the high-pass is only scaled by the (smooth) gain: grain is neither smoothed nor moved
    assert np.allclose(hp_after[8:-8, 8:-8], hp_before[8:-8, 8:-8] * ratio, atol=2e-3)
    # and the gain is a smooth field: its ripple at the grain's scale stays under 0.5 %, a
    # tenth of the grain's own relative amplitude here (σ 0.018 on mid-grey)
    lit = before[8:-8, 8:-8] > 0.05
    assert np.abs(high_pass(ratio)[lit]).max() < 5e-3


def test_consistency_before_and_after(tmp_path, capsys):
    from restoration_toolkit.testing.color_images import smooth_image

    rng = np.random.default_rng(0)
    base = np.clip(smooth_image(rng, 96, 128) * 0.6 + 0.2, 0, 1)
    base[:, :40] = 0.5  # a grey wall in every shot
    cast = np.array([1.0, 0.85, 1.1], np.float32)
    for f in range(1, 7):
        before = base * (cast if f > 3 else 1.0)
        write_image(tmp_path / "b" / f"b.{f:04d}.png", np.clip(before, 0, 1))
        write_image(tmp_path / "a" / f"a.{f:04d}.png", base)
    out = tmp_path / "c.json"
    assert (
        main(
            [
                "consistency",
                str(tmp_path / "b/b.####.png"),
                "--after",
                str(tmp_path / "a/a.####.png"),
                "--shots",
                "1,4",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    seqs = json.loads(out.read_text())["sequences"]
    assert seqs["before"]["neutral_de2000_max"] > 5.0
    assert seqs["after"]["neutral_de2000_max"] < 0.5
    code = main(["consistency", str(tmp_path / "b/b.####.png")])
    assert code == 1 and "--out FILE is required" in _one_line(capsys)


def test_scene_linear_input_is_looked_at_display_referred(clip, tmp_path):
    """Detection converts named color spaces to display-referred values first: the same
    frame, stored scene-linear, gives the same mask as stored display-referred."""

    def linear(x):
        x = np.clip(x, 0, 1)
        return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)

    write_image(tmp_path / "d" / "scan.exr", clip.scan[2], data_format="float")
    write_image(tmp_path / "d" / "ref.exr", clip.reference[2], data_format="float")
    write_image(tmp_path / "l" / "scan.exr", linear(clip.scan[2]), data_format="float")
    write_image(tmp_path / "l" / "ref.exr", linear(clip.reference[2]), data_format="float")
    for name, extra in (("d", []), ("l", ["--colorspace", "Linear Rec.709 (sRGB)"])):
        folder = tmp_path / name
        args = [
            "damage",
            "detect",
            str(folder / "scan.exr"),
            "--reference",
            str(folder / "ref.exr"),
        ]
        assert main(args + ["--out", str(folder / "mask.exr"), "--no-log"] + extra) == 0
    display = read_image(tmp_path / "d" / "mask.exr").pixels[..., 0] >= 0.5
    scene = read_image(tmp_path / "l" / "mask.exr").pixels[..., 0] >= 0.5
    assert display.sum() > 100
    assert (display & scene).sum() / (display | scene).sum() > 0.9


def test_chunks_of_frames_accumulate_in_one_report(media, detected):
    """A farm runs detection in chunks: a later chunk keeps the earlier frames' records."""
    assert (
        main(
            [
                "damage",
                "detect",
                str(media / "scan/scan.####.dpx"),
                "--reference",
                str(media / "ref/aligned.####.exr"),
                "--out",
                str(detected),
                "--frames",
                "1005",
                "--no-log",
            ]
        )
        == 0
    )
    report = json.loads((detected / "damage.json").read_text())
    assert sorted(report["frames"]) == ["1002", "1003", "1004", "1005"]
    assert report["summary"]["all"]["frames"] == 4
