"""The code paths of the book's `gpu` cells, run with the model on torch's meta device.

No GPU is needed: meta tensors have shapes but no data, and torch refuses to mix them
with CPU tensors, so any tensor a function forgets to move to the model's device raises
a device mismatch. Reading a number back from a meta tensor (``.item()``, ``.cpu()``)
is the one failure allowed: the step that reaches it has run on the device.
"""
import numpy as np
import pytest
import torch

from dlbook import charlm, gan_training, gated, mlp, vae

META = torch.device("meta")


def runs_on_meta(fn, model: torch.nn.Module | None = None) -> None:
    """Call ``fn``; fail if torch reports tensors on two devices, or if a submodule of
    ``model`` receives an input off the model's device (torch lets an embedding look up
    CPU indices in meta weights without complaint; a GPU would not)."""
    handles = [] if model is None else [m.register_forward_pre_hook(same_device_inputs)
                                        for m in model.modules()]
    try:
        fn()
    except (RuntimeError, NotImplementedError) as err:
        if "device" in str(err):
            raise AssertionError(f"a tensor was left off the model's device: {err}") from err
        assert "meta" in str(err) or "no data" in str(err), err   # only a read-back may fail
    finally:
        for handle in handles:
            handle.remove()


def same_device_inputs(module, args):
    params = list(module.parameters(recurse=False))
    tensors = [a for arg in args for a in (arg if isinstance(arg, tuple) else (arg,))
               if isinstance(a, torch.Tensor)]
    for tensor in tensors if params else []:
        if tensor.device != params[0].device:
            raise AssertionError(f"a tensor was left off the model's device: "
                                 f"{type(module).__name__} got an input on {tensor.device}")


def test_the_helper_catches_a_tensor_left_on_the_cpu():
    model = torch.nn.Linear(3, 2).to(META)
    with pytest.raises(AssertionError, match="left off the model's device"):
        runs_on_meta(lambda: model(torch.zeros(1, 3)))
    runs_on_meta(lambda: model(torch.zeros(1, 3, device=META)).sum().item())
    embed = torch.nn.Embedding(5, 3).to(META)
    embed(torch.tensor([1]))                           # meta alone lets this through
    with pytest.raises(AssertionError, match="Embedding got an input on cpu"):
        runs_on_meta(lambda: embed(torch.tensor([1])), embed)


@pytest.fixture
def chars():
    vocab = charlm.Vocab("abcde \n")
    ids = vocab.encode("abc de\n" * 20)
    return vocab, ids, charlm.CharLSTM(len(vocab), hidden_size=8, embedding_size=4).to(META)


def test_char_model_training_evaluation_sampling_on_the_model_device(chars):
    # chapter 08's gpu cell: train, evaluate, sample; and the cell-state probe
    vocab, ids, model = chars
    runs_on_meta(lambda: charlm.train_char_model(model, ids, steps=2, seq_len=5,
                                                 batch_size=3), model)
    runs_on_meta(lambda: charlm.evaluate(model, ids, streams=2, chunk=10), model)
    runs_on_meta(lambda: charlm.sample(model, vocab, "ab", 3), model)
    runs_on_meta(lambda: charlm.cell_states(model, vocab, "abc"), model)


def test_mlp_training_on_the_model_device():
    # chapter 03's gpu cell
    X, y = np.random.default_rng(0).random((10, 4)), np.arange(10) % 3
    model = mlp.TorchMLP([4, 8, 3], activation="relu").to(META)
    runs_on_meta(lambda: mlp.train(model, X, y, lr=1e-3, epochs=1, optimizer="adam"), model)
    runs_on_meta(lambda: mlp.accuracy(model, X, y), model)


def test_gated_memory_experiment_on_a_device():
    # chapter 04's gpu cell
    runs_on_meta(lambda: gated.memory_experiment(lengths=(4,), hidden_size=4, steps=2,
                                                 n_test=8, device=META))


def test_vae_training_on_the_model_device():
    # chapter 05's gpu cell
    X = np.random.default_rng(0).random((12, 6))
    model = vae.TorchVAE(6, 8, 2, activation="relu").to(META)
    runs_on_meta(lambda: vae.train_vae(model, X, epochs=1, batch_size=4), model)
    runs_on_meta(lambda: vae.heldout_elbo(model, X), model)


def test_gan_training_on_a_device():
    # chapter 06's gpu cell
    X = np.random.default_rng(0).random((20, 6))
    config = gan_training.GANConfig(pack=2, latent="gaussian", noise_dim=4, steps=2,
                                    batch_size=4, hidden=8, depth=1)
    runs_on_meta(lambda: gan_training.train_gan(config, data=X, seed=0, device=META))
