"""The generation engine against hand computation on hand-made next-word tables: greedy is the arg-max chain,
one beam is greedy, beam search finds the more probable sequence where greedy does not, sampled frequencies
follow the distribution, min_new_tokens, seeds, contrastive search's choice, and the n-gram adapter."""
import math

import numpy as np
import pytest
from scipy.stats import chisquare

from generation_tables import LOOP, TRAP
from handmade import katz_bigram_model
from ngramlm.core.errors import ModelError
from ngramlm.core.vocab import BOS, BOS_ID, EOS, EOS_ID
from ngramlm.use.generation import GenerationConfig, NgramStepModel, generate, score_continuations


def ids(model, words):
    return [model.vocab.id(w) for w in words]


def test_greedy_is_the_arg_max_chain():
    [[found]] = generate(TRAP, [[BOS_ID]], GenerationConfig(max_new_tokens=10))
    # By hand: <s> -> a (.55) -> c (.35) -> </s> (1.0).
    assert TRAP.vocab.decode(found.words) == ["a", "c"] and found.finished
    assert found.logprob == pytest.approx(math.log10(0.55 * 0.35 * 1.0))


def test_one_beam_is_greedy():
    for model, start in ((TRAP, [BOS_ID]), (LOOP, [BOS_ID])):
        greedy = generate(model, [start], GenerationConfig(max_new_tokens=12))[0][0]
        beam = generate(model, [start], GenerationConfig(max_new_tokens=12, num_beams=1))[0][0]
        assert beam.words == greedy.words


def test_beam_search_finds_the_more_probable_sequence():
    [[best, second]] = generate(TRAP, [[BOS_ID]], GenerationConfig(max_new_tokens=5, num_beams=2,
                                                                    num_return_sequences=2, length_penalty=0.0))
    assert TRAP.vocab.decode(best.words) == ["b"] and best.finished
    assert best.logprob == pytest.approx(math.log10(0.45 * 0.9))
    assert TRAP.vocab.decode(second.words) == ["a", "c"]
    assert best.score == pytest.approx(math.log(0.45 * 0.9))


def test_beam_search_length_penalty_divides_by_length():
    # With length_penalty 1 the scores are mean natural-log probabilities per generated token (</s> counted).
    [[best]] = generate(TRAP, [[BOS_ID]], GenerationConfig(max_new_tokens=5, num_beams=2))
    assert best.score == pytest.approx(max(math.log(0.45 * 0.9) / 2, math.log(0.55 * 0.35) / 3))


def test_sampled_frequencies_follow_the_distribution():
    rows = 6000
    found = generate(LOOP, [[BOS_ID]] * rows, GenerationConfig(max_new_tokens=1, do_sample=True), seed=11)
    words = [g[0].words[0] if g[0].words else EOS_ID for g in found]
    expected = {"a": 0.4, "b": 0.25, "c": 0.15, "d": 0.1, "e": 0.05, EOS: 0.05}
    observed = [sum(w == LOOP.vocab.id(x) for w in words) for x in expected]
    assert chisquare(observed, [rows * p for p in expected.values()]).pvalue > 0.001


def test_same_seed_same_text_and_greedy_needs_no_seed():
    config = GenerationConfig(max_new_tokens=20, do_sample=True, top_p=0.9)
    first = [g[0].words for g in generate(LOOP, [[BOS_ID]] * 5, config, seed=3)]
    assert first == [g[0].words for g in generate(LOOP, [[BOS_ID]] * 5, config, seed=3)]
    assert first != [g[0].words for g in generate(LOOP, [[BOS_ID]] * 5, config, seed=4)]


def test_min_new_tokens_forbids_the_end_and_max_new_tokens_stops():
    found = generate(TRAP, [[BOS_ID]], GenerationConfig(max_new_tokens=3, min_new_tokens=2))[0][0]
    # </s> is banned at step 1 (after a): c and d remain, c wins; then </s>.
    assert TRAP.vocab.decode(found.words) == ["a", "c"] and found.finished
    long = generate(LOOP, [[BOS_ID]], GenerationConfig(max_new_tokens=7))[0][0]
    assert len(long.words) == 7 and not long.finished


def test_num_return_sequences_and_batching_keep_prefixes_apart():
    prefixes = [ids(LOOP, [BOS, "c"]), ids(LOOP, [BOS, "e", "d"])]
    found = generate(LOOP, prefixes, GenerationConfig(max_new_tokens=4, do_sample=True, num_return_sequences=3),
                     seed=1)
    assert [len(f) for f in found] == [3, 3]
    together = generate(TRAP, [[BOS_ID], ids(TRAP, [BOS, "b"]), ids(TRAP, [BOS, "a", "d"])],
                        GenerationConfig(max_new_tokens=5))
    assert [TRAP.vocab.decode(g[0].words) for g in together] == [["a", "c"], [], []]
    assert [g[0].finished for g in together] == [True, True, True]


def test_contrastive_search_penalises_what_the_context_already_has():
    # One-hot hidden vectors: the cosine similarity to the context is 1 for a word already there, else 0.
    from generation_tables import TableModel

    model = TableModel(["a", "b", "c"], {w: {"a": 0.6, "b": 0.4} for w in [BOS, "a", "b", "c"]}, hidden=True)
    config = GenerationConfig(max_new_tokens=1, penalty_alpha=0.5, top_k=2)
    [[found]] = generate(model, [ids(model, [BOS, "a"])], config)
    # a: .5 * .6 - .5 * 1 = -.2; b: .5 * .4 - .5 * 0 = .2  -> b, where greedy takes a.
    assert model.vocab.decode(found.words) == ["b"]
    assert found.logprob == pytest.approx(math.log10(0.4))


def test_contrastive_search_is_refused_for_models_without_hidden_states():
    with pytest.raises(ModelError, match="hidden states"):
        generate(LOOP, [[BOS_ID]], GenerationConfig(penalty_alpha=0.6, top_k=4))


@pytest.mark.parametrize("bad", [dict(temperature=0), dict(top_p=0), dict(num_beams=2, do_sample=True),
                                 dict(max_new_tokens=0), dict(num_beams=2, num_return_sequences=3),
                                 dict(num_return_sequences=2)])
def test_bad_settings_are_refused(bad):
    with pytest.raises(ModelError):
        generate(LOOP, [[BOS_ID]], GenerationConfig(**bad))


def test_ngram_adapter_gives_the_model_distribution_and_scores():
    unigrams = {"a": 0.3, "b": 0.25, "c": 0.2, "d": 0.1, EOS: 0.15}
    bigrams = {(BOS, "a"): 0.5, (BOS, "b"): 0.2, ("a", "b"): 0.4, ("a", "c"): 0.3, ("b", "a"): 0.35,
               ("b", EOS): 0.3, ("c", EOS): 0.6}
    backoff = katz_bigram_model(unigrams, bigrams)
    adapter = NgramStepModel(backoff)
    _, logits, _ = adapter.start([ids(backoff, [BOS, "b"])])
    expected = {w: 10 ** backoff.word_logprob(w, ["b"]) for w in unigrams}
    for w, p in expected.items():
        assert math.exp(logits[0, backoff.vocab.id(w)]) == pytest.approx(p)
    assert logits[0, BOS_ID] == -np.inf
    [[found]] = generate(adapter, [ids(backoff, [BOS])], GenerationConfig(max_new_tokens=6))
    words = backoff.vocab.decode(found.words)
    # The arg-max chain by the table: a after <s> (.5), b after a (.4), a after b (.35 > </s> .3), ...
    assert words == ["a", "b"] * 3 and not found.finished
    by_hand = sum(backoff.word_logprob(w, [h]) for h, w in zip([BOS] + words, words))
    assert found.logprob == pytest.approx(by_hand)
    logprobs, predicted = score_continuations(adapter, [ids(backoff, [BOS])], [ids(backoff, ["b", "a"])])
    assert logprobs[0] == pytest.approx([backoff.word_logprob("b", [BOS]), backoff.word_logprob("a", ["b"])])
    assert backoff.vocab.decode(predicted[0].tolist()) == ["a", "a"]


def test_query_model_adapter_matches_the_backoff_model(tmp_path):
    from ngramlm.use.query import Model

    unigrams = {"a": 0.3, "b": 0.25, "c": 0.2, "d": 0.1, EOS: 0.15}
    bigrams = {(BOS, "a"): 0.5, ("a", "b"): 0.4, ("b", EOS): 0.3}
    backoff = katz_bigram_model(unigrams, bigrams)
    direct, hashed = NgramStepModel(backoff), NgramStepModel(Model(backoff))
    for context in ([BOS], [BOS, "a"], ["d"]):
        words = ids(backoff, context)
        np.testing.assert_allclose(hashed.logits(words)[2:], direct.logits(words)[2:], atol=1e-5)


def test_a_mixture_plugs_in_through_the_same_adapter():
    from ngramlm.use.mix import Mixture

    unigrams = {"a": 0.3, "b": 0.25, "c": 0.2, "d": 0.1, EOS: 0.15}
    first = katz_bigram_model(unigrams, {(BOS, "a"): 0.5, ("a", "b"): 0.4, ("b", EOS): 0.6})
    second = katz_bigram_model(unigrams, {(BOS, "c"): 0.7, ("c", "d"): 0.5, ("d", EOS): 0.5})
    mixture = Mixture([first, second], np.array([0.5, 0.5]))
    [[found]] = generate(NgramStepModel(mixture), [[BOS_ID]], GenerationConfig(max_new_tokens=5))
    words, context, by_hand = [], BOS, 0.0
    for _ in range(5):  # the arg-max chain of the mixed probabilities, computed from the components
        mixed = {w: 0.5 * 10 ** first.word_logprob(w, [context]) + 0.5 * 10 ** second.word_logprob(w, [context])
                 for w in unigrams}
        context = max(mixed, key=mixed.get)
        by_hand += math.log10(mixed[context])
        if context == EOS:
            break
        words.append(context)
    assert mixture.vocab.decode(found.words) == words and found.logprob == pytest.approx(by_hand, abs=1e-6)


def test_a_cache_model_remembers_each_rows_own_words():
    from ngramlm.models.cache import CacheScorer
    from ngramlm.use.scoring import BackoffScorer

    unigrams = {"a": 0.3, "b": 0.25, "c": 0.2, "d": 0.1, EOS: 0.15}
    backoff = katz_bigram_model(unigrams, {(BOS, "a"): 0.5, ("a", "b"): 0.4, ("b", EOS): 0.6})
    cache = CacheScorer(BackoffScorer(backoff), size=100, weight=0.5)
    prefixes = [[BOS, "d", "d"], [BOS, "c"]]
    found = generate(NgramStepModel(cache), [ids(backoff, p) for p in prefixes], GenerationConfig(max_new_tokens=4))
    for prefix, [g] in zip(prefixes, found):
        history, words, by_hand = list(prefix), [], 0.0
        for _ in range(4):  # p = .5 p_ngram + .5 (count in the row's own history, <s> excepted) / its length
            seen = [w for w in history if w != BOS]
            mixed = {w: 0.5 * 10 ** backoff.word_logprob(w, history[-1:]) + 0.5 * seen.count(w) / len(seen)
                     for w in unigrams}
            best = max(mixed, key=mixed.get)
            by_hand += math.log10(mixed[best])
            if best == EOS:
                break
            words.append(best)
            history.append(best)
        assert backoff.vocab.decode(g.words) == words and g.logprob == pytest.approx(by_hand, abs=1e-5)
    assert backoff.vocab.decode(found[0][0].words)[:1] == ["d"]  # the first row's cache is full of d


def test_a_class_model_plugs_in_and_its_sequences_score_as_the_scorer_scores_them(tmp_path):
    from ngramlm.models.classes import ClassScorer, WordClasses, train_class_model

    text = tmp_path / "train.txt"
    text.write_text("the cat sat\nthe dog sat\na cat ran\na dog sat on the mat\n")
    classes = WordClasses({"cat": "ANIMAL", "dog": "ANIMAL", "sat": "VERB", "ran": "VERB"},
                          {"cat": math.log10(0.5), "dog": math.log10(0.5), "sat": math.log10(0.75),
                           "ran": math.log10(0.25)})
    scorer = ClassScorer(train_class_model([str(text)], classes, order=2, method="witten-bell"))
    prefix = [scorer.vocab.id(w) for w in (BOS, "the")]
    found = generate(NgramStepModel(scorer), [prefix] * 3, GenerationConfig(max_new_tokens=6, do_sample=True),
                     seed=5)
    for [g] in found:
        events = g.words + ([EOS_ID] if g.finished else [])
        history, by_hand = list(prefix), 0.0
        for word in events:  # the scorer's own word-by-word scores: p(class | history) p(word | class)
            by_hand += scorer.score(word, history)[0]
            history.append(word)
        assert g.logprob == pytest.approx(by_hand, abs=1e-4)
