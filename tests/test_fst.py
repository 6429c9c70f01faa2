"""G.fst in arpa2fst's conventions: the path that accepts a sentence (back-off arcs only where the word has no
arc) costs -ln p(sentence) as kenlm scores it; OpenFst (through pynini, where installed) compiles the text."""
import math

import pytest
from click.testing import CliRunner

from ngramlm.core.model import BackoffModel
from ngramlm.cli.main import cli
from ngramlm.formats.fst import write_fst_files
from ngramlm.core.vocab import Vocabulary
from reference_backoff import logprob_ids

kenlm = pytest.importorskip("kenlm")


class TextFst:
    """A reader of the OpenFst text format written for G, walking sentences as a back-off decoder does."""

    def __init__(self, fst_path, backoff_label="#0"):
        self.arcs, self.backoff, self.final = {}, {}, {}
        self.start = None
        with open(fst_path, encoding="utf-8") as f:
            for line in f:
                fields = line.split()
                if len(fields) == 2:
                    self.final[int(fields[0])] = float(fields[1])
                    continue
                source, target, ilabel, olabel, cost = fields
                assert ilabel == olabel  # an acceptor
                self.start = int(source) if self.start is None else self.start
                key = (int(source), ilabel)
                assert key not in self.arcs and not (ilabel == backoff_label and int(source) in self.backoff)
                if ilabel == backoff_label:
                    self.backoff[int(source)] = (int(target), float(cost))
                else:
                    self.arcs[key] = (int(target), float(cost))

    def path_cost(self, words):
        state, total = self.start, 0.0
        for word in words:
            while (state, word) not in self.arcs:
                state, cost = self.backoff[state]
                total += cost
            state, cost = self.arcs[(state, word)]
            total += cost
        while state not in self.final:
            state, cost = self.backoff[state]
            total += cost
        return total + self.final[state]


def hand_model():
    entries = {
        ("<unk>",): (-2.0, 0.0), ("<s>",): (-99.0, -0.3), ("</s>",): (-1.0, 0.0), ("a",): (-0.7, -0.2),
        ("b",): (-0.8, -0.1), ("c",): (-0.9, 0.0), ("d",): (-1.1, -0.4),
        ("<s>", "a"): (-0.3, -0.1), ("a", "b"): (-0.2, -0.05), ("b", "c"): (-0.4, 0.0), ("a", "</s>"): (-0.6, 0.0),
        ("a", "b", "c"): (-0.1, 0.0), ("<s>", "a", "d"): (-0.5, 0.0),
    }
    return BackoffModel.from_entries(Vocabulary(), entries)


def test_path_cost_of_hand_model_is_minus_ln_of_backoff_probability(tmp_path):
    model = hand_model()
    write_fst_files(model, str(tmp_path / "G.txt"), str(tmp_path / "words.txt"))
    fst = TextFst(tmp_path / "G.txt")
    for sentence in (["a", "b", "c"], ["d", "c", "a"], ["a"], [], ["a", "d", "d", "b"], ["<unk>", "b"]):
        tokens = ["<s>"] + sentence + ["</s>"]
        log10p = sum(logprob_ids(model, model.vocab.id(w), [model.vocab.id(h) for h in tokens[:i]])[0]
                     for i, w in enumerate(tokens[1:], 1))
        assert fst.path_cost(sentence) == pytest.approx(-math.log(10) * log10p, abs=1e-5)
    symbols = (tmp_path / "words.txt").read_text().splitlines()
    assert symbols[0] == "<eps>\t0" and symbols[-1] == f"#0\t{len(symbols) - 1}"


def test_path_cost_equals_kenlm_on_a_pruned_reference(tmp_path, reference_dir):
    arpa = str(reference_dir / "srilm-brown-10k" / "kn3-interp.prune1e-6.arpa.gz")
    result = CliRunner().invoke(cli, ["fst", arpa, str(tmp_path / "G.txt"), str(tmp_path / "words.txt")])
    assert result.exit_code == 0, result.output
    fst = TextFst(tmp_path / "G.txt")
    reference = kenlm.Model(arpa)
    lines = (reference_dir / "srilm-brown-10k" / "test100.txt").read_text(encoding="utf-8").splitlines()
    for line in lines[:60]:
        words = [w if w in reference else "<unk>" for w in line.split()]
        assert fst.path_cost(words) == pytest.approx(-math.log(10) * reference.score(line), abs=2e-4)


def test_epsilon_backoff_compiles_in_openfst_and_bounds_the_score(tmp_path):
    pynini = pytest.importorskip("pynini")
    model = hand_model()
    write_fst_files(model, str(tmp_path / "G.txt"), str(tmp_path / "words.txt"), epsilon_backoff=True)
    symbols = pynini.SymbolTable.read_text(str(tmp_path / "words.txt"))
    pywrapfst = pytest.importorskip("pywrapfst")
    compiler = pywrapfst.Compiler(isymbols=symbols, osymbols=symbols, keep_isymbols=True, keep_osymbols=True)
    compiler.write((tmp_path / "G.txt").read_text())
    grammar = pynini.Fst.from_pywrapfst(compiler.compile())
    assert grammar.start() == 0 and grammar.properties(pynini.ACCEPTOR, True) == pynini.ACCEPTOR
    assert grammar.num_states() == len({int(line.split()[0]) for line in open(tmp_path / "G.txt")} | {1})
    fst = TextFst(tmp_path / "G.txt", backoff_label="<eps>")
    for sentence in (["a", "b", "c"], ["d", "c", "a"]):
        accepted = pynini.accep(" ".join(sentence), token_type=symbols)
        best = pynini.shortestdistance(pynini.compose(accepted, grammar), reverse=True)[0]
        # With epsilon back-off arcs OpenFst may also take a back-off where a word arc exists, never costing more
        # than the exact back-off path.
        assert float(best) <= fst.path_cost(sentence) + 1e-5
