"""`ngramlm fst`: write a model as the grammar G of a speech recogniser (OpenFst text, Kaldi's arpa2fst style)."""
from __future__ import annotations

import click

from ngramlm.formats.arpa import read_arpa
from ngramlm.formats.fst import write_fst_files

from ngramlm.cli.common import checks_outputs, report_errors


@click.command("fst")
@click.argument("arpa", type=click.Path(dir_okay=False))
@click.argument("fst_text", metavar="G_TXT", type=click.Path(dir_okay=False, writable=True))
@click.argument("symbols", metavar="WORDS_TXT", type=click.Path(dir_okay=False, writable=True))
@click.option("--epsilon-backoff", is_flag=True,
              help="Label back-off arcs <eps> instead of the disambiguation symbol #0.")
@report_errors
@checks_outputs("fst_text", "symbols")
def fst(arpa: str, fst_text: str, symbols: str, epsilon_backoff: bool) -> None:
    """Write the ARPA model ARPA as an OpenFst text acceptor G_TXT (compile it with
    `fstcompile --isymbols=WORDS_TXT --osymbols=WORDS_TXT G_TXT G.fst`) and its symbol table WORDS_TXT.

    Conventions of Kaldi's arpa2fst: <s> is the start state, </s> a final cost, back-off arcs on #0, costs
    -ln p."""
    write_fst_files(read_arpa(arpa), fst_text, symbols, epsilon_backoff=epsilon_backoff)
