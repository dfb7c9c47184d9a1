"""Stage 03/04 scripts for every technique: written, read back by nkparser, and checked —
node classes, knob values, the pair streams and which branch feeds Input / Ground Truth."""

from __future__ import annotations

import math

import pytest
from independent import read_independently

from restoration_toolkit.core.curation.pairs import load_pairs
from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.nk import parse_script, write_script
from restoration_toolkit.nk.inference_script import inference_script
from restoration_toolkit.nk.stage_inputs import next_session_dir
from restoration_toolkit.nk.training_script import training_script
from restoration_toolkit.nk.training_settings import default_training_settings

PAIRS = [1002, 1005, 1009, 1014, 1018]
TECHNIQUES = ["color-reference", "color-nonreference", "gauge", "generation", "analog-video"]


def _upstream(seen, name):
    """Every node name reachable upstream of ``name`` (in the nkparser view)."""
    out, todo = set(), [name]
    while todo:
        for i in seen[todo.pop()].inputs:
            if i is not None and i not in out:
                out.add(i)
                todo.append(i)
    return out


def _stream(seen, append_name):
    """Frames of a pair stream: FrameHold/FrameRange per AppendClip input, in input order."""
    frames = []
    for clip in seen[append_name].inputs:
        rng = seen[clip]
        assert rng.cls == "FrameRange" and rng.knobs["first_frame"] == rng.knobs["last_frame"]
        hold = seen[rng.inputs[0]]
        assert hold.cls == "FrameHold" and hold.knobs["firstFrame"] == rng.knobs["first_frame"]
        frames.append(int(hold.knobs["firstFrame"]))
    return frames


@pytest.mark.parametrize("technique", TECHNIQUES)
def test_training_script_for_every_technique(project_factory, technique):
    project = project_factory(technique)
    stage = training_script(project)
    text = write_script(stage.script)
    seen = read_independently(text)
    copycat = seen["CopyCat1"]
    assert copycat.cls == "CopyCat"
    # the method's wiring: Input ← CopyBBox(B = scan → Grade → Remove, A = ground truth);
    # Ground Truth ← the ground truth straight after its Grade and Remove; Preview ← Crop
    assert copycat.inputs == ["Input_CopyBBox", "GT_RemoveAlpha", "PreviewLiveArea"]
    assert seen["Input_CopyBBox"].cls == "CopyBBox"
    assert seen["Input_CopyBBox"].inputs == ["Input_RemoveAlpha", "GT_RemoveAlpha"]
    assert seen["Input_RemoveAlpha"].inputs == ["Input_Clamp"]
    assert seen["Input_Clamp"].inputs == ["ScanLiveArea"]
    assert seen["GT_RemoveAlpha"].inputs == ["GT_Clamp"] and seen["GT_Clamp"].inputs == [
        "GT_ToWorking"
    ]
    for grade in ("Input_Clamp", "GT_Clamp"):
        assert (
            seen[grade].knobs["black_clamp"] == "true"
            and seen[grade].knobs["white_clamp"] == "true"
        )
    for remove in ("Input_RemoveAlpha", "GT_RemoveAlpha"):
        assert seen[remove].cls == "Remove" and seen[remove].knobs["channels"] == "alpha"
    # the Input branch never sees the reference; the Ground Truth branch sees both
    up_input = _upstream(seen, "Input_RemoveAlpha")
    assert "ScanRead" in up_input and not any(n.startswith("Reference") for n in up_input)
    assert {"ScanLiveArea", "ReferenceLiveArea"} <= _upstream(seen, "GT_RemoveAlpha")
    assert seen["PreviewLiveArea"].inputs[0] in ("PreviewHold", "PreviewReformat")
    # pair streams: the same pairs, same order, frame for frame
    assert _stream(seen, "Scan_Append") == PAIRS
    if technique == "color-nonreference":
        keys = [seen[r] for r in seen["Reference_Append"].inputs]
        assert all(k.cls == "Read" for k in keys)
        assert [k.knobs["file"].rsplit(".", 2)[-2] for k in keys] == [f"{f:04d}" for f in PAIRS]
        assert all(k.knobs["colorspace"] == '"sRGB - Texture"' for k in keys)
    else:
        assert _stream(seen, "Reference_Append") == [f + 1000 for f in PAIRS]
        assert seen["ReferenceRead"].knobs["file"].endswith("ref.%04d.exr")
        assert seen["ReferenceRead"].knobs["colorspace"] == '"Gamma 2.4 Rec.709 - Texture"'
    assert seen["ScanRead"].knobs["colorspace"] == "ACES2065-1"
    # CopyCat knobs: the method's starting values; epochs from steps (Foundry's formula)
    k = copycat.knobs
    assert k["modelSize"] == "Medium" and k["batchSize"] == "3" and k["cropSize"] == "256"
    assert k["batchSizeType"] == "Manual" and k["useMultiResolutionTraining"] == "true"
    assert k["checkpointInterval"] == "10000" and k["imageInterval"] == "100"
    assert int(k["epochs"]) == math.ceil(80_000 * 3 / len(PAIRS))  # 256-px crops: 80 000 steps
    assert stage.settings.steps == 80_000
    assert k["dataDirectory"].endswith("03_copycat_training/sequence/session_1")
    # the live-area crops (scan px 4,2 → 60,46 of 64×48, Nuke bottom-left origin), the
    # method's knobs: the crop is the format, no alpha added
    for crop in ("ScanLiveArea", "ReferenceLiveArea", "PreviewLiveArea"):
        assert seen[crop].knobs["box"] == "{4 2 60 46}"
        assert (seen[crop].knobs["reformat"], seen[crop].knobs["intersect"]) == ("true", "false")
        assert seen[crop].knobs["crop"] == "false"
    # Root: format, range of the appended pairs, fps, Nuke's built-in OCIO config
    ours = parse_script(text)
    assert ours.root["format"] == "64 48 0 0 64 48 1 DEMO_scan"
    assert ours.root["first_frame"] == "1" and ours.root["last_frame"] == str(len(PAIRS))
    assert ours.root["fps"] == "24" and ours.root["colorManagement"] == "OCIO"
    assert ours.root["OCIO_config"] == "fn-nuke_studio-config-v1.0.0_aces-v1.3_ocio-v2.1"
    assert "customOCIOConfigPath" not in ours.root and ours.root["workingSpaceLUT"] == "ACEScg"
    assert write_script(ours) == text
    if technique in ("color-reference", "color-nonreference"):
        assert seen["GT_RefMedian"].cls == "Median" and seen["GT_RefMedian"].knobs["size"] == "10"
        assert seen["GT_RefMedian"].inputs == ["ReferenceLiveArea"]
        assert seen["GT_LumaYCbCr"].inputs == ["ScanLiveArea"]
    else:
        assert "GT_RefMedian" not in seen
        assert seen["GT_LumaYCbCr"].inputs == ["ReferenceLiveArea"]
    assert seen["GT_TakeChroma"].knobs["from0"] == "rgba.green"
    if technique == "gauge":
        assert seen["GaugeReformat"].inputs == ["Scan_Append"]
        assert seen["GaugeReformat"].knobs["filter"] == "Lanczos4"


def test_aligned_references_are_used_when_stage_02_made_them(project_factory):
    project = project_factory("color-reference", aligned=True)
    seen = read_independently(write_script(training_script(project).script))
    assert seen["ReferenceRead"].knobs["file"].endswith("02_alignment/aligned.%04d.exr")
    assert seen["ReferenceRead"].knobs["colorspace"] == "ACEScg"
    assert _stream(seen, "Reference_Append") == PAIRS  # aligned = numbered by scan frame
    assert training_script(project).reference_source == "aligned"
    assert not training_script(project).warnings
    raw = training_script(project_factory("generation"))
    assert raw.reference_source == "reference" and "not aligned" in raw.warnings[0]


def test_shot_model_uses_that_shots_pairs_and_its_own_data_directory(project_factory):
    project = project_factory("generation")
    stage = training_script(project, shot="sh010")
    assert stage.frames == [1002, 1005, 1009]
    assert stage.data_directory == project.stage_dir(3) / "sh010" / "session_1"
    (project.stage_dir(3) / "sh010" / "session_1").mkdir(parents=True)
    (project.stage_dir(3) / "sh010" / "session_7").mkdir(parents=True)
    assert next_session_dir(project, "sh010").name == "session_8"


def test_preview_is_the_held_out_frame(project_factory):
    project = project_factory("generation")
    seen = read_independently(write_script(training_script(project).script))
    assert seen["PreviewHold"].knobs["firstFrame"] == "1011"  # pairs.yaml holdout
    assert load_pairs(project.pairs_file).holdout == [1011]


def test_settings_defaults_and_overrides():
    small = default_training_settings("color-reference", 500, 20).settings
    assert (small.crop_size, small.batch_size, small.model_size) == (256, 3, "medium")
    assert small.epochs == 12_000 and small.steps == 80_000  # 12 000 × 20 / 3
    big = default_training_settings("gauge", 1800, 20).settings
    assert big.crop_size == 512 and big.steps == 40_000 and big.median_size == 0
    assert default_training_settings("color-nonreference", 1800, 4).settings.median_size == 10
    assert (
        default_training_settings(
            "color-reference", 1800, 4, multi_resolution=False
        ).settings.multi_resolution
        is False
    )
    custom = default_training_settings(
        "gauge", 1800, 20, epochs=10, batch_size=6, model_size="large", crop_size=None
    ).settings
    assert (custom.epochs, custom.batch_size, custom.model_size, custom.crop_size) == (
        10,
        6,
        "large",
        512,
    )
    for bad in ({"model_size": "huge"}, {"batch_size": 0}, {"crop_size": 33}):
        with pytest.raises(RTKError):
            default_training_settings("gauge", 1800, 20, **bad)


def test_analog_video_two_steps(project_factory, tmp_path):
    project = project_factory("analog-video")
    step1 = training_script(project, overlap_box=(8, 4, 56, 40))
    seen1 = read_independently(write_script(step1.script))
    assert seen1["ScanLiveArea"].knobs["box"] == "{8 8 56 44}"
    model = tmp_path / "step1.cat"
    model.write_bytes(b"cat")
    step2 = training_script(project, step=2, step1_model=model)
    seen2 = read_independently(write_script(step2.script))
    assert step2.executable_node == "CopyCat2" and step2.template == "analog_video_step2_apply"
    assert seen2["Step1Inference"].cls == "Inference"
    assert seen2["Step1Inference"].knobs["modelFile"] == model.resolve().as_posix()
    assert seen2["CopyCat2"].inputs[:2] == ["Input_CopyBBox", "GT_RemoveAlpha"]
    assert "Step1Inference" in _upstream(seen2, "GT_RemoveAlpha")
    assert "Step1Inference" not in _upstream(seen2, "Input_RemoveAlpha")
    with pytest.raises(RTKError, match="--overlap-box is for analog-video step 1"):
        training_script(project_factory("gauge"), overlap_box=(8, 4, 56, 40))
    with pytest.raises(RTKError, match="needs --model"):
        training_script(project, step=2)
    with pytest.raises(RTKError, match="only analog-video"):
        training_script(project, technique="gauge", step=2)


def test_inference_script(project_factory, tmp_path):
    project = project_factory("color-reference")
    model = tmp_path / "Training_260101_120000.40000.cat"
    model.write_bytes(b"cat")
    stage = inference_script(project, model=model, frames="1003-1012")
    text = write_script(stage.script)
    seen = read_independently(text)
    write = seen["WriteML"]
    assert write.cls == "Write" and write.inputs == ["Provenance"]
    assert write.knobs["file_type"] == "exr" and write.knobs["datatype"] == '"16 bit half"'
    assert write.knobs["file"].endswith("04_inference_render/DEMO_ml_%04d.exr")
    assert (write.knobs["first"], write.knobs["last"]) == ("1003", "1012")
    assert write.knobs["channels"] == "rgb" and write.knobs["compression"] == '"Zip (1 scanline)"'
    assert "dw_compression_level" not in write.knobs
    assert write.knobs["colorspace"] == "ACES2065-1"  # the output transform: delivery space
    assert seen["Inference1"].knobs["modelFile"] == model.resolve().as_posix()
    assert seen["Inference1"].inputs == ["LiveAreaCrop"]
    assert seen["LiveAreaCrop"].inputs == ["GaugeReformat"]
    assert seen["LiveAreaCrop"].knobs["reformat"] == "true"
    assert seen["GaugeReformat"].knobs["disable"] == "true"
    assert seen["Recombine"].knobs["which"] == "0"
    # the live area goes back where it was on the scan raster (stage 05 compares full frames)
    assert seen["BackOnScanRaster"].inputs == ["Recombine"]
    assert seen["BackOnScanRaster"].knobs["format"] == '"64 48 0 0 64 48 1 DEMO_target"'
    assert seen["BackOnScanRaster"].knobs["resize"] == "none"
    assert seen["BackOnScanRaster"].knobs["center"] == "false"
    assert seen["BackToLiveArea"].knobs["translate"] == "{4 2}"
    assert seen["Provenance"].inputs == ["BackToLiveArea"]
    meta = parse_script(text).find("Provenance").knobs["metadata"]
    for key in (
        "exr/rtk:made_with_trained_model true",
        "exr/rtk:model_file",
        "exr/rtk:training_pairs",
        "exr/rtk:references",
        "DVD release 2004",
        "exr/rtk:toolkit_version",
    ):
        assert key in meta
    nc = inference_script(project, model=model, edition="nknc", test_render=3)
    seen_nc = read_independently(write_script(nc.script))
    assert seen_nc["NonCommercial1080"].knobs["box_width"] == "1920"
    assert seen_nc["Provenance"].inputs == ["NonCommercial1080"]
    assert (seen_nc["WriteML"].knobs["first"], seen_nc["WriteML"].knobs["last"]) == ("1001", "1003")
    assert "Non-Commercial's CopyCat writes .catnc" in nc.warnings[0]


def test_write_presets_and_non_commercial_models(project_factory, tmp_path):
    project = project_factory("generation")
    catnc = tmp_path / "Training_260101_120000.40000.catnc"
    catnc.write_bytes(b"catnc")
    method = inference_script(project, model=catnc, write="method", edition="nknc")
    write = read_independently(write_script(method.script))["WriteML"]
    assert write.knobs["channels"] == "rgba" and write.knobs["compression"] == "DWAA"
    assert write.knobs["dw_compression_level"] == "45"
    assert write.knobs["file"].endswith("DEMO_ml_######.exr")
    assert not method.warnings  # a .catnc in the Non-Commercial script is what NC writes
    zip_method = inference_script(project, model=catnc, write="method", compression="zip")
    seen = read_independently(write_script(zip_method.script))["WriteML"]
    assert (
        seen.knobs["compression"] == '"Zip (1 scanline)"'
        and "dw_compression_level" not in seen.knobs
    )
    assert "trained in Nuke Non-Commercial" in zip_method.warnings[0]
    with pytest.raises(RTKError, match="--write must be one of"):
        inference_script(project, model=catnc, write="fast")


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"frames": "990-1005"}, "outside the scan sequence"),
        ({"model": "missing.cat"}, "no such model file"),
        ({"model": "model.pt"}, "must be a .cat or .catnc"),
        ({"shot": "sh999"}, "no shot 'sh999' in project.yaml"),
        ({"technique": "colour"}, "unknown technique"),
        ({"test_render": 0}, "at least 1"),
    ],
)
def test_inference_bad_input(project_factory, tmp_path, kwargs, message):
    project = project_factory("generation")
    (tmp_path / "model.pt").write_bytes(b"pt")
    good = tmp_path / "ok.cat"
    good.write_bytes(b"cat")
    model = tmp_path / kwargs.pop("model") if "model" in kwargs else good
    with pytest.raises(RTKError, match=message):
        inference_script(project, model=model, **kwargs)


def test_training_bad_input(project_factory):
    project = project_factory("color-reference", pairs=[])
    with pytest.raises(RTKError, match="no training pairs"):
        training_script(project)
    project = project_factory("color-nonreference", provenance=False)
    with pytest.raises(RTKError, match="no provenance"):
        training_script(project)
    project = project_factory("generation")
    with pytest.raises(RTKError, match="unknown technique"):
        training_script(project, technique="restoration-magic")
    with pytest.raises(RTKError, match="no shot 'sh999'"):
        training_script(project, shot="sh999")
    pairs = load_pairs(project.pairs_file)
    pairs.pairs[0].scan_frame = 5000
    pairs.save(project.pairs_file)
    with pytest.raises(RTKError, match="outside the scan sequence"):
        training_script(project)


def test_gauge_target_raster_moves_the_live_area(project_factory, tmp_path):
    project = project_factory("gauge")
    stage = training_script(project, target_size=(128, 96))
    seen = read_independently(write_script(stage.script))
    assert seen["ScanLiveArea"].knobs["box"] == "{8 4 120 92}"  # (4,2,60,46) × 2
    assert seen["ReferenceLiveArea"].knobs["box"] == "{8 4 120 92}"
    assert parse_script(write_script(stage.script)).root["format"].startswith("128 96 ")
    wide = training_script(project, target_size=(128, 48))  # fit: scale 1, centred (+32 px)
    assert (
        read_independently(write_script(wide.script))["ScanLiveArea"].knobs["box"] == "{36 2 92 46}"
    )
    model = tmp_path / "m.cat"
    model.write_bytes(b"cat")
    inf = read_independently(
        write_script(inference_script(project, model=model, target_size=(128, 96)).script)
    )
    assert inf["GaugeReformat"].knobs["disable"] == "false"
    assert inf["LiveAreaCrop"].knobs["box"] == "{8 4 120 92}"
    with pytest.raises(RTKError, match="--target-size is for the gauge technique"):
        training_script(project, technique="generation", target_size=(128, 96))
