"""`ngramlm draw`: a picture of a small back-off model's graph through Graphviz (ngramlm.formats.dot)."""
from __future__ import annotations

import click

from ngramlm.core.errors import ModelError
from ngramlm.formats.arpa import read_arpa
from ngramlm.formats.dot import model_graph, neighbourhood, render, to_dot

from ngramlm.cli.common import checks_outputs, report_errors


@click.command("draw")
@click.argument("model", type=click.Path(dir_okay=False))
@click.argument("output", type=click.Path(dir_okay=False))
@click.option("--history", default=None,
              help="Draw only the neighbourhood of this history (words separated by spaces; '' for the empty "
                   "history, '<s>' for the start).")
@click.option("--depth", default=1, show_default=True, help="How many arcs away from --history to draw.")
@click.option("--max-arcs", default=300, show_default=True,
              help="Refuse to draw more arcs than this (a bigger picture is unreadable).")
@report_errors
@checks_outputs("output")
def draw(model, output, history, depth, max_arcs):
    """Draw MODEL (ARPA) as OUTPUT (.svg, .png, .pdf through Graphviz's dot, or .dot for the source): histories as
    states, n-grams as arcs with their probabilities, back-off arcs dashed; the graph of its G.fst."""
    graph = model_graph(read_arpa(model))
    if history is not None:
        graph = neighbourhood(graph, tuple(history.split()), depth)
    if len(graph.arcs) > max_arcs:
        raise ModelError(f"{model}: the graph has {len(graph.arcs):,} arcs, more than --max-arcs {max_arcs} can show "
                         "readably; draw the neighbourhood of one history with --history 'WORDS', or raise --max-arcs")
    render(to_dot(graph, title=model if history is None else f"{model}: around '{history}'"), output)
