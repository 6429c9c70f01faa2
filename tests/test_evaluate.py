"""Perplexity by SRILM's counting rules, checked against hand computation from Katz's back-off formula, against
kenlm, and against the reference outputs of SRILM and KenLM."""
from __future__ import annotations

import io
import math
import random
import re
from collections import Counter

import numpy as np
import pytest

from ngramlm.formats.arpa import read_arpa
from ngramlm.core.model import BackoffModel
from ngramlm.core.errors import InputError, ModelError
from ngramlm.use.evaluation import evaluate_text, kenlm_number
from ngramlm.use.ppl_report import PplOptions, ppl_counts_file, ppl_file
from ngramlm.use.scoring import BackoffScorer
from ngramlm.use.text_stats import TextStats
from ngramlm.core.vocab import BOS_ID, EOS_ID, UNK_ID, Vocabulary
from reference_backoff import logprob_ids

L = math.log10
# A closed-vocabulary bigram model: p(a|<s>) = .6, p(b|a) = .5, bow(<s>) = .5, bow(a) = .25, b is no context.
HAND = {
    ("<s>",): (-99.0, L(0.5)), ("</s>",): (L(0.2), 0.0), ("a",): (L(0.5), L(0.25)), ("b",): (L(0.3), 0.0),
    ("<s>", "a"): (L(0.6), 0.0), ("a", "b"): (L(0.5), 0.0),
}


def hand_model(vocab: Vocabulary | None = None) -> BackoffModel:
    return BackoffModel.from_entries(vocab if vocab is not None else Vocabulary(), dict(HAND))


def run_ppl(model, text: str, tmp_path, **options) -> tuple[str, TextStats, str]:
    path = tmp_path / "test.txt"
    path.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    stats = ppl_file(BackoffScorer(model), str(path), PplOptions(**options), out, err)
    return out.getvalue().replace(str(path), "T"), stats, err.getvalue()


def test_scores_follow_katz_backoff_by_hand():
    model = hand_model()
    scorer = BackoffScorer(model)
    a, b = model.vocab.id("a"), model.vocab.id("b")
    expected = {
        (a, (BOS_ID,)): (L(0.6), 2),
        (b, (BOS_ID,)): (L(0.5 * 0.3), 1),        # bow(<s>) p(b)
        (EOS_ID, (a,)): (L(0.25 * 0.2), 1),       # bow(a) p(</s>)
        (EOS_ID, (b,)): (L(0.2), 1),              # b is no context: weight 1
        (b, (b, a)): (L(0.5), 2),                 # only the last order-1 words count
        (UNK_ID, (a,)): (-math.inf, 0),           # closed vocabulary: no <unk>
    }
    for (word, context), (logp, matched) in expected.items():
        got = scorer.score(word, list(context))
        assert got[0] == pytest.approx(logp, rel=1e-6) and got[1] == matched


def test_perplexity_counts_sentence_ends_and_leaves_out_oovs(tmp_path):
    out, stats, _ = run_ppl(hand_model(), "a b\na x\nb a\n", tmp_path, debug=1)
    # a b </s>: .6 * .5 * .2; a x </s>: .6, x is an OOV, p(</s> | <unk>) = .2; b a </s>: .15 * .5 * .05
    logprob = L(0.6 * 0.5 * 0.2) + L(0.6 * 0.2) + L(0.15 * 0.5 * 0.05)
    assert (stats.sentences, stats.words, stats.oovs, stats.zeroprobs) == (3, 6, 1, 0)
    assert stats.logprob == pytest.approx(logprob, rel=1e-6)
    assert stats.ppl == pytest.approx(10 ** (-logprob / (6 - 1 + 3)), rel=1e-6)
    assert stats.ppl1 == pytest.approx(10 ** (-logprob / (6 - 1)), rel=1e-6)
    blocks = out.split("\n\n")
    assert blocks[1].splitlines()[0] == "a x"
    assert blocks[1].splitlines()[1] == "1 sentences, 2 words, 1 OOVs"
    assert out.splitlines()[-2] == "file T: 3 sentences, 6 words, 1 OOVs"
    assert out.splitlines()[-1] == \
        f"0 zeroprobs, logprob= {stats.logprob:.7g} ppl= {stats.ppl:.7g} ppl1= {stats.ppl1:.7g}"


def test_known_word_without_probability_is_a_zeroprob(tmp_path):
    model = hand_model(Vocabulary(["z"]))  # z is a word of the vocabulary but not of the model
    _, stats, _ = run_ppl(model, "a z\n", tmp_path)
    assert (stats.oovs, stats.zeroprobs, stats.words) == (0, 1, 2)


def test_undefined_perplexity_and_empty_text(tmp_path):
    out, _, _ = run_ppl(hand_model(), "x y\n", tmp_path, eos=False)
    assert out == "file T: 1 sentences, 2 words, 2 OOVs\n".replace("1 sentences", "0 sentences") + \
        "0 zeroprobs, logprob= 0 ppl= undefined ppl1= undefined\n"
    out, stats, _ = run_ppl(hand_model(), "\n  \n", tmp_path)
    assert out == "file T: 0 sentences, 0 words, 0 OOVs\n" and stats.ppl is None


def test_no_sos_and_no_eos_change_what_is_scored(tmp_path):
    _, stats, _ = run_ppl(hand_model(), "a b\n", tmp_path, sos=False)
    assert stats.logprob == pytest.approx(L(0.5 * 0.5 * 0.2), rel=1e-6)  # p(a) p(b|a) p(</s>|b)
    _, stats, _ = run_ppl(hand_model(), "a b\n", tmp_path, eos=False)
    assert (stats.sentences, stats.words) == (0, 2)
    assert stats.logprob == pytest.approx(L(0.6 * 0.5), rel=1e-6)
    _, stats, _ = run_ppl(hand_model(), "<s> a b </s>\n", tmp_path)  # markers already there are not doubled
    assert (stats.sentences, stats.words) == (1, 2)


def test_escaped_lines_pass_through_with_document_totals(tmp_path):
    out, _, _ = run_ppl(hand_model(), "##A\na b\n##B\nb a\n", tmp_path, escape="##")
    lines = out.splitlines()
    assert lines[0] == "##A"
    assert lines[1] == "1 sentences, 2 words, 0 OOVs" and lines[3] == "" and lines[4] == "##B"
    assert lines[5] == "1 sentences, 2 words, 0 OOVs"
    assert lines[-2] == "file T: 2 sentences, 4 words, 0 OOVs"


def test_debug_2_and_3_word_lines(tmp_path):
    out, _, err = run_ppl(hand_model(), "b a\n", tmp_path, debug=3)
    lines = out.splitlines()
    # SRILM adds the 32-bit back-off weight and probability in float arithmetic.
    logp = float(np.float32(L(0.5)) + np.float32(L(0.3)))
    prob = 10 ** logp
    assert lines[1] == f"\tp( b | <s> ) \t= [1gram] {prob:.7g} [ {logp:.7g} ] / {0.6 + 0.15 + 0.1:.7g}"
    assert lines[2].startswith("\tp( a | b ...) \t= [1gram] 0.5 [ -0.30103 ] / ")
    # The context <s> gives .6 + .15 + .1 = .85 to the words a, b, </s>: SRILM warns on stderr.
    assert "warning: word probs for this context sum to 0.85 != 1 : <s>" in err


def test_counts_give_the_perplexity_of_the_text_they_come_from(tmp_path, reference_dir):
    model = read_arpa(str(reference_dir / "srilm-brown-10k/kn3-interp.prune1e-6.arpa.gz"))
    text = (reference_dir / "srilm-brown-10k/test100.txt").read_text().splitlines()[:40]
    events = Counter()
    for line in text:
        words = ["<s>"] + line.split() + ["</s>"]
        for i in range(1, len(words)):
            events[tuple(words[max(0, i - 2):i + 1])] += 1
    counts = tmp_path / "counts.txt"
    counts.write_text("".join(f"{' '.join(g)}\t{c}\n" for g, c in events.items()))
    (tmp_path / "text.txt").write_text("\n".join(text) + "\n")
    scorer = BackoffScorer(model)
    from_text = ppl_file(scorer, str(tmp_path / "text.txt"), PplOptions(), io.StringIO())
    from_counts = ppl_counts_file(scorer, str(counts), PplOptions(), out=io.StringIO())
    assert (from_counts.sentences, from_counts.words, from_counts.oovs) == \
        (from_text.sentences, from_text.words, from_text.oovs)
    assert from_counts.logprob == pytest.approx(from_text.logprob, rel=1e-9)


def test_batch_scores_agree_with_the_plain_backoff_recursion(reference_dir):
    model = read_arpa(str(reference_dir / "srilm-brown-10k/kn3-interp.prune1e-6.arpa.gz"))
    scorer = BackoffScorer(model)
    rng = random.Random(7)
    size = len(model.vocab)
    for _ in range(300):
        context = [rng.randrange(size) for _ in range(rng.randrange(0, 4))]
        if rng.random() < 0.5 and context:  # contexts that occur, so that long matches are exercised
            row = model.ngrams[2][rng.randrange(len(model.ngrams[2]))].tolist()
            context, word = row[:2], row[2]
        else:
            word = rng.randrange(size)
        expected = logprob_ids(model, word, context)
        got = scorer.score(word, context)
        assert got[1] == expected[1]
        assert got[0] == pytest.approx(expected[0], abs=1e-5)


def test_distributions_of_a_reference_model_sum_to_one(reference_dir):
    model = read_arpa(str(reference_dir / "srilm-brown-10k/kn3-interp.prune1e-6.arpa.gz"))
    scorer = BackoffScorer(model)
    events = np.ones(len(model.vocab), dtype=bool)
    events[BOS_ID] = False
    for context in ([BOS_ID], [BOS_ID, model.vocab.id("the")], [model.vocab.id("of"), model.vocab.id("the")], []):
        total = np.sum(10.0 ** scorer.distribution(context)[events].astype(np.float64))
        assert total == pytest.approx(1.0, abs=1e-5)


def test_srilm_perplexity_agrees_with_kenlm_also_on_text_full_of_oovs(reference_dir, tmp_path):
    kenlm = pytest.importorskip("kenlm")
    folder = reference_dir / "srilm-brown-10k"
    lines = (folder / "test100.txt").read_text().splitlines()
    rng = random.Random(3)
    noisy = [" ".join(w if rng.random() < 0.5 else f"zz{rng.randrange(10**6)}" for w in line.split())
             for line in lines]
    for name in ("kn3-interp.prune1e-6", "gt3-default"):
        model = read_arpa(str(folder / f"{name}.arpa.gz"))
        theirs = kenlm.Model(str(folder / f"{name}.arpa.gz"))
        for text in (lines, noisy):
            path = tmp_path / "t.txt"
            path.write_text("\n".join(text) + "\n")
            ours = ppl_file(BackoffScorer(model), str(path), PplOptions(), io.StringIO())
            total = sum(theirs.score(line, bos=True, eos=True) for line in text)
            tokens = sum(len(line.split()) + 1 for line in text)
            assert ours.oovs == 0  # -unk models: OOVs are scored as <unk> by both
            assert ours.ppl == pytest.approx(10 ** (-total / tokens), rel=1e-4)


def test_closed_vocabulary_oovs_match_kenlm_excluding_oovs(reference_dir, tmp_path):
    kenlm = pytest.importorskip("kenlm")
    folder = reference_dir / "srilm-brown-10k"
    model = read_arpa(str(folder / "kn3-closed.arpa.gz"))
    theirs = kenlm.Model(str(folder / "kn3-closed.arpa.gz"))
    text = (folder / "test100.txt").read_text().splitlines()
    ours = evaluate_text(model, str(folder / "test100.txt"))
    total = oov_total = 0.0
    tokens = oovs = 0
    for line in text:
        for (logp, _, oov) in theirs.full_scores(line):
            total += logp
            tokens += 1
            if oov:
                oovs += 1
                oov_total += logp
    assert ours.kenlm_oovs == oovs and ours.kenlm_tokens == tokens
    assert ours.kenlm_ppl_excluding_oovs == pytest.approx(10 ** (-(total - oov_total) / (tokens - oovs)), rel=1e-6)
    assert ours.kenlm_ppl_including_oovs == pytest.approx(10 ** (-total / tokens), rel=1e-6)
    # SRILM leaves out the OOVs too; its ppl differs from KenLM's only in what counts as an OOV (<unk> tokens).
    assert ours.srilm.oovs == 154


def test_kenlm_query_summary_is_reproduced_exactly(reference_dir):
    folder = reference_dir / "kenlm-brown"
    result = evaluate_text(read_arpa(str(folder / "mkn3.arpa.gz")), str(folder / "test.txt"))
    summary = (f"Perplexity including OOVs:\t{kenlm_number(result.kenlm_ppl_including_oovs)}\n"
               f"Perplexity excluding OOVs:\t{kenlm_number(result.kenlm_ppl_excluding_oovs)}\n"
               f"OOVs:\t{result.kenlm_oovs}\nTokens:\t{result.kenlm_tokens}\n")
    assert summary == (folder / "mkn3.summary.txt").read_text()
    assert sum(result.hits) == result.kenlm_tokens  # every token matched some n-gram (<unk> included)


def test_kenlm_figures_count_blank_lines_as_empty_sentences(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("a b\n\nx\n")
    result = evaluate_text(hand_model(), str(path))
    # KenLM: a b </s> | </s> | x </s>, x scored as the missing <unk> (-100); SRILM skips the blank line.
    assert (result.kenlm_tokens, result.kenlm_oovs) == (6, 1)
    total = L(0.6 * 0.5 * 0.2) + L(0.5 * 0.2) + (-100 + L(0.5 * 0.2))
    assert result.kenlm_ppl_including_oovs == pytest.approx(10 ** (-total / 6), rel=1e-5)
    oov = -100 + L(0.5)  # bow(<s>) p(<unk>)
    assert result.kenlm_ppl_excluding_oovs == pytest.approx(10 ** (-(total - oov) / 5), rel=1e-5)
    assert (result.srilm.sentences, result.srilm.words, result.srilm.oovs) == (2, 3, 1)


def test_kenlm_number_is_the_shortest_round_trip_form():
    assert kenlm_number(536.2103428799343) == "536.2103428799343"
    assert kenlm_number(1e-7) == "1e-7"
    assert kenlm_number(0.0000015) == "0.0000015"
    assert kenlm_number(2.0) == "2"
    assert kenlm_number(math.inf) == "inf"
    assert kenlm_number(None) == "undefined"


def test_invalid_utf8_in_text_names_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"a b\nb \xff a\n")
    with pytest.raises(InputError) as caught:
        ppl_file(BackoffScorer(hand_model()), str(path), PplOptions(), io.StringIO())
    assert caught.value.line == 2 and re.search(r"bad\.txt:2: invalid UTF-8", str(caught.value))


def test_order_above_the_model_is_refused():
    with pytest.raises(ModelError, match="order 3"):
        BackoffScorer(hand_model(), 3)
