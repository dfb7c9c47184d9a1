"""Training end to end on tiny synthetic projects (CPU, seconds)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from restoration_toolkit.core.errors import RTKError  # noqa: E402
from restoration_toolkit.core.io.images import read_image  # noqa: E402
from restoration_toolkit.core.ycbcr import chroma_ground_truth  # noqa: E402
from restoration_toolkit.train.data import CropSampler, load_training_set  # noqa: E402
from restoration_toolkit.train.infer import run_tiled  # noqa: E402
from restoration_toolkit.train.trainer import TrainConfig, checkpoints, train_model  # noqa: E402

from .conftest import make_project  # noqa: E402

pytestmark = pytest.mark.torch


def _config(**kw):
    base = dict(
        technique="color-reference",
        steps=120,
        crop_size=40,
        batch_size=4,
        model_size="small",
        learning_rate=3e-3,
        checkpoint_interval=60,
        seed=1,
        device="cpu",
    )
    base.update(kw)
    return TrainConfig(**base)


def test_ground_truth_is_composed_like_copycat(tiny_project):
    data = load_training_set(tiny_project)
    assert data.frames == [1, 2, 3, 4, 5]  # frame 6 is held out
    ex = data.examples[0]
    ref = read_image(tiny_project.root / "media/ref.0001.exr").pixels
    np.testing.assert_allclose(ex.target, chroma_ground_truth(ex.input, ref), atol=1e-6)


def test_learns_a_known_colour_transform(tiny_project, tmp_path):
    data = load_training_set(tiny_project)
    result = train_model(
        data, _config(steps=60, crop_size=32, checkpoint_interval=60), tmp_path / "run"
    )
    first = float(np.mean(result.losses[:10]))
    last = float(np.mean(result.losses[-10:]))
    assert last < 0.5 * first, (first, last)
    # held-out frame 6: the model must get much closer to the ground truth than the scan is
    scan = read_image(tiny_project.root / "media/scan.0006.exr").pixels
    ref = read_image(tiny_project.root / "media/ref.0006.exr").pixels
    truth = chroma_ground_truth(scan, ref)
    out = run_tiled(result.model, scan, tile=0)
    before = float(np.abs(scan - truth).mean())
    after = float(np.abs(out - truth).mean())
    assert after < 0.25 * before, (before, after)
    assert after < 0.02


def test_resume_continues_to_the_same_weights(tiny_project, tmp_path):
    data = load_training_set(tiny_project)
    cfg = dict(steps=16, checkpoint_interval=8, crop_size=24)
    straight = train_model(data, _config(**cfg), tmp_path / "a")
    half = train_model(data, _config(**cfg), tmp_path / "b")
    # simulate an interruption after step 20: drop the final checkpoint, resume
    ck = checkpoints(tmp_path / "b")
    assert [p.name for p in ck] == ["step_0000008.pt", "step_0000016.pt"]
    ck[-1].unlink()
    resumed = train_model(data, _config(**cfg), tmp_path / "b", resume=True)
    assert resumed.start_step == 8
    assert len(resumed.losses) == 16
    for (k, a), b in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        torch.testing.assert_close(a, b, msg=k)
    assert resumed.losses == pytest.approx(straight.losses)
    assert half.losses == pytest.approx(straight.losses)  # same seed, same run


def test_different_seed_gives_a_different_run(tiny_project, tmp_path):
    data = load_training_set(tiny_project)
    a = train_model(data, _config(steps=5, checkpoint_interval=5, seed=1), tmp_path / "a")
    b = train_model(data, _config(steps=5, checkpoint_interval=5, seed=2), tmp_path / "b")
    assert a.losses != b.losses


def test_resume_without_checkpoint_is_an_error(tiny_project, tmp_path):
    data = load_training_set(tiny_project)
    with pytest.raises(RTKError, match="nothing to resume"):
        train_model(data, _config(steps=5), tmp_path / "empty", resume=True)


def test_confidence_masks_the_training(tmp_path):
    project = make_project(tmp_path / "p", confidence=True)
    data = load_training_set(project)
    assert float(data.examples[0].mask[:, :20].max()) == 0.0
    assert float(data.examples[0].mask[:, 30:].min()) == 1.0


def test_no_pairs_is_a_clear_error(tiny_project):
    from restoration_toolkit.core.curation.pairs import PairSet

    PairSet("color-reference", pairs=[]).save(tiny_project.pairs_file)
    with pytest.raises(RTKError, match="no training pairs"):
        load_training_set(tiny_project)


def test_reference_of_another_size_without_alignment_is_refused(tmp_path):
    project = make_project(tmp_path / "p", reference_size=(60, 80))
    with pytest.raises(RTKError, match="no aligned reference"):
        load_training_set(project)


def test_crops_flip_only_horizontally_and_not_for_analog_video(tiny_project):
    data = load_training_set(tiny_project)
    sampler = CropSampler(data.examples, 24, flips=True, seed=0)
    inp, tgt, msk = sampler.batch(3)
    assert inp.shape == (3, 3, 24, 24) and msk.shape == (3, 1, 24, 24)
    from restoration_toolkit.train.data import flips_allowed

    assert flips_allowed("color-reference") and flips_allowed("gauge")
    assert not flips_allowed("analog-video")
