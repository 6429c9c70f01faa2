"""`ngram-count`: SRILM's counting and estimation tool, with its flag names (single dash) and file formats.

Counts come from a text file (-text) and/or count files (-read, repeatable; counts add up), are written back as
count files (-write, -writeN, -write-order, -sort; as SRILM's count trie, with the prefixes of n-grams read that
no file lists, of count 0), and feed estimation (-lm with the flags of
cli/estimation_flags.py). Flags and defaults follow SRILM's ngram-count(1) manual page.
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import warnings
from typing import Iterator, NoReturn

import click
import numpy as np

from ngramlm.corpora.reader import TextOptions
from ngramlm.formats.countfile import (CountFileWriter, add_read_counts, merge_counts_within_budget, read_counts,
                                       word_ranks, write_counts)
from ngramlm.counting.corpus_count import count_files
from ngramlm.counting.counts import NgramCounts, with_prefixes
from ngramlm.counting.memory import DEFAULT_MEMORY, counting_budget
from ngramlm.counting.weighted import count_weighted_file
from ngramlm.core.errors import NgramlmError
from ngramlm.core.index import rows_in
from ngramlm.core.vocab import BOS, EOS, EOS_ID, UNK, UNK_ID, Vocabulary
from ngramlm.smoothing.discount import SrilmStop

from ngramlm.cli import estimation_flags
from ngramlm.cli.common import checks_outputs, report_errors, verbose_option
from ngramlm.cli.srilm_options import srilm_command
from ngramlm.cli.srilm_text import (ERRORS, errors_option, keep_bytes_on_stdout, line_count, read_vocabulary,
                                    readable_input, spooled_stdin)
from ngramlm.cli.text_checks import warn_if_unsegmented

MAX_WRITE_ORDER = 9


def _text_statistics(path: str, lines: int, counts: NgramCounts) -> str:
    """SRILM's -debug 1 lines about a text: its last line number, sentences, words (sentence markers left out)
    and OOVs, read off the unigram counts, and the empty perplexity summary SRILM prints after them."""
    vocab = counts.vocab
    unigrams = dict(zip(counts.ngrams[0][:, 0].tolist(), counts.counts[0].tolist())) if counts.order else {}
    starts, ends = unigrams.get(vocab.id(BOS), 0), unigrams.get(vocab.id(EOS), 0)
    sentences = max(starts, ends)
    words = sum(unigrams.values()) - starts - ends
    oovs = unigrams.get(vocab.id(vocab.unk_word), 0) if vocab.closed else 0
    return (f"{path}: line {lines}: {sentences} sentences, {words} words, {oovs} OOVs\n"
            "0 zeroprobs, logprob= 0 ppl= 1 ppl1= 1")


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


def _write_fractional_counts(counts: NgramCounts, path: str, order: int, sort: bool) -> None:
    """A count file of fractional counts (-float-counts), each written as SRILM's FloatCount ("%.16g"), in the
    walk of write_counts: every n-gram followed by its extensions, words by id (by byte order under -sort)."""
    orders = list(range(1, counts.order + 1)) if order == 0 else [order] if order <= counts.order else []
    keys = word_ranks(counts.vocab).astype(np.int64) if sort else np.arange(len(counts.vocab), dtype=np.int64)
    width = max(orders, default=0)
    padded = [np.hstack([keys[counts.ngrams[n - 1]], np.full((len(counts.ngrams[n - 1]), width - n), -1)])
              for n in orders]
    sources = [(n, i) for n in orders for i in range(len(counts.ngrams[n - 1]))]
    walk = np.lexsort(np.vstack(padded).T[::-1]) if sources else []
    words = counts.vocab.words
    with click.open_file(path, "w", encoding="utf-8", errors="surrogateescape", atomic=path != "-") as f:
        for k in walk:
            n, i = sources[k]
            f.write(" ".join(words[w] for w in counts.ngrams[n - 1][i]) + f"\t{counts.counts[n - 1][i]:.16g}\n")


def _above_mincounts(counts: NgramCounts, params: dict) -> NgramCounts:
    """-read-with-mincounts: the counts read without the n-grams below their order's -gtNmin (-gtmin above order
    9), each cut-off taken as a whole count (SRILM's readMinCounts). With -meta-tag TAG, the n-grams left out
    of a context that keeps some are counted by their counts instead: `context TAGk` counts those of count k
    (ngramlm.smoothing.meta_counts)."""
    from ngramlm.counting.counts import counts_from_rows

    rows = []
    for n, (grams, values) in enumerate(zip(counts.ngrams, counts.counts), 1):
        keep = values >= int(_cutoff(params, n))
        rows.append((grams[keep], values[keep]))
        dropped = ~keep & (values > 0)
        if params["meta_tag"] and dropped.any():
            rows[-1] = _with_meta_counts(counts.vocab, params["meta_tag"], grams, values, keep, dropped)
    return counts_from_rows(counts.vocab, rows)


def _cutoff(params: dict, n: int) -> float:
    """The count cut-off of order n: -gtNmin, or -gtmin above order 9."""
    return float(params[f"gt{n}min"] if n <= estimation_flags.MAX_FLAG_ORDER else params["gtmin"])


def _with_meta_counts(vocab: Vocabulary, tag: str, grams: np.ndarray, values: np.ndarray, keep: np.ndarray,
                      dropped: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One order's kept n-grams and the meta n-grams `context TAGk` (count: how many n-grams of count k the
    context lost) of the contexts that keep some n-grams (SRILM stores no others)."""
    contexts = grams[:, :-1]
    kept_contexts = {tuple(row) for row in contexts[keep].tolist()}
    meta: dict[tuple[int, ...], int] = {}
    closed, vocab.closed = vocab.closed, False  # SRILM adds meta tags to any vocabulary
    for context, value in zip(contexts[dropped].tolist(), values[dropped].tolist()):
        if tuple(context) in kept_contexts:
            key = (*context, vocab.add(f"{tag}{int(value)}"))
            meta[key] = meta.get(key, 0) + 1
    vocab.closed = closed
    width = grams.shape[1]
    meta_grams = np.array(list(meta), dtype=grams.dtype).reshape(-1, width)
    return (np.vstack((grams[keep], meta_grams)),
            np.concatenate((values[keep], np.array(list(meta.values()), dtype=values.dtype))))


def _count_file_outputs(params: dict) -> list[tuple[str, int]] | None:
    """The count files to write as -text is counted or -read files are merged, as (path, order 0 for all), where
    nothing else needs the counts whole (no -lm, discount files, -debug, -read-with-mincounts, weighted or
    tagged text); None otherwise."""
    if not (params["text"] or params["read"]) or params["lm"] or _names_discount_files(params) \
            or params["debug"] or params["tagged"] or params["text_has_weights"] \
            or params["text_has_weights_last"] or params["float_counts"] or params["read_with_mincounts"]:
        return None
    outputs = [(params[f"write{n}"], n) for n in range(1, MAX_WRITE_ORDER + 1) if params[f"write{n}"]]
    if params["write"] or not (outputs or params["write_vocab"]):
        outputs.insert(0, (params["write"] or "-", params["write_order"]))
    return outputs


def _write_counts_as_counted(params: dict, vocab: Vocabulary) -> None:
    """Count -text and write the count files range by range (CountFileWriter), so that the counts are never held
    whole and -memory bounds the peak memory."""
    options = TextOptions(sos=not params["no_sos"], eos=not params["no_eos"], tolower=params["tolower"],
                          errors=params["errors"])
    warn_if_unsegmented([params["text"]], params["errors"])
    with CountFileWriter(vocab, _count_file_outputs(params), sort=params["sort"]) as writer:
        count_files([readable_input(params["text"])], params["order"], vocab, options, memory=params["memory"],
                    quiet=params["quiet"], threads=params["threads"], sink=writer,
                    relabel=writer.relabel if params["sort"] else None)
    if params["write_vocab"]:
        vocab.write(params["write_vocab"], srilm_pause=True)


def _merge_counts_as_read(params: dict, vocab: Vocabulary) -> None:
    """-read files (and -text) added up and written within -memory (merge_counts_within_budget)."""
    options = TextOptions(sos=not params["no_sos"], eos=not params["no_eos"], tolower=params["tolower"],
                          errors=params["errors"])
    if params["text"]:
        warn_if_unsegmented([params["text"]], params["errors"])
    merge_counts_within_budget(
        vocab, params["order"], counting_budget(params["memory"]), _count_file_outputs(params), options,
        texts=[(readable_input(params["text"]), params["text"])] if params["text"] else [],
        reads=[(readable_input(path), path) for path in params["read"]], sort=params["sort"],
        limit_vocab=params["limit_vocab"], quiet=params["quiet"], threads=params["threads"], zero_prefixes=True)
    if params["write_vocab"]:
        vocab.write(params["write_vocab"], srilm_pause=True)


# SRILM's names of the smoothing methods, as `ngram-count -debug 1` prints them.
SRILM_DISCOUNT_NAMES = {"witten-bell": "WittenBell", "absolute": "ConstDiscount", "additive": "AddSmooth",
                        "kneser-ney": "KneserNey", "modified-kneser-ney": "ModKneserNey",
                        "good-turing": "GoodTuring"}


@dataclasses.dataclass
class _Notes:
    """What estimation reports under -debug 1, in the order it happens: each discount's lines and warnings by order
    (SRILM prints them after its `using METHOD for N-grams` line), and the estimator's notes (left-over mass)."""

    by_order: dict[int, list[str]] = dataclasses.field(default_factory=dict)
    estimator: list[str] = dataclasses.field(default_factory=list)  # left-over mass, without "warning: "
    contexts: dict[int, list[str]] = dataclasses.field(default_factory=dict)  # contexts left without mass, by order
    retried: dict[int, list[tuple]] = dataclasses.field(default_factory=dict)  # their ids, oldest first
    unordered: list[str] = dataclasses.field(default_factory=list)  # warnings that name no order
    warnings: set[str] = dataclasses.field(default_factory=set)  # the lines of by_order that are warnings
    improper: list[str] = dataclasses.field(default_factory=list)  # after the unigrams' discards (ImproperWarning)


@contextlib.contextmanager
def _estimation_notes() -> Iterator[_Notes]:
    """Collect the discounts' -debug lines and warnings (ngramlm.smoothing.discount) and the estimator's notes
    (ngramlm.smoothing.backoff_estimator's log) while estimating, in order."""
    from ngramlm.smoothing import EstimationWarning
    from ngramlm.smoothing.backoff_estimator import ImproperWarning

    notes = _Notes()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            order = getattr(record, "order", None)
            if hasattr(record, "estimating"):
                notes.contexts.setdefault(record.estimating, []).append(f"warning: {record.getMessage()}")
                notes.retried.setdefault(record.estimating, []).append(record.context)
            elif order is None:
                notes.estimator.append(record.getMessage())
            else:
                notes.by_order.setdefault(order, []).append(record.getMessage())

    def show(message, *args, **kwargs) -> None:
        order = getattr(message, "order", None)
        line = estimation_flags.warning_line(message)
        notes.warnings.add(line)
        if isinstance(message, ImproperWarning):
            notes.improper.append(line)
            return
        (notes.unordered if order is None else notes.by_order.setdefault(order, [])).append(line)

    loggers = [logging.getLogger(name) for name in ("ngramlm.smoothing.backoff_estimator",
                                                    "ngramlm.smoothing.discount")]
    handler, levels = Collect(), [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", EstimationWarning)
            warnings.showwarning = show
            yield notes
    finally:
        for logger, level in zip(loggers, levels):
            logger.removeHandler(handler)
            logger.setLevel(level)


def _stop(stop, notes: _Notes | None, methods, debug: int) -> NoReturn:
    """SRILM's ngram-count where a discount cannot be estimated (a SrilmStop): the lines of the orders estimated up
    to it (their warnings, and at -debug 1 their `using` and -debug lines), its message, exit status 1."""
    if notes is not None:
        for n, method in methods:
            if n > stop.order:
                break
            if debug >= 1:
                click.echo(f"using {SRILM_DISCOUNT_NAMES[method]} for {n}-grams", err=True)
            for line in notes.by_order.get(n, []):
                if debug >= 1 or line in notes.warnings:
                    click.echo(line, err=True)
        for line in notes.unordered:
            click.echo(line, err=True)
    for line in estimation_flags.stop_lines(stop):
        click.echo(line, err=True)
    raise SystemExit(1)


def _estimated_counts(counts: NgramCounts, params: dict) -> list[np.ndarray]:
    """The counts each order is estimated from: Kneser-Ney's continuation counts below the highest order (as
    ngramlm.smoothing.backoff_estimator's prepare_counts makes them), the counts themselves elsewhere."""
    from ngramlm.smoothing.backoff_estimator import non_events, predicted_words
    from ngramlm.smoothing.continuation_counts import continuation_counts
    from ngramlm.smoothing.meta_counts import NOT_META, meta_types

    vocab = counts.vocab
    predicted = predicted_words(len(vocab), bool(params["unk"]), non_events(vocab))
    meta = meta_types(vocab)
    if meta is not None:
        predicted &= meta == NOT_META
    result = list(counts.counts)
    for n, method in enumerate(estimation_flags.methods(params, counts.order), 1):
        if method in ("kneser-ney", "modified-kneser-ney") and n < counts.order:
            result[n - 1] = continuation_counts(counts.ngrams[n - 1], counts.counts[n - 1], counts.ngrams[n],
                                                counts.counts[n], predicted, len(vocab))
    return result


def _discard_report(counts: NgramCounts, model, unk: bool, zerotons: int | None = None,
                    retried: dict[int, list[tuple]] | None = None,
                    estimated_counts: list[np.ndarray] | None = None,
                    cutoffs: list[float] | None = None) -> dict[int, list[str]]:
    """SRILM's `discarded ...` lines per order (Ngram::estimate at -debug 1): contexts it skips (ending in </s>,
    or holding <unk> in a closed vocabulary), n-grams predicting a non-event (<s>, -pau-, a closed vocabulary's
    <unk>; SRILM counts a context's again each time it retries the context, `retried`: ids by order), and n-grams
    whose discount removed them; then (under key order + 1) the `inserted ... redundant` lines of the n-grams that
    had no probability but are contexts."""
    from ngramlm.smoothing.backoff_estimator import non_events
    from ngramlm.smoothing.meta_counts import NOT_META, meta_types

    vocab = counts.vocab
    events = np.ones(len(vocab), dtype=bool)
    events[non_events(vocab)] = False
    meta = meta_types(vocab)
    is_meta = np.zeros(len(vocab), dtype=bool) if meta is None else meta != NOT_META
    events &= ~is_meta  # meta tags (-meta-tag) predict nothing either
    if not unk:
        events[UNK_ID] = False
    lines: dict[int, list[str]] = {}
    inserted: list[str] = []
    for n in range(1, counts.order + 1):
        rows = counts.ngrams[n - 1]
        values = (estimated_counts or counts.counts)[n - 1]
        if n == 1:
            skipped_contexts = 0
            skipped = np.zeros(len(rows), dtype=bool)
            group = np.zeros(len(rows), dtype=np.int64)
        else:
            contexts = counts.ngrams[n - 2]
            skip = contexts[:, -1] == EOS_ID
            if not unk:
                skip |= np.any(contexts == UNK_ID, axis=1)
            skipped_contexts = int(skip.sum())
            prefixes = rows[:, :-1]
            skipped = prefixes[:, -1] == EOS_ID
            if not unk:
                skipped |= np.any(prefixes == UNK_ID, axis=1)
            group = np.unique(prefixes, axis=0, return_inverse=True)[1].reshape(-1)
        event = events[rows[:, -1]]
        positive = values > 0
        counted = event | (is_meta[rows[:, -1]] if n > 1 else False)  # meta counts join the totals above unigrams
        total = np.bincount(group, weights=np.where(positive & counted, values, 0), minlength=1)
        estimated = ~skipped & (total[group] > 0)
        if n == 1:  # unigrams of <s> and -pau- get probability 0; a closed vocabulary's <unk> is dropped
            predicting = estimated & (((rows[:, -1] == UNK_ID) & (not unk)) | is_meta[rows[:, -1]])
        else:
            predicting = estimated & positive & ~event
        recounted = sum(int(np.count_nonzero(predicting & np.all(rows[:, :-1] == np.array(context), axis=1)))
                        for context in (retried or {}).get(n, []) if n > 1)
        candidates = estimated & positive & event
        # discounted: below the order's cut-off (`cutoffs`), or else not in the model; one below it that is a
        # context of a kept n-gram is back in the model, inserted as SRILM's fixupProbs inserts it
        dropped = ~rows_in(rows, model.ngrams[n - 1])
        if cutoffs is not None:
            dropped |= values < cutoffs[n - 1]
        discounted = int(np.count_nonzero(candidates & dropped))
        if n == 1 and zerotons is not None:  # discounted unigrams come back with left-over mass: the zerotons seen
            unseen = np.ones(len(vocab), dtype=bool)
            unseen[rows[positive, 0]] = False
            discounted = zerotons - int(np.count_nonzero(unseen & events))
        found = []
        for number, what in [(skipped_contexts, "contexts containing pseudo-events"),
                             (int(predicting.sum()) + recounted, "probs predicting pseudo-events"),
                             (discounted, "probs discounted to zero")]:
            if number:
                found.append(f"discarded {number} {n}-gram {what}")
        lines[n] = found
        if 1 < n < counts.order:  # contexts of longer n-grams that had no probability get their back-off one
            fakes = len(model.ngrams[n - 1]) - int(np.count_nonzero(candidates & ~dropped))
            if fakes:
                inserted.append(f"inserted {fakes} redundant {n}-gram probs")
    lines[counts.order + 1] = inserted  # SRILM's Ngram::fixupProbs, after every order
    return lines


def _in_srilm_order(notes: _Notes, vocab: Vocabulary, text: str | None, params: dict) -> None:
    """Put the contexts left without back-off mass of each order in the order SRILM's estimation visits them
    (cli/srilm_trie_order.py), each context's lines together (SRILM retries a context at once)."""
    import itertools

    from ngramlm.cli.srilm_trie_order import count_file_paths, text_paths, visiting_keys
    from ngramlm.core.io import iter_lines, lower_case, split_words
    from ngramlm.corpora.reader import read_sentences

    words = vocab.words
    for n, contexts in notes.retried.items():
        if len(set(contexts)) < 2:
            continue
        options = TextOptions(sos=not params["no_sos"], eos=not params["no_eos"], tolower=params["tolower"],
                              errors=params["errors"])
        lines = (split_words(lower_case(line) if params["tolower"] else line)
                 for path in params["read"] for _, line in iter_lines(readable_input(path), params["errors"]))
        units = itertools.chain(count_file_paths(lines, params["order"]),
                                text_paths(read_sentences(text, options), params["order"]) if text else ())
        spelled = [tuple(words[w] for w in context) for context in contexts]
        keys = visiting_keys(units, words[3:] if vocab.closed else [], spelled)
        ranked = sorted(range(len(contexts)), key=lambda i: keys[i])  # stable: each context's rounds in order
        notes.contexts[n] = [notes.contexts[n][i] for i in ranked]


def _prune(model, params: dict):
    """-prune / -minprune: SRILM's ngram-count prunes the estimated model in memory (Ngram::pruneProbs) before
    writing it, as `ngram -prune` does to a model it reads; the same pruning and -debug 1 lines."""
    from ngramlm.cli.ngram import report_left_over_mass, report_sizes
    from ngramlm.core.model import BackoffModel
    from ngramlm.use.prune import prune_entropy
    from ngramlm.use.prune_contexts import srilm_context_weights

    # SRILM holds the estimated probabilities in single precision, and recomputes the back-off weights from those
    model = BackoffModel(model.vocab, model.ngrams, [lp.astype(np.float32).astype(lp.dtype) for lp in model.logprob],
                         model.logbow)
    pruned = prune_entropy(model, params["prune"], params["minprune"])
    report_sizes("pruned", model, pruned, params["debug"])
    pruned = srilm_context_weights(model, pruned, params["minprune"])
    report_left_over_mass(pruned, bool(params["unk"]), params["debug"])
    return pruned


# The methods whose discounts SRILM estimates from fractional counts (its Discount::estimate for FloatCount is
# overridden only by ConstDiscount, AddSmooth and WittenBell; the others refuse).
FRACTIONAL_METHODS = frozenset({"witten-bell", "absolute", "additive"})


def _check_fractional_methods(params: dict, order: int) -> None:
    """-float-counts with a method that needs whole counts (count-of-counts): SRILM's two lines, exit status 1."""
    for n, method in enumerate(estimation_flags.methods(params, order), 1):
        if method not in FRACTIONAL_METHODS:
            click.echo(f"discounting method does not support float counts\nerror in discount estimator for order "
                       f"{n}", err=True)
            raise SystemExit(1)


@srilm_command("ngram-count")
@click.version_option(None, "-version", package_name="ngramlm")
@click.option("-order", "order", type=click.IntRange(1, 255), default=3,
              help="Maximal order (length) of the N-grams to count; also the order of the estimated LM.")
@click.option("-text", "text", metavar="FILE",
              help="Count N-grams in FILE: one sentence per line, <s> and </s> added unless present, empty lines "
                   "ignored.")
@click.option("-text-has-weights", "text_has_weights", is_flag=True,
              help="Each line of -text starts with a weight: its N-grams are counted that many times (the digits "
                   "before any decimal point, unless -float-counts).")
@click.option("-text-has-weights-last", "text_has_weights_last", is_flag=True,
              help="As -text-has-weights, with the weight at the end of each line.")
@click.option("-float-counts", "float_counts", is_flag=True,
              help="Keep fractional counts (weighted text). Estimation then works with -wbdiscount, -cdiscount "
                   "and -addsmooth only, as in SRILM (and not with -read).")
@click.option("-read", "read", metavar="FILE", multiple=True,
              help="Read N-gram counts ('w1 .. wn<TAB>count') from FILE; repeatable. Counts from -read and -text "
                   "add up.")
@click.option("-read-with-mincounts", "read_with_mincounts", is_flag=True,
              help="Drop the N-grams of -read files whose counts are below the -gtNmin cut-offs as they are read, "
                   "to save memory (count-of-counts then lack them, unless -meta-tag keeps them as meta counts).")
@click.option("-meta-tag", "meta_tag", metavar="TAG",
              help="Words TAG and TAGk (k a whole number) in the last place of an N-gram count count-of-counts: "
                   "`a b TAG3 <TAB> 4` means 4 N-grams `a b *` occurred 3 times each (SRILM's meta counts; "
                   "-read-with-mincounts then keeps the counts it leaves out so). They get no probability.")
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
@click.option("-write-binary-lm", "write_binary_lm", is_flag=True,
              help="Write the -lm model in ngramlm's binary format (memory-mapped by ngram and ngramlm; read back "
                   "fast), not ARPA. This is not SRILM's binary LM format: SRILM's tools cannot read it.")
@click.option("-prune", "prune", type=float, default=0.0, metavar="THRESHOLD",
              help="Prune the estimated LM before -lm writes it: remove the N-grams whose removal raises its "
                   "training-set perplexity by less than THRESHOLD, relatively (Stolcke's entropy pruning, as "
                   "ngram -prune does).")
@click.option("-minprune", "minprune", type=click.IntRange(2, None), default=2, metavar="N",
              help="Prune only N-grams of at least N words (-prune); unigrams are never pruned.")
@click.option("-debug", "debug", type=int, default=0,
              help="Debugging level: 1 reports the counted text; estimation prints more at higher levels.")
@click.option("-memory", "memory", default=DEFAULT_MEMORY, metavar="SIZE",
              help="Working memory (2G, 512M, 25%; at least 1M) for counting -text and adding up -read files: "
                   "the text goes to a temporary file beyond half of it, its windows are sorted in as many passes "
                   "as it needs, and the counts read go to sorted runs on disk beyond it, so writing count files "
                   "(-write, -writeN) stays within it plus a fixed overhead. Estimation (-lm, discount files), "
                   "-debug, -read-with-mincounts and weighted or tagged text hold the counts whole, as SRILM "
                   "does. (ngramlm's own flag.)")
@click.option("-threads", "threads", type=click.IntRange(min=1), default=None, metavar="N",
              help="Threads that sort and write the counts (default: every core this process may use). "
                   "(ngramlm's own flag.)")
@click.option("-tagged", "tagged", is_flag=True,
              help="The text is tagged (word/TAG): count its word N-grams and the N-grams whose first words are "
                   "replaced by their tags, and estimate a tagged LM for ngram -tagged (SRILM's TaggedNgram). "
                   "Tags are written as words /TAG, which no distribution predicts.")
@click.option("-tag", "tag", metavar="STRING", help="A label for the counts in messages (accepted, as SRILM's; unused).")
@errors_option
@click.option("-q", "quiet", is_flag=True, help="No progress display. (ngramlm's own flag.)")
@verbose_option
@report_errors
@checks_outputs("write", *(f"write{n}" for n in range(1, MAX_WRITE_ORDER + 1)), "write_vocab", "lm")
def main(**params):
    """Count N-grams and estimate N-gram language models (SRILM ngram-count compatible)."""
    order = params["order"]
    params["errors"] = ERRORS[params["errors"]]
    keep_bytes_on_stdout()
    counting_budget(params["memory"])  # refuses a budget below the minimum before any work
    if params["float_counts"] and params["read"]:
        raise NgramlmError("-float-counts with -read is not supported: fractional counts come only from weighted "
                           "-text (-text-has-weights)")
    vocab = read_vocabulary(params["vocab"], params["map_unk"], params["tolower"], params["errors"])
    if params["tagged"]:
        from ngramlm.models.tagged import TaggedVocabulary

        if params["float_counts"] or params["text_has_weights"] or params["text_has_weights_last"]:
            raise NgramlmError("-tagged with weighted text or -float-counts is not supported")
        vocab = TaggedVocabulary.split(vocab)
    if _count_file_outputs(params) is not None:
        (_merge_counts_as_read if params["read"] else _write_counts_as_counted)(params, vocab)
        return
    counts = None
    text = None
    if params["text"]:
        options = TextOptions(sos=not params["no_sos"], eos=not params["no_eos"], tolower=params["tolower"],
                              errors=params["errors"])
        warn_if_unsegmented([params["text"]], params["errors"])
        text = readable_input(params["text"])
        if params["debug"] >= 1 and text == "-":
            text = spooled_stdin()  # read twice: counted, then its lines
        weighted = params["text_has_weights"] or params["text_has_weights_last"]
        if params["tagged"]:
            from ngramlm.models.tagged import count_tagged_text

            counts = count_tagged_text(text, order, vocab, options)
        elif weighted:
            def bad_weight(line: int) -> None:  # SRILM's warning, the line skipped
                click.echo(f"{params['text']}: line {line}: illegal count weight or line too long?", err=True)

            counts = count_weighted_file(text, order, vocab, options, fractional=params["float_counts"],
                                         weight_last=params["text_has_weights_last"], warn=bad_weight)
        else:
            counts = count_files([text], order, vocab, options, memory=params["memory"],
                                 quiet=params["quiet"], threads=params["threads"])
        if params["debug"] >= 1:  # SRILM's statistics count each line of weighted text once
            read = counts if not weighted else count_weighted_file(text, 1, vocab, options, weight_last=params[
                "text_has_weights_last"], weighted=False)
            click.echo(_text_statistics(params["text"], line_count(text), read), err=True)
    for path in params["read"]:
        read = read_counts(readable_input(path), vocab, order, limit_vocab=params["limit_vocab"], tolower=params["tolower"],
                           errors=params["errors"], quiet=params["quiet"])
        if params["read_with_mincounts"]:
            read = _above_mincounts(read, params)
        counts = add_read_counts(counts, read, path)
    if counts is None:
        counts = NgramCounts.empty(vocab, order)

    # SRILM writes the counts to standard output when nothing else (counts, vocabulary, LM, discounts) is written.
    writes_something = any(params[name] for name in
                           ["write_vocab", "lm", *(f"write{n}" for n in range(1, MAX_WRITE_ORDER + 1))])
    def write(path: str, order: int) -> None:
        if params["float_counts"]:
            _write_fractional_counts(counts, path, order, params["sort"])
        else:  # SRILM writes its count trie: the prefixes count files leave out, with count 0
            write_counts(with_prefixes(counts) if params["read"] else counts, path, order=order, sort=params["sort"],
                         quiet=params["quiet"])

    def write_vocabulary_and_counts() -> None:
        if params["write_vocab"]:
            vocab.write(params["write_vocab"], srilm_pause=True)
        if params["write"] or not (writes_something or _names_discount_files(params)):
            write(params["write"] or "-", params["write_order"])
        for n in range(1, MAX_WRITE_ORDER + 1):
            if params[f"write{n}"]:
                write(params[f"write{n}"], n)

    if not (params["lm"] or _names_discount_files(params)):
        write_vocabulary_and_counts()
        return
    if params["float_counts"] and (params["lm"] or _names_discount_files(params)):
        _check_fractional_methods(params, order)
    if params["meta_tag"]:
        counts.vocab.meta_tag = params["meta_tag"]  # (read by ngramlm.smoothing.meta_counts)
    if params["lm"]:
        from ngramlm.formats.arpa import write_arpa

        if params["debug"] >= 1:
            with _estimation_notes() as notes:
                try:
                    model = estimation_flags.build_model(counts, params, params["quiet"], catch_warnings=False)
                except SrilmStop as stop:
                    _stop(stop, notes, enumerate(estimation_flags.methods(params, order), 1), params["debug"])
            # SRILM estimates each order's discount after naming its method
            for n, method in enumerate(estimation_flags.methods(params, order), 1):
                click.echo(f"using {SRILM_DISCOUNT_NAMES[method]} for {n}-grams", err=True)
                for line in notes.by_order.get(n, []):
                    click.echo(line, err=True)
            for line in notes.unordered:
                click.echo(line, err=True)
            zerotons = [int(m.group(1)) for m in map(re.compile(r"over (\d+) zeroton words").search,
                                                     notes.estimator) if m]
            # (with the prefixes a count file leaves out, which SRILM's count trie holds and estimation counts)
            trie = with_prefixes(counts)
            discarded = _discard_report(trie, model, bool(params["unk"]), zerotons[0] if zerotons else None,
                                        notes.retried, _estimated_counts(trie, params),
                                        [_cutoff(params, n) for n in range(1, order + 1)])
            if not (params["read_with_mincounts"] or params["limit_vocab"] or params["tagged"]
                    or "-" in params["read"]):
                _in_srilm_order(notes, counts.vocab, text, params)
            # SRILM reports each order as it goes (contexts left without mass, then discards), the unigrams'
            # left-over mass after the unigrams
            for n in sorted(discarded):
                for line in notes.contexts.get(n, []) + discarded[n]:
                    click.echo(line, err=True)
                if n == 1:
                    for line in notes.improper:
                        click.echo(line, err=True)
                    for note in notes.estimator:
                        click.echo(f"warning: {note}", err=True)
        else:
            try:
                model = estimation_flags.build_model(counts, params, params["quiet"])
            except SrilmStop as stop:
                _stop(stop, None, [], 0)
        if params["prune"]:
            model = _prune(model, params)
        if params["debug"] >= 1:  # SRILM's Ngram::write at -debug 1
            for n, size in enumerate(model.sizes(), 1):
                click.echo(f"writing {size} {n}-grams", err=True)
        if params["write_binary_lm"]:
            from ngramlm.formats.binary import write_binary

            write_binary(model, params["lm"])
        else:
            write_arpa(model, params["lm"], quiet=params["quiet"])
    elif _names_discount_files(params):
        with _estimation_notes() as notes:
            try:
                estimated = estimation_flags.write_discount_parameters(counts, params)
            except SrilmStop as stop:
                _stop(stop, notes, estimation_flags.discount_orders(params, order), params["debug"])
        for n, method in estimated:  # SRILM's lines, its warnings whatever the -debug level
            if params["debug"] >= 1:
                click.echo(f"using {SRILM_DISCOUNT_NAMES[method]} for {n}-grams", err=True)
            for line in notes.by_order.get(n, []):
                if params["debug"] >= 1 or line in notes.warnings:
                    click.echo(line, err=True)
    # SRILM writes the vocabulary and counts after the model and discounts, so none where their estimation stops
    write_vocabulary_and_counts()
