"""`ngramlm corpus`: make the synthetic corpus, fetch the standard ones, describe any corpus folder, and score
text under the synthetic corpus's true source."""
from __future__ import annotations

import click

from ngramlm.corpora import datasets
from ngramlm.corpora.synthetic import grammar
from ngramlm.core.io import iter_lines, split_words
from ngramlm.core.errors import InputError

from ngramlm.cli.common import report_errors


@click.group()
def corpus():
    """Corpora: the synthetic one that ships with ngramlm, and the standard ones (PTB, WikiText)."""


@corpus.command()
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--seed", type=int, default=grammar.DEFAULT_SEED,
              help="Random seed; the same seed gives the same files.")
@click.option("--max-depth", type=click.IntRange(0, 2), default=grammar.DEFAULT_MAX_DEPTH,
              help="How deeply modifiers and clauses may nest (each level multiplies the machine's size).")
@click.option("--train-sentences", type=click.IntRange(1), default=grammar.SPLIT_SENTENCES["train"],
              help="Sentences in train.txt.")
@click.option("--valid-sentences", type=click.IntRange(1), default=grammar.SPLIT_SENTENCES["valid"],
              help="Sentences in valid.txt.")
@click.option("--test-sentences", type=click.IntRange(1), default=grammar.SPLIT_SENTENCES["test"],
              help="Sentences in test.txt.")
@report_errors
def generate(out_dir, seed, max_depth, train_sentences, valid_sentences, test_sentences):
    """Sample the synthetic English-like corpus into OUT_DIR: train.txt, valid.txt, test.txt and TRUE_PPL.txt
    (the exact perplexity of the grammar that produced them). The defaults reproduce corpora/synthetic."""
    sizes = {"train": train_sentences, "valid": valid_sentences, "test": test_sentences}
    scores = grammar.write_synthetic_corpus(out_dir, seed, sizes, max_depth)
    for split, score in scores.items():
        click.echo(f"{split}.txt: {score.sentences} sentences, {score.words} words, true ppl {score.ppl:.6g}")


@corpus.command()
@click.argument("name", type=click.Choice(sorted(datasets.REGISTRY)))
@click.argument("dest", type=click.Path(file_okay=False))
@report_errors
def fetch(name, dest):
    """Download the standard corpus NAME into DEST as train.txt, valid.txt and test.txt, checking every file's
    MD5 (a file that fails is deleted, never left half-written)."""
    spec = datasets.dataset(name)
    click.echo(f"{spec.name}: {spec.description}\nlicence: {spec.licence}", err=True)
    folder = datasets.fetch(spec, dest, log=lambda line: click.echo(line, err=True))
    click.echo(folder.root)


@corpus.command()
@click.argument("path", type=click.Path())
@report_errors
def info(path):
    """Sentence, token and type counts of the corpus folder PATH, and the out-of-vocabulary rate of valid and
    test against train."""
    stats = datasets.split_statistics(datasets.load_folder(path))
    click.echo(f"{'split':<6} {'sentences':>10} {'tokens':>12} {'types':>9} {'OOV tokens':>11} {'OOV rate':>9} "
               f"{'OOV types':>10}")
    for split, s in stats.items():
        click.echo(f"{split:<6} {s.sentences:>10,} {s.tokens:>12,} {s.types:>9,} {s.oov_tokens:>11,} "
                   f"{s.oov_rate:>9.2%} {s.oov_types:>10,}")
    click.echo("tokens are words without sentence markers; OOV: words never seen in train")


@corpus.command(name="true-ppl")
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--max-depth", type=click.IntRange(0, 2), default=grammar.DEFAULT_MAX_DEPTH,
              help="The --max-depth the text was generated with.")
@report_errors
def true_ppl(files, max_depth):
    """Perplexity of the synthetic grammar itself on FILES, in the form of SRILM's `ngram -ppl` (ppl counts one
    </s> per sentence, ppl1 does not); with no FILES, the grammar's exact entropy rate."""
    entropy = grammar.english_source(max_depth).entropy_rate()
    click.echo(f"source entropy rate: {entropy.bits_per_token:.6g} bits per token, perplexity "
               f"{entropy.perplexity:.6g}, {entropy.tokens_per_sentence:.6g} tokens per sentence")
    for path in files:
        click.echo(_score_file(path, max_depth).srilm_lines(path), nl=False)


def _score_file(path: str, max_depth: int) -> grammar.TrueScore:
    sentences, words, logprob = 0, 0, 0.0
    for lineno, line in iter_lines(path):
        tokens = split_words(line)
        if not tokens:
            continue
        value = grammar.true_logprob(tokens, max_depth)
        if value == float("-inf"):
            raise InputError(path, lineno, "the synthetic grammar cannot produce this sentence; true perplexity "
                                           "exists only for text that `ngramlm corpus generate` wrote")
        sentences, words, logprob = sentences + 1, words + len(tokens), logprob + value
    if sentences == 0:
        raise InputError(path, None, "has no sentences to score")
    return grammar.TrueScore(sentences, words, logprob)
