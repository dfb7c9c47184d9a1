"""Chroma-only MatchGrade: the scan keeps its luminance; the project default; the sidecar
and the experiment log hold the candidate table."""

import json

import numpy as np

from restoration_toolkit.cli import main
from restoration_toolkit.core.color.chroma_only import ChromaOnly, keep_scan_luminance
from restoration_toolkit.core.color.fit import fit_color_transform
from restoration_toolkit.core.color.transforms import transform_from_dict
from restoration_toolkit.core.experiment_log.store import ExperimentLog
from restoration_toolkit.core.io.images import read_image
from restoration_toolkit.core.ycbcr import chroma_ground_truth, luminance, to_ycbcr
from restoration_toolkit.testing.color_images import faded, smooth_image

CHEAP = ["--method", "polynomial", "--encoding", "log2", "--degree", "2"]


def test_keep_scan_luminance_is_the_ground_truth_composition():
    rng = np.random.default_rng(1)
    scan, graded = smooth_image(rng), smooth_image(rng)
    out = keep_scan_luminance(scan, graded)
    assert np.array_equal(out, chroma_ground_truth(scan, graded))  # the one Y'CbCr
    assert np.allclose(luminance(out), luminance(scan), atol=1e-6)
    assert np.allclose(to_ycbcr(out)[..., 1:], to_ycbcr(graded)[..., 1:], atol=1e-6)
    flat = keep_scan_luminance(scan.reshape(-1, 3), graded.reshape(-1, 3))
    assert np.allclose(flat, out.reshape(-1, 3))


def test_chroma_only_fit_keeps_luminance_and_round_trips():
    rng = np.random.default_rng(2)
    refs = [smooth_image(rng) for _ in range(2)]
    scans = [faded(r, rng) for r in refs]
    t = fit_color_transform(scans, refs, method="polynomial", encoding="log2", degree=2,
                            chroma_only=True, cross_validate_models=False, cv_samples=3000)
    assert isinstance(t, ChromaOnly)
    out = t.apply(scans[0])
    assert np.allclose(luminance(out), luminance(scans[0]), rtol=1e-5, atol=1e-7)
    # the colors moved to the ground truth (scan luminance, reference chroma)
    truth = chroma_ground_truth(scans[0], refs[0])
    valid = (truth > 0).all(axis=-1)  # the composite can leave RGB: no encoding holds that
    before = np.abs(scans[0] - truth)[valid].mean()
    after = np.abs(out - truth)[valid].mean()
    assert after < before / 2, (after, before)  # measured 0.022 vs 0.060
    data = t.to_dict()
    assert data["chroma_only"] is True and data["method"] == "polynomial"
    back = transform_from_dict(json.loads(json.dumps(data)))
    assert isinstance(back, ChromaOnly) and np.allclose(back.apply(scans[1]), t.apply(scans[1]))


def test_cli_chroma_only_apply_keeps_the_scan_luminance(pair_sequences, tmp_path, capsys):
    scan, ref = pair_sequences
    out = tmp_path / "g" / "grade.cube"
    assert main(["matchgrade", "fit", "--source", str(scan), "--target", str(ref), "--out",
                 str(out), "--size", "9", "--chroma-only", "--json", "--no-log", *CHEAP]) == 0
    assert json.loads(capsys.readouterr().out)["chroma_only"] is True
    assert json.loads(out.with_suffix(".json").read_text())["chroma_only"] is True
    for grade, flag, kept in ((out.with_suffix(".json"), [], True), (out, ["--full"], False)):
        dest = tmp_path / f"mg{len(flag)}" / "mg.####.exr"
        assert main(["matchgrade", "apply", str(grade), str(scan), "--out", str(dest),
                     "--no-log", *flag]) == 0
        for f in (1, 4):
            original = read_image(scan.parent / f"scan.{f:04d}.exr").pixels
            graded = read_image(dest.parent / f"mg.{f:04d}.exr").pixels
            same = np.allclose(luminance(graded), luminance(original), rtol=1e-5, atol=1e-6)
            assert same == kept, (grade.name, f)


def test_cli_chroma_only_through_a_color_space(tmp_path):
    # the luminance that is kept is the working space's, as the CopyCat ground truth's
    import colour

    from restoration_toolkit.core.color.sequences import ColorSetup
    from restoration_toolkit.core.io.images import ImageMetadata, write_image

    rng = np.random.default_rng(4)
    for f in (1, 2):
        ref = smooth_image(rng)
        srgb = np.asarray(colour.cctf_encoding(np.clip(faded(ref, rng), 0, 1), function="sRGB"),
                          np.float32)
        write_image(tmp_path / f"s/s.{f:04d}.exr", srgb, ImageMetadata(), data_format="float")
        write_image(tmp_path / f"r/r.{f:04d}.exr", ref, data_format="float")
    config = "ocio://cg-config-v1.0.0_aces-v1.3_ocio-v2.1"
    common = ["--ocio", config, "--no-log"]
    assert main(["matchgrade", "fit", "--source", str(tmp_path / "s/s.####.exr"), "--target",
                 str(tmp_path / "r/r.####.exr"), "--source-colorspace", "sRGB - Texture",
                 "--out", str(tmp_path / "g.cube"), "--chroma-only", *CHEAP, *common]) == 0
    assert main(["matchgrade", "apply", str(tmp_path / "g.json"), str(tmp_path / "s/s.####.exr"),
                 "--colorspace", "sRGB - Texture", "--out", str(tmp_path / "o/o.####.exr"),
                 *common]) == 0
    setup = ColorSetup(config=config, working="ACEScg")
    src = setup.to_working(read_image(tmp_path / "s/s.0001.exr").pixels, "sRGB - Texture")
    out = setup.to_working(read_image(tmp_path / "o/o.0001.exr").pixels, "sRGB - Texture")
    assert np.allclose(luminance(out), luminance(src), rtol=1e-4, atol=1e-6)
    assert not np.allclose(out, src, atol=1e-3)  # …while the colors changed


def test_project_default_is_chroma_only_and_the_log_holds_the_table(color_project, capsys):
    root = color_project.root
    assert main(["matchgrade", "fit", "--project", str(root), "--size", "9", "--json",
                 "--method", "polynomial", "--encoding", "log2"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["chroma_only"] is True  # a color-recovery project
    side = json.loads((color_project.stage_dir(5) / "grade.json").read_text())
    table = side["model_selection"]
    assert table["folds"]["kind"] == "shot" and len(table["folds"]["folds"]) == 2
    names = [c["name"] for c in table["candidates"]]
    assert table["winner"] in names and len(names) == 3  # degrees 1–3 in log2
    for c in table["candidates"]:
        assert c["cv_de2000_mean"] > 0 and c["cv_de2000_p95"] >= c["cv_de2000_mean"]
        assert len(c["fold_de2000_mean"]) == 2 and len(c["fold_weights"]) == 2
    assert side["holdout_frames"] == [6] and "holdout_de2000_mean" in side["figures"]
    entry = ExperimentLog.for_project(root).entries()[-1]
    assert entry.stage == "matchgrade"
    logged = entry.figures["model_selection"]
    assert logged["winner"] == table["winner"] and set(logged["candidates"]) == set(names)
    assert entry.parameters["chroma_only"] is True
