"""`import ngramlm as kenlm`: the kenlm module's API at ngramlm's top level, checked against the kenlm module itself
(names, numbers, defaults, behaviour on the same files)."""
from __future__ import annotations

import pickle
import sys
from pathlib import Path

import pytest

import ngramlm

sys.path.insert(0, str(Path(__file__).parent))
from kenlm_expectations import check_all, check_nounk  # noqa: E402

kenlm = pytest.importorskip("kenlm")

DATA = Path(__file__).parent / "data" / "kenlm"


def test_every_public_name_of_kenlm_is_at_the_top_level():
    names = [n for n in dir(kenlm) if not n.startswith("_") and n != "os"]
    assert names and all(hasattr(ngramlm, n) for n in names), names


@pytest.mark.parametrize("enum_name", ["LoadMethod", "ARPALoadComplain"])
def test_enumerations_have_kenlms_names_and_numbers(enum_name):
    theirs, ours = getattr(kenlm, enum_name), getattr(ngramlm, enum_name)
    names = [n for n in dir(theirs) if n.isupper()]
    assert names
    for name in names:
        assert int(getattr(ours, name)) == getattr(theirs, name), name


def test_config_defaults_and_setters_are_kenlms():
    ours, theirs = ngramlm.Config(), kenlm.Config()
    for attribute in ("load_method", "show_progress", "arpa_complain"):
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
    ours.load_method = kenlm.LoadMethod.LAZY  # kenlm's plain ints are accepted
    assert ours.load_method == ngramlm.LoadMethod.LAZY
    with pytest.raises(ValueError):
        ours.load_method = 17


@pytest.mark.parametrize("path", ["test.arpa", "test.probing"])
def test_model_with_a_config_and_language_model_pass_kenlms_model_test(path):
    config = ngramlm.Config()
    config.load_method = ngramlm.LoadMethod.READ
    config.arpa_complain = ngramlm.ARPALoadComplain.NONE
    for cls in (ngramlm.Model, ngramlm.LanguageModel):
        model = cls(str(DATA / path), config)
        assert check_all(model, ngramlm.State) == []
    nounk = ngramlm.Model(str(DATA / path.replace("test", "test_nounk")), config)
    assert check_nounk(nounk, ngramlm.State) == []


def test_arpa_complain_all_says_what_kenlm_says(capsys):
    config = ngramlm.Config()
    ngramlm.Model(str(DATA / "test.arpa"), config)
    assert "Loading the LM will be faster if you build a binary file." in capsys.readouterr().err
    config.arpa_complain = ngramlm.ARPALoadComplain.NONE
    ngramlm.Model(str(DATA / "test.arpa"), config)
    ngramlm.Model(str(DATA / "test.arpa"))  # no Config: ngramlm's own default is silence
    assert capsys.readouterr().err == ""


def test_full_score_return_and_state_behave_as_kenlms():
    ours, theirs = ngramlm.Model(str(DATA / "test.probing")), kenlm.Model(str(DATA / "test.probing"))
    a, b, c, d = ngramlm.State(), ngramlm.State(), kenlm.State(), kenlm.State()
    ours.BeginSentenceWrite(a)
    theirs.BeginSentenceWrite(c)
    for word in ["looking", "on", "a", "not_a_word", "little"]:
        x, y = ours.BaseFullScore(a, word, b), theirs.BaseFullScore(c, word, d)
        assert isinstance(x, ngramlm.FullScoreReturn)
        assert (x.log_prob, x.ngram_length, x.oov) == pytest.approx((y.log_prob, y.ngram_length, y.oov), rel=1e-6)
        assert ours.BaseScore(a, word, b) == pytest.approx(theirs.BaseScore(c, word, d), rel=1e-6)
        a, b, c, d = b, a, d, c
    # States of the same history compare equal, as kenlm's do.
    s, t, u = ngramlm.State(), ngramlm.State(), ngramlm.State()
    ours.NullContextWrite(s)
    ours.BaseScore(s, "a", t)
    ours.BaseScore(s, "a", u)
    assert t == u and hash(t) == hash(u)
    assert ours.score("a little", bos=False, eos=False) == pytest.approx(
        theirs.score("a little", bos=False, eos=False), rel=1e-6)


def test_kenlm_file_model_pickles_and_reports_its_path():
    model = ngramlm.Model(str(DATA / "test.probing"))
    again = pickle.loads(pickle.dumps(model))
    assert again.score("a little") == model.score("a little")
    assert model.path == kenlm.Model(str(DATA / "test.probing")).path
