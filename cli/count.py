"""`ngramlm count`: count n-grams of text and count files, and write SRILM count files."""
from __future__ import annotations

import click

from ngramlm.corpora.reader import TextOptions
from ngramlm.formats.countfile import CountFileWriter, merge_counts_within_budget
from ngramlm.counting.corpus_count import count_files
from ngramlm.counting.memory import DEFAULT_MEMORY, counting_budget
from ngramlm.core.vocab import UNK

from ngramlm.cli.common import checks_outputs, report_errors
from ngramlm.cli.srilm_text import read_vocabulary
from ngramlm.cli.text_checks import warn_if_unsegmented


@click.command()
@click.option("--order", "-o", type=click.IntRange(1, 255), default=3, help="Longest n-gram order to count.")
@click.option("--text", "texts", metavar="FILE", multiple=True,
              help="Text to count (plain, .gz, .bz2, .xz, or - for standard input); one sentence per line. "
                   "Repeatable.")
@click.option("--read", "reads", metavar="FILE", multiple=True,
              help="Count file ('w1 .. wn<TAB>count') whose counts are added. Repeatable.")
@click.option("--write", "output", metavar="FILE", default="-", help="Where to write the counts (- is stdout).")
@click.option("--write-order", type=click.IntRange(0, 255), default=0,
              help="Write only the n-grams of this order (0: all orders).")
@click.option("--sort/--no-sort", default=True,
              help="Words in lexicographic byte order at every level (as SRILM's -sort and ngram-merge), or in "
                   "vocabulary order.")
@click.option("--vocab", metavar="FILE", help="Closed vocabulary, one word per line: other words become --unk-word.")
@click.option("--unk-word", default=UNK, help="Spelling of the unknown word.")
@click.option("--limit-vocab", is_flag=True,
              help="With --vocab: drop read n-grams that contain words outside it instead of mapping them to the "
                   "unknown word.")
@click.option("--tolower", is_flag=True,
              help="Lower-case every word (every Unicode capital; SRILM's -tolower lowers A-Z only).")
@click.option("--sos/--no-sos", default=True, help="Add <s> at the start of each sentence.")
@click.option("--eos/--no-eos", default=True, help="Add </s> at the end of each sentence.")
@click.option("--write-vocab", metavar="FILE", help="Also write the vocabulary, one word per line, sorted.")
@click.option("--memory", default=DEFAULT_MEMORY, metavar="SIZE",
              help="Working memory for counting (2G, 512M, 25%): the text goes to a temporary file beyond half of it, "
                   "the windows are sorted in as many passes as it needs, and --read counts are added up in sorted "
                   "runs on disk beyond it.")
@click.option("--threads", type=click.IntRange(min=1), default=None, metavar="N",
              help="Threads that sort and write the counts (default: every core this process may use).")
@click.option("--errors", type=click.Choice(["strict", "replace"]), default="strict",
              help="Bytes that are not UTF-8: stop with the file and line, or replace them.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@report_errors
@checks_outputs("output", "write_vocab")
def count(order, texts, reads, output, write_order, sort, vocab, unk_word, limit_vocab, tolower, sos, eos,
          write_vocab, memory, threads, errors, quiet):
    """Count every n-gram of orders 1..ORDER in text (SRILM semantics: <s> and </s> added, n-grams never cross
    sentences) and write them as an SRILM count file."""
    budget = counting_budget(memory)  # refuses a budget below the minimum before any work
    vocabulary = read_vocabulary(vocab, unk_word, tolower, errors)
    options = TextOptions(sos=sos, eos=eos, tolower=tolower, errors=errors)
    if texts:
        warn_if_unsegmented(texts, errors)
    if reads:  # added up in sorted runs, on disk beyond --memory, as ngram-count -read does
        merge_counts_within_budget(vocabulary, order, budget, [(output, write_order)], options,
                                   texts=[(path, path) for path in texts], reads=[(path, path) for path in reads],
                                   sort=sort, limit_vocab=limit_vocab, quiet=quiet, threads=threads)
    else:  # written range by range as counted (CountFileWriter): --memory bounds the peak
        with CountFileWriter(vocabulary, [(output, write_order)], sort=sort) as writer:
            count_files(texts, order, vocabulary, options, memory=memory, quiet=quiet, threads=threads,
                        sink=writer, relabel=writer.relabel if sort else None)
    if write_vocab:
        vocabulary.write(write_vocab)
