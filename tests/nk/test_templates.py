"""nuke_base/: the committed templates are what template_source generates; .nknc twins match;
versions are checked; placeholders must all be filled."""

from __future__ import annotations

from pathlib import Path

import pytest
from independent import read_independently

from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.nk import parse_script
from restoration_toolkit.nk.template_source import TEMPLATE_VERSION, TEMPLATES, template_text
from restoration_toolkit.nk.templates import fill, load_template, nuke_base_dir, placeholders

NC_ONLY = {"NonCommercial1080"}  # nodes only the Non-Commercial inference twin has


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("edition", ["nk", "nknc"])
def test_committed_template_is_generated_text(name, edition):
    path = nuke_base_dir() / f"{name}.{edition}"
    assert path.is_file(), (
        f"{path} missing: run python -m restoration_toolkit.nk.template_source nuke_base"
    )
    assert path.read_text(encoding="utf-8") == template_text(name, edition)


@pytest.mark.parametrize("name", TEMPLATES)
def test_nknc_twin_is_the_same_graph(name):
    nk = read_independently((nuke_base_dir() / f"{name}.nk").read_text(encoding="utf-8"))
    nc = read_independently((nuke_base_dir() / f"{name}.nknc").read_text(encoding="utf-8"))
    assert set(nc) - set(nk) <= NC_ONLY and set(nk) <= set(nc)
    for node_name, seen in nk.items():
        twin = nc[node_name]
        assert twin.cls == seen.cls, node_name
        differing = {
            k for k in set(seen.knobs) | set(twin.knobs) if seen.knobs.get(k) != twin.knobs.get(k)
        }
        if node_name == "RTK_TemplateInfo":
            assert differing <= {"label", "rtk_edition"}
            assert twin.knobs["rtk_edition"] == "nknc"
        else:
            assert differing <= {"xpos", "ypos"}, (node_name, differing)
        inputs = [nc[i].inputs[0] if i in NC_ONLY else i for i in twin.inputs]
        assert inputs == seen.inputs, node_name


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_loads_with_label_and_placeholders(name):
    script = load_template(name)
    info = script.find("RTK_TemplateInfo")
    assert info.knob("rtk_template") == name
    assert info.knob("rtk_template_version") == str(TEMPLATE_VERSION)
    assert "scan_file" in placeholders(script)
    assert script.root["colorManagement"] == "OCIO"


def test_unknown_template_version_is_refused(tmp_path):
    text = template_text("inference").replace(
        f"rtk_template_version {TEMPLATE_VERSION}", "rtk_template_version 7"
    )
    path = tmp_path / "inference.nk"
    path.write_text(text)
    with pytest.raises(RTKError, match="version 7 of inference is not supported"):
        load_template("inference", path=path)


def test_wrong_or_broken_template_is_refused(tmp_path):
    with pytest.raises(RTKError, match="unknown template"):
        load_template("color_magic_train")
    with pytest.raises(RTKError, match="no such template"):
        load_template("inference", path=tmp_path / "nope.nk")
    other = tmp_path / "x.nk"
    other.write_text(template_text("gauge_train"))
    with pytest.raises(RTKError, match="expected 'inference'"):
        load_template("inference", path=other)
    broken = tmp_path / "b.nk"
    broken.write_text("Group {\n name G\n}\n")
    with pytest.raises(RTKError, match="not a readable .nk"):
        load_template("inference", path=broken)
    plain = tmp_path / "p.nk"
    plain.write_text("Grade {\n name G\n}\n")
    with pytest.raises(RTKError, match="not a toolkit template"):
        load_template("inference", path=plain)


def test_fill_reports_missing_values():
    script = load_template("generation_train")
    with pytest.raises(RTKError, match="@scan_file@"):
        fill(script, {"format": "64 48 0 0 64 48 1 x"})


def test_a_studio_edited_template_is_used(tmp_path):
    """A template saved elsewhere (e.g. edited in Nuke) is read through --template."""
    text = template_text("inference").replace('datatype "16 bit half"', 'datatype "32 bit float"')
    path = tmp_path / "studio_inference.nk"
    path.write_text(text)
    assert parse_script(text).find("WriteML").knobs["datatype"] == "32 bit float"
    assert load_template("inference", path=path).find("WriteML").knobs["datatype"] == "32 bit float"


def test_templates_folder_holds_nothing_else():
    names = {p.name for p in Path(nuke_base_dir()).iterdir() if not p.name.startswith(".")}
    expected = {f"{n}.{e}" for n in TEMPLATES for e in ("nk", "nknc")} | {"README.md"}
    assert names <= expected and names >= expected - {"README.md"}
