"""A causal Transformer language model (the decoder of Vaswani et al. 2017 without cross-attention, as in
GPT, Radford et al. 2018): every position attends to itself and the positions before it, never after."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ngramlm.core.errors import ModelError

from .base import NeuralLM

POSITIONAL_ENCODINGS = ("sinusoidal", "learned")


def sinusoidal_positions(length: int, width: int) -> torch.Tensor:
    """Vaswani et al. (2017), section 3.5: PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...)."""
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    frequency = torch.exp(torch.arange(0, width, 2, dtype=torch.float32) * (-math.log(10000.0) / width))
    table = torch.zeros(length, width)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency[: width // 2])
    return table


class TransformerLM(NeuralLM):
    """Embedding + positions -> `layers` pre-norm self-attention blocks under a causal mask -> softmax.

    Args:
        vocab_size: number of ids.
        layers, heads, width: depth, attention heads, model width d (the feed-forward inner width is 4d).
        dropout: dropout on attention weights and residual branches.
        positional: "sinusoidal" (Vaswani et al. 2017, section 3.5) or "learned" (one vector per position).
        memory: how many previous tokens a chunk may attend to beyond itself (context carried across chunks).
        max_length: the longest window (memory + chunk) a learned positional table covers.
        tied: share the input embedding and the output matrix.
    """

    kind = "transformer"

    def __init__(self, vocab_size: int, layers: int = 2, heads: int = 4, width: int = 128, dropout: float = 0.1,
                 positional: str = "sinusoidal", memory: int = 64, max_length: int = 512, tied: bool = True):
        super().__init__(vocab_size, layers=layers, heads=heads, width=width, dropout=dropout,
                         positional=positional, memory=memory, max_length=max_length, tied=tied)
        if positional not in POSITIONAL_ENCODINGS:
            raise ModelError(f"unknown positional encoding {positional!r}; choose one of {POSITIONAL_ENCODINGS}")
        if width % heads:
            raise ModelError(f"the width ({width}) must be a multiple of the number of heads ({heads})")
        self.width, self.memory, self.max_length, self.positional = width, memory, max_length, positional
        self.embed = nn.Embedding(vocab_size, width)
        if positional == "learned":
            self.position_table = nn.Embedding(max_length, width)
        else:
            self.register_buffer("position_table", sinusoidal_positions(max_length, width), persistent=False)
        block = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.final_norm = nn.LayerNorm(width)
        self.dropout = nn.Dropout(dropout)
        self.output_layer = nn.Linear(width, vocab_size)
        if tied:
            self.output_layer.weight = self.embed.weight
        nn.init.normal_(self.embed.weight, std=width ** -0.5)

    def _positions(self, length: int) -> torch.Tensor:
        if length > self.max_length:
            raise ModelError(f"a window of {length} tokens is longer than the model's max_length "
                             f"({self.max_length}); use shorter chunks or less memory")
        if self.positional == "learned":
            return self.position_table.weight[:length]
        return self.position_table[:length]

    def forward_with_hidden(self, inputs: torch.Tensor, state: torch.Tensor | None = None):
        """State: up to `memory` input ids preceding this chunk, re-read as context (no cached activations).
        Hidden: the final layer norm's output."""
        window = inputs if state is None else torch.cat([state, inputs], dim=1)
        length = window.shape[1]
        x = self.embed(window) * math.sqrt(self.width) + self._positions(length)
        causal = nn.Transformer.generate_square_subsequent_mask(length, device=inputs.device)
        hidden = self.blocks(self.dropout(x), mask=causal, is_causal=True)
        hidden = self.final_norm(hidden[:, length - inputs.shape[1]:])
        next_state = window[:, max(0, length - self.memory):] if self.memory > 0 else None
        return self.never_predict_bos(self.output_layer(self.dropout(hidden))), hidden, next_state

    def decode_step(self, inputs: torch.Tensor, state=None):
        """forward_with_hidden for generation (eval mode), keeping every layer's keys and values.

        The state is (ids, keys, values) while the window still starts at the row's first kept token: the window
        is then ids + inputs at positions 0.., exactly as in forward_with_hidden, and only `inputs` are computed.
        Once the window outgrows `memory`, forward_with_hidden's next state drops its oldest ids, so every kept
        token moves to a new position (positions are added to the input embedding) and no cached key or value
        is valid any more: the state falls back to the ids alone and each later step recomputes the whole window
        of memory + 1 tokens, as forward_with_hidden does. The distributions are the same either way."""
        if state is None or isinstance(state, torch.Tensor):
            ids = inputs if state is None else torch.cat([state, inputs], dim=1)
            fresh, past = ids, None
        else:
            previous, keys, values = state
            ids, fresh, past = torch.cat([previous, inputs], dim=1), inputs, (keys, values)
        length, start = ids.shape[1], ids.shape[1] - fresh.shape[1]
        x = self.embed(fresh) * math.sqrt(self.width) + self._positions(length)[start:]
        new_keys, new_values = [], []
        for i, layer in enumerate(self.blocks.layers):
            x, k, v = self._cached_block(layer, x, None if past is None else (past[0][:, i], past[1][:, i]))
            new_keys.append(k)
            new_values.append(v)
        hidden = self.final_norm(x)
        logits = self.never_predict_bos(self.output_layer(hidden))
        if self.memory <= 0:
            return logits, hidden, None
        if length > self.memory:
            return logits, hidden, ids[:, length - self.memory:]
        return logits, hidden, (ids, torch.stack(new_keys, dim=1), torch.stack(new_values, dim=1))

    @staticmethod
    def _cached_block(layer: nn.TransformerEncoderLayer, x: torch.Tensor, past):
        """One pre-norm encoder layer (x + attention(norm1 x), then x + feed-forward(norm2 x)) over the new
        positions x, attending to the cached (batch, heads, time, head width) keys and values before them."""
        attention = layer.self_attn
        batch, new, width = x.shape
        heads = attention.num_heads
        q, k, v = F.linear(layer.norm1(x), attention.in_proj_weight, attention.in_proj_bias).chunk(3, dim=-1)
        q, k, v = (t.view(batch, new, heads, width // heads).transpose(1, 2) for t in (q, k, v))
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        # New position t (of `new`) sees every cached position and the new ones up to itself.
        allowed = torch.ones(new, k.shape[2], dtype=torch.bool, device=x.device).tril(k.shape[2] - new)
        mixed = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        x = x + attention.out_proj(mixed.transpose(1, 2).reshape(batch, new, width))
        x = x + layer.linear2(layer.activation(layer.linear1(layer.norm2(x))))
        return x, k, v

    def split_state(self, state) -> list:
        if isinstance(state, torch.Tensor):
            return super().split_state(state)
        return list(zip(*(part.split(1, dim=0) for part in state)))

    def stack_states(self, states: list):
        if isinstance(states[0], torch.Tensor):
            return super().stack_states(states)
        return tuple(torch.cat(parts, dim=0) for parts in zip(*states))
