"""The grammar G.fst of a speech recogniser: a back-off model as an OpenFst acceptor in text form, with the
conventions of Kaldi's arpa2fst.

    - one state per history that the model continues (every n-gram that begins a longer one), the empty history
      (the unigram state) and <s>, which is the start state (state 0) and never appears as a label;
    - for an n-gram h w: an arc from h's state labelled w:w with cost -ln p(w | h), to the state of the longest
      suffix of h w that is a history; suffixes skipped on the way are n-grams that begin nothing, whose back-off
      weights are charged on the arc (Kaldi removes such states the same way);
    - for every history h: a back-off arc to its longest proper suffix that is a history, cost -ln bow(h),
      labelled #0:#0 (Kaldi's disambiguation symbol), or <eps>:<eps> on request;
    - p(</s> | h) is the final cost of h's state.
So the path that accepts a sentence, taking a back-off arc only where there is no arc for the word, costs
-ln p(sentence </s> | <s>) under the back-off model (Katz 1987's recursion).

words.txt lists <eps> as 0, the model's words by id, and #0 last.
"""
from __future__ import annotations

import math
from typing import TextIO

from ..core.model import BackoffModel
from ..core.io import atomic_write
from ..core.vocab import BOS_ID, EOS_ID

EPSILON, BACKOFF_SYMBOL = "<eps>", "#0"
LN10 = math.log(10.0)


def _cost(log10_value: float) -> str:
    """OpenFst's tropical weight: -ln p, from a log10 probability."""
    return f"{-LN10 * log10_value:.7g}" if log10_value != 0 else "0"


class _Histories:
    """The histories that get a state, with their numbering and the way from an n-gram to its destination."""

    def __init__(self, model: BackoffModel):
        self.table = model.table()
        self.keep = max(model.order - 1, 0)
        contexts = {tuple(row[:-1]) for grams in model.ngrams[1:] for row in grams.tolist()}
        contexts.discard((BOS_ID,))
        self.ids = {(BOS_ID,): 0, (): 1}
        for history in sorted(contexts - {()}, key=lambda h: (len(h), h)):
            self.ids[history] = len(self.ids)

    def destination(self, sequence: tuple) -> tuple[int, float]:
        """State reached after `sequence`, and the log10 back-off weights of the suffixes skipped to reach it."""
        history = sequence[len(sequence) - self.keep:] if self.keep else ()
        extra = 0.0
        while history not in self.ids:
            entry = self.table.get(history)
            if entry is not None:
                extra += entry[1]
            history = history[1:]
        return self.ids[history], extra


def write_fst(model: BackoffModel, fst_out: TextIO, symbols_out: TextIO, *, epsilon_backoff: bool = False) -> None:
    """Write G in OpenFst text format to `fst_out` and its symbol table to `symbols_out`."""
    words = model.vocab.words
    histories = _Histories(model)
    backoff_label = EPSILON if epsilon_backoff else BACKOFF_SYMBOL
    lines, finals = [], {}
    for grams, logprob in zip(model.ngrams, model.logprob):
        for row, p in zip(grams.tolist(), logprob.tolist()):
            word = row[-1]
            if word == BOS_ID:
                continue
            source = histories.ids[tuple(row[:-1])]
            if word == EOS_ID:
                finals[source] = p
                continue
            target, extra = histories.destination(tuple(row))
            lines.append((source, f"{source}\t{target}\t{words[word]}\t{words[word]}\t{_cost(p + extra)}\n"))
    for history, state in histories.ids.items():
        if not history:
            continue
        target, extra = histories.destination(history[1:])
        bow = histories.table.get(history, (0.0, 0.0))[1] + extra
        lines.append((state, f"{state}\t{target}\t{backoff_label}\t{backoff_label}\t{_cost(bow)}\n"))
    # OpenFst takes the source of the first line as the start state: state 0, <s>.
    lines.sort(key=lambda item: item[0])
    fst_out.writelines(line for _, line in lines)
    for state in sorted(finals):
        fst_out.write(f"{state}\t{_cost(finals[state])}\n")
    symbols_out.write(f"{EPSILON}\t0\n")
    for i, word in enumerate(words, 1):
        symbols_out.write(f"{word}\t{i}\n")
    symbols_out.write(f"{BACKOFF_SYMBOL}\t{len(words) + 1}\n")


def write_fst_files(model: BackoffModel, fst_path: str, symbols_path: str, *, epsilon_backoff: bool = False) -> None:
    """write_fst to two files, each written atomically."""
    with atomic_write(fst_path) as fst_out, atomic_write(symbols_path) as symbols_out:
        write_fst(model, fst_out, symbols_out, epsilon_backoff=epsilon_backoff)
