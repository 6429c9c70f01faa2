"""Chinese word segmentation: ngramlm's segmenters against jieba on UD Chinese-GSDSimp's test set.

    nice -n 19 python benchmarks/bench_segment.py [--rounds 7]

Word-span F of `test.raw.txt` segmented, against the gold `test.txt` (white space in the raw text is a boundary
and never a word, for every segmenter), and speed in characters per second of segmenting the 500 lines once the
segmenter is loaded (load times are shown apart). Segmenters:
  jieba 0.42.1, default mode (`jieba.cut`, dictionary and HMM for unknown words);
  fmm / bmm: ngramlm's forward / backward maximum matching with jieba's word list (`--method fmm --lexicon jieba`);
  ngramlm viterbi: `ngramlm segment --lexicon jieba --train valid.txt` (defaults: a word bigram model of valid.txt
  mixed with jieba's word list), and the same with `--order 1`.
Speed is measured in `--rounds` rounds; in each, jieba and ngramlm's default segmenter run one after the other, in
alternating order, and the ratio of their speeds is taken within the round; the table gives the median ratio and
its range. The test file is used for scoring only; the settings were tuned by cross-validation on valid.txt.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from machine import describe_machine

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))
ZH = SHARED / "corpora" / "zh-gsdsimp"


def load_segmenters(order_one: bool = True):
    """(name, load seconds, segment function) of each segmenter."""
    import jieba
    from ngramlm.use.segment import Segmenter, read_lexicon, read_segmented, train_model

    jieba.setLogLevel(60)
    start = time.perf_counter()
    jieba.initialize()
    segmenters = [("jieba 0.42.1 (default mode)", time.perf_counter() - start,
                   lambda line: [w for w in jieba.cut(line) if not w.isspace()])]
    start = time.perf_counter()
    lexicon = read_lexicon("jieba")
    lexicon_seconds = time.perf_counter() - start
    for method in ("fmm", "bmm"):
        start = time.perf_counter()
        segmenter = Segmenter(method, words=lexicon)
        segmenters.append((f"ngramlm {method} (jieba's word list)", lexicon_seconds + time.perf_counter() - start,
                           segmenter.segment))
    valid = read_segmented(str(ZH / "valid.txt"))
    for order in (2, 1) if order_one else (2,):
        start = time.perf_counter()
        segmenter = Segmenter("viterbi", model=train_model(valid, lexicon, order=order))
        flag = "" if order == 2 else " --order 1"
        segmenters.append((f"ngramlm viterbi{flag} (--lexicon jieba --train valid.txt)",
                           lexicon_seconds + time.perf_counter() - start, segmenter.segment))
    return segmenters


def timed(segment, lines: list[str]) -> tuple[list[list[str]], float]:
    start = time.perf_counter()
    words = [segment(line) for line in lines]
    return words, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="alternating speed rounds")
    args = parser.parse_args()
    if not (ZH / "test.raw.txt").exists():
        sys.exit(f"bench_segment: the corpus is not at {ZH} (set NGRAMLM_SHARED to the shared folder)")
    from ngramlm.use.segment import span_f

    raw = (ZH / "test.raw.txt").read_text(encoding="utf-8").splitlines()
    gold = [line.split() for line in (ZH / "test.txt").read_text(encoding="utf-8").splitlines()]
    characters = sum(len("".join(line.split())) for line in raw)
    segmenters = load_segmenters()
    jieba_segment, ours_segment = segmenters[0][2], segmenters[3][2]

    speeds: dict[str, list[float]] = {name: [] for name, _, _ in segmenters}
    scores = {}
    ratios = []
    for round_number in range(args.rounds):
        pair = [(segmenters[0][0], jieba_segment), (segmenters[3][0], ours_segment)]
        if round_number % 2:
            pair.reverse()
        seconds = {}
        for name, segment in pair:
            _, seconds[name] = timed(segment, raw)
            speeds[name].append(characters / seconds[name])
        ratios.append(seconds[segmenters[0][0]] / seconds[segmenters[3][0]])
        for name, _, segment in segmenters:
            if name in seconds:
                continue
            _, elapsed = timed(segment, raw)
            speeds[name].append(characters / elapsed)
    for name, _, segment in segmenters:
        scores[name] = span_f(timed(segment, raw)[0], gold)

    print(f"Machine: {describe_machine()}")
    print(f"Text: ../shared/corpora/zh-gsdsimp/test.raw.txt, {len(raw)} lines, {characters:,} characters; {args.rounds} rounds\n")
    print("| segmenter | P | R | F | chars/s (median) | load s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, load_seconds, _ in segmenters:
        precision, recall, f = scores[name]
        print(f"| {name} | {precision:.3f} | {recall:.3f} | {f:.3f} | {statistics.median(speeds[name]):,.0f} | "
              f"{load_seconds:.2f} |")
    print(f"\nngramlm viterbi (default) / jieba speed, per round: median {statistics.median(ratios):.2f}x, "
          f"range {min(ratios):.2f}-{max(ratios):.2f}x")


if __name__ == "__main__":
    main()
