"""The color benchmark's held-out pictures never reach code that chooses anything.

Everything that chooses — the toolkit's cross-validation, each candidate's weights, each
peer's setting — runs in ``restoration_toolkit.testing.color_benchmark.choose`` (what
``benchmarks/color.py`` runs), from the training pairs. These tests fail if a held-out
picture (or anything made from one) reaches the samples any fit is made from, or if other
held-out pictures change any choice.
"""

import numpy as np
import pytest

from restoration_toolkit.testing import color_benchmark as bench
from restoration_toolkit.testing.benchmark_images import HELD_OUT_IMAGES, TRAIN_IMAGES


def test_training_and_held_out_pictures_are_disjoint():
    assert len(HELD_OUT_IMAGES) >= 5 and len(TRAIN_IMAGES) >= 5
    assert not set(TRAIN_IMAGES) & set(HELD_OUT_IMAGES)


@pytest.mark.slow
def test_choosing_never_sees_a_held_out_picture(monkeypatch):
    fitted_on = []  # every pixel array any fit or cross-validation was made from
    real_collect = bench.collect_samples

    def spy(pairs, **kw):
        fitted_on.extend(np.asarray(a, np.float32).tobytes() for p in pairs for a in p[:2])
        return real_collect(pairs, **kw)

    monkeypatch.setattr(bench, "collect_samples", spy)
    made = []  # every pair the families make, to tell held-out ones apart
    real_pair = bench.FAMILIES["a"].pair

    def record(self, prepared, params, rng, grain=0.012):
        out = real_pair(prepared, params, rng, grain)
        made.append(out)
        return out

    monkeypatch.setattr(type(bench.FAMILIES["a"]), "pair", record)
    cheung = bench.peer_settings(with_matcher=False)["colour Cheung 2004"]
    options = {"candidates": bench.registry()[:3], "cv_samples": 1500,
               "peers": {"colour Cheung 2004": cheung[:4]}}
    quiet = {"log": lambda *a: None}
    first = bench.run_family("a", 1, 24, 9, **quiet, **options)
    held = made[len(TRAIN_IMAGES):]
    assert len(held) == len(HELD_OUT_IMAGES)
    forbidden = {a.tobytes() for p in held for a in (p.scan, p.scan_clean, p.reference, p.truth)}
    assert fitted_on and not forbidden & set(fitted_on)
    # other held-out pictures: every choice the same, only the scores differ
    other = bench.run_family("a", 1, 24, 9, held_out=("colorwheel", "logo", "cat", "coffee",
                                                      "retina"), **quiet, **options)
    a, b = first["draws"][0], other["draws"][0]
    assert a["winner"] == b["winner"] and a["peer_settings"] == b["peer_settings"]
    def table(draw):  # everything but the seconds each candidate took
        return [{k: v for k, v in c.items() if k != "seconds"}
                for c in draw["selection"]["candidates"]]

    assert table(a) == table(b)
    assert a["heldout_de2000"] != b["heldout_de2000"]
