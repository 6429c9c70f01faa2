"""The neural baselines: shapes, causality, normalisation, SRILM's token counting, checkpoints, devices, CLI.

Every model here is tiny, so the whole file runs in seconds on a CPU.
"""
import math
import re
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from click.testing import CliRunner  # noqa: E402

from ngramlm.cli.main import cli  # noqa: E402
from ngramlm.corpora.reader import TextOptions  # noqa: E402
from ngramlm.core.errors import ModelError, NgramlmError  # noqa: E402
from ngramlm.models.neural import (  # noqa: E402
    Trainer, build_model, count_parameters, encode_file, evaluate, load_checkpoint, resolve_device,
    target_logprobs, vocabulary_from_file,
)
from ngramlm.models.neural.training import TrainConfig  # noqa: E402
from ngramlm.core.vocab import BOS_ID, EOS_ID  # noqa: E402

pytestmark = pytest.mark.neural

TRAIN = """the cat sat on the mat
the dog sat on the log
a cat saw a dog
the dog saw the cat on the mat
a bird sat on a log
"""
# "fish", "in" and "pond" are not in the training text: they are scored as <unk>.
TEST = """the cat saw a fish
a dog sat in the pond
the bird sat
"""

TINY = {
    "ffnn": dict(order=3, embedding=8, hidden=12, direct=True),
    "lstm": dict(layers=2, hidden=8, dropout=0.0),
    "transformer": dict(layers=2, heads=2, width=8, dropout=0.0, memory=16, max_length=64),
}


@pytest.fixture()
def corpus(tmp_path):
    (tmp_path / "train.txt").write_text(TRAIN)
    (tmp_path / "valid.txt").write_text(TRAIN.splitlines()[3] + "\n")
    (tmp_path / "test.txt").write_text(TEST)
    return tmp_path


@pytest.fixture()
def texts(corpus):
    vocab = vocabulary_from_file(str(corpus / "train.txt"))
    return vocab, encode_file(str(corpus / "train.txt"), vocab), encode_file(str(corpus / "test.txt"), vocab)


def tiny_model(kind, vocab_size, seed=0):
    torch.manual_seed(seed)
    return build_model(kind, vocab_size, **TINY[kind]).eval()


def test_import_ngramlm_does_not_import_torch():
    code = "import sys, ngramlm, ngramlm.cli.main, ngramlm.apps.compare; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_torch_is_reported_with_the_install_command():
    code = ("import sys; sys.modules['torch'] = None\n"
            "from ngramlm.core.errors import NgramlmError\n"
            "try:\n    import ngramlm.models.neural\nexcept NgramlmError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert 'pip install "ngramlm[neural]"' in out


@pytest.mark.parametrize("kind", sorted(TINY))
def test_logits_have_one_row_per_position_and_vocabulary_word(kind):
    model = tiny_model(kind, 20)
    inputs = torch.randint(3, 20, (4, 7))
    logits, state = model(inputs, None)
    assert logits.shape == (4, 7, 20)
    logits2, _ = model(torch.randint(3, 20, (4, 5)), state)
    assert logits2.shape == (4, 5, 20)


@pytest.mark.parametrize("kind", sorted(TINY))
def test_every_distribution_sums_to_one_and_never_predicts_sentence_start(kind):
    model = tiny_model(kind, 20)
    probs = torch.softmax(model(torch.randint(0, 20, (3, 9)), None)[0].double(), dim=-1)
    assert torch.allclose(probs.sum(-1), torch.ones(3, 9, dtype=torch.float64), atol=1e-6)
    assert torch.all(probs[..., BOS_ID] == 0)


@pytest.mark.parametrize("kind", sorted(TINY))
def test_changing_a_later_token_leaves_earlier_predictions_unchanged(kind):
    model = tiny_model(kind, 20)
    inputs = torch.randint(3, 20, (2, 10))
    changed = inputs.clone()
    changed[:, 6] = (changed[:, 6] + 1 - 3) % 17 + 3
    before, after = model(inputs, None)[0], model(changed, None)[0]
    assert torch.equal(before[:, :6], after[:, :6])
    assert not torch.allclose(before[:, 6:], after[:, 6:])


@pytest.mark.parametrize("kind", sorted(TINY))
def test_feeding_in_chunks_with_carried_state_equals_one_pass(kind):
    model = tiny_model(kind, 20)
    inputs = torch.randint(3, 20, (2, 12))
    whole = model(inputs, None)[0]
    first, state = model(inputs[:, :5], None)
    second, _ = model(inputs[:, 5:], state)
    assert torch.allclose(whole, torch.cat([first, second], dim=1), atol=1e-5)


def test_feedforward_parameter_count_matches_bengio_architecture():
    # Bengio et al. (2003): C is |V| x m; H (n-1)m x h with d; U h x |V| with b; W (n-1)m x |V| (direct).
    v, n, m, h = 50, 4, 6, 10
    model = build_model("ffnn", v, order=n, embedding=m, hidden=h, direct=True)
    assert count_parameters(model) == v * m + ((n - 1) * m * h + h) + (h * v + v) + (n - 1) * m * v
    assert count_parameters(build_model("ffnn", v, order=n, embedding=m, hidden=h)) == \
        v * m + ((n - 1) * m * h + h) + (h * v + v)


def test_feedforward_input_dropout_acts_on_the_context_embeddings_in_training_only():
    torch.manual_seed(0)
    model = build_model("ffnn", 20, order=3, embedding=4, hidden=6, input_dropout=1.0)
    a, b = torch.tensor([[3, 4, 5]]), torch.tensor([[7, 8, 9]])
    # Every embedding dropped: the prediction no longer depends on the context at all.
    model.train()
    assert torch.allclose(model(a)[0][:, -1], model(b)[0][:, -1])
    # Evaluation keeps every embedding, so the contexts are told apart again.
    model.eval()
    assert not torch.allclose(model(a)[0][:, -1], model(b)[0][:, -1])


def test_tied_lstm_shares_the_embedding_with_the_output_layer():
    untied = count_parameters(build_model("lstm", 30, layers=1, hidden=8))
    tied = count_parameters(build_model("lstm", 30, layers=1, hidden=8, tied=True))
    assert untied - tied == 30 * 8
    with pytest.raises(ModelError, match="embedding width == hidden"):
        build_model("lstm", 30, hidden=8, embedding=4, tied=True)


def test_unknown_hyperparameter_is_a_clear_error():
    with pytest.raises(ModelError, match="no hyperparameter heads"):
        build_model("lstm", 10, heads=2)


def naive_sentence_logprobs(model, sentences):
    """log10 p of every word and </s>, each sentence scored alone from <s>, one prefix at a time."""
    scores = []
    with torch.no_grad():
        for ids in sentences:
            for t in range(1, len(ids)):
                logits = model(torch.tensor(ids[:t]).unsqueeze(0), None)[0][0, -1]
                scores.append(torch.log_softmax(logits.double(), -1)[ids[t]].item() / math.log(10))
    return np.array(scores)


@pytest.mark.parametrize("kind", sorted(TINY))
def test_sentence_mode_scores_each_sentence_from_its_start(kind, texts):
    vocab, _, test = texts
    model = tiny_model(kind, len(vocab))
    expected = naive_sentence_logprobs(model, [s.tolist() for s in test.sentences])
    got = target_logprobs(model, test, "sentence", batch_size=2, chunk=3)
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("kind", ["lstm", "transformer"])
def test_stream_mode_carries_context_across_sentences(kind, texts):
    vocab, _, test = texts
    model = tiny_model(kind, len(vocab))
    stream = np.concatenate(test.sentences).tolist()
    expected = naive_sentence_logprobs(model, [stream])
    expected = expected[np.array(stream[1:]) != BOS_ID]      # <s> is never predicted
    np.testing.assert_allclose(target_logprobs(model, test, "stream", chunk=4), expected, atol=1e-5)
    sentence_mode = target_logprobs(model, test, "sentence")
    first = len(test.sentences[0]) - 1
    np.testing.assert_allclose(sentence_mode[:first], expected[:first], atol=1e-5)
    assert not np.allclose(sentence_mode[first:], expected[first:])


def test_perplexity_counts_words_and_sentence_ends_as_srilm_does(texts):
    vocab, _, test = texts
    # Counted by hand from TEST: 14 words in 3 sentences; "fish", "in" and "pond" are not in TRAIN.
    assert (test.words, test.num_sentences, test.unknown) == (14, 3, 3)
    model = tiny_model("lstm", len(vocab))
    result = evaluate(model, test, "sentence")
    scores = naive_sentence_logprobs(model, [s.tolist() for s in test.sentences])
    ends = np.concatenate([s[1:] == EOS_ID for s in test.sentences])
    assert len(scores) == 14 + 3
    assert result.ppl == pytest.approx(10 ** (-scores.sum() / 17), rel=1e-5)
    assert result.ppl1 == pytest.approx(10 ** (-scores[~ends].sum() / 14), rel=1e-5)


def tiny_trainer(vocab, kind="lstm", **config):
    torch.manual_seed(3)
    model = build_model(kind, len(vocab), **dict(TINY[kind], dropout=0.3))  # dropout: the RNG state matters
    settings = {**dict(context="sentence", epochs=2, batch_size=2, bptt=4, optimizer="adam", lr=0.01,
                       early_stop=5, log_every=0), **config}
    return Trainer(model, TrainConfig(**settings), vocab, TextOptions(), torch.device("cpu"), quiet=True)


@pytest.mark.parametrize("kind,context", [("lstm", "sentence"), ("transformer", "stream"), ("ffnn", "sentence")])
def test_resumed_training_continues_exactly_as_unbroken_training(kind, context, texts, tmp_path):
    vocab, train, _ = texts
    unbroken = tiny_trainer(vocab, kind, context=context)
    unbroken.train(train, train)
    path = str(tmp_path / "model.pt")
    interrupted = tiny_trainer(vocab, kind, context=context, epochs=1)
    interrupted.train(train, train, path)
    torch.manual_seed(12345)  # whatever happens to the RNG in between must not matter
    resumed = Trainer.resume(path, torch.device("cpu"), quiet=True, epochs=2)
    assert resumed.epoch == 1
    resumed.train(train, train, path)
    for (name, a), b in zip(unbroken.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), name
    assert [h["valid_ppl"] for h in unbroken.history] == [h["valid_ppl"] for h in resumed.history]


def test_learning_rate_decays_on_plateau_and_training_stops_early(texts):
    vocab, _, _ = texts
    trainer = tiny_trainer(vocab, lr=1.0, lr_decay=0.5, early_stop=2, epochs=10)
    for valid_ppl, lr_after in [(100.0, 1.0), (90.0, 1.0), (95.0, 0.5), (80.0, 0.5)]:
        trainer._end_epoch(50.0, valid_ppl, 10, 1.0)
        assert trainer.lr == lr_after
    assert trainer.best_valid == 80.0 and not trainer.finished
    trainer._end_epoch(50.0, 81.0, 10, 1.0)
    trainer._end_epoch(50.0, 82.0, 10, 1.0)
    assert trainer.finished and trainer.lr == 0.125


def test_training_lowers_validation_perplexity(texts):
    vocab, train, _ = texts
    trainer = tiny_trainer(vocab, epochs=8, lr=0.05)
    before = evaluate(trainer.model, train, "sentence").ppl
    trainer.train(train, train)
    assert trainer.best_valid < 0.7 * before


def test_auto_device_is_cpu_without_a_gpu_and_missing_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        assert resolve_device("auto").type == "cuda"
        return
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(NgramlmError, match="sees none"):
        resolve_device("cuda")
    with pytest.raises(NgramlmError, match="unknown device"):
        resolve_device("tpu9")


def test_cli_trains_resumes_and_reports_perplexity_like_ngram_ppl(corpus):
    runner = CliRunner()
    model = str(corpus / "m.pt")
    common = ["neural", "train", "--model", "lstm", "--train", str(corpus / "train.txt"), "--valid",
              str(corpus / "valid.txt"), "--out", model, "-q"]
    result = runner.invoke(cli, common + ["--hidden", "8", "--layers", "1", "--epochs", "1", "--context", "sentence"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, common + ["--resume", "--epochs", "2"])
    assert result.exit_code == 0, result.output
    assert load_checkpoint(model).training["epoch"] == 2
    result = runner.invoke(cli, ["neural", "eval", "--model", model, "--text", str(corpus / "test.txt")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"file {corpus / 'test.txt'}: 3 sentences, 14 words, 0 OOVs"
    assert re.fullmatch(r"0 zeroprobs, logprob= -[\d.]+ ppl= [\d.]+ ppl1= [\d.]+", lines[1])
    result = runner.invoke(cli, ["neural", "eval", "--model", str(corpus / "train.txt"), "--text", "x"])
    assert result.exit_code == 1 and "not a readable ngramlm neural checkpoint" in result.output
    (corpus / "empty.txt").write_text("\n")
    result = runner.invoke(cli, ["neural", "eval", "--model", model, "--text", str(corpus / "empty.txt")])
    assert result.exit_code == 1 and "empty.txt: no sentences" in result.output
