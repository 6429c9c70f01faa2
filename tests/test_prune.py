"""Pruning: Stolcke's relative-entropy criterion against a brute-force relative entropy on a small model, SRILM's
pruned models on brown-10k, normalisation after pruning, low-probability and count pruning, and the CLI."""
import math
import re

import numpy as np
import pytest
from click.testing import CliRunner

from ngramlm.formats.arpa import read_arpa, write_arpa
from ngramlm.core.model import BackoffModel
from ngramlm.cli.main import cli
from ngramlm.counting.corpus_count import count_sentences
from ngramlm.use.mix import score_text
from ngramlm.use.prune import prune_by_count, prune_entropy, prune_low_probs
from ngramlm.core.vocab import BOS, EOS, Vocabulary
from reference_backoff import logprob_ids
from reference_backoff import table as reference_table

WORDS = ["a", "b", "c", "d", EOS]


def katz_bigram_model(unigrams: dict, bigrams: dict, vocab=None) -> BackoffModel:
    """A bigram back-off model with bow(h) = (1 - sum p(w|h)) / (1 - sum p(w)) (Katz 1987, eq. 16), by hand."""
    entries = {(BOS,): (-99.0, 0.0)}
    for w, p in unigrams.items():
        entries[(w,)] = (math.log10(p), 0.0)
    for (h, w), p in bigrams.items():
        entries[(h, w)] = (math.log10(p), 0.0)
    for h in {h for h, _ in bigrams}:
        seen = [w for g, w in bigrams if g == h]
        numerator = 1 - sum(bigrams[(h, w)] for w in seen)
        denominator = 1 - sum(unigrams[w] for w in seen)
        entries[(h,)] = (entries[(h,)][0], math.log10(numerator / denominator))
    return BackoffModel.from_entries(vocab or Vocabulary(), entries)


UNIGRAMS = {"a": 0.3, "b": 0.25, "c": 0.2, "d": 0.1, EOS: 0.15}
BIGRAMS = {(BOS, "a"): 0.5, (BOS, "b"): 0.2, (BOS, "d"): 0.05, ("a", "b"): 0.4, ("a", "c"): 0.3, ("a", EOS): 0.1,
           ("b", "a"): 0.35, ("b", "c"): 0.3, ("b", "d"): 0.12, ("c", EOS): 0.6, ("c", "a"): 0.05, ("d", "d"): 0.2}


def context_sums(model: BackoffModel, contexts) -> list[float]:
    """Sum over the vocabulary of p(w | h) by the reference scorer, for each context h."""
    return [sum(10 ** model.word_logprob(w, h) for w in WORDS) for h in contexts]


def brute_force_increase(model: BackoffModel, gram: tuple, marginal: float) -> float:
    """Relative perplexity increase 10^D - 1 from removing `gram`, with D = P(h) sum_w p(w|h) log10 p(w|h)/p'(w|h)
    (Stolcke 1998, eq. 3 restricted to the context h whose distribution changes), p' by the reference scorer on
    the model rebuilt without the bigram."""
    bigrams = {g: p for g, p in BIGRAMS.items() if g != gram}
    pruned = katz_bigram_model(UNIGRAMS, bigrams)
    h = gram[:1]
    kl = sum(10 ** model.word_logprob(w, h) * (model.word_logprob(w, h) - pruned.word_logprob(w, h)) for w in WORDS)
    return 10 ** (marginal * kl) - 1


def kept_bigrams(model: BackoffModel) -> set:
    return {tuple(model.vocab.decode(row)) for row in model.ngrams[1].tolist()}


@pytest.mark.parametrize("history", [None, {"a": 0.1, "b": 0.5, "c": 0.15, "d": 0.1, EOS: 0.15}])
def test_entropy_pruning_removes_exactly_the_ngrams_below_the_threshold(history):
    model = katz_bigram_model(UNIGRAMS, BIGRAMS)
    marginals = history or UNIGRAMS
    increase = {g: brute_force_increase(model, g, marginals[EOS if g[0] == BOS else g[0]]) for g in BIGRAMS}
    history_model = None
    if history is not None:
        history_model = BackoffModel.from_entries(Vocabulary(), {(BOS,): (-99.0, 0.0), **{
            (w,): (math.log10(p), 0.0) for w, p in history.items()}})
    values = sorted(increase.values())
    for i in (2, 5, 9):
        threshold = math.sqrt(values[i] * values[i + 1])  # halfway (geometrically) between two n-grams' costs
        pruned = prune_entropy(model, threshold, history_model=history_model)
        assert kept_bigrams(pruned) == {g for g, v in increase.items() if v >= threshold}
        assert pruned.sizes()[0] == model.sizes()[0]
        assert context_sums(pruned, [[BOS], ["a"], ["b"], ["c"], ["d"]]) == pytest.approx([1.0] * 5, abs=1e-6)


def test_zero_threshold_prunes_nothing_and_min_order_protects_lower_orders():
    model = katz_bigram_model(UNIGRAMS, BIGRAMS)
    assert prune_entropy(model, 0.0).sizes() == model.sizes()
    assert prune_entropy(model, 1e9, min_order=3).sizes() == model.sizes()
    assert prune_entropy(model, 1e9).sizes() == [model.sizes()[0], 0]


def _ppl(path) -> float:
    return float(re.search(r"ppl= ([0-9.]+)", path.read_text()).group(1))


def kenlm_logprob(path, text) -> float:
    """Total log10 probability of the sentences of `text` under the ARPA file `path`, by KenLM (independent)."""
    kenlm = pytest.importorskip("kenlm")
    model = kenlm.Model(str(path))
    return sum(model.score(line.strip(), bos=True, eos=True) for line in open(text) if line.strip())


@pytest.mark.parametrize("threshold", ["1e-7", "1e-6"])
def test_entropy_pruning_reproduces_srilm_prune(reference_dir, threshold, tmp_path):
    folder = reference_dir / "srilm-brown-10k"
    model = read_arpa(str(folder / "kn3-interp.arpa.gz"))
    pruned = prune_entropy(model, float(threshold))
    srilm = read_arpa(str(folder / f"kn3-interp.prune{threshold}.arpa.gz"), model.vocab)
    assert pruned.sizes() == srilm.sizes()
    for k in range(model.order):
        np.testing.assert_array_equal(pruned.ngrams[k], srilm.ngrams[k])
        np.testing.assert_allclose(pruned.logprob[k], srilm.logprob[k], atol=1e-6)
        np.testing.assert_allclose(pruned.logbow[k], srilm.logbow[k], atol=1e-5)
    result = score_text([pruned], [str(folder / "test.txt")]).perplexity()
    assert result["ppl"] == pytest.approx(_ppl(folder / f"kn3-interp.prune{threshold}.ppl0.txt"), rel=1e-5)
    some_contexts = [[BOS], ["the"], ["of"], [BOS, "the"], ["of", "the"], ["in", "a"]]
    sums = [sum(10 ** pruned.word_logprob(w, h) for w in pruned.vocab.words if w != BOS) for h in some_contexts]
    assert sums == pytest.approx([1.0] * len(sums), abs=1e-5)
    write_arpa(pruned, str(tmp_path / "pruned.arpa"))
    sample = folder / "test100.txt"
    ours = score_text([read_arpa(str(tmp_path / "pruned.arpa"))], [str(sample)]).perplexity()["logprob"]
    assert ours == pytest.approx(kenlm_logprob(tmp_path / "pruned.arpa", sample), abs=1e-3)


def test_low_prob_pruning_leaves_no_ngram_below_its_backoff_estimate():
    bigrams = {**BIGRAMS, ("d", "a"): 0.01, ("d", "b"): 0.4}  # p(a|d) far below bow(d) p(a) = 0.42
    model = katz_bigram_model(UNIGRAMS, bigrams)
    pruned = prune_low_probs(model)
    assert ("d", "a") not in kept_bigrams(pruned) and ("d", "b") in kept_bigrams(pruned)
    for h, w in kept_bigrams(pruned):
        bow = reference_table(pruned)[(pruned.vocab.id(h),)][1]
        assert pruned.word_logprob(w, [h]) >= bow + pruned.word_logprob(w)
    assert context_sums(pruned, [[BOS], ["a"], ["b"], ["c"], ["d"]]) == pytest.approx([1.0] * 5, abs=1e-6)


def test_low_prob_pruning_keeps_needed_contexts_at_their_backoff_estimate():
    from ngramlm.smoothing.backoff_weights import compute_logbows

    bigrams = {**BIGRAMS, ("d", "a"): 0.01, ("d", "b"): 0.4}
    model = katz_bigram_model(UNIGRAMS, bigrams)
    entries = {tuple(model.vocab.decode(r)): (lp, 0.0) for k in range(2)
               for r, lp in zip(model.ngrams[k].tolist(), model.logprob[k])}
    entries[("d", "a", "b")] = (math.log10(0.9), 0.0)  # keeps "d a" a context
    trigram = BackoffModel.from_entries(model.vocab, entries)
    trigram.logbow = compute_logbows(trigram)
    pruned = prune_low_probs(trigram)
    table = reference_table(pruned)
    d, a, b = (pruned.vocab.id(w) for w in ("d", "a", "b"))
    assert (d, a, b) in table and (d, a) in table
    assert table[(d, a)][0] == pytest.approx(table[(d,)][1] + table[(a,)][0], abs=1e-6)  # bow(d) p(a)
    for grams in pruned.ngrams[1:]:
        for row in grams.tolist():
            *h, w = row
            backed_off = table.get(tuple(h), (0.0, 0.0))[1] + logprob_ids(pruned, w, h[1:])[0]
            assert table[tuple(row)][0] >= backed_off - 1e-6
    contexts = [[BOS], ["a"], ["b"], ["c"], ["d"], ["d", "a"], [BOS, "a"]]
    assert context_sums(pruned, contexts) == pytest.approx([1.0] * len(contexts), abs=1e-6)
    assert context_sums(trigram, [["d", "a"]]) == pytest.approx([1.0], abs=1e-6)


def test_count_pruning_drops_rare_ngrams_but_keeps_contexts_of_kept_ones():
    vocab = Vocabulary()
    sentences = [[BOS, "a", "b", "c", EOS]] * 3 + [[BOS, "a", "d", EOS], [BOS, "b", "d", "c", EOS]]
    counts = count_sentences(sentences, 3, vocab)
    entries = {}
    for k in range(3):
        for row in counts.ngrams[k].tolist():
            entries[tuple(vocab.decode(row))] = (-0.5, 0.0)
    model = BackoffModel.from_entries(vocab, entries)
    pruned = prune_by_count(model, counts, [1, 2, 3])
    trigrams = {tuple(vocab.decode(r)) for r in pruned.ngrams[2].tolist()}
    bigrams = {tuple(vocab.decode(r)) for r in pruned.ngrams[1].tolist()}
    assert trigrams == {(BOS, "a", "b"), ("a", "b", "c"), ("b", "c", EOS)}
    assert bigrams == {(BOS, "a"), ("a", "b"), ("b", "c"), ("c", EOS)}  # each seen >= 2 times
    assert pruned.sizes()[0] == model.sizes()[0]


def test_prune_command_writes_a_smaller_model_and_reports_perplexity(tmp_path):
    model = katz_bigram_model(UNIGRAMS, BIGRAMS)
    source, target, text = tmp_path / "in.arpa", tmp_path / "out.arpa", tmp_path / "test.txt"
    write_arpa(model, str(source))
    text.write_text("a b c\nb a d d\n")
    result = CliRunner().invoke(cli, ["prune", str(source), str(target), "--threshold", "0.05", "--test", str(text)])
    assert result.exit_code == 0, result.output
    assert "before: logprob=" in result.output and "after: logprob=" in result.output
    assert read_arpa(str(target)).sizes()[1] < model.sizes()[1]
    bad = CliRunner().invoke(cli, ["prune", str(source), str(target), "--min-counts", "1 2"])
    assert bad.exit_code == 1 and "--counts" in bad.output


def test_ngram_prune_flag_matches_srilm_perplexity(reference_dir, tmp_path):
    from ngramlm.cli.ngram import main as ngram

    folder = reference_dir / "srilm-brown-10k"
    out = tmp_path / "pruned.arpa"
    result = CliRunner().invoke(ngram, ["-lm", str(folder / "kn3-interp.arpa.gz"), "-order", "3", "-unk", "-prune",
                                        "1e-6", "-write-lm", str(out), "-ppl", str(folder / "test.txt")])
    assert result.exit_code == 0, result.output
    expected = (folder / "kn3-interp.prune1e-6.ppl0.txt").read_text().splitlines()
    assert result.output.splitlines()[1:] == expected[1:]
    assert read_arpa(str(out)).sizes() == [8393, 74994, 31446]
