"""The command-line tools: `ngram-count` and `ngram` (SRILM-compatible flags and output) and `ngramlm`
(modern subcommands). Each module is thin: it parses flags, calls the library and prints."""
