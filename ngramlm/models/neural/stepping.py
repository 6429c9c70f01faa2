"""A neural language model as a generation StepModel (ngramlm.use.generation.models): the next word's logits for
a batch of states, with the last layer's hidden vectors that contrastive search compares.

The model's own state is kept per row (NeuralLM.split_state), so rows can be dropped, reordered and duplicated
freely; each step stacks the rows whose states have the same shape (all of them, except for a Transformer whose
prefixes differ in length and are still shorter than its memory) and runs them as one batch.

With use_cache (the default) each step calls NeuralLM.decode_step, which lets a Transformer keep its keys and
values instead of re-reading its window (TransformerLM.decode_step says when it must still re-read it); without,
forward_with_hidden, as a training chunk would be read.

In:  a NeuralLM (eval mode is set here), its Vocabulary, a torch device, use_cache.
Out: NeuralStepModel: start / advance / select as the protocol says; logits and hidden vectors as float64 numpy.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import numpy as np
import torch

from ngramlm.core.vocab import Vocabulary

from .base import NeuralLM


def _shape_key(state) -> tuple:
    if state is None:
        return ()
    if isinstance(state, torch.Tensor):
        return tuple(state.shape)
    return tuple(tuple(s.shape) for s in state)


class NeuralStepModel:
    """See the module docstring."""

    has_hidden = True

    def __init__(self, model: NeuralLM, vocab: Vocabulary, device: torch.device | str = "cpu",
                 use_cache: bool = True):
        self.model = model.to(device).eval()
        self.step = self.model.decode_step if use_cache else self.model.forward_with_hidden
        self.vocab = vocab
        self.device = torch.device(device)

    def _run(self, rows: Sequence[Sequence[int]], states: list) -> tuple[list, np.ndarray, list[np.ndarray]]:
        """Feed each row its tokens (rows of equal length and state shape go together); returns the rows' new
        states, the logits after their last token, and the hidden vectors of every token fed."""
        groups: dict[tuple, list[int]] = defaultdict(list)
        for i, (tokens, state) in enumerate(zip(rows, states)):
            groups[(len(tokens), _shape_key(state))].append(i)
        new_states: list = [None] * len(rows)
        logits = np.zeros((len(rows), self.model.vocab_size))
        hidden: list[np.ndarray] = [np.zeros(0)] * len(rows)
        with torch.no_grad():
            for members in groups.values():
                inputs = torch.tensor([list(rows[i]) for i in members], dtype=torch.int64, device=self.device)
                state = None if states[members[0]] is None else \
                    self.model.stack_states([states[i] for i in members])
                out, last_hidden, state = self.step(inputs, state)
                split = self.model.split_state(state) if state is not None else [None] * len(members)
                out = out[:, -1].double().cpu().numpy()
                last_hidden = last_hidden.double().cpu().numpy()
                for j, i in enumerate(members):
                    new_states[i], logits[i], hidden[i] = split[j], out[j], last_hidden[j]
        return new_states, logits, hidden

    def start(self, prefixes):
        states, logits, hidden = self._run(prefixes, [None] * len(prefixes))
        return states, logits, hidden

    def advance(self, state, words):
        states, logits, hidden = self._run([[int(w)] for w in words], state)
        return states, logits, np.stack([h[-1] for h in hidden]) if hidden else np.zeros((0, 0))

    def select(self, state, rows):
        return [state[int(r)] for r in rows]
