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
    """

    kind: str = ""

    def __init__(self, vocab_size: int, **hyperparameters: Any):
        super().__init__()
        self.vocab_size = vocab_size
        self.hyperparameters = dict(hyperparameters)

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
