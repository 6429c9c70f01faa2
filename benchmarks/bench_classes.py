"""Class-based and cache n-gram models on the shared corpora, against SRILM's published figures on them.

    nice -n 19 python benchmarks/bench_classes.py [--classes 100 200] [--max-passes 20] [--skip-cache]

brown-bengio (800k training tokens): time to cluster the words into C classes (exchange algorithm, ngramlm) next to
SRILM 1.7.3's `ngram-class -incremental -numclasses 200` (Brown's merging algorithm: 7 min 39 s on this corpus);
test ppl1 of the class trigram, of the word trigram (both interpolated modified Kneser-Ney) and of their
word-by-word interpolation with the weight tuned on valid (goal: <= 247).
wikitext-2: the interpolated modified Kneser-Ney 5-gram with a unigram cache of 1000 tokens (SRILM's `ngram -cache
1000 -cache-lambda 0.2`: test ppl 224.8 -> 174.4), at weight 0.2 and at the weight tuned on valid, never emptied
(as SRILM) and emptied at each article title.
Every model treats <unk> as a word (-unk), as the shared reference tables do. SRILM itself is not run here.
"""
from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))
BROWN = SHARED / "corpora" / "brown-bengio"
WIKI = SHARED / "corpora" / "wikitext-2"
SRILM_CLUSTER_200_SECONDS = 7 * 60 + 39
SRILM_WIKI_PPL, SRILM_WIKI_CACHE_PPL = 224.8, 174.4
MIXTURE_GOAL = 247.0


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


class _Discard:
    def write(self, text):
        pass


def ppl(scorer, path):
    from ngramlm.evaluate import PplOptions, ppl_file

    return ppl_file(scorer, str(path), PplOptions(unk_is_word=True), out=_Discard())


def word_model(corpus: Path, order: int):
    from ngramlm.counts import count_files
    from ngramlm.evaluate import BackoffScorer
    from ngramlm.smoothing import estimate

    counts = count_files([str(corpus / "train.txt")], order)
    return BackoffScorer(estimate(counts, "modified-kneser-ney", interpolate=True, unk=True))


def brown_rows(class_counts, max_passes):
    from ngramlm.classes import ClassScorer, InterpolatedScorer, train_class_model, tune_interpolation
    from ngramlm.clustering import cluster_counts
    from ngramlm.counts import count_files
    from ngramlm.evaluate import PplOptions

    rows = []
    word = word_model(BROWN, 3)
    word_ppl1 = ppl(word, BROWN / "test.txt").ppl1
    rows.append(("brown-bengio word trigram (mkn, interpolated)", "test ppl1", f"{word_ppl1:.2f}", ""))
    bigrams = count_files([str(BROWN / "train.txt")], 2)
    for num_classes in class_counts:
        start = time.perf_counter()
        result = cluster_counts(bigrams, num_classes, max_passes=max_passes)
        seconds = time.perf_counter() - start
        peer = f"SRILM -incremental: {SRILM_CLUSTER_200_SECONDS} s" if num_classes == 200 else ""
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
    from ngramlm.cache import WIKITEXT_ARTICLE, CacheScorer, cache_ppl, tune_cache_weight
    from ngramlm.evaluate import PplOptions

    options = PplOptions(unk_is_word=True)
    word = word_model(WIKI, 5)
    plain = ppl(word, WIKI / "test.txt")
    rows = [("wikitext-2 word 5-gram (mkn, interpolated)", "test ppl / ppl1", f"{plain.ppl:.1f} / {plain.ppl1:.1f}",
             f"SRILM: {SRILM_WIKI_PPL}")]
    cache = CacheScorer(word, 1000, 0.2, unk_is_word=True)
    start = time.perf_counter()
    fixed = cache_ppl(cache, str(WIKI / "test.txt"), options)
    seconds = time.perf_counter() - start
    rows.append(("wikitext-2 5-gram + cache 1000, weight 0.2", "test ppl / ppl1",
                 f"{fixed.ppl:.1f} / {fixed.ppl1:.1f} ({seconds:.1f} s)", f"SRILM: {SRILM_WIKI_CACHE_PPL}"))
    cache.weight = tune_cache_weight(cache, str(WIKI / "valid.txt"), options)
    tuned = cache_ppl(cache, str(WIKI / "test.txt"), options)
    rows.append((f"wikitext-2 5-gram + cache 1000, weight {cache.weight:.3f} (tuned on valid)", "test ppl / ppl1",
                 f"{tuned.ppl:.1f} / {tuned.ppl1:.1f}", ""))
    cache.reset()
    articles = cache_ppl(cache, str(WIKI / "test.txt"), options, boundary=WIKITEXT_ARTICLE)
    rows.append((f"wikitext-2 5-gram + cache 1000, weight {cache.weight:.3f}, emptied at each article",
                 "test ppl / ppl1", f"{articles.ppl:.1f} / {articles.ppl1:.1f}", ""))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--classes", type=int, nargs="+", default=[100, 200])
    parser.add_argument("--max-passes", type=int, default=20)
    parser.add_argument("--skip-cache", action="store_true", help="Leave out the wikitext-2 cache rows.")
    args = parser.parse_args()
    rows = brown_rows(args.classes, args.max_passes)
    if not args.skip_cache:
        rows += wiki_rows()
    print(f"machine: {machine()}")
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'measure':<16} {'ngramlm':<28} peer")
    for what, measure, value, peer in rows:
        print(f"{what:<{width}}  {measure:<16} {value:<28} {peer}")


if __name__ == "__main__":
    main()
