"""`ngramlm filter`: KenLM's filter (keep the n-grams a vocabulary or a text can reach), with its command line."""
from __future__ import annotations

import os
import sys
import tempfile

import click

from ngramlm.formats.arpa import write_arpa
from ngramlm.formats.kenlm_binary import is_kenlm_binary
from ngramlm.formats.kenlm_trie import read_kenlm_trie_file
from ngramlm.use.filter import MODES, filter_arpa

from ngramlm.cli.common import report_errors


@click.command("filter", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, required=True)
@report_errors
def filter_command(args: tuple[str, ...]) -> None:
    """KenLM's filter: ngramlm filter MODE [context] [arpa] (vocab|model):FILE OUTPUT, the other input on standard
    input (or both as vocab:FILE model:FILE).

    MODE is copy (every n-gram), single (the n-grams whose words are all in the vocabulary), union (the n-grams
    whose words occur together in some line of the vocabulary input) or multiple (one model per line, written to
    OUTPUT0, OUTPUT1, ...). With `context` only the context words must pass. Tags such as <s> always pass. The
    model is an ARPA file or a KenLM trie binary (probing files store hashes, not words, so they cannot be
    filtered). KenLM's threads:N and batch_size:N are accepted and ignored; phrase mode and raw count files are
    not supported.
    """
    words = list(args)
    if len(words) < 3 or words[0] not in MODES:
        raise click.UsageError(f"expected MODE [context] (vocab|model):FILE OUTPUT with MODE one of {', '.join(MODES)}")
    mode, output = words[0], words[-1]
    context, vocab_file, model_file = False, None, None
    for word in words[1:-1]:
        if word == "context":
            context = True
        elif word == "arpa" or word.startswith(("threads:", "batch_size:")):
            continue
        elif word in ("phrase", "raw"):
            raise click.UsageError(f"KenLM's {word} mode is not supported by ngramlm filter")
        elif word.startswith("vocab:"):
            vocab_file = word[len("vocab:"):]
        elif word.startswith("model:"):
            model_file = word[len("model:"):]
        else:
            raise click.UsageError(f"unexpected argument {word!r}")
    if vocab_file is None and model_file is None:
        raise click.UsageError("give the vocabulary (vocab:FILE) or the model (model:FILE) as a file")
    if vocab_file is not None:
        with open(vocab_file, "rb") as f:
            vocabulary = f.read().splitlines()
        if model_file is None:
            model_file = "-"
    else:
        vocabulary = sys.stdin.buffer.read().splitlines()
    if mode == "copy":
        vocabulary = []
    if model_file != "-" and is_kenlm_binary(model_file):
        # A KenLM trie holds its n-grams and words: filter it as the ARPA file it was built from.
        with tempfile.TemporaryDirectory() as folder:
            arpa = os.path.join(folder, "model.arpa")
            write_arpa(read_kenlm_trie_file(model_file), arpa)
            filter_arpa(arpa, output, mode, vocabulary, context)
        return
    filter_arpa(model_file, output, mode, vocabulary, context)
