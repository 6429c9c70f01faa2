"""KenLM's trie binary format (build_binary trie [-q N -b N] [-a N]), read into a back-off model.

Layout after the header common to KenLM's binary files (formats/kenlm_binary.py), as KenLM's sources define it
(lm/vocab.cc SortedVocabulary, lm/search_trie.cc, lm/trie.cc, lm/quantize.cc, lm/bhiksha.cc):

    vocabulary  uint64 number of hashes H, then 8 * (count of 1-grams) bytes: the sorted MurmurHash64A keys of
                the spellings; word id = 1 + rank (0 is <unk>). Word ids therefore follow the hashes.
    quantiser   (quantised files only) version byte 2, prob bits, back-off bits, padding to 8 bytes, then float32
                centres: per middle order 2^prob_bits probabilities and 2^backoff_bits back-offs (the first two
                back-off centres are -0.0 and +0.0), then 2^prob_bits for the highest order.
    unigrams    (count + 2) entries of (log10 prob, log10 back-off, uint64 index of the first child).
    orders 2..N-1  with -a: version byte 0, pointer bits, then an 8-byte aligned uint64 array (after an 8-byte
                header) of the high bits of the child indices; then a bit-packed array of (count + 1) entries:
                word id (bits to hold the unigram count), the weights (exact: 31-bit non-positive prob and 32-bit
                back-off; quantised: back-off code then prob code), the (low bits of the) index of the first
                child; 8 bytes of slack.
    order N     bit-packed (word id, prob: 31 bits exact or prob_bits code); 8 bytes of slack.

The trie is reversed: the children of a unigram w are the bigrams "c w", listed by c, and so on. All n-grams are
stored (with the blanks KenLM adds for missing suffixes, which carry their back-off probability).

ngramlm.Model scores a trie where it lies (load_kenlm_trie, then ngramlm._ext._kenlm.TrieIndex: a lookup is a
binary search among an entry's children). Where the regions lie is computed and checked against the file's
size in one place, ngramlm._ext._kenlm.trie_regions; load_kenlm_trie also checks the vocabulary's order and the
unigrams' pointers (but for LAZY), and every probe clamps its child range to its order. read_kenlm_trie_file
decodes a trie into a BackoffModel instead (for conversions: ARPA, filter), checking every child range.

In:  load_kenlm_trie / read_kenlm_trie_file: a path; write_kenlm_trie: a BackoffModel, a path and -q/-b/-a.
Out: a TrieLayout over the file in memory; a BackoffModel with the words from the end of the file; the file, byte
     for byte as build_binary writes it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._ext import _kenlm
from ..core.errors import InputError, ModelError
from ..core.io import atomic_write
from ..core.model import BackoffModel
from ..core.operations import sort_ngrams
from ..core.vocab import Vocabulary
from . import kenlm_binary
from .kenlm_binary import LoadMethod

QUANT_VERSION = _kenlm.QUANT_VERSION
BHIKSHA_VERSION = _kenlm.BHIKSHA_VERSION
# log10 p(<unk>) and back-off that KenLM gives a model without <unk> (its unigram 0 then has these values).
UNKNOWN_MISSING = (-100.0, 0.0)


def required_bits(max_value: int) -> int:
    return int(max_value).bit_length()


# Bytes of a bit-packed order, and KenLM's choice of how many high bits of a child pointer go to the -a array
# (ArrayBhiksha): compiled, as the loader finds the regions there (ngramlm._ext._kenlm.trie_regions).
_base_size = _kenlm.packed_size
_chop_bits = _kenlm.chop_bits


def _read_bits(buf: np.ndarray, bit_offsets: np.ndarray, length: int) -> np.ndarray:
    """Little-endian bit fields of `length` <= 57 bits at `bit_offsets` (KenLM's ReadInt57)."""
    byte = (bit_offsets >> np.uint64(3)).astype(np.int64)
    word = np.zeros(len(byte), np.uint64)
    for k in range(8):
        word |= buf[byte + k].astype(np.uint64) << np.uint64(8 * k)
    return (word >> (bit_offsets & np.uint64(7))) & np.uint64((1 << length) - 1)


def _as_float(bits: np.ndarray) -> np.ndarray:
    return bits.astype(np.uint32).view(np.float32)


@dataclass
class TrieLayout:
    """A trie file in memory and where its regions lie (ngramlm._ext._kenlm.trie_regions, every size checked
    against the file); the regions as arrays on demand (for the decoder)."""

    path: str
    memory: np.ndarray                   # the whole file (uint8)
    counts: list[int]
    regions: tuple
    has_vocabulary: bool = True
    _words: list[str] | None = field(default=None, repr=False)

    @property
    def order(self) -> int:
        return len(self.counts)

    @property
    def bound(self) -> int:
        return self.regions[1] + 1

    @property
    def end(self) -> int:
        """Where the words begin."""
        return self.regions[-1]

    @property
    def quantised(self) -> bool:
        return self.regions[2] >= 0

    @property
    def word_bits(self) -> int:
        return self.regions[6]

    @property
    def prob_bits(self) -> int:
        return self.regions[3]

    @property
    def backoff_bits(self) -> int:
        return self.regions[4]

    @property
    def vocab(self) -> np.ndarray:
        """The sorted hashes (uint64), one per word besides <unk>."""
        at, hashes = self.regions[0], self.regions[1]
        return self.memory[at:at + 8 * hashes].view("<u8")

    @property
    def unigrams(self) -> np.ndarray:
        """(counts[0] + 2) entries of 16 bytes: log10 prob, log10 back-off (float32), first child (uint64)."""
        at = self.regions[5]
        return self.memory[at:at + 16 * (self.counts[0] + 2)]

    def packed(self, n: int) -> np.ndarray:
        """The bit-packed entries of order n (uint8)."""
        at, size = self.regions[7][n - 2][:2]
        return self.memory[at:at + size]

    def high(self, n: int) -> np.ndarray:
        """The -a pointer array of order n (uint64; empty without -a)."""
        _, _, at, count, _ = self.regions[7][n - 2]
        return self.memory[at:at + 8 * count].view("<u8") if at >= 0 else np.zeros(0, np.uint64)

    def next_bits(self, n: int) -> int:
        return self.regions[7][n - 2][4]

    def centres(self, n: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The quantiser's centres of order n: probabilities, back-offs (None for the highest order)."""
        prob, backoff = 1 << self.prob_bits, 1 << self.backoff_bits
        at = self.regions[2] + 4 * (n - 2) * (prob + backoff)
        floats = self.memory[at:at + 4 * (prob + backoff)].view("<f4")
        return floats[:prob], (floats[prob:prob + backoff] if n < self.order else None)

    def words(self) -> list[str]:
        """The spellings by id, read from the end of the file when first asked for."""
        if self._words is None:
            self._words = kenlm_binary.read_words(self.path, self.end, self.bound, self.has_vocabulary)
        return self._words


def trie_layout(path: str, data: np.ndarray, start: int, model_type: int, counts: list[int]) -> TrieLayout:
    """The regions of a trie file whose bytes are `data` (header of `start` bytes, already checked)."""
    regions = _kenlm.trie_regions(data, start, len(counts), model_type, counts)
    if isinstance(regions, str):
        raise InputError(path, None, regions)
    return TrieLayout(path, data, counts, regions)


def read_kenlm_trie(path: str, data: np.ndarray, start: int, order: int, model_type: int,
                    counts: list[int]) -> BackoffModel:
    """The model stored in a trie file whose bytes are `data` (header of `start` bytes, already checked),
    decoded: for conversions (to ARPA, filtering); ngramlm.Model scores a trie in place (TrieIndex)."""
    layout = trie_layout(path, data, start, model_type, counts)
    bound = layout.bound
    unigrams = layout.unigrams.view(np.dtype([("prob", "<f4"), ("bow", "<f4"), ("next", "<u8")]))
    # Per order: the children's range of every entry of the order below, then this order's words and weights.
    child_begin = unigrams["next"][:bound + 1].astype(np.uint64)
    grams = [np.arange(bound, dtype=np.uint32)[:, None]]  # newest word first, KenLM ids
    probs = [unigrams["prob"][:bound].astype(np.float64)]
    bows = [unigrams["bow"][:bound].astype(np.float64)]
    word_bits, prob_bits, backoff_bits = layout.word_bits, layout.prob_bits, layout.backoff_bits
    for n in range(2, order + 1):
        entries = counts[n - 1]
        longest = n == order
        weight_bits = ((prob_bits if longest else prob_bits + backoff_bits) if layout.quantised
                       else (31 if longest else 63))
        next_bits, high, packed = layout.next_bits(n), layout.high(n), layout.packed(n)
        total = word_bits + weight_bits + next_bits
        if child_begin[0] != 0 or child_begin[-1] != entries or np.any(np.diff(child_begin.astype(np.int64)) < 0):
            raise InputError(path, None, f"the child pointers of the {n - 1}-grams do not cover the {entries} "
                             f"{n}-grams in order: damaged file")
        bits = np.arange(entries + 1, dtype=np.uint64) * np.uint64(total)
        word = _read_bits(packed, bits[:entries], word_bits)
        if np.any(word >= bound):
            raise InputError(path, None, f"a {n}-gram has a word id beyond the vocabulary: damaged file")
        weights_at = bits[:entries] + np.uint64(word_bits)
        if layout.quantised:
            table_p, table_b = layout.centres(n)
            if longest:
                prob = table_p[_read_bits(packed, weights_at, prob_bits).astype(np.int64)]
            else:
                bow = table_b[_read_bits(packed, weights_at, backoff_bits).astype(np.int64)]
                prob = table_p[_read_bits(packed, weights_at + np.uint64(backoff_bits), prob_bits).astype(np.int64)]
        else:
            prob = -_as_float(_read_bits(packed, weights_at, 31))
            if not longest:
                bow = _as_float(_read_bits(packed, weights_at + np.uint64(31), 32))
        # The parent of entry j is the entry of the order below whose child range holds j.
        owner = np.searchsorted(child_begin, np.arange(entries, dtype=np.uint64), side="right") - 1
        grams.append(np.column_stack([grams[-1][owner], word.astype(np.uint32)]))
        probs.append(prob.astype(np.float64))
        bows.append(bow.astype(np.float64) if not longest else np.zeros(entries))
        if not longest:
            low = _read_bits(packed, bits + np.uint64(word_bits + weight_bits), next_bits)
            if len(high):
                index = np.arange(entries + 1, dtype=np.uint64)
                high_part = np.searchsorted(high, index, side="right").astype(np.uint64) - np.uint64(1)
                low = (high_part << np.uint64(next_bits)) | low
            child_begin = low
    return _backoff_model(path, _words(path, data[layout.end:], bound), grams, probs, bows)


def _words(path: str, blob: np.ndarray, bound: int) -> list[str]:
    """The spellings at the end of the file, by id: "<unk>" first, one NUL-terminated word per id."""
    words = bytes(blob).split(b"\0")
    if not words or words[-1] != b"" or words[0] != b"<unk>" or len(words) - 1 != bound:
        raise InputError(path, None, f"the words at the end of the file are not the {bound} of its vocabulary, "
                         "<unk> first: truncated or damaged file (or built without them)")
    try:
        return [w.decode("utf-8") for w in words[:-1]]
    except UnicodeDecodeError:
        raise InputError(path, None, "a word at the end of the file is not UTF-8") from None


def read_kenlm_trie_file(path: str) -> BackoffModel:
    """The back-off model in a KenLM trie file (any of -q/-b/-a), checked (formats/kenlm_trie.py)."""
    try:
        data = np.fromfile(path, np.uint8)
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
    header = kenlm_binary.read_header(path, bytes(data[:4096]), len(data))
    order, _, model_type, has_vocab, search_version, counts = header
    if model_type not in kenlm_binary.TRIE_TYPES:
        raise InputError(path, None, f"a KenLM {kenlm_binary.MODEL_TYPES[model_type]} file, not a trie")
    if search_version != 1:
        raise InputError(path, None, f"KenLM trie search version {search_version}: version 1 is read")
    if not has_vocab:
        raise InputError(path, None, "this KenLM trie was built without its words, which are needed to read it")
    return read_kenlm_trie(path, data, kenlm_binary.header_size(order), order, model_type, counts)


def load_kenlm_trie(path: str, load_method: int = LoadMethod.POPULATE_OR_READ, opened=None) -> TrieLayout:
    """Check a KenLM trie file and bring it into memory (mapped or read, as `load_method` says) for scoring in
    place (ngramlm._ext._kenlm.TrieIndex): the header, every region's size, the vocabulary's order and the
    unigrams' child pointers (all but the sizes skipped for LAZY) are checked here; deeper pointers are clamped
    by each probe.
    `opened`: what kenlm_binary.open_kenlm_file gave for the file, if it was opened already."""
    (order, _, model_type, has_vocab, search_version, counts), memory = (
        opened or kenlm_binary.open_kenlm_binary(path, load_method))
    if model_type not in kenlm_binary.TRIE_TYPES:
        raise InputError(path, None, f"a KenLM {kenlm_binary.MODEL_TYPES[model_type]} file, not a trie")
    if search_version != 1:
        raise InputError(path, None, f"KenLM trie search version {search_version}: version 1 is read")
    layout = trie_layout(path, memory, kenlm_binary.header_size(order), model_type, counts)
    layout.has_vocabulary = has_vocab
    # LAZY promises to read no page before a query needs it (as KenLM): then only the sizes are checked (every
    # probe is bounded either way: a damaged trie gives wrong numbers, never a read outside it).
    if load_method != LoadMethod.LAZY:
        reason = _kenlm.check_trie(memory, layout.regions, counts[1], has_vocab)
        if reason is not None:
            raise InputError(path, None, f"{reason}: damaged file")
    return layout


def _backoff_model(path: str, words: list[str], grams, probs, bows) -> BackoffModel:
    """Renumber KenLM's ids into a Vocabulary (words in KenLM id order), oldest word first, sorted."""
    vocab = Vocabulary(words[1:])
    mapping = np.array([vocab.id(w) for w in words], np.uint32)
    unk_prob, unk_bow = probs[0][0], bows[0][0]
    # KenLM gives a model without <unk> a unigram 0 of (-100, +0.0) that no n-gram uses: leave it out, and the
    # query index supplies the same.
    uses_unk = any(np.any(g[:, 1:] == 0) for g in grams[1:])
    keep = np.ones(len(grams[0]), bool)
    if (unk_prob, unk_bow) == UNKNOWN_MISSING and not np.signbit(unk_bow) and not uses_unk:
        keep[0] = False
    ngrams, logprob, logbow = [], [], []
    for k, (g, p, b) in enumerate(zip(grams, probs, bows)):
        if k == 0:
            g, p, b = g[keep], p[keep], b[keep]
        oldest_first = np.ascontiguousarray(mapping[g[:, ::-1]])
        b = np.where(b == 0, 0.0, b)  # -0.0 / +0.0 are KenLM's extension marks; the index recomputes them
        rows, p, b = sort_ngrams(oldest_first, p, b)
        ngrams.append(rows)
        logprob.append(p)
        logbow.append(b)
    model = BackoffModel(vocab, ngrams, logprob, logbow)
    try:
        model.validate()
    except Exception as exc:  # a damaged file that decoded into an inconsistent model
        raise InputError(path, None, f"the trie does not decode into a valid model: {exc}") from None
    return model


# ---------------------------------------------------------------------------------------------------------------
# Writing: the same layout from a BackoffModel, as build_binary trie builds it from the model's ARPA file.


def _row_keys(rows: np.ndarray) -> np.ndarray:
    """Rows of word ids as byte strings that sort as the rows sort (big-endian ids): for searchsorted."""
    rows = np.ascontiguousarray(rows.astype(">u4"))
    return rows.view(np.dtype((np.void, 4 * rows.shape[1]))).ravel()


def _find_rows(haystack: np.ndarray, needles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index in the sorted rows `haystack` of each needle row, whether it is there)."""
    hay, nee = _row_keys(haystack), _row_keys(needles)
    at = np.searchsorted(hay, nee)
    found = at < len(hay)
    found[found] = hay[at[found]] == nee[found]
    return at, found


def _sort_rows(rows: np.ndarray, *columns: np.ndarray):
    order = np.lexsort(rows.T[::-1]) if len(rows) else np.zeros(0, np.int64)
    return (rows[order], *(c[order] for c in columns))


def _make_bins(values: np.ndarray, bins: int) -> np.ndarray:
    """KenLM's quantisation centres (lm/quantize.cc, after Federico and Bertoldi 2006): the sorted values cut into
    `bins` runs of equal size, each centre the mean of its run (ngramlm._ext._kenlm.bin_centres)."""
    return _kenlm.bin_centres(np.ascontiguousarray(np.sort(np.asarray(values, np.float32))), bins)


def _encode(values: np.ndarray, centres: np.ndarray, reserved: int) -> np.ndarray:
    """KenLM's nearest-centre code of each value among centres[reserved:] (ties to the upper centre)."""
    values = np.asarray(values, np.float32)
    above = np.searchsorted(centres[reserved:], values, side="left") + reserved
    codes = above.astype(np.int64)
    last = len(centres) - 1
    inner = (above > reserved) & (above <= last)
    a = above[inner]
    v = values[inner]
    closer_below = (v - centres[a - 1]) < (centres[a] - v)
    codes[inner] = a - closer_below
    codes[above == reserved] = reserved
    codes[above > last] = last
    return codes.astype(np.uint64)


def _encode_backoffs(values: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Back-off codes: 0 and 1 for -0.0 and +0.0 (no extension / extension), the nearest centre otherwise."""
    values = np.asarray(values, np.float32)
    codes = _encode(values, centres, 2)
    zero = values == 0
    codes[zero] = np.where(np.signbit(values[zero]), 0, 1).astype(np.uint64)
    return codes


def write_kenlm_trie(model: BackoffModel, path: str, prob_bits: int | None = None, backoff_bits: int | None = None,
                     pointer_bits: int | None = None, unknown_logprob: float = UNKNOWN_MISSING[0]) -> None:
    """Write `model` in KenLM's trie format: build_binary trie, with -q/-b (quantised weights: `prob_bits`,
    `backoff_bits`) and -a (array-compressed child pointers: `pointer_bits`) as given."""
    order = model.order
    if not 2 <= order <= _kenlm.ORDER_LIMIT:
        raise ModelError(f"KenLM's trie format holds orders 2 to {_kenlm.ORDER_LIMIT}; this model has order {order}")
    quantised = prob_bits is not None or backoff_bits is not None
    if quantised:
        prob_bits = prob_bits if prob_bits is not None else backoff_bits
        backoff_bits = backoff_bits if backoff_bits is not None else prob_bits
        if not (1 <= prob_bits <= 25 and 2 <= backoff_bits <= 25):
            raise ModelError("KenLM quantises to 1-25 bits (probabilities) and 2-25 bits (back-off weights)")
    bhiksha = pointer_bits is not None
    if bhiksha and not 0 <= pointer_bits <= 57:
        raise ModelError(f"pointer bits must be 0-57, not {pointer_bits}")

    # Word ids: <unk> 0, then the other unigrams by the rank of their MurmurHash64A key.
    spellings = model.vocab.words
    unigram_ids = model.ngrams[0][:, 0]
    others = unigram_ids[unigram_ids != 0]
    keys = np.array([_kenlm.vocab_key(spellings[i]) for i in others], np.uint64)
    if len(np.unique(keys)) != len(keys) or _kenlm.vocab_key("<UNK>") in set(keys.tolist()):
        raise ModelError("two words of the model share a 64-bit hash (or the model has <UNK> beside <unk>)")
    rank = np.argsort(keys, kind="stable")
    mapping = np.zeros(len(spellings), np.uint32)
    mapping[others[rank]] = np.arange(1, len(others) + 1, dtype=np.uint32)
    bound = len(others) + 1
    words = ["<unk>"] + [spellings[i] for i in others[rank]]

    uni_prob = np.zeros(bound, np.float32)
    uni_bow = np.full(bound, -0.0, np.float32)
    uni_prob[mapping[unigram_ids]] = np.minimum(np.asarray(model.logprob[0], np.float32), 0)
    bow0 = np.asarray(model.logbow[0], np.float32)
    uni_bow[mapping[unigram_ids]] = np.where(bow0 == 0, np.float32(-0.0), bow0)
    if not (unigram_ids == 0).any():
        uni_prob[0], uni_bow[0] = unknown_logprob, 0.0

    # Each order's rows newest word first (the trie's order), its probabilities and back-offs (-0.0 for zero).
    rows, probs, bows = [None, None], [None, uni_prob], [None, uni_bow]  # index: the order
    for n in range(2, order + 1):
        r = np.ascontiguousarray(mapping[model.ngrams[n - 1][:, ::-1]])
        p = np.minimum(np.asarray(model.logprob[n - 1], np.float32), 0)
        b = np.asarray(model.logbow[n - 1], np.float32) if n < order else np.zeros(len(r), np.float32)
        b = np.where(b == 0, np.float32(-0.0), b)
        r, p, b = _sort_rows(r, p, b)
        rows.append(r)
        probs.append(p)
        bows.append(b)
    # Blanks: the parent of a row (its suffix: the row without its oldest word) must be a row of the order below.
    blank_counts = [0] * (order + 1)
    for n in range(order - 1, 1, -1):
        parents = np.unique(rows[n + 1][:, :n], axis=0)
        _, found = _find_rows(rows[n], parents)
        missing = parents[~found]
        blank_counts[n] = len(missing)
        if len(missing):
            rows[n] = np.concatenate([rows[n], missing])
            probs[n] = np.concatenate([probs[n], np.full(len(missing), np.nan, np.float32)])
            bows[n] = np.concatenate([bows[n], np.full(len(missing), -0.0, np.float32)])
            rows[n], probs[n], bows[n] = _sort_rows(rows[n], probs[n], bows[n])
    # Their probabilities, lowest order first: the parent's probability plus the back-off of the context, if any
    # (KenLM's sums, in float32); a context whose back-off counts is marked as extended.
    for n in range(2, order):
        blank = np.isnan(probs[n])
        if not blank.any():
            continue
        r = rows[n][blank]
        if n == 2:
            p = uni_prob[r[:, 0]]
            ctx_bow, ctx_found = uni_bow[r[:, 1]], np.ones(len(r), bool)
        else:
            at, _ = _find_rows(rows[n - 1], r[:, :n - 1])
            p = probs[n - 1][at]
            at_ctx, ctx_found = _find_rows(rows[n - 1], r[:, 1:])
            ctx_bow = np.where(ctx_found, bows[n - 1][np.minimum(at_ctx, len(rows[n - 1]) - 1)], np.float32(0))
        probs[n][blank] = (p.astype(np.float32) + ctx_bow.astype(np.float32)).astype(np.float32)
    # Extension marks: an n-gram that is the context of a longer one (blanks included) has back-off +0.0, not -0.0.
    for n in range(1, order):
        contexts = np.unique(rows[n + 1][:, 1:], axis=0)
        if n == 1:
            at, found = contexts[:, 0], np.ones(len(contexts), bool)
        else:
            at, found = _find_rows(rows[n], contexts)
        if not found.all():
            raise ModelError(f"a {n + 1}-gram's context is not a {n}-gram of the model")
        marked = bows[n][at]
        bows[n][at] = np.where(marked == 0, np.float32(0.0), marked)

    counts = [bound] + [len(rows[n]) for n in range(2, order + 1)]
    # Child pointers: the first child of every entry, and one past the last.
    nexts: list[np.ndarray] = []
    for n in range(1, order):
        if n == 1:
            begin = np.searchsorted(rows[2][:, 0], np.arange(bound + 1, dtype=np.uint32))
        else:
            children = _row_keys(rows[n + 1][:, :n])
            begin = np.concatenate([np.searchsorted(children, _row_keys(rows[n])), [len(rows[n + 1])]])
        nexts.append(begin.astype(np.uint64))

    parts = [np.zeros(8 + 8 * counts[0], np.uint8)]
    parts[0][:8] = np.frombuffer(_u64(bound - 1), np.uint8)
    parts[0][8:8 + 8 * (bound - 1)] = np.frombuffer(np.sort(keys).astype("<u8").tobytes(), np.uint8)
    centres = []
    if quantised:
        quant = np.zeros(8 + ((order - 2) * ((1 << prob_bits) + (1 << backoff_bits)) + (1 << prob_bits)) * 4,
                         np.uint8)
        quant[:3] = (QUANT_VERSION, prob_bits, backoff_bits)
        tables = []
        for n in range(2, order):
            regular = ~np.isnan(probs[n])  # every prob trains; back-offs that are not zero
            p_centres = _make_bins(probs[n], 1 << prob_bits)
            b = bows[n][regular]
            b_centres = np.concatenate([np.array([-0.0, 0.0], np.float32),
                                        _make_bins(b[b != 0], (1 << backoff_bits) - 2)])
            centres.append((p_centres, b_centres))
            tables += [p_centres, b_centres]
        centres.append((_make_bins(probs[order], 1 << prob_bits), None))
        tables.append(centres[-1][0])
        quant[8:] = np.frombuffer(np.concatenate(tables).astype("<f4").tobytes(), np.uint8)
        parts.append(quant)
    uni = np.zeros(counts[0] + 2, np.dtype([("prob", "<f4"), ("bow", "<f4"), ("next", "<u8")]))
    uni["prob"][:bound], uni["bow"][:bound], uni["next"][:bound + 1] = uni_prob, uni_bow, nexts[0]
    parts.append(uni.view(np.uint8))
    word_bits = required_bits(counts[0])
    for n in range(2, order + 1):
        entries, longest = counts[n - 1], n == order
        weight_bits = (prob_bits if longest else prob_bits + backoff_bits) if quantised else (31 if longest else 63)
        next_bits = 0
        if not longest:
            max_next = counts[n]
            values = nexts[n - 1]
            if bhiksha:
                chop = _chop_bits(entries + 1, max_next, pointer_bits)
                next_bits = required_bits(max_next) - chop
                array_count = (max_next >> (required_bits(max_next) - chop)) + 1
                high = values >> np.uint64(next_bits)
                offsets = np.searchsorted(high, np.arange(array_count, dtype=np.uint64), side="left")
                offsets[0] = 0
                start = sum(len(p) for p in parts) + kenlm_binary.header_size(order)
                region = np.zeros(8 * (1 + array_count) + 7, np.uint8)
                region[:2] = (BHIKSHA_VERSION, pointer_bits)
                aligned = (start + 7) // 8 * 8 - start
                region[aligned + 8:aligned + 8 + 8 * array_count] = np.frombuffer(
                    offsets.astype("<u8").tobytes(), np.uint8)
                parts.append(region)
                values = values & np.uint64((1 << next_bits) - 1)
            else:
                next_bits = required_bits(max_next)
        total = word_bits + weight_bits + next_bits
        packed = np.zeros(_base_size(entries, counts[0], weight_bits + next_bits), np.uint8)
        at = np.arange(entries + 1, dtype=np.uint64) * np.uint64(total)
        _kenlm.pack_bits(packed, at[:entries], rows[n][:, -1].astype(np.uint64), word_bits)
        weights_at = at[:entries] + np.uint64(word_bits)
        if quantised:
            p_centres, b_centres = centres[n - 2]
            p_codes = _encode(probs[n], p_centres, 0)
            if longest:
                _kenlm.pack_bits(packed, weights_at, p_codes, prob_bits)
            else:
                codes = (p_codes << np.uint64(backoff_bits)) | _encode_backoffs(bows[n], b_centres)
                _kenlm.pack_bits(packed, weights_at, codes, prob_bits + backoff_bits)
        else:
            p_bits = probs[n].astype("<f4").view(np.uint32).astype(np.uint64) & np.uint64(0x7FFFFFFF)
            _kenlm.pack_bits(packed, weights_at, p_bits, 31)
            if not longest:
                b_bits = bows[n].astype("<f4").view(np.uint32).astype(np.uint64)
                _kenlm.pack_bits(packed, weights_at + np.uint64(31), b_bits, 32)
        if not longest:
            _kenlm.pack_bits(packed, at + np.uint64(word_bits + weight_bits), values, next_bits)
        parts.append(packed)

    model_type = 2 + (1 if quantised else 0) + (2 if bhiksha else 0)
    head = kenlm_binary.file_header(order, kenlm_binary.DEFAULT_MULTIPLIER, model_type, 1, counts)
    with atomic_write(path, "wb") as f:
        f.write(head)
        for part in parts:
            f.write(part.tobytes())
        f.write(b"".join(w.encode("utf-8") + b"\0" for w in words))


def _u64(value: int) -> bytes:
    return int(value).to_bytes(8, "little")
