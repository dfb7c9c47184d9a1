"""Render on Farm… in Nuke (strict fake nuke): bundle for the Write, submit command shown."""

from __future__ import annotations

import sys
import types

import pytest
import yaml

from restoration_toolkit.farm.bundle import load_bundle


@pytest.fixture
def farm_ui(fake_nuke, monkeypatch):
    monkeypatch.setenv("RTK_PYTHON", sys.executable)
    monkeypatch.delenv("RTK_PROJECT", raising=False)
    monkeypatch.delenv("RTK_PROGRESS", raising=False)
    from restoration_toolkit.nuke import farm

    return farm


def save_script(fake_nuke, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Root {\n first_frame 1\n last_frame 12\n}\n", encoding="utf-8")
    fake_nuke._script_name[0] = str(path)


def test_nothing_to_render_ends_in_a_message(farm_ui, fake_nuke):
    assert farm_ui.render_on_farm() is None
    assert fake_nuke._messages == [farm_ui.NO_WRITE]


def test_two_writes_and_none_selected_asks_for_one(farm_ui, fake_nuke):
    fake_nuke.nodes.Write(file="/tmp/a.####.exr")
    fake_nuke.nodes.Write(file="/tmp/b.####.exr")
    assert farm_ui.render_on_farm() is None
    assert fake_nuke._messages == [farm_ui.NO_WRITE]


def test_untitled_script_asks_to_save(farm_ui, fake_nuke):
    fake_nuke.nodes.Write(file="/tmp/a.####.exr")
    assert farm_ui.render_on_farm() is None
    assert fake_nuke._messages == [farm_ui.UNSAVED]


def test_script_outside_a_project(farm_ui, fake_nuke, tmp_path):
    fake_nuke.nodes.Write(file="/tmp/a.####.exr")
    save_script(fake_nuke, tmp_path / "elsewhere" / "comp.nk")
    assert farm_ui.render_on_farm() is None
    assert fake_nuke._messages == [farm_ui.NO_PROJECT]


def test_render_on_farm_writes_the_bundle_and_shows_the_submit_command(
    farm_ui, fake_nuke, project, monkeypatch
):
    opened = []
    module = types.ModuleType("deadline.client.ui.job_bundle_submitter")
    module.show_job_bundle_submitter = lambda **kw: opened.append(kw)
    for name in ("deadline", "deadline.client", "deadline.client.ui"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "deadline.client.ui.job_bundle_submitter", module)

    out = project / "pipeline/04_inference_render/TINY_ml_####.exr"
    inference = fake_nuke.nodes.Inference(useGPUIfAvailable=True)
    write = fake_nuke.nodes.Write(
        file=str(out), use_limit=True, first=3, last=10, inputs=[inference]
    )
    write.setSelected(True)
    script = project / "pipeline/04_inference_render/inference.nk"
    save_script(fake_nuke, script)

    job = farm_ui.render_on_farm()
    job.join(120)
    assert job.error is None, job.error
    bundle = farm_ui.bundle_dir_for(project, str(script), write.name())
    template, values = load_bundle(bundle)
    assert values["Script"] == str(script) and values["Node"] == write.name()
    assert values["Out"] == str(out) and values["Frames"] == "3-10"
    assert template["steps"][0]["hostRequirements"]["amounts"][0]["name"] == "amount.worker.gpu"
    assert "--gpu" in template["steps"][0]["script"]["actions"]["onRun"]["args"]
    assert f"deadline bundle submit {bundle}" in fake_nuke._messages[-1]
    assert opened == [{"input_job_bundle_dir": str(bundle), "browse": False}]
    assert yaml.safe_load((bundle / "parameter_values.yaml").read_text())["parameterValues"]


def test_bundle_error_is_shown_not_raised(farm_ui, fake_nuke, project):
    write = fake_nuke.nodes.Write(file="", use_limit=True, first=1, last=4)
    write.setSelected(True)
    save_script(fake_nuke, project / "comp.nk")
    job = farm_ui.render_on_farm()
    job.join(120)
    assert job.error and fake_nuke._messages[-1].startswith(
        "Render on Farm: could not write the job bundle."
    )


def test_without_a_limit_the_script_frame_range_is_rendered(farm_ui, fake_nuke, project):
    fake_nuke.root()["first_frame"].setValue(2)
    fake_nuke.root()["last_frame"].setValue(9)
    out = project / "pipeline/04_inference_render/TINY_ml_####.exr"
    fake_nuke.nodes.Write(file=str(out))  # the only Write: used without selecting it
    script = project / "comp.nk"
    save_script(fake_nuke, script)
    job = farm_ui.render_on_farm()
    job.join(120)
    assert job.error is None, job.error
    _, values = load_bundle(farm_ui.bundle_dir_for(project, str(script), "Write1"))
    assert values["Frames"] == "2-9" and values["Node"] == "Write1"
    assert (
        "--gpu"
        not in (
            farm_ui.bundle_dir_for(project, str(script), "Write1") / "template.yaml"
        ).read_text()
    )
