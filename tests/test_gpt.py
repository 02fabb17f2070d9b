import numpy as np
import pytest
import torch

from dlbook import gpt
from dlbook.gradcheck import check_gradients
from helpers import assert_twins_agree

# (B, T, n_layer, n_head, n_embd): one token, one head, several heads, a deeper stack
SHAPES = [(1, 1, 1, 1, 4), (2, 5, 2, 2, 8), (3, 8, 1, 4, 8), (2, 3, 3, 2, 4)]


def perturbed(config, seed):
    """A model whose every parameter is off its initial value (gains not 1, biases not
    0), so each path of the backward pass carries a gradient."""
    B, T, n_layer, n_head, n_embd = config
    model = gpt.GPT(11, block_size=8, n_layer=n_layer, n_head=n_head, n_embd=n_embd,
                    seed=seed)
    rng = np.random.default_rng(seed)
    for name, p in model.params.items():
        model.params[name] = p + rng.normal(0, 0.3, p.shape)
    return model, rng.integers(0, 11, (B, T)), rng.integers(0, 11, (B, T))


@pytest.mark.parametrize("config", SHAPES, ids=str)
def test_scratch_gpt_agrees_with_torch_in_values_and_every_gradient(config):
    model, idx, targets = perturbed(config, seed=sum(config))
    logits, J = model.forward(idx, targets)
    assert logits.shape == (config[0], config[1], 11)
    twin = gpt.TorchGPT.from_numpy(model)
    logits_t, J_t = twin(torch.from_numpy(idx), torch.from_numpy(targets))
    assert_twins_agree(model, twin, logits, J, logits_t, J_t)


def test_scratch_gpt_gradients_equal_finite_differences():
    model, idx, targets = perturbed((2, 4, 2, 2, 4), seed=3)

    def loss():
        return model.forward(idx, targets)[1]

    loss()
    errors = check_gradients(loss, model.params, model.backward())
    assert max(errors.values()) < 1e-6, errors


def test_layer_norm_and_gelu_match_torch():
    rng = np.random.default_rng(0)
    x, g, b, dy = (rng.standard_normal(s) for s in ((3, 4, 6), 6, 6, (3, 4, 6)))
    y, cache = gpt.layer_norm_forward(x, g, b)
    dx, dg, db = gpt.layer_norm_backward(dy, cache)
    tensors = [torch.tensor(a, requires_grad=True) for a in (x, g, b)]
    y_t = torch.nn.functional.layer_norm(tensors[0], (6,), tensors[1], tensors[2])
    (y_t * torch.from_numpy(dy)).sum().backward()
    np.testing.assert_allclose(y, y_t.detach().numpy(), atol=1e-12)
    for mine, t in zip((dx, dg, db), tensors):
        np.testing.assert_allclose(mine, t.grad.numpy(), atol=1e-12)
    z = torch.linspace(-4, 4, 81, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.gelu(z, approximate="tanh").sum().backward()
    np.testing.assert_allclose(gpt.gelu(z.detach().numpy()),
                               torch.nn.functional.gelu(z, approximate="tanh").detach(),
                               atol=1e-14)
    np.testing.assert_allclose(gpt.gelu_grad(z.detach().numpy()), z.grad.numpy(),
                               atol=1e-12)


def test_causal_mask_hides_every_later_token():
    model, idx, _ = perturbed((2, 6, 2, 2, 8), seed=5)
    before = model.forward(idx)[0]
    changed = idx.copy()
    changed[:, 4] = (changed[:, 4] + 1) % 11            # change token 4 only
    after = model.forward(changed)[0]
    np.testing.assert_array_equal(before[:, :4], after[:, :4])
    assert not np.allclose(before[:, 4:], after[:, 4:])


def test_attention_rows_are_distributions_over_the_past():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 8))
    W_qkv, b_qkv = rng.standard_normal((24, 8)), rng.standard_normal(24)
    _, cache = gpt.attention_forward(x, W_qkv, b_qkv, np.eye(8), np.zeros(8), n_head=2)
    P = cache[4]                                          # (B, heads, T, T)
    np.testing.assert_allclose(P.sum(axis=-1), 1.0)
    assert (P[..., np.triu_indices(5, k=1)[0], np.triu_indices(5, k=1)[1]] == 0).all()


def test_initialisation_and_seed():
    a, b = gpt.GPT(65, seed=2), gpt.GPT(65, seed=2)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert abs(a.params["W_te"].std() - 0.02) < 0.002
    assert abs(a.params["h1.W_out"].std() - 0.01) < 0.001   # 0.02 / sqrt(2 * 2 layers)
    t = gpt.TorchGPT(65, seed=2)
    assert set(t._named()) == set(a.params)
    assert sum(p.numel() for p in t.parameters()) == sum(p.size for p in a.params.values())
    assert abs(t.blocks[1].out.weight.std().item() - 0.01) < 0.001
    assert (t.blocks[0].qkv.bias == 0).all() and (t.blocks[0].ln1.weight == 1).all()
    assert torch.equal(t.te.weight, gpt.TorchGPT(65, seed=2).te.weight)


@pytest.mark.parametrize("kwargs, error", [
    ({"n_embd": 30, "n_head": 4}, ValueError), ({"n_layer": 0}, ValueError),
    ({"block_size": 2.5}, TypeError)])
def test_bad_configurations_are_refused_by_both(kwargs, error):
    for model in (gpt.GPT, gpt.TorchGPT):
        with pytest.raises(error):
            model(65, **kwargs)


def test_bad_tokens_are_refused():
    model = gpt.GPT(11, block_size=4)
    with pytest.raises(ValueError, match="block_size"):
        model.forward(np.zeros((1, 5), dtype=int))
    with pytest.raises(ValueError, match="0..10"):
        model.forward(np.full((1, 2), 11))
    with pytest.raises(ValueError, match="integer tokens"):
        model.forward(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="block_size|T <="):
        gpt.TorchGPT(11, block_size=4)(torch.zeros(1, 5, dtype=torch.long))


def test_evaluate_context_scores_each_token_once_with_at_least_half_a_block():
    torch.manual_seed(0)
    model = gpt.TorchGPT(7, block_size=8, n_layer=1, n_head=1, n_embd=4,
                         dtype=torch.float64, seed=1)
    ids = np.random.default_rng(0).integers(0, 7, 50)
    with torch.no_grad():
        log_p = {}                           # token i + 1's loss, by hand, once
        for start in range(0, len(ids) - 8, 4):
            x = torch.from_numpy(ids[start:start + 8])[None]
            losses = -torch.log_softmax(model(x)[0][0], -1)
            for j in range(0 if start == 0 else 4, 8):
                assert start + j not in log_p
                log_p[start + j] = losses[j, ids[start + j + 1]].item()
    expected = np.mean(list(log_p.values()))
    assert gpt.evaluate_context(model, ids, batch_size=3) == pytest.approx(expected,
                                                                           rel=1e-12)


def test_evaluate_windows_reads_the_windows_of_chapter_08s_protocol():
    from dlbook import charlm

    ids = np.random.default_rng(2).integers(0, 7, 300)
    model = gpt.TorchGPT(7, block_size=16, n_layer=1, n_head=1, n_embd=4,
                         dtype=torch.float64, seed=1)
    starts = np.random.default_rng(0).integers(0, len(ids) - 16 - 1, 10)
    x, y = gpt._windows(ids, starts, 16)
    x_charlm, y_charlm = charlm._windows(ids, starts, 16)       # time first
    assert np.array_equal(x, x_charlm.T) and np.array_equal(y, y_charlm.T)
    with torch.no_grad():
        by_hand = torch.nn.functional.cross_entropy(
            model(torch.from_numpy(x))[0].flatten(0, 1), torch.from_numpy(y).flatten())
    assert gpt.evaluate_windows(model, ids, seq_len=16, windows=10,
                                batch_size=4) == pytest.approx(by_hand.item(), rel=1e-12)


def test_train_gpt_learns_a_repeating_text():
    ids = np.tile(np.arange(5), 40)                    # 0 1 2 3 4 0 1 2 ...
    model = gpt.TorchGPT(5, block_size=8, n_layer=1, n_head=1, n_embd=16, seed=0)
    losses = gpt.train_gpt(model, ids, steps=150, batch_size=8, lr=1e-2, warmup=10)
    assert losses[0] > 1.4 and np.mean(losses[-10:]) < 0.1
    with pytest.raises(ValueError, match="steps"):
        gpt.train_gpt(model, ids, steps=0)


def test_train_gpt_calls_on_step_after_every_update():
    seen = []
    model = gpt.TorchGPT(5, block_size=4, n_layer=1, n_head=1, n_embd=8)
    gpt.train_gpt(model, np.tile(np.arange(5), 10), steps=3, batch_size=2,
                  on_step=seen.append)
    assert seen == [1, 2, 3]


def test_to_numpy_copies_the_weights_and_look_inside_reads_its_caches():
    torch_model = gpt.TorchGPT(11, block_size=8, n_layer=2, n_head=2, n_embd=8, seed=3)
    model = gpt.to_numpy(torch_model)
    idx = np.random.default_rng(0).integers(0, 11, (2, 6))
    logits, _ = model.forward(idx)
    expected = torch_model.double()(torch.from_numpy(idx))[0].detach().numpy()
    assert np.abs(logits - expected).max() < 1e-12
    inside = gpt.look_inside(model, idx)
    assert [P.shape for P in inside["attention"]] == [(2, 2, 6, 6)] * 2
    assert [u.shape for u in inside["mlp"]] == [(2, 6, 32)] * 2
    P = inside["attention"][1]
    assert np.allclose(P.sum(axis=-1), 1.0) and np.all(np.triu(P[0, 0], 1) == 0)
    assert P[0, 0, 0, 0] == 1.0                          # the first token sees itself only


def test_sample_continues_the_prime_from_a_seed_within_the_block():
    from dlbook import charlm

    vocab = charlm.Vocab("abcd")
    model = gpt.TorchGPT(4, block_size=3, n_layer=1, n_head=1, n_embd=8, seed=0)
    text = gpt.sample(model, vocab, "abcab", 12, seed=4)  # longer than block_size
    assert text.startswith("abcab") and len(text) == 17 and set(text) <= set("abcd")
    assert text == gpt.sample(model, vocab, "abcab", 12, seed=4)
    assert len({gpt.sample(model, vocab, "a", 12, seed=s) for s in range(4)}) > 1
    with pytest.raises(ValueError, match="temperature"):
        gpt.sample(model, vocab, "a", 3, temperature=0.0)


def test_shipped_model_loads_and_predicts_shakespeare():
    from dlbook import data

    model, vocab, result = gpt.load_shipped()
    assert model.config["block_size"] == 256 and len(vocab) == 65
    ids = vocab.encode(data.load_shakespeare("val"))
    loss = gpt.evaluate_windows(model, ids, seq_len=256, windows=20)
    assert abs(loss - result["val_w256"]) < 0.15          # 20 windows of the 2,000
    assert loss < 1.7


def test_dropout_acts_only_while_training_and_is_checked():
    idx = torch.from_numpy(np.random.default_rng(0).integers(0, 11, (2, 8)))
    plain = gpt.TorchGPT(11, block_size=8, n_embd=16, seed=1)
    dropping = gpt.TorchGPT(11, block_size=8, n_embd=16, dropout=0.5, seed=1)
    assert not torch.equal(dropping(idx)[0], dropping(idx)[0])        # training: random
    dropping.eval()
    assert torch.equal(dropping(idx)[0], plain.eval()(idx)[0])        # eval: none at all
    with pytest.raises(ValueError, match="dropout"):
        gpt.TorchGPT(11, dropout=1.0)
