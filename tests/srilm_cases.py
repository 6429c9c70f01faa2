"""Command lines run by both SRILM 1.7.3 (to make the references in tests/data/srilm, with
tests/data/srilm/make_references.py) and ngramlm (tests/test_srilm_options.py, which compares its stdout and stderr
with them), and the inputs they read, written from slices of the shared corpora.

Placeholders in the arguments: {lm} a trigram model of the first 500 lines of PTB's train.txt (-kndiscount
-interpolate), {lm2} that model cut to order 2 (the recognizer's LM of the Decipher cases), {text} the first 3 lines
of PTB's valid.txt ({pause}: with pause words), {vocab} the sorted words of the first 30 lines of train.txt
({pausevocab}: and -pau-), {data} tests/data/srilm, {files} a list of N-best files, {mix2} / {mix3} / {mix4} a
Witten-Bell bigram, an absolute-discounting trigram and an interpolated Witten-Bell trigram of train.txt's lines
501-600, 601-700 and 701-800 (see MODELS), {latin1} / {gb2312} / {utf8bom} / {utf16le} / {utf16be} text in those
encodings, {classlm} a Witten-Bell trigram of train.txt's first 500 lines with some words replaced by classes
(CLASS_TOKENS), {classes} / {simpleclasses} class definitions, {classtext} lines of valid.txt with words of those
classes, {multitext} / {multivocab} some of those lines with multiwords, and the multiwords, {pausetrain}
train.txt's first 200 lines with pause words, {weighted} / {weightedlast} those lines with weights in front / at the
end, and {readcounts} their trigram counts ({abovecounts}: their trigram counts and some unigram counts), {tagged} /
{taggedtext} / {taggedlm} tagged lines of train.txt and valid.txt and a tagged 4-gram model of the former,
{improper} / {impropertext} an unnormalised bigram model (IMPROPER_LM) and text it scores.
"""
from __future__ import annotations

import codecs
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "srilm"

# (name, tool, arguments, streams compared)
CASES = [
    # -debug 1 on stderr: reading (and skipping above -order), pruning summaries, writing
    ("read-debug1", "ngram", ["-lm", "{lm}", "-order", "2", "-debug", "1", "-ppl", "{text}"], ("stdout", "stderr")),
    ("prune-debug1", "ngram", ["-lm", "{lm}", "-debug", "1", "-prune", "1e-5", "-write-lm", "{tmp}/pruned.lm"],
     ("stderr",)),
    # scoring options
    ("limit-vocab", "ngram", ["-lm", "{lm}", "-vocab", "{vocab}", "-limit-vocab", "-debug", "2", "-ppl", "{text}"],
     ("stdout", "stderr")),
    ("limit-vocab-write", "ngram", ["-lm", "{lm}", "-vocab", "{vocab}", "-limit-vocab", "-write-lm", "-"],
     ("stdout",)),
    ("ppl-pause", "ngram", ["-lm", "{lm}", "-debug", "2", "-ppl", "{pause}"], ("stdout", "stderr")),
    ("skipoovs", "ngram", ["-lm", "{lm}", "-skipoovs", "-debug", "2", "-ppl", "{text}"], ("stdout", "stderr")),
    ("reverse", "ngram", ["-lm", "{lm}", "-reverse", "-debug", "2", "-ppl", "{text}"], ("stdout", "stderr")),
    ("unk-prob", "ngram", ["-lm", "{lm}", "-unk-prob", "-2.5", "-debug", "2", "-ppl", "{text}"],
     ("stdout", "stderr")),
    # -debug 3's warning of a context whose probabilities do not sum to 1 (an improper model): the sum with 6
    # digits, the whole sentence before the word (most recent first, <s> included)
    ("ppl-improper", "ngram", ["-lm", "{improper}", "-debug", "3", "-ppl", "{impropertext}"], ("stdout", "stderr")),
    # the cache model, as SRILM mixes it (its empty cache gives 0 to the first word), with its [cache=P] labels
    ("cache", "ngram", ["-lm", "{lm}", "-cache", "50", "-cache-lambda", "0.2", "-debug", "2", "-ppl", "{classtext}"],
     ("stdout", "stderr")),
    # -debug 3: each word's sum over the vocabulary under the cache it was scored with (0.8 while it is empty)
    ("cache-debug3", "ngram", ["-lm", "{lm}", "-cache", "20", "-cache-lambda", "0.2", "-debug", "3", "-ppl",
                               "{text}"], ("stdout",)),
    # back-off weights recomputed (single precision, as SRILM stores them): pruned, renormalised
    ("prune-write", "ngram", ["-lm", "{lm}", "-prune", "1e-4", "-write-lm", "-"], ("arpa",)),
    ("renorm", "ngram", ["-lm", "{mix4}", "-renorm", "-write-lm", "-"], ("arpa",)),
    # static mixing, pairwise as SRILM merges 3+ models (the written models byte for byte)
    ("mix-two", "ngram", ["-lm", "{mix3}", "-mix-lm", "{mix2}", "-lambda", "0.3", "-write-lm", "-"], ("arpa",)),
    ("mix-pairwise", "ngram", ["-lm", "{mix3}", "-mix-lm", "{mix2}", "-mix-lm2", "{mix4}", "-lambda", "0.5",
                               "-mix-lambda2", "0.2", "-write-lm", "-"], ("arpa",)),
    # an n-gram model's probabilities recomputed by another model (a back-off model; a dynamic mixture), weights
    # recomputed
    ("rescore-ngram", "ngram", ["-lm", "{mix3}", "-rescore-ngram", "{mix4}", "-write-lm", "-"], ("arpa",)),
    ("rescore-ngram-mix", "ngram", ["-lm", "{mix3}", "-mix-lm", "{lm}", "-lambda", "0.6", "-bayes", "0",
                                    "-rescore-ngram", "{mix2}", "-debug", "1", "-ppl", "{text}"],
     ("stdout", "stderr")),
    # N-best rescoring, the three formats
    ("nbest-srilm", "ngram", ["-lm", "{lm}", "-nbest", "{data}/list1.srilm"], ("stdout", "stderr")),
    ("nbest-decipher1", "ngram", ["-lm", "{lm}", "-nbest", "{data}/list2.dec1", "-rescore-lmw", "9",
                                  "-rescore-wtw", "-1.5"], ("stdout", "stderr")),
    ("nbest-decipher2", "ngram", ["-lm", "{lm}", "-nbest", "{data}/list3.dec2", "-decipher-nbest"],
     ("stdout", "stderr")),
    ("nbest-decipher-lm", "ngram", ["-lm", "{lm}", "-nbest", "{data}/list2.dec1", "-decipher-lm", "{lm2}",
                                    "-decipher-lmw", "7", "-decipher-wtw", "2", "-unk"], ("stdout", "stderr")),
    ("nbest-files", "ngram", ["-lm", "{lm}", "-nbest-files", "{files}", "-max-nbest", "4"], ("stdout", "stderr")),
    ("nbest-no-reorder", "ngram", ["-lm", "{lm}", "-nbest", "{data}/list3.dec2", "-no-reorder", "-rescore-lmw",
                                   "0", "-rescore-wtw", "0.5"], ("stdout", "stderr")),
    ("nbest-odd", "ngram", ["-lm", "{lm}", "-nbest", "{data}/odd.srilm", "-no-sos"], ("stdout", "stderr")),
    # multiwords of N-best hypotheses split into their components (scored and written so), by '_' or -multi-char
    ("nbest-split-multiwords", "ngram", ["-lm", "{lm}", "-nbest", "{data}/multi.srilm", "-split-multiwords"],
     ("stdout", "stderr")),
    ("nbest-split-multichar", "ngram", ["-lm", "{lm}", "-nbest", "{data}/multi.srilm", "-split-multiwords",
                                        "-multi-char", "+", "-rescore-wtw", "0.5"], ("stdout", "stderr")),
    ("rescore", "ngram", ["-lm", "{lm}", "-rescore", "{data}/stream.txt"], ("stdout", "stderr")),
    ("rescore-decipher-lm", "ngram", ["-lm", "{lm}", "-rescore", "{data}/stream.txt", "-decipher-lm", "{lm2}",
                                      "-decipher-wtw", "1", "-decipher-nobackoff"], ("stdout", "stderr")),
    # ngram-count: counts on standard output, text in any encoding
    ("count-sort", "ngram-count", ["-text", "{text}", "-sort"], ("stdout", "stderr")),
    ("count-debug1", "ngram-count", ["-debug", "1", "-text", "{latin1}", "-vocab", "{vocab}", "-write",
                                     "{tmp}/counts.txt"], ("stderr",)),
    ("count-latin1", "ngram-count", ["-order", "2", "-text", "{latin1}", "-sort"], ("stdout", "stderr")),
    ("count-gb2312", "ngram-count", ["-order", "2", "-text", "{gb2312}", "-sort"], ("stdout", "stderr")),
    ("count-utf8bom", "ngram-count", ["-order", "1", "-text", "{utf8bom}", "-sort"], ("stdout", "stderr")),
    ("count-utf16le", "ngram-count", ["-order", "1", "-text", "{utf16le}", "-sort"], ("stdout", "stderr")),
    ("count-utf16be", "ngram-count", ["-order", "1", "-text", "{utf16be}", "-sort"], ("stdout", "stderr")),
    # -write-vocab with SRILM's pause word, which every SRILM vocabulary holds; such a vocabulary read back (a
    # closed vocabulary with -pau-) adds no -pau- unigram: SRILM gives non-events one only where they were counted
    ("count-write-vocab", "ngram-count", ["-text", "{text}", "-write-vocab", "-"], ("stdout",)),
    ("write-vocab", "ngram", ["-lm", "{mix2}", "-write-vocab", "-"], ("stdout",)),
    ("count-pause-vocab", "ngram-count", ["-text", "{text}", "-vocab", "{pausevocab}", "-order", "2", "-lm", "-"],
     ("arpa",)),
    ("count-gb2312-lm", "ngram-count", ["-order", "2", "-text", "{gb2312}", "-wbdiscount", "-lm", "-"],
     ("stdout",)),
    # estimation with the pause word a non-event, and -debug 1's notes (method, left-over mass, discards)
    ("count-pause-wb", "ngram-count", ["-debug", "1", "-text", "{pausetrain}", "-wbdiscount", "-lm", "-"],
     ("stdout", "stderr")),
    ("count-pause-cdiscount", "ngram-count", ["-debug", "1", "-order", "2", "-text", "{pausetrain}", "-cdiscount",
                                              "0.7", "-interpolate", "-lm", "-"], ("stdout", "stderr")),
    # -debug 1's discount estimation (count-of-counts, discounts, SRILM's warnings) after each `using` line, and
    # the contexts left without back-off mass (in the order SRILM's count trie gives them: count-debug-gt4)
    ("count-debug-gt", "ngram-count", ["-debug", "1", "-text", "{tmp}/mix3.txt", "-lm", "{tmp}/gt.lm"],
     ("stderr",)),
    ("count-debug-gt4", "ngram-count", ["-debug", "1", "-text", "{train}", "-order", "4", "-lm", "{tmp}/gt4.lm"],
     ("stderr",)),
    ("count-debug-gtmax", "ngram-count", ["-debug", "1", "-text", "{tmp}/mix2.txt", "-gt1max", "0", "-gt3max", "9",
                                          "-lm", "{tmp}/gtmax.lm"], ("stderr",)),
    ("count-debug-kn", "ngram-count", ["-debug", "1", "-text", "{train}", "-kndiscount", "-interpolate", "-lm",
                                       "{tmp}/kn.lm"], ("stderr",)),
    ("count-debug-ukn", "ngram-count", ["-debug", "1", "-text", "{tmp}/mix2.txt", "-ukndiscount", "-lm",
                                        "{tmp}/ukn.lm"], ("stderr",)),
    ("count-gt-warnings", "ngram-count", ["-text", "{tmp}/mix3.txt", "-lm", "-"], ("arpa", "stderr")),
    # Kneser-Ney at orders 4-5: a weight (0) on every suffix of a context, as SRILM's trie of contexts has one, though
    # the suffix's own extensions fell below the cut-off as continuation counts ("and $ N" of "$ N" ... )
    ("count-kn5-suffixes", "ngram-count", ["-text", "{train}", "-order", "5", "-kndiscount", "-interpolate", "-lm",
                                           "-"], ("arpa",)),
    ("count-ukn5-suffixes", "ngram-count", ["-text", "{tmp}/mix2.txt", "-order", "5", "-ukndiscount", "-lm", "-"],
     ("arpa",)),
    # without -lm: the orders with a method flag or a discount file (-knN / -gtN, written)
    ("count-debug-knfile", "ngram-count", ["-debug", "1", "-text", "{tmp}/mix2.txt", "-kndiscount", "-kn2",
                                           "{tmp}/kn2.txt"], ("stderr",)),
    ("count-gtfile", "ngram-count", ["-text", "{tmp}/mix3.txt", "-gt3", "{tmp}/gt3.txt"], ("stderr",)),
    # pruning while counting: the estimated model pruned before it is written
    ("count-prune-kn", "ngram-count", ["-text", "{train}", "-kndiscount", "-interpolate", "-prune", "1e-5", "-lm",
                                       "-"], ("arpa",)),
    ("count-prune-wb", "ngram-count", ["-debug", "1", "-text", "{train}", "-wbdiscount", "-prune", "1e-6",
                                       "-minprune", "3", "-lm", "-"], ("arpa", "stderr")),
    # weighted text (whole counts: the digits before the point; fractional with -float-counts), fractional
    # estimation with the methods SRILM allows, counts read with cut-offs ("arpa" keeps the counts compressed too)
    ("count-weights", "ngram-count", ["-order", "2", "-text", "{weighted}", "-text-has-weights", "-sort"],
     ("arpa",)),
    ("count-float", "ngram-count", ["-text", "{weighted}", "-text-has-weights", "-float-counts", "-sort",
                                    "-write-order", "3"], ("arpa",)),
    ("count-float-wb", "ngram-count", ["-debug", "1", "-text", "{weighted}", "-text-has-weights", "-float-counts",
                                       "-wbdiscount", "-interpolate", "-lm", "-"], ("arpa", "stderr")),
    ("count-float-cdiscount", "ngram-count", ["-text", "{weightedlast}", "-text-has-weights-last", "-float-counts",
                                              "-cdiscount", "0.7", "-gt3min", "1", "-lm", "-"], ("arpa",)),
    ("count-float-addsmooth", "ngram-count", ["-order", "2", "-text", "{weighted}", "-text-has-weights",
                                              "-float-counts", "-addsmooth", "0.5", "-lm", "-"], ("arpa",)),
    # count-file lines above -order are skipped whole: their words do not join the vocabulary
    ("count-above-order-vocab", "ngram-count", ["-read", "{abovecounts}", "-order", "2", "-write-vocab", "-"],
     ("stdout",)),
    ("count-above-order-lm", "ngram-count", ["-read", "{abovecounts}", "-order", "2", "-addsmooth", "0.5", "-lm",
                                             "-"], ("arpa",)),
    ("count-mincounts-gt", "ngram-count", ["-read", "{readcounts}", "-read-with-mincounts", "-gt2min", "2", "-lm",
                                           "-"], ("arpa",)),
    ("count-mincounts-wb", "ngram-count", ["-read", "{readcounts}", "-read-with-mincounts", "-wbdiscount", "-gt3min",
                                           "3", "-lm", "-"], ("arpa",)),
    # n-grams of count 0 among their context's followers, as SRILM's estimate counts them: Kneser-Ney's continuation
    # counts of words only ever first under -no-sos (the unigrams then sum past one: SRILM's "BOW numerator" line),
    # and the prefixes of kept trigrams whose bigrams -read-with-mincounts dropped (nodes of SRILM's count trie)
    ("count-no-sos-kn", "ngram-count", ["-debug", "1", "-text", "{tmp}/mix2.txt", "-no-sos", "-kndiscount",
                                        "-interpolate", "-lm", "-"], ("arpa", "stderr")),
    ("count-mincounts-kn", "ngram-count", ["-debug", "1", "-read", "{readcounts}", "-read-with-mincounts",
                                           "-kndiscount", "-interpolate", "-gt2min", "2", "-gt3min", "1", "-lm", "-"],
     ("arpa", "stderr")),
    # -debug 1's discards at order 5: continuation counts below the cut-off whose n-grams are contexts all the same
    # (discounted, then inserted back as redundant)
    ("count-debug-kn5", "ngram-count", ["-debug", "1", "-text", "{train}", "-order", "5", "-kndiscount",
                                        "-interpolate", "-lm", "{tmp}/kn5.lm"], ("stderr",)),
    # count-of-count meta n-grams (-meta-tag): the counts -read-with-mincounts leaves out kept as `context TAGk`,
    # and estimation from them (their counts of counts in the totals, followers and discounts)
    ("count-meta-convert", "ngram-count", ["-read", "{readcounts}", "-read-with-mincounts", "-meta-tag", "__meta__",
                                           "-gt2min", "2", "-gt3min", "3", "-write", "-", "-sort"], ("stdout",)),
    ("count-meta-gt", "ngram-count", ["-read", "{readcounts}", "-read-with-mincounts", "-meta-tag", "__meta__",
                                      "-gt3min", "2", "-lm", "-"], ("arpa", "stderr")),
    ("count-meta-wb", "ngram-count", ["-read", "{readcounts}", "-read-with-mincounts", "-meta-tag", "__meta__",
                                      "-wbdiscount", "-interpolate", "-gt2min", "2", "-gt3min", "2", "-lm", "-"],
     ("arpa",)),
    ("count-meta-kn", "ngram-count", ["-read", "{readcounts}", "-read-with-mincounts", "-meta-tag", "__meta__",
                                      "-kndiscount", "-gt3min", "2", "-lm", "-"], ("arpa",)),
    ("count-meta-addsmooth", "ngram-count", ["-read", "{readcounts}", "-read-with-mincounts", "-meta-tag",
                                             "__meta__", "-order", "2", "-addsmooth", "0.5", "-gt2min", "2", "-lm",
                                             "-"], ("arpa",)),
    # class models: general (multi-word expansions, a word in two classes), simple, expanded into a word model
    ("classes", "ngram", ["-lm", "{classlm}", "-classes", "{classes}", "-debug", "1", "-ppl", "{classtext}"],
     ("stdout", "stderr")),
    ("classes-simple", "ngram", ["-lm", "{classlm}", "-classes", "{simpleclasses}", "-simple-classes", "-debug",
                                 "1", "-ppl", "{classtext}"], ("stdout", "stderr")),
    ("expand-classes", "ngram", ["-lm", "{classlm}", "-classes", "{classes}", "-expand-classes", "3", "-debug", "1",
                                 "-ppl", "{classtext}"], ("stdout", "stderr")),
    ("expand-classes-lm", "ngram", ["-lm", "{classlm}", "-order", "2", "-classes", "{classes}", "-expand-classes",
                                    "0", "-write-lm", "-"], ("arpa",)),
    # -expand-exact 2: the expanded bigrams and trigrams get the class model's own conditional probabilities
    ("expand-exact-lm", "ngram", ["-lm", "{classlm}", "-classes", "{classes}", "-expand-classes", "3",
                                  "-expand-exact", "2", "-write-lm", "-"], ("arpa",)),
    # multiwords scored by their components
    ("multiwords", "ngram", ["-lm", "{lm}", "-multiwords", "-vocab", "{multivocab}", "-debug", "2", "-ppl",
                             "{multitext}"], ("stdout", "stderr")),
    # tagged models: word and tag n-grams counted, tags non-events, the tagged back-off in estimation (order 4:
    # its back-off weights differ from a plain recursion's) and in scoring ([1+Tgram] and [2+Tgram] hits)
    ("count-tagged", "ngram-count", ["-text", "{tagged}", "-tagged", "-order", "4", "-lm", "-"], ("arpa", "stderr")),
    ("count-tagged-vocab", "ngram-count", ["-text", "{tagged}", "-tagged", "-write-vocab", "-"], ("stdout",)),
    ("ppl-tagged", "ngram", ["-lm", "{taggedlm}", "-order", "4", "-tagged", "-debug", "2", "-ppl", "{taggedtext}"],
     ("stdout", "stderr")),
]

# A bigram model whose back-off weights do not normalise it (ngramlm's own), and text it scores.
IMPROPER_LM = """
\\data\\
ngram 1=5
ngram 2=3

\\1-grams:
-99\t<s>\t-0.3
-0.6\t</s>
-0.5\ta\t-0.2
-0.5\tb\t-0.1
-0.7\tc

\\2-grams:
-0.3\t<s> a
-0.2\ta b
-0.4\tb c

\\end\\
"""
IMPROPER_TEXT = "a b c a b\nb a c c\n"

# Class definitions of the class cases: CITY expands to phrases, `million` is in two classes, and the simple
# classes' probabilities do not sum to 1 (SRILM uses them as given).
CLASSES = """CITY 0.6 new york
CITY 0.3 washington
CITY 0.1 los angeles
NUM 0.8 N
NUM 0.2 million
UNIT 0.7 billion
UNIT 0.3 million
"""
SIMPLE_CLASSES = """NUM 0.7 N
NUM 0.2 million
UNIT billion
"""
# The class model's training text: the first 500 lines of train.txt with these replaced by their classes.
CLASS_TOKENS = [("new york", "CITY"), ("washington", "CITY"), ("los angeles", "CITY"), (" N ", " NUM "),
                (" billion ", " UNIT ")]
MULTIWORDS = ["of_the", "in_the", "new_york", "$_N_billion"]


def _lines(path: Path, count: int, keep=lambda line: True) -> list[str]:
    found = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if keep(line):
                found.append(line)
                if len(found) == count:
                    break
    return found


def _latin1(line: str) -> bool:
    try:
        line.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return any(ord(c) > 127 for c in line)


def write_inputs(corpora: Path, folder: Path) -> dict[str, str]:
    """The text inputs of the cases, written into `folder`; returns the placeholders' values (but {lm} and
    {lm2}, which the caller makes)."""
    folder.mkdir(parents=True, exist_ok=True)
    values = {"data": str(DATA), "tmp": str(folder)}
    train = corpora / "ptb" / "train.txt"
    (folder / "train500.txt").write_text("".join(_lines(train, 500)), encoding="utf-8")
    lines = _lines(train, 800)
    for name, start in [("mix2", 500), ("mix3", 600), ("mix4", 700)]:
        (folder / f"{name}.txt").write_text("".join(lines[start:start + 100]), encoding="utf-8")
    (folder / "text.txt").write_text("".join(_lines(corpora / "ptb" / "valid.txt", 3)), encoding="utf-8")
    # pauses between words, at the start and at the end: SRILM leaves them out
    (folder / "pause.txt").write_text("".join("-pau- " + line.replace(" ", " -pau- ", 2).rstrip("\n") + " -pau-\n"
                                              for line in _lines(corpora / "ptb" / "valid.txt", 3)), encoding="utf-8")
    words = sorted({w for line in _lines(train, 30) for w in line.split()})
    (folder / "vocab.txt").write_text("".join(w + "\n" for w in words), encoding="utf-8")
    (folder / "pausevocab.txt").write_text("".join(w + "\n" for w in [*words, "-pau-"]), encoding="utf-8")
    (folder / "files.txt").write_text("".join(f"{DATA / name}\n" for name in ["list1.srilm", "list2.dec1",
                                                                             "list3.dec2"]), encoding="utf-8")
    latin = "".join(_lines(corpora / "wikitext-2" / "valid.txt", 12, _latin1))
    (folder / "latin1.txt").write_bytes(latin.encode("latin-1"))
    chinese = "".join(_lines(corpora / "zh-gsdsimp" / "test.txt", 20))
    (folder / "gb2312.txt").write_bytes(chinese.encode("gb2312"))
    # Byte-order marks (CR LF line ends, as Windows editors write them). Short lines of Latin-1 words: SRILM reads
    # UTF-16 with fgets into a buffer, which splits a character with a 0x0A byte (as U+4E0A) and a line longer
    # than its buffer; ngramlm converts such text whole.
    dos = "".join(" ".join(line.split()[:12]) + "\r\n" for line in latin.splitlines())
    (folder / "utf8bom.txt").write_bytes(codecs.BOM_UTF8 + dos.encode("utf-8"))
    (folder / "utf16le.txt").write_bytes(codecs.BOM_UTF16_LE + dos.encode("utf-16-le"))
    (folder / "utf16be.txt").write_bytes(codecs.BOM_UTF16_BE + dos.encode("utf-16-be"))
    # pauses after the second word and at the end of every other line of train.txt's first 200
    (folder / "pausetrain.txt").write_text("".join(
        line.replace(" ", " -pau- ", 2).replace(" -pau- ", " ", 1).rstrip("\n") + (" -pau-\n" if n % 2 else "\n")
        for n, line in enumerate(_lines(train, 200))), encoding="utf-8")
    # weights 1, 2.5 and 0.5 in turn (whole counts: 1, 2 and 0), in front and at the end of train.txt's first 200
    weighted = [(("1", "2.5", "0.5")[n % 3], line.strip()) for n, line in enumerate(_lines(train, 200))]
    (folder / "weighted.txt").write_text("".join(f"{w} {line}\n" for w, line in weighted), encoding="utf-8")
    (folder / "weightedlast.txt").write_text("".join(f"{line} {w}\n" for w, line in weighted), encoding="utf-8")
    # trigram counts of those lines, by hand (<s> and </s> added), for -read
    grams: dict[tuple[str, ...], int] = {}
    for _, line in weighted:
        words = ["<s>", *line.split(), "</s>"]
        for n in (1, 2, 3):
            for i in range(len(words) - n + 1):
                grams[tuple(words[i:i + n])] = grams.get(tuple(words[i:i + n]), 0) + 1
    (folder / "readcounts.txt").write_text("".join(f"{' '.join(g)}\t{c}\n" for g, c in sorted(grams.items())),
                                       encoding="utf-8")
    # 50 of their unigrams and all the trigrams: read at -order 2, the trigrams' other words are no words
    (folder / "abovecounts.txt").write_text("".join(f"{' '.join(g)}\t{c}\n" for g, c in sorted(grams.items())
                                                    if len(g) == 3) + "".join(
        f"{g[0]}\t{c}\n" for g, c in sorted(grams.items())[:200] if len(g) == 1), encoding="utf-8")
    classed = []
    for line in _lines(train, 500):
        for phrase, token in CLASS_TOKENS:
            line = line.replace(phrase, token)
        classed.append(line)
    (folder / "classtrain.txt").write_text("".join(classed), encoding="utf-8")
    (folder / "classes.txt").write_text(CLASSES, encoding="utf-8")
    (folder / "improper.lm").write_text(IMPROPER_LM, encoding="utf-8")
    (folder / "impropertext.txt").write_text(IMPROPER_TEXT, encoding="utf-8")
    (folder / "simpleclasses.txt").write_text(SIMPLE_CLASSES, encoding="utf-8")
    with_classes = _lines(corpora / "ptb" / "valid.txt", 6, lambda line: "new york" in line or "billion" in line)
    (folder / "classtext.txt").write_text("".join(with_classes), encoding="utf-8")
    # training lines: no unknown words (under -multiwords SRILM shows an unknown word by its spelling, ngramlm as
    # <unk>)
    multi = _lines(train, 4, lambda line: "new york" in line)
    for word in MULTIWORDS:
        multi = [f" {line.strip()} ".replace(f" {word.replace('_', ' ')} ", f" {word} ").strip() + "\n"
                 for line in multi]
    (folder / "multitext.txt").write_text("".join(multi), encoding="utf-8")
    (folder / "multivocab.txt").write_text("".join(w + "\n" for w in MULTIWORDS), encoding="utf-8")
    # tagged text: PTB words tagged by their length (T0..T5), <unk> untagged
    def tagged(line: str) -> str:
        return " ".join(w if w == "<unk>" else f"{w}/T{len(w) % 6}" for w in line.split()) + "\n"

    (folder / "tagged.txt").write_text("".join(map(tagged, lines[:150])), encoding="utf-8")
    # scored: lines of valid.txt, and training lines with every third word swapped for another word of its tag
    # (their tag n-grams were seen, their word n-grams were not: [k+Tgram] hits)
    by_tag: dict[int, list[str]] = {}
    for word in sorted({w for line in lines[:150] for w in line.split()}):
        by_tag.setdefault(len(word) % 6, []).append(word)

    def swapped(line: str) -> str:
        words = line.split()
        for i in range(0, len(words), 3):
            same = by_tag[len(words[i]) % 6]
            words[i] = same[(same.index(words[i]) + 1) % len(same)] if words[i] != "<unk>" else words[i]
        return " ".join(words)

    scored = _lines(corpora / "ptb" / "valid.txt", 2) + [swapped(line) for line in lines[100:104]]
    (folder / "taggedtext.txt").write_text("".join(map(tagged, scored)), encoding="utf-8")
    for name in ["text", "pause", "vocab", "pausevocab", "files", "latin1", "gb2312", "utf8bom", "utf16le",
                 "utf16be", "classes", "pausetrain", "simpleclasses", "classtext", "multitext", "multivocab",
                 "weighted", "weightedlast", "readcounts", "abovecounts", "tagged", "taggedtext", "impropertext"]:
        values[name] = str(folder / f"{name}.txt")
    values["train"] = str(folder / "train500.txt")
    for name in ["mix2", "mix3", "mix4", "classlm", "taggedlm", "improper"]:
        values[name] = str(folder / f"{name}.lm")
    return values


# How the inputs' models are made, by `ngram-count` (SRILM's or ngramlm's: they agree byte for byte here).
MODELS = [
    ["-text", "{train}", "-order", "3", "-kndiscount", "-interpolate", "-lm", "{lm}"],
    ["-text", "{tmp}/mix2.txt", "-order", "2", "-wbdiscount", "-lm", "{mix2}"],
    ["-text", "{tmp}/mix3.txt", "-order", "3", "-cdiscount", "0.7", "-lm", "{mix3}"],
    ["-text", "{tmp}/mix4.txt", "-order", "3", "-wbdiscount", "-interpolate", "-lm", "{mix4}"],
    ["-text", "{tmp}/classtrain.txt", "-order", "3", "-wbdiscount", "-lm", "{classlm}"],
    ["-text", "{tagged}", "-tagged", "-order", "4", "-wbdiscount", "-lm", "{taggedlm}"],
]


# Cases compared number by number within a tolerance (relative above 1), not byte for byte: the expanded class
# model's sums run in another order than SRILM's, so the last printed digit of a perplexity, a probability or a
# back-off weight (recomputed from single-precision sums) may differ. (The class models themselves, -classes with
# and without -simple-classes, follow SRILM's float arithmetic and are compared byte for byte.)
APPROXIMATE = {"expand-classes": 1e-6, "expand-classes-lm": 5e-5, "expand-exact-lm": 5e-5}


def same_numbers(got: bytes, expected: bytes, tolerance: float) -> bool:
    """Texts equal word for word but for numbers within `tolerance` (relative where larger than 1)."""
    got_lines, expected_lines = got.splitlines(), expected.splitlines()
    if len(got_lines) != len(expected_lines):
        return False
    for a, b in zip(got_lines, expected_lines):
        words_a, words_b = a.split(), b.split()
        if len(words_a) != len(words_b):
            return False
        for x, y in zip(words_a, words_b):
            if x == y:
                continue
            try:
                fx, fy = float(x), float(y)
            except ValueError:
                return False
            if abs(fx - fy) > tolerance * max(1.0, abs(fy)):
                return False
    return True


def arguments(args: list[str], values: dict[str, str]) -> list[str]:
    return [a.format(**values) for a in args]
