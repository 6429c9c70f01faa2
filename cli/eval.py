"""`ngramlm eval`: how well a model (ARPA or binary) predicts a text, in the figures of both SRILM and KenLM.

SRILM's `ngram -ppl` lines (ppl counts </s>, ppl1 does not, OOVs and zero probabilities left out), KenLM's
`query` summary (perplexity including and excluding OOVs), cross-entropy, the OOV rate and how often each
n-gram order was the longest match.
"""
from __future__ import annotations

import click

from ngramlm.core.errors import ModelError
from ngramlm.formats.score_marker import holds_scores
from ngramlm.use.evaluation import evaluate_text, kenlm_number
from ngramlm.use.index_scorer import is_binary_model, load_index
from ngramlm.use.ppl_report import PplOptions
from ngramlm.core.vocab import UNK, Vocabulary

from ngramlm.cli.common import report_errors
from ngramlm.cli.text_checks import warn_if_unsegmented


def _arpa_index(path: str, quiet: bool):
    """The ARPA file read into the query index (scored as its BackoffModel would be, without a second copy of
    its n-grams: ngramlm.use.scoring.IndexBackoffScorer); a model the index cannot hold (beyond its order limit,
    two n-grams sharing a 64-bit hash) is read as a BackoffModel instead."""
    from ngramlm.formats.arpa import read_arpa
    from ngramlm.use.query import Model

    try:
        return Model(path, quiet=quiet)
    except ModelError:
        return read_arpa(path, Vocabulary(), quiet=quiet)


def _percent(value: float | None) -> str:
    return "undefined" if value is None else f"{100 * value:.2f}%"


@click.command("eval", context_settings={"show_default": True})
@click.argument("model", metavar="MODEL")
@click.argument("text", metavar="TEXT")
@click.option("--order", "-o", type=click.IntRange(1, 255), default=None, show_default=False,
              help="Use the model's n-grams up to this order only (default: all of them).")
@click.option("--vocab", "vocab_path", metavar="PATH",
              help="Closed vocabulary (one word per line) read before the model; the model's words join it.")
@click.option("--unk-word", default=UNK, help="Spelling of the unknown word.")
@click.option("--no-sos", is_flag=True, help="Do not add <s> at the start of each sentence.")
@click.option("--no-eos", is_flag=True, help="Do not add </s> at the end of each sentence.")
@click.option("--tolower", is_flag=True,
              help="Lower-case the text (every Unicode capital; SRILM's -tolower lowers A-Z only).")
@click.option("--errors", type=click.Choice(["strict", "replace"]), default="strict",
              help="What to do with bytes of TEXT that are not UTF-8: stop with the line, or replace them.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars on standard error.")
@report_errors
def eval_command(model, text, order, vocab_path, unk_word, no_sos, no_eos, tolower, errors, as_json, quiet):
    """Perplexity of MODEL on TEXT (one sentence per line). MODEL is an ARPA file (plain or compressed) or a
    binary model (ngramlm build-binary, KenLM's build_binary; known by its first bytes), scored through its hash
    index: its figures may differ from its ARPA file's in a last digit (a word's back-off weights are added in
    another order before the float32 rounding), and a longest match is the length the table probe matched."""
    if is_binary_model(model):
        if vocab_path:
            raise ModelError(f"--vocab reads the model into another vocabulary, which the binary file {model} "
                             "cannot be: use the ARPA file it was built from")
        if unk_word != UNK:
            raise ModelError(f"--unk-word: the unknown word of the binary file {model} was fixed when it was "
                             "built: use the ARPA file it was built from")
        lm = load_index(model)
    elif holds_scores(model):
        raise ModelError(f"{model} holds Stupid Backoff scores, not probabilities: they do not sum to one, so "
                         "perplexity and cross-entropy are not defined for it (score hypotheses with it instead)")
    elif vocab_path or unk_word != UNK or model == "-":  # (standard input cannot be read a second time)
        vocab = (Vocabulary.read(vocab_path, unk_word=unk_word, closed=True) if vocab_path
                 else Vocabulary(unk_word=unk_word))
        from ngramlm.formats.arpa import read_arpa  # (not for binary models: imported where used)

        lm = read_arpa(model, vocab, quiet=quiet)
    else:
        lm = _arpa_index(model, quiet)
    options = PplOptions(sos=not no_sos, eos=not no_eos, tolower=tolower, errors=errors)
    warn_if_unsegmented([text], errors)
    result = evaluate_text(lm, text, order, options, quiet=quiet)
    if as_json:
        import json

        click.echo(json.dumps({"model": model, "text": text, **result.as_dict()}, indent=2))
        return
    click.echo(f"file {text}: {result.srilm.format()}", nl=False)
    click.echo(f"Perplexity including OOVs:\t{kenlm_number(result.kenlm_ppl_including_oovs)}\n"
               f"Perplexity excluding OOVs:\t{kenlm_number(result.kenlm_ppl_excluding_oovs)}\n"
               f"OOVs:\t{result.kenlm_oovs}\n"
               f"Tokens:\t{result.kenlm_tokens}")
    entropy = result.cross_entropy_bits
    click.echo(f"Cross-entropy:\t{'undefined' if entropy is None else f'{entropy:.4f}'} bits per token "
               "(words and </s>, OOVs left out)")
    click.echo(f"OOV rate:\t{_percent(result.oov_rate)} of words")
    hits = "  ".join(f"{n}-gram {_percent(rate)}" for n, rate in enumerate(result.hit_rates(), 1))
    click.echo(f"Longest match:\t{hits}")
