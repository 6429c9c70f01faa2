"""Operations that make a new back-off model from one: SRILM's model-changing options of `ngram`, written once
for every model, as methods BackoffModel inherits (ModelOperations). Each returns a new model of the same class
(the arrays it leaves unchanged are shared):

  at_order(n)          -order N: the n-grams up to order N, as they are
  lowercase()          -tolower: the words lower-cased, n-grams that become equal merged
  limit_vocab(words)   -limit-vocab: only the n-grams whose words are all in `words`
  with_vocabulary(v)   the model over another vocabulary (mixing needs every model over one)

SRILM's -renorm needs the estimators' normalisation, a room above: ngramlm.smoothing.backoff_weights.renormalize.
This module sits below model.py (which imports it), so it names the model's class only through `self`.

In:  a back-off model (as `self`) and the operation's argument: an order, a list of words, or a Vocabulary.
Out: a new model of the same class; the model itself where nothing changes (at_order at its own order, lowercase
     of a model without upper case, with_vocabulary of its own vocabulary).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

import numpy as np

from .errors import ModelError
from .io import lower_case
from .vocab import ID_DTYPE, UNK_ID, Vocabulary

if TYPE_CHECKING:
    from typing import Self  # Python 3.11+; annotations are not evaluated at run time here


def sort_ngrams(ngrams: np.ndarray, *columns: np.ndarray):
    """Sort the rows of an (m, n) id array lexicographically, carrying the parallel `columns` along."""
    if len(ngrams) == 0:
        return (ngrams, *columns)
    order = np.lexsort(ngrams.T[::-1])
    return (ngrams[order], *(c[order] for c in columns))


class ModelOperations:
    """The operations of a back-off model (BackoffModel's fields vocab, ngrams, logprob, logbow and its order)."""

    vocab: Vocabulary
    ngrams: list[np.ndarray]
    logprob: list[np.ndarray]
    logbow: list[np.ndarray]
    order: int

    def at_order(self, order: int) -> Self:
        """The n-grams up to `order` (SRILM's -order), each with its stored probability and back-off weight.

        The weights of the new highest order are kept as stored: nothing reads them (a history is at most
        order-1 words long) and the model scores as SRILM's -order leaves it. Asking for more than the model has
        is a ModelError; the model itself is returned at its own order."""
        if not 1 <= order <= self.order:
            raise ModelError(f"cannot cut a {self.order}-gram model to order {order}: give an order from 1 to "
                             f"{self.order}")
        if order == self.order:
            return self
        return type(self)(self.vocab, self.ngrams[:order], self.logprob[:order], self.logbow[:order])

    def lowercase(self) -> Self:
        """The model with its words lower-cased (SRILM's -tolower maps the LM's vocabulary too). Where two
        n-grams become one, the one whose words sort first by id is kept. A model without upper case is
        returned as is."""
        words = self.vocab.words
        lowered = [lower_case(w) for w in words]
        if lowered == words:
            return self
        vocab = Vocabulary(unk_word=self.vocab.unk_word)
        new_id = np.array([vocab.add(w) for w in lowered], dtype=ID_DTYPE)
        return self._renumbered(vocab, new_id)

    def limit_vocab(self, words: Iterable[str]) -> Self:
        """The model over the vocabulary of `words` (in their order, after <unk>, <s> and </s>), with only the
        n-grams all of whose words are in it: SRILM's -vocab FILE -limit-vocab, which discards the other
        parameters as it reads the model.

        Probabilities and back-off weights are kept as they are, not renormalised: text over `words` scores
        exactly as under the whole model, since any other word of it is out of the vocabulary and read as <unk>
        (a word of `words` the model lacks is in the vocabulary with no probability, as in SRILM)."""
        vocab = Vocabulary(words, unk_word=self.vocab.unk_word)
        dropped = np.iinfo(ID_DTYPE).max
        new_id = np.array([vocab.id(w) if w in vocab else dropped for w in self.vocab], dtype=ID_DTYPE)
        kept = [~np.any(new_id[grams] == dropped, axis=1) for grams in self.ngrams]
        limited = type(self)(self.vocab, [g[k] for g, k in zip(self.ngrams, kept)],
                             [lp[k] for lp, k in zip(self.logprob, kept)],
                             [bow[k] for bow, k in zip(self.logbow, kept)])
        return limited._renumbered(vocab, new_id)

    def with_vocabulary(self, vocab: Vocabulary) -> Self:
        """The model over `vocab`: every word gets vocab's id (a word `vocab` lacks is added to it first, so an
        open vocabulary grows; the model's unknown word becomes vocab's <unk>), the n-grams re-sorted."""
        if self.vocab is vocab:
            return self
        if self.vocab == vocab:
            return type(self)(vocab, self.ngrams, self.logprob, self.logbow)
        unk_word = self.vocab.unk_word
        new_id = np.array([vocab.add(w) if w != unk_word else UNK_ID for w in self.vocab], dtype=ID_DTYPE)
        return self._renumbered(vocab, new_id)

    def _renumbered(self, vocab: Vocabulary, new_id: np.ndarray) -> Self:
        """The model over `vocab`, old id i becoming new_id[i]: n-grams re-sorted, and of the n-grams that become
        equal the one whose old ids sort first kept."""
        ngrams, logprob, logbow = [], [], []
        for grams, lp, bow in zip(self.ngrams, self.logprob, self.logbow):
            grams, lp, bow = sort_ngrams(new_id[grams], lp, bow)
            keep = np.ones(len(grams), dtype=bool)
            if len(grams) > 1:
                keep[1:] = np.any(grams[1:] != grams[:-1], axis=1)
            ngrams.append(grams[keep])
            logprob.append(lp[keep])
            logbow.append(bow[keep])
        return type(self)(vocab, ngrams, logprob, logbow)
