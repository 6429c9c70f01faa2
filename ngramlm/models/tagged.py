"""Tagged n-gram models (SRILM's TaggedVocab, TaggedNgramStats and TaggedNgram: `ngram-count -tagged`,
`ngram -tagged`).

A token `word/TAG` is a word with a tag: it splits at its last '/' (not one right after '<', as in </s>); a token
without one has no tag, and `/TAG` alone is the tag. Tags are words of the model spelled `/TAG`, which no
distribution predicts (non-events, as <s>): they appear only in contexts.

Counting (TaggedNgramStats): from each position of a sentence, the n-grams of its plain words are counted, and
then, for each position i of the window whose token has a tag, the n-grams (longer than i) of the window whose
tokens 0..i are replaced by their tags (those with a tag; the replacements accumulate):
`Fritz/N lernt/V Deutsch/N` gives `Fritz lernt Deutsch`, `/N lernt Deutsch`, `/N /V Deutsch`, `/N /V /N` and
their prefixes. The model is then estimated from these counts as any other (ngram-count's methods).

Scoring (TaggedNgram::wordProbBO): p(w | h) with the tags of h known tries, for the context of length k,
  1. the plain n-gram `h w` (words untagged), `[k+1gram]`;
  2. else, with the back-off weight of h, the n-gram whose oldest context word is replaced by its tag,
     `[k+Tgram]`;
  3. else, with the weights of both contexts, the same for the context of length k - 1 (none left: zero).

In:  tagged text (count_tagged_text), a back-off model estimated from such counts (TaggedScorer).
Out: NgramCounts over a TaggedVocabulary (whose write() is SRILM's: words, then tags); TaggedScorer, a Scorer over
     the tagged words of the text it encodes.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from ..core.index import FLOAT64, PAD, SRILM, Arithmetic, NgramIndex
from ..core.io import atomic_write
from ..core.model import BackoffModel
from ..core.scorer import Scorer
from ..core.vocab import BOS, EOS, ID_DTYPE, PAUSE, UNK_ID, Vocabulary
from ..corpora.reader import TextOptions, read_sentences
from ..counting.counts import NgramCounts, counts_from_rows
from ..use.scoring import distribution_by_batch, score_by_batch

TAG_SEPARATOR = "/"
# The id of "no word" and "no tag" in lookups: above every word id, so no n-gram holds it.
NONE = int(PAD) - 1
# matched lengths of the `[k+Tgram]` hits: TAG_HIT + k
TAG_HIT = 1 << 16


def split_tagged(token: str) -> tuple[str, str | None]:
    """(word, tag) of a token: split at its last '/' that does not follow '<' (tag None: no such '/'; word "":
    the token is a tag)."""
    at = token.rfind(TAG_SEPARATOR)
    while at > 0 and token[at - 1] == "<":
        at = token.rfind(TAG_SEPARATOR, 0, at)
    if at < 0:
        return token, None
    return token[:at], token[at + 1:]


class TaggedVocabulary(Vocabulary):
    """A vocabulary of plain words and tags (`/TAG` entries, non-events), and of the tagged words `word/TAG` a
    text brings (TaggedScorer's ids): a tagged word gets an id when first looked up, if its word and its tag are
    known (else it is the unknown word, as SRILM's TaggedVocab::getIndex)."""

    def __init__(self, words: Iterable[str] = (), *, unk_word: str = "<unk>", closed: bool = False):
        self.tagged: dict[int, tuple[int, int]] = {}  # tagged word id -> (word id, tag id)
        super().__init__(words, unk_word=unk_word, closed=closed)

    @classmethod
    def of(cls, vocab: Vocabulary) -> "TaggedVocabulary":
        """The vocabulary with its words at the same ids (a model's: its `/TAG` words are its tags)."""
        return cls(vocab.words[3:], unk_word=vocab.unk_word, closed=vocab.closed)

    @classmethod
    def split(cls, vocab: Vocabulary) -> "TaggedVocabulary":
        """The vocabulary of -vocab's words, tagged words split into their word and tag."""
        tagged = cls(unk_word=vocab.unk_word)
        for word in vocab.words[3:]:
            tagged.parts(word, grow=True)
        tagged.closed = vocab.closed
        return tagged

    @property
    def words(self) -> list[str]:
        # The list itself, not a copy: tagged words are added as a text is encoded, after a report took the list.
        return self._words

    def is_tag(self, word: str) -> bool:
        return word.startswith(TAG_SEPARATOR) and split_tagged(word)[0] == ""

    def tag_ids(self) -> list[int]:
        """The ids of the tags."""
        return [i for i, w in enumerate(self._words) if self.is_tag(w) and i not in self.tagged]

    def non_event_ids(self) -> list[int]:
        """The words no distribution predicts besides <s> and -pau- (ngramlm.smoothing.backoff_estimator): tags."""
        return self.tag_ids()

    def estimation_index(self, vocab_size: int) -> "TaggedNgramIndex":
        """The index a model of this vocabulary is estimated in (ngramlm.smoothing.backoff_estimator): its
        back-off recursion is the tagged one."""
        return TaggedNgramIndex(vocab_size, self.tag_ids())

    def parts(self, token: str, grow: bool) -> tuple[int, int | None]:
        """(word id, tag id or None) of a token of tagged text, adding its word and tag when `grow` (UNK_ID for
        a word that is not known)."""
        word, tag = split_tagged(token)
        if tag is None:
            return (self.add(word) if grow else self.id(word)), None
        tag_word = TAG_SEPARATOR + tag
        tag_id = super().add(tag_word) if grow else self._ids.get(tag_word)
        if word == "":
            return (tag_id if tag_id is not None else UNK_ID), tag_id
        word_id = self.add(word) if grow else self._ids.get(word)
        if word_id is None or tag_id is None or word_id == UNK_ID and word != self.unk_word:
            return UNK_ID, None
        return word_id, tag_id

    def id(self, word: str) -> int:
        wid = self._ids.get(word)
        if wid is not None:
            return wid
        word_id, tag_id = self.parts(word, grow=False)
        if tag_id is None or word_id == tag_id:
            return word_id
        wid = len(self._words)
        self._words.append(word)
        self._ids[word] = wid
        self.tagged[wid] = (word_id, tag_id)
        return wid

    def ids(self, words: Iterable[str]) -> list[int]:
        return [self.id(w) for w in words]

    def write(self, path: str, srilm_pause: bool = True) -> None:
        """SRILM's TaggedVocab::write: the words sorted (with -pau-, which SRILM's vocabularies hold), then the
        tags sorted, each as `/TAG` (the special words are tags too). A tagged vocabulary is SRILM's alone, so
        -pau- is always written (`srilm_pause` is Vocabulary.write's signature)."""
        specials = [self.unk_word, BOS, EOS, PAUSE]
        plain = {w for i, w in enumerate(self._words) if i not in self.tagged and not self.is_tag(w)}
        tags = {w[1:] for i, w in enumerate(self._words) if i not in self.tagged and self.is_tag(w)}
        with atomic_write(path) as f:
            for word in sorted(plain | set(specials)):
                f.write(word + "\n")
            for tag in sorted(tags | set(specials)):
                f.write(TAG_SEPARATOR + tag + "\n")


def count_tagged_text(path: str, order: int, vocab: TaggedVocabulary,
                      options: TextOptions = TextOptions()) -> NgramCounts:
    """The counts of SRILM's TaggedNgramStats (module docstring) of a tagged text, words and tags added to
    `vocab` (a closed one maps unknown words to <unk>, their tags dropped)."""
    words: list[int] = []
    tags: list[int] = []
    lengths: list[int] = []
    grow = not vocab.closed
    for sentence in read_sentences(path, options):
        for token in sentence:
            word, tag = vocab.parts(token, grow)
            words.append(word)
            tags.append(NONE if tag is None else tag)
        lengths.append(len(sentence))
    word = np.array(words, dtype=np.int64)
    tag = np.array(tags, dtype=np.int64)
    tagged = tag != NONE
    tag_or_word = np.where(tagged, tag, word)
    # tokens from each position to the end of its sentence
    ends = np.repeat(np.cumsum(lengths), lengths)
    remaining = ends - np.arange(len(word))
    rows = []
    for n in range(1, order + 1):
        starts = np.flatnonzero(remaining >= n)
        grams = [np.column_stack([word[starts + j] for j in range(n)])]
        for depth in range(n):  # tokens 0..depth replaced by their tags, where token `depth` has one
            at = starts[tagged[starts + depth]]
            grams.append(np.column_stack([(tag_or_word if j <= depth else word)[at + j] for j in range(n)]))
        stacked = np.vstack(grams).astype(ID_DTYPE)
        rows.append((stacked, np.ones(len(stacked), dtype=np.int64)))
    return counts_from_rows(vocab, rows)


class TaggedNgramIndex(NgramIndex):
    """An NgramIndex whose back-off recursion (`score`) is SRILM's tagged one (module docstring), for estimation
    (back-off weights, interpolation, filled-in contexts use it, as SRILM's do through its virtual wordProbBO)
    and for scoring. Ids beyond the model's words may be tagged words (`add_tagged`)."""

    def __init__(self, vocab_size: int, tags: Iterable[int] = ()):
        super().__init__(vocab_size)
        self.set_tags(tags)

    def set_tags(self, tags: Iterable[int]) -> None:
        """Which of the index's word ids are tags: their word part is none, and they are their own tag."""
        is_tag = np.zeros(self.vocab_size, dtype=bool)
        is_tag[np.asarray(list(tags), dtype=np.int64)] = True
        ids = np.arange(self.vocab_size, dtype=np.int64)
        self._untag = np.where(is_tag, NONE, ids)
        self._tag = np.where(is_tag, ids, NONE)

    def add_tagged(self, parts: list[tuple[int, int]]) -> None:
        """Ids len(vocabulary).. are the tagged words with these (word id, tag id)."""
        self._untag = np.concatenate((self._untag, [w for w, _ in parts])).astype(np.int64)
        self._tag = np.concatenate((self._tag, [t for _, t in parts])).astype(np.int64)

    def _parts(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(word part, tag) of word ids, NONE where there is none (and for PAD)."""
        ids = np.asarray(ids, dtype=np.int64)
        inside = ids < len(self._untag)
        safe = np.where(inside, ids, 0)
        return np.where(inside, self._untag[safe], NONE), np.where(inside, self._tag[safe], NONE)

    def _found(self, grams: np.ndarray, arithmetic: Arithmetic) -> np.ndarray:
        """log10 p of each row of `grams` that is an n-gram with a probability, NaN elsewhere."""
        found = np.full(len(grams), np.nan, dtype=arithmetic.dtype)
        rows = self.rows(grams)
        hit = rows >= 0
        found[hit] = self._in(arithmetic, self.logprob[grams.shape[1] - 1][rows[hit]])
        return found

    def _weight(self, grams: np.ndarray, arithmetic: Arithmetic) -> np.ndarray:
        """The back-off weight of each row of `grams`, 0 where it is no context."""
        weights = np.zeros(len(grams), dtype=arithmetic.dtype)
        rows = self.rows(grams)
        hit = rows >= 0
        weights[hit] = self._in(arithmetic, self.logbow[grams.shape[1] - 1][rows[hit]])
        return weights

    def score(self, words: np.ndarray, histories: np.ndarray,
              arithmetic: Arithmetic = FLOAT64) -> tuple[np.ndarray, np.ndarray]:
        """log10 p(w | h) by the tagged back-off and the matched length (TAG_HIT + k for a `[k+Tgram]` hit), for
        words (m,) and histories (m, k), oldest word first, PAD before a sentence's start."""
        words = np.asarray(words).astype(np.int64).reshape(-1)
        m = len(words)
        histories = np.asarray(histories).astype(np.int64).reshape(m, -1)
        width = min(histories.shape[1], self.order - 1)
        histories = histories[:, histories.shape[1] - width:]
        word, _ = self._parts(words)
        context_word, context_tag = self._parts(histories)
        lengths = np.count_nonzero(histories != PAD, axis=1)
        # weights[:, k]: the back-off weights added on leaving the context of length k (with a tagged hit there,
        # the plain context's weight alone)
        weights = np.zeros((m, width + 1), dtype=arithmetic.dtype)
        logp = np.full(m, -np.inf, dtype=arithmetic.dtype)
        matched = np.zeros(m, dtype=np.int64)
        found = np.zeros(m, dtype=bool)
        for k in range(width, -1, -1):
            here = np.flatnonzero(~found & (lengths >= k))
            if len(here) == 0:
                continue
            context = context_word[here, width - k:]
            plain = self._found(np.column_stack((context, word[here])), arithmetic)
            hit = ~np.isnan(plain)
            logp[here[hit]], matched[here[hit]], found[here[hit]] = plain[hit], k + 1, True
            missed = here[~hit]
            if k == 0 or len(missed) == 0:
                continue
            context = context_word[missed, width - k:]
            bow = self._weight(context, arithmetic)
            context = context.copy()
            context[:, 0] = context_tag[missed, width - k]  # the oldest word's tag in its place
            tagged = self._found(np.column_stack((context, word[missed])), arithmetic)
            hit = ~np.isnan(tagged)
            logp[missed[hit]], matched[missed[hit]], found[missed[hit]] = tagged[hit], TAG_HIT + k, True
            weights[missed[hit], k] = bow[hit]
            weights[missed[~hit], k] = bow[~hit] + self._weight(context[~hit], arithmetic)
        # SRILM's recursion adds each level's weights to the result of the level below, innermost first (the
        # levels a position did not leave add 0)
        for k in range(1, width + 1):
            logp = weights[:, k] + logp
        return logp, matched


class TaggedScorer(Scorer):
    """Scores tagged words by SRILM's tagged back-off (TaggedNgramIndex, in SRILM's single precision) with a
    model estimated from tagged counts. Its vocabulary is the model's, each tagged word of the text added as it
    is encoded."""

    def __init__(self, model: BackoffModel, order: int | None = None):
        self.model = model
        self.vocab = TaggedVocabulary.of(model.vocab)
        self.index = TaggedNgramIndex.of(model)
        self.index.set_tags(self.vocab.tag_ids())
        self.order = model.order if order is None else order
        self._size = len(model.vocab)

    def has_unk(self) -> bool:
        return self.model.has_unk()

    def score_batch(self, words: np.ndarray, histories: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        known = len(self.index._untag)
        if len(self.vocab) > known:  # tagged words encoded since the last call
            self.index.add_tagged([self.vocab.tagged[i] for i in range(known, len(self.vocab))])
        width = max(self.order - 1, 0)
        histories = np.asarray(histories).reshape(len(words), -1)
        return self.index.score(words, histories[:, histories.shape[1] - width:], SRILM)

    def score(self, word: int, context: Sequence[int]) -> tuple[float, int]:
        return score_by_batch(self, word, context)

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """log10 p of each of the model's words given `context` (SRILM's -debug 3 sums go over the plain words)."""
        return distribution_by_batch(self, context, self._size).astype(np.float64)

    @staticmethod
    def hit_label(matched: int) -> str:
        """SRILM's -debug 2 label: `[3gram]`, `[2+Tgram]` (a tag replaced the oldest context word), or none where
        nothing was found."""
        if matched >= TAG_HIT:
            return f"[{matched - TAG_HIT}+Tgram]"
        return f"[{matched}gram]" if matched > 0 else ""
