"""Models beside the word n-grams, each a Scorer over the same Vocabulary: class n-grams (and the exchange
clustering that finds the classes), the cache model, and the neural baselines (ngramlm.models.neural, PyTorch)."""
