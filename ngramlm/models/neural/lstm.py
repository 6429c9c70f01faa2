"""A word-level LSTM language model (Zaremba, Sutskever & Vinyals 2014, "Recurrent neural network
regularization"): stacked LSTM layers with dropout on the non-recurrent connections only."""
from __future__ import annotations

import torch
from torch import nn

from ngramlm.core.errors import ModelError

from .base import NeuralLM


class LSTMLM(NeuralLM):
    """Embedding -> dropout -> `layers` stacked LSTMs -> dropout -> softmax over the vocabulary.

    Args:
        vocab_size: number of ids.
        layers, hidden: depth and width of the LSTM stack (Zaremba's "small" model: 2 x 200, dropout 0).
        embedding: input embedding width (defaults to `hidden`).
        dropout: dropout between layers, on the non-recurrent connections (Zaremba et al. 2014, section 3).
        tied: share the input embedding and the output matrix (Press & Wolf 2017; Inan et al. 2017); needs
            embedding == hidden.
    """

    kind = "lstm"

    def __init__(self, vocab_size: int, layers: int = 2, hidden: int = 200, embedding: int | None = None,
                 dropout: float = 0.0, tied: bool = False):
        embedding = hidden if embedding is None else embedding
        super().__init__(vocab_size, layers=layers, hidden=hidden, embedding=embedding, dropout=dropout, tied=tied)
        if tied and embedding != hidden:
            raise ModelError(f"tied embeddings need embedding width == hidden width (got {embedding} and {hidden})")
        self.embed = nn.Embedding(vocab_size, embedding)
        self.lstm = nn.LSTM(embedding, hidden, num_layers=layers, dropout=dropout if layers > 1 else 0.0,
                            batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.output_layer = nn.Linear(hidden, vocab_size)
        if tied:
            self.output_layer.weight = self.embed.weight
        # Zaremba et al. initialise every parameter uniformly in [-0.1, 0.1].
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -0.1, 0.1)

    def forward_with_hidden(self, inputs: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None):
        """State: the LSTM's (h, c) after the previous chunk; a fresh start is all zeros. Hidden: the top
        layer's output."""
        output, state = self.lstm(self.dropout(self.embed(inputs)), state)
        return self.never_predict_bos(self.output_layer(self.dropout(output))), output, state

    def split_state(self, state) -> list:
        h, c = state  # (layers, batch, hidden) each
        return list(zip(h.split(1, dim=1), c.split(1, dim=1)))

    def stack_states(self, states: list):
        return torch.cat([h for h, _ in states], dim=1), torch.cat([c for _, c in states], dim=1)
