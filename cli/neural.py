"""`ngramlm neural train` and `ngramlm neural eval`: the neural baselines (needs the `neural` extra)."""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from ngramlm.corpora.reader import TextOptions

from ngramlm.cli.common import checks_outputs, report_errors

if TYPE_CHECKING:
    from ngramlm.models.neural.training import TrainConfig

CONTEXT_CHOICES = click.Choice(["sentence", "stream"])
# The options of `neural train` that set TrainConfig's fields (same names; --max-minutes sets max_seconds), and
# those that set the model's architecture (build_model's hyperparameters).
SCHEDULE_OPTIONS = ("context", "epochs", "batch_size", "bptt", "optimizer", "lr", "lr_decay", "decay_start",
                    "early_stop", "clip", "seed", "log_every", "unlikelihood_weight")
ARCHITECTURE_OPTIONS = ("order", "embedding", "hidden", "direct", "layers", "heads", "width", "positional", "memory",
                        "dropout", "input_dropout", "tied")


def _neural():
    """ngramlm.models.neural, imported only when a neural command runs (it needs PyTorch)."""
    import ngramlm.models.neural

    return ngramlm.models.neural


@click.group()
def neural():
    """Neural language models beside the n-gram ones: Bengio et al.'s feed-forward model (ffnn), an LSTM and a
    causal Transformer, on the same vocabulary and with the same perplexity counting as `ngram -ppl -unk`."""


@neural.command("train")
@click.option("--model", "kind", type=click.Choice(["ffnn", "lstm", "transformer"]), required=True,
              help="Model kind.")
@click.option("--train", "train_path", required=True, help="Training text, one sentence per line.")
@click.option("--valid", "valid_path", required=True, help="Validation text (LR decay, early stopping).")
@click.option("--out", "out_path", required=True, help="Checkpoint file, rewritten after every epoch.")
@click.option("--resume", is_flag=True, help="Continue the training recorded in --out.")
@click.option("--context", type=CONTEXT_CHOICES, default=None,
              help="sentence: restart at every <s>; stream: carry context across sentences.  [default: stream]")
@click.option("--order", type=int, default=None, help="ffnn: n (sees n-1 previous words).  [default: 5]")
@click.option("--embedding", type=int, default=None, help="ffnn, lstm: embedding width.")
@click.option("--hidden", type=int, default=None, help="ffnn, lstm: hidden width.")
@click.option("--direct/--no-direct", default=None, help="ffnn: direct connections embeddings -> output.")
@click.option("--layers", type=int, default=None, help="lstm, transformer: number of layers.")
@click.option("--heads", type=int, default=None, help="transformer: attention heads.")
@click.option("--width", type=int, default=None, help="transformer: model width.")
@click.option("--positional", type=click.Choice(["sinusoidal", "learned"]), default=None,
              help="transformer: positional encoding.")
@click.option("--memory", type=int, default=None, help="transformer: previous tokens a chunk may attend to.")
@click.option("--dropout", type=float, default=None, help="Dropout rate (ffnn: on the hidden layer).")
@click.option("--input-dropout", type=float, default=None, help="ffnn: dropout on the context embeddings.")
@click.option("--tied/--no-tied", default=None, help="lstm, transformer: tie input and output embeddings.")
@click.option("--epochs", type=int, default=None, help="Most epochs.  [default: 13]")
@click.option("--batch-size", type=int, default=None, help="Stream rows or sentences per batch.")
@click.option("--bptt", type=int, default=None, help="Tokens per truncated-BPTT chunk.")
@click.option("--optimizer", type=click.Choice(["sgd", "adam"]), default=None, help="Optimizer.")
@click.option("--lr", type=float, default=None, help="Initial learning rate.")
@click.option("--lr-decay", type=float, default=None, help="LR factor after an epoch without improvement.")
@click.option("--decay-start", type=int, default=None, help="Also decay after every epoch from this one on.")
@click.option("--early-stop", type=int, default=None, help="Stop after this many epochs without improvement.")
@click.option("--clip", type=float, default=None, help="Gradient-norm clipping threshold (0: none).")
@click.option("--max-minutes", type=float, default=None, help="Stop after the epoch that passes this time.")
@click.option("--unlikelihood-weight", type=float, default=None,
              help="alpha of token-level unlikelihood training (Welleck et al. 2019): the loss adds alpha times "
                   "-log(1 - p(c)) for every earlier token c of the sequence other than the target; with --resume, "
                   "fine-tunes a trained model so, as Welleck et al. do.  [default: 0]")
@click.option("--seed", type=int, default=1, help="Random seed (weights, dropout, shuffling).")
@click.option("--device", default="auto", help="auto (cuda if available, else cpu), cpu, cuda or cuda:N.")
@click.option("--tolower", is_flag=True,
              help="Lower-case the text before building the vocabulary (every Unicode capital; SRILM's "
                   "-tolower lowers A-Z only).")
@click.option("--log-every", type=int, default=None, help="Batches between progress lines on stderr.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@report_errors
@checks_outputs("out_path")
def train(kind, train_path, valid_path, out_path, resume, device, tolower, quiet, **settings):
    """Train a neural language model; the vocabulary is every word of --train (closed; others become <unk>).

    Training options left unset take values that suit the model kind (ngramlm.models.neural.training.RECOMMENDED):
    lstm: SGD, lr 20, clip 0.25, 20 x 35 batches (Zaremba et al.'s small model); ffnn and transformer: Adam.
    """
    nn = _neural()
    from ngramlm.models.neural.training import seed_everything

    torch_device = nn.resolve_device(device)
    if resume:
        if not os.path.exists(out_path):
            raise click.UsageError(f"--resume: {out_path} does not exist")
        trainer = nn.Trainer.resume(out_path, torch_device, quiet=quiet, epochs=settings["epochs"],
                                    early_stop=settings["early_stop"], max_seconds=_max_seconds(settings),
                                    log_every=settings["log_every"],
                                    unlikelihood_weight=settings["unlikelihood_weight"])
    else:
        options = TextOptions(tolower=tolower)
        vocab = nn.vocabulary_from_file(train_path, options)
        seed_everything(settings["seed"])
        model = nn.build_model(kind, len(vocab), **architecture(settings))
        trainer = nn.Trainer(model, train_config(kind, settings), vocab, options, torch_device, quiet=quiet)
    if not quiet:
        click.echo(f"{trainer.model.kind}: {nn.count_parameters(trainer.model):,} parameters, vocabulary "
                   f"{len(trainer.vocab):,}, device {torch_device}", err=True)
    train_text = nn.encode_file(train_path, trainer.vocab, trainer.text_options)
    valid_text = nn.encode_file(valid_path, trainer.vocab, trainer.text_options)
    trainer.train(train_text, valid_text, out_path)
    trainer.save(out_path)
    if not quiet:
        click.echo(f"best valid ppl {trainer.best_valid:.2f} after {trainer.epoch} epochs "
                   f"({trainer.train_seconds:.0f} s); model in {out_path}", err=True)


def train_config(kind: str, settings: dict) -> TrainConfig:
    """The TrainConfig (ngramlm.models.neural.training) of `neural train`'s options: the settings recommended for
    the model kind, then every option given on the command line."""
    from ngramlm.models.neural.training import recommended_config

    schedule = {name: settings[name] for name in SCHEDULE_OPTIONS}
    return recommended_config(kind, max_seconds=_max_seconds(settings), **schedule)


def architecture(settings: dict) -> dict:
    """The hyperparameters given on the command line (build_model takes the kind's defaults for the rest)."""
    return {name: settings[name] for name in ARCHITECTURE_OPTIONS if settings[name] is not None}


def _max_seconds(settings: dict) -> float | None:
    return None if settings["max_minutes"] is None else 60.0 * settings["max_minutes"]


@neural.command("eval")
@click.option("--model", "model_path", required=True, help="Checkpoint written by `ngramlm neural train`.")
@click.option("--text", "text_paths", required=True, multiple=True, help="Text to score (repeatable).")
@click.option("--context", type=CONTEXT_CHOICES, default=None,
              help="sentence: restart at every <s>; stream: carry context.  [default: the training mode]")
@click.option("--batch-size", type=int, default=32, help="Sentences per batch (sentence mode).")
@click.option("--chunk", type=int, default=128, help="Tokens fed to the model at a time.")
@click.option("--device", default="auto", help="auto (cuda if available, else cpu), cpu, cuda or cuda:N.")
@report_errors
def evaluate(model_path, text_paths, context, batch_size, chunk, device):
    """Perplexity of a text, printed as `ngram -ppl` prints it (ppl counts </s>, ppl1 does not; words outside
    the vocabulary are scored as <unk>, as with -unk)."""
    nn = _neural()
    torch_device = nn.resolve_device(device)
    checkpoint = nn.load_checkpoint(model_path, torch_device)
    mode = context or checkpoint.context
    for path in text_paths:
        text = nn.encode_file(path, checkpoint.vocab, checkpoint.text_options)
        result = nn.evaluate(checkpoint.model, text, mode, batch_size=batch_size, chunk=chunk, device=torch_device)
        click.echo(result.report(path))
    sys.stdout.flush()
