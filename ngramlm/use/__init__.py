"""What a finished model is used for: perplexity (SRILM's -ppl report, KenLM's figures), pruning, mixing,
generation, and the compiled query index with KenLM's API for decoders.

Input: a BackoffModel (or a file read by ngramlm.formats); every in-memory use looks n-grams up through the
model's own index (BackoffModel.index).
"""
