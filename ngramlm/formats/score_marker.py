"""The mark of an ARPA file that holds scores, not probabilities (Stupid Backoff's, ngramlm.smoothing.stupid_backoff):
a comment written before `\\data\\` (SCORES_COMMENT; ARPA readers skip text there), and the check the perplexity
commands make for it (holds_scores). Kept apart from the smoothing methods so that the check, made for every
ARPA file that `ngram -ppl` and `ngramlm eval` score, does not import them.
"""
from __future__ import annotations

from ..core.io import READ_ERRORS, open_binary

SCORES_COMMENT = (b"# Stupid Backoff (Brants et al. 2007) scores, not probabilities: relative frequencies with a "
                  b"back-off factor of 0.4 that do not sum to one.\n"
                  b"# Perplexity and entropy computed from them mean nothing; use them to rank hypotheses.\n")
_MARK = SCORES_COMMENT[:40]


def holds_scores(path: str) -> bool:
    """Whether the ARPA file at `path` says it holds Stupid Backoff scores (SCORES_COMMENT before `\\data\\`);
    False for a file that cannot be read here (standard input, a binary model): its reader reports that."""
    if path == "-":
        return False
    try:
        with open_binary(path) as f:
            return f.read(len(_MARK)) == _MARK
    except READ_ERRORS:
        return False
