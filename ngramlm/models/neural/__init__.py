"""Neural baselines beside the n-gram models (PyTorch, the optional `neural` extra).

Three word-level language models, trained and scored on the same ground as the n-gram models: the same corpus
reader (`ngramlm.corpora.reader.read_sentences`), the same closed `ngramlm.core.vocab.Vocabulary` built from the training text
(out-of-vocabulary words become <unk> and are scored as <unk>, as `ngram -ppl -unk` does), <s> as context only and
</s> predicted once per sentence. Perplexities therefore count exactly the tokens SRILM counts: `ppl` over words
plus one </s> per sentence, `ppl1` over words only.

  ffnn         Bengio et al. (2003): a feed-forward network over the previous n-1 words
  lstm         a word-level LSTM (Zaremba et al. 2014), optionally with tied input/output embeddings
  transformer  a causal Transformer decoder (Vaswani et al. 2017)

Two ways of reading a text, for training and for evaluation alike (see `ngramlm.models.neural.data`):

  sentence  every sentence is scored on its own: the model starts afresh at each <s>, as an n-gram model does,
            so the two see the same context and their figures compare like with like.
  stream    the text is one stream and context is carried across sentence boundaries (the previous sentences
            precede each <s>); this is how PTB results are usually published (Mikolov 2010, Zaremba 2014).

This package needs PyTorch; `import ngramlm` never imports it. Without it, importing ngramlm.models.neural raises an
NgramlmError telling the user how to install the extra.
"""
from ngramlm.core.errors import NgramlmError

try:
    import torch  # noqa: F401
except ImportError:  # pragma: no cover - depends on the installation
    raise NgramlmError(
        "the neural models need PyTorch, which is not installed; install the extra with "
        "pip install \"ngramlm[neural]\""
    ) from None

from .architectures import MODEL_KINDS, build_model, count_parameters  # noqa: E402
from .checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from .data import CONTEXT_MODES, EncodedText, encode_file, vocabulary_from_file  # noqa: E402
from .device import resolve_device  # noqa: E402
from .evaluation import PerplexityTotals, evaluate, target_logprobs  # noqa: E402
from .training import TrainConfig, Trainer  # noqa: E402

__all__ = [
    "MODEL_KINDS", "build_model", "count_parameters", "load_checkpoint", "save_checkpoint", "CONTEXT_MODES",
    "EncodedText", "encode_file", "vocabulary_from_file", "resolve_device", "PerplexityTotals", "evaluate",
    "target_logprobs", "TrainConfig", "Trainer",
]
