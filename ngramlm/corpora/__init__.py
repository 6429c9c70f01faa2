"""Text in: the corpus reader (sentences from files, with SRILM's markers and rules), the standard corpora and
any folder laid out like them, texts encoded as ids, and the synthetic corpus that ships with the package."""
