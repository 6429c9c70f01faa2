"""Generation from the neural models (the step interface against whole-sequence forward passes, contrastive search
against Su et al.'s formula computed directly), token-level unlikelihood training against hand computation, and
the generate command on a neural checkpoint."""
import json
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from click.testing import CliRunner  # noqa: E402

from ngramlm.cli.main import cli  # noqa: E402
from ngramlm.core.vocab import BOS_ID, Vocabulary  # noqa: E402
from ngramlm.models.neural import build_model  # noqa: E402
from ngramlm.models.neural.stepping import NeuralStepModel  # noqa: E402
from ngramlm.models.neural.unlikelihood import unlikelihood_loss  # noqa: E402
from ngramlm.use.generation import GenerationConfig, generate  # noqa: E402

pytestmark = pytest.mark.neural

VOCAB = Vocabulary([f"w{i}" for i in range(12)], closed=True)
TINY = {
    "ffnn": dict(order=3, embedding=8, hidden=12, direct=True),
    "lstm": dict(layers=2, hidden=8),
    "transformer": dict(layers=1, heads=2, width=8, dropout=0.0, memory=16, max_length=64),
}
PREFIXES = [[BOS_ID, 5, 6, 7], [BOS_ID, 9]]


def tiny(kind):
    torch.manual_seed(3)
    return build_model(kind, len(VOCAB), **TINY[kind]).eval()


def full_forward_logits(model, sequence):
    with torch.no_grad():
        return model(torch.tensor([sequence]))[0][0, -1].double()


@pytest.mark.parametrize("kind", list(TINY))
def test_greedy_steps_equal_the_arg_max_of_whole_sequence_passes(kind):
    model = tiny(kind)
    found = generate(NeuralStepModel(model, VOCAB), PREFIXES, GenerationConfig(max_new_tokens=6))
    for prefix, [g] in zip(PREFIXES, found):
        sequence, logprob = list(prefix), 0.0
        for _ in range(len(g.words) + g.finished):
            logp = torch.log_softmax(full_forward_logits(model, sequence), -1)
            word = int(logp.argmax())
            logprob += float(logp[word]) / math.log(10)
            sequence.append(word)
        assert sequence[len(prefix):len(prefix) + len(g.words)] == g.words
        assert g.logprob == pytest.approx(logprob, abs=1e-5)
        one_beam = generate(NeuralStepModel(model, VOCAB), [prefix], GenerationConfig(max_new_tokens=6, num_beams=1))
        assert one_beam[0][0].words == g.words


def test_contrastive_search_follows_su_et_al():
    model = tiny("lstm")
    alpha, k = 0.6, 3
    prefix = PREFIXES[0]
    [[found]] = generate(NeuralStepModel(model, VOCAB), [prefix], GenerationConfig(max_new_tokens=1,
                                                                                     penalty_alpha=alpha, top_k=k))
    with torch.no_grad():
        logits, hidden, _ = model.forward_with_hidden(torch.tensor([prefix]))
        probs = torch.softmax(logits[0, -1].double(), -1)
        top = torch.topk(probs, k)
        values = []
        for p, v in zip(top.values, top.indices):
            _, h, _ = model.forward_with_hidden(torch.tensor([prefix + [int(v)]]))
            similarity = torch.cosine_similarity(h[0, -1:].double(), hidden[0].double(), dim=-1).max()
            values.append(float((1 - alpha) * p - alpha * similarity))
    assert found.words == [int(top.indices[int(np.argmax(values))])]


def test_unlikelihood_loss_by_hand():
    logits = torch.tensor([[[0.0, 1.0, 2.0], [1.0, 0.0, 0.0], [0.0, 0.0, 3.0], [0.5, 0.0, 0.0]]])
    targets = torch.tensor([[1, 0, 1, 2]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 1.0]])
    p = torch.softmax(logits, -1)[0]
    # t=0: no earlier token. t=1: {1} (target 0). t=2: {1, 0} minus the target 1 = {0}. t=3: {1, 0} (target 2).
    by_hand = -(math.log(1 - p[1, 1]) + math.log(1 - p[2, 0]) + math.log(1 - p[3, 1]) + math.log(1 - p[3, 0]))
    assert float(unlikelihood_loss(logits, targets, mask)) == pytest.approx(by_hand, rel=1e-6)
    # A masked target is neither scored nor a candidate for later positions: with t=1 masked, 0 is no candidate.
    mask[0, 1] = 0.0
    by_hand = -(math.log(1 - p[3, 1]))
    assert float(unlikelihood_loss(logits, targets, mask)) == pytest.approx(by_hand, rel=1e-6)


TRAIN = "the cat sat on the mat\nthe dog sat on the log\na cat saw a dog\n"


def test_train_with_unlikelihood_then_generate_from_the_checkpoint(tmp_path):
    (tmp_path / "train.txt").write_text(TRAIN)
    model = str(tmp_path / "lm.pt")
    runner = CliRunner()
    result = runner.invoke(cli, ["neural", "train", "--model", "lstm", "--train", str(tmp_path / "train.txt"),
                                 "--valid", str(tmp_path / "train.txt"), "--out", model, "--hidden", "8",
                                 "--layers", "1", "--epochs", "1", "--unlikelihood-weight", "0.5", "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["generate", model, "--prefix", "the cat", "--num-beams", "2", "-n", "2",
                                 "--max-new-tokens", "5", "--output-format", "jsonl", "--no-stats"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 2 and all(line["prefix"] == "the cat" and line["logprob"] < 0 for line in lines)
    result = runner.invoke(cli, ["generate", model, "--penalty-alpha", "0.6", "--top-k", "3", "--no-stats",
                                 "--max-new-tokens", "4"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["neural", "train", "--model", "lstm", "--train", str(tmp_path / "train.txt"),
                                 "--valid", str(tmp_path / "train.txt"), "--out", model,
                                 "--unlikelihood-weight", "-1"])
    assert result.exit_code == 1 and "unlikelihood weight" in result.output


@pytest.mark.parametrize("positional", ["sinusoidal", "learned"])
def test_transformer_key_value_cache_gives_the_full_passes_distributions(positional):
    """Each step of the cached Transformer against a whole forward pass over the window the model's semantics
    name: the whole prefix at the start, then the last memory + 1 tokens (memory 4 here, so the window slides)."""
    torch.manual_seed(5)
    memory = 4
    model = build_model("transformer", len(VOCAB), layers=2, heads=2, width=8, dropout=0.1, positional=positional,
                        memory=memory, max_length=16)
    stepper = NeuralStepModel(model, VOCAB)
    prefixes = [[BOS_ID], [BOS_ID, 5, 6], [BOS_ID, 9, 2, 3, 4, 8, 7]]
    rng = np.random.default_rng(0)
    sequences = [list(p) for p in prefixes]
    states, logits, _ = stepper.start(prefixes)
    for step in range(9):
        for sequence, row in zip(sequences, logits):
            window = sequence if step == 0 else sequence[-(memory + 1):]
            expected = torch.log_softmax(full_forward_logits(model, window), -1).numpy()
            np.testing.assert_allclose(torch.log_softmax(torch.tensor(row), -1).numpy(), expected, atol=1e-5)
        words = rng.integers(2, len(VOCAB), size=len(sequences))
        for sequence, word in zip(sequences, words):
            sequence.append(int(word))
        states, logits, _ = stepper.advance(states, words)


def test_greedy_and_beam_search_give_the_same_tokens_with_and_without_the_cache():
    model = tiny("transformer")
    for config in (GenerationConfig(max_new_tokens=24), GenerationConfig(max_new_tokens=24, num_beams=3)):
        cached = generate(NeuralStepModel(model, VOCAB), PREFIXES, config)
        recomputed = generate(NeuralStepModel(model, VOCAB, use_cache=False), PREFIXES, config)
        for a, b in zip(cached, recomputed):
            assert [g.words for g in a] == [g.words for g in b]
            assert [g.logprob for g in a] == pytest.approx([g.logprob for g in b], abs=1e-5)
