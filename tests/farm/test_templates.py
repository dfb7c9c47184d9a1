"""Every stage's job template validates with openjd-model, and makes the jobs we expect."""

from __future__ import annotations

import pytest

from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.farm.stages import STAGES, stage_argv
from restoration_toolkit.farm.templates import (
    GPU_AMOUNT,
    GPU_MEMORY_AMOUNT,
    TemplateOptions,
    build_job_template,
    chunk_starts,
    create_job,
    starts_expression,
    task_count,
    task_parameter_sets,
    validate_job_template,
)

VALUES = {
    "ProjectDir": "/studio/proj",
    "Python": "/opt/rtk/bin/python",
    "Nuke": "/opt/nuke/Nuke15.1",
    "Frames": "1001-131000",
    "ChunkSize": 50,
    "Source": "/studio/scan.####.exr",
    "Out": "/studio/out.####.exr",
    "Model": "/studio/model.pt",
    "Grade": "/studio/grade.cube",
    "Script": "/studio/inference.nk",
    "Node": "Write1",
}


def values_for(template: dict) -> dict:
    names = {p["name"] for p in template["parameterDefinitions"]}
    return {k: v for k, v in VALUES.items() if k in names}


@pytest.mark.parametrize("stage", sorted(STAGES))
@pytest.mark.parametrize("style", ["chunk", "int"])
@pytest.mark.parametrize("gpu", [False, True])
def test_every_stage_template_validates_and_creates_a_job(stage, style, gpu):
    spec = STAGES[stage]
    starts = chunk_starts(range(1001, 131001), 50)
    template = build_job_template(
        spec, TemplateOptions(gpu=gpu, task_style=style, chunk_starts=starts)
    )
    decoded = validate_job_template(template)
    assert decoded.steps[0].name == stage
    job = create_job(template, values_for(template), "/tmp")
    expected = 2600 if spec.chunked else 1
    assert task_count(job) == expected
    requirements = template["steps"][0].get("hostRequirements")
    if gpu:
        assert requirements["amounts"][0] == {"name": GPU_AMOUNT, "min": 1}
        assert "--gpu" in template["steps"][0]["script"]["actions"]["onRun"]["args"]
    else:
        assert requirements is None


def test_every_path_is_a_path_parameter():
    for spec in STAGES.values():
        template = build_job_template(spec, TemplateOptions())
        kinds = {p["name"]: p["type"] for p in template["parameterDefinitions"]}
        for name in ("ProjectDir", "Python", "Source", "Out", "Model", "Grade", "Script", "Nuke"):
            if name in kinds:
                assert kinds[name] == "PATH", (spec.name, name)


def test_chunks_cover_every_frame_once_and_respect_the_chunk_size():
    template = build_job_template(STAGES["infer"], TemplateOptions())
    values = dict(values_for(template), Frames="1-10,20-33,40", ChunkSize=4)
    chunks = [t["Frame"] for t in task_parameter_sets(create_job(template, values, "/tmp"))]
    from restoration_toolkit.core.io.frames import parse_frames

    frames = [f for c in chunks for f in parse_frames(c)]
    assert sorted(frames) == parse_frames("1-10,20-33,40")
    assert len(frames) == len(set(frames))
    assert max(len(parse_frames(c)) for c in chunks) <= 4
    # contiguous chunks never span the gaps
    for c in chunks:
        fs = parse_frames(c)
        assert fs == list(range(fs[0], fs[-1] + 1))


def test_gpu_memory_requirement():
    template = build_job_template(STAGES["infer"], TemplateOptions(gpu=True, gpu_memory_mib=8192))
    validate_job_template(template)
    assert {"name": GPU_MEMORY_AMOUNT, "min": 8192} in template["steps"][0]["hostRequirements"][
        "amounts"
    ]


def test_starts_expression_folds_runs():
    assert starts_expression([1, 51, 101, 151, 170]) == "1-151:50,170"
    assert starts_expression([5]) == "5"
    assert starts_expression([1, 2, 3, 10, 20]) == "1-3,10,20"


def test_an_invalid_template_is_refused_with_one_line():
    template = build_job_template(STAGES["balance"], TemplateOptions())
    template["steps"][0]["script"]["actions"]["onRun"]["command"] = ""
    with pytest.raises(RTKError) as err:
        validate_job_template(template)
    assert "\n" not in str(err.value)


def test_toolkit_stages_run_in_process_and_nuke_stages_run_nuke():
    from restoration_toolkit.farm import runners

    for name in ("align", "balance", "matchgrade-apply", "infer", "validate"):
        assert STAGES[name].command == ()  # no command line: a call into stages/
        assert runners.get_runner(name).__module__ == runners.__name__
    with pytest.raises(RTKError, match="no toolkit runner"):
        runners.get_runner("nuke-render")
    v = {"nuke": "nuke", "project": "P", "script": "s.nk", "node": "Write1"}
    assert stage_argv(STAGES["nuke-render"], v, "1-5", gpu=True) == [
        "nuke",
        "-F",
        "1-5",
        "-X",
        "Write1",
        "--gpu",
        "s.nk",
    ]
    v["node"] = "CopyCat1"
    assert stage_argv(STAGES["nuke-train"], v, "1", gpu=True) == [
        "nuke",
        "-F",
        "1",
        "-X",
        "CopyCat1",
        "--gpu",
        "s.nk",
    ]
