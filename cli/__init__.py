"""The command-line tools: `ngram-count` and `ngram` (SRILM-compatible flags and output) and `ngramlm`
(modern subcommands). Each module is thin: it parses flags, calls the library and prints."""

import os

# numpy's OpenBLAS starts worker threads at import that spin for a while: about 0.03 s of CPU time per command,
# which no command here uses (none multiplies matrices). A user's own setting wins; the neural commands (PyTorch)
# keep their own thread settings.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
