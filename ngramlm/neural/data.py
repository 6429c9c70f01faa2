"""Text -> id tensors for the neural models, on the same ground as the n-gram models.

A text is read with `ngramlm.corpus.read_sentences` and encoded with a closed `Vocabulary` built from the
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
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch

from ngramlm.corpus import TextOptions, read_sentences
from ngramlm.errors import InputError, ModelError
from ngramlm.vocab import BOS_ID, EOS_ID, UNK_ID, Vocabulary

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


@dataclass
class EncodedText:
    """A text as sentences of ids (`<s> .. </s>` each), with the counts a perplexity report needs.

    `words` counts word tokens (not <s>, not </s>), `sentences` the </s> tokens, and `unknown` the words scored
    as <unk>: words outside the vocabulary plus any <unk> already written in the text.
    """

    sentences: list[np.ndarray]
    words: int
    unknown: int

    @property
    def num_sentences(self) -> int:
        return len(self.sentences)

    @property
    def num_targets(self) -> int:
        """Tokens that are predicted: words and one </s> per sentence."""
        return self.words + self.num_sentences

    def stream(self) -> np.ndarray:
        return np.concatenate(self.sentences) if self.sentences else np.zeros(0, dtype=np.int64)

    def blocks(self, mode: str, batch_size: int, *, rng: np.random.Generator | None = None) -> list[Block]:
        """The text as blocks for `mode` ("sentence" or "stream"); `rng` shuffles sentences (training only).

        In stream mode with batch_size > 1 the stream is cut into `batch_size` rows and the few tokens that do
        not fill the last column are dropped (Zaremba et al.'s batching, meant for training); evaluation uses
        batch_size 1 so that every token is scored with its full left context.
        """
        if mode == "stream":
            return [_stream_block(self.stream(), batch_size)]
        if mode != "sentence":
            raise ValueError(f"unknown context mode {mode!r}; expected one of {CONTEXT_MODES}")
        order = rng.permutation(len(self.sentences)) if rng is not None else np.argsort(
            [len(s) for s in self.sentences], kind="stable")
        return [sentence_block([self.sentences[i] for i in order[start:start + batch_size]])
                for start in range(0, len(order), batch_size)]


def _counted(sentences: list[np.ndarray]) -> EncodedText:
    words = sum(len(s) - 2 for s in sentences)
    unknown = int(sum(np.count_nonzero(s == UNK_ID) for s in sentences))
    return EncodedText(sentences, words, unknown)


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


def vocabulary_from_file(path: str, options: TextOptions = TextOptions(), *, unk_word: str = "<unk>") -> Vocabulary:
    """A closed vocabulary of every word of the training text (plus <unk>, <s>, </s>)."""
    vocab = Vocabulary(unk_word=unk_word)
    for sentence in read_sentences(path, options):
        for word in sentence:
            vocab.add(word)
    vocab.closed = True
    return vocab


def encode_file(path: str, vocab: Vocabulary, options: TextOptions = TextOptions()) -> EncodedText:
    """Read and encode a text; words outside `vocab` become <unk>.

    Sentences must carry both markers (the default TextOptions), since the models predict </s> and start at <s>.
    """
    if not (options.sos and options.eos):
        raise ModelError("the neural models need <s> and </s> around every sentence; drop -no-sos/-no-eos")
    sentences = [vocab.encode(s, grow=False).astype(np.int64) for s in read_sentences(path, options)]
    if not sentences:
        raise InputError(path, None, "no sentences: the file is empty (a model needs text to train or score)")
    return _counted(sentences)
