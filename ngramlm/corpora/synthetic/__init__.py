"""The synthetic corpus: an English-like probabilistic grammar (`grammar`, with its word lists in `lexicon`)
compiled to a finite-state sentence source whose exact probabilities are known (`source`).

The corpus made from it with the default settings ships inside the package (`data/`: train, valid and test
text and the grammar's true perplexity), so that `ngramlm demo` runs from any folder after `pip install`.
"""
from __future__ import annotations

import os

DEMO_CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
