"""Small models built by hand from the published formulas, shared by several test files."""
import math

from ngramlm.core.model import BackoffModel
from ngramlm.core.vocab import BOS, Vocabulary


def katz_bigram_model(unigrams: dict, bigrams: dict) -> BackoffModel:
    """A normalised bigram back-off model from explicit probabilities, with Katz back-off weights (Katz 1987,
    eq. 16): bow(h) = (1 - sum of p(w | h) over the seen w) / (1 - sum of p(w) over the same w)."""
    entries = {(BOS,): (-99.0, 0.0)}
    entries.update({(w,): (math.log10(p), 0.0) for w, p in unigrams.items()})
    entries.update({g: (math.log10(p), 0.0) for g, p in bigrams.items()})
    for h in {g[0] for g in bigrams}:
        seen = [g[1] for g in bigrams if g[0] == h]
        bow = (1 - sum(bigrams[(h, w)] for w in seen)) / (1 - sum(unigrams[w] for w in seen))
        entries[(h,)] = (entries[(h,)][0], math.log10(bow))
    return BackoffModel.from_entries(Vocabulary(), entries)
