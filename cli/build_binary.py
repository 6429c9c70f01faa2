"""`ngramlm build-binary`: turn an ARPA model into the binary format that memory-maps in milliseconds."""
from __future__ import annotations

import math
import os
import time

import click
import numpy as np

from ngramlm.formats.arpa import read_arpa
from ngramlm.formats.binary import load_binary, write_binary
from ngramlm.formats.kenlm_binary import arpa_file_order, write_kenlm_probing
from ngramlm.formats.kenlm_trie import write_kenlm_trie
from ngramlm.formats.probing import load_arpa
from ngramlm.core.io import iter_lines
from ngramlm.use.query import Model

from ngramlm.cli.common import checks_outputs, report_errors


def _test_scores(model: Model, path: str) -> np.ndarray:
    """Per-token log10 probabilities of a text (one sentence a line, </s> counted, OOVs included as KenLM), its
    words split as full_scores splits them (bytes.split, as kenlm.Model does), so that the two line up."""
    sentences = [model.encode([w.decode("utf-8") for w in line.encode("utf-8").split()])
                 for _, line in iter_lines(path)]
    if not sentences:
        return np.zeros(0)
    offsets = np.cumsum([0] + [len(s) for s in sentences])
    return model.score_ids(np.concatenate(sentences), offsets).log_prob


def _above_one(ctx, param, value: float) -> float:
    if not 1.0 < value < math.inf:  # also rejects nan
        raise click.BadParameter(f"{value:g} is not a number above 1 (hash buckets per n-gram)")
    return value


@click.command("build-binary")
@click.argument("arpa", type=click.Path(dir_okay=False))
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
@click.option("--probing-multiplier", "-p", type=float, default=1.5, show_default=True, callback=_above_one,
              help="Hash buckets per n-gram (KenLM's build_binary -p): lower is smaller, higher is faster.")
@click.option("--quantize", "prob_bits", type=click.IntRange(1, 16), default=None,
              help="Quantise the probabilities of orders 2 and up to this many bits (KenLM's -q); "
                   "default: exact float32, or -b's width when only -b is given.")
@click.option("--backoff-bits", "-b", type=click.IntRange(2, 16), default=None,
              help="Quantise the back-off weights to this many bits (KenLM's -b); default: as --quantize.")
@click.option("--format", "file_format", type=click.Choice(["ngramlm", "kenlm-probing", "kenlm-trie"]),
              default="ngramlm", show_default=True,
              help="ngramlm: this toolkit's format; kenlm-probing / kenlm-trie: KenLM's (build_binary probing / "
                   "trie, with --quantize, -b and -a), byte for byte what KenLM's build_binary writes from the same "
                   "ARPA file, for KenLM's loaders.")
@click.option("--pointer-bits", "-a", type=click.IntRange(0, 57), default=None,
              help="kenlm-trie: compress the trie's child pointers with up to this many bits in an array "
                   "(KenLM's -a; KenLM's default when -a is used is 22).")
@click.option("--test", "test_text", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A text (one sentence a line) whose perplexity is reported before and after quantisation.")
@click.option("--check/--no-check", default=True,
              help="Load the written file back and verify the crc32 of its whole payload.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success (no progress bar either).")
@report_errors
@checks_outputs("output")
def build_binary(arpa: str, output: str, probing_multiplier: float, prob_bits: int | None, backoff_bits: int | None,
                 file_format: str, pointer_bits: int | None, test_text: str | None, check: bool,
                 quiet: bool) -> None:
    """Index the ARPA model ARPA and write it to OUTPUT in ngramlm's binary format (load it with
    ngramlm.Model(OUTPUT) or ngramlm.formats.binary.load_binary), or in KenLM's (--format)."""
    if file_format != "ngramlm":
        _write_kenlm(arpa, output, file_format, probing_multiplier, prob_bits, backoff_bits, pointer_bits, test_text,
                     check, quiet)
        return
    if pointer_bits is not None:
        raise click.UsageError("-a/--pointer-bits applies to --format kenlm-trie")
    tables = load_arpa(arpa, probing_multiplier=probing_multiplier, quiet=quiet)  # (read into the tables)
    write_binary(tables, output, prob_bits, backoff_bits)
    if check:
        start = time.perf_counter()
        written = load_binary(output, verify="full")
        elapsed = time.perf_counter() - start
    if quiet:
        return
    sizes = ", ".join(f"{n}-grams {c}" for n, c in enumerate(tables.sizes, 1))
    click.echo(f"wrote {output}: order {tables.order}, {sizes}, {os.path.getsize(output) / 2**20:.1f} MiB")
    if check:
        bits = f", quantised to {written.quantization[0]}/{written.quantization[1]} bits (prob/back-off)" \
            if written.quantization else ""
        click.echo(f"checked: full crc32 verified{bits}, load with verification took {elapsed * 1000:.1f} ms")
    if test_text is not None:
        exact, stored = _test_scores(Model(tables), test_text), _test_scores(Model(output), test_text)
        if len(exact) == 0:
            click.echo(f"test: {test_text} has no sentences")
            return
        # Perplexity over every token, </s> and OOVs included (as kenlm.Model.perplexity).
        before, after = 10.0 ** -exact.mean(), 10.0 ** -stored.mean()
        click.echo(f"test: {len(exact)} tokens, perplexity {before:.4f} exact, {after:.4f} as stored "
                   f"({(after / before - 1) * 100:+.3f}%), mean |error| {np.abs(stored - exact).mean():.2e} and "
                   f"max |error| {np.abs(stored - exact).max():.2e} in log10 probability")


def _write_kenlm(arpa: str, output: str, file_format: str, probing_multiplier: float, prob_bits: int | None,
                 backoff_bits: int | None, pointer_bits: int | None, test_text: str | None, check: bool,
                 quiet: bool) -> None:
    """--format kenlm-probing (the n-grams in the ARPA file's order, as build_binary inserts them) or kenlm-trie."""
    model = read_arpa(arpa, quiet=quiet)
    if file_format == "kenlm-probing":
        if prob_bits is not None or backoff_bits is not None or pointer_bits is not None:
            raise click.UsageError("KenLM's probing format is neither quantised nor compressed (--quantize, -b and "
                                   "-a apply to --format kenlm-trie)")
        write_kenlm_probing(model, output, probing_multiplier, file_order=arpa_file_order(arpa, model))
    else:
        write_kenlm_trie(model, output, prob_bits, backoff_bits, pointer_bits)
    if check:
        # The written file read back: its unigrams and highest order as the model's (a trie adds blanks between).
        written = Model(output).sizes()
        if written[0] < model.sizes()[0] or written[-1] != model.sizes()[-1]:
            raise click.ClickException(f"{output}: the written file reads back {written} n-grams")
    if quiet:
        return
    sizes = ", ".join(f"{n}-grams {c}" for n, c in enumerate(model.sizes(), 1))
    click.echo(f"wrote {output}: KenLM {file_format[len('kenlm-'):]} format, order {model.order}, {sizes}, "
               f"{os.path.getsize(output) / 2**20:.1f} MiB")
    if test_text is not None:
        written = Model(output)
        stored = np.array([p for _, line in iter_lines(test_text) for p, _, _ in written.full_scores(line)])
        exact = _test_scores(Model(model), test_text)
        if len(exact):
            click.echo(f"test: {len(exact)} tokens, max |difference| {np.abs(stored - exact).max():.2e} in log10 "
                       "probability against the ARPA model")
