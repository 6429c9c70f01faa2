"""The Dask path (ngramlm.distributed) against the one-machine path: the same ARPA model from local clusters of
1, 2 and 4 workers, for lmplz's modified Kneser-Ney (also pruned, and releasing each stage's results) and for
Stupid Backoff; input through fsspec URLs; the partitioning keys; a worker killed mid-run; the errors.

The reference is the one-machine estimator (ngramlm.smoothing.lmplz, itself checked against KenLM's lmplz in
test_lmplz*), compared n-gram by n-gram through the ARPA reader. To keep CI fast the corpora are slices (the first
1 MB of brown for 3-grams, 400 kB of gutenberg for 5-grams, cut at a line end), spread over several shards so
that counts really are merged; benchmarks/bench_distributed.py compares the full corpora.
"""
from __future__ import annotations

import filecmp
import gzip
import os

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from ngramlm.core.errors import ModelError, NgramlmError  # noqa: E402
from ngramlm.counting.corpus_count import count_files  # noqa: E402
from ngramlm.corpora.reader import TextOptions  # noqa: E402
from ngramlm.core.vocab import Vocabulary  # noqa: E402
from ngramlm.distributed.partitioning import (balanced_bounds, hashed, in_ranges, keyed,  # noqa: E402
                                              leading_pairs, part_of_counts, sampled_pairs)
from ngramlm.distributed.pipeline import train_on_dask  # noqa: E402
from ngramlm.distributed.shards import Shard, plan_shards, shard_text  # noqa: E402
from ngramlm.formats.arpa import read_arpa, write_arpa  # noqa: E402
from ngramlm.smoothing.lmplz import estimate_lmplz  # noqa: E402
from ngramlm.smoothing.lmplz_on_disk import LmplzConfig  # noqa: E402
from ngramlm.smoothing.stupid_backoff import SCORES_COMMENT, stupid_backoff  # noqa: E402

# The text options of `ngramlm train` (a blank line is an empty sentence, and a last line without a newline ends
# none, as lmplz reads them).
OPTIONS = TextOptions(blank_lines=True, open_last_line=True)


def slice_of(source, size: int, folder) -> str:
    """The first `size` bytes of a corpus, to the end of the line, as a file in `folder`."""
    with open(source, "rb") as f:
        data = f.read(size)
        data += f.readline()
    path = os.path.join(folder, f"{os.path.basename(os.path.dirname(source))}.txt")
    with open(path, "wb") as f:
        f.write(data)
    return path


def assert_same_model(path: str, reference: str) -> None:
    """Same n-grams, log10 values within 1e-6 (both files read into one vocabulary, so rows line up)."""
    vocab = Vocabulary()
    want, got = read_arpa(reference, vocab), read_arpa(path, vocab)
    assert got.sizes() == want.sizes()
    for k in range(want.order):
        np.testing.assert_array_equal(got.ngrams[k], want.ngrams[k])
        np.testing.assert_allclose(got.logprob[k], want.logprob[k], rtol=0, atol=1e-6)
        np.testing.assert_allclose(got.logbow[k], want.logbow[k], rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def clusters():
    """Local clusters of 1, 2 and 4 single-threaded workers (threads: fast to start; the process cluster is
    tested where a worker is killed)."""
    made = {}
    try:
        for n in (1, 2, 4):
            cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=False,
                                               dashboard_address=":0")
            made[n] = (cluster, distributed.Client(cluster, set_as_default=False))
        yield {n: client for n, (_, client) in made.items()}
    finally:
        for cluster, client in made.values():
            client.close()
            cluster.close()


@pytest.fixture(scope="module")
def corpora(shared_corpora, tmp_path_factory):
    folder = tmp_path_factory.mktemp("slices")
    return {"brown": (slice_of(shared_corpora / "brown" / "train.txt", 500_000, folder), 3),
            "gutenberg": (slice_of(shared_corpora / "gutenberg" / "train.txt", 250_000, folder), 5)}


@pytest.fixture(scope="module")
def references(corpora, tmp_path_factory):
    """The one-machine models: lmplz and Stupid Backoff of each slice."""
    folder = tmp_path_factory.mktemp("references")
    made = {}
    for name, (path, order) in corpora.items():
        counts = count_files([path], order, options=OPTIONS)
        made[name, "lmplz"] = str(folder / f"{name}.lmplz.arpa")
        write_arpa(estimate_lmplz(counts), made[name, "lmplz"])
        made[name, "stupid-backoff"] = str(folder / f"{name}.sb.arpa")
        write_arpa(stupid_backoff(counts), made[name, "stupid-backoff"], preamble=SCORES_COMMENT)
    return made


def train(client, path, order, arpa, method="lmplz", prune=(), **kwargs):
    config = LmplzConfig(path if isinstance(path, list) else [path], order, str(arpa), text_options=OPTIONS,
                         quiet=True, prune=prune)
    return train_on_dask(client, config, method, shard_bytes=100_000, **kwargs)


def one_machine(path, order, arpa, *flags) -> str:
    """`ngramlm train` on one machine, as a user runs it."""
    from click.testing import CliRunner

    from ngramlm.cli.main import cli

    result = CliRunner().invoke(cli, ["train", "-o", str(order), "--text", path, "--arpa", str(arpa), "-q", *flags])
    assert result.exit_code == 0, result.output
    return str(arpa)


@pytest.mark.parametrize("workers", [1, 2, 4])
@pytest.mark.parametrize("corpus", ["brown", "gutenberg"])
def test_lmplz_on_dask_equals_the_one_machine_model(clusters, corpora, references, tmp_path, corpus, workers):
    """Also with other numbers of partitions than the default (twice the workers), and with heavy pairs of words
    (a low heavy_share makes ". </s>" and others heavy on these small texts): the model does not change."""
    path, order = corpora[corpus]
    run = train(clusters[workers], path, order, tmp_path / "lm.arpa", partitions={1: 3, 2: None, 4: 7}[workers],
                heavy_share={1: 0.25, 2: 0.05, 4: 0.01}[workers])
    assert_same_model(str(tmp_path / "lm.arpa"), references[corpus, "lmplz"])
    assert run.bytes_shuffled > 0 and len(run.discounts) == order
    assert (run.heavy_pairs > 0) == (workers > 1)


@pytest.mark.parametrize("corpus, prune", [("brown", "0 1 1"), ("gutenberg", "1 1 2")])
def test_pruned_lmplz_on_dask_is_the_one_machine_model(clusters, corpora, tmp_path, corpus, prune):
    """lmplz's --prune on the workers: the pruned n-grams still count for the discounts and the continuation
    counts, and their mass goes to the back-off. "1 1 2" also prunes unigrams (<s>, </s> and <unk> stay), which
    changes the uniform distribution's |V|. The file is byte for byte `ngramlm train --prune`'s."""
    path, order = corpora[corpus]
    reference = one_machine(path, order, tmp_path / "one.arpa", "--prune", prune)
    run = train(clusters[2], path, order, tmp_path / "lm.arpa", prune=[int(t) for t in prune.split()],
                partitions=5, heavy_share=0.02)
    assert filecmp.cmp(tmp_path / "lm.arpa", reference, shallow=False)
    unpruned = read_arpa(str(tmp_path / "lm.arpa")).sizes()
    assert unpruned == run.sizes and run.sizes[1] < len(np.unique(read_arpa(reference).ngrams[1], axis=0)) + 1
    with open(reference) as f:
        assert f"ngram 2={run.sizes[1]}" in f.read(200)


def test_releasing_each_stage_gives_the_same_model(clusters, corpora, references, tmp_path):
    path, order = corpora["gutenberg"]
    train(clusters[4], path, order, tmp_path / "lm.arpa", keep_stages=False, heavy_share=0.02)
    assert_same_model(str(tmp_path / "lm.arpa"), references["gutenberg", "lmplz"])


def test_input_through_fsspec_urls(clusters, corpora, tmp_path):
    """memory:// (a glob over a plain half, in several shards, and a gzipped half) and file://: the model of
    the same text as a local file."""
    import fsspec

    path, order = corpora["brown"]
    with open(path, "rb") as f:
        data = f.read()
    half = data.index(b"\n", len(data) // 2) + 1
    with fsspec.open("memory://dask-test/a.txt", "wb") as f:
        f.write(data[:half])
    with fsspec.open("memory://dask-test/b.txt.gz", "wb") as f:
        f.write(gzip.compress(data[half:]))
    reference = one_machine(path, order, tmp_path / "one.arpa")
    try:
        for i, url in enumerate(["memory://dask-test/*", "file://" + os.path.abspath(path)]):
            train(clusters[2], url, order, tmp_path / f"lm{i}.arpa")
            assert filecmp.cmp(tmp_path / f"lm{i}.arpa", reference, shallow=False)
        with pytest.raises(NgramlmError, match="memory://dask-test/none.txt: cannot be read on worker .*no such"):
            train(clusters[2], "memory://dask-test/none.txt", order, tmp_path / "lm.arpa")
    finally:
        fsspec.filesystem("memory").rm("/dask-test", recursive=True)


def test_two_word_keys_keep_what_each_stage_needs_together_and_spread_frequent_words(corpora):
    """By last words, an n-gram (n >= 3) lies with its suffix; by first words, with every n-gram of its context
    (whatever its last word); and the n-grams of a frequent word, all on one partition with a one-word key, spread
    over many (not those ending in ". </s>": docs/scale_out.md). The ranges for writing follow the n-grams' order
    and hold about as many."""
    path, order = corpora["gutenberg"]
    counts = count_files([path], order, options=OPTIONS)
    parts = 64
    for grams in counts.ngrams[2:]:
        np.testing.assert_array_equal(keyed(grams, parts, "last"), keyed(grams[:, 1:], parts, "last"))
    for grams in counts.ngrams[1:]:
        other_last_word = grams.copy()
        other_last_word[:, -1] = (grams[:, -1] + 1) % len(counts.vocab)
        np.testing.assert_array_equal(keyed(grams, parts, "first"), keyed(other_last_word, parts, "first"))
    # Frequent words: n-grams ending in "the" and beginning with <s> (order 3 and up) spread over the partitions.
    the, bos = counts.vocab.id("the"), counts.vocab.id("<s>")
    ending = np.concatenate([keyed(g[g[:, -1] == the], parts, "last") for g in counts.ngrams[1:]])
    starting = np.concatenate([keyed(g[g[:, 0] == bos], parts, "first") for g in counts.ngrams[2:]])
    assert len(np.unique(hashed(np.full(3, the), parts))) == 1
    assert len(np.unique(ending)) > parts // 2 and len(np.unique(starting)) > parts // 2
    bounds = balanced_bounds([sampled_pairs(part_of_counts(counts), len(counts.vocab), 5000)], 8)
    sizes = sum(np.bincount(in_ranges(leading_pairs(g, len(counts.vocab)), bounds), minlength=8)
                for g in counts.ngrams)
    assert sizes.max() < 1.2 * sizes.mean()
    for grams in counts.ngrams:
        assert np.all(np.diff(in_ranges(leading_pairs(grams, len(counts.vocab)), bounds)) >= 0)


@pytest.mark.parametrize("corpus", ["brown", "gutenberg"])
def test_stupid_backoff_on_dask_equals_the_one_machine_model(clusters, corpora, references, tmp_path, corpus):
    """Also with more partitions, where the balanced ranges of first two words cut between a frequent word's
    bigrams and its unigram (their context, whose count comes from the client)."""
    path, order = corpora[corpus]
    train(clusters[2], path, order, tmp_path / "sb.arpa", "stupid-backoff",
          partitions={"brown": None, "gutenberg": 7}[corpus])
    assert_same_model(str(tmp_path / "sb.arpa"), references[corpus, "stupid-backoff"])
    with open(tmp_path / "sb.arpa", "rb") as f:
        assert f.read(len(SCORES_COMMENT)) == SCORES_COMMENT


def test_shards_hold_every_line_once_in_order(tmp_path):
    lines = [f"line {i} " + "x" * (i % 13) for i in range(200)]
    path = tmp_path / "text.txt"
    path.write_text("\n".join(lines) + "\n")
    for size in (1, 7, 64, 10_000):
        shards = plan_shards([str(path)], size)
        assert b"".join(shard_text(s) for s in shards).decode().splitlines() == lines
    assert plan_shards([str(path)], 10_000) == [Shard(str(path))]
    (tmp_path / "more.txt").write_text("x\n")
    assert plan_shards([str(tmp_path / "*.txt")], 10_000) == [Shard(str(tmp_path / "more.txt")), Shard(str(path))]
    assert len(plan_shards([str(path)], 10_000, at_least=4)) == 4  # a shard for each worker's thread


def test_a_worker_that_cannot_read_the_text_names_the_file_and_no_model_is_written(clusters, tmp_path):
    missing = str(tmp_path / "nowhere.txt")
    with pytest.raises(NgramlmError, match="nowhere.txt: cannot be read on worker"):
        train(clusters[2], missing, 3, tmp_path / "lm.arpa")
    assert os.listdir(tmp_path) == []


def test_discounts_that_cannot_be_estimated_stop_the_run_before_any_file(clusters, tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("a b c\n")
    with pytest.raises(ModelError, match="discounts"):
        train(clusters[2], str(path), 3, tmp_path / "lm.arpa")
    assert sorted(os.listdir(tmp_path)) == ["tiny.txt"]


def test_a_worker_killed_mid_run_gives_the_same_model_or_a_clean_failure(corpora, references, tmp_path):
    """One of two worker processes is killed once the estimation is done and its results (the ARPA text of its
    ranges) are held on the workers: Dask recomputes the lost part from the lineage, or the run fails, leaving
    no ARPA file; also where each stage's results were released (the second run, once the nanny has restarted
    the worker)."""
    path, order = corpora["brown"]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        for keep_stages in (True, False):
            killed = []

            def kill_a_worker(run):
                nanny = next(iter(cluster.workers.values()))
                nanny.process.process.kill()
                killed.append(nanny)

            folder = tmp_path / str(keep_stages)
            folder.mkdir()
            arpa = folder / "lm.arpa"
            client.wait_for_workers(2, timeout=60)
            try:
                train(client, path, order, arpa, before_writing=kill_a_worker, keep_stages=keep_stages)
            except Exception:  # a clean failure is allowed: then no partial model
                assert not arpa.exists() and os.listdir(folder) == []
            else:
                assert_same_model(str(arpa), references["brown", "lmplz"])
            assert killed


def test_train_refuses_a_method_that_does_not_run_on_dask(tmp_path):
    from click.testing import CliRunner

    from ngramlm.cli.main import cli

    text = tmp_path / "text.txt"
    text.write_text("a b\n")
    result = CliRunner().invoke(cli, ["train", "-o", "2", "--text", str(text), "--workers", "2", "--method",
                                      "witten-bell"])
    assert result.exit_code == 1 and "does not run on Dask" in result.output
    result = CliRunner().invoke(cli, ["train", "-o", "2", "--text", str(text), "--release-stages"])
    assert result.exit_code == 1 and "--release-stages applies to training on Dask" in result.output
