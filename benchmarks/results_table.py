"""Results table: test perplexity of every smoothing method, back-off and interpolated, at orders 2 to 5 on the
shared corpora, beside SRILM 1.7.3's figure for the same model wherever ../shared/reference has one.

    python benchmarks/results_table.py        # the full table (about 30 minutes on 2 shared cores)
    python benchmarks/results_table.py --corpora ptb srilm-brown-10k --references-only    # the SRILM cases only

Each row is the model that
    ngram-count -text CORPUS/train.txt -order N FLAGS -unk -lm m.arpa
    ngram -lm m.arpa -order N -unk -ppl CORPUS/test.txt
would build and score (the `command` column of the CSV spells both out). It is estimated in-process
(ngramlm.counting.counts.count_files, ngramlm.smoothing.estimate) and scored by ngramlm.use.evaluate.ppl_file, SRILM's -ppl
rules: blank lines skipped, </s> counted in `ppl`, not in `ppl1`, `<unk>` an ordinary word of the closed
vocabulary (-unk).

Cut-offs (SRILM's -gtNmin: N-grams seen fewer times are dropped, for every method). The grid uses SRILM's
defaults (gtNmin is 1 for orders 1-2 and 2 above, so singleton 3-, 4- and 5-grams are left out) and, beside them,
none at all (-gtNmin 1, as most SRILM reference commands have it); `--cutoffs default` keeps only the first. The
configurations of the SRILM reference commands (commands.sh in ../shared/reference/srilm-*) are added where they
differ (PTB's kn5-interp keeps the 5-gram cut-off only). The `cut-offs` column lists gtNmin for N = 1..order.

A reference row's figure is what SRILM printed (NAME.ppl0.txt); `match` says whether ppl and ppl1, printed with
SRILM's %.7g, are the same strings.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import re
import shlex
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ngramlm.core.model import LOG10_ZERO, BackoffModel  # noqa: E402
from ngramlm.corpora.reader import TextOptions  # noqa: E402
from ngramlm.counting.corpus_count import count_files  # noqa: E402
from ngramlm.counting.counts import NgramCounts
from ngramlm.use.ppl_report import PplOptions, ppl_file  # noqa: E402
from ngramlm.use.scoring import BackoffScorer  # noqa: E402
from ngramlm.smoothing import DEFAULT_GTMIN, EstimationWarning, estimate  # noqa: E402
from ngramlm.core.vocab import Vocabulary  # noqa: E402
from machine import describe_machine

SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))
OUTPUT = REPO / "benchmarks" / "results" / "smoothing_table"

# name -> folder with train.txt and test.txt. srilm-brown-10k is the 10,000-sentence slice of brown-10k's training
# text on which ../shared/reference/srilm-brown-10k was made (same test set).
CORPORA = {
    "ptb": SHARED / "corpora" / "ptb",
    "brown-10k": SHARED / "corpora" / "brown-10k",
    "brown-bengio": SHARED / "corpora" / "brown-bengio",
    "wikitext-2": SHARED / "corpora" / "wikitext-2",
    "srilm-brown-10k": SHARED / "reference" / "srilm-brown-10k",
}
DEFAULT_CORPORA = ["ptb", "brown-10k", "brown-bengio", "wikitext-2"]
# Reference folder -> the corpus its commands.sh was run on.
REFERENCE_FOLDERS = {"srilm-ptb": "ptb", "srilm-brown-10k": "srilm-brown-10k"}

# Methods in Chen & Goodman's (1998) expected order of merit, worst first, with the forms each allows.
METHODS = ["additive", "good-turing", "witten-bell", "absolute", "kneser-ney", "modified-kneser-ney"]
FORMS = {"additive": ("backoff",), "good-turing": ("backoff",)}
DEFAULT_DELTA = 0.1       # additive smoothing's constant, as in the SRILM reference (-addsmooth 0.1)
DEFAULT_DISCOUNT = 0.75   # absolute discounting's D, as in the SRILM reference (-cdiscount 0.75)

# SRILM writes log10 values with printf's %.7g (LogP_Precision).
ARPA_FORMAT = "%.7g"
FIELDS = ["corpus", "method", "form", "order", "cutoffs", "ppl", "ppl1", "ngrams", "sizes", "srilm_reference",
          "srilm_ppl", "srilm_ppl1", "match", "flags", "command", "seconds", "warnings"]


@dataclass(frozen=True)
class Config:
    """One model: the smoothing method, interpolated or not, its order and gtNmin per order (1..order)."""

    method: str
    interpolate: bool
    order: int
    gtmin: tuple[int, ...]
    delta: float = DEFAULT_DELTA
    discount: float = DEFAULT_DISCOUNT

    @property
    def form(self) -> str:
        return "interp" if self.interpolate else "backoff"

    @property
    def key(self) -> tuple:
        return (self.method, self.form, self.order, cutoff_label(self.gtmin))

    def flags(self) -> str:
        """The ngram-count flags that select this model (besides -text, -unk and -lm)."""
        words = [f"-order {self.order}"]
        words += {"additive": [f"-addsmooth {self.delta:g}"], "good-turing": [], "witten-bell": ["-wbdiscount"],
                  "absolute": [f"-cdiscount {self.discount:g}"], "kneser-ney": ["-ukndiscount"],
                  "modified-kneser-ney": ["-kndiscount"]}[self.method]
        if self.interpolate:
            words.append("-interpolate")
        words += [f"-gt{n}min {m}" for n, m in enumerate(self.gtmin, 1) if m != default_gtmin(n)]
        return " ".join(words)

    def estimate_args(self) -> dict:
        params: dict = {"gtmin": list(self.gtmin)}
        if self.method == "additive":
            params["delta"] = self.delta
        if self.method == "absolute":
            params["discount"] = self.discount
        return dict(method=self.method, interpolate=self.interpolate, unk=True, **params)


def commands(corpus: str, flags: str, order: int) -> str:
    """The SRILM command lines of a row, with the corpus path as seen from the repository root."""
    folder = os.path.relpath(CORPORA[corpus], REPO)
    return (f"ngram-count -text {folder}/train.txt {flags} -unk -lm m.arpa && "
            f"ngram -lm m.arpa -order {order} -unk -ppl {folder}/test.txt")


def default_gtmin(n: int) -> int:
    return DEFAULT_GTMIN[n - 1]


def cutoff_label(gtmin: tuple[int, ...]) -> str:
    return "-".join(str(m) for m in gtmin)


def grid(methods: list[str], forms: list[str], orders: list[int], cutoffs: list[str]) -> list[Config]:
    configs = []
    for order in orders:
        variants = {"default": tuple(default_gtmin(n) for n in range(1, order + 1)), "none": (1,) * order}
        for method in methods:
            for form in FORMS.get(method, ("backoff", "interp")):
                if form not in forms:
                    continue
                for cutoff in dict.fromkeys(variants[c] for c in cutoffs):
                    configs.append(Config(method, form == "interp", order, cutoff))
    return configs


@dataclass(frozen=True)
class Reference:
    name: str      # e.g. srilm-ptb/kn3-interp
    ppl: str       # as SRILM printed them
    ppl1: str


def parse_ngram_count(words: list[str]) -> Config | None:
    """The Config of an `ngram-count ... -lm X` command of a reference commands.sh (None if it uses a flag this
    table does not cover, or is not an open-vocabulary -unk model)."""
    order, method, interpolate, gtmin = 3, "good-turing", False, {}
    delta, discount = DEFAULT_DELTA, DEFAULT_DISCOUNT
    i, unk = 1, False
    while i < len(words):
        flag = words[i]
        if flag in ("-text", "-lm"):
            i += 2
            continue
        if flag == "-order":
            order = int(words[i + 1])
            i += 2
        elif flag in ("-kndiscount", "-ukndiscount", "-wbdiscount"):
            method = {"-kndiscount": "modified-kneser-ney", "-ukndiscount": "kneser-ney",
                      "-wbdiscount": "witten-bell"}[flag]
            i += 1
        elif flag in ("-cdiscount", "-addsmooth"):
            method = "absolute" if flag == "-cdiscount" else "additive"
            discount, delta = (float(words[i + 1]), delta) if flag == "-cdiscount" else (discount, float(words[i + 1]))
            i += 2
        elif flag == "-interpolate":
            interpolate = True
            i += 1
        elif flag == "-unk":
            unk = True
            i += 1
        elif re.fullmatch(r"-gt\dmin", flag):
            gtmin[int(flag[3])] = int(words[i + 1])
            i += 2
        else:
            return None
    if not unk:
        return None
    return Config(method, interpolate, order, tuple(gtmin.get(n, default_gtmin(n)) for n in range(1, order + 1)),
                  delta, discount)


def references(folder: Path) -> list[tuple[Config, Reference]]:
    """(model, SRILM's test perplexity) for each model of a reference folder that commands.sh estimates and scores
    on test.txt at its own order with -unk and nothing else."""
    models, scored = {}, {}
    for line in (folder / "commands.sh").read_text().splitlines():
        words = shlex.split(line, comments=True)
        if not words or "-lm" not in words:
            continue
        lm = words[words.index("-lm") + 1]
        if words[0] == "ngram-count":
            config = parse_ngram_count([w for w in words if w not in ("2>/dev/null",)])
            if config is not None:
                models[lm] = config
        elif words[0] == "ngram" and ">" in words:
            rest = words[1:words.index(">")]
            plain = [w for w in rest if w != "-unk"]
            options = dict(zip(plain[0::2], plain[1::2]))
            if "-unk" in rest and set(options) == {"-lm", "-order", "-ppl"} and options["-ppl"] == "test.txt":
                scored[lm] = (int(options["-order"]), words[words.index(">") + 1])
    pairs = []
    for lm, (order, output) in scored.items():
        config = models.get(lm)
        if config is None or config.order != order or not (folder / output).exists():
            continue
        text = (folder / output).read_text()
        found = re.search(r"ppl= (\S+) ppl1= (\S+)", text)
        if found:
            pairs.append((config, Reference(f"{folder.name}/{output.replace('.ppl0.txt', '')}", *found.groups())))
    return pairs


def truncated(counts: NgramCounts, order: int) -> NgramCounts:
    """The counts of orders 1..order: the same as counting at that order, since every n-gram of a sentence is
    counted whatever the highest order."""
    return NgramCounts(counts.vocab, counts.ngrams[:order], counts.counts[:order])


def as_written(values: np.ndarray) -> np.ndarray:
    """log10 values as `ngram` reads them back from the ARPA file `ngram-count` writes: printed with %.7g, log10(0)
    as -99. Scoring the in-memory values instead moves the last printed digit of about one perplexity in five."""
    return np.array([float(ARPA_FORMAT % v) if v > LOG10_ZERO else LOG10_ZERO for v in values.tolist()])


def arpa_precision(model: BackoffModel) -> BackoffModel:
    """The model as an ARPA round trip leaves it (the n-grams unchanged, the values rounded as written)."""
    return BackoffModel(model.vocab, model.ngrams, [as_written(p) for p in model.logprob],
                        [as_written(b) for b in model.logbow])


def run_config(counts: NgramCounts, test: Path, config: Config) -> dict:
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EstimationWarning)
        model = estimate(truncated(counts, config.order), **config.estimate_args())
    stats = ppl_file(BackoffScorer(arpa_precision(model)), str(test), PplOptions(unk_is_word=True), out=io.StringIO())
    seconds = time.perf_counter() - start
    sizes = model.sizes()
    return {"ppl": "%.7g" % stats.ppl, "ppl1": "%.7g" % stats.ppl1, "ngrams": sum(sizes),
            "sizes": "/".join(map(str, sizes)), "seconds": f"{seconds:.1f}",
            "warnings": " | ".join(sorted({str(w.message) for w in caught}))}


def row_key(row: dict) -> tuple:
    return (row["corpus"], row["method"], row["form"], int(row["order"]), row["cutoffs"])


def sort_rows(rows: list[dict]) -> list[dict]:
    corpora = list(CORPORA)
    return sorted(rows, key=lambda r: (corpora.index(r["corpus"]), int(r["order"]), METHODS.index(r["method"]),
                                       r["form"], r["cutoffs"]))


def ranking_exceptions(rows: list[dict]) -> list[str]:
    """Where Chen & Goodman's ranking (modified Kneser-Ney best, then Kneser-Ney, then the rest) does not hold:
    compared within each corpus, order and cut-off setting, the best form of each method."""
    best: dict = {}
    for row in rows:
        group = (row["corpus"], int(row["order"]), row["cutoffs"])
        value = float(row["ppl"])
        best.setdefault(group, {})
        if value < best[group].get(row["method"], (float("inf"),))[0]:
            best[group][row["method"]] = (value, row["form"])
    notes = []
    for (corpus, order, cutoffs), by_method in best.items():
        if len(by_method) < 2:
            continue
        ranked = sorted(by_method, key=lambda m: by_method[m][0])
        expected = [m for m in ("modified-kneser-ney", "kneser-ney") if m in by_method]
        if ranked[:len(expected)] != expected:
            shown = ", ".join(f"{m} {by_method[m][0]:.2f} ({by_method[m][1]})" for m in ranked)
            notes.append(f"{corpus}, order {order}, cut-offs {cutoffs}: {shown}")
    return notes


ANALYSIS = """\
## Analysis

The figures are deterministic (same corpora, same SRILM rules), so this reads the table above.

Chen & Goodman's (1998) ranking holds at the top: in every corpus, order (2-5) and cut-off setting, interpolated
modified Kneser-Ney has the lowest test perplexity and interpolated (original) Kneser-Ney the next (the ranking
check lists no exception). Below those two the table departs from what one would expect in these places:

* **Additive smoothing** (delta 0.1) is far behind everywhere and gets worse as the order grows (PTB: 302 at order
  2, 412 at order 5 with cut-offs, 508 without; modified Kneser-Ney 141-186). Adding delta for each of the |V|
  words in every seen context hands most of the mass of a sparse high-order context to words never seen there.
  Chen & Goodman also found it the worst method by far.
* **Back-off modified Kneser-Ney is worse than back-off original Kneser-Ney** on every corpus and order but the
  brown-bengio bigram, and at orders 4-5 it falls behind back-off absolute discounting (without cut-offs on PTB,
  brown-10k and WikiText-2) and, on brown-10k, behind Katz too (order 5 with cut-offs: 156.0 against 154.9). Its
  larger discounts D2 and D3+ take more mass from seen n-grams; in the back-off form that mass goes only to words
  unseen in the context, while in the interpolated form part of it comes back to the seen words through the
  lower order. Modified
  Kneser-Ney was designed and evaluated as an interpolated method.
* **Interpolation helps only the Kneser-Neys.** Interpolated Witten-Bell is worse than back-off Witten-Bell
  everywhere, and interpolated absolute discounting is worse than its back-off form at orders 3-5 (PTB 5-gram with
  cut-offs: 169.3 against 162.4). Absolute discounting runs with the fixed D = 0.75 of the reference commands, not
  an estimate per order, and both interpolate with plain relative-frequency lower orders; Kneser-Ney's lower
  orders (continuation counts) are built to be mixed in, which is where interpolation pays.
* **Katz (Good-Turing) does well with cut-offs.** With SRILM's default cut-offs it is the best of the
  non-Kneser-Ney methods at every order on brown-10k, brown-bengio and WikiText-2 (and on PTB up to order 3;
  back-off Witten-Bell passes it at orders 4-5). Without cut-offs back-off absolute discounting ties with it at
  order 3 (within 0.6%) and beats it at orders 4-5.
* **Cut-offs change the picture with the order.** Without cut-offs every back-off method, and interpolated
  Witten-Bell and absolute discounting, get worse from order 3 to order 5 (PTB Katz 166.6 at order 3, 173.7 at
  order 5; interpolated Witten-Bell 186.3, then 209.2, worse than its bigram, 199.8): the many singleton 4- and
  5-grams are trusted at their discounted relative frequency. SRILM's default cut-offs drop them, and these
  methods then change by 3% or less from order 3 to order 5 (interpolated absolute discounting aside). Only the
  interpolated Kneser-Neys improve with the order without cut-offs, and they are the methods the cut-offs hurt
  (PTB modified Kneser-Ney 5-gram: 147.9 with, 141.2 without; the no-cut-off figures are Mikolov's KN3 148.3
  and KN5 141.2).

WikiText-2 here skips its blank lines (SRILM's rule) and keeps `<unk>` as a word; the KenLM figures in its README
(226.05 and 220.14) count a `</s>` for every blank line and come from `lmplz`, which interpolates the unigrams with
the uniform distribution, so they are not the same measurement as these rows.
"""


def summary(rows: list[dict]) -> list[str]:
    """Test ppl by order, one table per corpus and cut-off setting (default or none), a row per method and form."""
    lines = []
    for corpus in [c for c in CORPORA if any(r["corpus"] == c for r in rows)]:
        for setting in ("default", "none"):
            chosen = {}
            for r in rows:
                gtmin = tuple(int(m) for m in r["cutoffs"].split("-"))
                wanted = (tuple(default_gtmin(n) for n in range(1, len(gtmin) + 1)) if setting == "default"
                          else (1,) * len(gtmin))
                if r["corpus"] == corpus and gtmin == wanted:
                    chosen[(r["method"], r["form"], int(r["order"]))] = r
            models = sorted({(m, f) for m, f, _ in chosen}, key=lambda mf: (METHODS.index(mf[0]), mf[1]))
            orders = sorted({o for _, _, o in chosen})
            if not models or orders == [2] and setting == "none":
                continue
            label = "SRILM's default cut-offs" if setting == "default" else "no cut-offs (-gtNmin 1)"
            lines += [f"**{corpus}, {label}** (order 2 has no cut-off either way)", "",
                      "| method | form | " + " | ".join(f"order {o}" for o in orders) + " |",
                      "| --- | --- | " + " | ".join("---:" for _ in orders) + " |"]
            for method, form in models:
                cells = []
                for o in orders:
                    r = chosen.get((method, form, o))
                    mark = "" if r is None or not r["srilm_reference"] else (" =" if r["match"] == "yes" else " !")
                    cells.append("" if r is None else r["ppl"] + mark)
                lines.append(f"| {method} | {form} | " + " | ".join(cells) + " |")
            lines.append("")
    return lines


def write_outputs(rows: list[dict], output: Path) -> None:
    rows = [{**r, "command": commands(r["corpus"], r["flags"], int(r["order"]))} for r in sort_rows(rows)]
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output.with_suffix(".csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    compared = [r for r in rows if r["srilm_reference"]]
    matched = [r for r in compared if r["match"] == "yes"]
    lines = [
        "# Smoothing methods: test perplexity", "",
        "Made by `python benchmarks/results_table.py` (every corpus, order, method, form and cut-off setting; "
        "the brown-10k SRILM slice with `--corpora srilm-brown-10k --references-only --keep`) "
        f"on {describe_machine()}: {len(rows)} models, "
        f"{sum(float(r['seconds']) for r in rows) / 60:.1f} minutes of estimation and scoring (CPU shared with other "
        "jobs; timings per row in the CSV). Columns as SRILM's `ngram -ppl` prints them: `ppl` counts `</s>`, "
        "`ppl1` does not; blank lines are skipped; `<unk>` is a word of the closed vocabulary (`-unk`).", "",
        "Each row is the model of `ngram-count -text CORPUS/train.txt FLAGS -unk -lm m.arpa`, scored by "
        "`ngram -lm m.arpa -order N -unk -ppl CORPUS/test.txt` (CORPUS = ../shared/corpora/NAME; for srilm-brown-10k, "
        "../shared/reference/srilm-brown-10k, the 10,000-sentence training slice of brown-10k); the CSV beside this "
        "file (smoothing_table.csv) spells out both commands for each row, with the n-grams per order and the time.",
        "",
        "`cut-offs` lists SRILM's gtNmin for N = 1..order (N-grams seen fewer times are dropped, for every method): "
        "`1-1-2-...` is SRILM's default (singleton 3-grams and above dropped); `1-1-1-...` turns "
        "the cut-offs off (`-gt3min 1 ...`), as most SRILM reference commands do; every grid model is run both ways. "
        "Additive smoothing uses delta = 0.1 and absolute discounting D = 0.75 (the reference commands' values).",
        "",
        f"SRILM 1.7.3 reference figures (../shared/reference/*/NAME.ppl0.txt): {len(matched)} of {len(compared)} "
        "equal to the printed digits (ppl and ppl1).", "",
        "## Summary: test ppl by order", "",
        "`=` marks a figure equal to SRILM's reference for the same model (`!` one that differs).", "",
        *summary(rows),
        "## Full table", "",
        "| corpus | method | form | order | cut-offs | ppl | ppl1 | n-grams | SRILM ppl (reference) | match | "
        "ngram-count flags |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for r in rows:
        reference = f"{r['srilm_ppl']} ({r['srilm_reference']})" if r["srilm_reference"] else ""
        lines.append(f"| {r['corpus']} | {r['method']} | {r['form']} | {r['order']} | {r['cutoffs']} | {r['ppl']} | "
                     f"{r['ppl1']} | {int(r['ngrams']):,} | {reference} | {r['match']} | `{r['flags']}` |")
    exceptions = ranking_exceptions(rows)
    lines += ["", "## Ranking check", "",
              "Best form of each method, lowest perplexity first, wherever modified Kneser-Ney and then Kneser-Ney "
              "are not the two lowest:", ""]
    lines += [f"* {note}" for note in exceptions] or ["* none"]
    lines += ["", ANALYSIS]
    with open(output.with_suffix(".md"), "w") as f:
        f.write("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="+", default=DEFAULT_CORPORA, choices=list(CORPORA))
    parser.add_argument("--orders", nargs="+", type=int, default=[2, 3, 4, 5])
    parser.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    parser.add_argument("--forms", nargs="+", default=["backoff", "interp"], choices=["backoff", "interp"])
    parser.add_argument("--cutoffs", nargs="+", default=["default", "none"], choices=["default", "none"],
                        help="cut-off settings of the grid (the SRILM reference configurations are always added)")
    parser.add_argument("--no-references", action="store_true", help="leave out the SRILM reference rows")
    parser.add_argument("--references-only", action="store_true",
                        help="only the SRILM reference configurations of the chosen corpora (no grid)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the rows of an existing CSV and compute only the missing ones")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="path without extension (.md and .csv)")
    args = parser.parse_args()

    reference_by_corpus: dict = {}
    if not args.no_references:
        for folder, corpus in REFERENCE_FOLDERS.items():
            if (SHARED / "reference" / folder / "commands.sh").exists():
                for config, reference in references(SHARED / "reference" / folder):
                    reference_by_corpus.setdefault(corpus, {})[config.key] = (config, reference)

    rows: dict = {}
    csv_path = args.output.with_suffix(".csv")
    if args.keep and csv_path.exists():
        with open(csv_path) as f:
            rows = {row_key(row): row for row in csv.DictReader(f)}
    for corpus in args.corpora:
        folder = CORPORA[corpus]
        configs = {} if args.references_only else {
            c.key: c for c in grid(args.methods, args.forms, args.orders, args.cutoffs)}
        for key, (config, _) in reference_by_corpus.get(corpus, {}).items():
            configs.setdefault(key, config)
        todo = [c for c in configs.values() if (corpus,) + c.key not in rows]
        if not todo:
            continue
        start = time.perf_counter()
        counts = count_files([str(folder / "train.txt")], max(c.order for c in todo), Vocabulary(), TextOptions())
        print(f"{corpus}: counted in {time.perf_counter() - start:.1f} s; {len(todo)} models", file=sys.stderr)
        for config in sorted(todo, key=lambda c: (c.order, METHODS.index(c.method), c.form)):
            result = run_config(counts, folder / "test.txt", config)
            config_, reference = reference_by_corpus.get(corpus, {}).get(config.key, (None, None))
            if reference is not None and config_ != config:
                reference = None  # same method and cut-offs, other parameters (delta, D)
            row = {"corpus": corpus, "method": config.method, "form": config.form, "order": config.order,
                   "cutoffs": cutoff_label(config.gtmin), "flags": config.flags(),
                   "command": commands(corpus, config.flags(), config.order), **result,
                   "srilm_reference": reference.name if reference else "",
                   "srilm_ppl": reference.ppl if reference else "", "srilm_ppl1": reference.ppl1 if reference else "",
                   "match": ("yes" if (reference.ppl, reference.ppl1) == (result["ppl"], result["ppl1"]) else "NO")
                   if reference else ""}
            rows[row_key(row)] = row
            print(f"  {corpus} {config.method} {config.form} {config.order} {row['cutoffs']}: ppl {row['ppl']} "
                  f"({row['seconds']} s){'  SRILM ' + reference.ppl + ' ' + row['match'] if reference else ''}",
                  file=sys.stderr)
            write_outputs(list(rows.values()), args.output)
    write_outputs(list(rows.values()), args.output)


if __name__ == "__main__":
    main()
