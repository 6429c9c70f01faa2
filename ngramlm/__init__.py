"""ngramlm: classical n-gram language modelling with a Cython core.

The public API is re-exported here; see README.md for a tour. The neural baselines live in ngramlm.neural
(PyTorch, an optional extra) and are never imported from here.
"""
from .arpa import read_arpa, write_arpa
from .backoff import BackoffModel
from .backoff_weights import compute_logbows
from .cache import CacheScorer, cache_ppl, tune_cache_weight
from .classes import (ClassNgramModel, ClassScorer, InterpolatedScorer, WordClasses, read_classes,
                      train_class_model, tune_interpolation, write_classes)
from .clustering import cluster_counts, cluster_files, cluster_sentences
from .corpus import TextOptions, read_sentences
from .countfile import read_counts, write_counts
from .counts import NgramCounts, count_files, count_sentences, merge_counts
from .datasets import fetch as fetch_corpus
from .datasets import load_folder
from .errors import InputError, ModelError, NgramlmError
from .evaluate import BackoffScorer, PplOptions, TextStats, evaluate_text, ppl_file
from .generate import SamplingOptions, SentenceSampler, generate_sentences, repetition_statistics
from .mix import Mixture, estimate_mixture_weights, mix_models
from .prune import prune_by_count, prune_entropy, prune_low_probs
from .query import Model, State
from .smoothing import estimate
from .smoothing.lmplz import Lmplz, estimate_lmplz
from .smoothing.lmplz_on_disk import train_lmplz
from .vocab import BOS, EOS, UNK, Vocabulary

__version__ = "0.1.0"

__all__ = [
    "BackoffModel",
    "BackoffScorer",
    "BOS",
    "cache_ppl",
    "CacheScorer",
    "ClassNgramModel",
    "ClassScorer",
    "cluster_counts",
    "cluster_files",
    "cluster_sentences",
    "compute_logbows",
    "count_files",
    "count_sentences",
    "EOS",
    "estimate",
    "estimate_lmplz",
    "estimate_mixture_weights",
    "evaluate_text",
    "fetch_corpus",
    "generate_sentences",
    "InputError",
    "InterpolatedScorer",
    "Lmplz",
    "load_folder",
    "merge_counts",
    "mix_models",
    "Mixture",
    "Model",
    "ModelError",
    "NgramCounts",
    "NgramlmError",
    "ppl_file",
    "PplOptions",
    "prune_by_count",
    "prune_entropy",
    "prune_low_probs",
    "read_arpa",
    "read_classes",
    "read_counts",
    "read_sentences",
    "repetition_statistics",
    "SamplingOptions",
    "SentenceSampler",
    "State",
    "TextOptions",
    "TextStats",
    "train_class_model",
    "train_lmplz",
    "tune_cache_weight",
    "tune_interpolation",
    "UNK",
    "Vocabulary",
    "WordClasses",
    "write_arpa",
    "write_classes",
    "write_counts",
]
