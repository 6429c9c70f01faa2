"""The Dask path (ngramlm.distributed) against the one-machine path: the same ARPA model from local clusters of
1, 2 and 4 workers, for lmplz's modified Kneser-Ney and for Stupid Backoff; a worker killed mid-run; the errors.

The reference is the one-machine estimator (ngramlm.smoothing.lmplz, itself checked against KenLM's lmplz in
test_lmplz*), compared n-gram by n-gram through the ARPA reader. To keep CI fast the corpora are slices (the first
1 MB of brown for 3-grams, 400 kB of gutenberg for 5-grams, cut at a line end), spread over several shards so
that counts really are merged; benchmarks/bench_distributed.py compares the full corpora.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from ngramlm.core.errors import ModelError, NgramlmError  # noqa: E402
from ngramlm.counting.corpus_count import count_files  # noqa: E402
from ngramlm.corpora.reader import TextOptions  # noqa: E402
from ngramlm.core.vocab import Vocabulary  # noqa: E402
from ngramlm.distributed.pipeline import train_on_dask  # noqa: E402
from ngramlm.distributed.shards import Shard, plan_shards, shard_text  # noqa: E402
from ngramlm.formats.arpa import read_arpa, write_arpa  # noqa: E402
from ngramlm.smoothing.lmplz import estimate_lmplz  # noqa: E402
from ngramlm.smoothing.lmplz_on_disk import LmplzConfig  # noqa: E402
from ngramlm.smoothing.stupid_backoff import SCORES_COMMENT, stupid_backoff  # noqa: E402

# The text options of `ngramlm train` (a blank line is an empty sentence, as lmplz reads it).
OPTIONS = TextOptions(blank_lines=True)


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


def train(client, path, order, arpa, method="lmplz", **kwargs):
    config = LmplzConfig([path], order, str(arpa), text_options=OPTIONS, quiet=True)
    return train_on_dask(client, config, method, shard_bytes=100_000, **kwargs)


@pytest.mark.parametrize("workers", [1, 2, 4])
@pytest.mark.parametrize("corpus", ["brown", "gutenberg"])
def test_lmplz_on_dask_equals_the_one_machine_model(clusters, corpora, references, tmp_path, corpus, workers):
    """Also with other numbers of partitions than the default (twice the workers): the model does not change."""
    path, order = corpora[corpus]
    run = train(clusters[workers], path, order, tmp_path / "lm.arpa", partitions={1: 3, 2: None, 4: 7}[workers])
    assert_same_model(str(tmp_path / "lm.arpa"), references[corpus, "lmplz"])
    assert run.bytes_shuffled > 0 and len(run.discounts) == order


@pytest.mark.parametrize("corpus", ["brown", "gutenberg"])
def test_stupid_backoff_on_dask_equals_the_one_machine_model(clusters, corpora, references, tmp_path, corpus):
    path, order = corpora[corpus]
    train(clusters[2], path, order, tmp_path / "sb.arpa", "stupid-backoff")
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
    no ARPA file."""
    path, order = corpora["brown"]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        killed = []

        def kill_a_worker(run):
            nanny = next(iter(cluster.workers.values()))
            nanny.process.process.kill()
            killed.append(nanny)

        arpa = tmp_path / "lm.arpa"
        try:
            train(client, path, order, arpa, before_writing=kill_a_worker)
        except Exception:  # a clean failure is allowed: then no partial model
            assert not arpa.exists() and os.listdir(tmp_path) == []
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
