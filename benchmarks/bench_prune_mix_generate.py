"""Pruning, mixing and generation on the SRILM reference models of brown-10k, against SRILM's own outputs.

    python benchmarks/bench_prune_mix_generate.py [--sweep 1e-8 1e-7 3e-7 1e-6 1e-5] [--sentences 200]

Peer: SRILM 1.7.3, through the outputs kept in ../shared/reference/srilm-brown-10k (`ngram -prune`, `ngram
-mix-lm -lambda 0.6 -write-lm`, `-bayes 0`): sizes, n-gram sets and test perplexities are compared with them.
SRILM itself is not run here, so only ngramlm is timed. Generation is timed against the obvious loop that SRILM's
LM::generateWord uses (score every word of the vocabulary one by one, here with tests/reference_backoff.logprob_ids).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))
REFERENCE = SHARED / "reference" / "srilm-brown-10k"
VALID = SHARED / "corpora" / "brown-10k" / "valid.txt"


def srilm_ppl(name: str) -> float:
    return float(re.search(r"ppl= ([0-9.]+)", (REFERENCE / name).read_text()).group(1))


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def same_ngrams(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.ngrams, b.ngrams)) and a.sizes() == b.sizes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", type=float, nargs="+", default=[1e-8, 1e-7, 3e-7, 1e-6, 3e-6, 1e-5])
    parser.add_argument("--sentences", type=int, default=200)
    args = parser.parse_args()

    from ngramlm.formats.arpa import read_arpa
    from ngramlm.use.generate import SamplingOptions, SentenceSampler, repetition_statistics
    from ngramlm.use.mix import estimate_mixture_weights, mix_models, score_text
    from ngramlm.use.prune import prune_entropy
    from ngramlm.core.vocab import BOS, BOS_ID, EOS_ID, Vocabulary
    sys.path.insert(0, str(REPO / "tests"))  # the slow reference recursion, the peer of generation
    from reference_backoff import logprob_ids, table

    print(f"machine: {describe_machine()}")
    print(f"peer: SRILM 1.7.3 outputs in {REFERENCE}\n")
    vocab = Vocabulary()
    kn3 = read_arpa(str(REFERENCE / "kn3-interp.arpa.gz"), vocab)
    wb3 = read_arpa(str(REFERENCE / "wb3-interp.arpa.gz"), vocab)
    test = [str(REFERENCE / "test.txt")]

    print("Entropy pruning of kn3-interp (Stolcke 1998), test perplexity")
    print(f"{'threshold':>9} {'sizes (ngramlm)':>24} {'sizes (SRILM)':>24} {'same set':>8} {'ppl':>9} {'SRILM ppl':>9} "
          f"{'seconds':>7}")
    for threshold in args.sweep:
        pruned, seconds = timed(lambda: prune_entropy(kn3, threshold))
        ppl = score_text([pruned], test).perplexity()["ppl"]
        name = f"kn3-interp.prune{threshold:.0e}".replace("e-0", "e-")
        srilm_sizes, same, reference_ppl = "-", "-", "-"
        if (REFERENCE / f"{name}.arpa.gz").exists():
            srilm = read_arpa(str(REFERENCE / f"{name}.arpa.gz"), vocab)
            srilm_sizes, same = "/".join(map(str, srilm.sizes())), "yes" if same_ngrams(pruned, srilm) else "NO"
            reference_ppl = f"{srilm_ppl(name + '.ppl0.txt'):.4f}"
        print(f"{threshold:>9.0e} {'/'.join(map(str, pruned.sizes())):>24} {srilm_sizes:>24} {same:>8} {ppl:>9.4f} "
              f"{reference_ppl:>9} {seconds:>7.2f}")

    print("\nMixing kn3-interp + wb3-interp, lambda 0.6, test perplexity")
    merged, seconds = timed(lambda: mix_models([kn3, wb3], [0.6, 0.4]))
    scores = score_text([kn3, wb3, merged], test)
    srilm_merged = read_arpa(str(REFERENCE / "mix-kn3-wb3.arpa.gz"), vocab)
    finite = [s.logprob[k] > -99 for k, s in enumerate([srilm_merged] * 3)]
    max_diff = max(np.max(np.abs(merged.logprob[k][finite[k]] - srilm_merged.logprob[k][finite[k]])) for k in range(3))
    print(f"{'model':<26} {'ppl':>9} {'SRILM ppl':>9} {'seconds':>7}")
    print(f"{'static (merged ARPA)':<26} {scores.perplexity([0, 0, 1])['ppl']:>9.4f} "
          f"{srilm_ppl('mix-kn3-wb3.ppl0.txt'):>9.4f} {seconds:>7.2f}")
    print(f"{'dynamic (-bayes 0)':<26} {scores.perplexity([0.6, 0.4, 0])['ppl']:>9.4f} "
          f"{srilm_ppl('mix-kn3-wb3.dynamic.ppl0.txt'):>9.4f}")
    print(f"merged n-gram set identical to SRILM's: {same_ngrams(merged, srilm_merged)}; "
          f"largest |log10 p| difference {max_diff:.2e}")

    print(f"\nEM weights on {VALID.name} for kn3-interp + kn5-interp-default (orders 3 and 5)")
    kn5 = read_arpa(str(REFERENCE / "kn5-interp-default.arpa.gz"), vocab)
    dev = score_text([kn3, kn5], [str(VALID)])
    (weights, iterations), seconds = timed(lambda: estimate_mixture_weights(dev.component_logprobs))
    grid = min((dev.perplexity([lam, 1 - lam])["ppl"], lam) for lam in np.linspace(0, 1, 1001))
    print(f"EM: lambda {weights[0]:.5f} ppl {dev.perplexity(weights)['ppl']:.5f} ({iterations} iterations, "
          f"{seconds:.3f} s); best of a 1001-point grid: lambda {grid[1]:.3f} ppl {grid[0]:.5f}")
    merged = mix_models([kn3, kn5], weights)
    check = score_text([kn3, kn5, merged], test)
    print(f"test: dynamic {check.perplexity(list(weights) + [0])['ppl']:.4f}, merged ARPA "
          f"{check.perplexity([0, 0, 1])['ppl']:.4f}")

    print(f"\nGeneration from kn3-interp: {args.sentences} sentences")
    print(f"{'sampler':<44} {'tokens/s':>9} {'distinct-2':>10} {'seq-rep-4':>9}")
    for label, options in [("plain sampling", SamplingOptions()), ("top-k 20", SamplingOptions(top_k=20)),
                           ("top-p 0.9", SamplingOptions(top_p=0.9)),
                           ("temperature 0.7, no-repeat 3", SamplingOptions(temperature=0.7, no_repeat_ngram_size=3))]:
        sampler = SentenceSampler(kn3, options, seed=1)
        sentences, seconds = timed(lambda: [sampler.sample_sentence() for _ in range(args.sentences)])
        tokens = sum(len(s) + 1 for s in sentences)
        stats = repetition_statistics([kn3.vocab.decode(s) for s in sentences])
        print(f"{'ngramlm ' + label:<44} {tokens / seconds:>9.0f} {stats['distinct-2']:>10.4f} "
              f"{stats['seq-rep-4']:>9.4f}")
    words = np.array([w for w in range(len(kn3.vocab)) if w != BOS_ID])
    rng = np.random.default_rng(1)

    def naive_sentence():
        sentence = [BOS_ID]
        while sentence[-1] != EOS_ID and len(sentence) < 100:
            probs = np.array([10 ** logprob_ids(kn3, int(w), sentence)[0] for w in words])
            sentence.append(int(words[np.searchsorted(np.cumsum(probs), rng.random() * probs.sum(), side="right")]))
        return sentence

    table(kn3)
    naive, seconds = timed(lambda: [naive_sentence() for _ in range(3)])
    print(f"{'peer: word-by-word loop (SRILM generateWord)':<44} {sum(len(s) - 1 for s in naive) / seconds:>9.0f} "
          f"{'-':>10} {'-':>9}")
    print(f"({BOS} is never drawn; the peer scores each of {len(words)} words with reference_backoff.logprob_ids)")


if __name__ == "__main__":
    main()
