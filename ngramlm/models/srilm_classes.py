"""SRILM's ngram-class: greedy agglomerative word classes of Brown et al. (1992), as SRILM 1.7.3 induces them.

Every word starts in a class of its own (CLASS-00001, ... in byte order of the words; words of the no-class
vocabulary, by default <s> and </s>, stay out of classes but their counts still count). A merge of classes a and b
is chosen to lose the least of the class-bigram log likelihood (log10)

    L = sum_w n(w) log n(w) + sum_{i,j} n(c_i,c_j) log n(c_i,c_j) - 2 sum_i n(c_i) log n(c_i)

where the sums run over classes and unclassed words and n(c) is the unigram count. Two schedules:
  * full (`-full`): merge the best pair over all classes until `num_classes` remain (O(V^3));
  * incremental (default): put the `num_classes` most frequent classes in a merge set, then add one class at a
    time (by falling count, ties to the later class) and merge the best pair of the set after each addition;
    the class merged away leaves the set, and under `max_words_per_class` a class that reaches that many words
    leaves it too.
Ties go to the first pair in byte order of the class names (a before b), and b is merged into a, as in SRILM.

The change of L when merging a and b is computed from sums that are kept up to date as classes merge, as SRILM
caches them (its classContribs and mergeContribs), but vectorised over the merge set:
    row[a]      = sum_j f(n(a,j))                 col[a]      = sum_i f(n(i,a))
    prow[a,b]   = sum_j f(n(a,j) + n(b,j))        pcol[a,b]   = sum_i f(n(i,a) + n(i,b))
with f(x) = x log10 x, and the costs of all pairs of the set, each updated for the two columns a merge changes
(the rows of the merged class are recomputed). The class counts themselves are the word bigram counts summed over
the word -> class map; only the rows and columns of the merge set's classes are held dense ((C+1) x V each).
SRILM sums in single precision; these sums are double precision, and merge costs within TIE_TOLERANCE of the best
count as ties, so an exact tie goes to the first pair, as SRILM's order intends (SRILM's own choice among exact
or near ties follows its rounding, so it may take another of them).

In:  unigram and bigram counts of words. Out: the word -> class map, class bigram counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

CLASS_FORMAT = "CLASS-%05d"
TIE_TOLERANCE = 1e-9  # relative to the largest row sum: merge costs closer than this are equal


def nlogn(x: np.ndarray | float) -> np.ndarray:
    """f(x) = x log10 x, with f(0) = 0 (SRILM's NlogN)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    positive = x > 0
    out[positive] = x[positive] * np.log10(x[positive])
    return out


@dataclass
class MergeStep:
    """One merge: the class kept, the class merged into it, and the change of L (log10)."""

    kept: str
    merged: str
    diff: float


def lhash_order(keys: list[int]) -> list[int]:
    """The order in which SRILM's LHash (an open-addressing hash table of integer keys, grown at 80% fill;
    below 8 slots a plain array) enumerates `keys` inserted in this order: its slot order. SRILM writes class
    members in this order."""
    table: list[int | None] = []
    bits = -1
    for n, key in enumerate(keys):
        if bits < 0:
            bits, table = 0, [None]
        wanted = n + 1 if n + 1 < 8 else int(np.float32(n + 2) / np.float32(0.8))
        if wanted > len(table):
            bits = max(bits, 0)
            while (1 << bits) < wanted:
                bits += 1
            old = [k for k in table if k is not None]
            table = [None] * (1 << bits)
            if bits < 3:
                table[:len(old)] = old
            else:
                for k in old:
                    _place(table, bits, k)
        if bits < 3:
            table[n] = key
        else:
            _place(table, bits, key)
    return [k for k in table if k is not None]


def _place(table: list[int | None], bits: int, key: int) -> None:
    mask = (1 << bits) - 1
    slot = (((key * 1103515245 + 12345) & 0xFFFFFFFFFFFFFFFF) >> (30 - bits)) & mask
    while table[slot] is not None:
        slot = (slot + 1) & mask
    table[slot] = key


class MergeEvents:
    """What merging reports as it goes (SRILM's -debug 2 trace, -save): override what is needed."""

    def adding(self, unit: int) -> None:
        """`unit` joins the merge set."""

    def merged(self, step: MergeStep) -> None:
        """A merge was made."""

    def full(self, unit: int, max_words: int) -> None:
        """`unit` reached max_words words and leaves the merge set."""

    def iteration_done(self) -> None:
        """The end of an iteration (one merge)."""


@dataclass
class SrilmClasses:
    """The state of class induction over units: classes (named CLASS-00001, ...) and unclassed words.

    The word bigram counts are kept as they are (sorted by first and by second word); the class counts are their
    sums over the word -> unit map `word_unit`, made where needed: the rows and columns of the merge set's
    classes (in _MergeSet), or all of them for output. unigrams[u] is the unigram count of unit u."""

    words: list[str]
    word_counts: np.ndarray
    word_unit: np.ndarray
    unit_names: list[str]
    is_class: np.ndarray
    unigrams: np.ndarray
    pairs: np.ndarray        # (first word, second word) of each distinct word bigram
    pair_counts: np.ndarray
    alive: np.ndarray = field(init=False)
    sort_keys: list[bytes] = field(init=False)   # names as bytes: SRILM sorts classes with strcmp
    dtype: type = field(init=False)              # of class counts: 32 bits while every sum of counts fits
    limit: int = field(init=False)               # the largest count or sum of counts: the total count

    def __post_init__(self) -> None:
        self.alive = np.ones(len(self.unit_names), dtype=bool)
        self.sort_keys = [name.encode("utf-8", "surrogateescape") for name in self.unit_names]
        total = max(int(self.pair_counts.sum()), int(self.unigrams.sum()))
        self.dtype = np.int32 if total < 2**31 else np.int64
        self.limit = total
        num_words = len(self.words)
        # the bigrams by first word and by second word: CSR-like slices per word
        by_first = np.argsort(self.pairs[:, 0], kind="stable")
        self._first = (np.searchsorted(self.pairs[by_first, 0], np.arange(num_words + 1)),
                       self.pairs[by_first, 1], self.pair_counts[by_first])
        by_second = np.argsort(self.pairs[:, 1], kind="stable")
        self._second = (np.searchsorted(self.pairs[by_second, 1], np.arange(num_words + 1)),
                        self.pairs[by_second, 0], self.pair_counts[by_second])

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_counts(cls, words: list[str], unigram: dict[int, int], bigram: dict[tuple[int, int], int],
                    noclass: set[int], initial: dict[int, str] | None = None,
                    class_format: str = CLASS_FORMAT) -> "SrilmClasses":
        """One class per word with a unigram count (named by `class_format` in byte order of the words), except
        words in `noclass`; `initial` (word -> class name, SRILM's -read) puts words in named classes first."""
        initial = {w: name for w, name in (initial or {}).items() if w in unigram}
        seen = sorted(unigram, key=lambda w: words[w].encode("utf-8", "surrogateescape"))
        unit_names: list[str] = []
        is_class: list[bool] = []
        by_name: dict[str, int] = {}
        word_unit = np.full(len(words), -1, dtype=np.int64)
        for name in dict.fromkeys(initial.values()):  # classes of -read, in the order of the file
            by_name[name] = len(unit_names)
            unit_names.append(name)
            is_class.append(True)
        taken = set(by_name) | set(words)
        serial = 0
        for w in seen:
            if w in initial:
                word_unit[w] = by_name[initial[w]]
                continue
            if w in noclass:
                unit_names.append(words[w])
                is_class.append(False)
            else:
                serial += 1
                while class_format % serial in taken:
                    serial += 1
                unit_names.append(class_format % serial)
                is_class.append(True)
            word_unit[w] = len(unit_names) - 1
        unigrams = np.zeros(len(unit_names), dtype=np.int64)
        word_counts = np.zeros(len(words), dtype=np.int64)
        for w, c in unigram.items():
            unigrams[word_unit[w]] += c
            word_counts[w] += c
        for (w1, w2) in bigram:
            if word_unit[w1] < 0 or word_unit[w2] < 0:
                position = 1 if word_unit[w1] < 0 else 2
                raise ValueError(f'word {position} in bigram "{words[w1]} {words[w2]}" has no unigram count')
        pairs = np.array(list(bigram), dtype=np.int64).reshape(-1, 2)
        pair_counts = np.array(list(bigram.values()), dtype=np.int64)
        return cls(words, word_counts, word_unit, unit_names, np.array(is_class, dtype=bool), unigrams, pairs,
                   pair_counts)

    # ----------------------------------------------------------------- class counts
    def unit_row(self, unit: int) -> np.ndarray:
        """n(unit, j) for every unit j."""
        return self._sum_slices(self._first, unit)

    def unit_column(self, unit: int) -> np.ndarray:
        """n(i, unit) for every unit i."""
        return self._sum_slices(self._second, unit)

    def _sum_slices(self, index: tuple[np.ndarray, np.ndarray, np.ndarray], unit: int) -> np.ndarray:
        starts, others, counts = index
        parts = [np.arange(starts[w], starts[w + 1]) for w in np.flatnonzero(self.word_unit == unit)]
        picked = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        summed = np.bincount(self.word_unit[others[picked]], weights=counts[picked],
                             minlength=len(self.unit_names))
        return summed.astype(self.dtype)

    def class_bigrams(self, word_unit: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All non-zero class bigram counts (first units, second units, counts), under `word_unit` (default:
        the current map)."""
        word_unit = self.word_unit if word_unit is None else word_unit
        size = len(self.unit_names)
        keys = word_unit[self.pairs[:, 0]] * size + word_unit[self.pairs[:, 1]]
        unique, inverse = np.unique(keys, return_inverse=True)
        counts = np.bincount(inverse, weights=self.pair_counts).astype(np.int64)
        keep = counts != 0
        return unique[keep] // size, unique[keep] % size, counts[keep]

    # ----------------------------------------------------------------- statistics
    def classes(self) -> list[int]:
        """The live classes, in byte order of their names (SRILM's sorted iteration)."""
        units = np.flatnonzero(self.alive & self.is_class).tolist()
        return sorted(units, key=lambda u: self.sort_keys[u])

    def total_logp(self) -> float:
        """L, the class-bigram log likelihood (log10) of the counts."""
        return float(nlogn(self.word_counts).sum() + nlogn(self.class_bigrams()[2]).sum()
                     - 2 * nlogn(self.unigrams[self.alive]).sum())

    def members(self, unit: int) -> list[int]:
        return np.flatnonzero(self.word_unit == unit).tolist()

    # ----------------------------------------------------------------- merging
    def merge(self, a: int, b: int) -> None:
        """Merge class b into class a."""
        self.unigrams[a] += self.unigrams[b]
        self.unigrams[b] = 0
        self.word_unit[self.word_unit == b] = a
        self.alive[b] = False

    def diff(self, a: int, b: int) -> float:
        """The change of L if b were merged into a (SRILM's diffLogP), from the counts directly."""
        merged = np.where(self.word_unit == b, a, self.word_unit)
        unigrams = self.unigrams.copy()
        unigrams[a] += unigrams[b]
        unigrams[b] = 0
        after = nlogn(self.class_bigrams(merged)[2]).sum() - 2 * nlogn(unigrams).sum()
        before = nlogn(self.class_bigrams()[2]).sum() - 2 * nlogn(self.unigrams).sum()
        return float(after - before)

    def full_merge(self, num_classes: int, events: "MergeEvents | None" = None) -> None:
        """Greedy merging over all classes until `num_classes` remain."""
        events = events or MergeEvents()
        num_classes = max(num_classes, 1)
        merge_set = _MergeSet(self)
        for unit in self.classes():
            merge_set.add(unit)
        while len(merge_set) > num_classes:
            events.merged(merge_set.best_merge())
            events.iteration_done()

    def incremental_merge(self, num_classes: int, max_words_per_class: int = 0,
                          events: "MergeEvents | None" = None) -> None:
        """Brown et al.'s incremental merging: the `num_classes` most frequent classes first, then one more at a
        time, each addition followed by the best merge in the set."""
        events = events or MergeEvents()
        num_classes = max(num_classes, 1)
        # SRILM's order: falling count, ties to the class created later (its higher vocabulary index; units are
        # numbered in the order SRILM creates classes: those of -read first, then one per word in byte order)
        order = sorted(np.flatnonzero(self.alive & self.is_class).tolist(),
                       key=lambda u: (-self.unigrams[u], -u))
        merge_set = _MergeSet(self)
        i = 0
        while i < len(order) and i < num_classes:
            events.adding(order[i])
            merge_set.add(order[i])
            i += 1
        while i < len(order):
            events.adding(order[i])
            merge_set.add(order[i])
            step = merge_set.best_merge()
            events.merged(step)
            if max_words_per_class > 0:
                kept = self.unit_names.index(step.kept)
                if len(self.members(kept)) >= max_words_per_class:
                    merge_set.remove(kept)
                    i += 1
                    if i < len(order):
                        events.full(kept, max_words_per_class)
                        events.adding(order[i])
                        merge_set.add(order[i])
            events.iteration_done()
            i += 1

    # ----------------------------------------------------------------- output
    def class_word_probs(self) -> list[tuple[str, float, str]]:
        """(class, P(word | class), word) for every classed word: classes in byte order of their names, the
        words of a class in the order SRILM writes them (the slot order of its hash tables; see lhash_order).
        Word indices are taken to be SRILM's vocabulary indices (the caller numbers words as SRILM does)."""
        seen = sorted(np.flatnonzero(self.word_unit >= 0).tolist(),
                      key=lambda w: self.words[w].encode("utf-8", "surrogateescape"))
        by_class: dict[int, list[int]] = {}
        for w in lhash_order(seen):   # SRILM's word-count table, filled in byte order of the words
            unit = int(self.word_unit[w])
            if self.is_class[unit]:
                by_class.setdefault(unit, []).append(w)
        rows = []
        for unit in self.classes():
            total = self.unigrams[unit]
            for w in lhash_order(by_class.get(unit, [])):
                count = self.word_counts[w]
                rows.append((self.unit_names[unit], 0.0 if total == 0 else count / total, self.words[w]))
        return rows

    def class_counts(self) -> Iterable[tuple[tuple[str, ...], int]]:
        """Class unigram and bigram counts (classes and unclassed words), by name: each unit's unigram, then
        its bigrams (SRILM's sorted count file)."""
        first, second, counts = self.class_bigrams()
        rows: dict[int, list[tuple[bytes, str, int]]] = {}
        for u, v, c in zip(first.tolist(), second.tolist(), counts.tolist()):
            rows.setdefault(u, []).append((self.sort_keys[v], self.unit_names[v], c))
        for u in sorted(np.flatnonzero(self.alive).tolist(), key=lambda u: self.sort_keys[u]):
            yield (self.unit_names[u],), int(self.unigrams[u])
            for _, name, c in sorted(rows.get(u, [])):
                yield (self.unit_names[u], name), c


class _MergeSet:
    """The classes that may merge, with the sums that give every merge cost among them (module docstring),
    kept in slot arrays: slot k holds unit units[k], its row n(unit, .) in rows[k] and its column n(., unit) in
    cols[k], over all units. Counts are integers, so f comes from a table."""

    def __init__(self, state: SrilmClasses) -> None:
        self.state = state
        self.f = _nlogn_table(state.limit)
        self.units: list[int] = []
        cap = 16
        size = len(state.unit_names)
        self.rows = np.zeros((cap, size), dtype=state.dtype)
        self.cols = np.zeros((cap, size), dtype=state.dtype)
        self.row = np.zeros(cap)
        self.col = np.zeros(cap)
        self.prow = np.zeros((cap, cap))
        self.pcol = np.zeros((cap, cap))
        self.cost = np.zeros((cap, cap))   # merge costs of the pairs of slots; -inf on the diagonal
        keys = state.sort_keys
        self.rank = np.empty(len(keys), dtype=np.int64)   # the place of each unit's name in byte order
        self.rank[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))

    def __len__(self) -> int:
        return len(self.units)

    def _grow(self) -> None:
        cap = len(self.row) * 2
        for name in ("row", "col", "rows", "cols"):
            old = getattr(self, name)
            new = np.zeros((cap,) + old.shape[1:], dtype=old.dtype)
            new[:len(old)] = old
            setattr(self, name, new)
        for name in ("prow", "pcol", "cost"):
            old = getattr(self, name)
            new = np.zeros((cap, cap))
            new[:old.shape[0], :old.shape[1]] = old
            setattr(self, name, new)

    def _vector_sum(self, v: np.ndarray) -> float:
        return float(self.f[v[np.flatnonzero(v)]].sum())

    def _pair_sums(self, matrix: np.ndarray, sums: np.ndarray, v: np.ndarray, v_sum: float) -> np.ndarray:
        """sum_j f(x_k[j] + v[j]) for the rows x_k of `matrix`, whose sum_j f(x_k[j]) is sums[k]: only the
        columns where v is non-zero change."""
        nz = np.flatnonzero(v)
        if len(nz) == 0:
            return sums.copy()
        x = matrix[:, nz]
        y = v[nz]
        f = self.f
        return sums + v_sum + (f[x + y] - f[x]).sum(axis=1) - f[y].sum()

    def add(self, unit: int) -> None:
        k = len(self.units)
        if k == len(self.row):
            self._grow()
        self.rows[k] = self.state.unit_row(unit)
        self.cols[k] = self.state.unit_column(unit)
        self.row[k] = self._vector_sum(self.rows[k])
        self.col[k] = self._vector_sum(self.cols[k])
        if k:
            self.prow[k, :k] = self.prow[:k, k] = self._pair_sums(self.rows[:k], self.row[:k], self.rows[k],
                                                                  self.row[k])
            self.pcol[k, :k] = self.pcol[:k, k] = self._pair_sums(self.cols[:k], self.col[:k], self.cols[k],
                                                                  self.col[k])
        self.units.append(unit)
        self.cost[k, :k + 1] = self.cost[:k + 1, k] = self._cost_row(k)

    def remove(self, unit: int) -> None:
        k = self.units.index(unit)
        last = len(self.units) - 1
        for arr in (self.row, self.col, self.rows, self.cols):
            arr[k] = arr[last]
        for mat in (self.prow, self.pcol, self.cost):
            mat[k, :] = mat[last, :]
            mat[:, k] = mat[:, last]
        self.units[k] = self.units[last]
        self.units.pop()

    def _cost_row(self, k: int) -> np.ndarray:
        """The merge costs of slot k with every slot (SRILM's diffLogP = mergeContrib - classContribs)."""
        m = len(self.units)
        units = np.array(self.units)
        f = self.f
        rows = self.rows[:m]
        ab = rows[k, units]            # n(k, l)
        ba = rows[:, units[k]]         # n(l, k)
        dl = rows[np.arange(m), units]  # n(l, l)
        dk = dl[k]
        uni = self.state.unigrams[units]
        uk = uni[k]
        merged_contrib = (f[dk + ab + ba + dl]
                          + self.pcol[k, :m] - f[dk + ab] - f[ba + dl]
                          + self.prow[k, :m] - f[dk + ba] - f[ab + dl]
                          + f[ab] + f[ba]
                          - 2 * f[uk + uni] + 2 * f[uk] + 2 * f[uni])
        class_contrib = self.row[:m] + self.col[:m] - f[dl]
        costs = merged_contrib - class_contrib[k] - class_contrib
        costs[k] = -np.inf
        return costs

    def best_merge(self) -> MergeStep:
        """Find and perform the best merge: among ties, the first pair in name order (SRILM's order)."""
        state = self.state
        m = len(self.units)
        cost = self.cost[:m, :m]
        best = cost.max()
        scale = max(1.0, float(np.abs(self.row[:m]).max()), float(np.abs(self.col[:m]).max()))
        ii, jj = np.nonzero(cost >= best - TIE_TOLERANCE * scale)
        units = np.array(self.units)
        ri, rj = self.rank[units[ii]], self.rank[units[jj]]
        forward = ri < rj
        pick = np.lexsort((rj[forward], ri[forward]))[0]
        i, j = ii[forward][pick], jj[forward][pick]
        a, b = self.units[i], self.units[j]
        diff = float(cost[i, j])
        self._merge(a, b)
        return MergeStep(state.unit_names[a], state.unit_names[b], diff)

    def _merge(self, a: int, b: int) -> None:
        """Merge b into a, updating the sums of the other classes of the set for the columns a and b."""
        f = self.f
        m = len(self.units)
        rows, cols = self.rows[:m], self.cols[:m]
        xa, xb = rows[:, a], rows[:, b]   # n(k, a), n(k, b)
        ya, yb = cols[:, a], cols[:, b]   # n(a, k), n(b, k)
        drow = f[xa + xb] - f[xa] - f[xb]
        dcol = f[ya + yb] - f[ya] - f[yb]
        self.row[:m] += drow
        self.col[:m] += dcol
        xa2, xb2 = xa[:, None] + xa[None, :], xb[:, None] + xb[None, :]
        dprow = f[xa2 + xb2] - f[xa2] - f[xb2]
        ya2, yb2 = ya[:, None] + ya[None, :], yb[:, None] + yb[None, :]
        dpcol = f[ya2 + yb2] - f[ya2] - f[yb2]
        self.prow[:m, :m] += dprow
        self.pcol[:m, :m] += dpcol
        # the costs of pairs without a or b change only through these sums (the rows of a and b are redone)
        dclass = drow + dcol
        self.cost[:m, :m] += dprow + dpcol - dclass[:, None] - dclass[None, :]
        ka, kb = self.units.index(a), self.units.index(b)
        for arr in (rows, cols):   # row and column b go into a
            arr[ka] += arr[kb]
            arr[:, a] += arr[:, b]
            arr[:, b] = 0
        self.state.merge(a, b)
        self.remove(b)
        ka = self.units.index(a)
        m = len(self.units)
        self.row[ka] = self._vector_sum(self.rows[ka])
        self.col[ka] = self._vector_sum(self.cols[ka])
        self.prow[ka, :m] = self.prow[:m, ka] = self._pair_sums(self.rows[:m], self.row[:m], self.rows[ka],
                                                                self.row[ka])
        self.pcol[ka, :m] = self.pcol[:m, ka] = self._pair_sums(self.cols[:m], self.col[:m], self.cols[ka],
                                                                self.col[ka])
        self.cost[ka, :m] = self.cost[:m, ka] = self._cost_row(ka)


TABLE_LIMIT = 1 << 24  # larger totals compute f instead of looking it up


class _Computed:
    """f computed (for counts too large for a table), indexed like the table."""

    def __getitem__(self, x: np.ndarray) -> np.ndarray:
        return nlogn(x)


def _nlogn_table(limit: int) -> np.ndarray | _Computed:
    """f(k) = k log10 k for k = 0..limit (every count and sum of counts here is at most the total count)."""
    if limit > TABLE_LIMIT:
        return _Computed()
    k = np.arange(limit + 1, dtype=np.float64)
    k[0] = 1.0
    table = k * np.log10(k)
    return table
