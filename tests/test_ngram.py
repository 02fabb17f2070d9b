"""The Kneser-Ney model: a proper distribution, equal to a plain dictionary version of the
same formula, and better than lower orders on text with structure."""
from collections import Counter, defaultdict

import numpy as np
import pytest

from dlbook import ngram


def reference_kneser_ney(train, V, order, d=0.75):
    """The formula of the module docstring with dictionaries, one probability at a time."""
    train = list(train)
    top = Counter(tuple(train[i:i + order]) for i in range(len(train) - order + 1))
    counts = {order: top}
    for k in range(order - 1, 0, -1):      # continuation: distinct left neighbours
        before = defaultdict(set)
        for gram in counts[k + 1]:
            before[gram[1:]].add(gram[0])
        counts[k] = Counter({gram: len(left) for gram, left in before.items()})

    def prob(context, c):
        p = 1.0 / V
        for k in range(1, order + 1):
            h = tuple(context[len(context) - (k - 1):]) if k > 1 else ()
            table = counts[k]
            total = sum(n for gram, n in table.items() if gram[:-1] == h)
            if total == 0:
                continue
            types = sum(1 for gram in table if gram[:-1] == h)
            p = (max(table.get(h + (c,), 0) - d, 0) + d * types * p) / total
        return p
    return prob


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_kneser_ney_equals_the_dictionary_version(order):
    rng = np.random.default_rng(order)
    V = 5
    train = rng.choice(V, size=300, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    test = np.append(rng.integers(0, V, 40), [4, 4, 4, 4])     # includes unseen contexts
    model = ngram.KneserNey(train, V, order)
    prob = reference_kneser_ney(train, V, order)
    expected = [np.log(prob(test[t - order + 1:t], test[t])) for t in range(order - 1, len(test))]
    assert np.allclose(model.log_probs(test), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("order", [2, 3, 5])
def test_kneser_ney_probabilities_sum_to_one_after_seen_and_unseen_contexts(order):
    rng = np.random.default_rng(0)
    V = 6
    train = rng.integers(0, V - 1, 500)          # character 5 never appears in training
    model = ngram.KneserNey(train, V, order)
    for context in (train[10:10 + order - 1], np.full(order - 1, 5)):
        total = sum(np.exp(model.log_probs(np.append(context, c)))[0] for c in range(V))
        assert total == pytest.approx(1.0, abs=1e-12)


def test_longer_contexts_help_on_text_with_structure():
    text = np.tile([0, 1, 2, 3, 2, 1], 200)        # the next id depends on two previous
    train, val = text[:1000], text[1000:]
    losses = [ngram.kneser_ney_loss(train, val, 4, n) for n in (1, 2, 3)]
    assert losses[0] > losses[1] > losses[2] and losses[2] < 0.05


@pytest.mark.parametrize("kwargs, match", [
    ({"order": 0}, "order"),
    ({"order": 11}, "64 bits"),
    ({"discount": 1.0}, "discount"),
    ({"vocab_size": 3}, r"\[0, 3\)"),
])
def test_bad_arguments_are_refused(kwargs, match):
    args = {"train_ids": np.arange(5) % 4, "vocab_size": 65, "order": 3, **kwargs}
    with pytest.raises(ValueError, match=match):
        ngram.KneserNey(**args)
