"""Checkpoints: one file that holds a trained model and, while training runs, everything needed to resume it.

The file is a `torch.save` dictionary written atomically (temporary file + rename), so an interrupted run
leaves the previous checkpoint intact. It holds plain types and tensors only, so it loads with
`torch.load(weights_only=True)`, which cannot run code from the file:

  format        CHECKPOINT_FORMAT
  kind          "ffnn" | "lstm" | "transformer";  hyperparameters: the model's constructor arguments
  vocab         the words by id, and unk_word;    text: the TextOptions fields used to read the corpus
  context       the context mode the model was trained in ("sentence" or "stream")
  model         the weights to use: those of the best validation perplexity so far
  training      None once exported; else the latest weights, optimizer state, completed epochs, learning rate,
                best validation perplexity, epochs without improvement, history, training config and the
                torch RNG states (CPU and every GPU), so that resumed training continues exactly
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import torch

from ngramlm.corpora.reader import TextOptions
from ngramlm.core.errors import ModelError
from ngramlm.core.io import atomic_write
from ngramlm.core.vocab import Vocabulary

from .architectures import build_model
from .base import NeuralLM

CHECKPOINT_FORMAT = "ngramlm-neural-1"


@dataclass
class Checkpoint:
    """A loaded checkpoint: the model (best weights), its vocabulary and reading options, and training state."""

    model: NeuralLM
    vocab: Vocabulary
    text_options: TextOptions
    context: str
    training: dict[str, Any] | None


def save_checkpoint(path: str, model: NeuralLM, vocab: Vocabulary, text_options: TextOptions, context: str, *,
                    best_weights: dict[str, torch.Tensor] | None = None,
                    training: dict[str, Any] | None = None) -> None:
    """Write a checkpoint; `best_weights` (default: the model's current weights) become the model to use."""
    payload = {
        "format": CHECKPOINT_FORMAT,
        "kind": model.kind,
        "hyperparameters": model.hyperparameters,
        "vocab": vocab.words,
        "unk_word": vocab.unk_word,
        "text": dataclasses.asdict(text_options),
        "context": context,
        "model": _on_cpu(best_weights if best_weights is not None else model.state_dict()),
        "training": training,
    }
    with atomic_write(path, "wb") as f:
        torch.save(payload, f)


def load_checkpoint(path: str, device: torch.device | str = "cpu") -> Checkpoint:
    """Read a checkpoint written by `save_checkpoint`; a file of another kind is a ModelError."""
    try:
        with open(path, "rb") as f:
            payload = torch.load(f, map_location=device, weights_only=True)
    except FileNotFoundError:
        raise ModelError(f"{path}: no such checkpoint") from None
    except Exception as exc:  # torch raises several types for a file that is not one of its archives
        raise ModelError(f"{path}: not a readable ngramlm neural checkpoint ({exc})") from None
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise ModelError(f"{path}: not an ngramlm neural checkpoint (expected format {CHECKPOINT_FORMAT})")
    words = payload["vocab"]
    vocab = Vocabulary(words[3:], unk_word=payload["unk_word"], closed=True)
    model = build_model(payload["kind"], len(vocab), **payload["hyperparameters"]).to(device)
    model.load_state_dict(payload["model"])
    return Checkpoint(model, vocab, TextOptions(**payload["text"]), payload["context"], payload["training"])


def _on_cpu(weights: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().cpu().clone() for name, tensor in weights.items()}
