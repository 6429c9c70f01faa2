"""The synthetic corpus: its finite-state source (exact probabilities by the forward algorithm), the English-like
grammar, and the shipped files."""
import math
import random
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.stats import chisquare

from ngramlm.corpora.synthetic import DEMO_CORPUS, grammar, lexicon
from ngramlm.cli.main import cli
from ngramlm.core.errors import ModelError
from ngramlm.corpora.synthetic.source import SourceBuilder, WordClass
from ngramlm.core.vocab import EOS

SHIPPED = Path(DEMO_CORPUS)


@pytest.fixture(scope="module")
def source():
    return grammar.english_source()


@pytest.fixture(scope="module")
def samples(source):
    rng = random.Random(20240611)
    return [source.sample(rng) for _ in range(6000)]


def _pooled_chisquare(observed: Counter, expected_probs: dict, n: int):
    """Chi-square statistic over outcomes, pooling those expected fewer than 5 times into one bin."""
    obs, exp, rest_obs, rest_exp = [], [], 0, 0.0
    for outcome, p in expected_probs.items():
        if p * n >= 5:
            obs.append(observed.get(outcome, 0))
            exp.append(p * n)
        else:
            rest_obs += observed.get(outcome, 0)
            rest_exp += p * n
    obs.append(rest_obs + sum(c for o, c in observed.items() if o not in expected_probs))
    exp.append(rest_exp)
    exp = np.array(exp) * (sum(obs) / sum(exp))  # remove float drift so totals match exactly
    return chisquare(obs, exp)


# ---- a small machine computed by hand ----------------------------------------------------------------------


def _toy_machine():
    """start -eps 0.5-> A, start -eps 0.5-> B; A emits {x: .5, y: .5} to END; B emits {x: 1} to END2 with weight 3
    and stops with weight 1; END and END2 stop. Ambiguous on x (it leads to END and to END2)."""
    b = SourceBuilder()
    start, a, bb, end, end2 = b.state("start"), b.state("A"), b.state("B"), b.state("END"), b.state("END2")
    xy, x = WordClass("xy", ("x", "y"), (0.5, 0.5)), WordClass("x", ("x",), (1.0,))
    b.epsilon(start, a)
    b.epsilon(start, bb)
    b.emit(a, xy, end)
    b.emit(bb, x, end2, 3.0)
    b.stop(bb, 1.0)
    b.stop(end)
    b.stop(end2)
    return b.compile(start)


def test_forward_algorithm_sums_over_hidden_paths_by_hand():
    machine = _toy_machine()
    # p(x) = .5 * .5 (via A) + .5 * .75 (via B) = .625; then END stops with probability 1.
    assert machine.logprob(["x"]) == pytest.approx(math.log10(0.625))
    assert machine.logprob(["y"]) == pytest.approx(math.log10(0.25))
    assert machine.logprob([]) == pytest.approx(math.log10(0.125))  # .5 (to B) * .25 (B stops)
    assert machine.logprob(["y", "y"]) == -math.inf
    assert machine.ambiguities()  # x leads from the start to END and to END2
    with pytest.raises(ModelError, match="not deterministic"):
        machine.entropy_rate()


def test_entropy_rate_of_geometric_source_by_hand():
    # One state: emit a or b (1/4 each) and stay, or stop (1/2). Each token has entropy 1.5 bits; a sentence
    # has 2 tokens on average (a geometric number of words plus </s>).
    b = SourceBuilder()
    s = b.state("s")
    b.emit(s, WordClass("ab", ("a", "b"), (0.5, 0.5)), s)
    b.stop(s)
    entropy = b.compile(s).entropy_rate()
    assert entropy.bits_per_token == pytest.approx(1.5)
    assert entropy.tokens_per_sentence == pytest.approx(2.0)
    assert entropy.perplexity == pytest.approx(2 ** 1.5)


def test_builder_rejects_epsilon_cycles_and_dead_ends():
    b = SourceBuilder()
    s, t = b.state("s"), b.state("t")
    b.epsilon(s, t)
    b.epsilon(t, s)
    with pytest.raises(ModelError, match="cycle"):
        b.compile(s)
    b = SourceBuilder()
    s, t = b.state("s"), b.state("t")
    b.emit(s, WordClass("a", ("a",), (1.0,)), t)
    with pytest.raises(ModelError, match="no way out"):
        b.compile(s)


# ---- the English-like grammar --------------------------------------------------------------------------------


def test_lexicon_forms_follow_english_spelling_rules():
    assert [lexicon.plural(w) for w in ("box", "city", "dog", "church", "day")] == [
        "boxes", "cities", "dogs", "churches", "days"]
    assert [lexicon.third_singular(w) for w in ("watch", "carry", "sing", "go", "play")] == [
        "watches", "carries", "sings", "goes", "plays"]
    assert [lexicon.regular_past(w) for w in ("love", "carry", "walk", "play")] == [
        "loved", "carried", "walked", "played"]
    lexicon.check_lexicon()  # every form has one part of speech


def test_grammar_is_deterministic_and_vocabulary_sized_as_promised(source):
    assert source.ambiguities() == []
    assert 500 <= len(source.words) <= 2500


def test_next_token_distribution_sums_to_one_after_every_generated_prefix(source, samples):
    for sentence in samples[:25]:
        logprobs = source.token_logprobs(sentence)
        for t in range(len(sentence) + 1):
            dist = source.next_token_distribution(sentence[:t])
            assert sum(dist.values()) == pytest.approx(1.0, abs=1e-9)
            actual = sentence[t] if t < len(sentence) else EOS
            assert math.log10(dist[actual]) == pytest.approx(logprobs[t], abs=1e-9)


def test_sampled_first_words_follow_the_exact_distribution(source, samples):
    exact = source.next_token_distribution([])
    observed = Counter(s[0] if s else EOS for s in samples)
    assert _pooled_chisquare(observed, exact, len(samples)).pvalue > 1e-3


def test_sampled_word_after_a_fixed_prefix_follows_the_exact_distribution(source, samples):
    prefix = ["the"]
    exact = source.next_token_distribution(prefix)
    observed = Counter(s[1] for s in samples if len(s) > 1 and s[0] == "the")
    assert sum(observed.values()) > 1000
    assert _pooled_chisquare(observed, exact, sum(observed.values())).pvalue > 1e-3


def test_sampled_lengths_follow_the_exact_length_distribution(source, samples):
    # The length law comes from powers of the transition matrix, not from the forward algorithm.
    pmf = source.length_distribution(120)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-6)
    observed = Counter(len(s) + 1 for s in samples)
    exact = {k: p for k, p in enumerate(pmf) if p > 0}
    assert _pooled_chisquare(observed, exact, len(samples)).pvalue > 1e-3


def test_exact_entropy_rate_matches_monte_carlo_estimate(source, samples):
    # Monte-Carlo: -log2 p(sentence) by the forward algorithm, averaged per token; exact: expected state visits
    # times state entropies. A ratio estimator; its standard error by the delta method.
    bits = np.array([-source.logprob(s) / math.log10(2) for s in samples])
    tokens = np.array([len(s) + 1 for s in samples], dtype=float)
    estimate = bits.sum() / tokens.sum()
    stderr = np.std(bits - estimate * tokens) / tokens.mean() / math.sqrt(len(samples))
    exact = source.entropy_rate()
    assert abs(estimate - exact.bits_per_token) < 4 * stderr + 1e-3
    assert abs(tokens.mean() - exact.tokens_per_sentence) < 4 * tokens.std() / math.sqrt(len(samples))


def test_true_perplexity_counts_words_and_one_end_per_sentence():
    sentences = ["the dog sleeps", "they are happy"]
    logprobs = [grammar.true_logprob(s) for s in sentences]
    assert all(lp > -math.inf for lp in logprobs)
    assert grammar.true_perplexity(sentences) == pytest.approx(10 ** (-sum(logprobs) / (6 + 2)))
    assert grammar.true_logprob("the dogs sleeps") == -math.inf  # agreement is obligatory
    with pytest.raises(ModelError, match="cannot produce"):
        grammar.true_perplexity(["dog the sleeps"])


def _number_marked_verbs(sentences):
    """(prefix, number) for every present-tense verb whose form shows its number (not after a modal)."""
    forms = lexicon.parts_of_speech()
    modals = set(lexicon.FUNCTION_WORDS["modal"].split())
    for words in sentences:
        for t, word in enumerate(words):
            if word in forms["verb_sg"]:
                yield words[:t], "sg"
            elif word in forms["verb_pl"] and (t == 0 or words[t - 1] not in modals):
                yield words[:t], "pl"


def test_verb_number_is_fixed_by_the_whole_prefix_but_not_by_the_last_two_words(source):
    lines = (SHIPPED / "train.txt").read_text(encoding="utf-8").splitlines()
    sentences = [line.split() for line in lines]
    # The last two words leave the verb's number uncertain (plug-in entropy over frequent contexts) ...
    by_context = defaultdict(Counter)
    for prefix, number in _number_marked_verbs(sentences):
        by_context[tuple((["<s>", "<s>"] + prefix)[-2:])][number] += 1
    frequent = [c for c in by_context.values() if sum(c.values()) >= 20]
    total = sum(sum(c.values()) for c in frequent)
    entropy = -sum(n * math.log2(n / sum(c.values())) for c in frequent for n in c.values()) / total
    assert total > 2000 and entropy > 0.1
    # ... while the true source, which sees the whole prefix, gives the other number no probability at all.
    forms = lexicon.parts_of_speech()
    other = {"sg": forms["verb_pl"] - {"be"}, "pl": forms["verb_sg"]}
    checked = 0
    for prefix, number in _number_marked_verbs(sentences[:400]):
        dist = source.next_token_distribution(prefix)
        assert sum(p for w, p in dist.items() if w in other[number]) == 0.0
        checked += 1
    assert checked > 300


def test_shipped_corpus_regenerates_byte_identically(tmp_path):
    result = CliRunner().invoke(cli, ["corpus", "generate", "--seed", str(grammar.DEFAULT_SEED), str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("train.txt", "valid.txt", "test.txt", "TRUE_PPL.txt"):
        assert (tmp_path / name).read_bytes() == (SHIPPED / name).read_bytes(), name


def test_shipped_true_perplexity_matches_the_test_file(source):
    lines = (SHIPPED / "test.txt").read_text(encoding="utf-8").splitlines()
    report = (SHIPPED / "TRUE_PPL.txt").read_text(encoding="utf-8")
    line = report.split("file test.txt:")[1].splitlines()[1]
    shipped_ppl = float(line.split("ppl=")[1].split()[0])
    assert grammar.true_perplexity(lines) == pytest.approx(shipped_ppl, rel=1e-5)
    # A perfect model of a long sample reaches the entropy rate; the test file is within a few percent of it.
    assert shipped_ppl == pytest.approx(source.entropy_rate().perplexity, rel=0.05)


def test_true_ppl_command_reports_file_and_line_of_impossible_text(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("the dog sleeps\nthe dogs sleeps\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["corpus", "true-ppl", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2:" in result.output and "cannot produce" in result.output
