"""`ngram`'s N-best rescoring options (-nbest, -nbest-files, -rescore and their weights), as SRILM's ngram.cc runs
them after -ppl and -counts: ngramlm.use.nbest does the work."""
from __future__ import annotations

import os
import sys

import click

from ngramlm.core.io import atomic_write, iter_lines, split_words
from ngramlm.core.errors import ModelError

# SRILM's RefList suffixes: what -write-nbest-dir strips from an N-best file's name to get its sentence id.
_ID_SUFFIXES = [".Z", ".gz", ".score", ".nbest", ".wav", ".wav_cep", ".wv", ".wv1", ".sph", ".lat", ".slf", ".plp"]

OPTIONS: list = [
    click.option("-nbest", "nbest", metavar="FILE",
                 help="Rescore the N-best list in FILE (any nbest-format(5) format) and write it, best first, to "
                      "standard output."),
    click.option("-nbest-files", "nbest_files", metavar="FILELIST",
                 help="Rescore each N-best list named in FILELIST (first word of each line)."),
    click.option("-write-nbest-dir", "write_nbest_dir", metavar="DIR",
                 help="With -nbest-files: write each rescored list to DIR/ID.gz (ID: the file name without its "
                      "folder and suffixes such as .gz and .score)."),
    click.option("-decipher-nbest", "decipher_nbest", is_flag=True,
                 help="Write the rescored lists in Decipher's NBestList1.0 format (bytelog totals)."),
    click.option("-no-reorder", "no_reorder", is_flag=True,
                 help="Keep the hypotheses in their input order instead of sorting them by the new totals."),
    click.option("-split-multiwords", "split_multiwords", is_flag=True,
                 help="Split the multiwords of -nbest and -nbest-files hypotheses (words joined by -multi-char) "
                      "into their components, which are then scored and written."),
    click.option("-max-nbest", "max_nbest", type=click.IntRange(0, None), default=0,
                 help="Read only the first N hypotheses of each list; 0: all."),
    click.option("-rescore", "rescore", metavar="FILE",
                 help="Rescore a stream of hypotheses (no header) and write them as `acoustic lm words w1 ...`."),
    click.option("-rescore-lmw", "rescore_lmw", type=float, default=8.0,
                 help="LM weight of the new LM score."),
    click.option("-rescore-wtw", "rescore_wtw", type=float, default=0.0,
                 help="Word transition weight added per word to the new total."),
    click.option("-decipher-lm", "decipher_lm", metavar="FILE",
                 help="The recognizer's LM (ARPA), whose weighted scores are taken out of Decipher totals to "
                      "recover the acoustic scores."),
    click.option("-decipher-order", "decipher_order", type=click.IntRange(1, None), default=2,
                 help="Order of the -decipher-lm model."),
    click.option("-decipher-nobackoff", "decipher_nobackoff", is_flag=True,
                 help="Score the -decipher-lm model without the recognizer's back-off shortcut."),
    click.option("-decipher-lmw", "decipher_lmw", type=float, default=8.0, help="The recognizer's LM weight."),
    click.option("-decipher-wtw", "decipher_wtw", type=float, default=0.0,
                 help="The recognizer's word transition weight."),
]


def nbest_options(func):
    for option in reversed(OPTIONS):
        func = option(func)
    return func


def _warn(message: str) -> None:
    click.echo(message, err=True)


def _sentence_id(path: str) -> str:
    name = os.path.basename(path)
    for suffix in _ID_SUFFIXES:
        if len(suffix) < len(name) and name.endswith(suffix):
            name = name[:-len(suffix)]
    return name


def _decipher_scorer(options: dict, vocab, unk: bool):
    from ngramlm.formats.arpa import read_arpa
    from ngramlm.use.nbest import DecipherScorer

    if not options["decipher_lm"]:
        return None
    model = read_arpa(options["decipher_lm"], vocab, errors=options.get("read_errors", "strict"))
    return DecipherScorer(model, options["decipher_order"], not options["decipher_nobackoff"])


def run_nbest(scorer, options: dict, *, unk: bool, escape: str | None, errors: str, sos: bool = True,
              eos: bool = True, tolower: bool = False) -> None:
    """-nbest, -nbest-files and -rescore, in SRILM's order, on standard output (or -write-nbest-dir); `tolower`
    (-tolower) lower-cases the hypotheses' words."""
    if not (options["nbest"] or options["nbest_files"] or options["rescore"]):
        return
    from ngramlm.use import nbest as nb  # here, not at the top: a run without these options never needs it

    if options["write_nbest_dir"] and not options["nbest_files"]:
        raise ModelError("-write-nbest-dir needs -nbest-files")
    decipher = _decipher_scorer(options, scorer.vocab, unk)

    def one_list(path: str, out) -> None:
        hyps = nb.read_nbest(path, options["max_nbest"], errors,
                             options.get("multi_char") if options.get("split_multiwords") else None, tolower)
        if not len(hyps):
            _warn(f"warning: {path} is empty, not rescored")
            return
        if decipher is not None:
            nb.decipher_fix(hyps, decipher, options["decipher_lmw"], options["decipher_wtw"], unk_is_word=unk,
                            warn=_warn)
        nb.rescore(hyps, scorer, options["rescore_lmw"], options["rescore_wtw"], unk_is_word=unk, sos=sos, eos=eos,
                   warn=_warn)
        if not options["no_reorder"]:
            nb.sort_hypotheses(hyps)
        nb.write_nbest(hyps, out, options["decipher_nbest"])

    if options["nbest"]:
        one_list(options["nbest"], sys.stdout)
    if options["nbest_files"]:
        for _, line in iter_lines(options["nbest_files"], errors):
            fields = split_words(line)
            if not fields:
                continue
            if options["write_nbest_dir"]:
                target = os.path.join(options["write_nbest_dir"], _sentence_id(fields[0]) + ".gz")
                with atomic_write(target) as out:
                    one_list(fields[0], out)
            else:
                one_list(fields[0], sys.stdout)
    if options["rescore"]:
        nb.rescore_stream(iter_lines(options["rescore"], errors), scorer, sys.stdout, lmw=options["rescore_lmw"],
                          wtw=options["rescore_wtw"], decipher_scorer=decipher,
                          decipher_lmw=options["decipher_lmw"], decipher_wtw=options["decipher_wtw"],
                          escape=escape, unk_is_word=unk, sos=sos, eos=eos, path=options["rescore"], warn=_warn,
                          tolower=tolower)
