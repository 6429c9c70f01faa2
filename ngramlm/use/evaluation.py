"""KenLM's perplexity figures beside SRILM's, and n-gram hit counts: what `ngramlm eval` reports.

Input: a BackoffModel, a query index (ngramlm.use.query.Model) read from an ARPA file (scored as its BackoffModel,
by IndexBackoffScorer) or from a binary model (ngramlm.use.index_scorer.load_index), and a text file. Output: an Evaluation. Both tools keep probabilities as 32-bit floats and add back-off weights in float
arithmetic, in different orders (ngramlm.core.index's SRILM and KENLM arithmetic), so that the printed figures of
a BackoffModel agree with theirs to the last digit; a binary model is scored through its hash index
(IndexScorer), whose figures can differ in a last digit from its ARPA file's.

The Evaluation holds SRILM's TextStats, KenLM's two perplexities with its OOV and token counts, and the n-gram hit
counts. The text is scored in batches of about BATCH_WORDS words; only the totals (and the OOVs' log10
probabilities) are kept.
"""
from __future__ import annotations

import decimal
import math
from dataclasses import dataclass, field

import numpy as np

from ..core.io import iter_lines, lower_case, split_words
from ..core.progress import Progress, count_lines
from ..core.model import BackoffModel
from ..core.vocab import UNK_ID
from .ppl_report import BATCH_WORDS, PplOptions, batches, encode_sentence
from .index_scorer import IndexScorer
from .scoring import BackoffScorer, IndexBackoffScorer, run_sums, score_text
from .text_stats import TextStats


@dataclass
class Evaluation:
    """Everything `ngramlm eval` reports for one model on one text."""

    srilm: TextStats
    kenlm_ppl_including_oovs: float | None
    kenlm_ppl_excluding_oovs: float | None
    kenlm_oovs: int
    kenlm_tokens: int
    hits: list[int] = field(default_factory=list)  # hits[k]: scored predictions whose longest match is a (k+1)-gram

    @property
    def cross_entropy_bits(self) -> float | None:
        """Bits per scored token (words and </s>): log2 of SRILM's ppl."""
        return None if self.srilm.ppl is None else -self.srilm.logprob / self.srilm.scored * math.log2(10)

    @property
    def oov_rate(self) -> float | None:
        """SRILM's OOVs per word (</s> not counted)."""
        return self.srilm.oovs / self.srilm.words if self.srilm.words else None

    def hit_rates(self) -> list[float]:
        """Fraction of the scored predictions whose longest match was a 1-gram, a 2-gram, ..."""
        scored = sum(self.hits)
        return [h / scored if scored else 0.0 for h in self.hits]

    def as_dict(self) -> dict:
        def count(value: float) -> float | int:
            return int(value) if float(value).is_integer() else value

        return {
            "sentences": count(self.srilm.sentences), "words": count(self.srilm.words),
            "oovs": count(self.srilm.oovs), "zeroprobs": count(self.srilm.zeroprobs), "logprob": self.srilm.logprob,
            "ppl": self.srilm.ppl, "ppl1": self.srilm.ppl1,
            "cross_entropy_bits": self.cross_entropy_bits, "oov_rate": self.oov_rate,
            "kenlm": {"perplexity_including_oovs": self.kenlm_ppl_including_oovs,
                      "perplexity_excluding_oovs": self.kenlm_ppl_excluding_oovs,
                      "oovs": self.kenlm_oovs, "tokens": self.kenlm_tokens},
            "ngram_hits": self.hits, "ngram_hit_rates": self.hit_rates(),
        }


def evaluate_text(model, path: str, order: int | None = None, options: PplOptions = PplOptions(), *,
                  quiet: bool = True) -> Evaluation:
    """SRILM's figures, KenLM's `query` figures and n-gram hit counts of `model` on a text file.

    KenLM's figures follow its lm/ngram_query.hh: every word and each </s> is a token; a word outside the
    vocabulary (or the token <unk> itself) is an OOV, scored as <unk>; sentence totals are 32-bit floats;
        perplexity including OOVs = 10^(-total / tokens)
        perplexity excluding OOVs = 10^(-(total - OOV total) / (tokens - OOVs)).
    Sentences are read by SRILM's rules (-no-sos / -no-eos as asked), except that KenLM scores a blank line as
    an empty sentence, p(</s> | <s>), where SRILM skips it. `quiet`: no progress bar (one is drawn, in lines
    scored, only where standard error is a terminal). `model`: a BackoffModel or a query index (a binary model).
    """
    srilm_scorer: BackoffScorer | IndexBackoffScorer | IndexScorer
    kenlm_scorer: BackoffScorer | IndexBackoffScorer | IndexScorer
    if isinstance(model, BackoffModel):
        srilm_scorer = BackoffScorer(model, order)
        kenlm_scorer = BackoffScorer(model, order, arithmetic="kenlm", tables=srilm_scorer.tables)
    elif IndexBackoffScorer.serves(model):  # an ARPA file read into the query index: scored as its BackoffModel
        srilm_scorer = IndexBackoffScorer(model, order)
        kenlm_scorer = srilm_scorer.with_arithmetic("kenlm")
    else:
        srilm_scorer = IndexScorer(model, order)
        kenlm_scorer = srilm_scorer.with_arithmetic("kenlm")
    vocab = srilm_scorer.vocab
    total = TextStats()
    hits = np.zeros(srilm_scorer.order + 1, dtype=np.int64)
    corpus_total = 0.0
    oov_logprobs = []
    oovs = tokens = 0
    lines = (split_words(lower_case(line) if options.tolower else line) for _, line in iter_lines(path, options.errors))
    sentences = ((bool(tokens), encode_sentence(vocab, tokens, options)) for tokens in lines)
    with Progress(f"scoring {path}", unit="lines", total=lambda: count_lines(path), quiet=quiet) as progress:
        for batch in batches(sentences, BATCH_WORDS, lambda item: len(item[1])):
            scored = score_text(srilm_scorer, [ids for not_blank, ids in batch if not_blank])
            scored.add_to(total)
            kept = scored.logprob != -np.inf
            hits += np.bincount(scored.matched[kept], minlength=len(hits))
            scored = score_text(kenlm_scorer, [ids for _, ids in batch])
            # each sentence's total in float32, as KenLM adds it, then the corpus's in double, sentence by sentence
            for sentence_total in run_sums(scored.logprob.astype(np.float32), scored.counts).tolist():
                corpus_total += sentence_total
            tokens += len(scored.words)
            unknown = scored.words == UNK_ID
            oovs += int(np.count_nonzero(unknown))
            oov_logprobs.append(scored.logprob[unknown].astype(np.float64))
            progress.update(len(batch))
    oov_total = float(np.cumsum(np.concatenate(oov_logprobs))[-1]) if oovs else 0.0
    including = 10.0 ** (-(corpus_total / tokens)) if tokens else None
    excluding = 10.0 ** (-((corpus_total - oov_total) / (tokens - oovs))) if tokens > oovs else None
    return Evaluation(total, including, excluding, oovs, tokens, hits[1:].tolist())


def kenlm_number(value: float | None) -> str:
    """A double as KenLM prints it: the shortest digits that read back exactly (double-conversion's ToShortest),
    in positional notation for decimal exponents -6..20 and exponential notation outside."""
    if value is None:
        return "undefined"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    sign, digits, exponent = decimal.Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    scientific = len(text) + exponent - 1
    minus = "-" if sign else ""
    if value == 0:
        return minus + "0"
    if -6 <= scientific < 21:
        point = len(text) + exponent
        if point <= 0:
            return f"{minus}0.{'0' * -point}{text}"
        if point >= len(text):
            return minus + text + "0" * (point - len(text))
        return f"{minus}{text[:point]}.{text[point:]}"
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{minus}{mantissa}e{scientific}"
