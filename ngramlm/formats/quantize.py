"""Quantisation of log10 probabilities and back-off weights to a few bits (KenLM's build_binary -q and -b).

Each order has its own codebooks: the values are sorted and cut into 2^bits bins of equal count, each bin is
represented by the mean of its values (the binning of KenLM's lm/quantize.cc, Heafield 2011 section 4.3), and
these centres are then refined by a few iterations of Lloyd's algorithm (1-D k-means: every value goes to its
nearest centre, every centre moves to the mean of its values), which on the Brown 5-gram cuts the mean error of
8-bit codes by about a quarter over binning alone. A value is stored as the code of its nearest centre. When an order has no more distinct values than codes, the
codebook is those values and quantisation is exact. Back-off weights keep two codes for the zeros that carry
meaning, -0.0 ("never extends", lm/blank.hh) and +0.0, so that states compare exactly as without quantisation.

In:  the log10 probabilities or back-off weights of one order, and a bit width (1..16; 2..16 for back-off weights).
Out: (codes, codebook): a uint8 or uint16 code per value, and 2^bits float32 centres (sorted; for back-off weights,
     -0.0 and +0.0 at codes 0 and 1, then the sorted centres).
"""
from __future__ import annotations

import numpy as np

from ..core.errors import ModelError

MAX_BITS = 16
NO_EXTENSION_CODE, ZERO_BACKOFF_CODE = 0, 1
RESERVED_BACKOFF_CODES = 2
# Lloyd iterations after the equal-count start: most of the gain comes in the first few.
LLOYD_ITERATIONS = 5


def check_bits(prob_bits: int, backoff_bits: int) -> None:
    """Refuse bit widths the format cannot store (codes are uint8 or uint16; back-offs reserve two codes)."""
    if not 1 <= prob_bits <= MAX_BITS:
        raise ModelError(f"probabilities can be quantised to 1..{MAX_BITS} bits, not {prob_bits}")
    if not 2 <= backoff_bits <= MAX_BITS:
        raise ModelError(f"back-off weights can be quantised to 2..{MAX_BITS} bits (two codes are reserved for "
                         f"the zero weights), not {backoff_bits}")


def code_dtype(bits: int) -> np.dtype:
    """The smallest unsigned integer type holding a `bits`-bit code."""
    return np.dtype(np.uint8 if bits <= 8 else np.uint16)


def fit_codebook(values: np.ndarray, size: int, iterations: int = LLOYD_ITERATIONS) -> np.ndarray:
    """`size` sorted float32 centres: the distinct values when there are few enough, else the means of
    `size` equal-count bins of the sorted values refined by `iterations` of Lloyd's algorithm."""
    values = np.sort(np.asarray(values, np.float64))
    distinct = np.unique(values)
    if len(distinct) <= size:
        centres = np.concatenate([distinct, np.full(size - len(distinct), distinct[-1] if len(distinct) else 0.0)])
        return centres.astype(np.float32)
    edges = np.round(np.linspace(0, len(values), size + 1)).astype(np.int64)
    centres = np.add.reduceat(values, edges[:-1]) / np.diff(edges)
    for _ in range(iterations):
        codes = encode(values, centres)
        members = np.bincount(codes, minlength=size)
        # A centre left without values stays where it is; the means of sorted groups stay sorted.
        centres = np.where(members > 0, np.bincount(codes, values, size) / np.maximum(members, 1), centres)
    return centres.astype(np.float32)


def encode(values: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest of the sorted `centres` for each value (the lower one on a tie)."""
    values = np.asarray(values, np.float64)
    centres = centres.astype(np.float64)
    if len(centres) == 1:
        return np.zeros(len(values), np.int64)
    above = np.clip(np.searchsorted(centres, values, side="left"), 1, len(centres) - 1)
    return above - (values - centres[above - 1] <= centres[above] - values)


def quantize_probs(probs: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(codes, codebook) of log10 probabilities."""
    centres = fit_codebook(probs, 1 << bits)
    return encode(probs, centres).astype(code_dtype(bits)), centres


def quantize_backoffs(bows: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(codes, codebook) of log10 back-off weights; zeros keep their sign exactly (reserved codes 0 and 1)."""
    bows = np.asarray(bows, np.float32)
    zero = bows == 0
    centres = np.empty(1 << bits, np.float32)
    centres[NO_EXTENSION_CODE], centres[ZERO_BACKOFF_CODE] = -0.0, 0.0
    centres[RESERVED_BACKOFF_CODES:] = fit_codebook(bows[~zero], len(centres) - RESERVED_BACKOFF_CODES)
    codes = RESERVED_BACKOFF_CODES + encode(bows, centres[RESERVED_BACKOFF_CODES:])
    codes[zero] = np.where(np.signbit(bows[zero]), NO_EXTENSION_CODE, ZERO_BACKOFF_CODE)
    return codes.astype(code_dtype(bits)), centres
