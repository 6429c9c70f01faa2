"""The rest of the `kenlm` Python module's API, so that `import ngramlm as kenlm` is a drop-in.

    import ngramlm as kenlm
    config = kenlm.Config()
    config.load_method = kenlm.LoadMethod.READ      # read a binary into memory instead of mapping it
    model = kenlm.Model("model.binary", config)     # KenLM's binary files, ngramlm's, or ARPA

Model, State and FullScoreReturn are ngramlm's own (ngramlm.use.query); a KenLM binary file comes back as a
KenlmModel (ngramlm.use.kenlm_model) with the same calls.

In:  the options kenlm.Config holds.
Out: Config, LoadMethod, ARPALoadComplain and LanguageModel, with kenlm's names, numbers and defaults.
"""
from __future__ import annotations

import enum

from ..formats.kenlm_binary import LoadMethod
from .query import Model

__all__ = ["Config", "LoadMethod", "ARPALoadComplain", "LanguageModel"]


class ARPALoadComplain(enum.IntEnum):
    """When to say that an ARPA file loads slower than a binary one (kenlm.ARPALoadComplain)."""

    ALL = 0        # always
    EXPENSIVE = 1  # when building a trie from it (no trie is built from ARPA here, so never)
    NONE = 2       # never


class Config:
    """Options for loading a model (kenlm.Config): load_method (LoadMethod, default POPULATE_OR_READ: map the
    file and read every page now), show_progress (kept for compatibility: ngramlm loads without a progress bar)
    and arpa_complain (ARPALoadComplain, default ALL: loading an ARPA file with this config prints KenLM's
    note on standard error)."""

    def __init__(self):
        self._load_method = LoadMethod.POPULATE_OR_READ
        self.show_progress = True
        self._arpa_complain = ARPALoadComplain.ALL

    @property
    def load_method(self) -> LoadMethod:
        return self._load_method

    @load_method.setter
    def load_method(self, value) -> None:
        self._load_method = LoadMethod(int(value))

    @property
    def arpa_complain(self) -> ARPALoadComplain:
        return self._arpa_complain

    @arpa_complain.setter
    def arpa_complain(self, value) -> None:
        self._arpa_complain = ARPALoadComplain(int(value))


class LanguageModel(Model):
    """kenlm.LanguageModel: the old name of Model, kept by kenlm for backward compatibility."""
