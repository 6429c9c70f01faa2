"""Estimation, first half: counting the n-grams of every order from text, within a memory budget.

Input: text files (through ngramlm.corpora) and a Vocabulary; output: NgramCounts (sorted id rows and counts per
order), which the smoothing methods (ngramlm.smoothing) turn into a BackoffModel.

One module a stage, in the order the data flows (nothing is imported here, so that a command loads only what it
uses):
  corpus_count   the entry points: count_files, count_sentences
  memory         the memory budget (parse_memory), block sizes, threads
  reading        blocks of text from the files, tokenized a few blocks ahead on a reading thread
  encoding       tokens -> word ids, the vocabulary growing with new words
  marked_text    the ids with the sentence markers, in memory or in a temporary file
  windows        counting a marked text one range of first words at a time; count_windows for id arrays
  counts         NgramCounts, counts_from_rows
  merging        merge_runs, merge_counts (SRILM's ngram-merge)
  sorted_runs    counts added up within a budget: sorted runs spilled to disk, merged in a count file's walk
"""
