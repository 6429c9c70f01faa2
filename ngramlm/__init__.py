"""ngramlm: classical n-gram language modelling with a Cython core.

The public API is re-exported here; see README.md for a tour. The neural baselines live in
ngramlm.models.neural (PyTorch, an optional extra) and are never imported from here.

A name is imported from its module the first time it is used (PEP 562): the command line, which imports this
package first, then loads only what its command needs (about 0.2 s less at every start).
"""
from __future__ import annotations

import importlib

# Public name -> (module, name in that module).
_EXPORTS = {
    "BackoffModel": (".core.model", "BackoffModel"),
    "BackoffScorer": (".use.scoring", "BackoffScorer"),
    "BOS": (".core.vocab", "BOS"),
    "cache_ppl": (".models.cache", "cache_ppl"),
    "CacheScorer": (".models.cache", "CacheScorer"),
    "ClassNgramModel": (".models.classes", "ClassNgramModel"),
    "ClassScorer": (".models.classes", "ClassScorer"),
    "cluster_counts": (".models.clustering", "cluster_counts"),
    "cluster_files": (".models.clustering", "cluster_files"),
    "cluster_sentences": (".models.clustering", "cluster_sentences"),
    "compute_logbows": (".smoothing.backoff_weights", "compute_logbows"),
    "count_files": (".counting.corpus_count", "count_files"),
    "count_sentences": (".counting.corpus_count", "count_sentences"),
    "EOS": (".core.vocab", "EOS"),
    "estimate": (".smoothing", "estimate"),
    "estimate_lmplz": (".smoothing.lmplz", "estimate_lmplz"),
    "estimate_mixture_weights": (".use.mix", "estimate_mixture_weights"),
    "Evaluation": (".use.evaluation", "Evaluation"),
    "evaluate_text": (".use.evaluation", "evaluate_text"),
    "fetch_corpus": (".corpora.datasets", "fetch"),
    "generate_sentences": (".use.generate", "generate_sentences"),
    "GenerationConfig": (".use.generation", "GenerationConfig"),
    "NgramStepModel": (".use.generation", "NgramStepModel"),
    "InputError": (".core.errors", "InputError"),
    "InterpolatedScorer": (".models.classes", "InterpolatedScorer"),
    "Lmplz": (".smoothing.lmplz", "Lmplz"),
    "LmplzConfig": (".smoothing.lmplz_on_disk", "LmplzConfig"),
    "load_folder": (".corpora.datasets", "load_folder"),
    "merge_counts": (".counting.merging", "merge_counts"),
    "mix_models": (".use.mix", "mix_models"),
    "Mixture": (".use.mix", "Mixture"),
    "Model": (".use.query", "Model"),
    # kenlm's API (import ngramlm as kenlm): Model, State, FullScoreReturn, Config, LoadMethod, ...
    "ARPALoadComplain": (".use.kenlm_api", "ARPALoadComplain"),
    "Config": (".use.kenlm_api", "Config"),
    "FullScoreReturn": (".use.query", "FullScoreReturn"),
    "KenlmModel": (".use.kenlm_model", "KenlmModel"),
    "LanguageModel": (".use.kenlm_api", "LanguageModel"),
    "LoadMethod": (".use.kenlm_api", "LoadMethod"),
    "ModelError": (".core.errors", "ModelError"),
    "NgramCounts": (".counting.counts", "NgramCounts"),
    "NgramIndex": (".core.index", "NgramIndex"),
    "NgramlmError": (".core.errors", "NgramlmError"),
    "ppl_counts_file": (".use.ppl_report", "ppl_counts_file"),
    "ppl_file": (".use.ppl_report", "ppl_file"),
    "PplOptions": (".use.ppl_report", "PplOptions"),
    "prune_by_count": (".use.prune", "prune_by_count"),
    "prune_entropy": (".use.prune", "prune_entropy"),
    "prune_low_probs": (".use.prune", "prune_low_probs"),
    "read_arpa": (".formats.arpa", "read_arpa"),
    "read_classes": (".models.classes", "read_classes"),
    "read_counts": (".formats.countfile", "read_counts"),
    "read_sentences": (".corpora.reader", "read_sentences"),
    "repetition_statistics": (".use.generate", "repetition_statistics"),
    "SamplingOptions": (".use.generate", "SamplingOptions"),
    "Scorer": (".core.scorer", "Scorer"),
    "SentenceSampler": (".use.generate", "SentenceSampler"),
    "State": (".use.query", "State"),
    "TextOptions": (".corpora.reader", "TextOptions"),
    "TextStats": (".use.text_stats", "TextStats"),
    "train_class_model": (".models.classes", "train_class_model"),
    "train_lmplz": (".smoothing.lmplz_on_disk", "train_lmplz"),
    "tune_cache_weight": (".models.cache", "tune_cache_weight"),
    "tune_interpolation": (".models.classes", "tune_interpolation"),
    "UNK": (".core.vocab", "UNK"),
    "Vocabulary": (".core.vocab", "Vocabulary"),
    "WordClasses": (".models.classes", "WordClasses"),
    "write_arpa": (".formats.arpa", "write_arpa"),
    "write_classes": (".models.classes", "write_classes"),
    "write_counts": (".formats.countfile", "write_counts"),
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

