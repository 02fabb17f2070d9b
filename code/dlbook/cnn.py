"""A small convolutional network, from scratch in NumPy and in PyTorch (chapter 09).

LeNet's shape (LeCun et al. 1998) at a size that trains on a laptop: for a batch X of
grey images (m, 1, 28, 28),

    conv 5x5 (C1 kernels, padding 2) -> ReLU -> max-pool 2x2     (m, C1, 14, 14)
    conv 5x5 (C2 kernels, padding 2) -> ReLU -> max-pool 2x2     (m, C2, 7, 7)
    flatten -> linear -> logits                                  (m, 10)

and the mean softmax cross-entropy against integer labels. Padding F // 2 keeps each
convolution's output the size of its input, so only the pools shrink the image.

``CNN`` (NumPy) runs the layer functions of ``conv`` (im2col) and backpropagates by
hand; ``TorchCNN`` is the same network of ``nn.Conv2d`` / ``nn.Linear`` layers. They
share constructor arguments, parameter names (W1, b1 the first convolution, W2, b2 the
second, W3, b3 the linear layer, in torch's layouts) and ``forward(X, y=None) ->
(logits, loss)``, so ``training.fit`` trains the torch one and ``from_numpy`` gives it
the NumPy one's weights for the twin tests.

``shipped_comparison`` loads ``benchmarks/cnn.py``'s figures (the CNN against the MLP
over three seeds), shipped in ``assets/``. ``saliency`` (Simonyan et al. 2014) and
``occlusion`` (Zeiler and Fergus 2014) ask a trained torch model which pixels its
decision depends on.
"""
from __future__ import annotations

import json
from importlib import resources

import numpy as np
import torch
import torch.nn.functional as F

from ._checks import check_array, check_int, check_labels
from .activations import log_softmax
from .conv import (
    conv2d_backward,
    conv2d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
)
from .mlp import output_delta
from .utils import as_tensor_for, numpy_rng, seeded

PARAMETER_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def _check_config(channels, kernel, image_size, n_classes):
    if len(channels) != 2:
        raise ValueError(f"channels must name two layers' kernel counts, "
                         f"got {channels!r}")
    channels = tuple(check_int(f"channels[{i}]", c, minimum=1)
                     for i, c in enumerate(channels))
    kernel = check_int("kernel", kernel, minimum=1)
    if kernel % 2 == 0:
        raise ValueError(f"kernel must be odd so that padding kernel // 2 keeps the "
                         f"image's size, got {kernel}")
    image_size = check_int("image_size", image_size, minimum=4)
    if image_size % 4:
        raise ValueError(f"image_size must be divisible by 4 (two 2x2 pools), "
                         f"got {image_size}")
    return channels, kernel, image_size, check_int("n_classes", n_classes, minimum=2)


def count_parameters(channels=(8, 16), kernel: int = 5, image_size: int = 28,
                     n_classes: int = 10, in_channels: int = 1) -> int:
    """Weights and biases of the network: each convolution has C_out (C_in F^2 + 1),
    the linear layer n_classes (C2 (image_size / 4)^2 + 1)."""
    (C1, C2), kernel, image_size, n_classes = _check_config(channels, kernel,
                                                             image_size, n_classes)
    return (C1 * (in_channels * kernel**2 + 1) + C2 * (C1 * kernel**2 + 1)
            + n_classes * (C2 * (image_size // 4) ** 2 + 1))


class CNN:
    """The NumPy network with a hand-written backward pass; weights drawn from ``seed``
    with He's scale sqrt(2 / fan-in) (the layers feed ReLUs), biases zero."""

    def __init__(self, channels=(8, 16), kernel: int = 5, image_size: int = 28,
                 n_classes: int = 10, *, seed: int = 0):
        self.channels, self.kernel, self.image_size, self.n_classes = _check_config(
            channels, kernel, image_size, n_classes)
        (C1, C2), F_ = self.channels, self.kernel
        shapes = {"W1": (C1, 1, F_, F_), "W2": (C2, C1, F_, F_),
                  "W3": (n_classes, C2 * (image_size // 4) ** 2)}
        rng = numpy_rng(seed)
        self.params = {}
        for l in (1, 2, 3):
            shape = shapes[f"W{l}"]
            fan_in = int(np.prod(shape[1:]))
            self.params[f"W{l}"] = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
            self.params[f"b{l}"] = np.zeros(shape[0])
        self.cache = self.labels = None

    def _check_inputs(self, X) -> np.ndarray:
        X = check_array("X", X)
        expected = (1, self.image_size, self.image_size)
        if X.shape[1:] != expected:
            raise ValueError(f"X must have shape (m, {', '.join(map(str, expected))}), "
                             f"got {X.shape}")
        return X

    def forward(self, X, y=None) -> tuple[np.ndarray, float | None]:
        """Logits (m, n_classes) and, given labels y, the mean cross-entropy."""
        X, p, pad = self._check_inputs(X), self.params, self.kernel // 2
        Z1, conv1 = conv2d_forward(X, p["W1"], p["b1"], padding=pad)  # (m, C1, 28, 28)
        A1, pool1 = max_pool2d_forward(np.maximum(Z1, 0))              # (m, C1, 14, 14)
        Z2, conv2 = conv2d_forward(A1, p["W2"], p["b2"], padding=pad)  # (m, C2, 14, 14)
        A2, pool2 = max_pool2d_forward(np.maximum(Z2, 0))              # (m, C2, 7, 7)
        H = A2.reshape(len(X), -1)                                     # (m, C2 * 49)
        logits = H @ p["W3"].T + p["b3"]                               # (m, 10)
        self.cache = (Z1, conv1, pool1, Z2, conv2, pool2, H, logits)
        if y is None:
            self.labels = None
            return logits, None
        self.labels = y = check_labels(y, len(X), self.n_classes)
        loss = -np.mean(log_softmax(logits)[np.arange(len(X)), y])
        return logits, float(loss)

    def backward(self, dlogits: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Gradients of the last forward pass, layer by layer back: of its loss, or,
        given dJ/dlogits from a network above (chapter 11's captioner), of that J."""
        assert self.cache is not None, "call forward first"
        Z1, conv1, pool1, Z2, conv2, pool2, H, logits = self.cache
        if dlogits is None:
            assert self.labels is not None, "call forward(X, y) with labels first"
            dlogits = output_delta(logits, self.labels, "cross_entropy")  # (m, 10)
        grads = {"W3": dlogits.T @ H, "b3": dlogits.sum(axis=0)}
        dA2 = (dlogits @ self.params["W3"]).reshape(pool2[1].shape)     # (m, C2, 7, 7)
        dZ2 = max_pool2d_backward(dA2, pool2) * (Z2 > 0)                # pool, ReLU
        dA1, grads["W2"], grads["b2"] = conv2d_backward(dZ2, conv2)
        dZ1 = max_pool2d_backward(dA1, pool1) * (Z1 > 0)
        _, grads["W1"], grads["b1"] = conv2d_backward(dZ1, conv1)
        return grads

    def predict(self, X) -> np.ndarray:
        return self.forward(X)[0].argmax(axis=1)


class TorchCNN(torch.nn.Module):
    """The same network in PyTorch; the initial weights are drawn from ``seed``."""

    def __init__(self, channels=(8, 16), kernel: int = 5, image_size: int = 28,
                 n_classes: int = 10, dtype: torch.dtype = torch.float32, *,
                 seed: int = 0):
        super().__init__()
        self.channels, self.kernel, self.image_size, self.n_classes = _check_config(
            channels, kernel, image_size, n_classes)
        (C1, C2), pad = self.channels, self.kernel // 2
        with seeded(seed):
            self.conv1 = torch.nn.Conv2d(1, C1, kernel, padding=pad, dtype=dtype)
            self.conv2 = torch.nn.Conv2d(C1, C2, kernel, padding=pad, dtype=dtype)
            self.fc = torch.nn.Linear(C2 * (image_size // 4) ** 2, n_classes,
                                      dtype=dtype)

    @classmethod
    def from_numpy(cls, model: CNN) -> "TorchCNN":
        """A float64 twin holding exactly the NumPy model's weights."""
        twin = cls(model.channels, model.kernel, model.image_size, model.n_classes,
                   dtype=torch.float64)
        with torch.no_grad():
            for name, tensor in twin._named().items():
                tensor.copy_(torch.from_numpy(model.params[name]))
        return twin

    def _named(self) -> dict[str, torch.Tensor]:
        return dict(zip(PARAMETER_NAMES, (self.conv1.weight, self.conv1.bias,
                                          self.conv2.weight, self.conv2.bias,
                                          self.fc.weight, self.fc.bias)))

    def features(self, X: torch.Tensor) -> list[torch.Tensor]:
        """The activations after each ReLU: (m, C1, 28, 28) and (m, C2, 14, 14)."""
        A1 = F.relu(self.conv1(X))
        return [A1, F.relu(self.conv2(F.max_pool2d(A1, 2)))]

    def forward(self, X: torch.Tensor, y: torch.Tensor | None = None):
        if X.ndim != 4 or X.shape[1:] != (1, self.image_size, self.image_size):
            raise ValueError(f"X must have shape (m, 1, {self.image_size}, "
                             f"{self.image_size}), got {tuple(X.shape)}")
        A2 = F.max_pool2d(self.features(X)[1], 2)                       # (m, C2, 7, 7)
        logits = self.fc(A2.flatten(1))                                 # (m, 10)
        loss = None if y is None else F.cross_entropy(logits, y)
        return logits, loss

    def grads(self) -> dict[str, np.ndarray]:
        """Autograd's gradients under the NumPy model's names."""
        return {name: tensor.grad.detach().cpu().numpy()
                for name, tensor in self._named().items()}

    @torch.no_grad()
    def predict(self, X: torch.Tensor) -> torch.Tensor:
        return self(X)[0].argmax(dim=1)


def accuracy(model: torch.nn.Module, X, y, batch_size: int = 500) -> float:
    """Fraction of images a torch classifier labels correctly, in batches."""
    X, y = as_tensor_for(model, X), np.asarray(y)
    predicted = np.concatenate([model.predict(X[i:i + batch_size]).cpu().numpy()
                                for i in range(0, len(X), batch_size)])
    return float((predicted == y).mean())


def saliency(model: torch.nn.Module, image, label: int) -> np.ndarray:
    """|d logit_label / d pixel| (Simonyan et al. 2014): how much a small change of
    each pixel would move the class's score, (H, W)."""
    x = as_tensor_for(model, check_array("image", image, ndim=3))[None].requires_grad_()
    model(x)[0][0, label].backward()
    return x.grad[0].abs().amax(dim=0).cpu().numpy()


@torch.no_grad()
def occlusion(model: torch.nn.Module, image, label: int, patch: int = 6,
              stride: int = 2) -> np.ndarray:
    """Probability of ``label`` with a grey square (the image's mean) of side ``patch``
    over each position (Zeiler and Fergus 2014): where it drops, the network looked.
    One value per patch position, (positions, positions)."""
    image = check_array("image", image, ndim=3)
    patch = check_int("patch", patch, minimum=1)
    stride = check_int("stride", stride, minimum=1)
    size = image.shape[-1]
    corners = range(0, size - patch + 1, stride)
    batch = []
    for top in corners:
        for left in corners:
            covered = image.copy()
            covered[:, top:top + patch, left:left + patch] = image.mean()
            batch.append(covered)
    probs = torch.softmax(model(as_tensor_for(model, np.stack(batch)))[0], dim=1)
    return probs[:, label].cpu().numpy().reshape(len(corners), len(corners))


def shipped_comparison() -> dict:
    """The figures of ``python -m benchmarks.cnn --save``, shipped as
    ``assets/cnn_vs_mlp.json`` (how they were made: ``assets/SOURCE.md``)."""
    text = (resources.files("dlbook") / "assets" / "cnn_vs_mlp.json").read_text("utf-8")
    return json.loads(text)
