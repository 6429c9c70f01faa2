"""A class n-gram compiled into a word n-gram (SRILM's ClassNgram::expand, `ngram -classes C -expand-classes N`).

1. Joint probabilities of word strings: every n-gram of the class model, its context's joint probability times its
   probability, is spread over the word strings its class tokens expand to (times the expansions' probabilities);
   each string counts, and so do its truncations inside the first and the last token's expansion.
2. A word string the class model does not hold itself also gets its joint probability as a string of model tokens
   (the parse without classes); with SRILM's -expand-exact K, only strings shorter than K do.
3. p(w | h) = joint(h w) / joint(h), with joint(h) raised to the sum over its continuations where that is larger,
   and the unigrams normalised to sum to 1 (with -expand-exact K, n-grams of K words or more get the class model's
   own p(w | h), its forward pass over h: ngramlm.models.class_trellis); back-off weights are then computed so
   every context sums to 1.

As SRILM, joint(<s>) is p(</s>), and the joint probability of a token string skips the non-events (<s>, -pau-)
the model gives probability zero.

In:  the class file's expansions (ngramlm.models.classes.read_class_expansions) and the BackoffModel over tokens.
Out: a BackoffModel over words, of order at most N.
"""
from __future__ import annotations

import itertools
import math
from collections import defaultdict
from typing import Sequence

import numpy as np

from ..core.model import BackoffModel
from ..core.scorer import NO_WORD
from ..core.vocab import BOS_ID, EOS_ID, PAUSE, Vocabulary
from ..use.scoring import BackoffScorer
from .classes import ClassExpansion

# Token strings scored per batch for their joint probabilities.
BATCH = 65536


def _logadd(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    high, low = (a, b) if a > b else (b, a)
    return high + math.log10(1.0 + 10.0 ** (low - high))


class _JointProbability:
    """log10 joint probabilities of token strings under the model over tokens (SRILM's LM::contextProb)."""

    def __init__(self, model: BackoffModel, size: int):
        self.scorer = BackoffScorer(model)
        self.size = size
        self.non_events = {BOS_ID} | ({model.vocab.id(PAUSE)} if PAUSE in model.vocab else set())

    def __call__(self, strings: Sequence[tuple[int, ...]]) -> list[float]:
        width = self.scorer.order - 1
        words, histories, owners = [], [], []
        results = [0.0] * len(strings)
        for n, string in enumerate(strings):
            if any(t >= self.size for t in string):
                results[n] = -math.inf  # a word the model does not have
                continue
            for m, token in enumerate(string):
                if m == 0 and token == BOS_ID:
                    token = EOS_ID  # the marginal of <s> is that of </s>
                context = list(string[max(m - width, 0):m]) if width else []
                words.append(token)
                histories.append([NO_WORD] * (width - len(context)) + context)
                owners.append(n)
        for start in range(0, len(words), BATCH):
            chunk = slice(start, start + BATCH)
            logp, _ = self.scorer.score_batch(np.array(words[chunk], dtype=np.uint32),
                                              np.array(histories[chunk], dtype=np.uint32).reshape(-1, width))
            for owner, word, value in zip(owners[chunk], words[chunk], logp.tolist()):
                if value == -math.inf and word in self.non_events:
                    continue  # a non-event is skipped, not a zero
                results[owner] += value
        return results


def expand_class_model(expansions: Sequence[ClassExpansion], model: BackoffModel, order: int = 0,
                       exact: int = 0) -> BackoffModel:
    """The word n-gram of the class model `model` with classes `expansions`, of order `order` (0: as long as the
    longest expanded n-gram). `exact` > 0 (SRILM's -expand-exact): n-grams of `exact` words or more are computed
    exactly (step 3), and only shorter strings get step 2."""
    words = Vocabulary(model.vocab.words[3:], unk_word=model.vocab.unk_word)
    size = len(words)
    by_class: dict[int, list[tuple[tuple[int, ...], float]]] = defaultdict(list)
    class_names = {e.name for e in expansions}
    for e in expansions:
        ids = tuple(words.add(w) for w in e.words)
        if e.name in model.vocab:
            by_class[model.vocab.id(e.name)].append((ids, math.log10(e.prob) if e.prob > 0 else -math.inf))
    joint = _JointProbability(model, size)
    explicit = set()
    probs: dict[tuple[int, ...], float] = {}

    def add(key: tuple[int, ...], value: float) -> None:
        old = probs.get(key, 0.0)  # SRILM's accumulator: 0 is "not set yet"
        probs[key] = value if old == 0.0 else _logadd(old, value)

    # 1. joint probabilities of the expansions of every n-gram of the class model
    longest = 0
    for k in range(model.order):
        grams = model.ngrams[k].tolist()
        explicit.update(map(tuple, grams))
        contexts = sorted({tuple(g[:-1]) for g in grams})
        context_joint = dict(zip(contexts, joint(contexts)))
        for gram, logprob in zip(grams, model.logprob[k].tolist()):
            options = [by_class.get(t, [((t,), 0.0)]) for t in gram]
            base = context_joint[tuple(gram[:-1])] + logprob
            for choice in itertools.product(*options):
                string = tuple(itertools.chain.from_iterable(c[0] for c in choice))
                value = base + sum(c[1] for c in choice)
                first, last = len(choice[0][0]), len(choice[-1][0])
                longest = max(longest, len(string))
                for j in range(last):
                    for i in range(first):
                        if i < len(string) - j:
                            add(string[i:len(string) - j], value)
    order = longest if order == 0 else min(order, longest)
    # the accumulator's trie holds every prefix of what it was given, unset ones as 0
    for key in list(probs):
        for m in range(1, min(len(key), order + 1)):
            probs.setdefault(key[:m], 0.0)
    # 2. strings the class model lacks also get their probability as plain tokens
    longest_plain = min(order, exact - 1) if exact > 0 else order
    missing = [key for key in probs if len(key) <= longest_plain and key not in explicit]
    for key, value in zip(missing, joint(missing)):
        add(key, value)
    # 3. conditional probabilities
    children: dict[tuple[int, ...], list[tuple[int, ...]]] = defaultdict(list)
    for key in probs:
        if len(key) <= order:
            children[key[:-1]].append(key)
    end = joint([(EOS_ID,)])[0]
    entries: dict[tuple[str, ...], tuple[float, float]] = {}
    trellis = None
    for context, keys in children.items():
        if 0 < exact <= len(context) + 1:  # the class model's own conditional probability (its forward pass)
            if trellis is None:
                from .class_trellis import ClassTrellisScorer

                trellis = ClassTrellisScorer(expansions, model)
            history = [trellis.vocab.id(words.word(t)) for t in context]
            for key in keys:
                logp = trellis.score(trellis.vocab.id(words.word(key[-1])), history)[0]
                entries[tuple(words.word(t) for t in key)] = (min(logp, 0.0), 0.0)
            continue
        total = -math.inf
        for key in keys:
            total = _logadd(total, probs[key])
        context_prob = total if not context else end if context == (BOS_ID,) else probs.get(context, 0.0)
        context_prob = max(context_prob, total)
        for key in keys:
            entries[tuple(words.word(t) for t in key)] = (probs[key] - context_prob, 0.0)
    entries = {key: value for key, value in entries.items() if not class_names.intersection(key)}
    from ..smoothing.backoff_weights import renormalize

    return renormalize(BackoffModel.from_entries(Vocabulary(unk_word=model.vocab.unk_word), entries))
