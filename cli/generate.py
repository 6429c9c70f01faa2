"""`ngramlm generate`: sample sentences from an ARPA model, with temperature, top-k, top-p, no-repeat n-gram
and repetition-penalty controls, and report how repetitive the result is (distinct-n, seq-rep-n)."""
from __future__ import annotations

import click

from ngramlm.formats.arpa import read_arpa
from ngramlm.core.io import iter_lines
from ngramlm.use.generate import SamplingOptions, SentenceSampler, repetition_statistics
from ngramlm.core.io import atomic_write
from ngramlm.core.vocab import BOS, BOS_ID

from ngramlm.cli.common import report_errors


@click.command()
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("-n", "--count", default=10, show_default=True,
              help="Sentences to generate (per prefix with --prefixes).")
@click.option("--seed", type=int, default=None, help="Random seed (default: a fresh one each run).")
@click.option("--temperature", default=1.0, show_default=True,
              help="Sharpen (<1) or flatten (>1) the distribution; 0 is greedy.")
@click.option("--top-k", default=0, show_default=True, help="Sample only among the k most probable words (0: all).")
@click.option("--top-p", default=1.0, show_default=True,
              help="Nucleus sampling: the smallest set of words with this much mass.")
@click.option("--no-repeat-ngram-size", default=0, show_default=True,
              help="Never repeat an n-gram of this size within a sentence (0: off).")
@click.option("--repetition-penalty", default=1.0, show_default=True,
              help="Penalise words already in the sentence (>1; CTRL's penalty).")
@click.option("--max-words", default=100, show_default=True, help="Stop a sentence after this many words.")
@click.option("--prefix", default=None, help="Continue this text (after <s>) instead of starting a sentence afresh.")
@click.option("--prefixes", type=click.Path(dir_okay=False), default=None,
              help="File of prefixes, one per line, each continued --count times (<s> is not added, as in SRILM).")
@click.option("-o", "--output", default="-", show_default=True, help="Where the sentences go.")
@click.option("--stats/--no-stats", default=True, show_default=True, help="Print repetition statistics on stderr.")
@report_errors
def generate(model, count, seed, temperature, top_k, top_p, no_repeat_ngram_size, repetition_penalty, max_words,
             prefix, prefixes, output, stats):
    """Sample sentences from MODEL (an ARPA file) and print one per line."""
    lm = read_arpa(model)
    options = SamplingOptions(temperature=temperature, top_k=top_k, top_p=top_p,
                              no_repeat_ngram_size=no_repeat_ngram_size, repetition_penalty=repetition_penalty,
                              max_words=max_words)
    sampler = SentenceSampler(lm, options, seed)
    if prefixes is not None:
        starts = [line.split() for _, line in iter_lines(prefixes)]
    elif prefix is not None:
        words = prefix.split()
        starts = [words if words[:1] == [BOS] else [BOS] + words]
    else:
        starts = [[BOS]]
    generated = []
    with atomic_write(output) as out:
        for start in starts:
            ids = [lm.vocab.id(w) for w in start]
            shown = [w for w in start if w != BOS]
            for _ in range(count):
                words = lm.vocab.decode(sampler.sample_sentence(ids or [BOS_ID]))
                generated.append(words)
                out.write(" ".join(shown + words) + "\n")
    if stats:
        report = repetition_statistics(generated)
        click.echo(f"{report['sentences']} sentences, mean length {report['mean_length']:.2f} words", err=True)
        for n in (1, 2, 3, 4):
            distinct, repeated = report[f"distinct-{n}"], report[f"seq-rep-{n}"]
            click.echo(f"distinct-{n} {distinct:.4f}  seq-rep-{n} {repeated:.4f}", err=True)
