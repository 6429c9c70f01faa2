"""`ngramlm build-binary`: turn an ARPA model into the binary format that memory-maps in milliseconds."""
from __future__ import annotations

import os
import time

import click
import numpy as np

from ngramlm.formats.arpa import read_arpa
from ngramlm.formats.binary import load_binary, write_binary
from ngramlm.formats.probing import build_index
from ngramlm.core.io import iter_lines
from ngramlm.use.query import Model

from ngramlm.cli.common import report_errors


def _test_scores(model: Model, path: str) -> np.ndarray:
    """Per-token log10 probabilities of a text (one sentence a line, </s> counted, OOVs included as KenLM)."""
    sentences = [model.encode(line.split()) for _, line in iter_lines(path)]
    if not sentences:
        return np.zeros(0)
    offsets = np.cumsum([0] + [len(s) for s in sentences])
    return model.score_ids(np.concatenate(sentences), offsets).log_prob


@click.command("build-binary")
@click.argument("arpa", type=click.Path(dir_okay=False))
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
@click.option("--probing-multiplier", "-p", type=float, default=1.5, show_default=True,
              help="Hash buckets per n-gram (KenLM's build_binary -p): lower is smaller, higher is faster.")
@click.option("--quantize", "prob_bits", type=click.IntRange(1, 16), default=None,
              help="Quantise the probabilities of orders 2 and up to this many bits (KenLM's -q); "
                   "default: exact float32, or -b's width when only -b is given.")
@click.option("--backoff-bits", "-b", type=click.IntRange(2, 16), default=None,
              help="Quantise the back-off weights to this many bits (KenLM's -b); default: as --quantize.")
@click.option("--test", "test_text", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A text (one sentence a line) whose perplexity is reported before and after quantisation.")
@click.option("--check/--no-check", default=True,
              help="Load the written file back and verify the crc32 of its whole payload.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
@report_errors
def build_binary(arpa: str, output: str, probing_multiplier: float, prob_bits: int | None, backoff_bits: int | None,
                 test_text: str | None, check: bool, quiet: bool) -> None:
    """Index the ARPA model ARPA and write it to OUTPUT in ngramlm's binary format (load it with
    ngramlm.use.query.Model(OUTPUT) or ngramlm.formats.binary.load_binary)."""
    tables = build_index(read_arpa(arpa), probing_multiplier=probing_multiplier)
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
