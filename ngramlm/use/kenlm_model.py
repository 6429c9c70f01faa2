"""A model read from KenLM's binary format, scored on KenLM's own structures where they lie in memory.

ngramlm.Model(path) hands a KenLM binary file to KenlmModel (probing: the file's hash tables are probed with
KenLM's hash functions) or KenlmTrieModel (trie, with or without -q/-b/-a: the bit-packed trie is walked where it
lies), both compiled in ngramlm._ext._kenlm, so loading costs a mapping, as in KenLM, not a decoding. They have
kenlm.Model's interface, with ngramlm's State and FullScoreReturn, so states mix with the rest of the toolkit.

In:  a KenLM binary file (build_binary probing/trie, or ngramlm build-binary --format kenlm-*) and a Config.
Out: a model with kenlm.Model's calls (score, full_scores, perplexity, BaseScore, BaseFullScore, ...).
"""
from __future__ import annotations

import os
import sys
from typing import Iterable

import numpy as np

from .._ext import _kenlm
from ..formats.kenlm_binary import (TRIE_TYPES, LoadMethod, ProbingTables, is_kenlm_binary, load_kenlm,
                                    open_kenlm_file)
from ..formats.kenlm_trie import TrieLayout, load_kenlm_trie, read_kenlm_trie_file


__all__ = ["KenlmModel", "KenlmTrieModel", "is_kenlm_binary", "read_kenlm_trie_file", "complain_about_arpa",
           "open_kenlm"]


class KenlmModel(_kenlm.ProbingIndex):
    """A KenLM binary model with kenlm.Model's interface (plus `vocab_words`, `sizes`, `encode`, and
    `score_flat_into` for batches of id arrays).

    Args:
        path: a KenLM binary file.
        config: a Config (ngramlm.use.kenlm_api; only its load_method matters here), or None for KenLM's default.
    """

    def __init__(self, path, config=None, _opened=None):
        self._path = os.path.abspath(os.fspath(path))
        tables = load_kenlm(os.fspath(path), _load_method(config), _opened)
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
    def tables(self) -> ProbingTables | TrieLayout:
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
        return (type(self), (self._path,))

    def __repr__(self) -> str:
        return f"<ngramlm KenlmModel order {self.order} from {os.path.basename(self._path)}>"


class KenlmTrieModel(KenlmModel, _kenlm.TrieIndex):
    """A KenLM trie file (build_binary trie, with or without -q/-b and -a) scored in place: KenlmModel's calls
    over the compiled TrieIndex."""

    def __init__(self, path, config=None, _opened=None):
        self._path = os.path.abspath(os.fspath(path))
        t = load_kenlm_trie(os.fspath(path), _load_method(config), _opened)
        self._tables = t
        _kenlm.TrieIndex.__init__(self, t.memory, t.counts, t.regions)

    def __repr__(self) -> str:
        return f"<ngramlm KenlmTrieModel order {self.order} from {os.path.basename(self._path)}>"


def _load_method(config) -> int:
    return LoadMethod.POPULATE_OR_READ if config is None else int(config.load_method)


def open_kenlm(path, config=None) -> KenlmModel | None:
    """The KenLM binary file at `path` as a model scored in place (a trie, TRIE_TYPES, or a probing file);
    None for a file that is not KenLM's. One compiled call opens it, checks the header and maps it."""
    opened = open_kenlm_file(os.fspath(path), _load_method(config))
    if opened is None:
        return None
    if opened[0][2] in TRIE_TYPES:
        return KenlmTrieModel(path, config, opened)
    return KenlmModel(path, config, opened)


def complain_about_arpa(config) -> None:
    """KenLM's note when an ARPA file is loaded with arpa_complain ALL (only when a Config is given: ngramlm's
    own default is silence)."""
    if config is not None and int(config.arpa_complain) == 0:
        print("Loading the LM will be faster if you build a binary file.", file=sys.stderr)

