"""train_on_dask: text files to an ARPA file on a Dask cluster, as `ngramlm train` does on one machine.

The stages (module docstrings of shards, vocabulary, partitioning, kneser_ney, stupid_backoff, arpa_output):

  lmplz           shards counted -> vocabularies joined, counts renumbered, heavy pairs found -> by last words:
                  adjusted counts, n-grams marked for --prune -> (client: unigrams' and heavy bigrams' counts
                  summed, discounts, unigram probabilities) -> by first words: u, gamma -> (client: heavy
                  bigrams' probabilities) -> by last words: interpolation -> by ranges of first two words: ARPA
                  text -> (client) the file, in order
  stupid-backoff  shards counted -> vocabularies joined, counts renumbered -> by ranges of first two words:
                  (client: unigram counts summed, N) scores and ARPA text -> (client) the file, in order

Data stay on the workers as Dask futures; the client holds only the vocabulary, the count-of-counts, the
unigrams and the heavy bigrams. A worker lost mid-run is recomputed by Dask from the futures' lineage (each
stage's results held to the end, or released once consumed: keep_stages); an error in a task (a file a
worker cannot read, discounts that cannot be estimated) is raised here, and no ARPA file is left behind.

In:  a dask.distributed.Client and an LmplzConfig (ngramlm.smoothing.lmplz_on_disk: the same configuration as the
     one-machine path). Out: the ARPA file, and a DaskRun with what was measured.
"""
from __future__ import annotations

import operator
from concurrent.futures import CancelledError
from dataclasses import MISSING, dataclass, field, fields
from typing import Callable, Sequence

import numpy as np
from distributed import Client, KilledWorker, as_completed

from ..core.errors import ModelError, NgramlmError
from ..core.progress import Progress
from ..core.vocab import EOS_ID, UNK_ID
from ..counting.counts import NgramCounts
from ..smoothing.lmplz import count_of_counts, kneser_ney_discounts
from ..smoothing.lmplz_on_disk import LmplzConfig, prune_thresholds
from ..smoothing.modified_kneser_ney_discounts import full_fallback
from ..smoothing.stupid_backoff import SCORES_COMMENT
from . import arpa_output, kneser_ney, stupid_backoff
from .partitioning import (NO_HEAVY_PAIRS, HeavyPairs, Part, balanced_bounds, heavy_pairs, merged_counts,
                           in_ranges, leading_pairs, part_of_counts, sampled_pairs, split, trailing_pairs)
from .shards import SHARD_BYTES, count_shard, plan_shards
from .vocabulary import id_mapping, joined_vocabulary, renumbered, shard_words, split_words

LMPLZ, STUPID_BACKOFF = "lmplz", "stupid-backoff"
# A pair of words that ends this share of a partition's worth of n-grams is heavy (partitioning.HeavyPairs).
HEAVY_SHARE = 0.25
# N-grams each partition samples for the bounds of the ARPA text's ranges (their balance is within a few %).
_SAMPLE = 10_000
METHODS = (LMPLZ, STUPID_BACKOFF)
# lmplz's options that the one-machine path has and this one does not (they must keep their defaults).
_ONE_MACHINE_ONLY = ("limit_vocab", "interpolate_unigrams", "vocab_pad", "collapse_values",
                     "verbose_header", "intermediate")
_DEFAULTS = {f.name: (f.default_factory() if f.default_factory is not MISSING else f.default)
             for f in fields(LmplzConfig) if f.name in _ONE_MACHINE_ONLY}


@dataclass
class DaskRun:
    """What a run did: n-grams per order, lmplz's discounts (per order [0, D1, D2, D3+]), tokens counted (markers
    included), bytes of n-gram tables moved between partitions (every repartitioning, summed) and how many pairs
    of words were heavy (keyed by three words)."""

    sizes: list[int] = field(default_factory=list)
    discounts: list[np.ndarray] = field(default_factory=list)
    tokens: int = 0
    bytes_shuffled: int = 0
    heavy_pairs: int = 0


def train_on_dask(client: Client, config: LmplzConfig, method: str = LMPLZ, *, partitions: int | None = None,
                  shard_bytes: int = SHARD_BYTES, keep_stages: bool = True, heavy_share: float = HEAVY_SHARE,
                  before_writing: Callable[[DaskRun], None] | None = None) -> DaskRun:
    """Train on the cluster of `client` and write config.arpa (see the module docstring).

    Args:
        client: a dask.distributed.Client (its workers must import ngramlm and read config.texts).
        config: texts, order, ARPA path, vocabulary, text options, unk, discount fallback, counting memory per
            shard, temporary folder (on the workers), quiet.
        method: "lmplz" (interpolated modified Kneser-Ney as KenLM's lmplz) or "stupid-backoff".
        partitions: how many partitions the n-grams are spread over (default: twice the workers).
        shard_bytes: bytes of text per shard at most (fewer where that leaves a worker's thread without one).
        heavy_share: a pair of words that ends this share of a partition's n-grams (orders 3..N) or more is
            heavy: its n-grams are keyed by their last three words (partitioning.HeavyPairs).
        keep_stages: hold every stage's results to the end, so that a lost worker's part is recomputed from
            them; False: release each stage's results once the next stage has them (less memory on the workers;
            a lost worker's part is then recomputed from further back, as far as the counting).
        before_writing: sees the DaskRun once the sizes (and discounts) are known, before the file is written.
    """
    if method not in METHODS:
        raise ModelError(f"method {method!r} does not run on Dask; choose one of {', '.join(METHODS)} (the other "
                         "methods are explained in docs/scale_out.md)")
    unsupported = [name for name in _ONE_MACHINE_ONLY if getattr(config, name) != _DEFAULTS[name]]
    if method == STUPID_BACKOFF and any(config.prune):
        unsupported.append("prune")
    if unsupported or config.arpa is None:
        given = ", ".join(f"{name} (--{name})" for name in unsupported) or "intermediate files without an ARPA file"
        raise ModelError(f"{given}: not supported on Dask (yet); train on one machine for these lmplz options")
    prune_thresholds(config.prune, config.order)  # a bad --prune fails before any work
    workers = len(client.scheduler_info()["workers"])
    parts = partitions or max(1, 2 * workers)
    run = DaskRun()
    futures = _Futures(client, run, config.quiet, keep_stages)
    try:
        threads = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
        shards = client.submit(plan_shards, list(config.texts), shard_bytes, threads, pure=False).result()
        counted = futures.wait("counting shards", [
            client.submit(count_shard, s, config.order, config.vocab, config.text_options, config.memory,
                          config.temp_dir, pure=False) for s in shards])
        run.tokens = sum(client.gather([client.submit(_tokens, c) for c in counted]))
        words = [split_words(w) for w in client.gather([client.submit(shard_words, c) for c in counted])]
        vocab = joined_vocabulary(config.vocab, words)
        shard_parts = futures.held_too([client.submit(_renumbered_part, c, id_mapping(vocab, w), config.unk)
                                        for c, w in zip(counted, words)])
        futures.done_with(counted)
        # The spellings as one string (arpa_output.formatted splits them): 7 s less than a list of 70K to scatter.
        spellings = futures.held_too(client.scatter(["\n".join(vocab.words).encode("utf-8")], broadcast=True))[0]
        if method == LMPLZ:
            by_range = _lmplz(client, futures, shard_parts, config, len(vocab), parts, heavy_share, run)
            preamble = b""
        else:
            by_range = _stupid_backoff(futures, shard_parts, config, len(vocab), parts)
            preamble = SCORES_COMMENT
        texts = futures.wait("formatting", [client.submit(arpa_output.formatted, p, spellings) for p in by_range])
        run.sizes = [int(n) for n in np.sum(client.gather([client.submit(arpa_output.section_sizes, p)
                                                            for p in by_range]), axis=0)]
        futures.done_with(by_range)
        if before_writing is not None:
            before_writing(run)

        def text_of(k: int, r: int) -> bytes:
            text: bytes = client.submit(_section, texts[r], k).result()
            return text

        arpa_output.write_in_order(config.arpa, run.sizes, parts, text_of, preamble)
    except (KilledWorker, CancelledError) as exc:
        raise NgramlmError(f"the Dask cluster lost workers and could not finish ({type(exc).__name__}: {exc}); no "
                           "model was written") from None
    finally:
        futures.release()
    return run


def _lmplz(client: Client, futures: "_Futures", shard_parts: list, config: LmplzConfig, vocab_size: int,
           parts: int, heavy_share: float, run: DaskRun) -> list:
    """kneser_ney's stages; per range of leading pairs, its pieces (from every partition) with log10 p and
    gamma."""
    heavy = heavy_pairs(client.gather([client.submit(trailing_pairs, p, vocab_size, parts, heavy_share)
                                       for p in shard_parts]), vocab_size, parts, heavy_share)
    run.heavy_pairs = len(heavy.keys)
    pieces = futures.repartition(shard_parts, parts, "last", heavy=heavy)
    futures.done_with(shard_parts)
    prune = prune_thresholds(config.prune, config.order)
    both = futures.wait("adjusted counts", [client.submit(kneser_ney.adjust, pieces[j], vocab_size, config.unk,
                                                          prune, heavy) for j in range(parts)])
    futures.done_with(pieces)
    unigram_adjusted, unigram_counts = _summed(client, [client.submit(operator.getitem, b, 1) for b in both])
    heavy_counts = _summed(client, [client.submit(operator.getitem, b, 2) for b in both])
    adjusted = futures.held_too([client.submit(kneser_ney.with_heavy_counts, client.submit(operator.getitem, b, 0),
                                               heavy, heavy_counts) for b in both])
    futures.done_with(both)
    words = kneser_ney.unigram_words(vocab_size, config.unk)
    if not unigram_counts[EOS_ID]:  # no sentence ends (one line without a newline): lmplz has no </s> unigram
        words = words[words != EOS_ID]
    higher = np.sum(client.gather([client.submit(kneser_ney.counts_of_counts, a) for a in adjusted]), axis=0)
    totals = np.concatenate([count_of_counts([unigram_adjusted[words]]), higher.reshape(-1, 5)])
    fallback = full_fallback(config.discount_fallback)
    run.discounts = [kneser_ney_discounts(n, k + 1, fallback) for k, n in enumerate(totals)]
    probs = kneser_ney.unigram_probabilities(words, unigram_adjusted[words], run.discounts[0], vocab_size,
                                             kneser_ney.unigrams_pruned(words, unigram_counts[words], prune[0]))
    unigram_probs = futures.held_too([client.scatter(probs, broadcast=True)])[0]
    pieces = futures.repartition(adjusted, parts, "first")
    futures.done_with(adjusted)
    initial = futures.wait("u and gamma", [client.submit(kneser_ney.initial, pieces[j], run.discounts)
                                           for j in range(parts)])
    futures.done_with(pieces)
    heavy_probs = kneser_ney.heavy_bigram_probabilities(
        client.gather([client.submit(kneser_ney.heavy_bigram_estimates, i, heavy) for i in initial]), heavy, probs)
    pieces = futures.repartition(initial, parts, "last", heavy=heavy)
    futures.done_with(initial)
    final = futures.wait("interpolation", [client.submit(kneser_ney.interpolated, pieces[j], unigram_probs,
                                                         config.unk, parts, j, heavy, heavy_probs)
                                           for j in range(parts)])
    futures.done_with(pieces)
    samples = client.gather([client.submit(sampled_pairs, f, vocab_size, _SAMPLE) for f in final])
    by_range = futures.repartition(final, parts, "first", balanced_bounds(samples, parts), vocab_size)
    futures.done_with(final)
    return by_range


def _summed(client: Client, futures: list) -> np.ndarray:
    """The sum of the arrays, added up in pairs on the workers (the client receives one array, not one a
    partition)."""
    while len(futures) > 1:
        pairs = [client.submit(np.add, a, b) for a, b in zip(futures[::2], futures[1::2])]
        futures = pairs + futures[2 * len(pairs):]
    return futures[0].result()


def _stupid_backoff(futures: "_Futures", shard_parts: list, config: LmplzConfig, vocab_size: int,
                    parts: int) -> list:
    """stupid_backoff's stage; the partitions by balanced ranges of leading pairs (the bounds as lmplz's ARPA
    text's, from a sample of the shards' n-grams) with their log10 scores (each the one piece of its range)."""
    client = futures.client
    per_shard = _SAMPLE * parts // max(1, len(shard_parts))
    bounds = balanced_bounds(client.gather([client.submit(sampled_pairs, p, vocab_size, per_shard)
                                            for p in shard_parts]), parts)
    pieces = futures.repartition(shard_parts, parts, "first", bounds, vocab_size)
    futures.done_with(shard_parts)
    unk_range = int(in_ranges(leading_pairs(np.array([[UNK_ID]]), vocab_size), bounds)[0])
    counts = futures.wait("merging counts", [client.submit(_range_counts, pieces[r], config.unk and r == unk_range)
                                             for r in range(parts)])
    futures.done_with(pieces)
    total = sum(client.gather([client.submit(stupid_backoff.tokens_predicted, c) for c in counts]))
    unigrams = _summed(client, [client.submit(stupid_backoff.unigram_counts, c, vocab_size) for c in counts])
    unigrams = futures.held_too([client.scatter(unigrams, broadcast=True)])[0]
    scores = futures.wait("scores", [client.submit(stupid_backoff.scored, c, total, unigrams) for c in counts])
    futures.done_with(counts)
    return [[s] for s in scores]


def _range_counts(pieces: list[Part], holds_unk: bool) -> Part:
    return stupid_backoff.with_unk(merged_counts(pieces), holds_unk)


def _section(texts: list[bytes], k: int) -> bytes:
    return texts[k]


def _tokens(counts: NgramCounts) -> int:
    return counts.total(1)


def _renumbered_part(counts: NgramCounts, mapping: np.ndarray, unk: bool) -> Part:
    """A shard's counts in the joined ids, as a part; without the n-grams that hold <unk> unless `unk`."""
    part = part_of_counts(renumbered(counts, mapping, counts.vocab))
    if unk:
        return part
    return [{name: values[keep] for name, values in table.items()}
            for table in part for keep in [~np.any(table["grams"] == UNK_ID, axis=1)]]


class _Futures:
    """The futures of one run: waited on with a progress line, repartitioned, and released at the end.

    With keep_stages, every future of the run is held until its end, so that a worker lost mid-run costs only a
    recomputation of what it held. The price is memory: the workers keep every stage's results until the file
    is written. Without, a stage's futures are dropped once the next stage's tasks are submitted (done_with),
    and Dask frees each result as soon as the tasks that read it are done; it keeps their tasks (the lineage)
    while a held result depends on them, so a lost result is still recomputed, from further back
    (docs/scale_out.md measures both; tests/test_distributed.py kills a worker in both)."""

    def __init__(self, client: Client, run: DaskRun, quiet: bool, keep_stages: bool = True):
        self.client, self.run, self.quiet, self.keep_stages = client, run, quiet, keep_stages
        self.held: list = []

    def wait(self, label: str, futures: Sequence) -> list:
        """Wait for the futures (raising the first error), showing how many are done."""
        self.held_too(list(futures))
        with Progress(label, unit="tasks", total=len(futures), quiet=self.quiet) as progress:
            for future in as_completed(futures, loop=self.client.loop):
                future.result()  # raises the task's error here
                progress.update(1)
        return list(futures)

    def repartition(self, sources: list, parts: int, by: str, bounds: np.ndarray | None = None,
                    vocab_size: int | None = None, heavy: HeavyPairs = NO_HEAVY_PAIRS) -> list[list]:
        """pieces[j]: the bucket j of every source, to be merged by partition j. Each bucket is taken out on the
        worker that split it (getitem there), so only buckets travel."""
        splits = [self.client.submit(split, s, parts, by=by, bounds=bounds, vocab_size=vocab_size, heavy=heavy)
                  for s in sources]
        if self.keep_stages:  # otherwise the buckets keep them as long as they are needed
            self.held.extend(splits)
        sizes = self.client.gather([self.client.submit(operator.getitem, s, parts) for s in splits])
        self.run.bytes_shuffled += int(np.sum(sizes))
        return [self.held_too([self.client.submit(operator.getitem, s, j) for s in splits]) for j in range(parts)]

    def held_too(self, futures: list) -> list:
        """Hold these futures (for the whole run with keep_stages, else until done_with)."""
        self.held.extend(futures)
        return futures

    def done_with(self, stage: list) -> None:
        """The stage's futures (a list, or a list of lists) are consumed: the tasks that read them are submitted.
        Without keep_stages, let them go: dropped from the held ones, and the list emptied."""
        if self.keep_stages:
            return
        gone = {id(f) for item in stage for f in (item if isinstance(item, list) else [item])}
        self.held = [f for f in self.held if id(f) not in gone]
        stage.clear()

    def release(self) -> None:
        """Drop the run's futures: Dask frees their data, and stops tasks that nothing waits for any more."""
        self.held.clear()
