"""ngramlm: classical n-gram language modelling with a Cython core.

The public API is re-exported here; see README.md for a tour.
"""
from .backoff import BackoffModel
from .corpus import TextOptions, read_sentences
from .errors import InputError, ModelError, NgramlmError
from .vocab import BOS, EOS, UNK, Vocabulary

__version__ = "0.1.0"
