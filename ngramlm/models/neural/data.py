"""Text -> id tensors for the neural models, on the same ground as the n-gram models.

A text is read with `ngramlm.corpora.reader.read_sentences` and encoded with a closed `Vocabulary` built from the
training text, so every sentence is `<s> w1 .. wn </s>` in ids and unknown words are <unk>. A model reads
inputs x_t and predicts targets x_{t+1}. <s> is never a target (it is context only), so the loss and the
perplexity count exactly words + one </s> per sentence, the tokens `ngram -ppl` counts.

The model sees the text in blocks: a block is a (batch, length) matrix that starts from a fresh model state and
is fed to the model in time chunks with the state carried from chunk to chunk (truncated back-propagation
through time when training). The two context modes differ only in what a block is:

  sentence  one row per sentence, padded at the end (padding is masked out of loss and perplexity); the state
            is fresh at every <s>, as an n-gram model's context is.
  stream    the sentences are one stream (`... </s> <s> w1 ...`) cut into `batch` contiguous rows
            (Zaremba et al. 2014's batching); context runs across sentence boundaries.

In:  an EncodedText (ngramlm.corpora.encoded.encode_file, with a closed Vocabulary), a context mode and a batch size.
Out: Blocks (text_blocks): (batch, length) int64 input and target tensors and a float32 mask of the targets that
     count. The whole text is held in memory.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch

# The encoded text itself needs no PyTorch (ngramlm.apps.compare scores n-gram models on it too): re-exported here.
from ngramlm.corpora.encoded import EncodedText, encode_file, vocabulary_from_file  # noqa: F401
from ngramlm.core.vocab import BOS_ID, EOS_ID

CONTEXT_MODES = ("sentence", "stream")


@dataclass
class Block:
    """Inputs, targets and a 0/1 mask of the targets that count, all (batch, length); the state starts fresh."""

    inputs: torch.Tensor
    targets: torch.Tensor
    mask: torch.Tensor

    def chunks(self, length: int) -> Iterator["Block"]:
        """The block cut along time into pieces of at most `length` tokens, in order."""
        for start in range(0, self.inputs.shape[1], length):
            end = start + length
            yield Block(self.inputs[:, start:end], self.targets[:, start:end], self.mask[:, start:end])

    def to(self, device: torch.device) -> "Block":
        return Block(self.inputs.to(device), self.targets.to(device), self.mask.to(device))


def _block(inputs: torch.Tensor, targets: torch.Tensor) -> Block:
    """A block whose <s> targets (and padding, written as <s>) are masked out and replaced by a harmless id.

    <s> is context only: in a stream it follows </s> but is never predicted, and the models give it probability
    0, so its log-probability would be -inf; the mask keeps it out of loss and perplexity.
    """
    counts = targets != BOS_ID
    return Block(inputs, targets.masked_fill(~counts, EOS_ID), counts.to(torch.float32))


def _stream_block(stream: np.ndarray, batch_size: int) -> Block:
    ids = torch.from_numpy(stream.astype(np.int64))
    columns = (len(ids) - 1) // batch_size
    inputs = ids[: batch_size * columns].view(batch_size, columns)
    targets = ids[1: batch_size * columns + 1].view(batch_size, columns)
    return _block(inputs, targets)


def sentence_block(sentences: list[np.ndarray]) -> Block:
    """Sentences as one block, a row each, padded at the end (the padding is masked out)."""
    length = max(len(s) for s in sentences) - 1
    inputs = torch.full((len(sentences), length), EOS_ID, dtype=torch.int64)
    targets = torch.full((len(sentences), length), BOS_ID, dtype=torch.int64)  # padding: masked out below
    for row, sentence in enumerate(sentences):
        ids = torch.from_numpy(sentence.astype(np.int64))
        inputs[row, : len(ids) - 1] = ids[:-1]
        targets[row, : len(ids) - 1] = ids[1:]
    return _block(inputs, targets)


def text_blocks(text: EncodedText, mode: str, batch_size: int, *, rng: np.random.Generator | None = None,
                ) -> list[Block]:
    """The text as blocks for `mode` ("sentence" or "stream"); `rng` shuffles sentences (training only).

    In stream mode with batch_size > 1 the stream is cut into `batch_size` rows and the few tokens that do
    not fill the last column are dropped (Zaremba et al.'s batching, meant for training); evaluation uses
    batch_size 1 so that every token is scored with its full left context.
    """
    if mode == "stream":
        return [_stream_block(text.stream(), batch_size)]
    if mode != "sentence":
        raise ValueError(f"unknown context mode {mode!r}; expected one of {CONTEXT_MODES}")
    order = rng.permutation(len(text.sentences)) if rng is not None else np.argsort(
        [len(s) for s in text.sentences], kind="stable")
    return [sentence_block([text.sentences[i] for i in order[start:start + batch_size]])
            for start in range(0, len(order), batch_size)]
