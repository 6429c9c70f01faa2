"""The model kinds by name, and building one from its hyperparameters (as stored in a checkpoint)."""
from __future__ import annotations

import inspect
from typing import Any

from ngramlm.core.errors import ModelError

from .base import NeuralLM
from .feedforward import FeedForwardLM
from .lstm import LSTMLM
from .transformer import TransformerLM

MODEL_KINDS: dict[str, type[NeuralLM]] = {cls.kind: cls for cls in (FeedForwardLM, LSTMLM, TransformerLM)}


def hyperparameter_defaults(kind: str) -> dict[str, Any]:
    """The hyperparameters a kind takes, with their defaults."""
    signature = inspect.signature(_model_class(kind).__init__)
    return {name: p.default for name, p in signature.parameters.items() if name not in ("self", "vocab_size")}


def build_model(kind: str, vocab_size: int, **hyperparameters: Any) -> NeuralLM:
    """A fresh model of `kind` ("ffnn", "lstm", "transformer"); unknown hyperparameters are an error."""
    known = hyperparameter_defaults(kind)
    unknown = sorted(set(hyperparameters) - set(known))
    if unknown:
        raise ModelError(f"the {kind} model has no hyperparameter {', '.join(unknown)}; it takes {', '.join(known)}")
    return _model_class(kind)(vocab_size, **hyperparameters)


def count_parameters(model: NeuralLM) -> int:
    """Trainable parameters, each shared (tied) tensor counted once."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _model_class(kind: str) -> type[NeuralLM]:
    if kind not in MODEL_KINDS:
        raise ModelError(f"unknown neural model {kind!r}; choose one of {', '.join(MODEL_KINDS)}")
    return MODEL_KINDS[kind]
