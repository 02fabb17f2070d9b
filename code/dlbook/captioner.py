"""A miniature NeuralTalk: a CNN reads a scene of two digits, an LSTM describes it in
words (chapter 11), from scratch in NumPy and in PyTorch.

The scenes. Two MNIST digits, shrunk to 14 x 14, sit in two cells of a 2 x 2 grid of a
28 x 28 image, one above the other or side by side. The caption names them in reading
order, top first or left first:

    "a 3 above a 7"        "an 8 to the left of a 7"

so each scene has exactly one correct caption. ``HELD_OUT_PAIRS`` lists 20 ordered
pairs (first digit, second digit) that no training scene shows, in either arrangement;
testing on them asks whether the model composes what it learned, rather than recalls
a caption it has seen. Every digit appears as the first and as the second digit of
training scenes in both arrangements.

The model (Karpathy and Fei-Fei 2015; Vinyals et al. 2015). Words are integers in
``WORDS``; index 0 stands for both the start and the end of a caption, as in
Karpathy's NeuralTalk. For a batch of images X: (B, 1, 28, 28) and captions
w_1 .. w_n,

    v    = CNN(X)                         chapter 09's network, its last layer (B, K)
    x_t  = [E[w_{t-1}], v]                the word's embedding (E: (V, D)), the image;
                                          w_0 = start
    h_t, c_t = LSTM(x_t, h_{t-1}, c_{t-1})  chapter 04's cell, from h_0 = c_0 = 0
    o_t  = W_o h_t + b_o                  scores of the next word, (B, V)

The image enters at every step, as in the RNN generator of Karpathy's NeuralTalk by
default (its LSTM reads the image once, as its first input, as Vinyals et al.'s does).
With the little training a laptop gives, first-step variants (also the initial state
h_0 = tanh(v)) learn only the language: the CNN's output grows until tanh and the gates
saturate and no gradient reaches it. The loss is the mean cross-entropy of every word
and of the end token. Captions of
different lengths share a batch: positions past a caption's end carry the target -1
and are not scored.

``Captioner`` (NumPy) backpropagates by hand through ``gated.lstm_backward`` and
``cnn.CNN.backward``; ``TorchCaptioner`` is the same model of torch layers with the
same parameter names, and ``from_numpy`` gives it the NumPy model's weights for the
twin tests. ``beam_search`` decodes (beam size 1 is greedy decoding), ``bleu`` and
``exact_match`` score captions, and ``nearest_neighbour_captions`` is the retrieval
baseline (Devlin et al. 2015): copy the caption of the most similar training scene.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from importlib import resources

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import trange

from ._checks import check_array, check_choice, check_int
from .activations import log_softmax, softmax
from .cnn import CNN, TorchCNN
from .gated import init_cell_params, lstm_backward, lstm_forward
from .training import update
from .utils import as_tensor_for, numpy_rng, seeded

WORDS = ("<end>", "a", "an", *map(str, range(10)), "above", "to", "the", "left", "of")
INDEX = {word: i for i, word in enumerate(WORDS)}
END = 0                 # also the start token: the model reads it before the first word
RELATIONS = ("above", "left")
MAX_WORDS = 8           # "a 3 to the left of a 7"
IGNORE = -1             # target past a caption's end
# Ordered pairs that no training scene shows: the second digit is 1 or 4 more than the
# first (mod 10), so each digit is first in two of them and second in two.
HELD_OUT_PAIRS = frozenset((d, (d + k) % 10) for d in range(10) for k in (1, 4))
ENCODER_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
DECODER_NAMES = ("E", "W_x", "W_h", "b", "W_o", "b_o")


def caption_words(first: int, relation: str, second: int) -> list[str]:
    """The one correct caption of a scene, as words ("an 8", "a" before the others)."""
    check_choice("relation", relation, RELATIONS)
    one, two = ([article(d), str(d)] for d in (first, second))
    if relation == "above":
        return [*one, "above", *two]
    return [*one, "to", "the", "left", "of", *two]


def article(digit: int) -> str:
    """English says "an 8" ("an eight") and "a" before every other digit."""
    return "an" if digit == 8 else "a"


def encode(words) -> np.ndarray:
    """Word indices of a caption, with the end token appended."""
    unknown = [w for w in words if w not in INDEX or w == WORDS[END]]
    if unknown:
        raise ValueError(f"words not in the captioner's vocabulary: {unknown}")
    return np.array([INDEX[w] for w in words] + [END])


def decode(indices) -> str:
    """The caption's words up to its end token, as one string."""
    words = []
    for i in indices:
        if int(i) == END:
            break
        words.append(WORDS[int(i)])
    return " ".join(words)


def shrink(images: np.ndarray) -> np.ndarray:
    """28 x 28 digits averaged over 2 x 2 blocks into 14 x 14, (n, 1, 14, 14)."""
    images = check_array("images", images, ndim=4)
    n, c, h, w = images.shape
    return images.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))


@dataclass
class Scenes:
    """A batch of scenes: images X (n, 1, 28, 28), the model's inputs (start token
    and words, (n, 9)) and targets (words and end token, -1 past the end, (n, 9)),
    the captions as strings, and each scene's (first, relation index, second)."""
    X: np.ndarray
    inputs: np.ndarray
    targets: np.ndarray
    captions: list[str]
    combos: np.ndarray


def make_scenes(digits: np.ndarray, labels: np.ndarray, n: int, *, held_out: bool,
                seed: int) -> Scenes:
    """``n`` scenes made of the 14 x 14 ``digits``: with ``held_out`` False, only
    pairs outside ``HELD_OUT_PAIRS`` (training scenes); with True, only those pairs."""
    digits = check_array("digits", digits, ndim=4)
    if digits.shape[1:] != (1, 14, 14):
        raise ValueError(f"digits must be shrunk to (m, 1, 14, 14), got {digits.shape}")
    n = check_int("n", n, minimum=1)
    labels = np.asarray(labels)
    rng = numpy_rng(seed)
    pairs = [(a, b) for a in range(10) for b in range(10)
             if ((a, b) in HELD_OUT_PAIRS) == held_out]
    by_digit = [np.flatnonzero(labels == d) for d in range(10)]
    X = np.zeros((n, 1, 28, 28))
    inputs = np.full((n, MAX_WORDS + 1), END)
    targets = np.full((n, MAX_WORDS + 1), IGNORE)
    captions, combos = [], np.empty((n, 3), dtype=np.int64)
    for k in range(n):
        first, second = pairs[rng.integers(len(pairs))]
        relation = int(rng.integers(2))
        line = int(rng.integers(2))                   # which column, or which row
        cells = ([(0, line), (1, line)] if RELATIONS[relation] == "above"
                 else [(line, 0), (line, 1)])          # (row, column) of each digit
        for digit, (row, col) in zip((first, second), cells):
            image = digits[rng.choice(by_digit[digit])]
            X[k, :, 14 * row:14 * row + 14, 14 * col:14 * col + 14] = image
        words = caption_words(first, RELATIONS[relation], second)
        ids = encode(words)
        inputs[k, 1:len(ids)] = ids[:-1]
        targets[k, :len(ids)] = ids
        captions.append(" ".join(words))
        combos[k] = first, relation, second
    return Scenes(X, inputs, targets, captions, combos)


# ------------------------------------------------------------------------ NumPy model
class Captioner:
    """The NumPy model with a hand-written backward pass; the CNN's weights are drawn
    as in ``cnn.CNN``, the LSTM's as in ``gated``, embeddings ~ N(0, 1) and the
    output layer ~ U(-1/sqrt(H), 1/sqrt(H)), PyTorch's defaults."""

    def __init__(self, hidden_size: int = 64, embed_size: int = 16,
                 image_size: int = 32, channels=(8, 16), *, seed: int = 0):
        self.hidden_size = H = check_int("hidden_size", hidden_size, minimum=1)
        self.embed_size = D = check_int("embed_size", embed_size, minimum=1)
        self.image_size = K = check_int("image_size", image_size, minimum=1)
        self.encoder = CNN(channels, image_size=28, n_classes=K, seed=seed)
        rng = numpy_rng(seed + 1)
        bound = 1.0 / np.sqrt(H)
        self.params = dict(self.encoder.params)          # the very same arrays
        self.params["E"] = rng.standard_normal((len(WORDS), D))
        self.params.update(init_cell_params("lstm", D + K, H, rng=rng))
        self.params["W_o"] = rng.uniform(-bound, bound, (len(WORDS), H))
        self.params["b_o"] = rng.uniform(-bound, bound, len(WORDS))
        self.cache = None

    def _lstm(self) -> dict[str, np.ndarray]:
        return {name: self.params[name] for name in ("W_x", "W_h", "b")}

    def forward(self, X, inputs, targets=None) -> tuple[np.ndarray, float | None]:
        """Scores of the next word (B, T, V) and, given targets, the mean
        cross-entropy over the scored positions."""
        inputs = np.asarray(inputs)
        v, _ = self.encoder.forward(X)                           # (B, K)
        words = self.params["E"][inputs].transpose(1, 0, 2)      # (T, B, D)
        image = np.broadcast_to(v, (len(words), *v.shape))       # (T, B, K)
        (Hs, _), lstm_cache = lstm_forward(np.concatenate([words, image], axis=2),
                                           self._lstm())
        O = Hs @ self.params["W_o"].T + self.params["b_o"]       # (T, B, V)
        self.cache = (inputs, Hs, O, lstm_cache)
        if targets is None:
            return O.transpose(1, 0, 2), None
        targets = np.asarray(targets).T                          # (T, B)
        scored = targets != IGNORE
        log_p = log_softmax(O)[scored, targets[scored]]
        self.cache += (targets, scored)
        return O.transpose(1, 0, 2), float(-log_p.mean())

    def backward(self) -> dict[str, np.ndarray]:
        """Gradients of the last forward pass's loss: back through the output layer,
        the LSTM (BPTT), and from its inputs to the embeddings and to the CNN, which
        collects the gradient of every step, as a weight shared over time does."""
        assert self.cache is not None and len(self.cache) == 6, \
            "call forward(X, inputs, targets) with targets first"
        inputs, Hs, O, lstm_cache, targets, scored = self.cache
        dO = softmax(O)
        dO[scored, targets[scored]] -= 1.0
        dO *= scored[..., None] / scored.sum()                   # (T, B, V)
        grads = {"W_o": np.einsum("tbv,tbh->vh", dO, Hs), "b_o": dO.sum(axis=(0, 1))}
        lstm_grads, dx, _, _ = lstm_backward(dO @ self.params["W_o"], self._lstm(),
                                             lstm_cache)
        grads.update(lstm_grads)
        D = self.embed_size
        grads["E"] = np.zeros_like(self.params["E"])
        np.add.at(grads["E"], inputs.T, dx[..., :D])           # rows of the words read
        grads.update(self.encoder.backward(dx[..., D:].sum(axis=0)))
        return grads


# ------------------------------------------------------------------------ torch model
class TorchCaptioner(torch.nn.Module):
    """The same model in PyTorch, ``forward(X, inputs, targets=None) -> (scores,
    loss)``; the initial weights are drawn from ``seed``."""

    def __init__(self, hidden_size: int = 64, embed_size: int = 16,
                 image_size: int = 32, channels=(8, 16),
                 dtype: torch.dtype = torch.float32, *, seed: int = 0):
        super().__init__()
        self.hidden_size = H = check_int("hidden_size", hidden_size, minimum=1)
        self.embed_size = D = check_int("embed_size", embed_size, minimum=1)
        self.image_size = K = check_int("image_size", image_size, minimum=1)
        self.encoder = TorchCNN(channels, image_size=28, n_classes=K, dtype=dtype,
                                seed=seed)
        with seeded(seed + 1):
            self.embed = torch.nn.Embedding(len(WORDS), D, dtype=dtype)
            self.lstm = torch.nn.LSTM(D + K, H, dtype=dtype)
            self.out = torch.nn.Linear(H, len(WORDS), dtype=dtype)

    @classmethod
    def from_numpy(cls, model: Captioner) -> "TorchCaptioner":
        """A float64 twin holding exactly the NumPy model's weights (the LSTM's b in
        bias_ih, bias_hh zero: only their sum matters)."""
        twin = cls(model.hidden_size, model.embed_size, model.image_size,
                   model.encoder.channels, dtype=torch.float64)
        with torch.no_grad():
            for name, tensor in twin._named().items():
                tensor.copy_(torch.from_numpy(model.params[name]))
            twin.lstm.bias_hh_l0.zero_()
        return twin

    def _named(self) -> dict[str, torch.Tensor]:
        named = self.encoder._named()
        named.update(E=self.embed.weight, W_x=self.lstm.weight_ih_l0,
                     W_h=self.lstm.weight_hh_l0, b=self.lstm.bias_ih_l0,
                     W_o=self.out.weight, b_o=self.out.bias)
        return named

    def image(self, X: torch.Tensor) -> torch.Tensor:
        """The CNN's description v of each image, (B, K)."""
        return self.encoder(X)[0]

    def step(self, words: torch.Tensor, v: torch.Tensor, state=None):
        """Steps over words (T, B) with image features v (B, K) from ``state`` (None:
        zeros): scores (T, B, V) and the new state."""
        x = torch.cat([self.embed(words), v.expand(len(words), -1, -1)], dim=2)
        H, state = self.lstm(x, state)
        return self.out(H), state

    def forward(self, X: torch.Tensor, inputs: torch.Tensor,
                targets: torch.Tensor | None = None):
        if X.ndim != 4 or inputs.shape != (len(X), inputs.shape[-1]):
            raise ValueError(f"X must be images (B, 1, 28, 28) and inputs (B, T) word "
                             f"indices, got {tuple(X.shape)} and {tuple(inputs.shape)}")
        scores, _ = self.step(inputs.T, self.image(X))           # (T, B, V)
        scores = scores.transpose(0, 1)                          # (B, T, V)
        loss = None if targets is None else F.cross_entropy(
            scores.flatten(0, 1), targets.flatten(), ignore_index=IGNORE)
        return scores, loss

    def grads(self) -> dict[str, np.ndarray]:
        """Autograd's gradients under the NumPy model's names."""
        return {name: tensor.grad.detach().cpu().numpy()
                for name, tensor in self._named().items()}


def train_captioner(model: TorchCaptioner, digits, labels, *, steps: int,
                    batch_size: int = 64, lr: float = 3e-3,
                    seed: int = 0) -> list[float]:
    """Adam on ``steps`` batches of fresh training scenes (no held-out pair), made from
    the 14 x 14 ``digits``, with a progress bar; returns the loss of every step."""
    steps = check_int("steps", steps, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    scenes = make_scenes(digits, labels, steps * batch_size, held_out=False, seed=seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    X, inputs, targets = (as_tensor_for(model, a)
                          for a in (scenes.X, scenes.inputs, scenes.targets))
    losses = []
    for step in trange(steps, desc="captioner", leave=False):
        rows = slice(step * batch_size, (step + 1) * batch_size)   # scenes are random
        losses.append(update(optimizer, model(X[rows], inputs[rows], targets[rows])[1]))
    return losses


# ------------------------------------------------------------------------- decoding
@torch.no_grad()
def beam_search(model: TorchCaptioner, X, beam_size: int = 3,
                max_words: int = MAX_WORDS) -> tuple[list[str], np.ndarray]:
    """The caption of highest log-probability each search finds, and that
    log-probability, for every image of X. Each step extends every caption kept by
    every word and keeps the ``beam_size`` most probable; a caption that has ended
    stays as it is. Beam size 1 is greedy decoding: always the likeliest next word."""
    k = check_int("beam_size", beam_size, minimum=1)
    X = as_tensor_for(model, check_array("X", X, ndim=4))
    B, V, device = len(X), len(WORDS), X.device
    v = model.image(X).repeat_interleave(k, dim=0)                       # (Bk, K)
    state = None
    score = torch.full((B, k), -torch.inf, dtype=v.dtype, device=device)
    score[:, 0] = 0.0                          # one live caption to start from
    words = torch.full((B, k, 0), END, device=device)
    done = torch.zeros(B, k, dtype=torch.bool, device=device)
    last = torch.full((B * k,), END, device=device)
    ended = torch.full((V,), -torch.inf, dtype=v.dtype, device=device)
    ended[END] = 0.0                           # an ended caption can only stay ended
    for _ in range(max_words + 1):
        scores, (h, c) = model.step(last[None], v, state)
        log_p = torch.log_softmax(scores[0], dim=-1).view(B, k, V)
        log_p = torch.where(done[..., None], ended, log_p)
        score, flat = (score[..., None] + log_p).view(B, k * V).topk(k, dim=1)
        beam, last = flat // V, flat % V                 # which caption, which word
        rows = (torch.arange(B, device=device)[:, None] * k + beam).flatten()
        state = h[:, rows], c[:, rows]
        kept = words.gather(1, beam[..., None].expand(-1, -1, words.shape[2]))
        words = torch.cat([kept, last[..., None]], dim=2)
        done = done.gather(1, beam) | (last == END)
        last = last.flatten()
        if done.all():
            break
    captions = [decode(words[b, 0].tolist()) for b in range(B)]
    return captions, score[:, 0].cpu().numpy()


# ---------------------------------------------------------------------- evaluation
def _check_pairs(candidates, references) -> None:
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} candidates for {len(references)} "
                         "references")


def exact_match(candidates, references) -> float:
    """Fraction of captions identical to their reference."""
    _check_pairs(candidates, references)
    return float(np.mean([c == r for c, r in zip(candidates, references)]))


def bleu(candidates, references, max_n: int = 4) -> float:
    """Corpus BLEU (Papineni et al. 2002) with one reference per caption: the
    geometric mean of the clipped n-gram precisions, n = 1..max_n, each summed over
    the corpus, times the brevity penalty exp(1 - r / c) when the candidates' c words
    are fewer than the references' r. Captions are strings of space-separated words."""
    _check_pairs(candidates, references)
    max_n = check_int("max_n", max_n, minimum=1)
    matched, total = np.zeros(max_n), np.zeros(max_n)
    c_len = r_len = 0
    for candidate, reference in zip(candidates, references):
        cand, ref = candidate.split(), reference.split()
        c_len, r_len = c_len + len(cand), r_len + len(ref)
        for n in range(1, max_n + 1):
            cand_grams = Counter(tuple(cand[i:i + n]) for i in range(len(cand) - n + 1))
            ref_grams = Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1))
            matched[n - 1] += sum(min(k, ref_grams[g]) for g, k in cand_grams.items())
            total[n - 1] += max(len(cand) - n + 1, 0)
    if c_len == 0 or np.any(matched == 0):
        return 0.0
    brevity = min(1.0, np.exp(1 - r_len / c_len))
    return float(brevity * np.exp(np.mean(np.log(matched / total))))


def nearest_neighbour_captions(train_features, train_captions, features) -> list[str]:
    """For each row of ``features``, the caption of the training scene whose features
    are closest (Euclidean): a caption can only be one the training set holds."""
    train_features = check_array("train_features", train_features, ndim=2)
    features = check_array("features", features, ndim=2)
    distances = ((features ** 2).sum(1)[:, None] - 2 * features @ train_features.T
                 + (train_features ** 2).sum(1)[None])
    return [train_captions[i] for i in distances.argmin(axis=1)]


@torch.no_grad()
def greedy_steps(model: TorchCaptioner, image,
                 top: int = 3) -> list[list[tuple[str, float]]]:
    """Greedy decoding of one image, step by step: at each step the ``top`` likeliest
    words and their probabilities, the first of them the word chosen."""
    v = model.image(as_tensor_for(model, check_array("image", image, ndim=3))[None])
    word, state, steps = torch.full((1, 1), END, device=v.device), None, []
    for _ in range(MAX_WORDS + 1):
        scores, state = model.step(word, v, state)
        p, index = torch.softmax(scores[0, 0], dim=-1).topk(top)
        steps.append([(WORDS[i], float(q)) for q, i in zip(p.tolist(), index.tolist())])
        if index[0] == END:
            break
        word = index[:1][None]
    return steps


def evaluate(model: TorchCaptioner, test: Scenes, train: Scenes,
             beam_size: int = 3) -> dict[str, dict[str, float]]:
    """Exact match and BLEU on ``test`` of four captioners: nearest-neighbour
    retrieval from ``train`` by pixels and by the model's CNN features, and the model
    with greedy decoding and with beam search."""
    with torch.no_grad():
        features = [model.image(as_tensor_for(model, scenes.X)).cpu().numpy()
                    for scenes in (train, test)]
    captions = {
        "retrieval, pixels": nearest_neighbour_captions(
            train.X.reshape(len(train.X), -1), train.captions,
            test.X.reshape(len(test.X), -1)),
        "retrieval, CNN features": nearest_neighbour_captions(
            features[0], train.captions, features[1]),
        "greedy": beam_search(model, test.X, 1)[0],
        f"beam {beam_size}": beam_search(model, test.X, beam_size)[0],
    }
    return {name: {"exact": exact_match(found, test.captions),
                   "bleu": bleu(found, test.captions)}
            for name, found in captions.items()}


def shipped_scores() -> dict:
    """The figures of ``python -m benchmarks.captioner --save``, shipped as
    ``assets/captioner.json`` (how they were made: ``assets/SOURCE.md``)."""
    text = (resources.files("dlbook") / "assets" / "captioner.json").read_text("utf-8")
    return json.loads(text)
