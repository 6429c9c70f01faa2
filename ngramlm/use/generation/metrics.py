"""How repetitive text is, with the definitions of Welleck et al. 2019 ("Neural Text Generation with Unlikelihood
Training", section 6), and Li et al. 2016's distinct-n. A continuation is a list of tokens (words or ids); the
prefix it continues counts as context where a definition looks back.

  seq-rep-n   per continuation, 1 - (distinct n-grams / n-grams), averaged over the continuations that have an
              n-gram (Welleck et al.'s "portion of duplicate n-grams"; 0 = no repeat)
  uniq-seq    the number of distinct tokens over all continuations
  distinct-n  distinct n-grams over all n-grams of all continuations
  rep/l       the fraction of tokens y_t that occur among the l tokens before them (prefix included); for
              next-token prediction, y_t is the model's arg-max given the true text before t
  wrep/l      the same, counted only where y_t differs from the reference token at t (the human continuation):
              a repeat that is not also right
  acc         (next-token prediction) the fraction of arg-max predictions equal to the reference token
  ppl         10 ** (-(sum of log10 p) / tokens): the model's perplexity of the tokens it scored

In:  continuations (and their prefixes, references, log10 probabilities) as sequences of tokens.
Out: floats; `sequence_metrics` gathers them in one dict.
"""
from __future__ import annotations

from typing import Hashable, Sequence

import numpy as np

Tokens = Sequence[Hashable]


def ngrams(tokens: Tokens, n: int) -> list[tuple]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def seq_rep_n(continuations: Sequence[Tokens], n: int) -> float:
    rates = [1.0 - len(set(grams)) / len(grams) for grams in (ngrams(c, n) for c in continuations) if grams]
    return float(np.mean(rates)) if rates else 0.0


def distinct_n(continuations: Sequence[Tokens], n: int) -> float:
    every = [g for c in continuations for g in ngrams(c, n)]
    return len(set(every)) / len(every) if every else 0.0


def uniq_seq(continuations: Sequence[Tokens]) -> int:
    return len({t for c in continuations for t in c})


def rep_l(predictions: Sequence[Tokens], prefixes: Sequence[Tokens], l: int,
          contexts: Sequence[Tokens] | None = None, references: Sequence[Tokens] | None = None) -> float:
    """rep/l, or wrep/l when `references` is given. The token before position t are prefix + contexts[i][:t]
    (contexts default to the predictions themselves: generated text looks back at itself; for next-token
    prediction they are the true continuation)."""
    repeats = positions = 0
    for i, predicted in enumerate(predictions):
        text = list(prefixes[i]) + list(predicted if contexts is None else contexts[i])
        start = len(prefixes[i])
        for t, token in enumerate(predicted):
            window = text[max(0, start + t - l):start + t]
            repeated = token in window
            if references is not None:
                reference = references[i][t] if t < len(references[i]) else None
                repeated = repeated and token != reference
            repeats += repeated
            positions += 1
    return repeats / positions if positions else 0.0


def accuracy(predictions: Sequence[Tokens], references: Sequence[Tokens]) -> float:
    pairs = [(p, r) for ps, rs in zip(predictions, references) for p, r in zip(ps, rs)]
    return sum(p == r for p, r in pairs) / len(pairs) if pairs else 0.0


def perplexity(logprobs: Sequence[float], tokens: int) -> float:
    return float(10.0 ** (-float(np.sum(logprobs)) / tokens)) if tokens else float("nan")


def sequence_metrics(continuations: Sequence[Tokens], prefixes: Sequence[Tokens], references: Sequence[Tokens],
                     logprob: float | None = None, scored: int | None = None, l: int = 128,
                     orders: Sequence[int] = (1, 2, 3, 4)) -> dict[str, float]:
    """Every sequence-level figure of generated (or human) continuations of `prefixes`: seq-rep-n and
    distinct-n for each n of `orders`, uniq-seq, rep/l and wrep/l (against `references`), mean length, and the
    perplexity when the total log10 probability `logprob` of `scored` tokens is given."""
    figures: dict[str, float] = {}
    for n in orders:
        figures[f"seq-rep-{n}"] = seq_rep_n(continuations, n)
    for n in orders:
        figures[f"distinct-{n}"] = distinct_n(continuations, n)
    figures["uniq-seq"] = uniq_seq(continuations)
    figures[f"rep/{l}"] = rep_l(continuations, prefixes, l)
    figures[f"wrep/{l}"] = rep_l(continuations, prefixes, l, references=references)
    figures["length"] = float(np.mean([len(c) for c in continuations])) if continuations else 0.0
    if logprob is not None and scored:
        figures["ppl"] = perplexity([logprob], scored)
    return figures
