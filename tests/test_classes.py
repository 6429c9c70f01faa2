"""Class files (SRILM's classes-format) and the class n-gram model: hand-computed values, normalisation, mixing."""
import math

import numpy as np
import pytest

from ngramlm.models.classes import (ClassFileWarning, ClassScorer, InterpolatedScorer, WordClasses, read_classes,
                             train_class_model, tune_interpolation, write_classes)
from ngramlm.counting.corpus_count import count_files
from ngramlm.core.errors import InputError
from ngramlm.use.ppl_report import ppl_file
from ngramlm.use.scoring import BackoffScorer
from ngramlm.smoothing import estimate
from ngramlm.core.vocab import BOS_ID, UNK_ID, Vocabulary

CORPUS = "a b\nb c\na c c\n"


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text(CORPUS)
    return str(path)


@pytest.fixture
def class_file(tmp_path):
    path = tmp_path / "classes.txt"
    path.write_text("X 0.5 a\nX 0.5 b\n")
    return str(path)


def test_class_file_round_trip_and_default_probability(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("NOUN 0.75 cat\nNOUN 0.25 dog\nDET the\n")
    classes = read_classes(str(path))
    assert classes.word_class == {"cat": "NOUN", "dog": "NOUN", "the": "DET"}
    assert classes.word_logprob["the"] == 0.0
    assert 10 ** classes.word_logprob["dog"] == pytest.approx(0.25)
    write_classes(classes, str(tmp_path / "out.txt"))
    assert (tmp_path / "out.txt").read_text() == "NOUN 0.75 cat\nNOUN 0.25 dog\nDET 1 the\n"
    assert read_classes(str(tmp_path / "out.txt")) == classes


def test_class_probabilities_not_summing_to_one_are_renormalised_with_a_warning(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("N 0.2 cat\nN 0.2 dog\n")
    with pytest.warns(ClassFileWarning, match="sum to 0.4"):
        classes = read_classes(str(path))
    assert 10 ** classes.word_logprob["cat"] == pytest.approx(0.5)


@pytest.mark.parametrize("text, message", [
    ("N 0.5 cat\nM 0.5 cat\n", "already in class"),
    ("N 0.5 big cat\n", "multi-word"),
    ("N 1.5 cat\n", "not in \\[0, 1\\]"),
    ("N cat\nM N\n", "both a class name"),
    ("N 1 </s>\n", "sentence marker"),
])
def test_bad_class_files_are_input_errors_naming_the_line(tmp_path, text, message):
    path = tmp_path / "c.txt"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_classes(str(path))


def test_class_file_word_outside_a_closed_vocabulary_is_an_input_error(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("N 0.5 cat\nN 0.5 gnu\n")
    with pytest.raises(InputError, match=r"c.txt:2: 'gnu'"):
        read_classes(str(path), Vocabulary(["cat"], closed=True))


def test_hand_computed_class_bigram(corpus, class_file):
    # Class-mapped text: <s> X X </s> / <s> X c </s> / <s> X c c </s>. Maximum likelihood class bigrams:
    # p(X|<s>) = 3/3, p(X|X) = 1/4, p(c|X) = 2/4, p(</s>|X) = 1/4, p(c|c) = 1/3, p(</s>|c) = 2/3; p(a|X) = 0.5.
    model = train_class_model([corpus], read_classes(class_file), order=2, method="mle")
    scorer = ClassScorer(model)
    ids = scorer.vocab.id
    expected = {("a", "<s>"): 1.0 * 0.5, ("b", "a"): 0.25 * 0.5, ("c", "b"): 0.5, ("c", "c"): 1 / 3,
                ("</s>", "a"): 0.25, ("</s>", "c"): 2 / 3, ("a", "c"): 0.0}
    for (word, previous), p in expected.items():
        logp, _ = scorer.score(ids(word), [ids(previous)])
        assert 10.0 ** logp == pytest.approx(p, rel=1e-6), (word, previous)


@pytest.mark.filterwarnings("ignore::ngramlm.smoothing.EstimationWarning")
@pytest.mark.parametrize("method", ["witten-bell", "modified-kneser-ney", "good-turing"])
def test_class_model_distributions_sum_to_one_over_the_vocabulary(tmp_path, method):
    text = tmp_path / "t.txt"
    rng = np.random.default_rng(0)
    words = ["a", "b", "c", "d", "e", "f"]
    text.write_text("\n".join(" ".join(rng.choice(words, size=rng.integers(1, 9))) for _ in range(200)) + "\n")
    classes = WordClasses({"a": "V", "b": "V", "c": "V", "d": "N", "e": "N"},
                          {"a": math.log10(0.5), "b": math.log10(0.3), "c": math.log10(0.2),
                           "d": math.log10(0.9), "e": math.log10(0.1)})
    scorer = ClassScorer(train_class_model([str(text)], classes, order=3, method=method, interpolate=method !=
                                           "good-turing"))
    events = np.ones(len(scorer.vocab), dtype=bool)
    events[[UNK_ID, BOS_ID]] = False
    ids = scorer.vocab.id
    for context in ([BOS_ID], [ids("a"), ids("d")], [ids("f"), ids("f")], [ids("e"), ids("b")]):
        total = np.sum(10.0 ** scorer.distribution(context)[events])
        assert total == pytest.approx(1.0, abs=1e-5), context


def test_interpolated_scorer_sums_to_one_and_tuned_weights_beat_a_grid(tmp_path, corpus, class_file):
    train = tmp_path / "train2.txt"
    train.write_text(CORPUS * 3 + "a a b c\nd a b\n")
    heldout = tmp_path / "valid.txt"
    heldout.write_text("a b c\nb a c\n")
    word = BackoffScorer(estimate(count_files([str(train)], 2), "witten-bell"))
    # The class model does not know "d": the mixture takes it from the word model alone.
    cls = ClassScorer(train_class_model([corpus], read_classes(class_file), order=2, method="witten-bell"))
    weights = tune_interpolation([word, cls], str(heldout))
    assert weights.sum() == pytest.approx(1.0)

    def heldout_logprob(w):
        return ppl_file(InterpolatedScorer([word, cls], [w, 1 - w]), str(heldout), out=_Null()).logprob

    best = heldout_logprob(weights[0])
    assert all(best >= heldout_logprob(w) - 1e-5 for w in np.linspace(0.05, 0.95, 19))
    mixture = InterpolatedScorer([word, cls], weights)
    events = np.ones(len(mixture.vocab), dtype=bool)
    events[[UNK_ID, BOS_ID]] = False
    for context in ([BOS_ID], [mixture.vocab.id("a")], [mixture.vocab.id("d")]):
        assert np.sum(10.0 ** mixture.distribution(context)[events]) == pytest.approx(1.0, abs=1e-5)
        scored = [mixture.score(w, context)[0] for w in np.flatnonzero(events)]
        assert np.sum(10.0 ** np.array(scored)) == pytest.approx(1.0, abs=1e-5)


class _Null:
    def write(self, text):
        pass


def test_singleton_classes_reproduce_srilm_word_model_perplexity(reference_dir):
    # With every word alone in its class (p = 1), the class trigram is the word trigram: SRILM's kn3-interp
    # (ngram-count -kndiscount -interpolate -gt3min 1 -unk) gives test logprob -138109.5, ppl 186.7405.
    folder = reference_dir / "srilm-brown-10k"
    words = {w for line in open(folder / "train.txt", encoding="utf-8") for w in line.split()} - {"<unk>"}
    classes = WordClasses({w: "C:" + w for w in words}, {w: 0.0 for w in words})
    model = train_class_model([str(folder / "train.txt")], classes, 3, "modified-kneser-ney", interpolate=True,
                              unk=True, gtmin={3: 1})
    from ngramlm.use.ppl_report import PplOptions
    stats = ppl_file(ClassScorer(model), str(folder / "test.txt"), PplOptions(unk_is_word=True), out=_Null())
    assert (stats.sentences, stats.words, stats.oovs) == (2874, 57934, 0)
    assert stats.logprob == pytest.approx(-138109.5, abs=0.1)
    assert stats.ppl == pytest.approx(186.7405, rel=1e-6)


def test_ngram_classes_flag_scores_hand_computed_class_bigram(tmp_path, corpus, class_file):
    from click.testing import CliRunner

    from ngramlm.cli.main import cli
    from ngramlm.cli.ngram import main as ngram

    lm = str(tmp_path / "class.arpa")
    result = CliRunner().invoke(cli, ["classes", "train", corpus, "-c", class_file, "-o", lm, "--order", "2",
                                      "--method", "mle"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(ngram, ["-lm", lm, "-order", "2", "-classes", class_file, "-ppl", corpus])
    assert result.exit_code == 0, result.output
    # The probabilities of test_hand_computed_class_bigram, sentence by sentence.
    expected = math.log10(0.5 * 0.125 * 0.25) + math.log10(0.5 * 0.5 * 2 / 3) + math.log10(0.5 * 0.5 / 3 * 2 / 3)
    logprob = float(result.output.split("logprob=")[1].split()[0])
    assert logprob == pytest.approx(expected, abs=1e-5)
    assert "3 sentences, 7 words, 0 OOVs" in result.output


def test_classes_commands_induce_train_and_evaluate_a_mixture(tmp_path, corpus):
    from click.testing import CliRunner

    from ngramlm.formats.arpa import write_arpa
    from ngramlm.cli.main import cli

    runner = CliRunner()
    classes, lm, word = (str(tmp_path / name) for name in ("classes.txt", "class.arpa", "word.arpa"))
    assert runner.invoke(cli, ["classes", "induce", corpus, "-n", "2", "-o", classes, "-q"]).exit_code == 0
    assert set(read_classes(classes).word_class) == {"a", "b", "c"}
    result = runner.invoke(cli, ["classes", "train", corpus, "-c", classes, "-o", lm, "--order", "2",
                                 "--method", "witten-bell"])
    assert result.exit_code == 0, result.output
    write_arpa(estimate(count_files([corpus], 2), "witten-bell"), word)
    result = runner.invoke(cli, ["classes", "eval", corpus, "-c", classes, "--lm", lm, "--mix-lm", word,
                                 "--tune-on", corpus, "--cache", "5", "--cache-lambda", "0.1"])
    assert result.exit_code == 0, result.output
    assert "class model weight tuned" in result.output and "3 sentences, 7 words, 0 OOVs" in result.output
    missing = runner.invoke(cli, ["classes", "eval", corpus, "-c", str(tmp_path / "none.txt"), "--lm", lm])
    assert missing.exit_code == 1 and "cannot open" in missing.output


def test_general_class_model_sums_over_parses_by_hand(tmp_path):
    """SRILM's general class n-gram: `a b` read as the word a then C -> b, or as C -> `a b`; a prefix's
    probability sums over the parses, those ending inside an expansion included."""
    from ngramlm.core.model import BackoffModel
    from ngramlm.models.class_trellis import ClassTrellisScorer
    from ngramlm.models.classes import read_class_expansions

    pa, pc, pend = 0.3, 0.5, 0.2
    model = BackoffModel.from_entries(Vocabulary(), {("<s>",): (-99.0, 0.0), ("a",): (math.log10(pa), 0.0),
                                                     ("C",): (math.log10(pc), 0.0), ("</s>",): (math.log10(pend), 0.0)})
    classes = tmp_path / "classes.txt"
    classes.write_text("C 0.4 a b\nC 0.6 b\n")
    scorer = ClassTrellisScorer(read_class_expansions(str(classes)), model)
    v = scorer.vocab
    logp = scorer.sentence_logprobs([v.id("<s>"), v.id("a"), v.id("b"), v.id("</s>")], True)
    after_a = pa + pc * 0.4                      # a as a word, or C -> `a b` begun
    after_b = pa * pc * 0.6 + pc * 0.4           # a then C -> b, or C -> `a b` completed
    np.testing.assert_allclose(10 ** logp, [after_a, after_b / after_a, pend], rtol=1e-6)
    # a word no parse reads gets probability 0, and the next word is scored from the words themselves
    assert scorer.sentence_logprobs([v.id("<s>"), v.id("b"), v.id("b"), v.id("</s>")], True)[0] == \
        pytest.approx(math.log10(pc * 0.6))
