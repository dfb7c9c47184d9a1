"""The 03/04 menu commands against the strict fake `nuke`: selection, undo, backdrop, wiring
to the selected Reads, messages when the selection is wrong, rendering with a ProgressTask."""

from __future__ import annotations

import pytest
import yaml


@pytest.fixture
def opened(project_factory, monkeypatch, fake_nuke):
    def open_(technique="color-reference"):
        project = project_factory(technique)
        monkeypatch.setenv("RTK_PROJECT", str(project.root))
        fake_nuke.root()["format"].setValue("64 48 0 0 64 48 1 DEMO")
        return project

    return open_


def _reads(nuke, project, reference=True):
    scan = nuke.nodes.Read(file=project.source_spec(), name="MyScan", first=1001, last=1020)
    ref = nuke.nodes.Read(file=project.reference_spec(), name="MyDVD") if reference else None
    for r in (scan, ref):
        if r is not None:
            r.setSelected(True)
    return scan, ref


def test_build_training_graph_wires_the_selected_reads(opened, fake_nuke):
    from restoration_toolkit.nuke.training import build_training_graph

    project = opened("color-reference")
    scan, ref = _reads(fake_nuke, project)
    pasted = build_training_graph()
    assert pasted, fake_nuke._messages
    names = {n.name(): n for n in fake_nuke.allNodes()}
    copycat = names["CopyCat1"]
    # pasted and wired as written: top of the stack = input 0
    assert [copycat.input(i).name() for i in range(3)] == [
        "Input_CopyBBox",
        "GT_RemoveAlpha",
        "PreviewLiveArea",
    ]
    bbox = names["Input_CopyBBox"]
    assert (bbox.input(0).name(), bbox.input(1).name()) == ("Input_RemoveAlpha", "GT_RemoveAlpha")
    # the template's own Reads are gone; the pair streams read the user's Reads
    assert not any(n.startswith(("ScanRead", "ReferenceRead")) for n in names)
    assert names["Scan_Hold1"].input(0) is scan and names["Reference_Hold1"].input(0) is ref
    assert names["PreviewHold"].input(0) is scan
    backdrops = [n for n in fake_nuke.allNodes() if n.Class() == "BackdropNode"]
    assert len(backdrops) == 1 and "03 CopyCat Training" in backdrops[0]["label"].value()
    assert "reference NOT aligned" in backdrops[0]["label"].value()
    assert fake_nuke._undo_log[0].startswith("begin:03 CopyCat Training")
    assert all(e.startswith(("begin", "end")) for e in fake_nuke._undo_log)
    session = yaml.safe_load(next(project.stage_dir(3).rglob("session.yaml")).read_text())
    assert session["built_in"] == "nuke" and session["settings"]["batch_size"] == 3
    assert session["ocio_config"] == "fn-nuke_studio-config-v1.0.0_aces-v1.3_ocio-v2.1"
    assert "not aligned" in fake_nuke._messages[-1]  # said, not only logged


def test_build_training_graph_nonreference_needs_only_the_scan(opened, fake_nuke):
    from restoration_toolkit.nuke.training import build_training_graph

    project = opened("color-nonreference")
    _reads(fake_nuke, project, reference=False)
    assert build_training_graph()
    keys = [n for n in fake_nuke.allNodes() if n.name().startswith("Reference_Key")]
    assert len(keys) == 5 and all(k.Class() == "Read" for k in keys)


@pytest.mark.parametrize("technique", ["color-reference", "gauge"])
def test_build_training_graph_without_selection_says_what_to_do(opened, fake_nuke, technique):
    from restoration_toolkit.nuke.training import build_training_graph

    opened(technique)
    assert build_training_graph() is None
    assert "Select the scan Read and the reference Read" in fake_nuke._messages[-1]
    assert not fake_nuke.allNodes()


def test_no_project_says_so(fake_nuke, monkeypatch):
    from restoration_toolkit.nuke.inference import build_inference_graph
    from restoration_toolkit.nuke.training import build_training_graph

    monkeypatch.delenv("RTK_PROJECT", raising=False)
    assert build_training_graph() is None and build_inference_graph() is None
    assert all("No restoration project is open" in m for m in fake_nuke._messages)


def test_build_inference_graph(opened, fake_nuke, monkeypatch, tmp_path):
    from restoration_toolkit.nuke import inference

    project = opened("gauge")
    scan, _ = _reads(fake_nuke, project, reference=False)
    model = tmp_path / "Training_1.cat"
    model.write_bytes(b"cat")
    monkeypatch.setattr(fake_nuke, "getFilename", lambda *a, **k: str(model))
    assert inference.build_inference_graph()
    names = {n.name(): n for n in fake_nuke.allNodes()}
    assert names["GaugeReformat"].input(0) is scan
    assert names["Inference1"]["modelFile"].value() == model.resolve().as_posix()
    assert str(names["Recombine"]["which"].value()) == "1"  # pasted knobs hold .nk text
    write = names["WriteML"]
    assert write.input(0).name() == "Provenance"
    # render the pasted Write frame by frame
    for n in fake_nuke.allNodes():
        n.setSelected(n is write)
    assert inference.render_selected() == 20
    assert fake_nuke._executed[0] == ("WriteML", 1001, 1001, 1)
    assert len(fake_nuke._executed) == 20
    assert fake_nuke._progress_tasks[-1].progress[-1] == 100


def test_build_inference_graph_without_model(opened, fake_nuke, monkeypatch):
    from restoration_toolkit.nuke.inference import build_inference_graph

    project = opened("generation")
    _reads(fake_nuke, project, reference=False)
    monkeypatch.setattr(fake_nuke, "getFilename", lambda *a, **k: None)
    assert build_inference_graph() is None
    assert "No model chosen" in fake_nuke._messages[-1]


def test_render_selected_is_cancellable_and_needs_a_write(fake_nuke):
    from restoration_toolkit.nuke.inference import render_selected

    assert render_selected() is None and "Select one Write" in fake_nuke._messages[-1]
    write = fake_nuke.nodes.Write(file="/tmp/x.%04d.exr", first=1, last=10, use_limit=True)
    write.setSelected(True)
    fake_nuke._cancel_progress_after[0] = 3
    assert render_selected() == 3
    assert "3 of 10 frames" in fake_nuke._messages[-1]


def test_train_headless_needs_a_copycat_and_a_saved_script(opened, fake_nuke, monkeypatch):
    from restoration_toolkit.nuke import training

    opened("generation")
    assert training.train_headless() is None
    assert "Select one CopyCat node" in fake_nuke._messages[-1]
    node = fake_nuke.nodes.CopyCat(name="CopyCat1")
    node.setSelected(True)
    assert training.train_headless() is None
    assert "Save the script first" in fake_nuke._messages[-1]
    calls = []
    monkeypatch.setattr(
        "restoration_toolkit.nuke.rtk_process.run_rtk_async",
        lambda args, title, done: calls.append((args, title, done)) or "job",
    )
    fake_nuke._script_name[0] = str(fake_nuke.__file__)  # pretend it was saved there
    monkeypatch.setattr(fake_nuke, "scriptSaveAs", lambda path, overwrite=-1: None)
    assert training.train_headless() == "job"
    args, title, done = calls[0]
    assert args[:2] == ["nk", "run-train"] and args[3:5] == ["--node", "CopyCat1"]
    done({"model": "/m.cat", "final_loss": 0.01, "steps_done": 9}, None)
    assert "Final loss: 0.01" in fake_nuke._messages[-1]
    done(None, "rtk: error: x.nk: CopyCat1: No valid or writable data directory is selected.")
    assert "No valid or writable data directory" in fake_nuke._messages[-1]


def test_gizmo_buttons(opened, fake_nuke):
    from pathlib import Path

    from restoration_toolkit.nuke import gizmo_callbacks

    project = opened("generation")
    fake_nuke.pluginAddPath(str(Path(__file__).parents[2] / "gizmos"))
    crop = fake_nuke.createNode("RT_LiveAreaCrop")
    gizmo_callbacks.live_area_from_project(crop)
    with crop:
        inner = fake_nuke.toNode("LiveAreaCrop")
    assert inner["box"].value() == project.live_area.nuke_box(48)
    align = fake_nuke.createNode("RT_Align")
    gizmo_callbacks.stmap_from_project(align)
    with align:
        assert fake_nuke.toNode("STMapRead")["file"].value().endswith("02_alignment/stmap.####.exr")
    grade = fake_nuke.createNode("RT_MatchGrade")
    gizmo_callbacks.grade_from_project(grade)
    assert "No fitted grade yet" in fake_nuke._messages[-1]
    gizmo_callbacks.show_help(crop)
    assert fake_nuke._messages[-1].startswith("RT_LiveAreaCrop v")


def test_build_training_graph_reads_the_project_settings(opened, fake_nuke):
    from restoration_toolkit.nuke.training import build_training_graph

    project = opened("generation")
    (project.stage_dir(3) / "settings.yaml").write_text("crop_size: 128\nmodel_size: small\n")
    scan, ref = _reads(fake_nuke, project)
    assert build_training_graph()
    copycat = fake_nuke.toNode("CopyCat1")
    assert (
        str(copycat["cropSize"].value()) == "128" and str(copycat["modelSize"].value()) == "Small"
    )
    (project.stage_dir(3) / "settings.yaml").write_text("learning_rate: 3\n")
    for n in fake_nuke.allNodes():
        n.setSelected(n in (scan, ref))
    assert build_training_graph() is None
    assert "unknown settings learning_rate" in fake_nuke._messages[-1]


def test_non_commercial_models_in_nuke(opened, fake_nuke, monkeypatch, tmp_path):
    """The file dialog offers .catnc; Non-Commercial Nuke gets the .nknc graph; the Experiment
    Log opens a .catnc as an Inference node."""
    from restoration_toolkit.nuke import inference
    from restoration_toolkit.nuke.experiment_log import open_output

    project = opened("color-reference")
    _reads(fake_nuke, project, reference=False)
    model = tmp_path / "Training_260101_120000.40000.catnc"
    model.write_bytes(b"nc")
    patterns = []
    monkeypatch.setattr(
        fake_nuke,
        "getFilename",
        lambda title, pattern=None, **k: patterns.append(pattern) or str(model),
    )
    fake_nuke.env["nc"] = True
    assert inference.build_inference_graph()
    assert patterns == ["*.cat *.catnc"]
    names = {n.name(): n for n in fake_nuke.allNodes()}
    assert "NonCommercial1080" in names  # the .nknc template's graph
    assert names["Inference1"]["modelFile"].value().endswith(".catnc")
    open_output(model)
    made = [
        n for n in fake_nuke.allNodes() if n.Class() == "Inference" and n.name() != "Inference1"
    ]
    assert made and made[0]["modelFile"].value() == model.as_posix()
