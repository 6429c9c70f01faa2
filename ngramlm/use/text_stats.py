"""SRILM's perplexity counts (its TextStats) and the scored positions of one sentence.

Input: log10 probabilities of the positions of sentences, with the words they predict. Output: SRILM's counts
(LM::sentenceProb, TextStats), which every published SRILM perplexity follows:
  * a word the model gives probability zero is left out of the log probability: an OOV if it is <unk> (a word
    the vocabulary does not know, in a closed-vocabulary model), else a "zeroprob";
  * logprob is the sum of the remaining log10 probabilities;
        ppl  = 10^(-logprob / (words - OOVs - zeroprobs + sentences))      (</s> counted)
        ppl1 = 10^(-logprob / (words - OOVs - zeroprobs))                  (</s> not counted)
    and a denominator of zero prints `undefined`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.constants import LN10
from ..core.vocab import EOS_ID, UNK_ID

# SRILM prints log probabilities with LogP_Precision = 7 significant digits and counts with 16.
LOGP_FORMAT = "%.7g"
COUNT_FORMAT = "%.16g"


@dataclass
class TextStats:
    """SRILM's TextStats: what `ngram -ppl` reports for a sentence, a document or a file."""

    sentences: float = 0
    words: float = 0
    oovs: float = 0
    zeroprobs: float = 0
    logprob: float = 0.0

    def add(self, other: "TextStats", weight: float = 1.0) -> None:
        self.sentences += other.sentences * weight
        self.words += other.words * weight
        self.oovs += other.oovs * weight
        self.zeroprobs += other.zeroprobs * weight
        self.logprob += other.logprob * weight

    @property
    def scored(self) -> float:
        """Tokens in the ppl denominator: words and sentence ends, less OOVs and zero probabilities."""
        return self.words - self.oovs - self.zeroprobs + self.sentences

    @property
    def ppl(self) -> float | None:
        """Perplexity counting </s>; None where undefined."""
        return _perplexity(self.logprob, self.scored)

    @property
    def ppl1(self) -> float | None:
        """Perplexity not counting </s>; None where undefined."""
        return _perplexity(self.logprob, self.scored - self.sentences)

    def format(self) -> str:
        """The two lines `ngram -ppl` prints (one when there is nothing to report), byte for byte."""
        text = (f"{COUNT_FORMAT % self.sentences} sentences, {COUNT_FORMAT % self.words} words, "
                f"{COUNT_FORMAT % self.oovs} OOVs\n")
        if self.words + self.sentences > 0:
            ppl, ppl1 = self.ppl, self.ppl1
            text += (f"{COUNT_FORMAT % self.zeroprobs} zeroprobs, logprob= {LOGP_FORMAT % self.logprob}"
                     f" ppl= {'undefined' if ppl is None else LOGP_FORMAT % ppl}"
                     f" ppl1= {'undefined' if ppl1 is None else LOGP_FORMAT % ppl1}\n")
        return text


def _perplexity(logprob: float, denominator: float) -> float | None:
    """10^(-logprob / denominator), computed as SRILM's LogPtoPPL does."""
    if denominator <= 0:
        return None
    exponent = -(logprob / denominator) * LN10
    return math.inf if exponent > 709.78 else math.exp(exponent)



@dataclass
class ScoredSentence:
    """The scored positions of a sentence: every word after the start, each with its history."""

    words: np.ndarray       # (k,) word ids
    histories: np.ndarray   # (k, max(order - 1, 1)) preceding word ids, most recent last, NO_WORD before the start
    logprob: np.ndarray     # (k,) float32 log10 probabilities, -inf for zero
    matched: np.ndarray     # (k,) length of the n-gram that matched, 0 for none

    def stats(self) -> TextStats:
        """SRILM's counts for the sentence (LM::sentenceProb): OOVs and zero probabilities left out."""
        zero = self.logprob == -np.inf
        oovs = int(np.count_nonzero(zero & (self.words == UNK_ID)))
        kept = self.logprob[~zero].astype(np.float64)
        stats = TextStats(oovs=oovs, zeroprobs=int(np.count_nonzero(zero)) - oovs,
                          logprob=float(np.cumsum(kept)[-1]) if len(kept) else 0.0)
        # SRILM counts the words between <s> and </s>; with -no-eos the last word counts as a word.
        if len(self.words) and self.words[-1] == EOS_ID:
            stats.sentences, stats.words = 1, len(self.words) - 1
        else:
            stats.words = len(self.words)
        return stats

