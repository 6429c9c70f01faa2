"""`ngram-count`: SRILM's counting and estimation tool, with its flag names (single dash) and file formats.

Counts come from a text file (-text) and/or count files (-read, repeatable; counts add up), are written back as
count files (-write, -writeN, -write-order, -sort), and feed estimation (-lm with the flags of
cli/estimation_flags.py). Flags and defaults follow SRILM's ngram-count(1) manual page.
"""
from __future__ import annotations

import click

from ngramlm.corpora.reader import TextOptions
from ngramlm.formats.countfile import read_counts, write_counts
from ngramlm.counting.corpus_count import count_files
from ngramlm.counting.counts import NgramCounts
from ngramlm.counting.memory import DEFAULT_MEMORY
from ngramlm.counting.merging import merge_counts
from ngramlm.core.vocab import BOS, EOS, UNK, Vocabulary

from ngramlm.cli import estimation_flags
from ngramlm.cli.common import report_errors
from ngramlm.cli.text_checks import warn_if_unsegmented

MAX_WRITE_ORDER = 9


def read_vocabulary(path: str | None, unk_word: str, tolower: bool, errors: str) -> Vocabulary:
    """The open vocabulary, or the closed one of -vocab (lower-cased under -tolower, as SRILM maps all words)."""
    if path is None:
        return Vocabulary(unk_word=unk_word)
    vocab = Vocabulary.read(path, unk_word=unk_word, closed=True, errors=errors)
    if tolower:
        vocab = Vocabulary([w.lower() for w in vocab.words], unk_word=unk_word, closed=True)
    return vocab


def _text_statistics(path: str, counts: NgramCounts) -> str:
    """SRILM's -debug 1 line about a text: sentences, words (sentence markers left out) and OOVs, read off the
    unigram counts."""
    vocab = counts.vocab
    unigrams = dict(zip(counts.ngrams[0][:, 0].tolist(), counts.counts[0].tolist())) if counts.order else {}
    starts, ends = unigrams.get(vocab.id(BOS), 0), unigrams.get(vocab.id(EOS), 0)
    sentences = max(starts, ends)
    words = sum(unigrams.values()) - starts - ends
    oovs = unigrams.get(vocab.id(vocab.unk_word), 0) if vocab.closed else 0
    return f"{path}: {sentences} sentences, {words} words, {oovs} OOVs"


def _names_discount_files(params: dict) -> bool:
    """Whether a -gtN / -knN parameter file is named: without -lm, ngram-count estimates and writes them."""
    return any(params.get(f"{family}{suffix}") for family in ("gt", "kn") for suffix in ["", *"123456789"])


def _write_order_options(func):
    for n in range(MAX_WRITE_ORDER, 0, -1):
        func = click.option(f"-write{n}", f"write{n}", metavar="FILE",
                            help=f"Write only the {n}-gram counts to FILE.")(func)
    return func


def _estimation_options(func):
    """The estimation flags that cli/estimation_flags.py defines, in its order."""
    for option in reversed(estimation_flags.OPTIONS):
        func = option(func)
    return func


@click.command(context_settings={"help_option_names": ["-help", "--help", "-h"], "show_default": True})
@click.version_option(None, "-version", package_name="ngramlm")
@click.option("-order", "order", type=click.IntRange(1, 255), default=3,
              help="Maximal order (length) of the N-grams to count; also the order of the estimated LM.")
@click.option("-text", "text", metavar="FILE",
              help="Count N-grams in FILE: one sentence per line, <s> and </s> added unless present, empty lines "
                   "ignored.")
@click.option("-read", "read", metavar="FILE", multiple=True,
              help="Read N-gram counts ('w1 .. wn<TAB>count') from FILE; repeatable. Counts from -read and -text "
                   "add up.")
@click.option("-write", "write", metavar="FILE", help="Write the total counts to FILE.")
@click.option("-write-order", "write_order", type=click.IntRange(0, 255), default=0,
              help="Order of the counts -write writes; 0 means all orders.")
@_write_order_options
@click.option("-sort", "sort", is_flag=True,
              help="Write counts in lexicographic order, as ngram-merge requires.")
@click.option("-vocab", "vocab", metavar="FILE",
              help="Read a vocabulary from FILE; out-of-vocabulary words in text and counts become the unknown "
                   "word. Without it, every word found is added.")
@click.option("-unk", "unk", is_flag=True,
              help="Build an open-vocabulary LM that keeps the unknown word as a regular word.")
@click.option("-map-unk", "map_unk", default=UNK, metavar="WORD", help="Spelling of the unknown word.")
@click.option("-limit-vocab", "limit_vocab", is_flag=True,
              help="With -vocab: discard counts read with -read whose N-grams contain words outside the "
                   "vocabulary (instead of mapping those words to the unknown word).")
@click.option("-tolower", "tolower", is_flag=True, help="Map all words to lowercase.")
@click.option("-write-vocab", "write_vocab", metavar="FILE", help="Write the vocabulary built while counting.")
@click.option("-no-sos", "no_sos", is_flag=True, help="Do not insert start-of-sentence tokens <s>.")
@click.option("-no-eos", "no_eos", is_flag=True, help="Do not insert end-of-sentence tokens </s>.")
@click.option("-lm", "lm", metavar="FILE", help="Estimate a back-off N-gram model and write it to FILE (ARPA).")
@_estimation_options
@click.option("-debug", "debug", type=int, default=0,
              help="Debugging level: 1 reports the counted text; estimation prints more at higher levels.")
@click.option("-memory", "memory", default=DEFAULT_MEMORY, metavar="SIZE",
              help="Working memory for counting (2G, 512M, 25%): the text goes to a temporary file beyond half "
                   "of it, and the windows are sorted in as many passes as it needs. (ngramlm's own flag.)")
@click.option("-threads", "threads", type=click.IntRange(min=1), default=None, metavar="N",
              help="Threads that sort and write the counts (default: every core this process may use). "
                   "(ngramlm's own flag.)")
@click.option("--errors", "errors", type=click.Choice(["strict", "replace"]), default="strict",
              help="What to do with bytes that are not UTF-8: stop with the file and line, or replace them. "
                   "(ngramlm's own flag.)")
@click.option("-q", "quiet", is_flag=True, help="No progress display. (ngramlm's own flag.)")
@report_errors
def main(**params):
    """Count N-grams and estimate N-gram language models (SRILM ngram-count compatible)."""
    order = params["order"]
    vocab = read_vocabulary(params["vocab"], params["map_unk"], params["tolower"], params["errors"])
    counts = None
    if params["text"]:
        options = TextOptions(sos=not params["no_sos"], eos=not params["no_eos"], tolower=params["tolower"],
                              errors=params["errors"])
        warn_if_unsegmented([params["text"]], params["errors"])
        counts = count_files([params["text"]], order, vocab, options, memory=params["memory"],
                             quiet=params["quiet"], threads=params["threads"])
        if params["debug"] >= 1:
            click.echo(_text_statistics(params["text"], counts), err=True)
    for path in params["read"]:
        read = read_counts(path, vocab, order, limit_vocab=params["limit_vocab"], tolower=params["tolower"],
                           errors=params["errors"])
        counts = read if counts is None else merge_counts(counts, read)
    if counts is None:
        counts = NgramCounts.empty(vocab, order)

    if params["write_vocab"]:
        vocab.write(params["write_vocab"])
    if params["write"]:
        write_counts(counts, params["write"], order=params["write_order"], sort=params["sort"])
    for n in range(1, MAX_WRITE_ORDER + 1):
        if params[f"write{n}"]:
            write_counts(counts, params[f"write{n}"], order=n, sort=params["sort"])
    if params["lm"]:
        from ngramlm.formats.arpa import write_arpa

        model = estimation_flags.build_model(counts, params, params["quiet"])
        write_arpa(model, params["lm"])
    elif _names_discount_files(params):
        estimation_flags.write_discount_parameters(counts, params)
