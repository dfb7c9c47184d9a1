"""gizmos/: every RT_* tool is a Group saved as generated, with a version knob, tooltips and
buttons that are one-line calls into the package; it loads in the strict fake Nuke."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from evaluate import evaluate
from independent import read_independently

from restoration_toolkit.core.ycbcr import chroma_ground_truth, luminance, to_ycbcr
from restoration_toolkit.nk import parse_script
from restoration_toolkit.nk.gizmo_groups import CALLBACKS, GIZMOS, gizmo_text

GIZMO_DIR = Path(__file__).parents[2] / "gizmos"
REQUIRED = {
    "RT_ChromaGroundTruth",
    "RT_LumaGroundTruth",
    "RT_Recombine",
    "RT_LiveAreaCrop",
    "RT_Align",
    "RT_MatchGrade",
}
ONE_LINE_CALL = re.compile(
    r"^import restoration_toolkit\.nuke\.gizmo_callbacks as rt; "
    r"rt\.[a-z_]+\(nuke\.thisNode\(\)\)$"
)


def test_all_product_gizmos_exist():
    assert REQUIRED <= set(GIZMOS)
    assert {p.stem for p in GIZMO_DIR.glob("*.gizmo")} == set(GIZMOS)


@pytest.mark.parametrize("name", sorted(GIZMOS))
def test_committed_gizmo_is_generated_text(name):
    assert (GIZMO_DIR / f"{name}.gizmo").read_text(encoding="utf-8") == gizmo_text(name)


@pytest.mark.parametrize("name", sorted(GIZMOS))
def test_gizmo_is_a_group_with_version_tooltips_and_package_callbacks(name):
    text = (GIZMO_DIR / f"{name}.gizmo").read_text(encoding="utf-8")
    assert "Gizmo {" not in text and text.startswith("Group {\n")
    script = parse_script(text)
    assert len(script.nodes) == 1
    group = script.nodes[0]
    assert group.cls == "Group" and group.name == name and group.children
    assert group.knob("rt_version") == "1.0"
    assert [c.cls for c in group.children].count("Output") == 1
    for user in group.user_knobs:
        kind = user.type
        if kind in (20, 26):  # tabs and text need no tooltip
            continue
        assert ' t "' in user.definition, f"{name}.{user.name} has no tooltip"
        if kind == 22:
            script_text = re.search(r' T "((?:[^"\\]|\\.)*)"', user.definition).group(1)
            assert ONE_LINE_CALL.match(script_text), script_text
            function = script_text.split("rt.")[1].split("(")[0]
            import ast

            source = (
                Path(__file__).parents[2] / "restoration_toolkit" / "nuke" / "gizmo_callbacks.py"
            ).read_text()
            assert function in {
                n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)
            }
    for node in group.walk():  # no Python strings hidden in inner knobs
        for key in ("knobChanged", "onCreate", "onDestroy"):
            assert key not in node.knobs
    assert CALLBACKS in text or name == "RT_LumaGroundTruth" or "rt_help" in text
    # links point at inner nodes that exist
    for user in group.user_knobs:
        if user.type == 41:
            target = user.definition.rsplit(" T ", 1)[1].split(".")[0]
            assert group.find(target) is not None, target


def test_gizmo_wiring_read_independently():
    seen = read_independently(gizmo_text("RT_Align"))["RT_Align"]
    stmap = seen.children["STMap1"]
    assert stmap.cls == "STMap" and stmap.knobs["uv"] == "rgb"
    assert stmap.inputs == ["reference", "STMapRead"]
    assert seen.children["STMapRead"].knobs["raw"] == "true"
    grade = read_independently(gizmo_text("RT_MatchGrade"))["RT_MatchGrade"]
    assert grade.children["ApplyGrade"].cls == "OCIOFileTransform"
    assert "41 file" in gizmo_text("RT_MatchGrade")


def test_chroma_gizmo_computes_the_composition():
    group = parse_script(gizmo_text("RT_ChromaGroundTruth")).nodes[0]
    rng = np.random.default_rng(5)
    scan = rng.uniform(0.1, 0.8, (32, 32, 3)).astype(np.float32)
    ref = rng.uniform(0.1, 0.8, (32, 32, 3)).astype(np.float32)
    ref[::5, ::7] = 1.0  # dust: single bright pixels the Median must remove
    got = evaluate(group.find("Output1").input(0), {"scan": scan, "reference": ref})
    from scipy.ndimage import median_filter

    size = int(float(group.find("GT_RefMedian").knobs["size"]))
    assert size == 10  # the method's Median
    cleaned = median_filter(ref, size=(size, size, 1), mode="nearest")
    np.testing.assert_allclose(got, np.clip(chroma_ground_truth(scan, cleaned), 0, 1), atol=1e-5)
    assert not np.allclose(got, np.clip(chroma_ground_truth(scan, ref), 0, 1), atol=1e-3)


def test_recombine_gizmo_modes():
    group = parse_script(gizmo_text("RT_Recombine")).nodes[0]
    switch = group.find("ModeSwitch")
    assert switch.knobs["which"] == "{{parent.mode}}"
    rng = np.random.default_rng(6)
    scan, model = (rng.uniform(0.1, 0.8, (8, 8, 3)).astype(np.float32) for _ in range(2))
    color = evaluate(switch.input(0), {"scan": scan, "model": model})
    spatial = evaluate(switch.input(1), {"scan": scan, "model": model})
    np.testing.assert_allclose(luminance(color), luminance(scan), atol=1e-5)
    np.testing.assert_allclose(to_ycbcr(color)[..., 1:], to_ycbcr(model)[..., 1:], atol=1e-5)
    np.testing.assert_allclose(luminance(spatial), luminance(model), atol=1e-5)


@pytest.mark.parametrize("name", sorted(GIZMOS))
def test_gizmo_loads_in_strict_fake_nuke(fake_nuke, name):
    fake_nuke.pluginAddPath(str(GIZMO_DIR))
    node = fake_nuke.createNode(name)
    assert node.Class() == "Group"
    inner = {c.Class() for c in node._children}
    assert "Output" in inner and "Input" in inner


def test_every_gizmo_is_in_the_nodes_toolbar():
    from restoration_toolkit.nuke.menu_data import TOOLBAR_GIZMOS

    assert {name for _, name in TOOLBAR_GIZMOS} == set(GIZMOS)
