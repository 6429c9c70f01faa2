"""`ngramlm compare`: model specifications, the word-level mixture, and a tiny end-to-end run checked against
kenlm and against hand-counted tokens."""
import csv

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from click.testing import CliRunner  # noqa: E402

from ngramlm.cli.main import cli  # noqa: E402
from ngramlm.apps.compare import (  # noqa: E402
    Comparer, mixture_logprobs, parse_neural_spec, parse_ngram_spec, run_comparison, tune_mixture_weight, work_name,
)
from ngramlm.core.errors import NgramlmError  # noqa: E402

pytestmark = pytest.mark.neural

TRAIN = """the cat sat on the mat
the dog sat on the log
a cat saw a dog
the dog saw the cat on the mat
a bird sat on a log
the cat sat on a log
"""
VALID = "the dog sat on the mat\na cat sat\n"
# 14 words in 3 sentences; "big", "ran" (twice) and "fast" are not in TRAIN: 4 OOVs.
TEST = "the big cat ran\na dog sat on the log\nthe cat ran fast\n"


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "train.txt").write_text(TRAIN)
    (folder / "valid.txt").write_text(VALID)
    (folder / "test.txt").write_text(TEST)
    return folder


def test_ngram_specs_name_method_order_and_interpolation():
    kn = parse_ngram_spec("kn:3")
    assert (kn.method, kn.order, kn.interpolate, kn.params) == ("kneser-ney", 3, True, {"gtmin": 1})
    backoff = parse_ngram_spec("mkn:5:backoff")
    assert (backoff.method, backoff.order, backoff.interpolate) == ("modified-kneser-ney", 5, False)
    assert parse_ngram_spec("gt:3").interpolate is False
    assert parse_ngram_spec("add:2:delta=0.5").params == {"gtmin": 1, "delta": 0.5}
    for bad in ("kn", "foo:3", "kn:x", "kn:3:sideways"):
        with pytest.raises(NgramlmError):
            parse_ngram_spec(bad)


def test_neural_specs_carry_typed_settings():
    spec = parse_neural_spec("lstm:layers=2,hidden=200,dropout=0.5,tied=true,optimizer=adam")
    assert spec.kind == "lstm"
    assert spec.settings == {"layers": 2, "hidden": 200, "dropout": 0.5, "tied": True, "optimizer": "adam"}
    with pytest.raises(NgramlmError):
        parse_neural_spec("rnn:hidden=3")
    assert work_name("lstm:layers=2,hidden=200", 0.3) == "lstm_layers=2_hidden=200@0.3"
    # how long to train is not part of the name: a longer run resumes the same checkpoint
    assert work_name("lstm:layers=2,epochs=13,max_minutes=75", 1) == work_name("lstm:layers=2,epochs=20", 1)
    assert work_name("ffnn:epochs=3", 1) == "ffnn@1"


def test_mixture_is_the_weighted_sum_of_probabilities():
    first, second = np.log10([0.5, 0.1]), np.log10([0.25, 0.3])
    got = mixture_logprobs(first, second, 0.2)
    np.testing.assert_allclose(10 ** got, [0.2 * 0.5 + 0.8 * 0.25, 0.2 * 0.1 + 0.8 * 0.3])
    np.testing.assert_allclose(mixture_logprobs(first, second, 1.0), first)
    np.testing.assert_allclose(mixture_logprobs(first, second, 0.0), second)


def test_tuned_weight_maximises_validation_likelihood():
    rng = np.random.default_rng(0)
    first, second = np.log10(rng.uniform(0.01, 1, 200)), np.log10(rng.uniform(0.01, 1, 200))
    grid = np.linspace(0.001, 0.999, 999)
    best = grid[np.argmax([mixture_logprobs(first, second, w).sum() for w in grid])]
    assert tune_mixture_weight(first, second) == pytest.approx(best, abs=2e-3)


def kenlm_ppl(arpa_path, text):
    """Perplexity by kenlm over words and </s>, OOVs scored as <unk>: `ngram -ppl -unk`'s figure."""
    import kenlm

    model = kenlm.Model(str(arpa_path))
    lines = [line for line in text.splitlines() if line.split()]
    total = sum(model.score(line, bos=True, eos=True) for line in lines)
    return 10 ** (-total / (sum(len(line.split()) for line in lines) + len(lines)))


def test_tiny_comparison_counts_the_same_tokens_for_every_model(corpus, tmp_path):
    pytest.importorskip("kenlm")
    out = tmp_path / "out"
    comparison = run_comparison(str(corpus), str(out), ["kn:2", "wb:3"],
                                ["ffnn:order=3,embedding=8,hidden=8,epochs=3,lr=0.01,batch_size=4,bptt=8"],
                                fractions=[0.5], quiet=True, plot=False)
    rows = {(r.model, r.fraction): r for r in comparison.results}
    assert len(rows) == 2 * 3 + 1
    kn = rows[("kn:2", 1.0)]
    assert kn.test_ppl == pytest.approx(kenlm_ppl(out / "work" / "kn_2@1.arpa", TEST), rel=1e-6)
    assert kn.oov_rate == pytest.approx(4 / 14)
    # Training tokens (words + </s>), counted by hand: 37 + 6 in TRAIN, 17 + 3 in its first half.
    for r in comparison.results:
        assert r.train_tokens == (37 + 6 if r.fraction == 1.0 else 17 + 3)
    mixture = next(r for r in comparison.results if r.family == "mixture")
    best = min((rows[("kn:2", 1.0)], rows[("wb:3", 1.0)]), key=lambda r: r.valid_ppl)
    assert mixture.model.startswith(best.model + " + ffnn")
    neural = next(r for r in comparison.table() if r.family == "neural")
    assert mixture.valid_ppl <= min(best.valid_ppl, neural.valid_ppl) + 1e-9
    with open(out / "results.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == len(comparison.results)
    table = (out / "results.md").read_text()
    assert table.count("\n| ") == 1 + len(comparison.table())


@pytest.mark.parametrize("context", ["sentence", "stream"])
def test_ngram_and_neural_models_score_the_same_tokens(corpus, tmp_path, context):
    comparer = Comparer(str(corpus), str(tmp_path / "out"), context=context, quiet=True)
    ngram = comparer.ngram(parse_ngram_spec("kn:2"), 1.0)
    neural = comparer.neural(parse_neural_spec("lstm:hidden=4,layers=1,epochs=1"), 1.0)
    # TEST by hand: 14 words + 3 </s>; valid: 9 words + 2 </s>.
    assert len(ngram.test_logprobs) == len(neural.test_logprobs) == 14 + 3
    assert len(ngram.valid_logprobs) == len(neural.valid_logprobs) == 9 + 2
    # Both give </s> a probability at the same positions (the ends of the sentences of TEST).
    ends = np.cumsum([len(line.split()) + 1 for line in TEST.splitlines()]) - 1
    assert np.all(np.isfinite(neural.test_logprobs[ends])) and np.all(np.isfinite(ngram.test_logprobs[ends]))


def test_neural_checkpoints_are_reused_by_the_next_run(corpus, tmp_path):
    out = tmp_path / "out"
    spec = "lstm:hidden=4,layers=1,epochs=1,batch_size=2,bptt=4"
    first = run_comparison(str(corpus), str(out), [], [spec], quiet=True, plot=False)
    again = run_comparison(str(corpus), str(out), [], [spec], quiet=True, plot=False, reuse_only=True)
    assert again.results[0].test_ppl == first.results[0].test_ppl
    assert again.results[0].train_seconds == first.results[0].train_seconds
    with pytest.raises(NgramlmError, match="no such checkpoint"):
        run_comparison(str(corpus), str(out), [], ["lstm:hidden=5"], quiet=True, plot=False, reuse_only=True)


def test_cli_writes_table_csv_and_plot(corpus, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    config = tmp_path / "models.txt"
    config.write_text("# a comment\nngram kn:2\nneural ffnn:order=2,hidden=4,embedding=4,epochs=1\n")
    result = CliRunner().invoke(cli, ["compare", str(corpus), "--config", str(config), "--out", str(out),
                                      "--fractions", "0.5", "--context", "sentence", "-q"])
    assert result.exit_code == 0, result.output
    assert "| kn:2 + ffnn:order=2,hidden=4,embedding=4,epochs=1 | mixture | sentence |" in result.output
    assert (out / "learning_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = CliRunner().invoke(cli, ["compare", str(corpus), "--out", str(out), "--ngram", "zz:2"])
    assert result.exit_code == 1 and "METHOD:ORDER" in result.output


def test_a_larger_training_budget_resumes_the_same_checkpoint(corpus, tmp_path):
    from ngramlm.models.neural import Trainer

    out = tmp_path / "out"
    spec = "lstm:hidden=4,layers=1,batch_size=2,bptt=4"
    checkpoint = out / "work" / (work_name(spec, 1.0) + ".pt")
    # A time limit stops training after the first epoch that passes it...
    run_comparison(str(corpus), str(out), [], [spec + ",epochs=3,max_minutes=0.00001"], quiet=True, plot=False)
    assert Trainer.resume(str(checkpoint), torch.device("cpu")).epoch == 1
    # ...and the same model asked for again without one trains on from there, up to its epochs.
    run_comparison(str(corpus), str(out), [], [spec + ",epochs=3"], quiet=True, plot=False)
    assert Trainer.resume(str(checkpoint), torch.device("cpu")).epoch == 3
