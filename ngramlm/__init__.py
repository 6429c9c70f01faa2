"""ngramlm: classical n-gram language modelling with a Cython core.

The public API is re-exported here; see README.md for a tour. The neural baselines live in ngramlm.neural
(PyTorch, an optional extra) and are never imported from here.

A name is imported from its module the first time it is used (PEP 562): the command line, which imports this
package first, then loads only what its command needs (about 0.2 s less at every start).
"""
from __future__ import annotations

import importlib

# Public name -> (module, name in that module).
_EXPORTS = {
    "BackoffModel": (".backoff", "BackoffModel"),
    "BackoffScorer": (".evaluate", "BackoffScorer"),
    "BOS": (".vocab", "BOS"),
    "cache_ppl": (".cache", "cache_ppl"),
    "CacheScorer": (".cache", "CacheScorer"),
    "ClassNgramModel": (".classes", "ClassNgramModel"),
    "ClassScorer": (".classes", "ClassScorer"),
    "cluster_counts": (".clustering", "cluster_counts"),
    "cluster_files": (".clustering", "cluster_files"),
    "cluster_sentences": (".clustering", "cluster_sentences"),
    "compute_logbows": (".backoff_weights", "compute_logbows"),
    "count_files": (".counts", "count_files"),
    "count_sentences": (".counts", "count_sentences"),
    "EOS": (".vocab", "EOS"),
    "estimate": (".smoothing", "estimate"),
    "estimate_lmplz": (".smoothing.lmplz", "estimate_lmplz"),
    "estimate_mixture_weights": (".mix", "estimate_mixture_weights"),
    "evaluate_text": (".evaluate", "evaluate_text"),
    "fetch_corpus": (".datasets", "fetch"),
    "generate_sentences": (".generate", "generate_sentences"),
    "InputError": (".errors", "InputError"),
    "InterpolatedScorer": (".classes", "InterpolatedScorer"),
    "Lmplz": (".smoothing.lmplz", "Lmplz"),
    "load_folder": (".datasets", "load_folder"),
    "merge_counts": (".counts", "merge_counts"),
    "mix_models": (".mix", "mix_models"),
    "Mixture": (".mix", "Mixture"),
    "Model": (".query", "Model"),
    "ModelError": (".errors", "ModelError"),
    "NgramCounts": (".counts", "NgramCounts"),
    "NgramlmError": (".errors", "NgramlmError"),
    "ppl_file": (".evaluate", "ppl_file"),
    "PplOptions": (".evaluate", "PplOptions"),
    "prune_by_count": (".prune", "prune_by_count"),
    "prune_entropy": (".prune", "prune_entropy"),
    "prune_low_probs": (".prune", "prune_low_probs"),
    "read_arpa": (".arpa", "read_arpa"),
    "read_classes": (".classes", "read_classes"),
    "read_counts": (".countfile", "read_counts"),
    "read_sentences": (".corpus", "read_sentences"),
    "repetition_statistics": (".generate", "repetition_statistics"),
    "SamplingOptions": (".generate", "SamplingOptions"),
    "SentenceSampler": (".generate", "SentenceSampler"),
    "State": (".query", "State"),
    "TextOptions": (".corpus", "TextOptions"),
    "TextStats": (".evaluate", "TextStats"),
    "train_class_model": (".classes", "train_class_model"),
    "train_lmplz": (".smoothing.lmplz_on_disk", "train_lmplz"),
    "tune_cache_weight": (".cache", "tune_cache_weight"),
    "tune_interpolation": (".classes", "tune_interpolation"),
    "UNK": (".vocab", "UNK"),
    "Vocabulary": (".vocab", "Vocabulary"),
    "WordClasses": (".classes", "WordClasses"),
    "write_arpa": (".arpa", "write_arpa"),
    "write_classes": (".classes", "write_classes"),
    "write_counts": (".countfile", "write_counts"),
}

__version__ = "0.1.0"

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ngramlm' has no attribute {name!r}")
    module, attr = _EXPORTS[name]
    value = getattr(importlib.import_module(module, __name__), attr)
    globals()[name] = value  # later uses find it without coming here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))

