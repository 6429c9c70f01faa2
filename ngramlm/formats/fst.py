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

In:  a BackoffModel (ngramlm.core.model).
Out: G.fst in OpenFst's text format, arcs by source state then final states, and its symbol table (write_fst to
     streams; write_fst_files to two files, each written atomically). Every arc line is held in memory to be sorted.
"""
from __future__ import annotations

from typing import TextIO

import numpy as np

from ..core.constants import LN10
from ..core.model import BackoffModel
from ..core.io import atomic_write
from ..core.vocab import BOS_ID, EOS_ID

EPSILON, BACKOFF_SYMBOL = "<eps>", "#0"


def _cost(log10_value: float) -> str:
    """OpenFst's tropical weight: -ln p, from a log10 probability."""
    return f"{-LN10 * log10_value:.7g}" if log10_value != 0 else "0"


class _Histories:
    """The histories that get a state, with their numbering, and where each n-gram leads, found with the model's
    index for all n-grams of an order at once."""

    def __init__(self, model: BackoffModel):
        self.model, self.index = model, model.index
        self.keep = max(model.order - 1, 0)
        # is_state[k][r]: the (k+1)-gram of row r continues (is the prefix of a longer n-gram), or is <s>.
        self.is_state = [np.zeros(len(g), dtype=bool) for g in model.ngrams]
        for n in range(2, model.order + 1):
            self.is_state[n - 2][self.index.parent_rows(n)] = True
        self.is_state[0][model.ngrams[0][:, 0] == BOS_ID] = True
        # States: <s> is 0, the empty history 1, then the histories by length and id order (rows are sorted).
        self.state_of = []
        first = 2
        for k, states in enumerate(self.is_state):
            numbers = np.full(len(states), -1, dtype=np.int64)
            counted = states & (model.ngrams[k][:, 0] != BOS_ID) if k == 0 else states
            numbers[counted] = first + np.arange(int(counted.sum()))
            first += int(counted.sum())
            if k == 0:
                numbers[model.ngrams[0][:, 0] == BOS_ID] = 0
            self.state_of.append(numbers)

    def states(self) -> list[tuple[int, int, int]]:
        """(state, order k of its history's (k+1)-gram, row) of every history but the empty one."""
        return sorted((int(self.state_of[k][r]), k, int(r)) for k, states in enumerate(self.is_state)
                      for r in np.flatnonzero(states))

    def destinations(self, sequences: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """State reached after each row of `sequences` (its longest suffix that is a history, at most order - 1
        words), and the log10 back-off weights of the longer suffixes skipped on the way (Katz's recursion)."""
        m = len(sequences)
        sequences = sequences[:, max(0, sequences.shape[1] - self.keep):] if self.keep else sequences[:, :0]
        state = np.full(m, 1, dtype=np.int64)
        extra = np.zeros(m)
        pending = np.ones(m, dtype=bool)
        for length in range(sequences.shape[1], 0, -1):
            rows = self.index.rows(sequences[:, sequences.shape[1] - length:])
            present = pending & (rows >= 0)
            at = np.maximum(rows, 0)
            arrive = present & self.is_state[length - 1][at]
            state[arrive] = self.state_of[length - 1][at[arrive]]
            pending &= ~arrive
            skipped = pending & present
            extra[skipped] += self.model.logbow[length - 1][at[skipped]]
        return state, extra


def write_fst(model: BackoffModel, fst_out: TextIO, symbols_out: TextIO, *, epsilon_backoff: bool = False) -> None:
    """Write G in OpenFst text format to `fst_out` and its symbol table to `symbols_out`."""
    words = model.vocab.words
    histories = _Histories(model)
    backoff_label = EPSILON if epsilon_backoff else BACKOFF_SYMBOL
    lines, finals = [], {}
    for k, (grams, logprob) in enumerate(zip(model.ngrams, model.logprob)):
        sources = histories.state_of[k - 1][histories.index.parent_rows(k + 1)] if k else np.ones(len(grams), int)
        targets, extras = histories.destinations(grams)
        for row, p, source, target, extra in zip(grams[:, -1].tolist(), logprob.tolist(), sources.tolist(),
                                                 targets.tolist(), extras.tolist()):
            if row == BOS_ID:
                continue
            if row == EOS_ID:
                finals[source] = p
                continue
            lines.append((source, f"{source}\t{target}\t{words[row]}\t{words[row]}\t{_cost(p + extra)}\n"))
    for state, k, row in histories.states():
        target, extra = histories.destinations(model.ngrams[k][row:row + 1, 1:])
        bow = float(model.logbow[k][row]) + float(extra[0])
        lines.append((state, f"{state}\t{int(target[0])}\t{backoff_label}\t{backoff_label}\t{_cost(bow)}\n"))
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
