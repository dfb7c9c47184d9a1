"""`rtk project init|show|check` with real-looking footage: a video reference (rate, field
order, color, media record with checksum, codec, time base), a full-aperture scan (picture
area), DPX transfers, and $OCIO when the project names no config."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import yaml
from skimage import data

from restoration_toolkit.cli import main
from restoration_toolkit.core.io.images import ImageMetadata, write_image
from restoration_toolkit.core.project import DEFAULT_OCIO_CONFIG, load_project
from restoration_toolkit.testing.full_aperture import full_aperture_frame
from restoration_toolkit.testing.videos import telecine_32, write_video

pytest.importorskip("av")


def _scan(folder, n=4, ext="exr", meta=None):
    folder.mkdir(parents=True, exist_ok=True)
    pic = data.coffee().astype(np.float32) / 255.0
    for i in range(n):
        frame = full_aperture_frame(pic, size=(448, 280), seed=i).pixels
        write_image(folder / f"S.{1001 + i:04d}.{ext}", frame, meta)
    return str(folder / f"S.####.{ext}")


def _ntsc(path):
    film = [np.full((48, 64, 3), 0.2 + 0.08 * i, np.float32) for i in range(8)]
    return write_video(path, telecine_32(film), rate=Fraction(30000, 1001), interlaced=True)


def test_init_with_a_video_reference_and_a_full_aperture_scan(tmp_path, capsys):
    scan = _scan(tmp_path / "scan")
    ref = _ntsc(tmp_path / "dvd.mpg")
    assert (
        main(
            [
                "project",
                "init",
                str(tmp_path / "p"),
                "--technique",
                "color-reference",
                "--source",
                scan,
                "--reference",
                str(ref),
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["reference"]["kind"] == "video" and out["reference"]["field_order"] == "upper"
    assert "perforations" in " ".join(out["picture_area"]["found"])
    project = load_project(tmp_path / "p")
    r = project.reference
    assert r.frames == "1-10" and abs(r.fps - 29.97) < 0.01 and r.field_order == "upper"
    assert r.colorspace == "Gamma 2.4 Rec.709 - Texture"
    media = r.provenance.media
    assert (
        media.codec == "mpeg2video" and media.time_base == "1/90000" and media.rate == "30000/1001"
    )
    assert media.sha256.startswith("sha256:") and media.frames == 10
    pa = project.picture_area
    assert pa is not None and 0 < pa.x0 < pa.x1 < 448 and pa.width == 448
    r.provenance.source, r.provenance.holder, r.provenance.permission = "DVD", "archive", "yes"
    project.save()
    assert load_project(tmp_path / "p").reference.provenance.media == media  # kept on save
    assert main(["project", "check", "--project", str(tmp_path / "p")]) == 0
    capsys.readouterr()
    # the reference changes under the project: check says so
    _ntsc(ref).write_bytes(ref.read_bytes() + b"\0" * 16)
    assert main(["project", "check", "--project", str(tmp_path / "p")]) == 1
    assert "has changed since the project was made" in capsys.readouterr().out


def test_dpx_of_unknown_transfer_is_refused_unless_named(tmp_path, capsys):
    scan = _scan(
        tmp_path / "scan", 2, "dpx", ImageMetadata(attributes={"dpx:Transfer": "User defined"})
    )
    args = [
        "project",
        "init",
        str(tmp_path / "p"),
        "--technique",
        "color-nonreference",
        "--source",
        scan,
    ]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert "DPX transfer 'User defined'" in err and "--source-colorspace" in err
    assert not (tmp_path / "p" / "project.yaml").exists()
    assert main(args + ["--source-colorspace", "ACEScct"]) == 0
    assert load_project(tmp_path / "p").source.colorspace == "ACEScct"


def test_printing_density_dpx_gets_adx_and_the_studio_config(tmp_path, monkeypatch):
    monkeypatch.delenv("OCIO", raising=False)
    scan = _scan(
        tmp_path / "scan", 2, "dpx", ImageMetadata(attributes={"dpx:Transfer": "Printing density"})
    )
    assert (
        main(
            [
                "project",
                "init",
                str(tmp_path / "p"),
                "--technique",
                "color-nonreference",
                "--source",
                scan,
                "--no-picture-area",
            ]
        )
        == 0
    )
    project = load_project(tmp_path / "p")
    assert project.source.colorspace == "ADX10"
    assert project.color.ocio_config.startswith("ocio://studio-config")
    assert project.picture_area is None


def test_ocio_environment_is_used_when_the_project_names_no_config(tmp_path, monkeypatch):
    monkeypatch.delenv("OCIO", raising=False)
    scan = _scan(tmp_path / "scan", 1)
    assert (
        main(
            [
                "project",
                "init",
                str(tmp_path / "p"),
                "--technique",
                "color-nonreference",
                "--source",
                scan,
                "--no-picture-area",
            ]
        )
        == 0
    )
    written = yaml.safe_load((tmp_path / "p" / "project.yaml").read_text())
    assert "ocio_config" not in written["color"]
    assert load_project(tmp_path / "p").color.ocio_config == DEFAULT_OCIO_CONFIG
    studio = "ocio://studio-config-v1.0.0_aces-v1.3_ocio-v2.1"
    monkeypatch.setenv("OCIO", studio)
    loaded = load_project(tmp_path / "p")
    assert (loaded.color.ocio_config, loaded.color.ocio_config_origin) == (studio, "$OCIO")
    # a config the project names wins over $OCIO
    written["color"]["ocio_config"] = DEFAULT_OCIO_CONFIG
    (tmp_path / "p" / "project.yaml").write_text(yaml.safe_dump(written))
    assert load_project(tmp_path / "p").color.ocio_config == DEFAULT_OCIO_CONFIG
