"""The conform written through OpenTimelineIO and read back with it: source ranges equal the
mapping, missing material is a gap, repeats and drops are marked; an editor's EDL becomes
shots."""

from __future__ import annotations

import pytest

from restoration_toolkit.core.curation.conform import (
    Media,
    build_timeline,
    conform_clips,
    read_conform,
    write_conform,
)
from restoration_toolkit.core.curation.sync import sync_sequences
from restoration_toolkit.core.errors import RTKError

otio = pytest.importorskip("opentimelineio")


@pytest.fixture(scope="module")
def edited(scan_thumbs, ref_thumbs):
    return sync_sequences(scan_thumbs, ref_thumbs["edited"], scan_fps=24.0, reference_fps=24.0)


@pytest.fixture(scope="module")
def pulldown(scan_thumbs, ref_thumbs):
    return sync_sequences(
        scan_thumbs, ref_thumbs["ntsc32"], scan_fps=24.0, reference_fps=30000 / 1001
    )


def media(rate: float) -> Media:
    return Media("REF", "/media/REF.####.png", rate, "/media", "REF.", ".png", 4, 1, 600)


def test_otio_round_trip_source_ranges_equal_the_mapping(tmp_path, edited):
    path = write_conform(build_timeline(edited, media(24.0), scan_fps=24.0), tmp_path / "c.otio")
    back = otio.adapters.read_from_file(str(path))
    (track,) = back.video_tracks()
    clips = [c for c in track if isinstance(c, otio.schema.Clip)]
    assert len(clips) == len(edited.segments) >= 4
    first_scan = edited.mapping[0].scan
    for clip, seg in zip(clips, edited.segments):
        assert clip.source_range.start_time.to_frames() == seg.reference_first
        rec = clip.range_in_parent()
        assert first_scan + rec.start_time.to_frames() == seg.scan_first
        assert rec.duration.to_frames() == seg.scan_last - seg.scan_first + 1
    # every scan frame the reference lacks lies in a gap, and nothing else does
    missing = {m.scan for m in edited.mapping if m.kind == "missing"}
    in_gaps = set()
    for item in track:
        if isinstance(item, otio.schema.Gap):
            rec = item.range_in_parent()
            a = first_scan + rec.start_time.to_frames()
            in_gaps |= set(range(a, a + rec.duration.to_frames()))
    assert in_gaps == missing
    markers = [m.name for item in track for m in item.markers]
    assert sum(n.startswith("dropped") for n in markers) == edited.dropped
    assert sum(n.startswith("repeated") for n in markers) == edited.repeated


def test_pulldown_is_one_clip_with_its_time_warp(tmp_path, pulldown):
    path = tmp_path / "c.otio"
    write_conform(build_timeline(pulldown, media(30000 / 1001), scan_fps=24.0), path)
    (track,) = otio.adapters.read_from_file(str(path)).video_tracks()
    (clip,) = [c for c in track if isinstance(c, otio.schema.Clip)]
    (warp,) = clip.effects
    assert isinstance(warp, otio.schema.LinearTimeWarp)
    # 1.25 video frames per film frame at 29.97 against 24: about real time (NTSC's 0.1 %)
    assert warp.time_scalar == pytest.approx(1.25 * 24 * 1001 / 30000, rel=2e-3)
    assert clip.metadata["rtk"]["cadence"] == "3:2 pulldown"
    seg = pulldown.segments[0]
    assert clip.source_range.start_time.to_frames() == seg.reference_first


def test_edl_and_fcpxml_are_written_and_the_edl_reads_back_as_shots(tmp_path, edited):
    timeline = build_timeline(edited, media(24.0), scan_fps=24.0)
    edl = write_conform(timeline, tmp_path / "c.edl")
    fcp = write_conform(timeline, tmp_path / "c.fcpxml")
    assert "001  " in edl.read_text() and "<fcpxml" in fcp.read_text()
    first = edited.mapping[0].scan
    shots = read_conform(edl, scan_first=first, scan_fps=24.0)
    segs = edited.segments
    assert [(s.first, s.last) for s in shots] == [(g.scan_first, g.scan_last) for g in segs]
    assert [s.reference_first for s in shots] == [g.reference_first for g in segs]


def test_clips_carry_their_reference_rate(edited):
    clips = conform_clips(edited)
    assert all(c.per_frame == pytest.approx(1.0, abs=0.06) for c in clips)


def test_bad_conform_files_fail_with_the_file_named(tmp_path):
    bad = tmp_path / "cut.edl"
    bad.write_text("this is not an edl\n001  AX V C 00:00:00:00\n")
    with pytest.raises(RTKError) as exc:
        read_conform(bad, 1001, 24.0)
    assert "cut.edl" in str(exc.value)
    other = tmp_path / "cut.txt"
    other.write_text("x")
    with pytest.raises(RTKError, match="unknown conform format"):
        read_conform(other, 1001, 24.0)
