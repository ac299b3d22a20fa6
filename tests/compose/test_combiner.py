from __future__ import annotations

import numpy as np
import pytest
import torch

from desktop.compose.combiner import Combiner, compose_query, sum_query


def _combiner(dim: int = 16, seed: int = 0) -> Combiner:
    torch.manual_seed(seed)
    return Combiner(dim, 32, 48)


def test_layers_follow_clip4cir() -> None:
    c = Combiner(16, 64, 128)
    shapes = {k: tuple(v.shape) for k, v in c.state_dict().items()}
    assert shapes["text_proj.0.weight"] == (64, 16)
    assert shapes["image_proj.0.weight"] == (64, 16)
    assert shapes["residual.0.weight"] == (128, 128)
    assert shapes["residual.3.weight"] == (16, 128)
    assert shapes["mix.0.weight"] == (128, 128)
    assert shapes["mix.3.weight"] == (1, 128)
    assert sum(isinstance(m, torch.nn.Dropout) and m.p == 0.5 for m in c.modules()) == 4
    assert c.sizes == {"dim": 16, "proj_dim": 64, "hidden_dim": 128}


def test_output_is_unit_length_and_lambda_in_open_interval() -> None:
    c = _combiner().eval()
    img, txt = torch.randn(5, 16) * 10, torch.randn(5, 16) * 8
    out = c.combine(img, txt)
    assert out.shape == (5, 16)
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(5))
    lam = c.mixing_weight(img, txt)
    assert lam.shape == (5, 1)
    assert bool(((lam > 0) & (lam < 1)).all())


def test_output_is_the_formula() -> None:
    c = _combiner().eval()
    img, txt = torch.randn(3, 16), torch.randn(3, 16)
    with torch.no_grad():
        joint = torch.cat([c.text_proj(txt), c.image_proj(img)], dim=-1)
        lam = c.mix(joint)
        expected = torch.nn.functional.normalize(c.residual(joint) + lam * txt + (1 - lam) * img, dim=-1)
        torch.testing.assert_close(c.combine(img, txt), expected)


def test_mismatched_inputs_are_rejected() -> None:
    with pytest.raises(ValueError):
        _combiner().combine(torch.randn(2, 16), torch.randn(3, 16))
    with pytest.raises(ValueError):
        _combiner().combine(torch.randn(2, 8), torch.randn(2, 8))


def test_compose_query_is_deterministic_and_keeps_mode() -> None:
    c = _combiner().train()
    rng = np.random.default_rng(0)
    img, txt = rng.normal(size=16).astype(np.float32), rng.normal(size=16).astype(np.float32)
    a, b = compose_query(c, img, txt), compose_query(c, img, txt)
    assert a.shape == (16,) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)  # dropout off
    assert c.training
    batch = compose_query(c, np.stack([img, img]), np.stack([txt, txt]))
    assert batch.shape == (2, 16)
    np.testing.assert_allclose(batch[0], a, rtol=1e-5, atol=1e-6)
    assert abs(float(np.linalg.norm(a)) - 1) < 1e-5


def test_sum_query_is_normalized_sum_of_normalized() -> None:
    img, txt = np.array([3.0, 0.0]), np.array([0.0, 0.5])
    np.testing.assert_allclose(sum_query(img, txt), [np.sqrt(0.5), np.sqrt(0.5)], rtol=1e-6)
    batch = sum_query(np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([[2.0, 0.0], [1.0, 0.0]]))
    np.testing.assert_allclose(batch, [[1.0, 0.0], [np.sqrt(0.5), np.sqrt(0.5)]], rtol=1e-6)
