"""Class-based and cache n-gram models on the shared corpora, against SRILM's published figures on them.

    nice -n 19 python benchmarks/bench_classes.py [--classes 100 200 500] [--max-passes 20] [--skip-cache | --cache-only]

brown-bengio (800k training tokens): time to cluster the words into C classes (exchange algorithm, ngramlm) next to
SRILM 1.7.3's `ngram-class -incremental -numclasses 200` (Brown's merging algorithm: 7 min 39 s on this corpus);
test ppl1 of the class trigram, of the word trigram (both interpolated modified Kneser-Ney) and of their
word-by-word interpolation with the weight tuned on valid (goal: <= 247).
wikitext-2: the interpolated modified Kneser-Ney 5-gram without count cut-offs (gtmin 1, as SRILM's 224.8) with a
unigram cache of 1000 tokens (SRILM's `ngram -cache 1000 -cache-lambda 0.2`: test ppl 224.8 -> 174.4), then the
cache variants of ngramlm.models.cache, emptied at each article title, their weights tuned on valid (goal: <= 165); the
other settings (size, decay, fill) are the best of a search on valid.
Every model treats <unk> as a word (-unk), as the shared reference tables do. SRILM itself is not run here.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))
BROWN = SHARED / "corpora" / "brown-bengio"
WIKI = SHARED / "corpora" / "wikitext-2"
SRILM_CLUSTER_200_SECONDS = 7 * 60 + 39
SRILM_WIKI_PPL, SRILM_WIKI_CACHE_PPL = 224.8, 174.4
MIXTURE_GOAL = 247.0
CACHE_GOAL = 165.0
# (description, CacheScorer keyword arguments): the cache settings compared on wikitext-2, emptied at articles.
CACHE_VARIANTS = [
    ("unigram cache 1000", dict(size=1000)),
    ("unigram cache 5000", dict(size=5000)),
    ("unigram cache 1000, </s> kept out", dict(size=1000, exclude_eos=True)),
    ("unigram cache 2000, </s> and the 50 most frequent words kept out", dict(size=2000, exclude_eos=True,
                                                                            exclude_frequent=50)),
    ("decaying unigram cache 5000, decay 0.001", dict(size=5000, decay=0.001)),
    ("unigram cache 2000, weight x n/(n+100)", dict(size=2000, fill=100.0)),
    ("unigram + bigram cache 5000", dict(size=5000, bigram_weight=0.05)),
    ("unigram + bigram cache 10000, decay 0.0005, weight x n/(n+200)", dict(size=10000, bigram_weight=0.05,
                                                                          decay=0.0005, fill=200.0)),
]


class _Discard:
    def write(self, text):
        pass


def ppl(scorer, path):
    from ngramlm.use.ppl_report import PplOptions, ppl_file

    return ppl_file(scorer, str(path), PplOptions(unk_is_word=True), out=_Discard())


def word_model(corpus: Path, order: int, **params):
    from ngramlm.counting.corpus_count import count_files
    from ngramlm.use.scoring import BackoffScorer
    from ngramlm.smoothing import estimate

    counts = count_files([str(corpus / "train.txt")], order)
    return BackoffScorer(estimate(counts, "modified-kneser-ney", interpolate=True, unk=True, **params))


def brown_rows(class_counts, max_passes):
    from ngramlm.models.classes import ClassScorer, InterpolatedScorer, train_class_model, tune_interpolation
    from ngramlm.models.clustering import cluster_counts
    from ngramlm.counting.corpus_count import count_files
    from ngramlm.use.ppl_report import PplOptions

    rows = []
    start = time.perf_counter()
    word = word_model(BROWN, 3)
    word_seconds = time.perf_counter() - start
    word_ppl1 = ppl(word, BROWN / "test.txt").ppl1
    rows.append(("brown-bengio word trigram (mkn, interpolated): count + estimate", "seconds", f"{word_seconds:.1f}",
                 ""))
    rows.append(("brown-bengio word trigram (mkn, interpolated)", "test ppl1", f"{word_ppl1:.2f}", ""))
    bigrams = count_files([str(BROWN / "train.txt")], 2)
    for num_classes in class_counts:
        start = time.perf_counter()
        result = cluster_counts(bigrams, num_classes, max_passes=max_passes)
        seconds = time.perf_counter() - start
        peer = (f"SRILM -incremental: {SRILM_CLUSTER_200_SECONDS} s ({SRILM_CLUSTER_200_SECONDS / seconds:.1f}x)"
                if num_classes == 200 else "")
        lls = result.log_likelihoods
        last_gain = (lls[-1] - lls[-2]) / abs(lls[-2]) if len(lls) > 1 else 0.0
        rows.append((f"brown-bengio clustering, {num_classes} classes ({result.passes} passes, last +{last_gain:.1e})",
                     "seconds", f"{seconds:.1f}", peer))
        classes = ClassScorer(train_class_model([str(BROWN / "train.txt")], result.classes, 3,
                                                "modified-kneser-ney", interpolate=True, unk=True))
        rows.append((f"brown-bengio class trigram, {num_classes} classes", "test ppl1",
                     f"{ppl(classes, BROWN / 'test.txt').ppl1:.2f}", ""))
        weights = tune_interpolation([word, classes], str(BROWN / "valid.txt"), PplOptions(unk_is_word=True))
        mixture = InterpolatedScorer([word, classes], weights)
        rows.append((f"brown-bengio word + class mixture, {num_classes} classes (class weight {weights[1]:.3f})",
                     "test ppl1", f"{ppl(mixture, BROWN / 'test.txt').ppl1:.2f}", f"goal <= {MIXTURE_GOAL:g}"))
    return rows


def wiki_rows():
    from ngramlm.models.cache import WIKITEXT_ARTICLE, CacheScorer, cache_ppl, most_probable_words, tune_cache_weights
    from ngramlm.use.ppl_report import PplOptions
    from ngramlm.core.vocab import EOS_ID

    options = PplOptions(unk_is_word=True)
    word = word_model(WIKI, 5, gtmin=1)
    plain = ppl(word, WIKI / "test.txt")
    rows = [("wikitext-2 word 5-gram (mkn, interpolated, gtmin 1)", "test ppl / ppl1",
             f"{plain.ppl:.1f} / {plain.ppl1:.1f}", f"SRILM: {SRILM_WIKI_PPL}")]
    cache = CacheScorer(word, 1000, 0.2, unk_is_word=True)
    start = time.perf_counter()
    fixed = cache_ppl(cache, str(WIKI / "test.txt"), options)
    seconds = time.perf_counter() - start
    rows.append(("wikitext-2 5-gram + unigram cache 1000, weight 0.2, never emptied", "test ppl / ppl1",
                 f"{fixed.ppl:.1f} / {fixed.ppl1:.1f} ({seconds:.1f} s)", f"SRILM: {SRILM_WIKI_CACHE_PPL}"))
    for description, settings in CACHE_VARIANTS:
        settings = dict(settings)
        exclude = most_probable_words(word.model, settings.pop("exclude_frequent", 0))
        if settings.pop("exclude_eos", False):
            exclude.append(EOS_ID)
        cache = CacheScorer(word, settings.pop("size"), 0.1, unk_is_word=True, exclude=exclude, **settings)
        cache.weight, cache.bigram_weight = tune_cache_weights(cache, str(WIKI / "valid.txt"), options,
                                                               WIKITEXT_ARTICLE)
        tuned = cache_ppl(cache, str(WIKI / "test.txt"), options, boundary=WIKITEXT_ARTICLE)
        weights = f"L {cache.weight:.3f}" + (f", M {cache.bigram_weight:.3f}" if cache.bigram_weight else "")
        rows.append((f"wikitext-2 5-gram + {description} ({weights}), emptied at articles", "test ppl / ppl1",
                     f"{tuned.ppl:.1f} / {tuned.ppl1:.1f}", f"goal <= {CACHE_GOAL:g}"))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--classes", type=int, nargs="+", default=[100, 200, 500])
    parser.add_argument("--max-passes", type=int, default=20)
    parser.add_argument("--skip-cache", action="store_true", help="Leave out the wikitext-2 cache rows.")
    parser.add_argument("--cache-only", action="store_true", help="Only the wikitext-2 cache rows.")
    args = parser.parse_args()
    rows = [] if args.cache_only else brown_rows(args.classes, args.max_passes)
    if not args.skip_cache:
        rows += wiki_rows()
    print(f"machine: {describe_machine()}")
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'measure':<16} {'ngramlm':<28} peer")
    for what, measure, value, peer in rows:
        print(f"{what:<{width}}  {measure:<16} {value:<28} {peer}")


if __name__ == "__main__":
    main()
