"""The ground-truth and recombination graphs, run numerically on a synthetic pair: Y comes from
the right side and chroma from the other (checked against core.ycbcr's compositions)."""

from __future__ import annotations

import numpy as np
import pytest
from evaluate import evaluate

from restoration_toolkit.core.ycbcr import (
    chroma_ground_truth,
    luma_ground_truth,
    luminance,
    to_ycbcr,
)
from restoration_toolkit.nk import Node, Script, graphs, parse_script, write_script
from restoration_toolkit.nk.inference_script import inference_script
from restoration_toolkit.nk.training_script import training_script


def _pair(seed=0, h=24, w=32):
    rng = np.random.default_rng(seed)
    scan = rng.uniform(0.05, 0.9, (h, w, 4)).astype(np.float32)
    ref = rng.uniform(0.05, 0.9, (h, w, 4)).astype(np.float32)
    ref[..., 0] *= 0.3  # a clearly different colour
    return scan, ref


def _parsed_subgraph(build):
    scan = Node("Read", name="ScanSrc")
    ref = Node("Read", name="RefSrc")
    sub = build(scan, ref)
    out = Node("NoOp", name="Result", inputs=[sub.output])
    parsed = parse_script(write_script(Script(nodes=[scan, ref, *sub.nodes, out])))
    return parsed.find("Result")


def test_chroma_ground_truth_graph_matches_core():
    scan, ref = _pair(1)
    result = _parsed_subgraph(lambda s, r: graphs.chroma_ground_truth(s, r, median_size=None))
    got = evaluate(result, {"ScanSrc": scan, "RefSrc": ref})
    want = np.clip(chroma_ground_truth(scan[..., :3], ref[..., :3]), 0, 1)
    assert got.shape == (*scan.shape[:2], 3)  # alpha removed
    np.testing.assert_allclose(got, want, atol=1e-5)
    # luminance from the scan, chroma from the reference (where nothing clipped)
    ok = np.all((want > 0) & (want < 1), axis=-1)
    assert ok.mean() > 0.5
    np.testing.assert_allclose(luminance(got)[ok], luminance(scan)[ok], atol=1e-5)
    np.testing.assert_allclose(to_ycbcr(got)[ok][:, 1:], to_ycbcr(ref)[ok][:, 1:], atol=1e-5)
    assert not np.allclose(to_ycbcr(got)[ok][:, 1:], to_ycbcr(scan)[ok][:, 1:], atol=1e-3)


def test_luma_ground_truth_graph_matches_core():
    scan, ref = _pair(2)
    result = _parsed_subgraph(lambda s, r: graphs.luma_ground_truth(s, r))
    got = evaluate(result, {"ScanSrc": scan, "RefSrc": ref})
    want = np.clip(luma_ground_truth(scan[..., :3], ref[..., :3]), 0, 1)
    np.testing.assert_allclose(got, want, atol=1e-5)
    ok = np.all((want > 0) & (want < 1), axis=-1)
    np.testing.assert_allclose(luminance(got)[ok], luminance(ref)[ok], atol=1e-5)
    np.testing.assert_allclose(to_ycbcr(got)[ok][:, 1:], to_ycbcr(scan)[ok][:, 1:], atol=1e-5)


@pytest.mark.parametrize(
    "technique,side",
    [
        ("color-reference", "chroma"),
        ("gauge", "luma"),
        ("generation", "luma"),
        ("analog-video", "luma"),
    ],
)
def test_training_script_ground_truth_and_inputs(project_factory, technique, side):
    """In the written training script, CopyCat's Input is the clamped scan (no alpha) and its
    Ground Truth computes the technique's composition of the two cropped branches."""
    project = project_factory(technique)
    parsed = parse_script(write_script(training_script(project).script))
    copycat = parsed.find("CopyCat1")
    scan, ref = _pair(3)
    scan[0, 0, :3] = [-0.2, 1.7, 0.5]  # out of range: both branches must clamp it
    images = {"ScanLiveArea": scan, "ReferenceLiveArea": ref}
    fed = evaluate(copycat.input(0), images)
    assert fed.shape == (*scan.shape[:2], 3)  # alpha removed
    np.testing.assert_allclose(fed, np.clip(scan[..., :3], 0, 1), atol=0)
    got = evaluate(copycat.input(1), images)
    assert got.min() >= 0 and got.max() <= 1
    if side == "chroma":
        from scipy.ndimage import median_filter

        size = int(float(parsed.find("GT_RefMedian").knobs["size"]))
        cleaned = ref.copy()
        cleaned[..., :3] = median_filter(ref[..., :3], size=(size, size, 1), mode="nearest")
        want = np.clip(chroma_ground_truth(scan[..., :3], cleaned[..., :3]), 0, 1)
    else:
        want = np.clip(luma_ground_truth(scan[..., :3], ref[..., :3]), 0, 1)
    np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize(
    "technique,luma_from",
    [
        ("color-reference", "scan"),
        ("color-nonreference", "scan"),
        ("gauge", "model"),
        ("analog-video", "model"),
    ],
)
def test_inference_recombination(project_factory, tmp_path, technique, luma_from):
    project = project_factory(technique)
    model = tmp_path / "m.cat"
    model.write_bytes(b"cat")
    parsed = parse_script(write_script(inference_script(project, model=model).script))
    switch = parsed.find("Recombine")
    scan, out = _pair(4)
    got = evaluate(switch, {"LiveAreaCrop": scan, "Inference1": out})
    y_src, c_src = (scan, out) if luma_from == "scan" else (out, scan)
    np.testing.assert_allclose(luminance(got), luminance(y_src), atol=1e-5)
    np.testing.assert_allclose(to_ycbcr(got)[..., 1:], to_ycbcr(c_src)[..., 1:], atol=1e-5)
