"""KenLM's intermediate files, which `lmplz --intermediate PREFIX` writes for KenLM's `interpolate` to read.

The layout, learnt from KenLM's sources (lm/common/model_buffer.cc, lm/builder/pipeline.cc, lm/vocab.cc) and
checked against files lmplz wrote:

  PREFIX.kenlm_intermediate  text: "KenLM intermediate binary file", "Counts C1 C2 ... CN", "Payload pb" (log10 p
                             and log10 b) or "Payload q" (--collapse_values), one line each;
  PREFIX.vocab               every word followed by a NUL byte: <unk> first, then the others in the order of
                             the MurmurHash64A of their spelling (KenLM's --renumber, forced on here), which
                             numbers them 1, 2, ...;
  PREFIX.1 .. PREFIX.N       the n-grams of each order: n uint32 word ids (those numbers), then two float32
                             values (log10 p or q, log10 b; b is 0 where the n-gram is no context), native
                             little-endian, sorted by the last word, then the one before it, ... (KenLM's
                             SuffixOrder).

In: the vocabulary's spellings (id order, <unk> first), then each order's n-grams (ids) with their values, in any
order and in as many pieces as convenient. Out: the files above, written when `close` is called (each order's
records are held in memory until then, to be sorted).
"""
from __future__ import annotations

import numpy as np

from .._ext._kenlm import vocab_key  # KenLM's hash of a spelling (its probing vocabulary's key)
from ..core.io import atomic_write

HEADER = "KenLM intermediate binary file"


def renumbering(words: list[str]) -> tuple[np.ndarray, list[str]]:
    """KenLM's --renumber: (new id of each old id, the spellings in new-id order). <unk> (old id 0) keeps 0; the
    others are numbered 1, 2, ... in the order of the MurmurHash64A of their spelling (KenLM's vocabulary key)."""
    keys = np.fromiter((vocab_key(w) for w in words[1:]), dtype=np.uint64, count=len(words) - 1)
    by_key = np.argsort(keys, kind="stable") + 1
    new_ids = np.zeros(len(words), dtype=np.uint32)
    new_ids[by_key] = np.arange(1, len(words), dtype=np.uint32)
    return new_ids, [words[0]] + [words[i] for i in by_key]


class IntermediateWriter:
    """Collects a model's n-grams order by order (`add`) and writes KenLM's intermediate files (`close`).

    Args:
        prefix: the files' common prefix (PREFIX above).
        words: the vocabulary's spellings by id; id 0 must be <unk>.
        order: the model's order N.
        collapsed: the values are q (lmplz --collapse_values) rather than p and b.
    """

    def __init__(self, prefix: str, words: list[str], order: int, collapsed: bool = False):
        self.prefix, self.collapsed = prefix, collapsed
        self.new_ids, self.spellings = renumbering(words)
        self._pieces: list[list[np.ndarray]] = [[] for _ in range(order)]

    def _dtype(self, n: int) -> np.dtype:
        return np.dtype([("words", "<u4", (n,)), ("value", "<f4"), ("backoff", "<f4")])

    def add(self, k: int, grams: np.ndarray, logprob: np.ndarray, logbow: np.ndarray) -> None:
        """Take (k+1)-grams (old ids, one row each) with their log10 values."""
        records = np.empty(len(grams), dtype=self._dtype(k + 1))
        records["words"] = self.new_ids[grams.reshape(len(grams), k + 1)]
        records["value"] = logprob
        records["backoff"] = logbow
        self._pieces[k].append(records)

    def close(self) -> None:
        """Write the files: each order sorted in KenLM's suffix order, then the vocabulary and the metadata."""
        counts = []
        for k, pieces in enumerate(self._pieces):
            records = np.concatenate(pieces) if pieces else np.empty(0, dtype=self._dtype(k + 1))
            self._pieces[k] = []
            ids = records["words"].reshape(len(records), k + 1)
            records = records[np.lexsort(tuple(ids[:, j] for j in range(k + 1)))]  # last column is the primary key
            with atomic_write(f"{self.prefix}.{k + 1}", "wb") as f:
                f.write(records.tobytes())
            counts.append(len(records))
        with atomic_write(f"{self.prefix}.vocab", "wb") as f:
            f.write(b"".join(word.encode("utf-8") + b"\0" for word in self.spellings))
        with atomic_write(f"{self.prefix}.kenlm_intermediate", "wb") as f:
            f.write(f"{HEADER}\nCounts {' '.join(map(str, counts))}\nPayload {'q' if self.collapsed else 'pb'}\n"
                    .encode("ascii"))
