"""`ngramlm prepare`: raw UTF-8 text to one tokenised sentence a line (ngramlm.corpora.prepare), Chinese as
characters or as words from the segmenter of `ngramlm segment`."""
from __future__ import annotations

import click

from ngramlm.core.errors import NgramlmError
from ngramlm.core.io import atomic_write
from ngramlm.core.progress import Progress
from ngramlm.corpora.prepare import LANGUAGES, NORMALISATIONS, PrepareOptions, prepare_text

from ngramlm.cli.common import checks_outputs, report_errors
from ngramlm.cli.segment import build_segmenter, viterbi_flags
from ngramlm.use.segment import METHODS, ViterbiOptions


@click.command("prepare")
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--output", "-o", "output_path", default="-", show_default=True,
              help="Where the sentences go ('-': standard output; .gz/.bz2/.xz compress).")
@click.option("--normalization", "normalisation", type=click.Choice(NORMALISATIONS), default="NFKC",
              show_default=True, help="Unicode normalisation form ('none': leave the text as it is).")
@click.option("--lower", is_flag=True, help="Lower-case every token.")
@click.option("--language", type=click.Choice(LANGUAGES), default="auto", show_default=True,
              help="Sentence and token rules; auto: Chinese for paragraphs of 30%+ Chinese characters, else English.")
@click.option("--numbers", "number_token", default=None, metavar="TOKEN",
              help="Replace every number by TOKEN (e.g. '<num>').")
@click.option("--urls", "url_token", default=None, metavar="TOKEN",
              help="Replace every URL and e-mail address by TOKEN (e.g. '<url>').")
@click.option("--lines", "lines_are_paragraphs", is_flag=True,
              help="Each input line is a paragraph (default: paragraphs are separated by blank lines).")
@click.option("--no-split", is_flag=True, help="Do not split paragraphs into sentences.")
@click.option("--chinese", type=click.Choice(["chars", "words"]), default="chars", show_default=True,
              help="Chinese tokens: characters, or words from the segmenter (--lexicon/--train/--model).")
@click.option("--method", type=click.Choice(METHODS), default="viterbi", show_default=True,
              help="Segmentation method for --chinese words (see `ngramlm segment`).")
@viterbi_flags
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@report_errors
@checks_outputs("output_path")
def prepare(inputs, output_path, normalisation, lower, language, number_token, url_token, lines_are_paragraphs,
            no_split, chinese, method, model_path, lexicon, train, order, lexicon_weight, word_bonus,
            long_word_penalty, oov_logprob, quiet):
    """Turn raw text (INPUTS: files, folders, '-' for standard input, the default) into one sentence a line,
    tokens separated by spaces: Unicode normalisation, sentence splitting, English tokens (Penn-Treebank-like),
    Chinese characters or words.

    ngramlm prepare --chinese words --lexicon jieba --train seg.txt raw/ -o train.txt"""
    options = PrepareOptions(normalisation=normalisation, lower=lower, language=language,
                             number_token=number_token, url_token=url_token,
                             lines_are_paragraphs=lines_are_paragraphs, split_sentences=not no_split)
    segment = None
    if chinese == "words":
        if not (model_path or lexicon or train):
            raise NgramlmError("--chinese words needs a segmenter: give --lexicon (a file or 'jieba'), --train "
                               "or --model")
        viterbi = ViterbiOptions(word_bonus=word_bonus, long_word_penalty=long_word_penalty,
                                 oov_logprob=oov_logprob)
        segment = build_segmenter(method, model_path, lexicon, train, order, lexicon_weight, viterbi).segment
    with Progress("preparing", unit="sentences", quiet=quiet) as progress, atomic_write(output_path) as out:
        for tokens in prepare_text(inputs or ("-",), options, segment):
            out.write(" ".join(tokens) + "\n")
            progress.update()
