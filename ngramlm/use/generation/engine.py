"""The generation engine: one loop per strategy over any StepModel (ngramlm.use.generation.models), batched over
prefixes, with Hugging Face's generate() options (GenerationConfig) and semantics:

  greedy        num_beams 1, do_sample False: the best word after the processors, each step;
  sampling      do_sample True: a word drawn from the processed and warped distribution;
  beam search   num_beams K > 1: transformers' BeamSearchScorer. Each step scores the K beams' 2K best
                extensions by summed log-probability (processors applied to the log-probabilities); an
                extension ending in </s> among the K best becomes a finished hypothesis scored
                sum / length ** length_penalty (length: the generated words, </s> included); the search of a
                prefix ends when it has K finished hypotheses and early_stopping is True, or, with False, when
                no running beam can still beat the worst of them by transformers' heuristic (its score over the
                current length), or with "never" by the exact bound; at max_new_tokens the running beams join
                the hypotheses. The best num_return_sequences are returned;
  contrastive   penalty_alpha a > 0 and top_k k > 1, not sampling (Su et al. 2022): among the k most probable
                words v, the one maximising (1 - a) p(v | x) - a max_j cos(h_v, h_j), h_v the model's hidden
                vector after reading v and h_j those of every earlier position (prefix included).

Every sequence stops at </s> or after max_new_tokens words. Each returned sequence carries its total log10
probability under the model itself (before any processor or warper), </s> included when it was generated.
Sampling draws one uniform number per row and step from numpy's generator seeded with `seed`, so a seed
reproduces a run.

In:  a StepModel, prefixes (lists of word ids), a GenerationConfig and a seed.
Out: per prefix, num_return_sequences Generated (words as ids without </s>, log10 probability, whether </s> ended
     it); `score_continuations`: the model's log10 probability and arg-max prediction at each word of given
     continuations (teacher forcing).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ...core.constants import LN10
from ...core.errors import ModelError
from ...core.vocab import EOS_ID
from . import processors as P
from .models import StepModel


@dataclass(frozen=True)
class GenerationConfig:
    """Hugging Face's generate() options (same names and meanings). Two defaults differ: top_k is 0 (off; theirs
    is 50) and max_new_tokens is 100."""

    max_new_tokens: int = 100
    min_new_tokens: int = 0
    do_sample: bool = False
    num_beams: int = 1
    length_penalty: float = 1.0
    early_stopping: bool | str = False
    num_return_sequences: int = 1
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    typical_p: float = 1.0
    min_p: float = 0.0
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    penalty_alpha: float = 0.0

    @property
    def strategy(self) -> str:
        """"greedy", "sample", "beam" or "contrastive", as transformers picks its mode."""
        if self.num_beams > 1:
            return "beam"
        if self.do_sample:
            return "sample"
        if self.penalty_alpha > 0 and self.top_k > 1:
            return "contrastive"
        return "greedy"

    def check(self) -> None:
        """Raise ModelError for a value outside its range or a combination not offered."""
        problems = [
            (self.max_new_tokens < 1, f"max_new_tokens must be at least 1, not {self.max_new_tokens}"),
            (not 0 <= self.min_new_tokens, f"min_new_tokens must be >= 0, not {self.min_new_tokens}"),
            (self.num_beams < 1, f"num_beams must be at least 1, not {self.num_beams}"),
            (self.num_return_sequences < 1, "num_return_sequences must be at least 1"),
            (self.temperature <= 0,
             f"temperature must be > 0 (use do_sample=False for greedy), not {self.temperature}"),
            (self.top_k < 0, f"top_k must be >= 0 (0 turns it off), not {self.top_k}"),
            (not 0 < self.top_p <= 1, f"top_p must be in (0, 1], not {self.top_p}"),
            (not 0 < self.typical_p <= 1, f"typical_p must be in (0, 1], not {self.typical_p}"),
            (not 0 <= self.min_p <= 1, f"min_p must be in [0, 1], not {self.min_p}"),
            (self.repetition_penalty <= 0,
             f"repetition_penalty must be > 0 (1 turns it off), not {self.repetition_penalty}"),
            (self.no_repeat_ngram_size < 0, "no_repeat_ngram_size must be >= 0 (0 turns it off)"),
            (not 0 <= self.penalty_alpha <= 1, f"penalty_alpha must be in [0, 1], not {self.penalty_alpha}"),
            (self.early_stopping not in (True, False, "never"), "early_stopping must be True, False or 'never'"),
            (self.num_beams > 1 and self.do_sample, "beam sampling (num_beams > 1 with do_sample) is not offered"),
            (self.num_return_sequences > 1 and self.strategy in ("greedy", "contrastive"),
             "greedy and contrastive search give one sequence per prefix (num_return_sequences must be 1)"),
            (self.num_beams > 1 and self.num_return_sequences > self.num_beams,
             f"num_return_sequences ({self.num_return_sequences}) must be at most num_beams ({self.num_beams})"),
        ]
        for bad, message in problems:
            if bad:
                raise ModelError(message)


@dataclass
class Generated:
    """One generated continuation: word ids (no </s>), total log10 p under the model, and whether </s> ended it."""

    words: list[int]
    logprob: float
    finished: bool
    score: float | None = field(default=None)  # beam search: the length-penalised score it was ranked by


def _process(config: GenerationConfig, scores: np.ndarray, sequences: Sequence[Sequence[int]],
             generated: int) -> np.ndarray:
    """The processors of every strategy, in transformers' order."""
    if config.repetition_penalty != 1.0:
        P.repetition_penalty(scores, sequences, config.repetition_penalty)
    if config.no_repeat_ngram_size:
        P.no_repeat_ngram(scores, sequences, config.no_repeat_ngram_size)
    if generated < config.min_new_tokens:
        scores[:, EOS_ID] = -np.inf
    return scores


def _warp(config: GenerationConfig, scores: np.ndarray, keep: int = 1) -> np.ndarray:
    """The warpers of sampling, in transformers' order."""
    if config.temperature != 1.0:
        P.temperature(scores, config.temperature)
    if config.top_k:
        P.top_k(scores, config.top_k, keep)
    if config.top_p < 1.0:
        P.top_p(scores, config.top_p, keep)
    if config.min_p > 0.0:
        P.min_p(scores, config.min_p, keep)
    if config.typical_p < 1.0:
        P.typical_p(scores, config.typical_p, keep)
    return scores


def draw(scores: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """One word per row from softmax(scores) by inverting the cumulative distribution at `uniforms`."""
    probs = P.softmax(scores)
    cumulative = np.cumsum(probs, axis=-1)
    words = np.array([np.searchsorted(c, u * c[-1], side="right") for c, u in zip(cumulative, uniforms)])
    return np.minimum(words, scores.shape[-1] - 1)


def generate(model: StepModel, prefixes: Sequence[Sequence[int]], config: GenerationConfig = GenerationConfig(),
             seed: int | None = None) -> list[list[Generated]]:
    """num_return_sequences continuations of each prefix (see the module docstring)."""
    config.check()
    prefixes = [list(p) for p in prefixes]
    if any(not p for p in prefixes):
        raise ModelError("every prefix needs at least one word (start a sentence with <s>)")
    if config.strategy == "beam":
        return _beam_search(model, prefixes, config)
    if config.strategy == "contrastive" and not model.has_hidden:
        raise ModelError("contrastive search needs a model with hidden states (a neural model); an n-gram model has "
                         "none to compare: see ngramlm.use.generation.models")
    rows = [p for p in prefixes for _ in range(config.num_return_sequences)]
    found = _step_by_step(model, rows, config, np.random.default_rng(seed))
    n = config.num_return_sequences
    return [found[i * n:(i + 1) * n] for i in range(len(prefixes))]


def _step_by_step(model: StepModel, rows: list[list[int]], config: GenerationConfig,
                  rng: np.random.Generator) -> list[Generated]:
    """Greedy decoding, sampling and contrastive search: one word per live row and step."""
    contrastive = config.strategy == "contrastive"
    state, logits, hidden = model.start(rows)
    context_hidden = [np.asarray(h) for h in hidden] if contrastive else []
    sequences = [list(r) for r in rows]
    results = [Generated([], 0.0, False) for _ in rows]
    live = np.arange(len(rows))
    for step in range(config.max_new_tokens):
        logp = P.log_softmax(logits)
        scores = _process(config, logits.copy(), [sequences[r] for r in live], step)
        if contrastive:
            words, state, logits, chosen_hidden = _contrastive_step(model, state, scores,
                                                                    [context_hidden[r] for r in live], config)
            for r, h in zip(live, chosen_hidden):
                context_hidden[r] = np.vstack([context_hidden[r], h[None, :]])
        elif config.do_sample:
            scores = _warp(config, scores)
            words = draw(scores, rng.random(len(live)))
        else:
            words = np.argmax(scores, axis=-1)
        blocked = ~np.isfinite(scores[np.arange(len(live)), words])
        going = []
        for i, (r, w) in enumerate(zip(live, words)):
            if blocked[i]:  # every word was excluded: the row ends here
                continue
            results[r].logprob += logp[i, w] / LN10
            if w == EOS_ID:
                results[r].finished = True
                continue
            results[r].words.append(int(w))
            sequences[r].append(int(w))
            going.append(i)
        if step == config.max_new_tokens - 1 or not going:
            break
        keep = np.asarray(going)
        if contrastive:  # the chosen candidates' state and next logits are already computed
            state, logits = model.select(state, keep), logits[keep]
        else:
            state = model.select(state, keep) if len(keep) < len(live) else state
            state, logits, _ = model.advance(state, words[keep])
        live = live[keep]
    return results


def _contrastive_step(model: StepModel, state, scores: np.ndarray, context_hidden: list[np.ndarray],
                      config: GenerationConfig):
    """Su et al. (2022), eq. 5: choose among the top_k words by (1 - a) p - a (max cosine similarity to the
    context's hidden vectors). Returns the words, the chosen rows' state and next logits, and their hidden vectors."""
    k, alpha = config.top_k, config.penalty_alpha
    probs = P.softmax(scores)
    candidates = np.argsort(-probs, axis=-1, kind="stable")[:, :k]
    candidate_probs = np.take_along_axis(probs, candidates, axis=-1)
    rows = np.repeat(np.arange(len(scores)), k)
    cand_state, cand_logits, cand_hidden = model.advance(model.select(state, rows), candidates.reshape(-1))
    cand_hidden = np.asarray(cand_hidden).reshape(len(scores), k, -1)
    best = np.empty(len(scores), dtype=np.int64)
    for r in range(len(scores)):
        ctx = context_hidden[r]
        ctx = ctx / np.maximum(np.linalg.norm(ctx, axis=-1, keepdims=True), 1e-12)
        cand = cand_hidden[r] / np.maximum(np.linalg.norm(cand_hidden[r], axis=-1, keepdims=True), 1e-12)
        penalty = (cand @ ctx.T).max(axis=-1)
        value = (1.0 - alpha) * candidate_probs[r] - alpha * penalty
        value[~np.isfinite(scores[r, candidates[r]])] = -np.inf
        best[r] = int(np.argmax(value))
    chosen = np.arange(len(scores)) * k + best
    words = candidates[np.arange(len(scores)), best]
    return words, model.select(cand_state, chosen), cand_logits[chosen], cand_hidden[np.arange(len(scores)), best]


class _Hypotheses:
    """The finished hypotheses of one prefix's beam search (transformers' BeamHypotheses)."""

    def __init__(self, beams: int, length_penalty: float, early_stopping, max_new_tokens: int):
        self.beams, self.length_penalty, self.early_stopping = beams, length_penalty, early_stopping
        self.max_new_tokens = max_new_tokens
        self.kept: list[tuple[float, Generated]] = []

    def add(self, sum_logprobs: float, hypothesis: Generated, length: int) -> None:
        score = sum_logprobs / (max(length, 1) ** self.length_penalty)
        if len(self.kept) < self.beams or score > self.worst:
            hypothesis.score = score
            self.kept.append((score, hypothesis))
            self.kept.sort(key=lambda item: -item[0])
            del self.kept[self.beams:]

    @property
    def worst(self) -> float:
        return self.kept[-1][0] if self.kept else -np.inf

    def done(self, best_running: float, generated: int) -> bool:
        if len(self.kept) < self.beams:
            return False
        if self.early_stopping is True:
            return True
        if self.early_stopping == "never" and self.length_penalty > 0:
            attainable = best_running / (self.max_new_tokens ** self.length_penalty)
        else:
            attainable = best_running / (max(generated, 1) ** self.length_penalty)
        return self.worst >= attainable


def _beam_search(model: StepModel, prefixes: list[list[int]], config: GenerationConfig) -> list[list[Generated]]:
    K = config.num_beams
    state, logits, _ = model.start(prefixes)
    rows = np.repeat(np.arange(len(prefixes)), K)
    state, logits = model.select(state, rows), logits[rows]
    sequences = [list(prefixes[r]) for r in rows]
    generated: list[list[int]] = [[] for _ in rows]
    model_logp = np.zeros(len(rows))          # log10 under the model
    beam_scores = np.tile(np.r_[0.0, np.full(K - 1, -1e9)], len(prefixes))  # at first only beam 0 counts
    hypotheses = [_Hypotheses(K, config.length_penalty, config.early_stopping, config.max_new_tokens)
                  for _ in prefixes]
    live = list(range(len(prefixes)))          # prefixes still searching; their beams are the rows, in order
    for step in range(config.max_new_tokens):
        logp = P.log_softmax(logits)
        scores = _process(config, logp.copy(), sequences, step) + beam_scores[:, None]
        vocab = scores.shape[-1]
        next_rows, next_words, next_scores, still = [], [], [], []
        for i, b in enumerate(live):
            flat = scores[i * K:(i + 1) * K].reshape(-1)
            wanted = min(2 * K, len(flat))
            top = np.argpartition(-flat, wanted - 1)[:wanted]
            top = top[np.lexsort((top, -flat[top]))]  # best first; ties to the lower beam and word
            chosen = 0
            for rank, index in enumerate(top):
                beam, word = divmod(int(index), vocab)
                row = i * K + beam
                if not np.isfinite(flat[index]):
                    break
                if word == EOS_ID:
                    if rank < K:
                        hypotheses[b].add(float(flat[index]), Generated(list(generated[row]),
                                          model_logp[row] + logp[row, word] / LN10, True), step + 1)
                    continue
                next_rows.append(row)
                next_words.append(word)
                next_scores.append(float(flat[index]))
                chosen += 1
                if chosen == K:
                    break
            while chosen < K:  # fewer than K possible words: pad with dead beams
                next_rows.append(i * K)
                next_words.append(EOS_ID)
                next_scores.append(-np.inf)
                chosen += 1
            best_running = max(next_scores[-K:])
            if not hypotheses[b].done(best_running, step + 1) and np.isfinite(best_running):
                still.append(i)
        rows_arr, words_arr = np.asarray(next_rows), np.asarray(next_words)
        new_generated = [generated[r] + [int(w)] for r, w in zip(rows_arr, words_arr)]
        new_sequences = [sequences[r] + [int(w)] for r, w in zip(rows_arr, words_arr)]
        new_logp = model_logp[rows_arr] + np.where(words_arr == EOS_ID, 0.0,
                                                   logp[rows_arr, np.minimum(words_arr, vocab - 1)] / LN10)
        new_scores = np.asarray(next_scores)
        last = step == config.max_new_tokens - 1
        if last or not still:
            for i, b in enumerate(live):
                if last and i in still:  # out of length: the running beams become hypotheses
                    for j in range(i * K, (i + 1) * K):
                        if np.isfinite(new_scores[j]):
                            hypotheses[b].add(float(new_scores[j]), Generated(new_generated[j], new_logp[j], False),
                                              len(new_generated[j]))
            break
        keep = np.concatenate([np.arange(i * K, (i + 1) * K) for i in still])
        state = model.select(state, rows_arr[keep])
        state, logits, _ = model.advance(state, words_arr[keep])
        generated = [new_generated[j] for j in keep]
        sequences = [new_sequences[j] for j in keep]
        model_logp, beam_scores = new_logp[keep], new_scores[keep]
        live = [live[i] for i in still]
    return [[h for _, h in hypotheses[b].kept[:config.num_return_sequences]] for b in range(len(prefixes))]


def score_continuations(model: StepModel, prefixes: Sequence[Sequence[int]], continuations: Sequence[Sequence[int]]
                        ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Teacher forcing: for each continuation word, its log10 probability under the model after the prefix and
    the continuation's earlier words, and the model's most probable word there (its greedy prediction)."""
    logprobs = [np.zeros(len(c)) for c in continuations]
    predicted = [np.zeros(len(c), dtype=np.int64) for c in continuations]
    live = np.array([r for r, c in enumerate(continuations) if len(c)], dtype=np.int64)
    if not len(live):
        return logprobs, predicted
    state, logits, _ = model.start([list(prefixes[r]) for r in live])
    step = 0
    while len(live):
        logp = P.log_softmax(logits)
        for i, r in enumerate(live):
            logprobs[r][step] = logp[i, continuations[r][step]] / LN10
            predicted[r][step] = int(np.argmax(logp[i]))
        step += 1
        going = np.array([i for i, r in enumerate(live) if len(continuations[r]) > step], dtype=np.int64)
        if not len(going):
            break
        state = model.select(state, going) if len(going) < len(live) else state
        live = live[going]
        state, logits, _ = model.advance(state, np.array([continuations[r][step - 1] for r in live]))
    return logprobs, predicted
