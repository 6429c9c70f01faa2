"""The README's main job: `ngramlm demo` on the corpus that ships with the project."""

from click.testing import CliRunner

from ngramlm.cli.main import cli
from ngramlm.corpora.synthetic import DEMO_CORPUS



def run_demo(*args):
    result = CliRunner().invoke(cli, ["demo", "--corpus", DEMO_CORPUS, "-q", *args])
    assert result.exit_code == 0, result.output
    rows = {}
    for line in result.output.splitlines():
        fields = line.rsplit(None, 5)
        if len(fields) == 6 and fields[1].isdigit():
            rows[(fields[0].strip(), int(fields[1]))] = float(fields[3])
        elif line.startswith("true source"):
            rows["true"] = float(line.split()[-1])
    return rows


def test_no_model_beats_the_true_source_and_kneser_ney_beats_additive():
    rows = run_demo("--orders", "2")
    truth = rows.pop("true")
    assert abs(truth - 39.62) < 0.01  # the true perplexity recorded in the shipped corpus's TRUE_PPL.txt
    assert len(rows) == 6
    # Cross-entropy against the true source is at least its entropy (Gibbs' inequality): every model is worse.
    assert all(ppl > truth for ppl in rows.values())
    assert rows[("modified Kneser-Ney, interp.", 2)] < rows[("additive (delta 0.1)", 2)]
    assert rows[("Kneser-Ney, interpolated", 2)] < rows[("Good-Turing / Katz", 2)]


def test_missing_corpus_folder_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--corpus", str(tmp_path / "absent")])
    assert result.exit_code == 1
    assert "no such corpus folder" in result.output
