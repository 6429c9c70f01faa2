"""`ngramlm segment`: Chinese word segmentation by maximum matching or by the most probable segmentation under a
word n-gram model (ngramlm.use.segment)."""
from __future__ import annotations

import click

from ngramlm.core.errors import NgramlmError
from ngramlm.core.io import atomic_write, iter_lines
from ngramlm.core.progress import Progress
from ngramlm.use.segment import (METHODS, Segmenter, ViterbiOptions, read_lexicon, read_segmented, train_model,
                                 word_list_of)

from ngramlm.cli.common import checks_outputs, report_errors

_DEFAULTS = ViterbiOptions()


def build_segmenter(method: str, model_path: str | None, lexicon: str | None, train: tuple[str, ...], order: int,
                    lexicon_weight: float, options: ViterbiOptions, write_model: str | None = None) -> Segmenter:
    """The segmenter the flags ask for (shared by `segment` and `prepare --segment`)."""
    from ngramlm.formats.arpa import read_arpa, write_arpa

    frequencies = read_lexicon(lexicon) if lexicon else None
    sentences = [s for path in train for s in read_segmented(path)] or None
    if model_path is not None:
        if sentences or (frequencies and method == "viterbi"):
            raise NgramlmError("give either --model or --train/--lexicon for the Viterbi model, not both")
        model = read_arpa(model_path)
    elif method == "viterbi" or write_model:
        model = train_model(sentences, frequencies, order=order, lexicon_weight=lexicon_weight)
    else:
        model = None
    if write_model:
        write_arpa(model, write_model)
    if method == "viterbi":
        return Segmenter(method, model=model, options=options)
    words = word_list_of(sentences, frequencies) if (sentences or frequencies) else None
    return Segmenter(method, model=model, words=words, options=options)


def viterbi_flags(func):
    """The flags that build a segmenter, shared by `segment` and `prepare`."""
    options = [
        click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
                     help="Word n-gram model (ARPA) for the Viterbi search (its words are the word list of fmm/bmm)."),
        click.option("--lexicon", default=None,
                     help="Word list 'word [frequency [tag]]' a line, or 'jieba' for the list inside the jieba "
                          "package."),
        click.option("--train", multiple=True, type=click.Path(dir_okay=False),
                     help="Segmented text (words separated by spaces) to train the model on (repeatable)."),
        click.option("--order", default=2, show_default=True, type=click.IntRange(1, 9),
                     help="Order of the model trained on --train."),
        click.option("--lexicon-weight", default=0.2, show_default=True, type=click.FloatRange(0, 1),
                     help="Weight of the --lexicon unigram model when it is mixed with the --train model."),
        click.option("--word-bonus", default=_DEFAULTS.word_bonus, show_default=True,
                     help="log10 bonus per word (a word insertion penalty, negated); higher: shorter words."),
        click.option("--long-word-penalty", default=_DEFAULTS.long_word_penalty, show_default=True,
                     help="log10 penalty per character of a word beyond two."),
        click.option("--oov-logprob", default=_DEFAULTS.oov_logprob, show_default=True,
                     help="log10 probability of a single character that the model does not know."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command("segment")
@viterbi_flags
@click.option("--method", type=click.Choice(METHODS), default="viterbi", show_default=True,
              help="viterbi: most probable segmentation under the model; fmm/bmm: forward/backward maximum "
                   "matching against the word list.")
@click.option("--input", "-i", "input_path", default="-", show_default=True,
              help="Raw text, one sentence a line ('-': standard input).")
@click.option("--output", "-o", "output_path", default="-", show_default=True,
              help="Segmented text ('-': standard output).")
@click.option("--write-model", type=click.Path(dir_okay=False), default=None,
              help="Also write the model built from --train/--lexicon as ARPA.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@report_errors
@checks_outputs("output_path", "write_model")
def segment(model_path, lexicon, train, order, lexicon_weight, word_bonus, long_word_penalty, oov_logprob,
            method, input_path, output_path, write_model, quiet):
    """Segment Chinese text into words, one sentence a line, words separated by spaces:

    ngramlm segment --lexicon jieba --train valid.txt < raw.txt > segmented.txt

    Spaces already in the text are kept as word boundaries; digits and Latin letters stay in runs."""
    options = ViterbiOptions(word_bonus=word_bonus, long_word_penalty=long_word_penalty, oov_logprob=oov_logprob)
    segmenter = build_segmenter(method, model_path, lexicon, train, order, lexicon_weight, options, write_model)
    with Progress("segmenting", unit="lines", quiet=quiet) as progress:
        with atomic_write(output_path) as out:
            _segment_to(segmenter, input_path, out, progress)


def _segment_to(segmenter: Segmenter, input_path: str, out, progress: Progress) -> None:
    for _, line in iter_lines(input_path):
        out.write(" ".join(segmenter.segment(line)) + "\n")
        progress.update()
