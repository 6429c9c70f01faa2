"""Words are split where SRILM and lmplz split them: at ASCII space, tab, CR and LF (and NUL, as lmplz), never at
U+00A0, U+3000, \\v, \\f or other white space that Python's str.split knows.

References: outputs of SRILM 1.7.3 (tests/data/srilm/ws-*, see its README) and of KenLM's lmplz
(tests/data/lmplz/ws3.arpa.gz) on a text full of such characters, and the kenlm module (its Model.score splits a
sentence with bytes.split: ASCII white space, \\v and \\f included, which query.Model matches)."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ngramlm._ext._count import TokenTable
from ngramlm.cli.ngram import main as ngram
from ngramlm.cli.ngram_count import main as ngram_count
from ngramlm.core.io import split_words
from ngramlm.core.vocab import Vocabulary
from ngramlm.formats.arpa import read_arpa
from ngramlm.use.evaluation import evaluate_text
from ngramlm.use.query import Model
from test_lmplz_options import assert_lmplz_model, run_train

SRILM = Path(__file__).parent / "data" / "srilm"
LMPLZ_MODEL = str(Path(__file__).parent / "data" / "lmplz" / "ws3.arpa.gz")

# The rule as the peers' sources state it (SRILM's wordSeparators " \t\r\n", lmplz's "\0\t\n\r "), written here
# apart from the code under test.
PEER_WORDS = re.compile("[^ \t\r\n\0]+").findall

LINE = "  a\u00a0b c\u3000d e\rf\tg\vh\fi\0j   k\t\tl\x1cm\u2003n\x85o \r\n"
WORDS = ["a\u00a0b", "c\u3000d", "e", "f", "g\vh\fi", "j", "k", "l\x1cm\u2003n\x85o"]


def unzip(tmp_path: Path, name: str) -> Path:
    """tests/data/srilm/NAME.gz written out as tmp_path/NAME (bytes as they are: \\r\\n stays)."""
    out = tmp_path / name
    out.write_bytes(gzip.decompress((SRILM / f"{name}.gz").read_bytes()))
    return out


def test_the_fast_path_of_split_words_is_taken_only_where_str_split_agrees():
    """split_words calls str.split unless the line holds a character where the two rules differ: those must be
    exactly NUL and the white space of Python's str.split other than space, tab, CR and LF."""
    import sys

    from ngramlm.core import io

    differs = {chr(c) for c in range(sys.maxunicode + 1) if io._SPLIT_DIFFERS(chr(c))}
    assert differs == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()} - set(" \t\r\n") | {"\0"}


def test_split_words_and_the_compiled_tokenizer_split_only_at_the_peers_separators():
    assert PEER_WORDS(LINE) == WORDS
    assert split_words(LINE) == WORDS
    assert split_words(LINE.replace("\0", " ")) == WORDS  # the fast path (str.split) where nothing differs
    assert split_words("one two\tthree\n") == ["one", "two", "three"]
    assert split_words(" \t\r\n") == [] and split_words("\u00a0") == ["\u00a0"]
    table = TokenTable()
    tokens, lengths = table.tokenize((LINE * 2).encode("utf-8"))
    assert [t.decode("utf-8") for t in table.new_tokens()] == WORDS
    assert tokens.tolist() == list(range(len(WORDS))) * 2 and lengths.tolist() == [len(WORDS)] * 2


def test_vocabulary_file_words_keep_their_no_break_spaces(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes("a\u00a0b\tignored\n\u3000\n g\vh \r\n \t\n".encode("utf-8"))
    assert Vocabulary.read(str(path), closed=False).words[-3:] == ["a\u00a0b", "\u3000", "g\vh"]


def test_ngram_count_counts_the_words_srilm_counts(tmp_path):
    text = unzip(tmp_path, "ws-train.txt")
    out = tmp_path / "counts"
    result = CliRunner().invoke(ngram_count, ["-order", "3", "-text", str(text), "-sort", "-write", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == gzip.decompress((SRILM / "ws-count.stdout.gz").read_bytes())
    # SRILM's count file read back: its words hold \v, \f, U+00A0 and U+3000. A count of 19 digits sends its
    # block to the line-by-line reader (the compiled one parses 18 at most): both split words alike.
    big = "zz\t1000000000000000000\n"
    for extra in ("", big):
        counts = tmp_path / "in.counts"
        counts.write_bytes(gzip.decompress((SRILM / "ws-count.stdout.gz").read_bytes()) + extra.encode())
        again = tmp_path / "again"
        result = CliRunner().invoke(ngram_count, ["-order", "3", "-read", str(counts), "-sort", "-write", str(again)])
        assert result.exit_code == 0, result.output
        assert again.read_text(encoding="utf-8").replace(big, "") == out.read_text(encoding="utf-8")


def test_ngram_count_model_and_ngram_ppl_match_srilm(tmp_path):
    text, test = unzip(tmp_path, "ws-train.txt"), unzip(tmp_path, "ws-test.txt")
    lm = tmp_path / "lm.arpa"
    result = CliRunner().invoke(ngram_count, ["-order", "3", "-text", str(text), "-lm", str(lm)])
    assert result.exit_code == 0, result.output
    assert lm.read_bytes() == gzip.decompress((SRILM / "ws-lm.arpa.gz").read_bytes())
    result = CliRunner().invoke(ngram, ["-lm", str(lm), "-ppl", str(test), "-debug", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.replace(f"{tmp_path}/", "") == (SRILM / "ws-ppl.stdout").read_text(encoding="utf-8")


def test_train_gives_lmplzs_model(tmp_path):
    assert_lmplz_model(run_train(tmp_path, "-o", 3, "--text", unzip(tmp_path, "ws-train.txt")), "ws3")


@pytest.fixture(scope="module")
def kenlm_model():
    kenlm = pytest.importorskip("kenlm")
    return kenlm, kenlm.Model(LMPLZ_MODEL)


def test_eval_scores_the_peers_words_as_kenlm_does(tmp_path, kenlm_model):
    kenlm, theirs = kenlm_model
    test = unzip(tmp_path, "ws-test.txt")
    lines = test.read_bytes().decode("utf-8").split("\n")[:-1]
    total, tokens = 0.0, 0
    for line in lines:  # the state API takes words as they are: \v and \f stay inside them
        state, out = kenlm.State(), kenlm.State()
        theirs.BeginSentenceWrite(state)
        for word in PEER_WORDS(line) + ["</s>"]:
            total += theirs.BaseScore(state, word, out)
            state, out = out, state
            tokens += 1
    ours = evaluate_text(read_arpa(LMPLZ_MODEL), str(test))
    assert ours.kenlm_tokens == tokens
    assert ours.kenlm_ppl_including_oovs == pytest.approx(10 ** (-total / tokens), rel=1e-6)


def test_query_model_splits_a_sentence_as_the_kenlm_module_does(tmp_path, kenlm_model):
    _, theirs = kenlm_model
    ours = Model(LMPLZ_MODEL)
    lines = gzip.decompress((SRILM / "ws-test.txt.gz").read_bytes()).decode("utf-8").split("\n")[:-1]
    assert any("\v" in line for line in lines) and any("\u3000" in line for line in lines)
    for line in lines:
        assert ours.score(line) == pytest.approx(theirs.score(line), abs=1e-4)
        assert [p for p, _, _ in ours.full_scores(line)] == pytest.approx(
            [p for p, _, _ in theirs.full_scores(line)], abs=1e-4)
        assert ours.perplexity(line) == pytest.approx(theirs.perplexity(line), rel=1e-4)
