"""pairs.yaml read strictly (issue 18, item 11): cut short, malformed, twice-paired, outside the
sequence, stale checksums and their refresh."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from restoration_toolkit.core.curation.pairs import (
    Pair,
    PairSet,
    load_pairs,
    load_project_pairs,
    refresh_checksums,
)
from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.experiment_log.record import file_sha256
from restoration_toolkit.core.io.images import write_image
from restoration_toolkit.core.project import load_project


@pytest.fixture
def tiny(tmp_path):
    root = tmp_path / "p"
    for f in range(1, 5):
        write_image(root / "media" / f"s.{f:04d}.exr", np.full((4, 4, 3), f / 10, np.float32))
        write_image(root / "media" / f"r.{f:04d}.exr", np.full((4, 4, 3), f / 9, np.float32))
    (root / "project.yaml").write_text(yaml.safe_dump({
        "schema_version": 1, "name": "P", "technique": "color-reference",
        "source": {"path": "media/s.####.exr"}, "reference": {"path": "media/r.####.exr"}}))
    project = load_project(root)
    pairs = [Pair(f, f, None, "sh010", "test", 1.0, "auto",
                  {"scan": "sha256:" + file_sha256(root / f"media/s.{f:04d}.exr"),
                   "reference": "sha256:" + file_sha256(root / f"media/r.{f:04d}.exr")})
             for f in (1, 2)]
    PairSet("color-reference", pairs, [], holdout=[3], notes="n").save(project.pairs_file)
    return project


def test_a_saved_file_loads_and_verifies(tiny):
    assert load_project_pairs(tiny).scan_frames == [1, 2]
    text = tiny.pairs_file.read_text()
    assert text.rstrip().splitlines()[-1].startswith("notes:")  # written last: a cut loses it


def test_cut_short_is_refused(tiny):
    text = tiny.pairs_file.read_text()
    tiny.pairs_file.write_text(text[: text.index("holdout:")])
    with pytest.raises(RTKError, match="incomplete: no holdout, notes"):
        load_pairs(tiny.pairs_file)


@pytest.mark.parametrize("change, message", [
    (lambda d: d["pairs"].append(dict(d["pairs"][0])), "paired twice"),
    (lambda d: d["pairs"][0].update(scan_frame="1"), "must be a frame number"),
    (lambda d: d["pairs"][0].update(shot="../x"), r"pairs\[0\]\.shot"),
    (lambda d: d["pairs"][0].update(extra=1), "unknown field 'extra'"),
    (lambda d: d.update(pairs={"a": 1}), "pairs must be a list"),
])
def test_malformed_entries_are_named(tiny, change, message):
    data = yaml.safe_load(tiny.pairs_file.read_text())
    change(data)
    tiny.pairs_file.write_text(yaml.safe_dump(data))
    with pytest.raises(RTKError, match=message):
        load_pairs(tiny.pairs_file)


def test_a_pair_outside_the_sequence_is_refused(tiny):
    data = yaml.safe_load(tiny.pairs_file.read_text())
    data["pairs"][1]["reference_frame"] = 9
    tiny.pairs_file.write_text(yaml.safe_dump(data))
    with pytest.raises(RTKError, match="reference frame 9 is outside the reference sequence"):
        load_project_pairs(tiny)


def test_a_changed_frame_is_named_until_refreshed(tiny):
    write_image(tiny.root / "media/s.0002.exr", np.zeros((4, 4, 3), np.float32))
    with pytest.raises(RTKError, match=r"scan frame of pair 2 is changed .*s\.0002\.exr"):
        load_project_pairs(tiny)
    changed = refresh_checksums(tiny)
    assert [(c.pair.scan_frame, c.role) for c in changed] == [(2, "scan")]
    assert load_project_pairs(tiny).scan_frames == [1, 2]
