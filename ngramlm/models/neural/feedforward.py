"""The feed-forward neural probabilistic language model of Bengio, Ducharme, Vincent & Jauvin (2003).

Each word is predicted from the previous n-1 words only, like an n-gram model, but through shared word
embeddings C and a hidden layer, so that similar contexts share statistical strength.
"""
from __future__ import annotations

import torch
from torch import nn

from ngramlm.core.errors import ModelError
from ngramlm.core.vocab import BOS_ID

from .base import NeuralLM


class FeedForwardLM(NeuralLM):
    """Bengio et al. (2003), section 2: with x the concatenated embeddings C(w_{t-1}) .. C(w_{t-n+1}),

        y = b + W x + U tanh(d + H x),    p(w_t | context) = softmax(y)[w_t]

    Args:
        vocab_size: number of ids.
        order: n, so that the model sees the previous n-1 words.
        embedding: m, the width of a word's embedding C(w).
        hidden: h, the width of the hidden layer.
        direct: keep the direct connections W from the embeddings to the output (Bengio's "direct
            architecture"); without them W = 0.
        dropout: dropout on the hidden layer (not in the paper; 0 reproduces it).
        input_dropout: dropout on the concatenated context embeddings x (not in the paper either): with
            a large vocabulary the embeddings are most of the parameters, and most of the overfitting.
    """

    kind = "ffnn"

    def __init__(self, vocab_size: int, order: int = 5, embedding: int = 64, hidden: int = 128,
                 direct: bool = False, dropout: float = 0.0, input_dropout: float = 0.0):
        super().__init__(vocab_size, order=order, embedding=embedding, hidden=hidden, direct=direct,
                         dropout=dropout, input_dropout=input_dropout)
        if order < 2:
            raise ModelError(f"the feed-forward model needs order >= 2 (it sees order-1 previous words), got {order}")
        self.context = order - 1
        self.embed = nn.Embedding(vocab_size, embedding)
        self.hidden_layer = nn.Linear(self.context * embedding, hidden)          # d + H x
        self.output_layer = nn.Linear(hidden, vocab_size)                    # b + U a
        self.direct_layer = nn.Linear(self.context * embedding, vocab_size, bias=False) if direct else None  # W x
        self.dropout = nn.Dropout(dropout)
        self.input_dropout = nn.Dropout(input_dropout)

    def forward_with_hidden(self, inputs: torch.Tensor, state: torch.Tensor | None = None):
        """State: the last n-2 input ids of the previous chunk (the current input completes the n-1 words of
        context); a fresh start pads the context with <s>. Hidden: the tanh layer."""
        if state is None:
            state = torch.full((inputs.shape[0], self.context - 1), BOS_ID, dtype=inputs.dtype,
                               device=inputs.device)
        history = torch.cat([state, inputs], dim=1)
        windows = history.unfold(1, self.context, 1)                         # (batch, time, n-1), oldest first
        x = self.input_dropout(self.embed(windows).flatten(2))
        hidden = torch.tanh(self.hidden_layer(x))
        y = self.output_layer(self.dropout(hidden))
        if self.direct_layer is not None:
            y = y + self.direct_layer(x)
        return self.never_predict_bos(y), hidden, history[:, history.shape[1] - (self.context - 1):]
