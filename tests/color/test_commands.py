"""`rtk matchgrade fit/apply` and `rtk balance` end to end on tiny EXR sequences."""

import json
import subprocess
import sys

import numpy as np
import pytest

from restoration_toolkit.cli import main
from restoration_toolkit.core.io.images import read_image, write_image


@pytest.mark.slow
def test_fit_then_apply(pair_sequences, tmp_path, capsys):
    scan, ref = pair_sequences
    out = tmp_path / "grade" / "grade.cube"
    rc = main(
        [
            "matchgrade",
            "fit",
            "--source",
            str(scan),
            "--target",
            str(ref),
            "--holdout",
            "4",
            "--out",
            str(out),
            "--size",
            "9",
            "--json",
            "--no-log",
        ]
    )
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["training_frames"] == [1, 2, 3] and summary["holdout_frames"] == [4]
    assert summary["holdout_de2000_mean"] < summary["train_de2000_mean"] + 5
    assert summary["chroma_only"] is False  # not a color-recovery project: the full grade
    side = json.loads(out.with_suffix(".json").read_text())
    assert side["training_frames"] == [1, 2, 3]
    assert "holdout_de2000_mean" in side["figures"]
    # every candidate was cross-validated (leave one frame out); the winner is the written grade
    table = side["model_selection"]
    assert table["folds"]["kind"] == "frame" and len(table["folds"]["folds"]) == 3
    assert len(table["candidates"]) == 21
    assert side["figures"]["candidate"] == table["winner"] == summary["model"]
    assert table["winner"].split("/")[0] == side["method"]
    means = [c["cv_de2000_mean"] for c in table["candidates"]]
    assert means == sorted(means)
    rc = main(
        [
            "matchgrade",
            "apply",
            str(out),
            str(scan),
            "--out",
            str(tmp_path / "mg" / "mg.####.exr"),
            "--json",
        ]
    )
    assert rc == 0
    graded = read_image(tmp_path / "mg" / "mg.0004.exr")
    original = read_image(scan.parent / "scan.0004.exr")
    reference = read_image(ref.parent / "ref.0004.exr")
    assert graded.pixels.shape == original.pixels.shape
    assert graded.metadata.data_format == original.metadata.data_format
    err_before = np.abs(original.pixels - reference.pixels).mean()
    err_after = np.abs(graded.pixels - reference.pixels).mean()
    assert err_after < err_before / 2


def test_cdl_method_writes_cc(pair_sequences, tmp_path):
    scan, ref = pair_sequences
    out = tmp_path / "g.cube"
    assert (
        main(
            [
                "matchgrade",
                "fit",
                "--source",
                str(scan),
                "--target",
                str(ref),
                "--out",
                str(out),
                "--method",
                "cdl",
                "--encoding",
                "acescct",
                "--no-log",
            ]
        )
        == 0
    )
    assert out.with_suffix(".cc").is_file() and out.is_file()


def test_bad_inputs_one_line_errors_and_nothing_written(pair_sequences, tmp_path):
    scan, ref = pair_sequences
    small = tmp_path / "small"
    for f in range(1, 5):
        write_image(small / f"s.{f:04d}.exr", np.zeros((20, 30, 3), np.float32))
    out = tmp_path / "out" / "grade.cube"
    cmd = [
        sys.executable,
        "-m",
        "restoration_toolkit",
        "matchgrade",
        "fit",
        "--source",
        str(small / "s.####.exr"),
        "--target",
        str(ref),
        "--out",
        str(out),
        "--no-log",
    ]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.startswith("rtk: error:") and r.stderr.count("\n") == 1
    assert "differ in size" in r.stderr
    assert not out.exists() and not out.with_suffix(".json").exists()
    bad_cube = tmp_path / "bad.cube"
    bad_cube.write_text("LUT_3D_SIZE 3\n0 0 0\n")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "restoration_toolkit",
            "matchgrade",
            "apply",
            str(bad_cube),
            str(scan),
            "--out",
            str(tmp_path / "x" / "x.####.exr"),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1 and "needs 27 entries" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "x").exists()


def test_nan_and_empty_mask(pair_sequences, tmp_path, capsys):
    scan, ref = pair_sequences
    nan_dir = tmp_path / "nan"
    for f in range(1, 5):
        px = read_image(scan.parent / f"scan.{f:04d}.exr").pixels.copy()
        if f == 2:
            px[3, 3] = np.nan
        write_image(nan_dir / f"n.{f:04d}.exr", px, data_format="float")
    assert (
        main(
            [
                "matchgrade",
                "fit",
                "--source",
                str(nan_dir / "n.####.exr"),
                "--target",
                str(ref),
                "--out",
                str(tmp_path / "a.cube"),
                "--no-log",
            ]
        )
        == 1
    )
    assert "NaN" in capsys.readouterr().err
    mask_dir = tmp_path / "mask"
    for f in range(1, 5):
        write_image(mask_dir / f"m.{f:04d}.exr", np.zeros((48, 64, 1), np.float32))
    assert (
        main(
            [
                "matchgrade",
                "fit",
                "--source",
                str(scan),
                "--target",
                str(ref),
                "--mask",
                str(mask_dir / "m.####.exr"),
                "--out",
                str(tmp_path / "b.cube"),
                "--no-log",
            ]
        )
        == 1
    )
    assert "excludes every pixel" in capsys.readouterr().err
    assert not (tmp_path / "a.cube").exists() and not (tmp_path / "b.cube").exists()


@pytest.mark.parametrize("method", ["levels", "density", "ace"])
def test_balance_writes_sequence_and_invertible_cdl(pair_sequences, tmp_path, method):
    scan, _ = pair_sequences
    out = tmp_path / "bal" / "DEMO_BAL_####.exr"
    assert (
        main(["balance", str(scan), "--out", str(out), "--method", method, "--json", "--no-log"])
        == 0
    )
    assert (tmp_path / "bal" / "balance.cc").is_file() and (
        tmp_path / "bal" / "balance.json"
    ).is_file()
    orig = read_image(scan.parent / "scan.0001.exr").pixels
    if method == "levels":  # the cast is reduced: pooled channel medians move together

        def spread(pattern):
            px = np.concatenate(
                [
                    read_image(
                        pattern.parent / pattern.name.replace("####", f"{f:04d}")
                    ).pixels.reshape(-1, 3)
                    for f in range(1, 5)
                ]
            )
            return np.ptp(np.median(np.log2(np.clip(px, 1e-4, None)), axis=0))

        assert spread(out) < spread(scan) / 2
    back = tmp_path / "back" / "b.####.exr"
    assert (
        main(
            [
                "matchgrade",
                "apply",
                str(tmp_path / "bal" / "balance.json"),
                str(out),
                "--out",
                str(back),
                "--inverse",
                "--no-log",
            ]
        )
        == 0
    )
    undone = read_image(tmp_path / "back" / "b.0001.exr").pixels
    inside = (orig > 0.01) & (orig < 0.9)
    assert np.allclose(undone[inside], orig[inside], rtol=0.02, atol=2e-3)


def test_target_declared_colorspace_is_decoded(tmp_path, capsys):
    """A reference whose header says sRGB - Texture is decoded to the working space."""
    import colour

    from restoration_toolkit.core.io.images import ImageMetadata
    from restoration_toolkit.testing.color_images import faded, smooth_image

    rng = np.random.default_rng(3)
    for f in range(1, 4):
        ref_lin = smooth_image(rng)  # treat as ACEScg-ish linear for the test
        srgb = np.asarray(colour.cctf_encoding(np.clip(ref_lin, 0, 1), function="sRGB"), np.float32)
        write_image(
            tmp_path / f"ref/r.{f:04d}.exr",
            srgb,
            ImageMetadata(colorspace="sRGB - Texture"),
            data_format="float",
        )
        write_image(tmp_path / f"scan/s.{f:04d}.exr", faded(ref_lin, rng), data_format="float")
    rc = main(
        [
            "matchgrade",
            "fit",
            "--source",
            str(tmp_path / "scan/s.####.exr"),
            "--target",
            str(tmp_path / "ref/r.####.exr"),
            "--out",
            str(tmp_path / "g.cube"),
            "--size",
            "9",
            "--method",
            "polynomial",
            "--degree",
            "1",
            "--ocio",
            "ocio://cg-config-v1.0.0_aces-v1.3_ocio-v2.1",
            "--json",
            "--no-log",
        ]
    )
    assert rc == 0
    side = json.loads((tmp_path / "g.json").read_text())
    assert side["colour"]["target_space"] == "sRGB - Texture"
