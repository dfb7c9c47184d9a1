"""What the training and inference scripts take from the project: batch size within the
pairs, input transforms stated in project.yaml (never a silent default), a crop keyed per pair
where the live area moves, the Root's OCIO config per Nuke version, .catnc models."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from independent import read_independently
from test_cli_nk import make_stand_in

from restoration_toolkit.cli import main
from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.project import load_project
from restoration_toolkit.nk import parse_script, write_script
from restoration_toolkit.nk.root_color import NUKE_BUILTIN_OCIO
from restoration_toolkit.nk.training_script import training_script
from restoration_toolkit.nk.training_settings import default_training_settings, total_steps


def test_total_steps_follow_foundrys_formula():
    assert total_steps(30_000, 4, 3) == 40_000  # the method's panel
    chosen = default_training_settings("color-reference", 1800, 4, steps=40_000).settings
    assert (chosen.epochs, chosen.steps) == (30_000, 40_000)
    odd = default_training_settings("gauge", 1800, 7, steps=1000).settings
    assert odd.steps >= 1000 and odd.epochs == 429  # ceil(1000 × 3 / 7)


def test_batch_size_never_exceeds_the_pairs(project_factory, capsys):
    project = project_factory("generation", pairs=[1002, 1009])
    stage = training_script(project)
    assert stage.settings.batch_size == 2
    assert "batch size lowered from 3 to 2" in stage.warnings[0]
    seen = read_independently(write_script(stage.script))
    assert seen["CopyCat1"].knobs["batchSize"] == "2"
    code = main(["nk", "train", "--project", str(project.root), "--batch-size", "3", "--no-log"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.startswith("rtk: error: ") and "\n" not in err
    assert "--batch-size 3 is more than the 2 training pairs" in err
    assert not list(project.stage_dir(3).rglob("*.nk"))


def _without(project, *fields):
    data = yaml.safe_load((project.root / "project.yaml").read_text())
    for field in fields:
        head, _, key = field.rpartition(".")
        holder = data
        for part in head.replace("]", "").replace("[", ".").split("."):
            holder = holder[int(part)] if isinstance(holder, list) else holder[part]
        holder.pop(key)
    (project.root / "project.yaml").write_text(yaml.safe_dump(data))
    return load_project(project.root)


@pytest.mark.parametrize(
    "technique,field",
    [
        ("generation", "source.colorspace"),
        ("generation", "reference.colorspace"),
        ("color-nonreference", "keyframe_references[2].colorspace"),
    ],
)
def test_an_unstated_input_transform_is_refused(project_factory, technique, field):
    project = _without(project_factory(technique), field)
    assert field in project.unstated
    with pytest.raises(RTKError, match=re.escape(f"{field} is not set")):
        training_script(project)
    project.save()  # saving again keeps it unstated rather than writing the default
    assert field in load_project(project.root).unstated


def test_keyframe_references_keep_their_own_input_transforms(project_factory):
    project = project_factory("color-nonreference")
    project.keyframe_references[1].colorspace = "Linear Rec.709 (sRGB)"
    seen = read_independently(write_script(training_script(project).script))
    spaces = [seen[r].knobs["colorspace"] for r in seen["Reference_Append"].inputs]
    assert spaces[1] == '"Linear Rec.709 (sRGB)"' and spaces[0] == '"sRGB - Texture"'


def test_the_crop_is_keyed_per_pair_where_the_live_area_moves(project_factory):
    project = project_factory("color-reference", aligned=True)
    frames = {
        str(f): {"status": "ok", "live_area": [4 + i, 2, 60 - i, 46]}
        for i, f in enumerate([1002, 1005, 1009, 1014, 1018, 1011])
    }
    (project.alignment_dir / "alignment.json").write_text(json.dumps({"frames": frames}))
    seen = read_independently(write_script(training_script(project).script))
    box = seen["ScanLiveArea"].knobs["box"]
    assert box == "{{curve x1 4 x2 5 x3 6 x4 7 x5 8} 2 {curve x1 60 x2 59 x3 58 x4 57 x5 56} 46}"
    assert seen["ReferenceLiveArea"].knobs["box"] == box
    assert seen["PreviewLiveArea"].knobs["box"] == "{9 2 55 46}"  # holdout 1011's own box
    # a box stage 02 proposes never reaches outside project.yaml's live area
    frames["1002"]["live_area"] = [0, 0, 64, 48]
    (project.alignment_dir / "alignment.json").write_text(json.dumps({"frames": frames}))
    seen = read_independently(write_script(training_script(project).script))
    assert seen["ScanLiveArea"].knobs["box"].startswith("{{curve x1 4 x2 5")


def test_root_color_per_nuke_version_and_custom_configs(project_factory, tmp_path):
    project = project_factory("generation")
    for version, config in NUKE_BUILTIN_OCIO.items():
        stage = training_script(project, nuke_version=version)
        parsed = parse_script(write_script(stage.script))
        assert parsed.root["OCIO_config"] == config and stage.ocio_config == config
        assert parsed.nuke_version.startswith(str(version))
    named = training_script(project, nuke_config="fn-nuke_cg-config-v1.0.0_aces-v1.3_ocio-v2.1")
    assert named.ocio_config.startswith("fn-nuke_cg-config")
    config = tmp_path / "studio.ocio"
    config.write_text("ocio_profile_version: 2\n")
    project.color.ocio_config = str(config)
    root = parse_script(write_script(training_script(project).script)).root
    assert root["OCIO_config"] == "custom" and root["customOCIOConfigPath"] == config.as_posix()
    project.color.ocio_config = str(tmp_path / "missing.ocio")
    with pytest.raises(RTKError, match="color.ocio_config names no file"):
        training_script(project)
    with pytest.raises(RTKError, match="--nuke-version must be one of"):
        training_script(project_factory("gauge"), nuke_version=13)


def test_non_commercial_models_everywhere(project_factory, tmp_path, capsys):
    project = project_factory("color-reference")
    model = tmp_path / "Training_260101_120000.40000.catnc"
    model.write_bytes(b"nc")
    out = tmp_path / "inference.nknc"
    assert main(["nk", "inference", "--project", str(project.root), "--model", str(model),
                 "--nc", "--out", str(out), "--no-log", "--json"]) == 0  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert result["model_file"].endswith(".catnc") and not result["warnings"]
    assert read_independently(out.read_text())["Inference1"].knobs["modelFile"].endswith(".catnc")
    step1 = training_script(
        project_factory("analog-video"), step=2, step1_model=model, edition="nknc"
    )
    assert step1.inputs[-1].suffix == ".catnc"


def test_headless_options_and_errors_on_exit_0(project_factory, tmp_path, capsys):
    project = project_factory("generation")
    nuke = make_stand_in(tmp_path)
    args = ["nk", "train", "--project", str(project.root), "--run", "--nuke", str(nuke)]
    assert main([*args, "--nukex", "--no-gpu", "--no-multi-resolution", "--no-log", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    call = (tmp_path / "calls.txt").read_text().split()
    assert call[:5] == ["--nukex", "-X", "CopyCat1", "-F", "1"] and "--gpu" not in call
    assert result["steps_done"] == 4 and result["total_steps"] == 4
    assert result["settings"]["multi_resolution"] is False
    seen = read_independently(Path(result["script"]).read_text())
    assert seen["CopyCat1"].knobs["useMultiResolutionTraining"] == "false"
    (tmp_path / "eddy").mkdir()
    eddy = make_stand_in(tmp_path / "eddy", "eddy")
    assert (
        main(
            [
                "nk",
                "train",
                "--project",
                str(project.root),
                "--run",
                "--nuke",
                str(eddy),
                "--no-log",
            ]
        )
        == 1
    )
    assert "Eddy[ERROR]" in capsys.readouterr().err


def test_a_missing_nuke_writes_nothing(project_factory, tmp_path, capsys, monkeypatch):
    project = project_factory("generation")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("RTK_NUKE", raising=False)
    monkeypatch.setattr("restoration_toolkit.nk.headless.usual_locations", lambda: [])
    assert main(["nk", "train", "--project", str(project.root), "--run", "--no-log"]) == 1
    assert "Nuke not found" in capsys.readouterr().err
    assert not list(project.stage_dir(3).rglob("*"))
