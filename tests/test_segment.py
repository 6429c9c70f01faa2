"""Chinese word segmentation (ngramlm.use.segment and `ngramlm segment`)."""
from __future__ import annotations

import itertools
import math
import random

import pytest
from click.testing import CliRunner

from ngramlm.cli.main import cli
from ngramlm.core.errors import InputError, NgramlmError
from ngramlm.core.model import BackoffModel
from ngramlm.core.vocab import Vocabulary
from ngramlm.use.segment import (Segmenter, ViterbiOptions, ViterbiSegmenter, backward_max_match,
                                 forward_max_match, lexicon_model, read_lexicon, span_f, split_units, train_model)


def test_units_keep_numbers_and_latin_runs_and_split_everything_else():
    assert split_units("我有2,000个𠮷野家ABC店 3.5元") == [
        ["我", "有", "2,000", "个", "𠮷", "野", "家", "ABC", "店"], ["3.5", "元"]]


def test_units_of_characters_outside_the_basic_multilingual_plane_are_one_code_point_each():
    text = "𠀀𡃁𪚥a"
    assert split_units(text) == [["𠀀", "𡃁", "𪚥", "a"]]


def test_forward_and_backward_maximum_matching_by_hand():
    words = {"研究", "研究生", "生命", "命", "起源"}
    units = list("研究生命起源")
    # Forward: 研究生 is the longest word at 0; then 命 (命起 is no word); then 起源.
    assert forward_max_match(units, words, 3) == ["研究生", "命", "起源"]
    # Backward: 起源; then 生命 (研究生命 too long, 究生命 no word); then 研究.
    assert backward_max_match(units, words, 3) == ["研究", "生命", "起源"]


def test_maximum_matching_falls_back_to_single_units():
    assert forward_max_match(["甲", "乙", "12"], {"乙丙"}, 2) == ["甲", "乙", "12"]
    assert backward_max_match(["甲", "乙", "12"], {"乙丙"}, 2) == ["甲", "乙", "12"]


def test_span_f_by_hand():
    # gold spans (0,2) (2,3) (3,5); ours (0,2) (2,5): one correct of 2 found, 3 expected.
    precision, recall, f = span_f([["ab", "cde"]], [["ab", "c", "de"]])
    assert (precision, recall) == (0.5, 1 / 3)
    assert f == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))


# --- Viterbi: the best segmentation by brute force ------------------------------------------------------------

ALPHABET = "甲乙丙丁戊"


def _random_training_text(rng: random.Random) -> list[list[str]]:
    words = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 3))) for _ in range(12)]
    return [[rng.choice(words) for _ in range(rng.randint(1, 6))] for _ in range(40)]


def _segmentations(text: str):
    for cuts in itertools.product((False, True), repeat=len(text) - 1):
        words, start = [], 0
        for position, cut in enumerate(cuts, 1):
            if cut:
                words.append(text[start:position])
                start = position
        words.append(text[start:])
        yield words


def _score(model: BackoffModel, words: list[str], options: ViterbiOptions) -> float:
    """The score of one segmentation, computed independently with the model's index."""
    known = {model.vocab.word(row[0]) for row in model.ngrams[0].tolist()}
    history = ["<s>"] if model.order > 1 else []
    total = 0.0
    for word in words:
        if word in known:
            total += model.word_logprob(word, history[-(model.order - 1):] if model.order > 1 else [])
        elif len(word) == 1:
            total += options.oov_logprob
        else:
            return -math.inf  # not a segmentation the search may produce: an unknown word of several units
        total += options.word_bonus - options.long_word_penalty * max(0, len(word) - 2)
        history.append(word)
    if model.order > 1:
        total += model.word_logprob("</s>", history[-(model.order - 1):])
    return total


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_viterbi_finds_the_highest_scoring_segmentation(order, seed):
    rng = random.Random(seed)
    sentences = _random_training_text(rng)
    lexicon = {"".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 4))): rng.randint(1, 50)
               for _ in range(15)}
    model = train_model(sentences, lexicon, order=order, lexicon_weight=0.3)
    options = ViterbiOptions(word_bonus=rng.uniform(0, 1), long_word_penalty=rng.uniform(0, 1))
    segmenter = ViterbiSegmenter(model, options)
    for _ in range(15):
        text = "".join(rng.choice(ALPHABET + "己") for _ in range(rng.randint(1, 8)))
        best = max(_score(model, words, options) for words in _segmentations(text))
        found = segmenter.segment(text)
        assert "".join(found) == text
        assert _score(model, found, options) == pytest.approx(best, abs=1e-9)


def test_bigram_search_equals_the_general_back_off_search():
    rng = random.Random(7)
    model = train_model(_random_training_text(rng), order=2)
    segmenter = ViterbiSegmenter(model)
    for _ in range(50):
        units = list("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 12))))
        assert segmenter._bigram_search(units) == segmenter._backoff_search(units)


def test_lexicon_model_is_relative_frequencies():
    model = lexicon_model({"甲乙": 3, "丙": 1, "零": 0})
    assert model.word_logprob("甲乙") == pytest.approx(math.log10(0.75))
    assert "零" not in model.vocab


def test_lexicon_model_shares_the_ids_of_a_given_vocabulary():
    vocab = Vocabulary(["丙", "丁"])
    model = lexicon_model({"甲": 1, "丙": 1}, vocab)
    assert model.vocab is vocab and vocab.id("丙") == 3 and vocab.id("甲") == 5


def test_viterbi_prefers_the_model_words():
    model = BackoffModel.from_entries(Vocabulary(), {("研究",): (-1.0, 0.0), ("研究生",): (-1.5, 0.0),
                                                     ("生命",): (-1.0, 0.0), ("命",): (-2.0, 0.0),
                                                     ("起源",): (-1.0, 0.0)})
    segmenter = Segmenter("viterbi", model=model, options=ViterbiOptions(word_bonus=0, long_word_penalty=0))
    assert segmenter.segment("研究生命起源") == ["研究", "生命", "起源"]
    assert segmenter.segment("研究 生命") == ["研究", "生命"]


# --- word lists and the command line ---------------------------------------------------------------------------

def test_lexicon_reading_names_the_file_and_line_of_a_bad_frequency(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("甲乙 3 n\n丙\n丁 many\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"words.txt:3: the frequency 'many'"):
        read_lexicon(str(path))


def test_lexicon_reading_takes_words_without_frequency_as_one(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("甲乙 3 n\n丙\n\n甲乙 2\n", encoding="utf-8")
    assert read_lexicon(str(path)) == {"甲乙": 5.0, "丙": 1.0}


def test_unknown_method_is_refused():
    with pytest.raises(NgramlmError, match="unknown segmentation method"):
        Segmenter("crf", words={"甲"})


@pytest.fixture
def small_files(tmp_path):
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("研究 10\n研究生 5\n生命 10\n起源 10\n命 1\n", encoding="utf-8")
    train = tmp_path / "train.txt"
    train.write_text("研究 生命 起源\n生命 起源\n", encoding="utf-8")
    return lexicon, train


@pytest.mark.parametrize("method, expected", [("fmm", "研究生 命 起源"), ("bmm", "研究 生命 起源"),
                                              ("viterbi", "研究 生命 起源")])
def test_segment_command(small_files, method, expected):
    lexicon, train = small_files
    result = CliRunner().invoke(cli, ["segment", "--lexicon", str(lexicon), "--train", str(train),
                                      "--method", method, "-q"], input="研究生命起源\n\n")
    assert result.exit_code == 0, result.output
    assert result.output == f"{expected}\n\n"


def test_segment_command_writes_the_model_it_builds(small_files, tmp_path):
    from ngramlm.formats.arpa import read_arpa

    lexicon, train = small_files
    arpa = tmp_path / "seg.arpa"
    result = CliRunner().invoke(cli, ["segment", "--lexicon", str(lexicon), "--train", str(train), "--order", "2",
                                      "--write-model", str(arpa)], input="生命起源\n")
    assert result.exit_code == 0, result.output
    model = read_arpa(str(arpa))
    result = CliRunner().invoke(cli, ["segment", "--model", str(arpa)], input="研究生命起源\n")
    assert result.output == "研究 生命 起源\n" and model.order == 2


def test_segment_command_errors_are_one_line(small_files, tmp_path):
    lexicon, _ = small_files
    bad = tmp_path / "bad.txt"
    bad.write_text("研究 x\n", encoding="utf-8")
    for args in (["--lexicon", str(bad)], ["--model", str(tmp_path / "missing.arpa")]):
        result = CliRunner().invoke(cli, ["segment", *args], input="研究\n")
        assert result.exit_code == 1
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["segment", "--lexicon", str(lexicon)], input=b"\xff\xfe\n")
    assert result.exit_code == 1 and "-:1: invalid UTF-8" in result.output


def test_jieba_word_list_is_read_from_the_installed_package():
    pytest.importorskip("jieba", reason="the zh extra (jieba) is not installed")
    words = read_lexicon("jieba")
    assert len(words) > 300_000 and words["研究"] > 0


def test_segmenter_beats_the_goal_on_ud_chinese_gsdsimp(shared_corpora):
    pytest.importorskip("jieba", reason="the zh extra (jieba) is not installed")
    folder = shared_corpora / "zh-gsdsimp"
    result = CliRunner().invoke(cli, ["segment", "--lexicon", "jieba", "--train", str(folder / "valid.txt"),
                                      "-q", "-i", str(folder / "test.raw.txt")])
    assert result.exit_code == 0, result.output
    gold = [line.split() for line in (folder / "test.txt").read_text(encoding="utf-8").splitlines()]
    _, _, f = span_f([line.split() for line in result.output.splitlines()], gold)
    assert f >= 0.83
