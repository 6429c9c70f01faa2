"""`ngramlm generate`: continue prefixes with any model (an ARPA or ngramlm binary n-gram model, or a neural
checkpoint) by any strategy of Hugging Face's generate() (ngramlm.use.generation), print the text or JSON lines
with each sequence's log10 probability, and report how repetitive the result is."""
from __future__ import annotations

import json

import click

from ngramlm.cli.common import checks_outputs, report_errors
from ngramlm.core.errors import ModelError
from ngramlm.core.io import atomic_write, iter_lines, split_words
from ngramlm.core.vocab import BOS
from ngramlm.use.generate import repetition_statistics
from ngramlm.use.generation import GenerationConfig, NgramStepModel, generate as run_generation

# The first bytes of a torch.save file (a zip archive): a neural checkpoint.
ZIP_MAGIC = b"PK\x03\x04"
CONTRASTIVE_HELP = ("Contrastive search (Su et al. 2022) with --top-k candidates: (1 - a) p(v) - a max cos(h_v, h_j). "
                    "Neural models only: it compares hidden vectors, and an n-gram model's state is just its last "
                    "n-1 words, with no vector to compare beyond word identity (which --repetition-penalty and "
                    "--no-repeat-ngram-size already use).")


def load_step_model(path: str, device: str = "auto"):
    """The generation adapter (StepModel) of a model file: a neural checkpoint, an ngramlm binary model or an
    ARPA file, told apart by their first bytes."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model ({exc.strerror})") from None
    if head.startswith(ZIP_MAGIC):
        from ngramlm.models.neural import load_checkpoint, resolve_device
        from ngramlm.models.neural.stepping import NeuralStepModel

        torch_device = resolve_device(device)
        checkpoint = load_checkpoint(path, torch_device)
        return NeuralStepModel(checkpoint.model, checkpoint.vocab, torch_device)
    from ngramlm.formats.binary import is_binary

    if is_binary(path):
        from ngramlm.use.query import Model

        return NgramStepModel(Model(path))
    from ngramlm.formats.arpa import read_arpa

    return NgramStepModel(read_arpa(path))


def strategy_options(func):
    """The options of GenerationConfig, shared by `generate` and `degeneration`."""
    options = [
        click.option("--max-new-tokens", "--max-words", "max_new_tokens", default=100, show_default=True,
                     help="Stop a continuation after this many words (without </s>)."),
        click.option("--min-new-tokens", default=0, show_default=True, help="Forbid </s> before this many words."),
        click.option("--do-sample/--no-do-sample", default=None,
                     help="Sample (rather than take the best word). Default: sample unless --num-beams > 1, "
                          "--penalty-alpha > 0 or --temperature 0, as SRILM's -gen draws (Hugging Face's default "
                          "is greedy)."),
        click.option("--num-beams", default=1, show_default=True, help="Beam search with this many beams."),
        click.option("--length-penalty", default=1.0, show_default=True,
                     help="Beam search: a hypothesis scores sum log p / length ** this."),
        click.option("--early-stopping", type=click.Choice(["true", "false", "never"]), default="false",
                     show_default=True, help="Beam search: stop at num_beams finished hypotheses (true), when no "
                                             "beam can do better by a heuristic (false) or exactly (never)."),
        click.option("--temperature", default=1.0, show_default=True,
                     help="Sharpen (<1) or flatten (>1) the distribution when sampling; 0 means greedy."),
        click.option("--top-k", default=0, show_default=True,
                     help="Sample among the k most probable words (0: all; Hugging Face's default is 50); with "
                          "--penalty-alpha, the candidates of contrastive search."),
        click.option("--top-p", default=1.0, show_default=True,
                     help="Nucleus sampling: the smallest set of most probable words with this much mass."),
        click.option("--typical-p", default=1.0, show_default=True,
                     help="Typical sampling (Meister et al. 2022): this much mass of the words whose "
                          "information is closest to the entropy."),
        click.option("--min-p", default=0.0, show_default=True,
                     help="Keep the words at least this fraction as probable as the best one."),
        click.option("--repetition-penalty", default=1.0, show_default=True,
                     help="CTRL's penalty (Keskar et al. 2019) on words already in the sequence: positive logits "
                          "are divided by it, negative ones multiplied (an n-gram model's logits are its "
                          "log-probabilities)."),
        click.option("--no-repeat-ngram-size", default=0, show_default=True,
                     help="Never repeat an n-gram of this size within the sequence, prefix included (0: off)."),
        click.option("--penalty-alpha", default=0.0, show_default=True, help=CONTRASTIVE_HELP),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def generation_config(num_return_sequences: int = 1, **settings) -> GenerationConfig:
    """GenerationConfig of the command-line options (see strategy_options for the default of --do-sample)."""
    do_sample = settings.pop("do_sample")
    temperature = settings.pop("temperature")
    if do_sample is None:
        do_sample = settings["num_beams"] == 1 and settings["penalty_alpha"] == 0 and temperature != 0
    if temperature == 0:
        if do_sample:
            raise click.UsageError("--temperature 0 is greedy decoding; it cannot be combined with --do-sample")
        temperature = 1.0
    early = settings.pop("early_stopping")
    return GenerationConfig(do_sample=do_sample, temperature=temperature, num_return_sequences=num_return_sequences,
                            early_stopping={"true": True, "false": False}.get(early, early), **settings)


def read_prefixes(prefix: str | None, prefixes: str | None) -> list[list[str]]:
    """The prefixes to continue: --prefix (after <s>), each line of --prefixes as it is (<s> is not added, as in
    SRILM's -gen-prefixes; an empty line is <s>), or <s> alone."""
    if prefixes is not None:
        return [split_words(line) or [BOS] for _, line in iter_lines(prefixes)]
    if prefix is not None:
        words = prefix.split()
        return [words if words[:1] == [BOS] else [BOS] + words]
    return [[BOS]]


@click.command()
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("-n", "--num-return-sequences", "--count", "count", default=1, show_default=True,
              help="Continuations per prefix.")
@click.option("--seed", type=int, default=None, help="Random seed (default: a fresh one each run).")
@strategy_options
@click.option("--prefix", default=None, help="Continue this text (after <s>) instead of starting a sentence afresh.")
@click.option("--prefixes", type=click.Path(dir_okay=False), default=None,
              help="File of prefixes, one per line, each continued -n times (<s> is not added, as in SRILM).")
@click.option("--output-format", type=click.Choice(["text", "jsonl"]), default="text", show_default=True,
              help="text: prefix and continuation per line; jsonl: {prefix, text, logprob (log10, under the "
                   "model, </s> included when generated), finished} per line.")
@click.option("--device", default="auto", show_default=True, help="Neural models: auto, cpu, cuda or cuda:N.")
@click.option("-o", "--output", default="-", show_default=True, help="Where the sequences go.")
@click.option("--stats/--no-stats", default=True, show_default=True, help="Print repetition statistics on stderr.")
@report_errors
@checks_outputs("output")
def generate(model, count, seed, prefix, prefixes, output_format, device, output, stats, **settings):
    """Continue prefixes with MODEL: an ARPA file, an ngramlm binary model (build-binary) or a neural checkpoint
    (`ngramlm neural train`). Strategies and their option names are Hugging Face's generate()'s: greedy, sampling
    (--do-sample with --temperature, --top-k, --top-p, --typical-p, --min-p), beam search (--num-beams), and
    contrastive search (--penalty-alpha with --top-k, neural models only); --repetition-penalty,
    --no-repeat-ngram-size and --min-new-tokens apply to all."""
    config = generation_config(count, **settings)
    config.check()
    lm = load_step_model(model, device)
    starts = read_prefixes(prefix, prefixes)
    ids = [[lm.vocab.id(w) for w in start] for start in starts]
    results = run_generation(lm, ids, config, seed)
    generated = []
    with atomic_write(output) as out:
        for start, found in zip(starts, results):
            shown = [w for w in start if w != BOS]
            for sequence in found:
                words = lm.vocab.decode(sequence.words)
                generated.append(words)
                if output_format == "jsonl":
                    out.write(json.dumps({"prefix": " ".join(shown), "text": " ".join(words),
                                          "logprob": round(float(sequence.logprob), 6),
                                          "finished": sequence.finished}) + "\n")
                else:
                    out.write(" ".join(shown + words) + "\n")
    if stats:
        report = repetition_statistics(generated)
        click.echo(f"{report['sentences']} sentences, mean length {report['mean_length']:.2f} words", err=True)
        for n in (1, 2, 3, 4):
            distinct, repeated = report[f"distinct-{n}"], report[f"seq-rep-{n}"]
            click.echo(f"distinct-{n} {distinct:.4f}  seq-rep-{n} {repeated:.4f}", err=True)
