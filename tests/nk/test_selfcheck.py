"""The in-Nuke self-check against the strict fake: it passes where the fake models Nuke, and
names exactly what is wrong when the fake is made to differ (a knob missing, a menu without the
value, inputs wired the other way, a class or the OCIO config missing, gizmos not installed)."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import pytest

from restoration_toolkit.nk.gizmo_groups import GIZMOS
from restoration_toolkit.nk.selfcheck_plan import build_plan
from restoration_toolkit.nk.template_source import TEMPLATES

GIZMO_DIR = Path(__file__).parents[2] / "gizmos"
CONFIG = "fn-nuke_studio-config-v1.0.0_aces-v1.3_ocio-v2.1"


@pytest.fixture(scope="module")
def plan():
    return build_plan()


def _run(fake_nuke, plan, switch=True, gizmos=True):
    from restoration_toolkit.nuke.selfcheck import run_checks

    if gizmos:
        fake_nuke.pluginAddPath(str(GIZMO_DIR))
    return run_checks(plan, switch_config=switch)


def _failed(report):
    return {c["id"]: c for c in report["checks"] if c["ok"] is False}


def test_plan_covers_every_template_tool_and_class(plan):
    names = {s["name"].split(" ")[0] for s in plan["scripts"]}
    assert {f"{t}.{e}" for t in TEMPLATES for e in ("nk", "nknc")} | set(GIZMOS) == names
    assert {"CopyCat", "Inference", "CatFileCreator", "CopyBBox", "Crop"} <= set(plan["classes"])
    assert plan["ocio"]["config"] == CONFIG and "ACES2065-1" in plan["ocio"]["colorspaces"]
    json.dumps(plan)  # embedded in check.py as JSON
    copycat = next(n for n in plan["scripts"][0]["nodes"] if n["name"] == "CopyCat1")
    assert copycat["knobs"]["useMultiResolutionTraining"] == "true"
    assert copycat["inputs"] == ["Input_CopyBBox", "GT_RemoveAlpha", "PreviewLiveArea"]


def test_everything_passes_where_the_fake_models_nuke(fake_nuke, plan):
    report = _run(fake_nuke, plan)
    assert report["summary"]["failed"] == 0, _failed(report)
    ids = {c["id"] for c in report["checks"]}
    assert {"class:CopyCat", "class:Inference", "class:CatFileCreator", "ocio:config"} <= ids
    assert {f"ocio:colorspace:{n}" for n in plan["ocio"]["colorspaces"]} <= ids
    pasted = [i for i in ids if i.startswith("paste:")]
    assert len(pasted) == len(TEMPLATES) + 1 + len(GIZMOS)  # nk edition + 2nd inference Write
    assert not any(i.endswith(".nknc") for i in pasted)
    nodes = [c for c in report["checks"] if c["id"].startswith("node:")]
    assert len(nodes) > 200 and sum(c["knobs_checked"] for c in nodes) > 500
    assert report["nuke"]["edition"] == "NukeX" and report["nuke"]["version"] == "15.1v1"
    assert not fake_nuke._nodes  # every temporary Group deleted
    assert fake_nuke.root()["OCIO_config"].value() == CONFIG  # terminal run: switched


def test_a_missing_knob_is_named_with_the_real_knob_list(fake_nuke, plan, monkeypatch):
    from tests.fakes.nuke import node_classes

    older = node_classes.NODE_CLASSES["CopyCat"][1].replace(" useMultiResolutionTraining", "")
    monkeypatch.setitem(node_classes.NODE_CLASSES, "CopyCat", (3, older))
    failed = _failed(_run(fake_nuke, plan))
    paste = failed["paste:color_reference_train.nk"]
    assert "useMultiResolutionTraining" in paste["detail"]
    problem = failed["node:color_reference_train.nk/CopyCat1"]["problems"][0]
    assert problem["knob"] == "useMultiResolutionTraining" and problem["problem"] == "missing"
    assert "epochs" in problem["knobs_of_class"]


def test_a_value_missing_from_a_menu_is_named_with_the_menu(fake_nuke, plan, monkeypatch):
    from tests.fakes.nuke import node_classes

    monkeypatch.setitem(node_classes.MENUS, ("CopyCat", "modelSize"), ["small", "big"])
    failed = _failed(_run(fake_nuke, plan))
    problem = failed["node:gauge_train.nk/CopyCat1"]["problems"][0]
    assert problem == {
        "knob": "modelSize",
        "problem": "not in the menu",
        "written": "Medium",
        "menu": ["small", "big"],
    }


def test_inputs_wired_the_other_way_are_found(fake_nuke, plan, monkeypatch):
    """A Nuke numbering inputs in push order (the mistake nkparser makes) would swap B and A."""
    original = fake_nuke.nodePaste

    def swapped(path):
        result = original(path)
        for node in fake_nuke._all_nodes_flat():
            if node.Class() == "CopyBBox":
                node._inputs[:2] = node._inputs[1::-1]
        return result

    monkeypatch.setattr(fake_nuke, "nodePaste", swapped)
    failed = _failed(_run(fake_nuke, plan))
    problems = failed["node:generation_train.nk/Input_CopyBBox"]["problems"]
    assert problems[0] == {
        "input": 0,
        "problem": "wired elsewhere",
        "expected": "Input_RemoveAlpha",
        "found": "GT_RemoveAlpha",
    }


def test_a_missing_class_and_a_missing_config_are_reported(fake_nuke, plan, monkeypatch):
    from tests.fakes.nuke import node_classes

    monkeypatch.delitem(node_classes.NODE_CLASSES, "CatFileCreator")
    monkeypatch.setitem(node_classes.MENUS, ("Root", "OCIO_config"), ["nuke-default", "custom"])
    fake_nuke._reset()
    report = _run(fake_nuke, plan)
    failed = _failed(report)
    assert "TorchScript" in failed["class:CatFileCreator"]["detail"]
    assert failed["ocio:config"]["detail"]["menu"] == ["nuke-default", "custom"]
    spaces = [c for c in report["checks"] if c["id"].startswith("ocio:colorspace:")]
    assert spaces and all(c["ok"] is None for c in spaces)  # cannot be told: not failed


def test_gizmos_not_on_the_plugin_path(fake_nuke, plan):
    failed = _failed(_run(fake_nuke, plan, gizmos=False))
    for name in GIZMOS:
        assert "not on the plugin path" in failed[f"paste:{name}"]["detail"]
    # the tools are still checked from their file text
    assert not [i for i in failed if i.startswith("node:")]


def test_non_commercial_pastes_the_nknc_templates(fake_nuke, plan):
    fake_nuke.env["nc"] = True
    report = _run(fake_nuke, plan)
    pasted = [c["id"] for c in report["checks"] if c["id"].startswith("paste:")]
    assert any(p.endswith(".nknc") for p in pasted) and not any(p.endswith(".nk") for p in pasted)
    assert report["nuke"]["edition"] == "Non-Commercial"
    assert "node:inference.nknc (Write: default)/NonCommercial1080" in {
        c["id"] for c in report["checks"]
    }


def test_menu_check_leaves_the_script_as_it_was(fake_nuke, project_factory, monkeypatch):
    from restoration_toolkit.nuke.installation import check_installation
    from restoration_toolkit.nuke.menu_data import MENU_ENTRIES

    assert any(e.path == "Check Installation" for e in MENU_ENTRIES)
    project = project_factory("generation")
    monkeypatch.setenv("RTK_PROJECT", str(project.root))
    fake_nuke.pluginAddPath(str(GIZMO_DIR))
    read = fake_nuke.nodes.Read(file="/plates/a.%04d.exr")
    report = check_installation()
    assert report["summary"]["failed"] == 0
    # the GUI run never changes the artist's OCIO config, so the color spaces are not checked
    assert fake_nuke.root()["OCIO_config"].value() is None
    assert report["summary"]["not_checked"] == len(build_plan(project)["ocio"]["colorspaces"])
    assert fake_nuke.allNodes() == [read]
    saved = json.loads((project.root / "notes" / "rtk_nuke_selfcheck.json").read_text())
    assert saved["summary"] == report["summary"]
    assert "Send this file" in fake_nuke._messages[-1]
    assert fake_nuke._undo_log == [
        "begin:Film Restoration: check installation",
        "end:Film Restoration: check installation",
    ]


def test_check_py_runs_on_its_own_in_nuke_terminal_mode(fake_nuke, tmp_path, monkeypatch, capsys):
    """`rtk nk selfcheck` writes a file that needs only nuke and the standard library."""
    from restoration_toolkit.cli import main

    check = tmp_path / "check.py"
    assert main(["nk", "selfcheck", "--out", str(check), "--json"]) == 0
    written = json.loads(capsys.readouterr().out)
    assert written["script"] == check.as_posix() and "nuke -t" in written["run"]
    runner = check.read_text().split("\nPLAN = ")[0]
    assert "import restoration_toolkit" not in runner and "from restoration_toolkit" not in runner
    assert "from ." not in runner
    fake_nuke.pluginAddPath(str(GIZMO_DIR))
    report = tmp_path / "out" / "report.json"
    monkeypatch.setattr(sys, "argv", [str(check), str(report)])
    for name in [m for m in sys.modules if m.startswith("restoration_toolkit")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_NoToolkit(), *sys.meta_path])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(str(check), run_name="__main__")
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "0 failed" in out and str(report) in out
    assert json.loads(report.read_text())["summary"]["failed"] == 0


class _NoToolkit:
    """An import hook that makes `import restoration_toolkit` fail (a Nuke without it) — except
    for the fake `nuke` itself, which reads pasted text with the toolkit's parser."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] != "restoration_toolkit":
            return None
        frame = sys._getframe(1)
        while frame is not None:
            if "fakes" in Path(frame.f_code.co_filename).parts:
                return None
            frame = frame.f_back
        raise ImportError(f"{name} is not installed in this Nuke")


@pytest.mark.parametrize(
    "written,held,agree",
    [
        ("true", True, True),
        ("false", True, False),
        ("512", 512.0, True),
        ("0.5", 0.25, False),
        ("{4 2 60 46}", [4.0, 2.0, 60.0, 46.0], True),
        ("{4 2 60 46}", [4.0, 2.0, 60.0, 47.0], False),
        ("{{curve x1 4 x2 6} 2 60 46}", [4.0, 2.0, 60.0, 46.0], None),
        ("ACEScg", "ACEScg\tColorspaces/ACES/ACEScg\t\tACES - ACEScg,lin_ap1", True),
        ("lin_ap1", "ACEScg\tColorspaces/ACES/ACEScg\t\tACES - ACEScg,lin_ap1", True),
        ("Medium", "Small", False),
        ('"\\[value x]"', "v1", None),
    ],
)
def test_agrees(fake_nuke, written, held, agree):
    from restoration_toolkit.nuke.selfcheck import agrees

    assert agrees(written, held) is agree
