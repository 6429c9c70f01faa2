"""Files a model or its counts are kept in: ARPA, the ngramlm binary format, SRILM count files, G.fst.

Input: a BackoffModel (or counts) from the rooms below; output: files, and models read back from them.
"""
