"""`ngram -ppl` scores a text in batches of about ppl_report.BATCH_WORDS words; where the batches end must not show
in the report. SRILM 1.7.3's -debug 1 and -debug 2 outputs of ../shared/reference/srilm-brown-10k (100 lines,
one batch at the real size) are reproduced byte for byte with every sentence in a batch of its own and with
batches that end every few sentences. (Its -debug 0 outputs, of a text several batches long, are
tests/test_reference_ppl.py's; `ngramlm eval`'s KenLM figures over several batches, tests/test_evaluate.py's.)
At -debug 0 only the totals are kept, each batch's added at once (ScoredText.add_to), in SRILM's order."""
from __future__ import annotations

import io

import numpy as np
import pytest

from ngramlm.core.vocab import EOS_ID, UNK_ID
from ngramlm.use import ppl_report
from ngramlm.use.ppl_report import PplOptions, ppl_file
from ngramlm.use.scoring import BackoffScorer, ScoredText
from ngramlm.use.text_stats import TextStats

from test_reference_ppl import SRILM_DIR, load, ngram_options, ppl_commands


@pytest.mark.parametrize("batch_words", [1, 37])
@pytest.mark.parametrize("output", ["gt3.ppl1.txt", "kn3-interp.ppl2.txt"])
def test_report_is_srilms_whatever_the_batches(reference_dir, monkeypatch, output, batch_words):
    folder = reference_dir / SRILM_DIR
    options = ngram_options(dict(ppl_commands(folder))[output])
    monkeypatch.chdir(folder)  # SRILM prints the text's path as given
    monkeypatch.setattr(ppl_report, "BATCH_WORDS", batch_words)
    scorer = BackoffScorer(load(str(folder / (options["-lm"] + ".gz"))), int(options["-order"]))
    out = io.StringIO()
    ppl_file(scorer, options["-ppl"], PplOptions(debug=int(options["-debug"]), unk_is_word="-unk" in options), out)
    assert out.getvalue() == (folder / output).read_text()


def test_totals_add_sentences_in_order():
    # SRILM's file totals add each sentence's log probability to the running sum in double, in text order: here
    # -2^53 - 1 rounds back to -2^53 twice, so the sum is 0, not the exact -2. Sentence 2 is an OOV and a zeroprob
    # ("c" without </s>), sentence 3 has nothing scored.
    words = np.array([3, EOS_ID, 3, EOS_ID, 3, EOS_ID, UNK_ID, 4, 3, EOS_ID], dtype=np.uint32)
    logprob = np.array([-2.0 ** 53, 0, -1, 0, -1, 0, -np.inf, -np.inf, 2.0 ** 53, 0], dtype=np.float32)
    counts = np.array([2, 2, 2, 0, 2, 2], dtype=np.int64)
    total = TextStats()
    ScoredText(words, np.zeros((10, 2), np.uint32), logprob, np.ones(10, np.int64), counts).add_to(total)
    assert (total.sentences, total.words, total.oovs, total.zeroprobs) == (4, 6, 1, 1)
    assert total.logprob == 0.0
