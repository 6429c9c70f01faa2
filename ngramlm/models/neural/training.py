"""Training a neural language model: mini-batch SGD or Adam with truncated back-propagation through time,
gradient clipping, validation after every epoch, learning-rate decay on a plateau, early stopping, and a
checkpoint after every epoch that resumes exactly (weights, optimizer, epoch, RNG state).

The learning rate is multiplied by `lr_decay` after every epoch whose validation perplexity does not beat the
best so far (by `min_improvement`) and, with `decay_start` = k > 0, after every epoch from the k-th on as well
(Zaremba et al. 2014's fixed schedule). Training stops after `early_stop` epochs in a row without improvement,
after `epochs` epochs, or after the first epoch that ends past `max_seconds` of training. With
`unlikelihood_weight` alpha > 0 the loss adds token-level unlikelihood (ngramlm.models.neural.unlikelihood); the
reported training perplexity is still that of the likelihood term alone.

In:  a NeuralLM, a TrainConfig, the Vocabulary and TextOptions (kept in the checkpoints), and the training and
     validation texts as EncodedTexts.
Out: the model with its best weights by validation perplexity, the history (one dict of figures per epoch), and a
     checkpoint after each epoch (Trainer.save) that Trainer.resume continues from.
"""
from __future__ import annotations

import dataclasses
import math
import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np
import torch
from torch.nn import functional as F

from ngramlm.corpora.reader import TextOptions
from ngramlm.core.errors import ModelError
from ngramlm.core.vocab import Vocabulary

from .base import NeuralLM
from .checkpoint import load_checkpoint, save_checkpoint
from .data import CONTEXT_MODES, Block, EncodedText, text_blocks
from .evaluation import evaluate
from .unlikelihood import unlikelihood_loss

OPTIMIZERS = ("sgd", "adam")


@dataclass
class TrainConfig:
    """How to train. The defaults are Zaremba et al.'s small LSTM recipe except for the plateau schedule."""

    context: str = "stream"      # "stream" or "sentence": how blocks are cut (see ngramlm.models.neural.data)
    epochs: int = 13
    batch_size: int = 20         # rows of a stream, or sentences per block
    bptt: int = 35               # tokens per chunk (truncated back-propagation through time)
    optimizer: str = "sgd"
    # Zaremba et al. use lr 1 and clip 5 on a loss summed over 20 time steps; on our per-token mean loss the
    # same steps are lr 20 and clip 0.25 (also the defaults of PyTorch's word_language_model example).
    lr: float = 20.0
    lr_decay: float = 0.5        # multiplies the learning rate after an epoch without improvement
    decay_start: int = 0         # if > 0, also decay after every epoch from this one on (Zaremba et al.'s schedule)
    min_improvement: float = 0.001  # relative validation-perplexity gain that counts as improvement
    early_stop: int = 3          # epochs in a row without improvement before stopping
    clip: float = 0.25           # maximum gradient norm (Pascanu et al. 2013)
    weight_decay: float = 0.0
    seed: int = 1
    max_seconds: float = 0.0     # if > 0, stop after the first epoch that ends past this much training time
    log_every: int = 200         # batches between progress lines on stderr
    unlikelihood_weight: float = 0.0  # alpha of token-level unlikelihood training (0: plain likelihood)
    eval_batch_size: int = 32
    eval_chunk: int = 128

    def validate(self) -> None:
        if self.context not in CONTEXT_MODES:
            raise ModelError(f"unknown context mode {self.context!r}; choose one of {', '.join(CONTEXT_MODES)}")
        if self.optimizer not in OPTIMIZERS:
            raise ModelError(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        if min(self.epochs, self.batch_size, self.bptt) < 1 or self.lr <= 0 or not 0 < self.lr_decay <= 1:
            raise ModelError("epochs, batch size and bptt must be >= 1, lr > 0 and 0 < lr_decay <= 1")
        if self.unlikelihood_weight < 0:
            raise ModelError(f"the unlikelihood weight must be >= 0, not {self.unlikelihood_weight}")


# Settings that train each kind well on a CPU in a few epochs (the command line and compare start from these).
RECOMMENDED = {
    "ffnn": dict(optimizer="adam", lr=1e-3, batch_size=64, bptt=16, clip=1.0),
    "lstm": dict(optimizer="sgd", lr=20.0, batch_size=20, bptt=35, clip=0.25),
    "transformer": dict(optimizer="adam", lr=5e-4, batch_size=16, bptt=64, clip=1.0),
}


def recommended_config(kind: str, **overrides: Any) -> TrainConfig:
    """TrainConfig with RECOMMENDED[kind] applied, then `overrides` (None values are ignored)."""
    settings = {**RECOMMENDED.get(kind, {}), **{k: v for k, v in overrides.items() if v is not None}}
    return TrainConfig(**settings)


def seed_everything(seed: int) -> None:
    """Seed torch (CPU and GPUs); call before building a model so its initial weights are reproducible."""
    torch.manual_seed(seed)


class Trainer:
    """Trains `model` on encoded text, keeping the best weights by validation perplexity.

    `train` runs until the configured epochs or early stopping; with `checkpoint_path` it writes a checkpoint
    after every epoch. `Trainer.resume(path)` rebuilds a trainer from such a checkpoint.
    """

    def __init__(self, model: NeuralLM, config: TrainConfig, vocab: Vocabulary, text_options: TextOptions,
                 device: torch.device, *, quiet: bool = False, log: TextIO | None = None):
        config.validate()
        self.model = model.to(device)
        self.config, self.vocab, self.text_options, self.device = config, vocab, text_options, device
        self.quiet, self.log = quiet, log if log is not None else sys.stderr
        self.optimizer = self._make_optimizer()
        self.epoch = 0
        self.lr = config.lr
        self.best_valid = math.inf
        self.bad_epochs = 0
        self.best_weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
        self.history: list[dict[str, float]] = []
        self.train_seconds = 0.0

    def _make_optimizer(self) -> torch.optim.Optimizer:
        params, c = self.model.parameters(), self.config
        if c.optimizer == "adam":
            return torch.optim.Adam(params, lr=c.lr, weight_decay=c.weight_decay)
        return torch.optim.SGD(params, lr=c.lr, weight_decay=c.weight_decay)

    @property
    def finished(self) -> bool:
        c = self.config
        out_of_time = c.max_seconds > 0 and self.train_seconds >= c.max_seconds
        return self.epoch >= c.epochs or self.bad_epochs >= c.early_stop or out_of_time

    def train(self, train: EncodedText, valid: EncodedText, checkpoint_path: str | None = None) -> list[dict]:
        """Train epoch by epoch until done; returns the history (one dict of figures per epoch)."""
        while not self.finished:
            started = time.monotonic()
            train_ppl, tokens = self.train_epoch(train)
            valid_ppl = evaluate(self.model, valid, self.config.context, batch_size=self.config.eval_batch_size,
                                 chunk=self.config.eval_chunk, device=self.device).ppl
            self.train_seconds += time.monotonic() - started
            self._end_epoch(train_ppl, valid_ppl, tokens, time.monotonic() - started)
            if checkpoint_path:
                self.save(checkpoint_path)
        self.model.load_state_dict(self.best_weights)
        return self.history

    def train_epoch(self, train: EncodedText) -> tuple[float, int]:
        """One pass over the training text; returns its training perplexity and the tokens it predicted."""
        c = self.config
        self.model.train()
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr
        # The sentence order depends only on (seed, epoch), so a resumed run shuffles as an unbroken one would.
        rng = np.random.default_rng([c.seed, self.epoch]) if c.context == "sentence" else None
        blocks = text_blocks(train, c.context, c.batch_size, rng=rng)
        total_batches = sum(math.ceil(b.inputs.shape[1] / c.bptt) for b in blocks)
        loss_sum, token_sum, batch, window_tokens, window_start = 0.0, 0, 0, 0, time.monotonic()
        for block in blocks:
            state = None
            for chunk in block.chunks(c.bptt):
                loss, tokens, state = self._step(chunk.to(self.device), state)
                loss_sum, token_sum, batch = loss_sum + loss, token_sum + tokens, batch + 1
                window_tokens += tokens
                if not self.quiet and c.log_every and batch % c.log_every == 0:
                    rate = window_tokens / max(time.monotonic() - window_start, 1e-9)
                    print(f"epoch {self.epoch + 1} batch {batch}/{total_batches} train ppl "
                          f"{math.exp(loss_sum / max(token_sum, 1)):.2f} lr {self.lr:.3g} {rate:,.0f} tokens/s",
                          file=self.log, flush=True)
                    window_tokens, window_start = 0, time.monotonic()
        return math.exp(loss_sum / max(token_sum, 1)), token_sum

    def _step(self, chunk: Block, state):
        logits, state = self.model(chunk.inputs, self.model.detach_state(state))
        losses = F.cross_entropy(logits.flatten(0, 1), chunk.targets.flatten(), reduction="none")
        tokens = chunk.mask.sum()
        loss = (losses * chunk.mask.flatten()).sum()
        objective = loss
        if self.config.unlikelihood_weight > 0:
            objective = loss + self.config.unlikelihood_weight * unlikelihood_loss(logits, chunk.targets, chunk.mask)
        self.optimizer.zero_grad(set_to_none=True)
        (objective / tokens.clamp(min=1)).backward()
        if self.config.clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.clip)
        self.optimizer.step()
        return loss.item(), int(tokens.item()), state

    def _end_epoch(self, train_ppl: float, valid_ppl: float, tokens: int, seconds: float) -> None:
        self.epoch += 1
        self.history.append(dict(epoch=self.epoch, lr=self.lr, train_ppl=train_ppl, valid_ppl=valid_ppl,
                                 seconds=seconds, tokens_per_second=tokens / max(seconds, 1e-9)))
        if valid_ppl < self.best_valid * (1.0 - self.config.min_improvement):
            self.best_valid, self.bad_epochs = valid_ppl, 0
            self.best_weights = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        else:
            self.bad_epochs += 1
        if self.bad_epochs or 0 < self.config.decay_start <= self.epoch:
            self.lr *= self.config.lr_decay
        if not self.quiet:
            print(f"epoch {self.epoch}: train ppl {train_ppl:.2f} valid ppl {valid_ppl:.2f} "
                  f"lr {self.history[-1]['lr']:.3g} "
                  f"({seconds:.0f} s, {tokens / max(seconds, 1e-9):,.0f} tokens/s)", file=self.log, flush=True)

    def save(self, path: str) -> None:
        """Write a checkpoint with the best weights as the model and the full state to resume from."""
        training = dict(
            weights={k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()},
            optimizer=self.optimizer.state_dict(), epoch=self.epoch, lr=self.lr, best_valid=self.best_valid,
            bad_epochs=self.bad_epochs, history=self.history, train_seconds=self.train_seconds,
            config=dataclasses.asdict(self.config), rng_cpu=torch.get_rng_state(),
            rng_cuda=torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        )
        save_checkpoint(path, self.model, self.vocab, self.text_options, self.config.context,
                        best_weights=self.best_weights, training=training)

    @classmethod
    def resume(cls, path: str, device: torch.device, *, quiet: bool = False, log: TextIO | None = None,
               **config_overrides: Any) -> "Trainer":
        """A trainer in the state a checkpoint recorded; `config_overrides` may change e.g. the epoch limit."""
        checkpoint = load_checkpoint(path, device)
        state = checkpoint.training
        if state is None:
            raise ModelError(f"{path}: this checkpoint holds no training state to resume from")
        config = TrainConfig(**{**state["config"], **{k: v for k, v in config_overrides.items() if v is not None}})
        model = checkpoint.model
        trainer = cls(model, config, checkpoint.vocab, checkpoint.text_options, device, quiet=quiet, log=log)
        trainer.best_weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
        model.load_state_dict(state["weights"])
        trainer.optimizer.load_state_dict(state["optimizer"])
        trainer.epoch, trainer.lr, trainer.best_valid = state["epoch"], state["lr"], state["best_valid"]
        trainer.bad_epochs, trainer.history = state["bad_epochs"], list(state["history"])
        trainer.train_seconds = state["train_seconds"]
        torch.set_rng_state(state["rng_cpu"].cpu())
        if state["rng_cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([s.cpu() for s in state["rng_cuda"]])
        return trainer
