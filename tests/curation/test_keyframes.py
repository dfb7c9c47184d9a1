"""Non-reference color: keyframe references, their provenance, and the refusal to train."""

import json

import numpy as np
import pytest
import yaml

from restoration_toolkit.cli import main
from restoration_toolkit.core.curation.pairs import load_pairs
from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.io.images import write_image
from restoration_toolkit.core.project import load_project

from .conftest import write_project


@pytest.fixture
def keyframe_project(tmp_path, small_reel):
    root = write_project(
        tmp_path / "nonref", small_reel.frames, None, technique="color-nonreference"
    )
    keys = tmp_path / "keys"
    keys.mkdir()
    # a graded still named after its frame, and a "painting" (regraded, unnamed) of frame 1060
    write_image(keys / "graded_1020.png", np.clip(small_reel.frames[19] ** 0.7, 0, 1))
    painting = np.clip(small_reel.frames[59][:, :, ::-1] * 0.8 + 0.1, 0, 1)
    write_image(keys / "painting.png", np.ascontiguousarray(painting))
    return root, keys


def test_keyframes_are_mapped_and_provenance_recorded(keyframe_project, capsys):
    root, keys = keyframe_project
    rc = main(
        [
            "curate",
            "--project",
            str(root),
            "--keyframes",
            str(keys),
            "--source",
            "Studio archive",
            "--holder",
            "Example Films Ltd",
            "--permission",
            "written permission 2024-03",
            "--json",
        ]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    mapped = {k["path"].split("/")[-1]: k for k in out["keyframes"]}
    assert (
        mapped["graded_1020.png"]["scan_frame"] == 1020
        and mapped["graded_1020.png"]["mapped"] == "by file name"
    )
    assert (
        mapped["painting.png"]["scan_frame"] == 1060
        and "by content" in mapped["painting.png"]["mapped"]
    )
    project = load_project(root)
    assert {k.scan_frame for k in project.keyframe_references} == {1020, 1060}
    assert all(k.provenance.holder == "Example Films Ltd" for k in project.keyframe_references)
    project.require_provenance()  # complete: no error
    pairs = load_pairs(root / "pipeline" / "01_dataset_curation" / "pairs.yaml")
    assert [p.scan_frame for p in pairs.pairs] == [1020, 1060]
    assert all(
        p.reference_file and p.origin == "manual" and "Studio archive" in p.reason
        for p in pairs.pairs
    )


def test_empty_provenance_is_recorded_with_a_warning_and_training_refuses(keyframe_project, capsys):
    root, keys = keyframe_project
    assert main(["curate", "--project", str(root), "--keyframes", str(keys), "--no-log"]) == 0
    assert "provenance incomplete" in capsys.readouterr().err
    project = load_project(root)
    with pytest.raises(RTKError, match="no provenance"):
        project.require_provenance()


def test_sidecar_provenance_file_fills_each_reference(keyframe_project):
    root, keys = keyframe_project
    (keys / "provenance.yaml").write_text(
        yaml.safe_dump(
            {
                "default": {
                    "source": "family photographs",
                    "holder": "J. Doe",
                    "permission": "CC BY 4.0",
                },
                "files": {
                    "painting.png": {"holder": "A. Painter", "date": "1961", "scan_frame": 1061}
                },
            }
        )
    )
    assert main(["curate", "--project", str(root), "--keyframes", str(keys), "--no-log"]) == 0
    refs = {k.path.split("/")[-1]: k for k in load_project(root).keyframe_references}
    assert (
        refs["painting.png"].provenance.holder == "A. Painter"
        and refs["painting.png"].scan_frame == 1061
    )
    assert refs["graded_1020.png"].provenance.permission == "CC BY 4.0"


def test_keyframes_need_the_nonreference_technique(pal_project, tmp_path, capsys):
    assert main(["curate", "--project", str(pal_project), "--keyframes", str(tmp_path)]) == 1
    assert "color-nonreference" in capsys.readouterr().err
