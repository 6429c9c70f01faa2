"""Perplexity of a neural model, counted exactly as `ngram -ppl` counts it for an open-vocabulary (-unk) model.

Every word of the text and one </s> per sentence is predicted (<s> is context only); words outside the
vocabulary are scored as <unk>, so there are no OOVs and no zero probabilities to leave out. With L the sum of
log10 probabilities, W the words and S the sentences (SRILM's ppl and ppl1):

    ppl  = 10 ** (-L / (W + S))          ppl1 = 10 ** (-L_words / W)

where L_words leaves out the </s> predictions, as SRILM's ppl1 does. The context mode decides what a model may
see: "sentence" restarts at every <s> (an n-gram model's view), "stream" carries the previous sentences along.

In:  a NeuralLM, an EncodedText and a context mode ("sentence" or "stream").
Out: the log10 probability of every predicted token in text order (target_logprobs: a float64 array), and their
     PerplexityTotals (evaluate).
"""
from __future__ import annotations

import numpy as np
import torch

from ngramlm.core.constants import LN10
from ngramlm.corpora.encoded import EncodedText, PerplexityTotals, perplexity_of_logprobs  # noqa: F401 (re-exported)

from .base import NeuralLM
from .data import CONTEXT_MODES, Block, sentence_block, text_blocks


def block_logprobs(model: NeuralLM, block: Block, chunk: int, device: torch.device) -> torch.Tensor:
    """log10 p(target | context) at every position of a block, (batch, length), fed `chunk` tokens at a time."""
    scores, state = [], None
    for piece in block.chunks(chunk):
        piece = piece.to(device)
        logits, state = model(piece.inputs, state)
        logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, piece.targets.unsqueeze(-1)).squeeze(-1)
        scores.append((logp * piece.mask / LN10).cpu())
    return torch.cat(scores, dim=1)


def target_logprobs(model: NeuralLM, text: EncodedText, mode: str = "sentence", *, batch_size: int = 32,
                    chunk: int = 128, device: torch.device | str = "cpu") -> np.ndarray:
    """log10 probabilities of every predicted token in text order: w1 .. wn </s> of each sentence in turn.

    This is the order in which an n-gram model scores the text, so the two can be mixed word by word.
    """
    if mode not in CONTEXT_MODES:
        raise ValueError(f"unknown context mode {mode!r}; expected one of {CONTEXT_MODES}")
    device = torch.device(device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            if mode == "stream":
                block = text_blocks(text, "stream", 1)[0]
                scores = block_logprobs(model, block, chunk, device)[0]
                return scores[block.mask[0] > 0].numpy().astype(np.float64)
            per_sentence: list[np.ndarray] = [np.zeros(0)] * text.num_sentences
            order = np.argsort([len(s) for s in text.sentences], kind="stable")
            for start in range(0, len(order), batch_size):
                rows = order[start:start + batch_size]
                scores = block_logprobs(model, sentence_block([text.sentences[i] for i in rows]), chunk, device)
                for row, index in enumerate(rows):
                    per_sentence[index] = scores[row, : len(text.sentences[index]) - 1].numpy().astype(np.float64)
            return np.concatenate(per_sentence) if per_sentence else np.zeros(0)
    finally:
        model.train(was_training)


def evaluate(model: NeuralLM, text: EncodedText, mode: str = "sentence", **kwargs) -> PerplexityTotals:
    """Perplexity of `model` on `text` in context mode `mode` (keyword arguments go to `target_logprobs`)."""
    return perplexity_of_logprobs(text, target_logprobs(model, text, mode, **kwargs))
