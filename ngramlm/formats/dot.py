"""A picture of a small back-off model: its graph (the same graph as its G.fst, ngramlm.formats.fst) in Graphviz's
DOT language, rendered to SVG, PNG or PDF by Graphviz's `dot`.

In: a BackoffModel. Out: DOT source, in which
  - each history of the model is a state, labelled with its words (<s> the start, ε the empty history);
  - each n-gram h w is an arc from h's state, labelled "w p" with p = p(w | h), to the state of the longest
    suffix of h w that is a history (its probability includes the back-off weights of skipped suffixes, as in
    G.fst);
  - each history has a dashed back-off arc, labelled with its back-off weight, to its longest proper suffix that
    is a history;
  - p(</s> | h) is shown in the state (double circle), as G.fst's final cost.
The graph is read from write_fst's output, so it is G.fst's graph by construction; the histories' names are
recovered from the arcs (a history's own n-gram arc comes from its prefix's state, the shortest way in).

model_graph gives the ModelGraph (neighbourhood: the part around one history), to_dot its DOT source (a str), and
render writes it as .svg, .png or .pdf through Graphviz, or as .dot. model_graph holds G.fst's whole text in
memory: this is for small models.
"""
from __future__ import annotations

import io
import math
from collections import defaultdict
from dataclasses import dataclass, field

from ..core.constants import LN10
from ..core.errors import ModelError, NgramlmError
from ..core.model import BackoffModel
from ..core.vocab import BOS
from .fst import BACKOFF_SYMBOL, write_fst

EMPTY = "ε"


@dataclass
class Arc:
    source: int
    target: int
    word: str | None  # None: the back-off arc
    log10_weight: float  # log10 p(w | h), or log10 bow(h)


@dataclass
class ModelGraph:
    """States (numbered as in G.fst) with their histories, arcs, and final log10 p(</s> | h)."""

    names: dict[int, tuple[str, ...]]
    arcs: list[Arc]
    finals: dict[int, float] = field(default_factory=dict)

    def label(self, state: int) -> str:
        name = self.names.get(state)
        if name is None:
            return f"state {state}"
        return " ".join(name) if name else EMPTY


def _log10(cost: str) -> float:
    return -float(cost) / LN10


def model_graph(model: BackoffModel) -> ModelGraph:
    """The graph of G.fst for `model`, with the history of each state."""
    arcs_out, symbols = io.StringIO(), io.StringIO()
    write_fst(model, arcs_out, symbols)
    arcs, finals = [], {}
    for line in arcs_out.getvalue().splitlines():
        fields = line.split("\t")
        if len(fields) == 2:
            finals[int(fields[0])] = _log10(fields[1])
            continue
        source, target, label = int(fields[0]), int(fields[1]), fields[2]
        arcs.append(Arc(source, target, None if label == BACKOFF_SYMBOL else label, _log10(fields[4])))
    return ModelGraph(_history_names(arcs), arcs, finals)


def _history_names(arcs: list[Arc]) -> dict[int, tuple[str, ...]]:
    """State 0 is <s>, state 1 the empty history; each other state is named by the shortest sequence
    (source history + word) of a word arc into it, found in rounds of increasing length."""
    names: dict[int, tuple[str, ...]] = {0: (BOS,), 1: ()}
    by_source = defaultdict(list)
    for arc in arcs:
        if arc.word is not None:
            by_source[arc.source].append(arc)
    frontier = [0, 1]
    while frontier:
        reached = {}
        for source in sorted(frontier, key=lambda s: len(names[s])):
            for arc in by_source[source]:
                candidate = names[source] + (arc.word,)
                if arc.target not in names and (arc.target not in reached or
                                                 len(candidate) < len(reached[arc.target])):
                    reached[arc.target] = candidate
        names.update(reached)
        frontier = list(reached)
    return names


def neighbourhood(graph: ModelGraph, history: tuple[str, ...], depth: int = 1) -> ModelGraph:
    """The part of the graph around the state of `history`: the arcs leaving it and the states they reach,
    repeated `depth` times, and the arcs into it."""
    states = {name: state for state, name in graph.names.items()}
    if history not in states:
        shown = " ".join(history) if history else EMPTY
        raise ModelError(f"the history {shown!r} is not a state of the model (a history is an n-gram that a "
                         "longer n-gram continues, <s>, or the empty history '')")
    centre = states[history]
    kept_states, kept_arcs, frontier = {centre}, [], {centre}
    for _ in range(depth):
        arcs = [a for a in graph.arcs if a.source in frontier]
        kept_arcs += arcs
        frontier = {a.target for a in arcs} - kept_states
        kept_states |= frontier
    incoming = [a for a in graph.arcs if a.target == centre]
    kept_arcs += incoming
    kept_states |= {a.source for a in incoming}
    unique = list({id(a): a for a in kept_arcs}.values())
    return ModelGraph({s: graph.names[s] for s in kept_states if s in graph.names}, unique,
                      {s: p for s, p in graph.finals.items() if s in kept_states})


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _probability(log10_value: float) -> str:
    return "0" if log10_value == -math.inf else f"{10 ** log10_value:.3g}"


def to_dot(graph: ModelGraph, title: str = "") -> str:
    """DOT source of the graph (left to right; back-off arcs dashed, </s> probabilities in final states)."""
    lines = ["digraph G {", "  rankdir=LR;", '  node [shape=circle, fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    if title:
        lines.append(f"  label={_quote(title)}; labelloc=t;")
    states = sorted(set(graph.names) | {a.source for a in graph.arcs} | {a.target for a in graph.arcs})
    for state in states:
        label = graph.label(state)
        if state in graph.finals:
            label += f"\n</s> {_probability(graph.finals[state])}"
            lines.append(f"  s{state} [label={_quote(label)}, shape=doublecircle];")
        else:
            lines.append(f"  s{state} [label={_quote(label)}];")
    for arc in graph.arcs:
        if arc.word is None:
            lines.append(f"  s{arc.source} -> s{arc.target} [label={_quote(f'bow {_probability(arc.log10_weight)}')}, "
                         "style=dashed];")
        else:
            lines.append(f"  s{arc.source} -> s{arc.target} "
                         f"[label={_quote(f'{arc.word} {_probability(arc.log10_weight)}')}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot_source: str, path: str) -> None:
    """Write the picture to `path`: .svg, .png or .pdf through Graphviz's dot, or .dot/.gv as the source itself."""
    extension = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if extension in ("dot", "gv"):
        from ..core.io import atomic_write

        with atomic_write(path) as out:
            out.write(dot_source)
        return
    if extension not in ("svg", "png", "pdf"):
        raise NgramlmError(f"{path}: give a picture name ending in .svg, .png or .pdf (or .dot for the source)")
    try:
        import graphviz
    except ImportError:
        raise NgramlmError("drawing needs the graphviz package: pip install 'ngramlm[draw]' (and Graphviz's dot "
                           "program: apt-get install graphviz)") from None
    try:
        data = graphviz.Source(dot_source).pipe(format=extension)
    except graphviz.ExecutableNotFound:
        raise NgramlmError("Graphviz's dot program is not installed: apt-get install graphviz (or brew install "
                           "graphviz); write a .dot file instead to render it elsewhere") from None
    except graphviz.CalledProcessError as exc:
        raise NgramlmError(f"dot failed: {str(exc.stderr or exc).strip().splitlines()[-1:]}") from None
    from ..core.io import atomic_write

    with atomic_write(path, "wb") as out:
        out.write(data)
