"""Raw text to training text (ngramlm.corpora.prepare, `ngramlm prepare`) and the unsegmented-text warning."""
from __future__ import annotations

import unicodedata

import pytest
from click.testing import CliRunner

from ngramlm.cli.main import cli
from ngramlm.core.errors import NgramlmError
from ngramlm.corpora.prepare import (PrepareOptions, is_chinese, normalise, prepare_paragraph, prepare_text,
                                     read_paragraphs, split_sentences_en, split_sentences_zh, tokenize_en,
                                     tokenize_zh)
from ngramlm.corpora.unsegmented import file_looks_unsegmented, looks_unsegmented


# --- normalisation ----------------------------------------------------------------------------------------------

def test_nfkc_makes_full_width_latin_ascii_and_splits_ligatures():
    assert normalise("ＡＢＣ１２３ ﬁne\t\u3000x") == "ABC123 fine x"


def test_normalisation_none_keeps_the_text_but_collapses_spaces():
    assert normalise("ＡＢＣ  ﬁ", "none") == "ＡＢＣ ﬁ"


def test_compatibility_ideographs_change_under_nfkc_only():
    compatibility = "\U0002F800"  # CJK COMPATIBILITY IDEOGRAPH-2F800, outside the BMP
    assert normalise(compatibility, "NFKC") == unicodedata.normalize("NFKC", compatibility) != compatibility
    assert normalise(compatibility, "none") == compatibility


# --- sentences ---------------------------------------------------------------------------------------------------

def test_english_sentences_split_after_final_punctuation_but_not_after_abbreviations():
    text = 'Mr. Smith went to Washington. He said "Hi!" Then J. R. Tolkien left... And 3 men came. e.g. this.'
    assert split_sentences_en(text) == ["Mr. Smith went to Washington.", 'He said "Hi!"',
                                        "Then J. R. Tolkien left...", "And 3 men came. e.g. this."]


def test_chinese_sentences_split_after_stops_with_their_closing_quotes():
    text = "他说：“你好。”我们走吧！真的？好的。没有结尾"
    assert split_sentences_zh(text) == ["他说：“你好。”", "我们走吧！", "真的？", "好的。", "没有结尾"]


def test_chinese_sentences_after_nfkc_split_on_ascii_stops():
    assert split_sentences_zh(normalise("真的？好！")) == ["真的?", "好!"]


# --- tokens ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, tokens", [
    ("I can't believe it's John's car.", ["I", "ca", "n't", "believe", "it", "'s", "John", "'s", "car", "."]),
    ('He said "yes," and left.', ["He", "said", "``", "yes", ",", "''", "and", "left", "."]),
    ("The U.S. grew 3.5% in 2004, i.e. 2,000 jobs.", ["The", "U.S.", "grew", "3.5", "%", "in", "2004", ",", "i.e.",
                                                      "2,000", "jobs", "."]),
    ("Mr. Smith (etc.) -- state-of-the-art...", ["Mr.", "Smith", "(", "etc.", ")", "--", "state-of-the-art",
                                                  "..."]),
    ("See https://example.com/a?b=1. Mail me@x.org!", ["See", "https://example.com/a?b=1", ".", "Mail",
                                                        "me@x.org", "!"]),
    ("We’re here, aren’t we?", ["We", "’re", "here", ",", "are", "n’t", "we", "?"]),
])
def test_english_tokens_follow_the_treebank(sentence, tokens):
    assert tokenize_en(sentence) == tokens


def test_chinese_characters_are_tokens_with_latin_and_digit_runs_whole():
    assert tokenize_zh("我在2004年用iPhone拍了𠉤𠋘") == ["我", "在", "2004", "年", "用", "iPhone", "拍", "了", "𠉤", "𠋘"]


def test_chinese_words_come_from_the_segmenter_given():
    assert tokenize_zh("研究生命", lambda s: ["研究", "生命"]) == ["研究", "生命"]


def test_language_is_guessed_from_the_share_of_chinese_characters():
    assert is_chinese("我们走吧 OK") and not is_chinese("OK, we go 吧")


def test_classes_and_lower_casing():
    options = PrepareOptions(lower=True, number_token="<num>", url_token="<url>")
    assert list(prepare_paragraph("See www.x.org at 10:30, 3 Cats. Me too.", options)) == [
        ["see", "<url>", "at", "<num>", ",", "<num>", "cats", "."], ["me", "too", "."]]
    assert list(prepare_paragraph("我有２０００元。", options)) == [["我", "有", "<num>", "元", "。"]]


def test_bad_options_are_refused():
    with pytest.raises(NgramlmError, match="normalisation"):
        PrepareOptions(normalisation="NFX")


# --- reading -----------------------------------------------------------------------------------------------------

def test_paragraphs_are_separated_by_blank_lines_and_chinese_lines_join_without_space(tmp_path):
    path = tmp_path / "raw.txt"
    path.write_text("First line\nsecond line.\n\n\n中文的\n句子。\n", encoding="utf-8")
    assert list(read_paragraphs([str(path)])) == ["First line second line.", "中文的句子。"]
    assert list(read_paragraphs([str(path)], lines_are_paragraphs=True)) == [
        "First line", "second line.", "中文的", "句子。"]


def test_a_folder_is_every_file_below_it_in_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("Two.\n", encoding="utf-8")
    (tmp_path / "1.txt").write_text("One. Uno.\n", encoding="utf-8")
    (tmp_path / ".hidden").write_text("No.\n", encoding="utf-8")
    assert [" ".join(s) for s in prepare_text([str(tmp_path)])] == ["One .", "Uno .", "Two ."]


def test_characters_outside_the_bmp_survive_preparation(shared_corpora):
    sample = (shared_corpora / "tang-char" / "test.txt").read_text(encoding="utf-8").splitlines()[:400]
    raw = "\n".join(line.replace(" ", "") for line in sample)
    astral = {c for c in raw if ord(c) > 0xFFFF}
    assert astral, "the sample should hold characters outside the BMP"
    tokens = [t for s in prepare_text_from_string(raw) for t in s]
    assert astral <= set(tokens)
    assert all(len(t) == 1 for t in tokens if any(ord(c) > 0xFFFF for c in t))


def prepare_text_from_string(text: str):
    for paragraph in text.split("\n"):
        yield from prepare_paragraph(paragraph, PrepareOptions(language="zh", normalisation="none"))


# --- the command -------------------------------------------------------------------------------------------------

def test_prepare_command_english_and_chinese(tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_text("Mr. Smith left. He came back!\n\n然而，这样。我们走吧\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["prepare", str(raw), "-q"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["Mr. Smith left .", "He came back !", "然 而 , 这 样 。", "我 们 走 吧"]


def test_prepare_command_chinese_words_from_a_word_list(tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("研究 10\n生命 10\n起源 10\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["prepare", "--chinese", "words", "--lexicon", str(words)],
                                input="研究生命起源。研究\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["研究 生命 起源 。", "研究"]


def test_prepare_command_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine\n\xff\n")
    for args in ([str(bad)], [str(tmp_path / "missing.txt")], ["--chinese", "words"]):
        result = CliRunner().invoke(cli, ["prepare", *args], input="")
        assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1, result.output
    assert "bad.txt:2: invalid UTF-8" in CliRunner().invoke(cli, ["prepare", str(bad)]).output


# --- the warning -------------------------------------------------------------------------------------------------

def test_unsegmented_chinese_is_flagged():
    message = looks_unsegmented(["然而，这样的处理也衍生了一些问题。", "自从2004年提出了兴建人文大楼的构想。"])
    assert message and "unsegmented" in message and "ngramlm segment" in message


def test_segmented_chinese_and_characters_are_not_flagged():
    assert looks_unsegmented(["然而 ， 这样 的 处理 也 衍生 了 一些 问题 。"]) is None
    assert looks_unsegmented(["然 而 ， 这 样 的 处 理"]) is None


def test_english_words_are_not_flagged_and_run_together_text_is():
    assert looks_unsegmented(["the cat sat on the mat ."] * 10) is None
    assert looks_unsegmented(["thecatsatonthemat thedogsatonthelog"]) is not None


def test_one_long_token_a_line_is_flagged_and_a_word_list_is_not():
    assert looks_unsegmented(["Thisisasentencewithoutspaces"] * 10) is not None
    assert looks_unsegmented(["cat", "dog", "house", "tree", "mouse", "car"]) is None


def test_file_warning_names_the_file(shared_corpora):
    raw = shared_corpora / "zh-gsdsimp" / "test.raw.txt"
    assert file_looks_unsegmented(str(raw)).startswith(f"{raw}: the text looks unsegmented")
    assert file_looks_unsegmented(str(shared_corpora / "zh-gsdsimp" / "test.txt")) is None
    assert file_looks_unsegmented("-") is None


def test_commands_warn_about_unsegmented_text_in_one_line(tmp_path, capsys):
    from ngramlm.cli.text_checks import warn_if_unsegmented

    raw = tmp_path / "raw.txt"
    raw.write_text("然而，这样的处理也衍生了一些问题。\n" * 3, encoding="utf-8")
    words = tmp_path / "words.txt"
    words.write_text("然而 ， 这样 的 处理\n", encoding="utf-8")
    assert len(warn_if_unsegmented([str(raw), str(words), "-"])) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"warning: {raw}: the text looks unsegmented") and len(err.splitlines()) == 1


def test_markers_such_as_unk_stay_whole():
    assert tokenize_en("A <unk> at 3 <num>.") == ["A", "<unk>", "at", "3", "<num>", "."]
    assert tokenize_zh("我有<unk>个") == ["我", "有", "<unk>", "个"]


def test_counting_and_scoring_commands_warn_before_they_count(tmp_path):
    """ngram-count, ngramlm count, train and eval each warn once on unsegmented Chinese and still do their job."""
    from ngramlm.cli.main import cli as main_cli
    from ngramlm.cli.ngram_count import main as ngram_count

    raw = tmp_path / "raw.txt"
    raw.write_text("然而，这样的处理也衍生了一些问题。\n自从2004年提出了兴建人文大楼的构想。\n" * 4, encoding="utf-8")
    lm = tmp_path / "lm.arpa"
    runs = [
        (ngram_count, ["-order", "2", "-text", str(raw), "-lm", str(lm)]),
        (main_cli, ["count", "--order", "2", "--text", str(raw), "--write", str(tmp_path / "c.txt")]),
        (main_cli, ["train", "-q", "-o", "2", "--method", "witten-bell", "--text", str(raw), "--arpa", str(lm)]),
        (main_cli, ["eval", str(lm), str(raw)]),
    ]
    for command, args in runs:
        result = CliRunner().invoke(command, args)
        assert result.exit_code == 0, (args, result.output, result.stderr)
        warnings = [line for line in result.stderr.splitlines() if "unsegmented" in line]
        assert len(warnings) == 1 and warnings[0].startswith(f"warning: {raw}: the text looks unsegmented"), args
    clean = tmp_path / "clean.txt"
    clean.write_text("然而 ， 这样 的 处理\n" * 8, encoding="utf-8")
    result = CliRunner().invoke(main_cli, ["eval", str(lm), str(clean)])
    assert result.exit_code == 0 and "unsegmented" not in result.stderr
