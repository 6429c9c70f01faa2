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

from ..core.index import rows_in
from ..core.model import BackoffModel


def _shown_before(model: BackoffModel, k: int) -> np.ndarray:
    """The k+1-grams that had a context node before pruning: a weight written, or a longer n-gram after them."""
    bows = model.logbow[k]
    node = (bows != 0) | np.signbit(bows)
    if k + 1 < model.order:
        node |= rows_in(model.ngrams[k], model.ngrams[k + 1][:, :-1])
    return node


def srilm_context_weights(before: BackoffModel, after: BackoffModel, min_order: int = 2) -> BackoffModel:
    """`after` (pruned from `before` with -minprune `min_order`) with SRILM's context nodes: a zero weight is
    written (-0.0) for each node that pruning keeps, and not (+0.0) for each node it removes."""
    logbow = [b.copy() for b in after.logbow]
    kept_longer: np.ndarray | None = None  # the kept context nodes one word longer
    for k in range(after.order - 2, -1, -1):  # contexts of k+1 words, longest first
        grams = after.ngrams[k]
        if k + 1 >= min_order - 1:
            node = rows_in(grams, after.ngrams[k + 1][:, :-1])
            if kept_longer is not None and len(kept_longer):
                node |= rows_in(grams, kept_longer[:, 1:])
        else:  # not walked by pruning: as before
            node = rows_in(grams, before.ngrams[k][_shown_before(before, k)])
        zero = logbow[k] == 0
        logbow[k][zero & node] = -0.0
        logbow[k][zero & ~node] = 0.0
        kept_longer = grams[node]
    return BackoffModel(after.vocab, after.ngrams, after.logprob, logbow)
