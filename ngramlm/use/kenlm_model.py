"""A model read from KenLM's binary format, scored on KenLM's own tables where they lie in memory.

ngramlm.Model(path) hands a KenLM binary file to KenlmModel (the n-grams of a probing file are stored only as
64-bit hashes, so they cannot be re-indexed into ngramlm's own tables: the file's tables are probed directly,
with KenLM's hash functions, by ngramlm._ext._kenlm). It has kenlm.Model's interface, with ngramlm's State and
FullScoreReturn, so states mix with the rest of the toolkit.

In:  a KenLM probing file (build_binary probing, or ngramlm build-binary --format kenlm-probing) and a Config.
Out: a model with kenlm.Model's calls (score, full_scores, perplexity, BaseScore, BaseFullScore, ...).
"""
from __future__ import annotations

import os
import sys
from typing import Iterable

import numpy as np

from .._ext import _kenlm
from ..formats.kenlm_binary import (TRIE_TYPES, LoadMethod, ProbingTables, is_kenlm_binary, load_kenlm,
                                    model_type_of)
from ..formats.kenlm_trie import read_kenlm_trie_file


__all__ = ["KenlmModel", "is_kenlm_binary", "is_kenlm_probing", "read_kenlm_trie_file", "complain_about_arpa"]


class KenlmModel(_kenlm.ProbingIndex):
    """A KenLM binary model with kenlm.Model's interface (plus `vocab_words`, `sizes`, `encode`, and
    `score_flat_into` for batches of id arrays).

    Args:
        path: a KenLM binary file.
        config: a Config (ngramlm.use.kenlm_api; only its load_method matters here), or None for KenLM's default.
    """

    def __init__(self, path, config=None):
        method = LoadMethod.POPULATE_OR_READ if config is None else LoadMethod(int(config.load_method))
        self._path = os.path.abspath(os.fspath(path))
        tables = load_kenlm(os.fspath(path), method)
        self._tables = tables
        super().__init__(tables.order, tables.vocab, tables.unigrams, tables.middle, tables.longest, tables.bound)

    @property
    def order(self) -> int:
        return self._tables.order

    @property
    def path(self) -> bytes:
        """Absolute path of the file, as bytes (as kenlm.Model.path)."""
        return os.fsencode(self._path)

    @property
    def tables(self) -> ProbingTables:
        return self._tables

    @property
    def vocab_words(self) -> list[str]:
        """The words by KenLM id (read from the end of the file when first asked for)."""
        return self._tables.words()

    def sizes(self) -> list[int]:
        """Number of n-grams per order, as the header gives them."""
        return list(self._tables.counts)

    def __contains__(self, word) -> bool:
        return self.word_index(word) != 0

    def perplexity(self, sentence: str | bytes) -> float:
        """Perplexity of one sentence (</s> counted, as kenlm.Model.perplexity)."""
        words = len((sentence if isinstance(sentence, bytes) else sentence.encode("utf-8")).split()) + 1
        return 10.0 ** (-self.score(sentence) / words)

    def encode(self, words: Iterable) -> np.ndarray:
        return super().encode(words if isinstance(words, (list, tuple)) else list(words))

    def __reduce__(self):
        return (KenlmModel, (self._path,))

    def __repr__(self) -> str:
        return f"<ngramlm KenlmModel order {self.order} from {os.path.basename(self._path)}>"


def complain_about_arpa(config) -> None:
    """KenLM's note when an ARPA file is loaded with arpa_complain ALL (only when a Config is given: ngramlm's
    own default is silence)."""
    if config is not None and int(config.arpa_complain) == 0:
        print("Loading the LM will be faster if you build a binary file.", file=sys.stderr)


def is_kenlm_probing(path) -> bool:
    """Whether `path` is a KenLM binary file to be scored on its own tables (KenlmModel): any KenLM file but a
    trie (which holds its n-grams, and is read into ngramlm's own index: read_kenlm_trie_file). A KenLM file with
    a damaged header counts, so that KenlmModel reports what is wrong with it."""
    kind = model_type_of(path)
    return kind is not None and kind not in TRIE_TYPES
