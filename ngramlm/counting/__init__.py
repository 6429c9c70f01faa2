"""Estimation, first half: counting the n-grams of every order from text, within a memory budget.

Input: text files (through ngramlm.corpora) and a Vocabulary; output: NgramCounts (sorted id rows and counts per
order), which the smoothing methods (ngramlm.smoothing) turn into a BackoffModel.
"""
