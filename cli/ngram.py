"""`ngram`: SRILM's tool for applying a language model, with its flag names (single dash) and output formats.

The run has three steps, as in SRILM's ngram.cc: the model is read (-lm, into the vocabulary of -vocab and
-map-unk, at the order -order), then changed (the block of model-changing options below), then written
(-write-lm, -write-vocab) and evaluated (-ppl, -counts). Perplexity output is SRILM's, byte for byte, at each
-debug level.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
import numpy as np

from ngramlm.core.constants import LOG10_ZERO
from ngramlm.core.errors import ModelError
from ngramlm.use.ppl_report import PplOptions, ppl_counts_file, ppl_file
from ngramlm.use.index_scorer import is_binary_model
from ngramlm.use.scoring import BackoffScorer
from ngramlm.core.vocab import BOS_ID, UNK, UNK_ID, Vocabulary

from ngramlm.cli.common import checks_outputs, report_errors, verbose_option
from ngramlm.cli.ngram_nbest import nbest_options, run_nbest
from ngramlm.cli.srilm_options import srilm_command
from ngramlm.cli.srilm_text import ERRORS, errors_option, keep_bytes_on_stdout, read_vocabulary, readable_input

if TYPE_CHECKING:
    from ngramlm.core.model import BackoffModel
    from ngramlm.use.mix import Mixture

SRILM_DEFAULT_ORDER = 3


# The ARPA reader and writer, imported on first use: a binary -lm needs neither.
def read_arpa(*args, **kwargs) -> BackoffModel:
    from ngramlm.formats.arpa import read_arpa as read

    return read(*args, **kwargs)


def write_arpa(*args, **kwargs) -> None:
    from ngramlm.formats.arpa import write_arpa as write

    write(*args, **kwargs)


def limit_to_vocabulary(model: BackoffModel, known: int) -> BackoffModel:
    """-limit-vocab: the model without its n-grams that hold a word outside the -vocab words (ids below `known`:
    the vocabulary is read before the model, whose other words come after), in that vocabulary alone (the other
    words are unknown, as SRILM never adds them)."""
    from ngramlm.core.model import BackoffModel

    keep = [np.all(grams < known, axis=1) for grams in model.ngrams]
    vocab = Vocabulary(model.vocab.words[:known], unk_word=model.vocab.unk_word, closed=True)
    return BackoffModel(vocab, [g[k] for g, k in zip(model.ngrams, keep)],
                        [p[k] for p, k in zip(model.logprob, keep)], [b[k] for b, k in zip(model.logbow, keep)])


def unknown_word_scorer(scorer, unk_prob: float | None, skipoovs: bool):
    """The scorer with -unk-prob and -skipoovs applied (ngramlm.use.unknown_words, imported only for them)."""
    if skipoovs:
        from ngramlm.use.unknown_words import SkipOovScorer

        scorer = SkipOovScorer(scorer)
    if unk_prob is not None:
        from ngramlm.use.unknown_words import UnkProbScorer

        scorer = UnkProbScorer(scorer, unk_prob)
    return scorer


def report_read(model: BackoffModel, order: int | None, debug: int, kept: BackoffModel | None = None) -> None:
    """SRILM's -debug 1 lines as a model is read: `reading N k-grams` per order, `skipping` above -order, and
    `discarded N OOV k-grams` for those -limit-vocab left out of `kept`."""
    if debug >= 1:
        keep = order or SRILM_DEFAULT_ORDER
        for k, grams in enumerate(model.ngrams, 1):
            click.echo(f"{'reading' if k <= keep else 'skipping'} {len(grams)} {k}-grams", err=True)
            dropped = len(grams) - len(kept.ngrams[k - 1]) if kept is not None else 0
            if dropped > 0:
                click.echo(f"discarded {dropped} OOV {k}-grams", err=True)


def report_sizes(verb: str, before: BackoffModel | None, after: BackoffModel, debug: int) -> None:
    """SRILM's -debug 1 lines `pruned N k-grams` (highest order first, orders that lost some) or
    `writing N k-grams` (every order)."""
    if debug < 1:
        return
    if before is None:
        for k, grams in enumerate(after.ngrams, 1):
            click.echo(f"{verb} {len(grams)} {k}-grams", err=True)
        return
    for k in range(after.order, 0, -1):
        lost = len(before.ngrams[k - 1]) - len(after.ngrams[k - 1])
        if lost > 0:
            click.echo(f"{verb} {lost} {k}-grams", err=True)


# SRILM's Prob_Epsilon: a left-over unigram mass below it counts as none.
PROB_EPSILON = 3e-6


def report_left_over_mass(model: BackoffModel, unk: bool, debug: int) -> None:
    """The warning SRILM's recomputation of back-off weights (after -prune) prints at -debug 1: the unigram
    probability mass left over, spread over the words of probability zero (or over all words if none is)."""
    if debug < 1:
        return
    words = model.ngrams[0][:, 0]
    events = (words != BOS_ID) & ((words != UNK_ID) | unk)
    logprob = model.logprob[0][events]
    missing = np.setdiff1d(np.arange(len(model.vocab)), words)
    missing = missing[(missing != BOS_ID) & ((missing != UNK_ID) | unk)]
    zero = int(np.count_nonzero(logprob <= LOG10_ZERO)) + len(missing)
    mass = 1.0 - float(np.sum(10.0 ** logprob[logprob > LOG10_ZERO]))
    if mass < PROB_EPSILON:
        mass = 0.0
    if zero > 0:
        click.echo(f"warning: distributing {mass:g} left-over probability mass over {zero} zeroton words", err=True)
    elif mass > 0:
        click.echo(f"warning: distributing {mass:g} left-over probability mass over all {int(events.sum())} words",
                   err=True)


def gives_unk_a_probability(model: BackoffModel) -> bool:
    """Whether the model is open-vocabulary in fact: <unk> has a unigram probability above zero (SRILM warns when
    such a model is used without -unk)."""
    unigrams = model.ngrams[0][:, 0]
    return bool(np.any(model.logprob[0][unigrams == UNK_ID] > LOG10_ZERO))


def at_order(model: BackoffModel, order: int | None, path: str, *, quiet: bool = False) -> BackoffModel:
    """The model cut to -order (BackoffModel.at_order). Without -order SRILM uses 3; asking for more than the
    model has is an error."""
    if order is None:
        order = min(SRILM_DEFAULT_ORDER, model.order)
        if model.order > order and not quiet:
            click.echo(f"ngram: warning: {path} has order {model.order} but only its n-grams up to order {order} "
                       f"are used (SRILM's default -order {SRILM_DEFAULT_ORDER}); pass -order {model.order} to use "
                       "them all", err=True)
    elif order > model.order:
        raise ModelError(f"-order {order} asks for more than the model has: {path} is a {model.order}-gram model; "
                         f"pass -order {model.order} or less")
    return model.at_order(order)


# --- model-changing options: pruning, mixing, generation (ngramlm.use.prune / mix / generate) ---
# A model-changing option adds its click.option to MODEL_CHANGING_OPTIONS and its step to change_model(), which
# runs after the model is read and cut to -order, and before it is written (-write-lm) and evaluated (-ppl,
# -counts). `options` holds the values of those options by their parameter names; the library does the work
# (BackoffModel's operations, ngramlm.use.prune / mix / generate).
# SRILM's limit: -lm plus -mix-lm, -mix-lm2 .. -mix-lm9.
MAX_MIX_LMS = 10
# SRILM's maxWordsPerLine: the longest sentence -gen produces.
MAX_GENERATED_WORDS = 50000

MODEL_CHANGING_OPTIONS: list = [
    click.option("-mix-lm", "mix_lm", metavar="FILE",
                 help="Interpolate with this second model: merged into one back-off model (static), or scored "
                      "as a dynamic mixture with -bayes 0."),
    click.option("-lambda", "mix_lambda", type=float, default=0.5,
                 help="Weight of the -lm model; -mix-lm gets 1 minus the sum of -lambda and -mix-lambda2..9."),
    *[click.option(f"-mix-lm{i}", f"mix_lm{i}", metavar="FILE", help=f"Mixture component {i + 1}.")
      for i in range(2, MAX_MIX_LMS)],
    *[click.option(f"-mix-lambda{i}", f"mix_lambda{i}", type=float, default=0.0,
                   help=f"Weight of -mix-lm{i}.") for i in range(2, MAX_MIX_LMS)],
    click.option("-bayes", "bayes", type=int, default=None,
                 help="0: interpolate the models dynamically (word by word) instead of merging them; other "
                      "context lengths for Bayesian posteriors are not supported."),
    click.option("-renorm", "renorm", is_flag=True, help="Recompute the back-off weights so every context sums to 1."),
    click.option("-prune", "prune", type=float, default=0.0,
                 help="Prune n-grams whose removal raises the perplexity by less than this, relatively "
                      "(Stolcke's relative-entropy pruning)."),
    click.option("-minprune", "minprune", type=click.IntRange(2, None), default=2,
                 help="Prune only n-grams at least this long (-prune and -prune-lowprobs)."),
    click.option("-prune-history-lm", "prune_history_lm", metavar="FILE",
                 help="Model giving the history marginals for -prune (order one less suffices)."),
    click.option("-prune-lowprobs", "prune_lowprobs", is_flag=True,
                 help="Prune n-grams whose probability is lower than their backed-off estimate."),
    click.option("-rescore-ngram", "rescore_ngram", metavar="FILE",
                 help="Read the ARPA model FILE (up to -order), give each of its n-grams the probability of the model "
                      "the other options make (mixtures, classes, -cache, -unk-prob), recompute its back-off "
                      "weights, and use it in their place for -ppl, -write-lm and the rest."),
    click.option("-gen", "gen", type=click.IntRange(0, None), default=0,
                 help="Print this many random sentences from the model (after its changes)."),
    click.option("-seed", "seed", type=int, default=None,
                 help="Random seed for -gen (default: a different one each run)."),
    click.option("-gen-prefixes", "gen_prefixes", metavar="FILE",
                 help="Continue each line of FILE (<s> is not added) with a random sentence, printed without "
                      "the prefix."),
    click.option("-classes", "classes", metavar="FILE",
                 help="Interpret the LM as a class n-gram over the word classes of FILE (SRILM's classes-format: "
                      "`class [p] word ...`): a sentence's probability sums over every reading of its words as "
                      "model words and class expansions (several words, several classes per word allowed)."),
    click.option("-simple-classes", "simple_classes", is_flag=True,
                 help="The -classes are simple (each word in one class, one word per expansion): every classed "
                      "word is replaced by its class (faster; SRILM's SimpleClassNgram)."),
    click.option("-expand-classes", "expand_classes", type=click.IntRange(0, None), default=None, metavar="N",
                 help="With -classes: compile the class model into a word n-gram model of order at most N (0: as "
                      "long as its longest expanded n-gram), which -write-lm, -ppl and the rest then use."),
    click.option("-expand-exact", "expand_exact", type=click.IntRange(0, None), default=0, metavar="K",
                 help="With -expand-classes: only the expanded word strings shorter than K also get their "
                      "probability as plain words (step 2 of SRILM's ClassNgram::expand); 0: all of them."),
    click.option("-tagged", "tagged", is_flag=True,
                 help="The LM is tagged (ngram-count -tagged) and the text's words word/TAG: a word missing after "
                      "its context is looked up with the context's oldest word replaced by its tag before the "
                      "context is shortened (SRILM's TaggedNgram; -debug 2 shows such hits as [2+Tgram])."),
    click.option("-multiwords", "multiwords", is_flag=True,
                 help="Split multiwords (vocabulary words joined by -multi-char) into their components for "
                      "scoring: p(a_b | h) = p(a | h) p(b | h a), the history split likewise."),
    click.option("-multi-char", "multi_char", default="_", metavar="C", help="The multiword separator."),
    click.option("-cache", "cache", type=click.IntRange(0, None), default=0,
                 help="Interpolate the model with a unigram cache of this many recent tokens; 0: no cache."),
    click.option("-cache-lambda", "cache_lambda", type=click.FloatRange(0, 1), default=0.05,
                 help="Weight of the -cache model in the interpolation."),
]


def _mixture_components(model: BackoffModel, options: dict) -> tuple[list[BackoffModel], list[float]] | None:
    """The models and weights of -lm, -mix-lm, -mix-lm2..9 (None without -mix-lm), read into -lm's vocabulary
    at the run's -order."""
    extra = [(options[f"mix_lm{i}"], options[f"mix_lambda{i}"]) for i in range(2, MAX_MIX_LMS) if options[f"mix_lm{i}"]]
    if options["mix_lm"] is None:
        if extra:
            raise ModelError("-mix-lm2 .. -mix-lm9 need -mix-lm as well")
        return None
    params = click.get_current_context().params
    order = params.get("order") or SRILM_DEFAULT_ORDER
    second = 1.0 - options["mix_lambda"] - sum(weight for _, weight in extra)
    if second < -1e-12:
        raise ModelError(f"-lambda and -mix-lambda2..9 sum to {1.0 - second:g} > 1, leaving -mix-lm a negative weight")
    models, weights = [model], [options["mix_lambda"], max(second, 0.0)]
    for path in [options["mix_lm"]] + [path for path, _ in extra]:
        component = read_arpa(path, model.vocab, errors=ERRORS[params.get("errors") or "strict"])
        report_read(component, params.get("order"), params.get("debug") or 0)
        if params.get("tolower"):
            component = component.lowercase()
        models.append(component.at_order(min(order, component.order)))
    return models, weights + [weight for _, weight in extra]


def change_model(model: BackoffModel, options: dict) -> tuple[BackoffModel, Mixture | None]:
    """Apply the model-changing options to the model read from -lm, in SRILM's order: static mixing, -renorm,
    -prune, -prune-lowprobs. Returns the changed model and, with -mix-lm ... -bayes 0, the dynamic mixture
    (ngramlm.use.mix.Mixture) that -ppl, -counts and -gen use in its place (else None). -gen / -gen-prefixes
    sample after -ppl and -counts are scored, as SRILM's ngram does them."""
    from ngramlm.smoothing.backoff_weights import renormalize
    from ngramlm.use.mix import Mixture, mix_models_pairwise
    from ngramlm.use.prune import prune_entropy, prune_low_probs
    from ngramlm.use.prune_contexts import srilm_context_weights

    if options["bayes"] not in (None, 0):
        raise ModelError(f"-bayes {options['bayes']}: only -bayes 0 (dynamic interpolation with the fixed -lambda "
                         "weights) is supported")
    components = _mixture_components(model, options)
    if components is not None and options["bayes"] is None:
        model = mix_models_pairwise(*components)
    if options["renorm"]:
        model = renormalize(model)
    debug = click.get_current_context().params.get("debug") or 0
    if options["prune"]:
        history = None
        if options["prune_history_lm"]:
            history = read_arpa(options["prune_history_lm"], model.vocab)
            report_read(history, None, debug)
        model, before = prune_entropy(model, options["prune"], options["minprune"], history), model
        report_sizes("pruned", before, model, debug)
        model = srilm_context_weights(before, model, options["minprune"])
        report_left_over_mass(model, bool(click.get_current_context().params.get("unk")), debug)
    if options["prune_lowprobs"]:
        model, before = prune_low_probs(model, options["minprune"]), model
        report_sizes("pruned", before, model, debug)
    if components is not None and options["bayes"] == 0:
        return model, Mixture([model] + components[0][1:], components[1])
    return model, None


def _rescore_ngram(scorer, options: dict, order: int | None, errors: str, quiet: bool) -> BackoffModel:
    """-rescore-ngram FILE: FILE's model with the probabilities of `scorer` (ngramlm.use.rescore_ngram). As in
    SRILM, it then replaces the scoring model whole: classes, multiwords and the cache are not applied to it."""
    from ngramlm.use.rescore_ngram import recompute_weights, rescored_probabilities

    target = read_arpa(options["rescore_ngram"], Vocabulary(unk_word=scorer.vocab.unk_word), errors=errors,
                       quiet=quiet)
    params = click.get_current_context().params
    report_read(target, order, params["debug"])
    target = at_order(target, order, options["rescore_ngram"], quiet=quiet)
    options.update(classes=None, multiwords=False, cache=0)
    rescored = rescored_probabilities(target, scorer)
    report_left_over_mass(rescored, bool(params["unk"]), params["debug"])
    return recompute_weights(rescored, bool(params["unk"]))


def _generate(model, options: dict) -> None:
    """SRILM's -gen N and -gen-prefixes FILE: random sentences on standard output, one per line."""
    from ngramlm.core.io import iter_lines, split_words
    from ngramlm.use.generate import SamplingOptions, SentenceSampler
    from ngramlm.core.vocab import BOS_ID

    sampler = SentenceSampler(model, SamplingOptions(max_words=MAX_GENERATED_WORDS), options["seed"])
    for _ in range(options["gen"]):
        click.echo(" ".join(model.vocab.decode(sampler.sample_sentence([BOS_ID]))))
    if options["gen_prefixes"]:
        for _, line in iter_lines(options["gen_prefixes"]):
            prefix = [model.vocab.id(w) for w in split_words(line)]
            click.echo(" ".join(model.vocab.decode(sampler.sample_sentence(prefix))))


def model_scorer(model: BackoffModel, dynamic_mixture: Mixture | None, options: dict, tolower: bool = False):
    """What -ppl and -counts score: the model, or the dynamic mixture of -mix-lm ... -bayes 0; read as a class
    model with -classes (lower-cased with -tolower) and mixed with a unigram cache with -cache
    (ngramlm.models.classes, ngramlm.models.cache)."""
    scorer = dynamic_mixture or BackoffScorer(model)
    if options["tagged"]:
        from ngramlm.models.tagged import TaggedScorer

        if options["classes"] or dynamic_mixture is not None:
            raise ModelError("-tagged cannot be combined with -classes or a dynamic mixture (-bayes 0), as in SRILM")
        scorer = TaggedScorer(model)
    if options["classes"] and options["simple_classes"]:
        from ngramlm.models.classes import ClassNgramModel, ClassScorer, read_classes

        # SRILM's SimpleClassNgram uses the membership probabilities as given, summing to 1 or not
        classes = read_classes(options["classes"], renormalise=False, tolower=tolower)
        scorer = ClassScorer(ClassNgramModel(classes, model))
    elif options["classes"]:
        from ngramlm.models.class_trellis import ClassTrellisScorer
        from ngramlm.models.classes import read_class_expansions

        scorer = ClassTrellisScorer(read_class_expansions(options["classes"], tolower), model)
    return wrapped_scorer(scorer, options)


def wrapped_scorer(scorer, options: dict):
    """-multiwords and -cache around a scorer: an ARPA model's (model_scorer) or a binary model's index
    (cli/ngram_binary.py)."""
    if options["multiwords"]:
        from ngramlm.models.multiwords import MultiwordScorer

        scorer = MultiwordScorer(scorer, options["multi_char"])
    if options["cache"]:
        from ngramlm.models.cache import CacheScorer

        params = click.get_current_context().params
        scorer = CacheScorer(scorer, options["cache"], options["cache_lambda"], srilm=True,
                             labels=params.get("debug") or 0, unk_is_word=bool(params.get("unk")))
    return scorer
# --- end of model-changing options ---


def _model_changing_options(func):
    for option in reversed(MODEL_CHANGING_OPTIONS):
        func = option(func)
    return func


@srilm_command("ngram")
@click.version_option(None, "-version", package_name="ngramlm")
@click.option("-lm", "lm", metavar="FILE", required=True,
              help="Read the back-off model from FILE, in ARPA format (plain, .gz, .bz2 or .xz), or a binary model "
                   "(ngramlm build-binary, KenLM's build_binary; known by its first bytes), scored through its hash "
                   "index: the report may differ from the ARPA file's in a last digit, [Ngram] is the length the "
                   "table probe matched, and options that change or rewrite the model need the ARPA file.")
@click.option("-order", "order", type=click.IntRange(1, 255), default=None, show_default=False,
              help="Maximal N-gram order used (SRILM's default: 3, whatever the model's order; higher-order "
                   "n-grams are then ignored). An order above the model's is an error.")
@click.option("-ppl", "ppl", metavar="FILE",
              help="Compute sentence log probabilities and perplexities of the sentences in FILE (one per line).")
@click.option("-counts", "counts", metavar="FILE",
              help="Compute perplexity from the N-gram counts in FILE ('w1 .. wn<TAB>count'): each n-gram's last "
                   "word is scored given the others and weighted by the count.")
@click.option("-count-order", "count_order", type=click.IntRange(0, 255), default=0,
              help="Use only counts up to this order in -counts; 0 means -order.")
@click.option("-debug", "debug", type=click.IntRange(0, None), default=0,
              help="Detail of the -ppl / -counts output: 0 totals, 1 per sentence, 2 per word, 3 per word with "
                   "the sum of the probabilities of every word in its context.")
@click.option("-unk", "unk", is_flag=True,
              help="The LM is open-vocabulary: <unk> is one of its words (it then counts in -debug 3 sums).")
@click.option("-map-unk", "map_unk", default=UNK, metavar="WORD", help="Spelling of the unknown word.")
@click.option("-vocab", "vocab", metavar="FILE",
              help="Initialise the vocabulary from FILE (one word per line); the LM's own words are added to it.")
@click.option("-tolower", "tolower", is_flag=True, help="Map the text and the vocabulary to lower case.")
@click.option("-no-sos", "no_sos", is_flag=True, help="Do not insert <s> at the start of each sentence.")
@click.option("-no-eos", "no_eos", is_flag=True, help="Do not insert </s> at the end of each sentence.")
@click.option("-escape", "escape", metavar="STRING",
              help="Lines of the -ppl / -counts input starting with STRING are copied to the output unscored; "
                   "at -debug 0 the statistics of the lines since the previous one are printed before them.")
@click.option("-write-lm", "write_lm", metavar="FILE", help="Write the model (after -order and changes) to FILE.")
@click.option("-write-bin-lm", "write_bin_lm", metavar="FILE",
              help="Write the model (as -write-lm) in ngramlm's binary format, which ngram -lm reads memory-mapped. "
                   "This is not SRILM's binary LM format: SRILM's tools cannot read it.")
@click.option("-write-vocab", "write_vocab", metavar="FILE", help="Write the model's vocabulary to FILE, sorted.")
@click.option("-q", "quiet", is_flag=True, help="No warnings or progress on standard error.")
@click.option("-limit-vocab", "limit_vocab", is_flag=True,
              help="With -vocab: discard the model's n-grams that contain words outside the vocabulary.")
@click.option("-unk-prob", "unk_prob", type=float, default=None, metavar="L",
              help="Score <unk> with log10 probability L (-99: zero), so unknown words count as words.")
@click.option("-skipoovs", "skipoovs", is_flag=True,
              help="Give probability zero to <unk> and to the two words after it (SRILM's old perplexity rule).")
@click.option("-reverse", "reverse", is_flag=True,
              help="Score each sentence's words in reverse order (for a model of reversed text).")
@errors_option
@nbest_options
@_model_changing_options
@verbose_option
@report_errors
@checks_outputs("write_lm", "write_bin_lm", "write_vocab")
def main(lm, order, ppl, counts, count_order, debug, unk, map_unk, vocab, tolower, no_sos, no_eos, escape,
         write_lm, write_bin_lm, write_vocab, quiet, limit_vocab, unk_prob, skipoovs, reverse, errors, **model_options):
    """Apply an N-gram language model: perplexity of a text or of counts, N-best rescoring, rewriting the model
    (SRILM's ngram)."""
    errors = ERRORS[errors]
    keep_bytes_on_stdout()
    binary = is_binary_model(lm)
    if binary or ppl or counts:
        from ngramlm.cli.ngram_binary import arpa_index, run_binary

        # a binary model, or an ARPA model read straight into the same hash index when only -ppl's options are given
        index = None if binary else arpa_index(lm, click.get_current_context())
        if binary or index is not None:
            run_binary(lm, dict(click.get_current_context().params, errors=errors), model_options,
                       lambda scorer: unknown_word_scorer(wrapped_scorer(scorer, model_options), unk_prob, skipoovs),
                       index)
            return
    words = read_vocabulary(vocab, map_unk, tolower, errors)
    known = len(words)
    model = read_arpa(lm, words, errors=errors, quiet=quiet)
    kept = limit_to_vocabulary(model, known) if limit_vocab and vocab else None
    report_read(model, order, debug, kept)
    model = kept or model
    if tolower:
        model = model.lowercase()
    if not unk and not quiet and gives_unk_a_probability(model):
        click.echo(f"ngram: warning: {lm} gives {map_unk} a non-zero probability, so unknown words are scored "
                   "with it; pass -unk to declare the model open-vocabulary", err=True)
    model = at_order(model, order, lm, quiet=quiet)
    if model_options["expand_classes"] is not None and model_options["classes"]:
        from ngramlm.models.class_expansion import expand_class_model
        from ngramlm.models.classes import read_class_expansions

        # the class model becomes a word model: -ppl and the rest use it without -classes (as SRILM does)
        model = expand_class_model(read_class_expansions(model_options["classes"], tolower), model,
                                   model_options["expand_classes"], model_options["expand_exact"])
        model_options["classes"] = None
    model, dynamic_mixture = change_model(model, model_options)

    if model_options["rescore_ngram"]:
        scorer = model_scorer(model, dynamic_mixture, model_options, tolower)
        model = _rescore_ngram(unknown_word_scorer(scorer, unk_prob, skipoovs), model_options, order, errors, quiet)
        dynamic_mixture, unk_prob, skipoovs = None, None, False
    if write_lm:
        report_sizes("writing", None, model, debug)
        write_arpa(model, write_lm, quiet=quiet)
    if write_bin_lm:
        from ngramlm.formats.binary import write_binary

        report_sizes("writing", None, model, debug)
        write_binary(model, write_bin_lm)
    if write_vocab:
        model.vocab.write(write_vocab, srilm_pause=True)
    scorer = unknown_word_scorer(model_scorer(model, dynamic_mixture, model_options, tolower), unk_prob, skipoovs)
    if ppl or counts:
        from ngramlm.formats.score_marker import holds_scores

        if holds_scores(lm):
            click.echo(f"ngram: warning: {lm} holds Stupid Backoff scores, not probabilities: the perplexities "
                       "below are not perplexities (the scores do not sum to one)", err=True)
        options = PplOptions(sos=not no_sos, eos=not no_eos, tolower=tolower, escape=escape, debug=min(debug, 3),
                             unk_is_word=unk or unk_prob is not None, errors=errors, reverse=reverse)
        if ppl:
            ppl_file(scorer, readable_input(ppl), options, sys.stdout, sys.stderr, quiet=quiet)
        if counts:
            ppl_counts_file(scorer, readable_input(counts), options, count_order or None, sys.stdout, sys.stderr)
    run_nbest(scorer, model_options, unk=unk or unk_prob is not None, escape=escape, errors=errors, sos=not no_sos,
              eos=not no_eos, tolower=tolower)
    if model_options["gen"] or model_options["gen_prefixes"]:
        _generate(dynamic_mixture or model, model_options)
