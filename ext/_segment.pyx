# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The hot loop of Chinese word segmentation: the Viterbi search under a word bigram back-off model.

ngramlm.use.segment builds the dictionaries once per model and checks the options; the search and its scores are
described there (ViterbiSegmenter). A hypothesis is (position, state): the state is the last word where it is a
context of the model (it has successors), else '' (the empty history). For word w after state s,

    log p(w | s) = successors[s][w]          where the bigram s w is in the model
                 = bows[s] + p(w)            otherwise (Katz back-off; bow 0 where s has none)

and the word's score adds extras[w] (word bonus and long-word penalty); word_score[w] is p(w) + extras[w]. A single
unit the model lacks scores oov (its bonus included). The result equals the slow, general search of
ViterbiSegmenter._backoff_search (tests/test_segment.py).
"""
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from cpython.set cimport PySet_Contains


def bigram_search(list units, dict word_score, dict extras, set prefixes, dict successors, dict bows,
                  double oov, double bonus, Py_ssize_t max_units, str start_state, str eos,
                  double eos_unigram):
    """The words of the best segmentation of `units` (a list of str), the end of sentence scored."""
    cdef Py_ssize_t n = len(units), i, j, limit, k, h, best_h, count
    cdef double unigram = 0.0, extra = 0.0, best, total, bow
    cdef bint is_arc
    cdef PyObject *found
    cdef dict here, target, following_dict
    cdef object frag, word, state, following, next_state, number
    cdef list states_h, states_score, states_following, states_bow, arcs_end, arcs_word, arcs_unigram, arcs_extra
    # Hypotheses, numbered: their score, the number of the one before, their word and state.
    cdef list hyp_score = [0.0], hyp_back = [-1], hyp_word = [None], hyp_state = [start_state]
    cdef list at = [{} for _ in range(n + 1)]  # at[i]: {state: hypothesis number} of hypotheses ending at i
    (<dict>at[0])[start_state] = 0
    for i in range(n):
        here = <dict>at[i]
        states_h, states_score, states_following, states_bow = [], [], [], []
        for state, number in here.items():
            h = number
            states_h.append(h)
            states_score.append(hyp_score[h])
            found = PyDict_GetItem(successors, state)
            states_following.append(<object>found if found is not NULL else None)
            found = PyDict_GetItem(bows, state)
            states_bow.append(<object>found if found is not NULL else 0.0)
        count = len(states_h)
        # The lattice's arcs from unit i: the unit itself, then every word of the model starting here.
        frag = units[i]
        j = i + 1
        limit = min(n, i + max_units)
        while True:
            found = PyDict_GetItem(word_score, frag)
            is_arc = True
            if found is not NULL:
                unigram = <double><object>found
                extra = <double><object>PyDict_GetItem(extras, frag)
            elif j == i + 1:
                unigram, extra = oov, bonus
            else:
                is_arc = False
            if is_arc:
                best, best_h = -1e300, -1
                for k in range(count):
                    following = states_following[k]
                    found = NULL
                    if following is not None:
                        found = PyDict_GetItem(<dict>following, frag)
                    if found is not NULL:
                        total = <double>states_score[k] + <double><object>found + extra
                    else:
                        total = <double>states_score[k] + <double>states_bow[k] + unigram
                    if total > best:
                        best, best_h = total, states_h[k]
                next_state = frag if PyDict_GetItem(successors, frag) is not NULL else ""
                target = <dict>at[j]
                found = PyDict_GetItem(target, next_state)
                if found is NULL:
                    target[next_state] = len(hyp_score)
                    hyp_score.append(best)
                    hyp_back.append(best_h)
                    hyp_word.append(frag)
                    hyp_state.append(next_state)
                else:
                    h = <object>found
                    if best > <double>hyp_score[h]:
                        hyp_score[h] = best
                        hyp_back[h] = best_h
                        hyp_word[h] = frag
            if j >= limit:
                break
            frag = frag + units[j]
            j += 1
            if not PySet_Contains(prefixes, frag):
                break
    # The end of sentence, then the way back.
    best, best_h = -1e300, -1
    for state, number in (<dict>at[n]).items():
        h = number
        found = PyDict_GetItem(successors, state)
        following = <object>found if found is not NULL else None
        found = NULL
        if following is not None:
            found = PyDict_GetItem(<dict>following, eos)
        if found is not NULL:
            total = <double>hyp_score[h] + <double><object>found
        else:
            found = PyDict_GetItem(bows, state)
            bow = <double><object>found if found is not NULL else 0.0
            total = <double>hyp_score[h] + bow + eos_unigram
        if total > best:
            best, best_h = total, h
    words = []
    h = best_h
    while h > 0:
        words.append(hyp_word[h])
        h = hyp_back[h]
    words.reverse()
    return words
