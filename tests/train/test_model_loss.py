"""The network and the loss: sizes, identity start, masking, grain-keeping."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from restoration_toolkit.train.loss import local_energy, restoration_loss  # noqa: E402
from restoration_toolkit.train.model import MODEL_SIZES, build_model, parameter_count  # noqa: E402

pytestmark = pytest.mark.torch

# the counts documented in restoration_toolkit/train/model.py and docs/training-engine.md
DOCUMENTED = {"small": 167_235, "medium": 1_537_347, "large": 10_991_619}


@pytest.mark.parametrize("size", list(MODEL_SIZES))
def test_parameter_counts_match_the_documentation(size):
    assert parameter_count(build_model(size)) == DOCUMENTED[size]


def test_untrained_model_is_the_identity_on_any_size():
    model = build_model("small").eval()
    x = torch.rand(1, 3, 37, 53)
    with torch.no_grad():
        torch.testing.assert_close(model(x), x, rtol=1e-5, atol=1e-6)


def _pair(seed=0):
    g = torch.Generator().manual_seed(seed)
    out = torch.rand(2, 3, 40, 40, generator=g)
    tgt = torch.rand(2, 3, 40, 40, generator=g)
    mask = torch.ones(2, 1, 40, 40)
    mask[:, :, :, :15] = 0.0
    return out, tgt, mask


def test_masked_pixels_do_not_change_the_loss():
    out, tgt, mask = _pair()
    base = restoration_loss(out, tgt, mask)
    out2, tgt2 = out.clone(), tgt.clone()
    out2[:, :, :, :15] = 5.0 * torch.rand_like(out2[:, :, :, :15])
    tgt2[:, :, :, :15] = -3.0
    moved = restoration_loss(out2, tgt2, mask)
    assert float(moved.l1) == pytest.approx(float(base.l1), rel=1e-6)
    assert float(moved.grain) == pytest.approx(float(base.grain), rel=1e-6)
    # and a change inside the mask does change it (the test can fail)
    out3 = out.clone()
    out3[:, :, :, 30:] += 0.3
    assert float(restoration_loss(out3, tgt, mask).l1) > float(base.l1) + 0.01


def test_masked_pixels_get_no_gradient():
    out, tgt, mask = _pair(1)
    out.requires_grad_(True)
    restoration_loss(out, tgt, mask).total.backward()
    assert float(out.grad[:, :, :, :15].abs().max()) == 0.0
    assert float(out.grad[:, :, :, 20:].abs().max()) > 0.0


def test_grain_term_prefers_other_grain_to_no_grain():
    """The grain term is blind to the grain's phase but penalises a blurred (grainless) output."""
    g = torch.Generator().manual_seed(3)
    base = torch.full((1, 3, 48, 48), 0.5)
    target = base + 0.05 * torch.randn(1, 3, 48, 48, generator=g)
    other_grain = base + 0.05 * torch.randn(1, 3, 48, 48, generator=g)
    mask = torch.ones(1, 1, 48, 48)
    blurred = restoration_loss(base, target, mask)
    grainy = restoration_loss(other_grain, target, mask)
    assert float(grainy.grain) < 0.25 * float(blurred.grain)
    # plain L1 alone would prefer the blurred one: the reason the term exists
    assert float(blurred.l1) < float(grainy.l1)
    assert float(local_energy(target).mean()) > 0.03
