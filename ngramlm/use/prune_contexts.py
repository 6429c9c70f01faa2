"""Which back-off weights SRILM writes after pruning: its context nodes.

SRILM keeps a back-off weight for each context node of its trie. Pruning (Ngram::pruneProbs) walks the contexts
longest first and removes a context node whose n-grams were all pruned (or which had none) unless a longer context
ends with it; the remaining nodes keep a weight, written even when it is 0 (an n-gram `y` that only ends the
context `x y` is written as `-0.60206 y 0`), and the removed ones lose theirs. In ngramlm's models a written zero
weight is -0.0 (formats.arpa.shown_weights), so the rule comes down to the signs of zero weights.

In:  the model before pruning, the model after it (same vocabulary, n-grams a subset), -minprune.
Out: the pruned model with its zero back-off weights signed as SRILM writes them.
"""
from __future__ import annotations

import numpy as np

from ..core.index import sort_keys
from ..core.model import BackoffModel


def _member(rows: np.ndarray, table: np.ndarray) -> np.ndarray:
    """For each row of `table`, whether it is one of `rows` (both (m, k) id arrays)."""
    if not len(rows) or not len(table):
        return np.zeros(len(table), dtype=bool)
    size = int(max(rows.max(), table.max())) + 1
    return np.isin(sort_keys(table, size), sort_keys(rows, size))


def _shown_before(model: BackoffModel, k: int) -> np.ndarray:
    """The k+1-grams that had a context node before pruning: a weight written, or a longer n-gram after them."""
    bows = model.logbow[k]
    node = (bows != 0) | np.signbit(bows)
    if k + 1 < model.order:
        node |= _member(model.ngrams[k + 1][:, :-1], model.ngrams[k])
    return node


def srilm_context_weights(before: BackoffModel, after: BackoffModel, min_order: int = 2) -> BackoffModel:
    """`after` (pruned from `before` with -minprune `min_order`) with SRILM's context nodes: a zero weight is
    written (-0.0) for each node that pruning keeps, and not (+0.0) for each node it removes."""
    logbow = [b.copy() for b in after.logbow]
    kept_longer: np.ndarray | None = None  # the kept context nodes one word longer
    for k in range(after.order - 2, -1, -1):  # contexts of k+1 words, longest first
        grams = after.ngrams[k]
        if k + 1 >= min_order - 1:
            node = _member(after.ngrams[k + 1][:, :-1], grams)
            if kept_longer is not None and len(kept_longer):
                node |= _member(kept_longer[:, 1:], grams)
        else:  # not walked by pruning: as before
            node = _member(before.ngrams[k][_shown_before(before, k)], grams)
        zero = logbow[k] == 0
        logbow[k][zero & node] = -0.0
        logbow[k][zero & ~node] = 0.0
        kept_longer = grams[node]
    return BackoffModel(after.vocab, after.ngrams, after.logprob, logbow)
