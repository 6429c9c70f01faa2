"""Estimation agrees with SRILM 1.7.3: every ARPA that ngram-count made in ../shared/reference/srilm-brown-10k
(commands.sh there) is reproduced from the same text: the same n-grams, every log10 probability and back-off
weight within 1e-4 (in practice the values agree to SRILM's printed precision)."""
from __future__ import annotations

import gzip
import warnings

import numpy as np
import pytest
from click.testing import CliRunner

from ngramlm.formats.arpa import read_arpa, write_arpa
from ngramlm.counting.corpus_count import count_files
from ngramlm.counting.counts import NgramCounts
from ngramlm.smoothing import estimate
from ngramlm.core.vocab import Vocabulary
from reference_backoff import logprob_ids

TOLERANCE = 1e-4
NO_CUTOFFS_3 = {3: 1}
NO_CUTOFFS_5 = {3: 1, 4: 1, 5: 1}

# ARPA name -> (order, estimate() arguments), transcribing the ngram-count command of commands.sh.
REFERENCES = {
    "add3": (3, dict(method="additive", delta=0.1, gtmin=NO_CUTOFFS_3)),
    "cd3-backoff": (3, dict(method="absolute", discount=0.75, gtmin=NO_CUTOFFS_3)),
    "cd3-interp": (3, dict(method="absolute", discount=0.75, interpolate=True, gtmin=NO_CUTOFFS_3)),
    "gt3": (3, dict(method="good-turing", gtmin=NO_CUTOFFS_3)),
    "gt3-default": (3, dict(method="good-turing")),
    "kn3-backoff": (3, dict(method="modified-kneser-ney", gtmin=NO_CUTOFFS_3)),
    "kn3-interp": (3, dict(method="modified-kneser-ney", interpolate=True, gtmin=NO_CUTOFFS_3)),
    "kn3-closed": (3, dict(method="modified-kneser-ney", interpolate=True, gtmin=NO_CUTOFFS_3, unk=False)),
    "kn5-interp": (5, dict(method="modified-kneser-ney", interpolate=True, gtmin=NO_CUTOFFS_5)),
    "kn5-interp-default": (5, dict(method="modified-kneser-ney", interpolate=True)),
    "ukn3-backoff": (3, dict(method="kneser-ney", gtmin=NO_CUTOFFS_3)),
    "ukn3-interp": (3, dict(method="kneser-ney", interpolate=True, gtmin=NO_CUTOFFS_3)),
    "wb3-backoff": (3, dict(method="witten-bell", gtmin=NO_CUTOFFS_3)),
    "wb3-interp": (3, dict(method="witten-bell", interpolate=True, gtmin=NO_CUTOFFS_3)),
}


@pytest.fixture(scope="module")
def brown(reference_dir):
    return reference_dir / "srilm-brown-10k"


@pytest.fixture(scope="module")
def counts5(brown) -> NgramCounts:
    return count_files([str(brown / "train.txt")], 5, Vocabulary())


def _truncate(counts: NgramCounts, order: int) -> NgramCounts:
    return NgramCounts(counts.vocab, counts.ngrams[:order], counts.counts[:order])


def assert_same_model(model, reference, tolerance=TOLERANCE):
    """Same n-grams in every order; log10 probabilities and bows within `tolerance`."""
    assert model.sizes() == reference.sizes()
    for k in range(model.order):
        np.testing.assert_array_equal(model.ngrams[k], reference.ngrams[k], err_msg=f"{k + 1}-grams differ")
        np.testing.assert_allclose(model.logprob[k], reference.logprob[k], rtol=0, atol=tolerance,
                                   err_msg=f"{k + 1}-gram log10 probabilities")
        np.testing.assert_allclose(model.logbow[k], reference.logbow[k], rtol=0, atol=tolerance,
                                   err_msg=f"{k + 1}-gram log10 back-off weights")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_estimate_matches_srilm_ngram_count(name, brown, counts5):
    order, arguments = REFERENCES[name]
    arguments = {"unk": True, **arguments}
    counts = _truncate(counts5, order)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gt3's unigram coefficient is out of range, as SRILM also reports
        model = estimate(counts, **arguments)
    reference = read_arpa(str(brown / f"{name}.arpa.gz"), vocab=counts.vocab)
    assert_same_model(model, reference)


@pytest.mark.slow
def test_written_arpa_is_srilms_file_line_for_line(brown, counts5, tmp_path):
    """Single-precision storage as in SRILM makes even the printed digits agree."""
    model = estimate(_truncate(counts5, 3), "modified-kneser-ney", interpolate=True, unk=True, gtmin={3: 1})
    write_arpa(model, str(tmp_path / "kn3.arpa"))
    with gzip.open(brown / "kn3-interp.arpa.gz", "rt", encoding="utf-8") as f:
        expected = f.read().splitlines()
    assert (tmp_path / "kn3.arpa").read_text(encoding="utf-8").splitlines() == expected


def _ngram_count_arguments(brown, name: str, out) -> list[str]:
    """The arguments of the ngram-count line of commands.sh that made NAME.arpa, with our paths."""
    for line in (brown / "commands.sh").read_text().splitlines():
        words = line.split()
        if words[:1] == ["ngram-count"] and f"{name}.arpa" in words:
            args = [w for w in words[1:] if w != "2>/dev/null"]
            args[args.index("train.txt")] = str(brown / "train.txt")
            args[args.index(f"{name}.arpa")] = str(out)
            return args
    raise AssertionError(f"no ngram-count command for {name} in commands.sh")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["kn3-interp", "gt3-default", "cd3-interp", "add3"])
def test_ngram_count_command_line_matches_srilm(name, brown, tmp_path):
    from ngramlm.cli.ngram_count import main

    out = tmp_path / "out.arpa"
    result = CliRunner().invoke(main, [*_ngram_count_arguments(brown, name, out), "-q"])
    assert result.exit_code == 0, result.output
    model = read_arpa(str(out))
    assert_same_model(model, read_arpa(str(brown / f"{name}.arpa.gz"), vocab=model.vocab))


# ../shared/reference/srilm-ptb: SRILM's test-set log10 probabilities (ngram -ppl, -unk) for models it estimated
# from ../shared/corpora/ptb/train.txt with these flags (commands.sh there).
PTB_REFERENCES = {
    "gt3-default": (dict(method="good-turing"), -182837.3),
    "kn3-interp": (dict(method="modified-kneser-ney", interpolate=True, gtmin={3: 1}), -178962.7),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PTB_REFERENCES))
def test_penn_treebank_test_logprob_is_srilms(name, shared_corpora):
    from ngramlm.corpora.reader import read_sentences

    arguments, srilm_logprob = PTB_REFERENCES[name]
    counts = count_files([str(shared_corpora / "ptb" / "train.txt")], 3, Vocabulary())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = estimate(counts, unk=True, **arguments)
    total = 0.0
    for sentence in read_sentences(str(shared_corpora / "ptb" / "test.txt")):
        ids = [model.vocab.id(w) for w in sentence]
        total += sum(logprob_ids(model, ids[i], ids[max(0, i - 2):i])[0] for i in range(1, len(ids)))
    # SRILM prints the total with one decimal.
    assert total == pytest.approx(srilm_logprob, abs=0.06)
