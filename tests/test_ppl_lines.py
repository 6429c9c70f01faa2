"""The compiled -debug 2 lines of `ngram -ppl` (ngramlm._ext._arpa.format_ppl_word_lines): SRILM's layout written
out by hand here; whole reports are checked byte for byte against SRILM's in test_reference_ppl.py."""
import math

import numpy as np
import pytest

from ngramlm._ext._arpa import format_ppl_word_lines

NO = 2**32 - 1


def lines(words, previous, logprob, matched):
    return format_ppl_word_lines([b"<unk>", b"<s>", b"</s>", "é".encode()], np.array(words, dtype=np.uint32),
                                 np.array(previous, dtype=np.uint32), np.array(logprob, dtype=np.float64),
                                 np.array(matched, dtype=np.int64), NO, math.log(10))


def test_srilm_layout():
    assert lines([3, 2, 0], [1, 3, 3], [-0.5, -1.25, -math.inf], [2, 1, 0]) == (
        "\tp( é | <s> ) \t= [2gram] 0.3162278 [ -0.5 ]\n"
        "\tp( </s> | é ...) \t= [1gram] 0.05623413 [ -1.25 ]\n"
        "\tp( <unk> | é ...) \t= [OOV] 0 [ -inf ]\n").encode()
    # no <s> before the first word (-no-sos), and no lookup made (a negative length): no hit shown
    assert lines([3], [NO], [-2e-7], [-1]) == "\tp( é |  ) \t=  0.9999995 [ -2e-07 ]\n".encode()


def test_nan_and_bad_ids():
    assert lines([3], [1], [math.nan], [1]) is None
    with pytest.raises(IndexError):
        lines([7], [1], [-1.0], [1])
