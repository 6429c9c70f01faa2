"""Comparing n-gram and neural language models on one corpus: one table, one plot.

A corpus folder holds train.txt, valid.txt and test.txt. Every model is trained on the training text (or, for
the learning curves, on its first 10%, 30%, ... of sentences) with one vocabulary: every word of the whole
training text (closed; other words become <unk> and are scored as <unk>, as `ngram -ppl -unk`). Keeping it fixed
across the prefixes keeps the learning curves comparable (a smaller vocabulary would lower perplexity by
turning more words into <unk>); a word a prefix never shows gets its probability from smoothing. Every model is
scored on the same tokens: words plus one </s> per sentence, <s> as context only.

N-gram models are given as METHOD:ORDER[:OPTION,...], e.g. `kn:3`, `mkn:5`, `wb:3`, `kn:3:backoff`,
`add:2:delta=0.01`. Methods: add, gt, wb, abs, kn, mkn (ngramlm.smoothing's additive, good-turing,
witten-bell, absolute, kneser-ney, modified-kneser-ney). Options: `backoff` or `interpolate` (default:
interpolate where the method supports it, as `-interpolate`), and KEY=VALUE estimation parameters (gtmin, gtmax,
delta, discount). Unlike ngram-count, every n-gram is kept by default (gtmin=1, as KenLM's lmplz does). N-gram
models always see the current sentence only; they are scored with ngramlm.use.query.

Neural models are given as KIND[:KEY=VALUE,...], e.g. `lstm:layers=2,hidden=200`: KIND is ffnn, lstm or
transformer; keys are the model's hyperparameters or the fields of ngramlm.models.neural.TrainConfig (epochs, lr,
context, ... and max_minutes). Trained checkpoints are kept in the work folder and reused (or resumed, if their
training was interrupted) by the next run with the same specification.

Beside each model alone, the best n-gram model (by validation perplexity) is linearly interpolated with each
neural model word by word, p(w | h) = lambda p_ngram(w | h) + (1 - lambda) p_neural(w | h) (Jelinek & Mercer
1980), with lambda tuned on the validation text by EM (ngramlm.use.mix.estimate_mixture_weights).

In:  a corpus folder, n-gram specifications (METHOD:ORDER[:OPTION,...]) and neural ones (KIND[:KEY=VALUE,...]), and
     the fractions of the training text for the learning curves.
Out: a Comparison (a ModelResult per model and fraction, and the mixtures), written to results.md, results.csv and
     learning_curves.png in the output folder; work/ keeps each model's ARPA file or checkpoint for the next run.
"""
from __future__ import annotations

import csv
import dataclasses
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence, TextIO

import numpy as np

from ..corpora.reader import TextOptions
from ..core.errors import ModelError, NgramlmError
from ..core.io import WORD_SEPARATORS, atomic_write
from ..core.vocab import Vocabulary

NGRAM_METHODS = {
    "add": "additive", "gt": "good-turing", "wb": "witten-bell", "abs": "absolute", "kn": "kneser-ney",
    "mkn": "modified-kneser-ney",
}
INTERPOLATING_METHODS = {"witten-bell", "absolute", "kneser-ney", "modified-kneser-ney"}
NEURAL_KINDS = ("ffnn", "lstm", "transformer")


@dataclass(frozen=True)
class NgramSpec:
    """An n-gram model to build: estimation method, order, interpolation, and extra estimation parameters."""

    text: str
    method: str
    order: int
    interpolate: bool
    params: dict[str, Any]


@dataclass(frozen=True)
class NeuralSpec:
    """A neural model to train: kind, hyperparameters, and training settings (TrainConfig fields)."""

    text: str
    kind: str
    settings: dict[str, Any]


def _value(text: str) -> Any:
    """'3' -> 3, '0.5' -> 0.5, 'true'/'false' -> bool, anything else stays a string."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def _key_values(items: Sequence[str], spec: str) -> dict[str, Any]:
    pairs = {}
    for item in items:
        if "=" not in item:
            raise NgramlmError(f"model {spec!r}: expected KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        pairs[key.strip()] = _value(value.strip())
    return pairs


def parse_ngram_spec(text: str) -> NgramSpec:
    """Parse METHOD:ORDER[:OPTION,...] (see the module docstring)."""
    parts = text.split(":")
    if len(parts) < 2 or parts[0] not in NGRAM_METHODS or not parts[1].isdigit() or int(parts[1]) < 1:
        raise NgramlmError(f"n-gram model {text!r}: expected METHOD:ORDER with METHOD one of "
                           f"{', '.join(NGRAM_METHODS)} (e.g. kn:3, mkn:5:backoff)")
    method = NGRAM_METHODS[parts[0]]
    options = [o for part in parts[2:] for o in part.split(",") if o]
    flags = [o for o in options if "=" not in o]
    unknown = sorted(set(flags) - {"backoff", "interpolate"})
    if unknown:
        raise NgramlmError(f"n-gram model {text!r}: unknown option(s) {', '.join(unknown)}; "
                           "expected backoff, interpolate or KEY=VALUE")
    interpolate = "interpolate" in flags or (method in INTERPOLATING_METHODS and "backoff" not in flags)
    params = {"gtmin": 1, **_key_values([o for o in options if "=" in o], text)}
    return NgramSpec(text, method, int(parts[1]), interpolate, params)


def parse_neural_spec(text: str) -> NeuralSpec:
    """Parse KIND[:KEY=VALUE,...] (see the module docstring)."""
    kind, _, rest = text.partition(":")
    if kind not in NEURAL_KINDS:
        raise NgramlmError(f"neural model {text!r}: the kind must be one of {', '.join(NEURAL_KINDS)}")
    return NeuralSpec(text, kind, _key_values([o for o in rest.split(",") if o], text))


# Settings that say how long to train, not what to train: left out of a checkpoint's name, so that raising them
# resumes the same run instead of starting a new one.
TRAINING_BUDGET = ("epochs", "max_minutes")


def work_name(spec_text: str, fraction: float) -> str:
    """A file-name stem for a model trained on a fraction of the training text, e.g. 'lstm_layers=2@0.3'."""
    kind, _, settings = spec_text.partition(":")
    kept = [s for s in settings.split(",") if s and s.split("=")[0] not in TRAINING_BUDGET]
    stem = kind + (":" + ",".join(kept) if kept else "")
    return re.sub(r"[^A-Za-z0-9=.+-]+", "_", stem) + f"@{fraction:g}"


@dataclass
class ModelResult:
    """One row of the table: a model trained on `train_tokens` tokens, its size, time and perplexities."""

    model: str
    family: str              # "n-gram", "neural" or "mixture"
    fraction: float
    train_tokens: int
    size: int                # parameters (neural), n-grams (n-gram), both summed (mixture)
    file_bytes: int
    train_seconds: float
    valid_ppl: float
    test_ppl: float
    test_ppl1: float
    oov_rate: float
    context: str             # "sentence" or "stream"
    weight: float | None = None   # the n-gram model's interpolation weight (mixtures)


@dataclass
class Comparison:
    """Every trained model's result (all fractions); `table()` is the full-data rows plus the mixtures."""

    corpus: str
    results: list[ModelResult] = field(default_factory=list)

    def table(self) -> list[ModelResult]:
        return [r for r in self.results if r.fraction == 1.0]


@dataclass
class _Scored:
    """Per-token log10 probabilities of a trained model on valid and test (in text order), and its result."""

    result: ModelResult
    valid_logprobs: np.ndarray
    test_logprobs: np.ndarray


class CorpusSplit:
    """train/valid/test of a corpus folder, with prefixes of the training text written on demand."""

    def __init__(self, folder: str, work: str, options: TextOptions):
        self.folder, self.work, self.options = folder, work, options
        self.paths = {}
        for part in ("train", "valid", "test"):
            path = os.path.join(folder, f"{part}.txt")
            if not os.path.exists(path):
                raise NgramlmError(f"{folder}: no {part}.txt; a corpus folder needs train.txt, valid.txt and test.txt")
            self.paths[part] = path

    def train_path(self, fraction: float) -> str:
        """The training text, or a file holding its first `fraction` of lines (written once, in the work folder)."""
        if fraction >= 1.0:
            return self.paths["train"]
        path = os.path.join(self.work, f"train@{fraction:g}.txt")
        if not os.path.exists(path):
            # Bytes, cut only at \n, a line kept where it has words (core.io.split_words), as the reader reads them:
            # a \r is no line break, and a line of U+3000 or \v is a sentence.
            with open(self.paths["train"], "rb") as f:
                lines = [line for line in f if line.strip(WORD_SEPARATORS.encode())]
            with atomic_write(path, "wb") as out:
                out.writelines(lines[: max(1, int(round(len(lines) * fraction)))])
        return path


def mixture_logprobs(first: np.ndarray, second: np.ndarray, weight: float) -> np.ndarray:
    """log10 (weight p1 + (1 - weight) p2), token by token: ngramlm.use.mix.log10_mix of the two models."""
    from ..use.mix import log10_mix

    return log10_mix(np.vstack([first, second]), np.array([weight, 1.0 - weight]))


def tune_mixture_weight(first_valid: np.ndarray, second_valid: np.ndarray) -> float:
    """The weight of the first model that maximises validation likelihood, by EM (ngramlm.use.mix)."""
    from ..use.mix import estimate_mixture_weights

    weights, _ = estimate_mixture_weights(np.vstack([first_valid, second_valid]))
    return float(weights[0])


class Comparer:
    """Runs the comparison on one corpus folder; see `run_comparison`."""

    def __init__(self, corpus: str, out: str, *, context: str = "stream", device: str = "auto",
                 options: TextOptions = TextOptions(), quiet: bool = False, log: TextIO | None = None,
                 reuse_only: bool = False):
        self.work = os.path.join(out, "work")
        os.makedirs(self.work, exist_ok=True)
        self.split = CorpusSplit(corpus, self.work, options)
        self.corpus, self.context, self.device_name, self.options = corpus, context, device, options
        self.quiet, self.log, self.reuse_only = quiet, log, reuse_only
        self._texts: dict[float, tuple] = {}

    def _say(self, message: str) -> None:
        if not self.quiet and self.log is not None:
            print(message, file=self.log, flush=True)

    def texts(self, fraction: float):
        """(vocabulary, train prefix, valid, test), encoded with the vocabulary of the whole training text."""
        from ..corpora.encoded import encode_file, vocabulary_from_file

        if not self._texts:
            vocab = vocabulary_from_file(self.split.paths["train"], self.options)
            self._texts[1.0] = (vocab, *(encode_file(self.split.paths[part], vocab, self.options)
                                         for part in ("train", "valid", "test")))
        if fraction not in self._texts:
            vocab, _, valid, test = self._texts[1.0]
            self._texts[fraction] = (vocab, encode_file(self.split.train_path(fraction), vocab, self.options),
                                     valid, test)
        return self._texts[fraction]

    def ngram(self, spec: NgramSpec, fraction: float) -> _Scored:
        """Count, estimate, write as ARPA (for its size) and score one n-gram model."""
        from ..formats.arpa import write_arpa
        from ..counting.corpus_count import count_files
        from ..use.query import Model
        from ..smoothing import estimate

        vocab, train, valid, test = self.texts(fraction)
        self._say(f"[{fraction:g}] n-gram {spec.text}: counting and estimating")
        started = time.monotonic()
        counts = count_files([self.split.train_path(fraction)], spec.order, _copy(vocab), self.options)
        model = estimate(counts, spec.method, interpolate=spec.interpolate, unk=True, **spec.params)
        seconds = time.monotonic() - started
        arpa_path = os.path.join(self.work, work_name(spec.text, fraction) + ".arpa")
        write_arpa(model, arpa_path)
        scorer = Model(model)
        valid_lp, test_lp = (self._ngram_logprobs(scorer, vocab, text) for text in (valid, test))
        return self._scored(spec.text, "n-gram", fraction, train, test, sum(model.sizes()),
                            os.path.getsize(arpa_path), seconds, valid_lp, test_lp, "sentence")

    @staticmethod
    def _ngram_logprobs(scorer, vocab: Vocabulary, text) -> np.ndarray:
        """Per-token log10 probabilities in text order (w1 .. wn </s> of each sentence), by ngramlm.use.query."""
        words = [vocab.decode(s[1:-1].tolist()) for s in text.sentences]
        ids = scorer.encode([w for sentence in words for w in sentence])
        offsets = np.concatenate([[0], np.cumsum([len(s) for s in words])])
        return scorer.score_ids(ids, offsets, bos=True, eos=True).log_prob

    def neural(self, spec: NeuralSpec, fraction: float) -> _Scored:
        """Train (or reuse, or resume) and score one neural model."""
        from ..models import neural as nn
        from ..models.neural.architectures import hyperparameter_defaults
        from ..models.neural.evaluation import target_logprobs
        from ..models.neural.training import recommended_config, seed_everything

        vocab, train, valid, test = self.texts(fraction)
        device = nn.resolve_device(self.device_name)
        checkpoint_path = os.path.join(self.work, work_name(spec.text, fraction) + ".pt")
        hyper_keys = set(hyperparameter_defaults(spec.kind))
        hyperparameters = {k: v for k, v in spec.settings.items() if k in hyper_keys}
        schedule = {k: v for k, v in spec.settings.items() if k not in hyper_keys}
        if "max_minutes" in schedule:
            schedule["max_seconds"] = 60.0 * schedule.pop("max_minutes")
        schedule.setdefault("context", self.context)
        known = {f.name for f in dataclasses.fields(nn.TrainConfig)}
        if set(schedule) - known:
            raise NgramlmError(f"neural model {spec.text!r}: unknown setting(s) "
                               f"{', '.join(sorted(set(schedule) - known))}")
        log = None if self.quiet else self.log
        if os.path.exists(checkpoint_path):
            # The spec's budget replaces the checkpoint's: no max_minutes in the spec means no time limit.
            budget = {"epochs": schedule.get("epochs"), "max_seconds": schedule.get("max_seconds", 0.0)}
            trainer = nn.Trainer.resume(checkpoint_path, device, quiet=self.quiet, log=log, **budget)
            if trainer.vocab != vocab:
                raise ModelError(f"{checkpoint_path} was trained with another vocabulary; delete it to retrain")
            self._say(f"[{fraction:g}] neural {spec.text}: reusing {checkpoint_path} ({trainer.epoch} epochs done)")
        elif self.reuse_only:
            raise NgramlmError(f"{checkpoint_path}: no such checkpoint to reuse (run without --reuse-only to train it)")
        else:
            seed_everything(schedule.get("seed", 1))
            model = nn.build_model(spec.kind, len(vocab), **hyperparameters)
            trainer = nn.Trainer(model, recommended_config(spec.kind, **schedule), vocab, self.options, device,
                                 quiet=self.quiet, log=log)
            self._say(f"[{fraction:g}] neural {spec.text}: training {nn.count_parameters(model):,} parameters "
                      f"on {device}")
        if not (trainer.finished or self.reuse_only):
            trainer.train(train, valid, checkpoint_path)
        else:
            trainer.model.load_state_dict(trainer.best_weights)
        model_path = os.path.join(self.work, work_name(spec.text, fraction) + ".model.pt")
        nn.save_checkpoint(model_path, trainer.model, vocab, self.options, trainer.config.context)
        mode = trainer.config.context
        scores = [target_logprobs(trainer.model, text, mode, batch_size=trainer.config.eval_batch_size,
                                  chunk=trainer.config.eval_chunk, device=device) for text in (valid, test)]
        return self._scored(spec.text, "neural", fraction, train, test, nn.count_parameters(trainer.model),
                            os.path.getsize(model_path), trainer.train_seconds, scores[0], scores[1], mode)

    def _scored(self, name, family, fraction, train, test, size, file_bytes, seconds, valid_lp, test_lp,
                context) -> _Scored:
        from ..corpora.encoded import perplexity_of_logprobs

        valid_text = self.texts(fraction)[2]
        if (len(valid_lp), len(test_lp)) != (valid_text.num_targets, test.num_targets):
            raise ModelError(f"{name} scored {len(valid_lp)} and {len(test_lp)} tokens of valid and test, where "
                             f"words + </s> are {valid_text.num_targets} and {test.num_targets}")
        on_test, on_valid = perplexity_of_logprobs(test, test_lp), perplexity_of_logprobs(valid_text, valid_lp)
        result = ModelResult(name, family, fraction, train.num_targets, size, file_bytes, seconds, on_valid.ppl,
                             on_test.ppl, on_test.ppl1, on_test.unknown_rate, context)
        self._say(f"[{fraction:g}] {family} {name}: valid ppl {on_valid.ppl:.2f} test ppl {on_test.ppl:.2f}")
        return _Scored(result, valid_lp, test_lp)

    def mixture(self, ngram: _Scored, neural: _Scored) -> ModelResult:
        """The n-gram and the neural model interpolated word by word, the weight tuned on valid by EM."""
        from ..corpora.encoded import perplexity_of_logprobs

        _, _, valid, test = self.texts(1.0)
        started = time.monotonic()
        weight = tune_mixture_weight(ngram.valid_logprobs, neural.valid_logprobs)
        seconds = time.monotonic() - started
        on_valid = perplexity_of_logprobs(valid, mixture_logprobs(ngram.valid_logprobs, neural.valid_logprobs, weight))
        on_test = perplexity_of_logprobs(test, mixture_logprobs(ngram.test_logprobs, neural.test_logprobs, weight))
        a, b = ngram.result, neural.result
        return ModelResult(f"{a.model} + {b.model}", "mixture", 1.0, a.train_tokens, a.size + b.size,
                           a.file_bytes + b.file_bytes, a.train_seconds + b.train_seconds + seconds, on_valid.ppl,
                           on_test.ppl, on_test.ppl1, on_test.unknown_rate, b.context, weight)


def run_comparison(corpus: str, out: str, ngram_specs: Sequence[str], neural_specs: Sequence[str], *,
                   fractions: Sequence[float] = (1.0,), neural_fractions: Sequence[float] | None = None,
                   context: str = "stream", device: str = "auto", options: TextOptions = TextOptions(),
                   quiet: bool = False, log: TextIO | None = None, plot: bool = True,
                   reuse_only: bool = False) -> Comparison:
    """Train and score every model on `corpus`, write results.md, results.csv and learning_curves.png in `out`.

    `fractions` are the prefixes of the training text the learning curves use (1.0 is always added; the table
    holds the full-data models); `neural_fractions` restricts the neural models to some of them (training them
    is the expensive part). With `reuse_only`, neural models are scored as their checkpoints in work/ stand
    (best weights so far), without training them further. Returns every result.
    """
    ngrams, neurals = [parse_ngram_spec(s) for s in ngram_specs], [parse_neural_spec(s) for s in neural_specs]
    if not ngrams and not neurals:
        raise NgramlmError("nothing to compare: give at least one --ngram or --neural model")
    fractions = sorted({float(f) for f in fractions} | {1.0})
    if any(not 0 < f <= 1 for f in fractions):
        raise NgramlmError(f"fractions of the training text must lie in (0, 1], got {fractions}")
    neural_fractions = fractions if neural_fractions is None else sorted({float(f) for f in neural_fractions} | {1.0})
    comparer = Comparer(corpus, out, context=context, device=device, options=options, quiet=quiet, log=log,
                        reuse_only=reuse_only)
    comparison = Comparison(os.path.basename(os.path.normpath(corpus)))
    full: dict[str, _Scored] = {}
    for fraction in fractions:
        jobs: list[tuple[str, Callable[[], _Scored]]] = [
            (s.text, lambda s=s: comparer.ngram(s, fraction)) for s in ngrams]
        if fraction in neural_fractions:
            jobs += [(s.text, lambda s=s: comparer.neural(s, fraction)) for s in neurals]
        for name, job in jobs:
            scored = job()
            comparison.results.append(scored.result)
            if fraction == 1.0:
                full[name] = scored
    if ngrams and neurals:
        best = min((full[s.text] for s in ngrams), key=lambda scored: scored.result.valid_ppl)
        comparison.results += [comparer.mixture(best, full[s.text]) for s in neurals]
    write_table(comparison, out)
    if plot:
        plot_learning_curves(comparison, os.path.join(out, "learning_curves.png"))
    return comparison


COLUMNS = ("model", "family", "context", "parameters / n-grams", "file size (MB)", "training time (s)",
           "valid ppl", "test ppl", "test ppl1", "OOV rate (%)", "n-gram weight")


def _row(r: ModelResult) -> list[str]:
    return [r.model, r.family, r.context, f"{r.size:,}", f"{r.file_bytes / 1e6:.1f}", f"{r.train_seconds:.0f}",
            f"{r.valid_ppl:.2f}", f"{r.test_ppl:.2f}", f"{r.test_ppl1:.2f}", f"{100 * r.oov_rate:.2f}",
            "" if r.weight is None else f"{r.weight:.3f}"]


def write_table(comparison: Comparison, out: str) -> None:
    """results.md (the full-data table) and results.csv (every result, every fraction) in `out`."""
    rows = comparison.table()
    with atomic_write(os.path.join(out, "results.md")) as f:
        f.write(f"Models on `{comparison.corpus}` (trained on all of train.txt; perplexities count words and one "
                "</s> per sentence, ppl1 words only; OOV rate: test words scored as <unk>)\n\n")
        f.write("| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n")
        for r in rows:
            f.write("| " + " | ".join(_row(r)) + " |\n")
    with atomic_write(os.path.join(out, "results.csv")) as f:
        writer = csv.writer(f)
        writer.writerow([fl.name for fl in dataclasses.fields(ModelResult)])
        for r in comparison.results:
            writer.writerow([getattr(r, fl.name) for fl in dataclasses.fields(ModelResult)])


def plot_learning_curves(comparison: Comparison, path: str) -> None:
    """Test perplexity against training tokens, one line per model (log-log), saved as PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        raise NgramlmError("the plot needs matplotlib; install it with pip install \"ngramlm[plot]\" "
                           "(or pass --no-plot)") from None
    figure, axes = pyplot.subplots(figsize=(7, 4.5))
    for name in dict.fromkeys(r.model for r in comparison.results if r.family != "mixture"):
        points = sorted((r.train_tokens, r.test_ppl, r.family) for r in comparison.results if r.model == name)
        style = "-o" if points[0][2] == "n-gram" else "--s"
        axes.plot([p[0] for p in points], [p[1] for p in points], style, label=name)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("training tokens")
    axes.set_ylabel("test perplexity")
    axes.set_title(f"Learning curves on {comparison.corpus}")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    with atomic_write(path, "wb") as f:
        figure.savefig(f, format="png", dpi=120)
    pyplot.close(figure)


def _copy(vocab: Vocabulary) -> Vocabulary:
    """A closed copy (counting must not add words to the vocabulary the neural models share)."""
    return Vocabulary(vocab.words[3:], unk_word=vocab.unk_word, closed=True)
