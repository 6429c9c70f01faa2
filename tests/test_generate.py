"""Generation: sampled words follow the model's distribution, the decoding controls keep their promises
(top-k, top-p, no-repeat n-gram, greedy at temperature 0), repetition statistics, and the CLI."""

import numpy as np
import pytest
from click.testing import CliRunner

from handmade import katz_bigram_model
from ngramlm.formats.arpa import read_arpa, write_arpa
from ngramlm.core.model import BackoffModel
from ngramlm.cli.main import cli
from ngramlm.use.generate import SamplingOptions, SentenceSampler, generate_sentences, repetition_statistics
from ngramlm.core.vocab import BOS, EOS
from reference_backoff import logprob_ids

WORDS = ["a", "b", "c", "d", EOS]
UNIGRAMS = {"a": 0.3, "b": 0.25, "c": 0.2, "d": 0.1, EOS: 0.15}
BIGRAMS = {(BOS, "a"): 0.5, (BOS, "b"): 0.2, ("a", "b"): 0.4, ("a", "c"): 0.3, ("b", "a"): 0.35, ("b", EOS): 0.3,
           ("c", EOS): 0.6, ("d", "d"): 0.25}


def bigram_model() -> BackoffModel:
    return katz_bigram_model(UNIGRAMS, BIGRAMS)


def reference_probs(model: BackoffModel, context: list[str]) -> dict:
    return {w: 10 ** model.word_logprob(w, context) for w in WORDS}


@pytest.mark.parametrize("context", [[BOS], ["a"], ["d"]])
def test_sampled_next_words_follow_the_model_distribution(context):
    model = bigram_model()
    expected = reference_probs(model, context)
    sampler = SentenceSampler(model, seed=1234)
    ids = [model.vocab.id(w) for w in context]
    draws = 10000
    counts = {w: 0 for w in WORDS}
    for _ in range(draws):
        counts[model.vocab.word(sampler.sample_word(ids))] += 1
    chi_square = sum((counts[w] - draws * p) ** 2 / (draws * p) for w, p in expected.items())
    # 4 degrees of freedom: P(chi2 > 30) is about 5e-6, so a correct sampler essentially never fails this.
    assert chi_square < 30.0, (counts, expected)


def test_vectorised_distribution_matches_the_reference_scorer(reference_dir):
    model = read_arpa(str(reference_dir / "srilm-brown-10k" / "kn3-interp.arpa.gz"))
    lookup = model.index
    words = [w for w in model.vocab.words if w != BOS]
    for context in ([BOS], [BOS, "the"], ["of", "the"], ["zebra", "xylophone"]):
        ids = [model.vocab.id(w) for w in context]
        logp = lookup.distribution(ids)
        expected = np.array([logprob_ids(model, model.vocab.id(w), ids)[0] for w in words])
        np.testing.assert_allclose(logp[[model.vocab.id(w) for w in words]], expected, atol=1e-9)
        assert (10 ** expected).sum() == pytest.approx(1.0, abs=1e-5)


def test_top_k_never_emits_a_word_outside_the_k_most_probable():
    model = bigram_model()
    sampler = SentenceSampler(model, SamplingOptions(top_k=2), seed=7)
    for context in ([BOS], ["a"], ["b"], ["d"]):
        probs = reference_probs(model, context)
        top = set(sorted(probs, key=probs.get, reverse=True)[:2])
        drawn = {model.vocab.word(sampler.sample_word([model.vocab.id(w) for w in context])) for _ in range(300)}
        assert drawn <= top and len(drawn) == 2


def test_top_p_samples_only_from_the_nucleus():
    model = bigram_model()
    sampler = SentenceSampler(model, SamplingOptions(top_p=0.6), seed=3)
    probs = reference_probs(model, [BOS])  # a 0.5, b 0.2, ...: the nucleus of mass 0.6 is {a, b}
    assert sorted(probs, key=probs.get, reverse=True)[:2] == ["a", "b"]
    drawn = {model.vocab.word(sampler.sample_word([model.vocab.id(BOS)])) for _ in range(300)}
    assert drawn == {"a", "b"}


def test_no_repeat_ngram_never_repeats_an_ngram():
    model = bigram_model()
    for size in (1, 2, 3):
        sampler = SentenceSampler(model, SamplingOptions(no_repeat_ngram_size=size, max_words=40), seed=size)
        for _ in range(200):
            sequence = [BOS] + model.vocab.decode(sampler.sample_sentence())
            grams = [tuple(sequence[i:i + size]) for i in range(len(sequence) - size + 1)]
            assert len(grams) == len(set(grams)), sequence


def test_temperature_zero_is_greedy_and_small_temperatures_approach_it():
    model = bigram_model()
    greedy = generate_sentences(model, 3, seed=1, options=SamplingOptions(temperature=0, max_words=12))
    sentence, context = [], BOS
    for _ in range(12):
        probs = reference_probs(model, [context])
        context = max(probs, key=probs.get)
        if context == EOS:
            break
        sentence.append(context)
    assert greedy == [sentence] * 3
    cold = generate_sentences(model, 20, seed=5, options=SamplingOptions(temperature=1e-3, max_words=12))
    assert cold == [sentence] * 20


def test_repetition_penalty_lowers_repeated_words():
    model = bigram_model()
    plain = SentenceSampler(model, seed=0)
    penalised = SentenceSampler(model, SamplingOptions(repetition_penalty=2.0), seed=0)
    sequence = [model.vocab.id(w) for w in (BOS, "a", "b")]
    before, after = np.exp(plain.next_word_scores(sequence)), np.exp(penalised.next_word_scores(sequence))
    after = after / after.sum()
    a, c = model.vocab.id("a"), model.vocab.id("c")
    assert after[a] < before[a] and after[c] > before[c]


def test_same_seed_same_sentences():
    model = bigram_model()
    assert generate_sentences(model, 10, seed=42) == generate_sentences(model, 10, seed=42)


def test_repetition_statistics_by_hand():
    stats = repetition_statistics([["a", "b", "a", "b"], ["c", "c"]])
    assert stats["distinct-1"] == pytest.approx(3 / 6)
    assert stats["distinct-2"] == pytest.approx(3 / 4)  # ab, ba, cc are distinct; ab repeats
    assert stats["seq-rep-1"] == pytest.approx(((1 - 2 / 4) + (1 - 1 / 2)) / 2)
    assert stats["seq-rep-2"] == pytest.approx(((1 - 2 / 3) + 0) / 2)
    assert stats["mean_length"] == 3


def test_bad_options_are_refused():
    with pytest.raises(Exception, match="top-p"):
        SentenceSampler(bigram_model(), SamplingOptions(top_p=0))


def test_generate_command_prints_sentences_and_statistics(tmp_path):
    path = tmp_path / "lm.arpa"
    write_arpa(bigram_model(), str(path))
    result = CliRunner().invoke(cli, ["generate", str(path), "-n", "5", "--seed", "1", "--top-k", "3",
                                      "--prefix", "a"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith(("distinct", "5 sentences"))]
    assert len(lines) == 5 and all(line.split()[0] == "a" for line in lines)
    assert "distinct-2" in result.output


def test_ngram_gen_flags_are_reproducible_with_a_seed(tmp_path):
    from ngramlm.cli.ngram import main as ngram

    path, prefixes = tmp_path / "lm.arpa", tmp_path / "prefixes.txt"
    write_arpa(bigram_model(), str(path))
    prefixes.write_text("<s> d d\n<s> c\n")
    args = ["-lm", str(path), "-gen", "4", "-seed", "9", "-gen-prefixes", str(prefixes)]
    first, second = CliRunner().invoke(ngram, args), CliRunner().invoke(ngram, args)
    assert first.exit_code == 0, first.output
    assert first.output == second.output and len(first.output.splitlines()) == 6
    vocabulary = set(WORDS) - {EOS}
    assert all(set(line.split()) <= vocabulary for line in first.output.splitlines())


def test_ngram_gen_comes_after_the_perplexity_report_as_in_srilm(tmp_path):
    from ngramlm.cli.ngram import main as ngram

    path, text = tmp_path / "lm.arpa", tmp_path / "test.txt"
    write_arpa(bigram_model(), str(path))
    text.write_text("c d\n")
    result = CliRunner().invoke(ngram, ["-lm", str(path), "-ppl", str(text), "-gen", "2", "-seed", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # SRILM's ngram.cc scores -ppl first and generates last: the two report lines, then two sentences.
    assert lines[0].startswith("file ") and "ppl=" in lines[1] and len(lines) == 4


def test_generate_jsonl_gives_each_sequence_its_log10_probability(tmp_path):
    import json

    model = bigram_model()
    path = tmp_path / "lm.arpa"
    write_arpa(model, str(path))
    result = CliRunner().invoke(cli, ["generate", str(path), "-n", "3", "--seed", "2", "--top-p", "0.9",
                                      "--prefix", "b", "--output-format", "jsonl", "--no-stats"])
    assert result.exit_code == 0, result.output
    import math

    for line in result.output.splitlines():
        record = json.loads(line)
        words = record["text"].split()
        events = words + (["</s>"] if record["finished"] else [])
        by_hand = sum(model.word_logprob(w, [h]) for h, w in zip(["b"] + words, events))
        assert record["prefix"] == "b" and math.isclose(record["logprob"], by_hand, abs_tol=1e-5)


def test_generate_beam_search_on_a_binary_model(tmp_path):
    from ngramlm.formats.binary import write_binary

    path = tmp_path / "lm.bin"
    write_binary(bigram_model(), str(path))
    result = CliRunner().invoke(cli, ["generate", str(path), "--num-beams", "3", "-n", "2", "--no-stats",
                                      "--max-new-tokens", "8"])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 2
    result = CliRunner().invoke(cli, ["generate", str(path), "--penalty-alpha", "0.6", "--top-k", "4"])
    assert result.exit_code == 1 and "hidden states" in result.output


def test_degeneration_writes_the_table_and_plot(tmp_path):
    path, text = tmp_path / "lm.arpa", tmp_path / "test.txt"
    write_arpa(bigram_model(), str(path))
    text.write_text("a b a c d a b\nc d\nb a b a b c a\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["degeneration", "--model", f"bigram={path}", "--text", str(text),
                                      "--prefix-words", "2", "--continuation-words", "4", "--count", "5",
                                      "--strategy", "greedy", "--strategy", "top-p-0.9", "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    table = (out / "degeneration.csv").read_text().splitlines()
    assert table[0].startswith("model,strategy,seq-rep-1")
    assert [row.split(",")[1] for row in table[1:]] == ["human", "next-token", "greedy", "top-p-0.9"]
    assert (out / "degeneration.png").stat().st_size > 0
    assert "| bigram | greedy |" in (out / "degeneration.md").read_text()
