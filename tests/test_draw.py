"""Drawing a back-off model's graph (ngramlm.formats.dot, `ngramlm draw`)."""
from __future__ import annotations

import os
import re
import shutil

import pytest
from click.testing import CliRunner

from ngramlm.cli.main import cli
from ngramlm.core.errors import ModelError
from ngramlm.core.vocab import BOS, EOS, Vocabulary
from ngramlm.counting.corpus_count import count_sentences
from ngramlm.formats.arpa import write_arpa
from ngramlm.formats.dot import model_graph, neighbourhood, to_dot
from ngramlm.smoothing import estimate

TEXT = ["a b a b", "a b c", "b c a", "c c b a"]
_NODE = re.compile(r'^  s(\d+) \[label="([^"]*)"(, shape=doublecircle)?\];$', re.M)
_EDGE = re.compile(r'^  s(\d+) -> s(\d+) \[label="([^"]*)"(, style=dashed)?\];$', re.M)


def _model(order: int):
    counts = count_sentences([[BOS, *line.split(), EOS] for line in TEXT], order, Vocabulary())
    return estimate(counts, "witten-bell", interpolate=True, gtmin=1)


def _parse(dot: str):
    """(names by node, final nodes, word arcs {(history, word)}, back-off arcs {history: (suffix, bow label)})."""
    names, finals = {}, set()
    for node, label, final in _NODE.findall(dot):
        first = label.split("\\n")[0]
        names[node] = () if first == "ε" else tuple(first.split())
        if final:
            finals.add(names[node])
    words, backoffs = [], {}
    for source, target, label, dashed in _EDGE.findall(dot):
        if dashed:
            backoffs[names[source]] = (names[target], label)
        else:
            words.append((names[source], label.rsplit(" ", 1)[0]))
    return names, finals, words, backoffs


def _histories(model):
    """The n-grams that a longer n-gram continues, <s> and the empty history: the graph's states."""
    words = model.vocab.words
    longer = {tuple(words[w] for w in row[:-1]) for grams in model.ngrams[1:] for row in grams.tolist()}
    return longer | {(BOS,), ()}


@pytest.mark.parametrize("order", [1, 2, 3])
def test_graph_has_exactly_the_models_ngrams_and_back_off_arcs(order):
    model = _model(order)
    names, finals, word_arcs, backoffs = _parse(to_dot(model_graph(model)))
    words = model.vocab.words
    ngrams = [tuple(words[w] for w in row) for grams in model.ngrams for row in grams.tolist()]
    expected_arcs = [(g[:-1], g[-1]) for g in ngrams if g[-1] not in (BOS, EOS)]
    assert sorted(word_arcs) == sorted(expected_arcs)  # each n-gram once, from its history's state
    assert finals == {g[:-1] for g in ngrams if g[-1] == EOS}
    histories = _histories(model)
    assert set(names.values()) == histories
    # One back-off arc per history but the empty one, to its longest proper suffix that is a history, labelled
    # with its back-off weight.
    assert set(backoffs) == histories - {()}
    bows = {tuple(words[w] for w in row): bow for grams, lbows in zip(model.ngrams, model.logbow)
            for row, bow in zip(grams.tolist(), lbows.tolist())}
    for history, (suffix, label) in backoffs.items():
        expected_suffix = next(history[k:] for k in range(1, len(history) + 1) if history[k:] in histories)
        assert suffix == expected_suffix
        if len(history) == 1 or history[1:] in histories:  # no skipped suffix: the label is bow(h) itself
            assert float(label.split()[1]) == pytest.approx(10 ** bows[history], rel=2e-3)


def test_word_arc_labels_are_the_probabilities():
    model = _model(2)
    dot = to_dot(model_graph(model))
    names, _, _, _ = _parse(dot)
    for source, target, label, dashed in _EDGE.findall(dot):
        if not dashed:
            word, probability = label.rsplit(" ", 1)
            expected = 10 ** model.word_logprob(word, names[source])
            assert float(probability) == pytest.approx(expected, rel=2e-3)


def test_neighbourhood_keeps_the_arcs_around_one_history():
    graph = model_graph(_model(3))
    part = neighbourhood(graph, ("a",), depth=1)
    centre = next(s for s, n in part.names.items() if n == ("a",))
    outgoing = [a for a in graph.arcs if a.source == centre]
    incoming = [a for a in graph.arcs if a.target == centre]
    assert {id(a) for a in part.arcs} == {id(a) for a in outgoing + incoming}
    with pytest.raises(ModelError, match="not a state"):
        neighbourhood(graph, ("zz",))


@pytest.fixture
def arpa(tmp_path):
    path = tmp_path / "small.arpa"
    write_arpa(_model(2), str(path))
    return path


def test_draw_command_writes_dot_source(arpa, tmp_path):
    out = tmp_path / "g.dot"
    result = CliRunner().invoke(cli, ["draw", str(arpa), str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("digraph G {")


def test_draw_command_renders_svg(arpa, tmp_path):
    pytest.importorskip("graphviz", reason="the draw extra (graphviz) is not installed")
    if shutil.which("dot") is None:
        message = "Graphviz's dot program is not installed (apt-get install graphviz)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path / "g.svg"
    result = CliRunner().invoke(cli, ["draw", str(arpa), str(out), "--history", "a"])
    assert result.exit_code == 0, result.output
    assert "<svg" in out.read_text(encoding="utf-8")


def test_draw_command_refuses_big_graphs_in_one_line(arpa, tmp_path):
    result = CliRunner().invoke(cli, ["draw", str(arpa), str(tmp_path / "g.svg"), "--max-arcs", "3"])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "more than --max-arcs 3" in result.output and str(arpa) in result.output
    result = CliRunner().invoke(cli, ["draw", str(arpa), str(tmp_path / "g.jpg")])
    assert result.exit_code == 1 and "g.jpg" in result.output
