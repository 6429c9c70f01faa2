"""Numbers fixed by the conventions of the field, each defined once, with whose convention it is.

Every module that needs one imports it from here, so a reader checking a value against SRILM's or KenLM's
source checks it in one place.
"""
from __future__ import annotations

import math

# ln 10 as a double (C's M_LN10): log10 values times LN10 are natural logs (decoders, FSTs, neural losses).
LN10 = math.log(10.0)

# How ARPA files spell log10(0) (SRILM's LogP_Zero as written; KenLM and IRSTLM read and write it too).
LOG10_ZERO = -99.0

# SRILM's Prob_Epsilon (Prob.h): probability sums closer than this to 0 or 1 are taken to be exactly 0 or 1,
# and a Good-Turing coefficient at or below it is out of range (rounding noise of 7-digit ARPA files).
PROB_EPSILON = 3e-6

# SRILM's Prob_Precision: significant digits of the parameters in its discount files (-gtN / -knN).
PROB_PRECISION = 16

# KenLM's Config::unknown_missing_logprob: the log10 probability KenLM gives <unk> in a model that lacks it.
KENLM_MISSING_UNK_LOGPROB = -100.0
