"""TorchScript export, the CatFileCreator script, tiled and sequence inference."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from restoration_toolkit.core.errors import RTKError  # noqa: E402
from restoration_toolkit.core.io.images import ImageMetadata, read_image, write_image  # noqa: E402
from restoration_toolkit.train.export import export_model, quiet_jit  # noqa: E402
from restoration_toolkit.train.infer import infer_sequence, run_tiled  # noqa: E402
from restoration_toolkit.train.model import build_model  # noqa: E402

pytestmark = pytest.mark.torch


def _trained_looking_model(seed=0):
    torch.manual_seed(seed)
    model = build_model("small")
    for p in model.tail.parameters():  # not the identity any more
        torch.nn.init.normal_(p, std=0.05)
    return model.eval()


def test_torchscript_export_reloads_and_matches(tmp_path):
    model = _trained_looking_model()
    result = export_model(model, tmp_path, model_id="rtk_test", info={"technique": "gauge"})
    with quiet_jit():
        loaded = torch.jit.load(str(result.model_pt))
    x = torch.rand(1, 3, 70, 90)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=1e-5)
        assert not torch.allclose(loaded(x), x, atol=1e-3)  # a real model, not the identity
    # exactly one input (besides self) and one tensor output
    schema = loaded.forward.schema
    assert len(schema.arguments) == 2 and len(schema.returns) == 1
    side = json.loads(result.sidecar.read_text())
    assert side["torch_version"] == torch.__version__
    assert (
        side["technique"] == "gauge"
        and side["input"]["channels"] == "rgba.red,rgba.green,rgba.blue"
    )


def test_catfile_creator_script_parses_with_the_right_knobs(tmp_path):
    nkparser = pytest.importorskip("nkparser")
    result = export_model(_trained_looking_model(), tmp_path / "out dir", model_id="rtk_DEMO_x")
    script = nkparser.Script.from_file(str(result.catfile_nk))
    assert not script.has_errors
    nodes = [n for n in script.all_nodes() if n.class_name == "CatFileCreator"]
    assert len(nodes) == 1
    node = nodes[0]
    assert node.get_string("torchScriptFile") == result.model_pt.resolve().as_posix()
    assert node.get_string("catFile") == result.cat_file.resolve().as_posix()
    assert node.get_string("channelsIn") == "rgba.red,rgba.green,rgba.blue"
    assert node.get_string("channelsOut") == "rgba.red,rgba.green,rgba.blue"
    assert node.get_string("modelId") == "rtk_DEMO_x"
    assert node.get("inputs") == "0"


def test_tiled_inference_equals_whole_frame():
    model = _trained_looking_model(1)
    img = np.random.default_rng(0).random((150, 203, 3)).astype(np.float32)
    whole = run_tiled(model, img, tile=0)
    assert np.abs(whole - img).mean() > 0.01  # the model does something
    for tile, overlap in ((64, 32), (96, 32), (128, 64)):
        tiled = run_tiled(model, img, tile=tile, overlap=overlap)
        assert np.abs(tiled - whole).max() < 1e-3, (tile, overlap)


def _sequence(folder, frames=3, size=(40, 56)):
    rng = np.random.default_rng(5)
    meta = ImageMetadata(
        colorspace="ACEScg", timecode="01:00:00:00", attributes={"film:reel": "R1"}
    )
    for f in range(1, frames + 1):
        write_image(folder / f"scan.{f:04d}.exr", rng.random(size + (3,)).astype(np.float32), meta)
    return str(folder / "scan.####.exr")


def test_infer_sequence_writes_format_metadata_and_skips_rendered(tmp_path):
    model = _trained_looking_model()
    exported = export_model(model, tmp_path / "m", model_id="m1", info={"technique": "gauge"})
    src = _sequence(tmp_path / "in")
    before = {p.name: p.read_bytes() for p in (tmp_path / "in").iterdir()}
    out = str(tmp_path / "out" / "res.####.exr")
    r = infer_sequence(exported.model_pt, src, out, frames="1-2", tile=32, overlap=16)
    assert r.written == [1, 2] and r.recombine == "luma"
    img = read_image(tmp_path / "out" / "res.0001.exr")
    assert img.metadata.data_format == "half" and img.metadata.timecode == "01:00:00:00"
    assert img.metadata.attributes["film:reel"] == "R1"
    assert img.metadata.attributes["rtk:ml_generated"] == 1
    again = infer_sequence(exported.model_pt, src, out, tile=32, overlap=16)
    assert again.written == [3] and again.skipped == [1, 2]
    assert infer_sequence(exported.model_pt, src, out, overwrite=True).written == [1, 2, 3]
    assert {p.name: p.read_bytes() for p in (tmp_path / "in").iterdir()} == before


def test_unreadable_model_and_overwriting_the_source_are_refused(tmp_path):
    src = _sequence(tmp_path / "in", frames=1)
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"not a model")
    with pytest.raises(RTKError, match="not a TorchScript model"):
        infer_sequence(bad, src, str(tmp_path / "o.####.exr"))
    good = export_model(_trained_looking_model(), tmp_path / "m", model_id="m").model_pt
    with pytest.raises(RTKError, match="overwrite the source"):
        infer_sequence(good, src, src)
    assert not list(tmp_path.glob("o.*"))
