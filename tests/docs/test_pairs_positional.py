"""pairs.yaml written by curation must load again (found by the tutorial test).

stages/curation.py builds ``PairSet(technique, pairs, rejected, holdout, notes)`` by position;
a field inserted before ``notes`` made the summary text land in ``holdout_references`` and
every later stage failed to read pairs.yaml.
"""

from restoration_toolkit.core.curation.pairs import PairSet, load_pairs


def test_positional_pairset_round_trips(tmp_path):
    written = PairSet("color-reference", [], [], [1004, 1005], "12 pairs from 3 shots")
    loaded = load_pairs(written.save(tmp_path / "pairs.yaml"))
    assert loaded.notes == "12 pairs from 3 shots"
    assert loaded.holdout == [1004, 1005]
    assert loaded.holdout_references == {}
