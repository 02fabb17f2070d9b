import numpy as np
import pytest
import torch

from dlbook import gpt, muon


@pytest.mark.parametrize("shape", [(8, 8), (12, 4), (4, 12)], ids=str)
def test_orthogonalize_sets_every_singular_value_near_one_keeping_the_directions(shape):
    G = torch.from_numpy(np.random.default_rng(0).normal(size=shape))
    G[:, 0] *= 50.0                                      # one direction dominates G
    U, S, Vh = torch.linalg.svd(G, full_matrices=False)
    assert S.max() / S.min() > 10
    X = muon.orthogonalize(G)
    singular = torch.linalg.svdvals(X)
    assert singular.min() > 0.6 and singular.max() < 1.25   # the quintic's band
    # the same singular vectors: X = U diag(s) V^T with every s in that band
    assert torch.allclose(U.T @ X @ Vh.T, torch.diag(U.T @ X @ Vh.T).diag(), atol=1e-6)
    polar = U @ Vh
    assert (X - polar).norm() < 0.4 * polar.norm()


def test_muon_steps_its_matrices_by_an_orthogonal_update_and_the_rest_by_adamw():
    W = torch.nn.Parameter(torch.zeros(6, 3))
    b = torch.nn.Parameter(torch.zeros(3))
    optimizer = muon.Muon([{"params": [W], "lr": 0.1, "muon": True},
                           {"params": [b], "lr": 0.01}], momentum=0.0)
    W.grad = torch.from_numpy(np.random.default_rng(1).normal(size=(6, 3))).float()
    b.grad = torch.tensor([1.0, -2.0, 0.5])
    optimizer.step()
    step = -W.detach() / (0.1 * np.sqrt(6 / 3))          # the tall matrix's scale
    assert torch.allclose(step, muon.orthogonalize(W.grad))
    assert torch.allclose(b.detach(), torch.tensor([-0.01, 0.01, -0.01]), atol=1e-6)
    with pytest.raises(ValueError, match="2-D"):
        muon.Muon([{"params": [b], "lr": 0.1, "muon": True}])


def test_muon_momentum_is_nesterov():
    W = torch.nn.Parameter(torch.zeros(4, 4))
    optimizer = muon.Muon([{"params": [W], "lr": 1.0, "muon": True}], momentum=0.5)
    G1, G2 = (torch.from_numpy(np.random.default_rng(s).normal(size=(4, 4))).float()
              for s in (2, 3))
    W.grad = G1
    optimizer.step()
    before = W.detach().clone()
    W.grad = G2
    optimizer.step()
    M = 0.5 * G1 + G2                                    # the momentum after two steps
    assert torch.allclose(before - W.detach(), muon.orthogonalize(G2 + 0.5 * M),
                          atol=1e-6)


def test_train_gpt_with_muon_learns_a_repeating_text_and_steps_the_blocks_by_muon():
    ids = np.tile([3, 0, 6, 1, 5, 2, 4], 30)
    model = gpt.TorchGPT(7, block_size=8, n_layer=1, n_head=1, n_embd=16, seed=0)
    losses = gpt.train_gpt(model, ids, steps=150, batch_size=8, lr=1e-2, warmup=10,
                           muon_lr=0.02)
    assert losses[0] > 1.5 and np.mean(losses[-10:]) < 0.1
    optimizer = gpt._optimizer(model, 1e-2, 0.02)
    by_muon = {id(p) for g in optimizer.param_groups if g["muon"] for p in g["params"]}
    blocks = {id(p) for p in model.blocks.parameters() if p.ndim == 2}
    assert by_muon == blocks                  # the embeddings and the head keep AdamW
    with pytest.raises(ValueError, match="muon_lr"):
        gpt.train_gpt(model, ids, steps=1, muon_lr=-1.0)
