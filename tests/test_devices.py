"""The code paths of the book's `gpu` cells, run whole with the model on a stand-in device.

No GPU is needed. The stand-in is torch's meta device, whose tensors have shapes but no
data, under ``OnAnotherDevice``, a torch function mode that does two things:

- it makes every call that mixes tensors of two devices fail, as a GPU would (meta
  alone lets some through, such as an embedding looking up CPU indices), except where
  torch accepts a mix on a GPU too: a 0-dimensional CPU tensor, the indices of
  ``tensor[index]``, and the calls that move data between devices;
- it answers a read-back from the device (``.item()``, ``.cpu()``, ``float(...)``) with
  ones, so that the path goes on to its end instead of stopping at the first loss.

Each test then checks where things ended up: every parameter still on the device, and
the results of the right kind and length.
"""
import numpy as np
import pytest
import torch
from torch.overrides import TorchFunctionMode

from dlbook import charlm, forecast, gan_torch, memory, mlp, vae

META = torch.device("meta")
Tensor = torch.Tensor
MOVES = {Tensor.to, Tensor.cpu, Tensor.copy_, Tensor.__getitem__, Tensor.__setitem__,
         torch.as_tensor, torch.tensor, torch._has_compatible_shallow_copy_type}
READS = {Tensor.item, Tensor.__float__, Tensor.__int__, Tensor.__bool__, Tensor.tolist}


def _tensors(value):
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors(item)


class OnAnotherDevice(TorchFunctionMode):
    """Fail on a call that mixes devices; read ones back from the meta device."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        tensors = list(_tensors(list(args) + list(kwargs.values())))
        on_meta = [t for t in tensors if t.device == META]
        if func in READS and on_meta:
            value = func(torch.ones(on_meta[0].shape, dtype=on_meta[0].dtype))
            return value
        if func is Tensor.cpu and on_meta or (func is Tensor.to and on_meta
                                               and _target_is_cpu(args, kwargs)):
            return torch.ones(on_meta[0].shape, dtype=kwargs.get("dtype", on_meta[0].dtype))
        if func is Tensor.numpy and on_meta:
            raise AssertionError("numpy() on a tensor of the device: move it to the cpu first")
        if func not in MOVES:
            devices = {t.device for t in tensors if not (t.device.type == "cpu" and t.ndim == 0)}
            if len(devices) > 1:
                raise AssertionError(f"{getattr(func, '__name__', func)} mixes tensors on "
                                     f"{sorted(map(str, devices))}: one was left off the "
                                     "model's device")
        return func(*args, **kwargs)


def _target_is_cpu(args, kwargs) -> bool:
    target = kwargs.get("device", args[1] if len(args) > 1 else None)
    return isinstance(target, (str, torch.device)) and torch.device(target).type == "cpu"


def on_the_device(model: torch.nn.Module) -> bool:
    return all(p.device == META for p in model.parameters())


def test_the_mode_catches_a_tensor_left_on_the_cpu_and_reads_ones_back():
    model = torch.nn.Linear(3, 2).to(META)
    embed = torch.nn.Embedding(5, 3).to(META)
    embed(torch.tensor([1]))                               # meta alone lets this through
    with OnAnotherDevice():
        with pytest.raises(AssertionError, match="left off the model's device"):
            model(torch.zeros(1, 3))
        with pytest.raises(AssertionError, match="embedding mixes"):
            embed(torch.tensor([1]))
        out = model(torch.zeros(4, 3, device=META))
        assert out.sum().item() == 1.0 and out.cpu().shape == (4, 2)
        assert out[torch.tensor([0, 2])].shape == (2, 2)   # CPU indices: a GPU accepts them
        with pytest.raises(AssertionError, match="cpu first"):
            out.numpy()


@pytest.fixture
def chars():
    vocab = charlm.Vocab("abcde \n")
    ids = vocab.encode("abc de\n" * 20)
    return vocab, ids, charlm.CharLSTM(len(vocab), hidden_size=8, embedding_size=4).to(META)


def test_char_model_training_evaluation_sampling_on_the_model_device(chars):
    # chapter 08's gpu cell: train (both ways), evaluate, sample; and the cell-state probe
    vocab, ids, model = chars
    with OnAnotherDevice():
        for stateful in (False, True):
            losses = charlm.train_char_model(model, ids, steps=3, seq_len=5, batch_size=3,
                                             stateful=stateful)
            assert losses == [1.0, 1.0, 1.0]
        assert model.last_state[0].device == META
        assert charlm.evaluate(model, ids, streams=2, chunk=10) > 0
        assert charlm.evaluate_windows(model, ids, seq_len=5, windows=4) > 0
        assert charlm.next_char_log_probs(model, ids, streams=2).shape == (138,)
        assert len(charlm.sample(model, vocab, "ab", 3)) == 5
        assert charlm.cell_states(model, vocab, "abc").shape == (3, 8)
    assert on_the_device(model)


def test_mlp_training_on_the_model_device():
    # chapter 03's gpu cell
    X, y = np.random.default_rng(0).random((10, 4)), np.arange(10) % 3
    model = mlp.TorchMLP([4, 8, 3], activation="relu").to(META)
    with OnAnotherDevice():
        history = mlp.train(model, X, y, lr=1e-3, epochs=2, optimizer="adam")
        assert history == [1.0, 1.0]
        assert 0 <= mlp.accuracy(model, X, y) <= 1
    assert on_the_device(model)


def test_memory_experiment_on_the_device():
    # chapter 04's gpu cell
    with OnAnotherDevice():
        rows = memory.memory_experiment(lengths=(4,), cells=("lstm", "gru"), hidden_size=4,
                                        steps=2, n_test=8, device=META)
    assert [r["cell"] for r in rows] == ["lstm", "gru"]
    assert all(r["loss_per_20_steps"] == [1.0] for r in rows)


def test_vae_training_on_the_model_device():
    # chapter 05's gpu cell
    X = np.random.default_rng(0).random((12, 6))
    model = vae.TorchVAE(6, 8, 2, activation="relu").to(META)
    with OnAnotherDevice():
        history = vae.train_vae(model, X, epochs=2, batch_size=4)
        assert history == [{"recon": 1.0, "kl": 1.0}] * 2
        assert vae.heldout_elbo(model, X, n_samples=2) == 1.0
    assert on_the_device(model)


def test_forecaster_training_on_the_model_device():
    # chapter 07's model, on a device
    X, y = np.random.default_rng(0).standard_normal((40, 6)), np.zeros(40)
    split = forecast.time_split(X, y)
    model = forecast.gru_forecaster(hidden_size=4).to(META)
    with OnAnotherDevice():
        history = forecast.train_forecaster(model, split.X_train, split.y_train,
                                            split.X_val, split.y_val, epochs=2,
                                            batch_size=8)
        assert len(history["train"]) == len(history["val"]) == 2
        assert forecast.predict(model, split.X_test).shape == (len(split.X_test),)
    assert on_the_device(model)


def test_gan_training_on_a_device():
    # chapter 06's gpu cell
    X = np.random.default_rng(0).random((20, 6))
    config = gan_torch.GANConfig(pack=2, latent="gaussian", noise_dim=4, steps=3,
                                 batch_size=4, hidden=8, depth=1)
    with OnAnotherDevice():
        run = gan_torch.train_gan(config, data=X, seed=0, device=META, snapshot_every=2,
                                  n_snapshot=5)
        assert run.sample(3).shape == (3, 6)
    assert run.losses.shape == (3, 2) and np.all(run.losses == 1.0)
    assert [step for step, _ in run.snapshots] == [0, 2, 3]
    assert on_the_device(run.generator) and on_the_device(run.discriminator)
