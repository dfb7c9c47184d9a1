"""`rtk farm bundle`: a checked bundle, or a one-line error and nothing written."""

from __future__ import annotations

import pytest
import yaml

from restoration_toolkit.cli import main
from restoration_toolkit.core.io.frames import parse_frames
from restoration_toolkit.farm.bundle import BundleRequest, load_bundle, plan_bundle, write_bundle


def run_cli(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_bundle_has_template_values_chunks_and_commands(project, tmp_path, capsys):
    out = tmp_path / "bundle"
    code, stdout, _ = run_cli(
        [
            "farm",
            "bundle",
            "--stage",
            "matchgrade-apply",
            "--project",
            str(project),
            "--chunk",
            "5",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0, stdout
    assert "deadline bundle submit" in stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "chunks.txt",
        "commands.sh",
        "parameter_values.yaml",
        "rtk_bundle.json",
        "template.yaml",
    ]
    template, values = load_bundle(out)
    assert template["extensions"] == ["TASK_CHUNKING"]
    assert values["ProjectDir"] == str(project)
    assert values["Frames"] == "1-12" and values["ChunkSize"] == 5
    assert values["Grade"].endswith("grade.cube")
    assert values["Out"] == str(project / "pipeline/05_matchgrade_render/TINY_MG_####.exr")
    chunks = (out / "chunks.txt").read_text().split()
    assert sorted(f for c in chunks for f in parse_frames(c)) == list(range(1, 13))
    commands = [
        line for line in (out / "commands.sh").read_text().splitlines() if "farm task" in line
    ]
    assert [c.rsplit(" ", 1)[1] for c in commands] == chunks
    doc = yaml.safe_load((out / "parameter_values.yaml").read_text())
    assert isinstance(doc["parameterValues"], list)  # the Deadline Cloud bundle layout


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--chunk", "0"], "chunk size must be at least 1"),
        (["--frames", "5-20"], "frames 13-20 are outside the sequence"),
        (["--grade", "/nonexistent/grade.cube"], "input of stage matchgrade-apply is missing"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(project, tmp_path, capsys, extra, message):
    out = tmp_path / "bundle"
    code, _, err = run_cli(
        [
            "farm",
            "bundle",
            "--stage",
            "matchgrade-apply",
            "--project",
            str(project),
            *extra,
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rtk: error:") and message in lines[0]
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bundle")]


def test_missing_inputs_of_other_stages(project, tmp_path, capsys):
    cases = [
        (["--stage", "align"], "pairs.yaml"),
        (["--stage", "infer"], "(--model)"),
        (["--stage", "nuke-render", "--script", str(tmp_path / "none.nk")], "(--script)"),
        (
            ["--stage", "balance", "--source", str(tmp_path / "nothing.####.exr")],
            "no frames of this sequence found on disk",
        ),
    ]
    for args, message in cases:
        code, _, err = run_cli(
            ["farm", "bundle", *args, "--project", str(project), "--out", str(tmp_path / "b")],
            capsys,
        )
        assert code == 1 and message in err and len(err.strip().splitlines()) == 1, err
        assert not (tmp_path / "b").exists()


def test_existing_bundle_is_not_replaced_without_overwrite(project, tmp_path):
    out = tmp_path / "bundle"
    plan = plan_bundle(BundleRequest("balance", project=str(project), chunk=4))
    write_bundle(plan, out)
    before = (out / "template.yaml").read_text()
    from restoration_toolkit.core.errors import RTKError

    with pytest.raises(RTKError):
        write_bundle(plan_bundle(BundleRequest("balance", project=str(project), chunk=3)), out)
    assert (out / "template.yaml").read_text() == before
    write_bundle(
        plan_bundle(BundleRequest("balance", project=str(project), chunk=3)), out, overwrite=True
    )
    assert load_bundle(out)[1]["ChunkSize"] == 3


def test_validate_and_nuke_train_bundles(project, tmp_path):
    plan = plan_bundle(BundleRequest("validate", project=str(project), frames="2-7", chunk=3))
    assert plan.tasks == 2
    script = project / "pipeline/03_copycat_training/train_A.nk"
    script.write_text("Root {}\n")
    plan = plan_bundle(
        BundleRequest("nuke-train", project=str(project), options={"script": str(script)})
    )
    assert plan.tasks == 1 and plan.gpu
    assert plan.template["steps"][0]["hostRequirements"]["amounts"][0]["min"] == 1


def test_int_task_style_bundle(project):
    plan = plan_bundle(BundleRequest("balance", project=str(project), chunk=5, task_style="int"))
    assert "extensions" not in plan.template
    assert (
        plan.template["steps"][0]["parameterSpace"]["taskParameterDefinitions"][0]["range"]
        == "1-11:5"
    )
    assert plan.tasks == 3


def test_nuke_render_reads_the_write_and_frames_from_the_script(project, tmp_path):
    from restoration_toolkit.nk import Node, Script, write_script

    out = str(project / "pipeline/04_inference_render/TINY_ml_%04d.exr")
    read = Node("Read", name="Read1", knobs={"file": str(project / "media/scan.####.exr")})
    write = Node("Write", name="WriteML", knobs={"file": out, "file_type": "exr"}, inputs=[read])
    script = project / "pipeline/04_inference_render/inference.nk"
    script.write_text(
        write_script(Script(nodes=[read, write], root={"first_frame": 1001, "last_frame": 1100}))
    )
    plan = plan_bundle(
        BundleRequest(
            "nuke-render",
            project=str(project),
            chunk=10,
            options={"script": str(script), "node": "WriteML"},
            nuke="/opt/Nuke15.1",
        )
    )
    assert plan.values["Out"] == out and plan.values["Frames"] == "1001-1100" and plan.tasks == 10
    assert plan.values["Nuke"] == "/opt/Nuke15.1"


def test_validate_defaults_to_the_holdout_frames_in_one_task(project, tmp_path, capsys):
    from restoration_toolkit.core.curation.pairs import Pair, PairSet

    code, _, err = run_cli(
        [
            "farm",
            "bundle",
            "--stage",
            "validate",
            "--project",
            str(project),
            "--out",
            str(tmp_path / "v"),
        ],
        capsys,
    )
    assert code == 1 and "pairs.yaml" in err and not (tmp_path / "v").exists()
    PairSet(
        "color-nonreference",
        pairs=[Pair(2, reference_file="k.png"), Pair(9, reference_file="k.png")],
        holdout=[4, 5, 11],
    ).save(project / "pipeline/01_dataset_curation/pairs.yaml")
    code, _, err = run_cli(
        [
            "farm",
            "bundle",
            "--stage",
            "validate",
            "--project",
            str(project),
            "--out",
            str(tmp_path / "v"),
        ],
        capsys,
    )
    assert code == 0, err
    _, values = load_bundle(tmp_path / "v")
    assert values["Frames"] == "4-5,11"
    assert (tmp_path / "v" / "chunks.txt").read_text().split() == [
        "4-5",
        "11-11",
    ]  # contiguous chunks: a gap splits tasks
    plan = plan_bundle(BundleRequest("align", project=str(project), chunk=50))
    assert plan.values["Frames"] == "2,9"


def test_run_refuses_a_folder_that_is_not_a_bundle_and_zero_workers(project, tmp_path, capsys):
    code, _, err = run_cli(["farm", "run", str(tmp_path)], capsys)
    assert code == 1 and "not a job bundle" in err and len(err.strip().splitlines()) == 1
    plan = plan_bundle(BundleRequest("balance", project=str(project), chunk=4))
    write_bundle(plan, tmp_path / "b")
    code, _, err = run_cli(["farm", "run", str(tmp_path / "b"), "--workers", "0"], capsys)
    assert code == 1 and "--workers must be at least 1" in err
