import itertools
import math

import numpy as np
import pytest
import torch

from dlbook import captioner as cap
from dlbook import data
from dlbook.gradcheck import check_gradients
from helpers import assert_twins_agree


@pytest.fixture(scope="module")
def digits():
    split = data.load_mnist(n_train=2_000)
    return cap.shrink(split.X_train), split.y_train


def small_model(seed=0):
    return cap.Captioner(hidden_size=6, embed_size=3, image_size=4, channels=(2, 3),
                         seed=seed)


# ---------------------------------------------------------------------------- scenes
def test_captions_name_the_digits_in_reading_order_with_the_right_article():
    assert cap.caption_words(3, "above", 7) == ["a", "3", "above", "a", "7"]
    assert " ".join(cap.caption_words(8, "left", 1)) == "an 8 to the left of a 1"
    assert cap.decode(cap.encode(cap.caption_words(0, "left", 8))) == "a 0 to the left of an 8"
    assert len(cap.caption_words(2, "left", 2)) == cap.MAX_WORDS
    with pytest.raises(ValueError, match="relation"):
        cap.caption_words(1, "below", 2)
    with pytest.raises(ValueError, match="vocabulary"):
        cap.encode(["a", "cat"])


def test_held_out_pairs_leave_every_digit_in_every_slot_of_training():
    assert len(cap.HELD_OUT_PAIRS) == 20
    training = [(a, b) for a in range(10) for b in range(10)
                if (a, b) not in cap.HELD_OUT_PAIRS]
    assert {a for a, _ in training} == {b for _, b in training} == set(range(10))
    assert all(sum(a == d for a, _ in cap.HELD_OUT_PAIRS) == 2 for d in range(10))


@pytest.mark.parametrize("held_out", [False, True])
def test_scenes_hold_their_captions_digits_where_the_caption_says(digits, held_out):
    images, labels = digits
    scenes = cap.make_scenes(images, labels, 200, held_out=held_out, seed=1)
    assert scenes.X.shape == (200, 1, 28, 28)
    pairs = {(a, b) for a, _, b in scenes.combos}
    assert (pairs <= cap.HELD_OUT_PAIRS) if held_out else not pairs & cap.HELD_OUT_PAIRS
    assert set(scenes.combos[:, 1]) == {0, 1}             # both arrangements occur
    for x, (first, relation, second), caption, inputs, targets in zip(
            scenes.X, scenes.combos, scenes.captions, scenes.inputs, scenes.targets):
        assert caption == " ".join(cap.caption_words(first, cap.RELATIONS[relation],
                                                     second))
        ink = [x[0, r:r + 14, c:c + 14].sum() > 0 for r in (0, 14) for c in (0, 14)]
        assert sum(ink) == 2                                   # two cells, two digits
        rows, cols = np.nonzero(np.array(ink).reshape(2, 2))
        assert (len(set(cols)) == 1) == (relation == 0)        # above: one column
        n = len(caption.split()) + 1
        assert cap.decode(targets[:n]) == caption and targets[n - 1] == cap.END
        assert (targets[n:] == cap.IGNORE).all()
        assert inputs[0] == cap.END and np.array_equal(inputs[1:n], targets[:n - 1])
    # the digit images are the shipped ones, unchanged
    first = scenes.X[0, 0]
    assert any(np.array_equal(first[r:r + 14, c:c + 14], image[0])
               for image in images for r in (0, 14) for c in (0, 14)
               if first[r:r + 14, c:c + 14].sum() > 0)


def test_same_seed_same_scenes_and_bad_digits_are_refused(digits):
    images, labels = digits
    a = cap.make_scenes(images, labels, 20, held_out=False, seed=3)
    b = cap.make_scenes(images, labels, 20, held_out=False, seed=3)
    assert np.array_equal(a.X, b.X) and a.captions == b.captions
    with pytest.raises(ValueError, match="14, 14"):
        cap.make_scenes(np.zeros((5, 1, 28, 28)), labels[:5], 3, held_out=False, seed=0)


def test_shrink_averages_two_by_two_blocks():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    assert np.array_equal(cap.shrink(x)[0, 0], [[2.5, 4.5], [10.5, 12.5]])


# --------------------------------------------------------------------------- twins
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("batch", [1, 5])
def test_scratch_captioner_agrees_with_torch_in_values_and_every_gradient(digits, seed,
                                                                          batch):
    images, labels = digits
    scenes = cap.make_scenes(images, labels, batch, held_out=bool(seed), seed=seed)
    model = small_model(seed)
    for name in ("b1", "b2", "b3"):          # non-zero biases, so their path is tested
        model.params[name][:] = np.random.default_rng(seed).standard_normal(
            model.params[name].shape)
    scores, J = model.forward(scenes.X, scenes.inputs, scenes.targets)
    assert scores.shape == (batch, cap.MAX_WORDS + 1, len(cap.WORDS))
    twin = cap.TorchCaptioner.from_numpy(model)
    scores_t, J_t = twin(torch.from_numpy(scenes.X), torch.from_numpy(scenes.inputs),
                         torch.from_numpy(scenes.targets))
    assert_twins_agree(model, twin, scores, J, scores_t, J_t)


def test_the_loss_scores_only_the_words_of_each_caption(digits):
    images, labels = digits
    scenes = cap.make_scenes(images, labels, 4, held_out=False, seed=2)
    model = small_model()
    scores, J = model.forward(scenes.X, scenes.inputs, scenes.targets)
    log_p = scores - np.log(np.exp(scores).sum(-1, keepdims=True))
    picked = [log_p[b, t, w] for b, row in enumerate(scenes.targets)
              for t, w in enumerate(row) if w != cap.IGNORE]
    assert len(picked) == sum(len(c.split()) + 1 for c in scenes.captions)
    assert J == pytest.approx(-np.mean(picked), rel=1e-12)


def test_scratch_captioner_gradients_equal_finite_differences(digits):
    images, labels = digits
    scenes = cap.make_scenes(images, labels, 3, held_out=False, seed=5)
    model = small_model(seed=2)
    for name in ("b1", "b2"):   # away from zero: blank regions put ReLUs at their kink
        model.params[name][:] = 0.1 + np.random.default_rng(2).random(
            model.params[name].shape)

    def loss():
        return model.forward(scenes.X, scenes.inputs, scenes.targets)[1]

    loss()
    errors = check_gradients(loss, model.params, model.backward())
    assert max(errors.values()) < 1e-5, errors


def test_seed_fixes_both_models_and_bad_inputs_are_refused():
    a, b = cap.Captioner(seed=4), cap.Captioner(seed=4)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert set(a.params) == set(cap.ENCODER_NAMES) | set(cap.DECODER_NAMES)
    t = cap.TorchCaptioner(seed=4)
    assert torch.equal(t.lstm.weight_ih_l0, cap.TorchCaptioner(seed=4).lstm.weight_ih_l0)
    assert not torch.equal(t.embed.weight, cap.TorchCaptioner(seed=5).embed.weight)
    with pytest.raises(ValueError, match="inputs"):
        t(torch.zeros(2, 1, 28, 28), torch.zeros(3, 9, dtype=torch.long))
    with pytest.raises(ValueError, match="hidden_size"):
        cap.TorchCaptioner(hidden_size=0)
    with pytest.raises(AssertionError, match="targets"):
        cap.Captioner(hidden_size=4, image_size=2).backward()


# ------------------------------------------------------------------------- decoding
def sequence_log_prob(model, x, words):
    """log p(words | image) by teacher forcing, words ending with END or cut short."""
    inputs = torch.tensor([[cap.END, *words[:-1]]])
    scores, _ = model(x[None], inputs)
    log_p = torch.log_softmax(scores[0], dim=-1)
    return sum(log_p[t, w].item() for t, w in enumerate(words))


@pytest.fixture(scope="module")
def random_twin():
    return cap.TorchCaptioner.from_numpy(small_model(seed=7))


def test_beam_search_with_a_wide_beam_finds_the_best_caption_by_brute_force(random_twin):
    x = torch.from_numpy(np.random.default_rng(0).random((2, 1, 28, 28)))
    V = len(cap.WORDS)
    captions, scores = cap.beam_search(random_twin, x, beam_size=V * V, max_words=1)
    for b in range(2):
        best, best_words = -math.inf, None
        for first, second in itertools.product(range(V), repeat=2):
            words = [first] if first == cap.END else [first, second]
            lp = sequence_log_prob(random_twin, x[b], words)
            if lp > best:
                best, best_words = lp, words
        assert scores[b] == pytest.approx(best, abs=1e-10)
        assert captions[b] == cap.decode(best_words)


def test_greedy_decoding_takes_the_likeliest_word_at_every_step(random_twin):
    x = torch.from_numpy(np.random.default_rng(1).random((3, 1, 28, 28)))
    captions, scores = cap.beam_search(random_twin, x, beam_size=1)
    for b in range(3):
        steps = cap.greedy_steps(random_twin, x[b].numpy())
        words = [cap.INDEX[top[0][0]] for top in steps]
        assert captions[b] == cap.decode(words)
        assert all(top[0][1] >= p for top in steps for _, p in top)
        assert scores[b] == pytest.approx(sequence_log_prob(random_twin, x[b], words),
                                          abs=1e-10)
    wider = cap.beam_search(random_twin, x, beam_size=4)[1]
    assert (wider >= scores - 1e-12).all()


def test_a_short_training_run_learns_to_caption(digits):
    images, labels = digits
    model = cap.TorchCaptioner(seed=0)
    losses = cap.train_captioner(model, images, labels, steps=400, seed=0)
    assert np.mean(losses[-20:]) < 0.6 * np.mean(losses[:20])
    test = cap.make_scenes(images, labels, 100, held_out=False, seed=9)
    captions, _ = cap.beam_search(model, test.X, beam_size=1)
    # every caption is well formed: the grammar is learned before the digits
    assert all(c.split()[0] in ("a", "an") and ("above" in c or "left" in c)
               for c in captions)


# ----------------------------------------------------------------------- evaluation
def test_bleu_by_hand_and_its_brevity_penalty():
    assert cap.bleu(["a 3 above a 7"], ["a 3 above a 7"]) == pytest.approx(1.0)
    # precisions 4/5, 3/4, 2/3, 1/2; equal lengths, no penalty
    assert cap.bleu(["a 3 above a 1"], ["a 3 above a 7"]) == pytest.approx(0.2 ** 0.25)
    # a clipped count: "a a a a" matches "a" only twice
    assert cap.bleu(["a a a a"], ["a 3 above a"], max_n=1) == pytest.approx(0.5)
    # a short candidate: every n-gram matches, the penalty is exp(1 - 5/4)
    assert cap.bleu(["a 3 above a"], ["a 3 above a 7"]) == pytest.approx(math.exp(-0.25))
    assert cap.bleu(["7 a"], ["a 7"]) == 0.0                   # no bigram in common
    # corpus-level: counts are pooled before the mean, not averaged per caption
    pooled = cap.bleu(["a 3 above a 7", "a 1 above a 2"],
                      ["a 3 above a 7", "a 1 above a 5"], max_n=2)
    assert pooled == pytest.approx(math.sqrt(9 / 10 * 7 / 8))
    with pytest.raises(ValueError, match="2 candidates for 1"):
        cap.bleu(["a", "b"], ["a"])


def test_exact_match_and_nearest_neighbour_captions():
    assert cap.exact_match(["a 1 above a 2", "x"], ["a 1 above a 2", "y"]) == 0.5
    train = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    found = cap.nearest_neighbour_captions(train, ["zero", "right", "up"],
                                           [[9.0, 1.0], [1.0, 8.0], [0.5, 0.5]])
    assert found == ["right", "up", "zero"]


def test_shipped_scores_are_a_run_of_the_benchmark():
    shipped = cap.shipped_scores()
    assert [run["seed"] for run in shipped["runs"]] == [0, 1, 2]
    for test_set, methods in shipped["medians"].items():
        for method, median in methods.items():
            runs = sorted(r["scores"][test_set][method]["exact"] for r in shipped["runs"])
            assert median["exact"] == runs[1]
    new = shipped["medians"]["new pairs"]
    # retrieval can only copy a training caption, and no training scene shows a new pair
    assert all(r["scores"]["new pairs"][m]["exact"] == 0.0 for r in shipped["runs"]
               for m in ("retrieval, pixels", "retrieval, CNN features"))
    assert new["greedy"]["exact"] > 0.5
    assert new["beam 3"]["bleu"] > new["retrieval, CNN features"]["bleu"]
