"""Character n-gram models that only count: interpolated Kneser-Ney (chapter 08).

The strongest of the classic count-based language models (Kneser & Ney 1995, in the
interpolated form that Chen & Goodman 1999 found best). For a context h of n - 1
characters and a next character c,

    P(c | h) = max(N(h c) - d, 0) / N(h .)  +  d * N1+(h .) / N(h .) * P(c | h')

where h' drops the oldest character of h, N counts, N1+(h .) is the number of distinct
characters seen after h, and d = 0.75 is subtracted from every seen count to pay for the
unseen ones. At the highest order N is the ordinary count; at the lower orders it is the
*continuation* count, the number of distinct characters seen before h' c, because a
lower order is only consulted when the longer context was rare. The recursion ends at
the uniform distribution over the vocabulary. A context never seen in training passes
all of its probability to the next lower order.

Every k-gram is stored as one integer, its characters as digits in base V, and looked up
with ``np.searchsorted`` in the sorted table of the training k-grams.
"""
from __future__ import annotations

import numpy as np

from ._checks import check_float, check_int


def _codes(ids: np.ndarray, k: int, V: int) -> np.ndarray:
    """The k-gram starting at each position, as an integer in base V:
    (len(ids) - k + 1,)."""
    code = np.zeros(len(ids) - k + 1, dtype=np.int64)
    for j in range(k):
        code = code * V + ids[j:len(ids) - k + 1 + j]
    return code


def _lookup(table: np.ndarray, values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """values[i] where table[i] == key, else 0; ``table`` is sorted and unique."""
    i = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    return np.where(table[i] == keys, values[i], 0)


class KneserNey:
    """An interpolated Kneser-Ney model of order ``order`` (1 = unigram) fitted to
    ids."""

    def __init__(self, train_ids, vocab_size: int, order: int, discount: float = 0.75):
        self.V = check_int("vocab_size", vocab_size, minimum=1)
        self.order = check_int("order", order, minimum=1)
        if self.V ** self.order >= 2**63:
            raise ValueError(f"order {order} is too high for {self.V} characters: the "
                             "n-grams' codes must fit in 64 bits")
        self.d = check_float("discount", discount, minimum=0.0, strict=True)
        if self.d >= 1:
            raise ValueError(f"discount must lie in (0, 1), got {discount}")
        ids = np.asarray(train_ids, dtype=np.int64)
        if ids.ndim != 1 or len(ids) < order:
            raise ValueError(f"train_ids must be 1-D with at least {order} ids")
        if ids.min() < 0 or ids.max() >= self.V:
            raise ValueError(f"train_ids must lie in [0, {self.V})")
        # tables[k] for k-grams: (sorted codes, counts); counts are continuation counts
        # below the top order
        self.tables = {}
        for k in range(self.order, 0, -1):
            if k == self.order:
                grams, counts = np.unique(_codes(ids, k, self.V), return_counts=True)
            else:   # distinct characters before a k-gram: (k+1)-grams ending in it
                grams, counts = np.unique(self.tables[k + 1][0] % self.V**k,
                                          return_counts=True)
            contexts, first = np.unique(grams // self.V, return_index=True)
            totals = np.add.reduceat(counts, first)               # N(h .) per context
            types = np.diff(np.append(first, len(grams)))         # N1+(h .) per context
            self.tables[k] = (grams, counts, contexts, totals, types)

    def log_probs(self, ids) -> np.ndarray:
        """log P(ids[t] | the order - 1 ids before it), for
        t = order - 1, ..., len - 1."""
        ids = np.asarray(ids, dtype=np.int64)
        n = self.order
        if ids.ndim != 1 or len(ids) < n:
            raise ValueError(f"ids must be 1-D with at least {n} ids")
        targets = ids[n - 1:]
        p = np.full(len(targets), 1.0 / self.V)                   # order 0: uniform
        for k in range(1, n + 1):
            grams, counts, contexts, totals, types = self.tables[k]
            gram = _codes(ids[n - k:], k, self.V)           # context (k-1) + target
            context = gram // self.V
            seen = _lookup(grams, counts, gram).astype(float)
            total = _lookup(contexts, totals, context).astype(float)
            n_types = _lookup(contexts, types, context)
            known = total > 0                               # else keep the lower order
            safe = np.where(known, total, 1.0)
            mixed = (np.maximum(seen - self.d, 0.0) + self.d * n_types * p) / safe
            p = np.where(known, mixed, p)
        return np.log(p)


def kneser_ney_loss(train_ids, val_ids, vocab_size: int, order: int,
                    discount: float = 0.75) -> float:
    """Nats per character of an order-``order`` Kneser-Ney model on the validation ids
    (every character after the first ``order - 1``)."""
    model = KneserNey(train_ids, vocab_size, order, discount)
    return float(-model.log_probs(val_ids).mean())
