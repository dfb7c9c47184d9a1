"""The fake is strict: what it does not model raises, as real Nuke does."""

import pytest


def test_unknown_knob_raises(fake_nuke):
    node = fake_nuke.nodes.Grade()
    node["white"].setValue(1.2)
    with pytest.raises(NameError):
        node["whitepoint_typo"]
    assert node.knob("whitepoint_typo") is None


def test_unknown_class_and_attribute_raise(fake_nuke):
    with pytest.raises(AttributeError):
        fake_nuke.nodes.Graed()
    with pytest.raises(RuntimeError):
        fake_nuke.createNode("NoSuchNode")
    with pytest.raises(AttributeError):
        fake_nuke.doSomethingNukeHasNot()
    with pytest.raises(NameError):
        fake_nuke.nodes.Read(fle="x.exr")


def test_graph_selection_and_root(fake_nuke):
    read = fake_nuke.nodes.Read(file="scan.####.exr")
    read.setSelected(True)
    grade = fake_nuke.createNode("Grade")
    assert grade.input(0) is read
    assert fake_nuke.selectedNodes() == [grade]
    assert fake_nuke.toNode(grade.name()) is grade
    assert fake_nuke.root()["first_frame"].value() == 1
    assert fake_nuke.root().format().width() == 2048
    grade.setSelected(False)
    with pytest.raises(ValueError):
        fake_nuke.selectedNode()


def test_undo_and_progress_are_recorded(fake_nuke):
    with fake_nuke.Undo("paste"):
        pass
    assert fake_nuke._undo_log == ["begin:paste", "end:paste"]
    task = fake_nuke.ProgressTask("work")
    task.setProgress(10)
    with pytest.raises(TypeError):
        task.setProgress(0.5)
    fake_nuke._cancel_progress_after[0] = 1
    assert task.isCancelled()
