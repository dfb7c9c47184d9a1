"""project.yaml: written by `rtk project init`, validated field by field, found like git."""

import subprocess
import sys

import numpy as np
import pytest
import yaml

from restoration_toolkit.cli import main
from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.io.images import write_image
from restoration_toolkit.core.project import STAGE_DIRS, find_project, load_project, open_project


@pytest.fixture
def footage(tmp_path):
    for f in range(1, 6):
        write_image(tmp_path / "scan" / f"F_{f:04d}.exr", np.zeros((8, 8, 3), np.float32))
        write_image(tmp_path / "dvd" / f"D_{f:04d}.png", np.zeros((6, 6, 3), np.float32))
    return tmp_path


def _init(footage, *extra):
    return main(["project", "init", str(footage / "proj"), "--technique", "color-reference",
                 "--source", str(footage / "scan/F_####.exr"), "--reference", str(footage / "dvd/D_####.png"),
                 "--title", "Nostalgia", "--reel", "2", *extra])


def test_init_writes_project_and_stage_folders(footage):
    assert _init(footage) == 0
    root = footage / "proj"
    for name in STAGE_DIRS:
        assert (root / "pipeline" / name).is_dir()
    project = load_project(root)
    assert project.technique == "color-reference"
    assert project.source.frames == "1-5"
    assert project.film["title"] == "Nostalgia"
    assert project.reference is not None and project.reference.provenance is not None
    assert project.references_without_provenance() == [project.reference.path]
    assert project.source_spec().endswith("scan/F_####.exr")


def test_init_refuses_to_replace_without_force(footage, capsys):
    assert _init(footage) == 0
    assert _init(footage) == 1
    assert "already exists" in capsys.readouterr().err
    assert _init(footage, "--force") == 0


def test_init_needs_a_reference_for_reference_techniques(footage, capsys):
    code = main(["project", "init", str(footage / "p2"), "--technique", "gauge",
                 "--source", str(footage / "scan/F_####.exr")])
    assert code == 1
    assert "needs --reference" in capsys.readouterr().err
    assert not (footage / "p2" / "project.yaml").exists()


def test_every_wrong_field_is_named(footage):
    _init(footage)
    path = footage / "proj" / "project.yaml"
    data = yaml.safe_load(path.read_text())
    data["technique"] = "upscaling"
    data["source"]["fps"] = "fast"
    data["reference"]["field_order"] = "diagonal"
    data["colour"] = {}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RTKError) as info:
        load_project(path)
    text = str(info.value)
    assert "technique: must be one of" in text
    assert "source.fps: must be a number" in text
    assert "reference.field_order: must be one of" in text
    assert "colour: unknown field" in text
    assert "\n" not in text


def test_schema_version_and_yaml_errors(tmp_path):
    (tmp_path / "project.yaml").write_text("schema_version: 99\nname: X\n")
    with pytest.raises(RTKError, match="schema_version 99"):
        load_project(tmp_path)
    (tmp_path / "project.yaml").write_text("name: [unclosed\n")
    with pytest.raises(RTKError, match="not valid YAML at line"):
        load_project(tmp_path)


def test_found_from_a_subfolder_like_git(footage, monkeypatch):
    _init(footage)
    deep = footage / "proj" / "pipeline" / "02_alignment"
    monkeypatch.chdir(deep)
    assert find_project() == (footage / "proj").resolve()
    assert open_project().name == "PROJ"
    monkeypatch.chdir(footage)
    with pytest.raises(RTKError, match="no project.yaml found"):
        open_project()


def test_provenance_is_required_before_training(footage):
    _init(footage)
    project = load_project(footage / "proj")
    with pytest.raises(RTKError, match="no provenance"):
        project.require_provenance()
    project.reference.provenance.source = "DVD release, 2004"
    project.reference.provenance.holder = "National Film Archive"
    project.reference.provenance.permission = "written permission 2026-03-01"
    project.save()
    load_project(footage / "proj").require_provenance()


def test_live_area_converts_to_nuke_box():
    from restoration_toolkit.core.project import LiveArea

    assert LiveArea(10, 20, 110, 220).nuke_box(height=300) == [10, 80, 110, 280]


def test_project_show_and_check_json(footage):
    _init(footage)
    out = subprocess.run([sys.executable, "-m", "restoration_toolkit", "project", "check", "--project",
                          str(footage / "proj"), "--json"], capture_output=True, text=True)
    assert out.returncode == 1  # provenance is still empty
    assert '"ok": false' in out.stdout and "provenance missing" in out.stdout
