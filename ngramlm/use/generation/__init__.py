"""Generation from any language model, and the repetition it shows.

  models      the StepModel protocol (next-word scores for a batch of states) and NgramStepModel, its adapter
              for every n-gram model (the neural one is ngramlm.models.neural.stepping.NeuralStepModel)
  processors  the score transformations: repetition penalty, no-repeat n-gram, temperature, top-k, top-p, ...
  engine      GenerationConfig (Hugging Face's generate() options) and generate(): greedy, sampling, beam and
              contrastive search; score_continuations (teacher forcing)
  metrics     seq-rep-n, uniq-seq, rep/l, wrep/l (Welleck et al. 2019), distinct-n, perplexity

In:  a model, prefixes as word ids, a GenerationConfig and a seed.
Out: Generated continuations and their log10 probabilities; repetition figures.
"""
from .engine import GenerationConfig, Generated, generate, score_continuations
from .models import NgramStepModel, StepModel

__all__ = ["GenerationConfig", "Generated", "generate", "score_continuations", "NgramStepModel", "StepModel"]
