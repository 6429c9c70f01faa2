"""-tolower: SRILM's Vocab lower-cases each byte with C's tolower() in the C locale, so only ASCII A-Z change and
every other byte of a UTF-8 word stays ("ÉCOLE" becomes "École"); ngramlm's own --tolower lowers every capital
Unicode knows. Against SRILM 1.7.3's outputs on a text of ASCII, Latin, Greek and Cyrillic capitals
(tests/data/srilm/tolower*, see its README): the counts of a text and of a count file, a model's words and the text
of -ppl, N-best hypotheses, a class file and a -vocab file; ngramlm's `count --tolower` against counts written here
by hand."""
from __future__ import annotations


import pytest

from ngramlm.cli.main import cli
from ngramlm.cli.ngram import main as ngram
from ngramlm.cli.ngram_count import main as ngram_count
from ngramlm.core.io import lower_case, srilm_reading

from test_srilm_comments import DATA, run


def sorted_lines(text: str) -> list[str]:
    return sorted(text.splitlines())  # SRILM writes counts in its hash order


def test_lower_case_is_ascii_only_in_srilms_commands():
    assert lower_case("ÉCOLE Ωmega ПРИВЕТ Abc") == "école ωmega привет abc"
    with srilm_reading():
        assert lower_case("ÉCOLE Ωmega ПРИВЕТ Abc") == "École Ωmega ПРИВЕТ abc"
        assert lower_case("ABC") == "abc"
        assert lower_case("A\udcc9B") == "a\udcc9b"  # an undecodable byte (surrogateescape) stays as it was


def test_ngram_count_tolower_lowers_ascii_letters_only(in_srilm_data):
    result = run(ngram_count, ["-order", "2", "-text", "tolower.txt", "-tolower", "-write", "-"], "ngram-count")
    assert sorted_lines(result.stdout) == sorted_lines((DATA / "tolower-count.stdout").read_text())


def test_ngram_count_tolower_of_a_count_file(in_srilm_data):
    result = run(ngram_count, ["-read", "tolower.counts", "-order", "2", "-tolower", "-write", "-"], "ngram-count")
    assert sorted_lines(result.stdout) == sorted_lines((DATA / "tolower-read.stdout").read_text())


def test_ngram_ppl_tolower_maps_the_models_words_and_the_text(in_srilm_data):
    """The model's words (ÉCOLE, ΩMEGA, Москва) and the text's are mapped alike: École matches ÉCOLE, but
    москва, ωmega, zÜrich and école are out of the vocabulary."""
    result = run(ngram, ["-lm", "tolower-wb2.arpa.gz", "-tolower", "-ppl", "tolower-ppl.txt", "-debug", "1"], "ngram")
    assert result.stdout == (DATA / "tolower-ppl.stdout").read_text()
    assert result.stderr == (DATA / "tolower-ppl.stderr").read_text()


@pytest.mark.parametrize("option", ["-nbest", "-rescore"])
def test_nbest_hypotheses_tolower(in_srilm_data, option):
    result = run(ngram, ["-lm", "tolower-wb2.arpa.gz", "-tolower", option, "tolower.nbest"], "ngram")
    assert result.stdout == (DATA / f"tolower{option}.stdout").read_text()
    assert result.stderr == (DATA / f"tolower{option}.stderr").read_text()


def test_class_file_tolower(in_srilm_data):
    """The class ÉCOLE is the model's ÉCOLE (both École) and its member SCHOOL matches school."""
    result = run(ngram, ["-lm", "tolower-wb2.arpa.gz", "-tolower", "-classes", "tolower.classes", "-simple-classes",
                         "-ppl", "tolower-classes.txt", "-debug", "1"], "ngram")
    assert result.stdout == (DATA / "tolower-classes.stdout").read_text()
    assert result.stderr == (DATA / "tolower-classes.stderr").read_text()


def test_vocabulary_file_tolower(in_srilm_data):
    written = run(ngram_count, ["-vocab", "tolower.vocab", "-tolower", "-write-vocab", "-"], "ngram-count")
    assert written.stdout == (DATA / "tolower-write-vocab.stdout").read_text()
    counted = run(ngram_count, ["-order", "1", "-text", "tolower.txt", "-vocab", "tolower.vocab", "-tolower",
                                "-write", "-"], "ngram-count")
    assert sorted_lines(counted.stdout) == sorted_lines((DATA / "tolower-vocab.stdout").read_text())


def test_ngramlm_count_tolower_lowers_every_capital(in_srilm_data):
    result = run(cli, ["count", "--order", "1", "--text", "tolower.txt", "--tolower"], "ngramlm")
    # each line holds one word in three spellings (Élan ÉLAN élan ...): all three become one word
    words = ["élan", "école", "äpfel", "the", "ωmega", "москва", "abc", "zürich"]
    expected = {"<s>": 4, "</s>": 4, **{w: 3 for w in words}}
    counts = {line.split("\t")[0]: int(line.split("\t")[1]) for line in result.stdout.splitlines()}
    assert counts == expected
