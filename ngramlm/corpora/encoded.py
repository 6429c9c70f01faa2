"""Texts encoded as sentences of word ids, with the token accounting of `ngram -ppl`, for any model.

`compare` scores n-gram and neural models on the same encoded text, so this module needs no PyTorch. A text is
read with `ngramlm.corpora.reader.read_sentences` and encoded with a closed `Vocabulary` built from the training text:
every sentence is `<s> w1 .. wn </s>` in ids, unknown words are <unk>, and <s> is context only, so a perplexity
counts exactly words + one </s> per sentence (`ppl`) or words only (`ppl1`), the tokens `ngram -ppl` counts.

In:  a text file, TextOptions and a closed Vocabulary (vocabulary_from_file makes one from the training text).
Out: an EncodedText (one int64 id array per sentence, with its word and <unk> counts), held in memory whole; and,
     from per-token log10 probabilities in its order, PerplexityTotals (ppl, ppl1, SRILM's two-line summary).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .reader import TextOptions, read_sentences
from ..core.errors import InputError, ModelError
from ..core.vocab import EOS_ID, UNK_ID, Vocabulary


@dataclass
class EncodedText:
    """A text as sentences of ids (`<s> .. </s>` each), with the counts a perplexity report needs.

    `words` counts word tokens (not <s>, not </s>), `sentences` the </s> tokens, and `unknown` the words scored
    as <unk>: words outside the vocabulary plus any <unk> already written in the text.
    """

    sentences: list[np.ndarray]
    words: int
    unknown: int

    @property
    def num_sentences(self) -> int:
        return len(self.sentences)

    @property
    def num_targets(self) -> int:
        """Tokens that are predicted: words and one </s> per sentence."""
        return self.words + self.num_sentences

    def stream(self) -> np.ndarray:
        return np.concatenate(self.sentences) if self.sentences else np.zeros(0, dtype=np.int64)


def _counted(sentences: list[np.ndarray]) -> EncodedText:
    words = sum(len(s) - 2 for s in sentences)
    unknown = int(sum(np.count_nonzero(s == UNK_ID) for s in sentences))
    return EncodedText(sentences, words, unknown)



def vocabulary_from_file(path: str, options: TextOptions = TextOptions(), *, unk_word: str = "<unk>") -> Vocabulary:
    """A closed vocabulary of every word of the training text (plus <unk>, <s>, </s>)."""
    vocab = Vocabulary(unk_word=unk_word)
    for sentence in read_sentences(path, options):
        for word in sentence:
            vocab.add(word)
    vocab.closed = True
    return vocab


def encode_file(path: str, vocab: Vocabulary, options: TextOptions = TextOptions()) -> EncodedText:
    """Read and encode a text; words outside `vocab` become <unk>.

    Sentences must carry both markers (the default TextOptions), since the models predict </s> and start at <s>.
    """
    if not (options.sos and options.eos):
        raise ModelError("the neural models need <s> and </s> around every sentence; drop -no-sos/-no-eos")
    sentences = [vocab.encode(s, grow=False).astype(np.int64) for s in read_sentences(path, options)]
    if not sentences:
        raise InputError(path, None, "no sentences: the file is empty (a model needs text to train or score)")
    return _counted(sentences)


@dataclass
class PerplexityTotals:
    """Totals over a text: sentences, words, words scored as <unk>, log10 probability (with and without </s>)."""

    sentences: int
    words: int
    unknown: int
    logprob: float
    logprob_words: float

    @property
    def ppl(self) -> float:
        return 10.0 ** (-self.logprob / max(self.words + self.sentences, 1))

    @property
    def ppl1(self) -> float:
        return 10.0 ** (-self.logprob_words / max(self.words, 1))

    @property
    def unknown_rate(self) -> float:
        return self.unknown / max(self.words, 1)

    def report(self, name: str) -> str:
        """SRILM's two-line summary (`ngram -ppl`); words scored as <unk> are not OOVs, as with -unk."""
        return (f"file {name}: {self.sentences} sentences, {self.words} words, 0 OOVs\n"
                f"0 zeroprobs, logprob= {self.logprob:.6g} ppl= {self.ppl:.6g} ppl1= {self.ppl1:.6g}")


def is_sentence_end(text: EncodedText) -> np.ndarray:
    """A boolean per predicted token (in `target_logprobs` order): True where the token is </s>."""
    return np.concatenate([s[1:] == EOS_ID for s in text.sentences]) if text.sentences else np.zeros(0, bool)


def perplexity_of_logprobs(text: EncodedText, logprobs: np.ndarray) -> PerplexityTotals:
    """Totals of per-token log10 probabilities (any model's, in `target_logprobs` order) over `text`."""
    ends = is_sentence_end(text)
    return PerplexityTotals(text.num_sentences, text.words, text.unknown, float(logprobs.sum()),
                            float(logprobs[~ends].sum()))
