"""What every neural language model here provides, so that training and evaluation are written once."""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ngramlm.core.vocab import BOS_ID


class NeuralLM(nn.Module):
    """A left-to-right language model over a vocabulary of `vocab_size` ids.

    `forward(inputs, state)` takes a (batch, time) id tensor and the state left by the previous chunk of the
    same rows (None for a fresh start at the beginning of a block) and returns logits (batch, time, vocab) for
    the next token at every position, and the state to pass with the next chunk. The logit of <s> is -inf:
    <s> is context only, so every distribution sums to 1 over the tokens that can follow.

    `forward_with_hidden` also returns the last layer's hidden state at every position (batch, time, width),
    the representation contrastive search compares (ngramlm.models.neural.stepping). A state is split into
    one state per row and stacked back (`split_state`, `stack_states`) so that generation can reorder, drop
    and duplicate rows (beams, candidates); the default handles states batched along dimension 0.
    """

    kind: str = ""

    def __init__(self, vocab_size: int, **hyperparameters: Any):
        super().__init__()
        self.vocab_size = vocab_size
        self.hyperparameters = dict(hyperparameters)

    def forward_with_hidden(self, inputs: torch.Tensor, state=None):
        """(logits, last hidden layer, next state); see the class docstring."""
        raise NotImplementedError

    def decode_step(self, inputs: torch.Tensor, state=None):
        """forward_with_hidden for generation in eval mode; a model may keep cached activations in the state it
        returns (which then only decode_step reads). The default caches nothing."""
        return self.forward_with_hidden(inputs, state)

    def forward(self, inputs: torch.Tensor, state=None):
        logits, _, state = self.forward_with_hidden(inputs, state)
        return logits, state

    def split_state(self, state) -> list:
        """One state per row (each still a batch of one)."""
        return list(state.split(1, dim=0))

    def stack_states(self, states: list):
        """The inverse of split_state; every state must have the same shape."""
        return torch.cat(states, dim=0)

    def detach_state(self, state):
        """The state cut off from the graph (truncated back-propagation through time)."""
        if state is None:
            return None
        if isinstance(state, torch.Tensor):
            return state.detach()
        return tuple(s.detach() for s in state)

    @staticmethod
    def never_predict_bos(logits: torch.Tensor) -> torch.Tensor:
        return logits.index_fill(-1, torch.tensor([BOS_ID], device=logits.device), float("-inf"))
