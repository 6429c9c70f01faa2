"""`ngramlm classes`: word classes (Brown clustering, SRILM's ngram-class), class n-gram models, and their
perplexity alone, mixed with a word model, or with a unigram cache (SRILM's `ngram -classes`, `-cache`)."""
from __future__ import annotations

import sys

import click

from ngramlm.formats.arpa import read_arpa, write_arpa
from ngramlm.models.cache import (DEFAULT_CACHE_WEIGHT, WIKITEXT_ARTICLE, CacheScorer, cache_ppl, most_probable_words,
                           tune_cache_weights)
from ngramlm.models.classes import (ClassNgramModel, ClassScorer, InterpolatedScorer, read_classes, train_class_model,
                             tune_interpolation, write_classes)
from ngramlm.models.clustering import cluster_files
from ngramlm.corpora.reader import TextOptions
from ngramlm.use.ppl_report import PplOptions, ppl_file
from ngramlm.use.scoring import BackoffScorer
from ngramlm.smoothing import METHODS
from ngramlm.core.vocab import EOS_ID, Vocabulary

from ngramlm.cli.common import checks_outputs, report_errors


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
def classes():
    """Word classes and class-based n-gram models."""


@classes.command()
@click.argument("texts", nargs=-1, required=True, metavar="TEXT...")
@click.option("-n", "--num-classes", type=click.IntRange(1, None), required=True,
              help="How many classes to put the words in (the sentence markers stay out of them).")
@click.option("-o", "--output", required=True, metavar="PATH", help="Write the classes here (SRILM's format).")
@click.option("--max-passes", type=click.IntRange(1, None), default=20,
              help="The most passes of the exchange algorithm over the words.")
@click.option("--seed", type=int, default=None, show_default=False,
              help="Start from a random assignment drawn with this seed (default: Martin et al.'s start, the "
                   "most frequent words in classes of their own).")
@click.option("--tolower", is_flag=True,
              help="Lower-case the text (every Unicode capital; SRILM's -tolower lowers A-Z only).")
@click.option("-q", "--quiet", is_flag=True, help="No progress on standard error.")
@report_errors
@checks_outputs("output")
def induce(texts, num_classes, output, max_passes, seed, tolower, quiet):
    """Cluster the words of TEXT... into classes by the exchange algorithm (Brown clustering).

    The exchange algorithm moves single words between a fixed number of classes until the class-bigram
    likelihood stops rising: fast, and its classes are not SRILM's. `ngram-class` is SRILM's tool, with its flags
    and algorithm (greedy merging of classes, Brown et al. 1992: incremental, or -full), giving SRILM's classes.
    """
    result = cluster_files(list(texts), num_classes, options=TextOptions(tolower=tolower), max_passes=max_passes,
                           seed=seed, quiet=quiet)
    write_classes(result.classes, output)
    click.echo(f"{len(result.classes.word_class):,} words in {len(result.classes.class_names)} classes after "
               f"{result.passes} passes; class-bigram log-likelihood {result.log_likelihoods[0]:.6g} -> "
               f"{result.log_likelihoods[-1]:.6g} (natural log)")


@classes.command()
@click.argument("texts", nargs=-1, required=True, metavar="TEXT...")
@click.option("-c", "--classes", "classes_path", required=True, metavar="PATH", help="Class file.")
@click.option("-o", "--output", required=True, metavar="PATH",
              help="Write the class n-gram model here (ARPA over class names and unclassed words; SRILM's "
                   "`ngram -classes C -lm M` reads it).")
@click.option("--order", type=click.IntRange(1, 255), default=3, help="N-gram order.")
@click.option("--method", type=click.Choice(METHODS), default="modified-kneser-ney", help="Smoothing method.")
@click.option("--interpolate/--backoff", default=True, help="Interpolate the orders (where the method allows).")
@click.option("--unk", is_flag=True, help="Keep <unk> as a word of the model (open vocabulary).")
@click.option("--tolower", is_flag=True,
              help="Lower-case the text (every Unicode capital; SRILM's -tolower lowers A-Z only).")
@report_errors
@checks_outputs("output")
def train(texts, classes_path, output, order, method, interpolate, unk, tolower):
    """Estimate a class n-gram model from TEXT... with the classes of --classes."""
    interpolate = interpolate and method in ("witten-bell", "absolute", "kneser-ney", "modified-kneser-ney")
    model = train_class_model(list(texts), read_classes(classes_path), order, method, interpolate=interpolate,
                              unk=unk, options=TextOptions(tolower=tolower))
    write_arpa(model.class_model, output)
    click.echo(f"class model: {' '.join(f'ngram {n}={m}' for n, m in enumerate(model.class_model.sizes(), 1))}")


@classes.command("eval")
@click.argument("text", metavar="TEXT")
@click.option("-c", "--classes", "classes_path", metavar="PATH",
              help="Class file; without it --lm is a word n-gram model (to score with a cache).")
@click.option("--lm", required=True, metavar="PATH",
              help="The class n-gram model (ARPA), or a word n-gram model without --classes.")
@click.option("--mix-lm", metavar="PATH", help="A word n-gram model (ARPA) to interpolate word by word.")
@click.option("--lambda", "weight", type=click.FloatRange(0, 1), default=0.5,
              help="Weight of the class model in the mixture with --mix-lm.")
@click.option("--tune-on", metavar="PATH", help="Tune --lambda (and the cache weights) on this held-out text.")
@click.option("--cache", type=click.IntRange(0, None), default=0,
              help="Mix in a unigram cache of this many recent tokens (SRILM's -cache); 0: none.")
@click.option("--cache-lambda", type=click.FloatRange(0, 1), default=DEFAULT_CACHE_WEIGHT,
              help="Weight of the cache (SRILM's -cache-lambda).")
@click.option("--documents", type=click.Choice(["none", "blank", "wikitext"]), default="none",
              help="Where the cache is emptied: never (SRILM), at blank lines, or at WikiText article titles.")
@click.option("--cache-decay", type=click.FloatRange(0, None), default=0.0,
              help="Decaying cache (Clarkson & Robinson 1997): the token i positions back weighs e^(-DECAY i).")
@click.option("--cache-bigram-lambda", type=click.FloatRange(0, 1), default=0.0,
              help="Weight of a bigram cache p(w | previous token) (Jelinek et al. 1991); 0: none.")
@click.option("--cache-exclude-eos", is_flag=True, help="Keep </s> out of the cache.")
@click.option("--cache-exclude-frequent", type=click.IntRange(0, None), default=0,
              help="Keep the words with the N highest unigram probabilities (function words) out of the cache.")
@click.option("--cache-fill", type=click.FloatRange(0, None), default=0.0,
              help="Scale the cache weights by n / (n + FILL), n the tokens in the cache; 0: constant weights.")
@click.option("--unk", is_flag=True, help="The models are open-vocabulary: <unk> is a word.")
@report_errors
def eval_command(text, classes_path, lm, mix_lm, weight, tune_on, cache, cache_lambda, documents, cache_decay,
                 cache_bigram_lambda, cache_exclude_eos, cache_exclude_frequent, cache_fill, unk):
    """Perplexity of TEXT under a class n-gram model (or a word model without --classes), optionally mixed with
    a word model and a cache (SRILM's unigram cache, or the variants of ngramlm.models.cache)."""
    model = read_arpa(lm, Vocabulary())
    scorer = ClassScorer(ClassNgramModel(read_classes(classes_path), model)) if classes_path else BackoffScorer(model)
    options = PplOptions(unk_is_word=unk)
    if mix_lm:
        word = BackoffScorer(read_arpa(mix_lm, Vocabulary()))
        if tune_on:
            weight = float(tune_interpolation([scorer, word], tune_on, options)[0])
            click.echo(f"class model weight tuned on {tune_on}: {weight:.6f}")
        scorer = InterpolatedScorer([scorer, word], [weight, 1.0 - weight])
    if not cache:
        ppl_file(scorer, text, options, sys.stdout)
        return
    boundary = {"none": None, "blank": "blank", "wikitext": WIKITEXT_ARTICLE}[documents]
    if cache_exclude_frequent and classes_path:
        raise click.UsageError("--cache-exclude-frequent needs a word model: leave out --classes")
    exclude = most_probable_words(model, cache_exclude_frequent) if cache_exclude_frequent else []
    if cache_exclude_eos:
        exclude.append(EOS_ID)
    cached = CacheScorer(scorer, cache, cache_lambda, unk_is_word=unk, decay=cache_decay,
                         bigram_weight=cache_bigram_lambda, exclude=exclude, fill=cache_fill)
    if tune_on:
        cached.weight, cached.bigram_weight = tune_cache_weights(cached, tune_on, options, boundary)
        tuned = f", bigram cache weight {cached.bigram_weight:.6f}" if cache_bigram_lambda else ""
        click.echo(f"cache weight tuned on {tune_on}: {cached.weight:.6f}{tuned}")
    click.echo(f"file {text}: {cache_ppl(cached, text, options, boundary).format()}", nl=False)
