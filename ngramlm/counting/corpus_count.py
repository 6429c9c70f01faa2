"""Counting n-grams of every order 1..N in text files or token lists: the entry points of the counting room.

Counting follows SRILM's ngram-count (see counts). Text is read in blocks of whole lines (reading); the compiled
TokenTable splits a block into tokens and numbers the distinct ones, so each distinct token is decoded and looked
up in the vocabulary once (encoding; token lists, for count_sentences, go through dictionary lookups at C speed
instead). The ids are written out as the compiled core reads them (marked_text: in memory, or in a temporary file
beyond half the memory budget), and counted one range of first words at a time (windows). With threads, a
reading thread also reads and tokenizes the blocks ahead while the vocabulary takes in the words of one.

In: paths or sentences, the order N, a Vocabulary, a memory budget and threads. Out: NgramCounts (or, with a sink,
the counts range by range and an NgramCounts with the vocabulary only).
"""
from __future__ import annotations

from itertools import chain
from typing import Callable, Iterable, Iterator

import numpy as np

from ..core.progress import FileProgress, Progress
from ..core.vocab import Vocabulary
from ..corpora.reader import TextOptions
from .counts import CountSink, NgramCounts, check_order
from .encoding import Encoder
from .marked_text import MarkedText
from .memory import DEFAULT_MEMORY, block_tokens, parse_memory, usable_threads
from .reading import encoded_text, text_size_hint
from .windows import count_text

# Token lists are turned into ids this many tokens at a time (bounds the memory held in Python strings).
_BATCH_TOKENS = 1 << 16
# Text is read in blocks of memory.block_tokens tokens, assuming this many bytes per token.
_BYTES_PER_TOKEN = 6


def _sentence_batches(sentences: Iterable[list[str]], batch_tokens: int) -> Iterator[list[list[str]]]:
    batch, tokens = [], 0
    for sentence in sentences:
        batch.append(sentence)
        tokens += len(sentence)
        if tokens >= batch_tokens:
            yield batch
            batch, tokens = [], 0
    if batch:
        yield batch


def _count_encoded(batches: Iterable[tuple[np.ndarray, np.ndarray, bool]], order: int, encoder: Encoder,
                   budget: int, threads: int, quiet: bool, temp_dir: str | None, progress: Progress,
                   sos: bool = False,
                   eos: bool = False, sink: CountSink | None = None, size_hint: int = 0,
                   relabel: Callable[[Vocabulary], np.ndarray] | None = None) -> NgramCounts:
    """Count batches of (word ids, sentence lengths, whether the last sentence ends), markers added by the compiled
    core as `sos`/`eos` ask (no </s> after a last sentence that does not end).
    With a `sink`, the counts go there (see windows.count_text) and the result has the vocabulary but no n-grams.
    `size_hint`: about how many entries the marked text will have (see MarkedText); `relabel`: see count_files;
    `progress`: the reading's, which the batches advance."""
    text = MarkedText(budget // 2, temp_dir, size_hint)
    try:
        with progress:
            for words, lengths, last_ends in batches:
                text.add(words, lengths, sos, eos, last_ends)
        encoder.sync()
        if relabel is not None:
            text.relabel(relabel(encoder.vocab))
        marked = text.finish(order)
        counted = count_text(marked, text.first_words, order, budget - marked.nbytes * (text.path is None),
                              threads, quiet, sink)
        del marked
    finally:
        text.remove()
    if counted is None:
        return NgramCounts.empty(encoder.vocab, order)
    return NgramCounts(encoder.vocab, list(counted[0]), list(counted[1]))


def count_sentences(sentences: Iterable[list[str]], order: int, vocab: Vocabulary, *,
                    memory: str | int = DEFAULT_MEMORY, quiet: bool = True, temp_dir: str | None = None,
                    threads: int | None = None) -> NgramCounts:
    """Count all n-grams of orders 1..order in sentences that already carry their <s>/</s> markers.

    Args:
        sentences: token lists, one per sentence.
        order: the longest n-gram order N.
        vocab: words -> ids; an open vocabulary grows with new words, a closed one maps them to <unk>.
        memory: the working-memory budget (2G, 512M, 25%, or bytes): the text goes to a temporary file beyond half
            of it, and the windows are sorted in as many passes as the budget needs. (The counts
            themselves come on top.)
        quiet: no progress display.
        temp_dir: where the text goes beyond the budget (the system's temporary folder by default).
        threads: how many threads sort and write the counts (default: every core this process may use); the
            counts are the same whatever the number.
    """
    check_order(order)
    budget = parse_memory(memory)
    threads = usable_threads(threads)
    encoder = Encoder(vocab)
    progress = Progress("counting", unit="tokens", quiet=quiet)

    def batches():
        for batch in _sentence_batches(sentences, min(_BATCH_TOKENS, block_tokens(budget))):
            lengths = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
            tokens = int(lengths.sum())
            yield encoder.encode(chain.from_iterable(batch), tokens), lengths, True
            progress.update(tokens)

    return _count_encoded(batches(), order, encoder, budget, threads, quiet, temp_dir, progress)


def count_files(paths: Iterable[str], order: int, vocab: Vocabulary | None = None,
                options: TextOptions = TextOptions(), *, memory: str | int = DEFAULT_MEMORY, quiet: bool = True,
                temp_dir: str | None = None, threads: int | None = None, sink: CountSink | None = None,
                relabel: Callable[[Vocabulary], np.ndarray] | None = None) -> NgramCounts:
    """Count all n-grams of orders 1..order in text files (plain, .gz, .bz2, .xz, or '-' for standard input).

    The sentences are those of corpora.reader.read_sentences with `options` (markers, lower-casing, undecodable
    bytes).
    `vocab` defaults to a new open vocabulary. See count_sentences for `memory`, `quiet`, `temp_dir` and
    `threads`.

    With a `sink`, counts larger than memory can be made: it is called with (ngrams, counts) lists of every
    order for one range of first words at a time, in sorted order (so that the pieces of an order, one after
    the other, are that order sorted), and the result has the vocabulary but no n-grams. The peak memory is then
    the budget above the vocabulary's (the commands refuse one below memory.MIN_MEMORY: see counting_budget).

    `relabel`, with a sink: called with the complete vocabulary, it gives each word id a new one (a permutation);
    the n-grams reach the sink in the new ids, sorted by them (e.g. ranks in byte order of the words: SRILM's
    -sort order, written range by range).
    """
    check_order(order)
    budget = parse_memory(memory)
    threads = usable_threads(threads)
    encoder = Encoder(vocab if vocab is not None else Vocabulary())
    block_bytes = block_tokens(budget) * _BYTES_PER_TOKEN
    paths = list(paths)
    progress = FileProgress("counting", paths, quiet=quiet)  # the percentage of the text's bytes read
    batches = encoded_text(paths, options, encoder, block_bytes, pipelined=threads > 1, progress=progress)
    return _count_encoded(batches, order, encoder, budget, threads, quiet, temp_dir, progress, options.sos,
                          options.eos, sink, text_size_hint(paths), relabel)
