"""RT_DamageMask in the strict fake Nuke: it loads, and its button points the inner Read at
the project's masks over the upstream scan Read's frame range."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from restoration_toolkit.core.io.images import write_image
from tests.nk.conftest import make_project


def test_from_read_finds_the_projects_masks(tmp_path, monkeypatch, fake_nuke):
    from restoration_toolkit.nuke import gizmo_callbacks

    project = make_project(tmp_path / "p")
    monkeypatch.setenv("RTK_PROJECT", str(project.root))
    fake_nuke.pluginAddPath(str(Path(__file__).parents[2] / "gizmos"))
    scan = fake_nuke.nodes.Read(file=project.source_spec(), name="MyScan", first=1001, last=1020)
    tool = fake_nuke.createNode("RT_DamageMask")
    tool.setInput(0, scan)
    gizmo_callbacks.damage_mask_from_read(tool)
    assert "No damage masks yet" in fake_nuke._messages[-1]
    write_image(project.alignment_dir / "damage" / "mask.1002.exr", np.zeros((8, 8, 4), np.float32))
    gizmo_callbacks.damage_mask_from_read(tool)
    with tool:
        inner = fake_nuke.toNode("DamageMaskRead")
    assert inner["file"].value().endswith("02_alignment/damage/mask.####.exr")
    assert (int(inner["first"].value()), int(inner["last"].value())) == (1001, 1020)
    assert str(inner["on_error"].value()) == "black" and bool(inner["raw"].value())


def test_without_a_read_upstream_it_says_so(tmp_path, monkeypatch, fake_nuke):
    from restoration_toolkit.nuke import gizmo_callbacks

    project = make_project(tmp_path / "p")
    monkeypatch.setenv("RTK_PROJECT", str(project.root))
    fake_nuke.pluginAddPath(str(Path(__file__).parents[2] / "gizmos"))
    tool = fake_nuke.createNode("RT_DamageMask")
    gizmo_callbacks.damage_mask_from_read(tool)
    assert "below the scan's Read" in fake_nuke._messages[-1]
