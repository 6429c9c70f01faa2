"""KenLM's binary format (build_binary, format version 5), probing data structure: read and written.

Layout, as KenLM's sources (lm/binary_format.cc, lm/vocab.cc, lm/search_hashed.cc, util/probing_hash_table.hh)
define it, all little-endian:

    header      88 bytes of test values: the text "mmap lm http://kheafield.com/code format version 5\\n" padded
                with NULs to 56 bytes, float32 0, 1, -0.5, uint32 1, 0xFFFFFFFF, 0, uint64 1; then 20 bytes of
                parameters: order (uint8, 3 bytes padding), probing multiplier (float32), model type (int32:
                0 probing, 1 probing with rest costs, 2-5 trie variants), has-vocabulary (uint8, 3 padding),
                search version (uint32); then the n-gram count of each order (uint64); padded to 8 bytes.
    vocabulary  format version (uint32, 0) and bound (uint32: word ids in use, <unk> = 0 included), then a hash
                table of B(count of 1-grams) buckets of 12 bytes: MurmurHash64A of the spelling (uint64), id
                (uint32). <unk> itself is never in the table: a word not found is id 0.
    unigrams    (count of 1-grams + 1) entries of (log10 prob, log10 back-off) float32, by id.
    orders 2..N-1  hash tables of B(count) buckets of 16 bytes: key (uint64), log10 prob, log10 back-off.
    order N     a hash table of B(count) buckets of 12 bytes: key, log10 prob.
    words       (when has-vocabulary) the spellings by id, each followed by a NUL, "<unk>" first.

B(n) = max(n + 1, floor(multiplier * n)) in float32 arithmetic. A key is placed at bucket key mod B, or the next
empty one (key 0) after it. The key of an n-gram starts as the id of its newest word and takes in the older words
one at a time (ext/_kenlm.pyx, kl_combine). Tables may hold "blank" n-grams that the model lacks but a longer
n-gram needs as suffix. Sign bits carry two flags: a back-off of -0.0 means no longer n-gram has this one as
context; a probability with its sign bit clear means some longer n-gram ends in this one.

Loading is one compiled call (ngramlm._ext._kenlm.open_file: open, check the test values, the parameters and the
counts, then map or read the file as the LoadMethod says), then every region is checked within the file; a
crafted file gets an InputError, and the compiled probes stop after one pass over a table. The trie variants
are read (and written) by formats/kenlm_trie.py.

In:  open_kenlm_file / load_kenlm: a path and a LoadMethod; write_kenlm_probing: a BackoffModel and a path.
Out: ProbingTables (the file's regions as byte arrays, where they lie in the mapping or in memory), or the file.
"""
from __future__ import annotations

import enum
import os
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .._ext import _kenlm
from ..core.errors import InputError, ModelError
from ..core.io import atomic_write
from ..core.model import BackoffModel
from .arpa_lines import read_arpa_lines

# The header's test values and its parsing are compiled (ngramlm._ext._kenlm.parse_header), so that loading,
# which KenLM does in about 30 microseconds, is one compiled call: open, check, map.
MAGIC_PREFIX = _kenlm.MAGIC_PREFIX
SANITY_BYTES = _kenlm.SANITY_BYTES
_SANITY, _FIXED = _kenlm.SANITY, _kenlm.FIXED
_VOCAB_HEADER = struct.Struct("<II")
MODEL_TYPES = ["probing", "probing with rest costs", "trie", "trie with quantization",
               "trie with array-compressed pointers", "trie with quantization and array-compressed pointers"]
PROBING = 0
TRIE_TYPES = (2, 3, 4, 5)
DEFAULT_MULTIPLIER = 1.5
# KenLM's log10 p(<unk>) for a model without <unk> (lm/config.cc: unknown_missing_logprob).
UNKNOWN_MISSING_LOGPROB = -100.0
ENTRY = _kenlm.ENTRY_BYTES


class LoadMethod(enum.IntEnum):
    """How the file gets into memory (KenLM's util::LoadMethod, same numbers as kenlm.LoadMethod)."""

    LAZY = 0              # map the file; pages are read when a query first touches them
    POPULATE_OR_LAZY = 1  # map and read every page now (MAP_POPULATE), or lazily where that is unavailable
    POPULATE_OR_READ = 2  # map and read every page now, or read the file into memory (kenlm's default)
    READ = 3              # read the file into anonymous memory (no page cache mapping while querying)
    PARALLEL_READ = 4     # READ, in parallel chunks


@dataclass
class ProbingTables:
    """The regions of a KenLM probing file, as byte arrays over the loaded memory."""

    path: str
    order: int
    counts: list[int]
    probing_multiplier: float
    bound: int
    vocab: np.ndarray
    unigrams: np.ndarray
    middle: list[np.ndarray]
    longest: np.ndarray
    has_vocabulary: bool
    words_offset: int
    _words: list[str] | None = field(default=None, repr=False)

    def words(self) -> list[str]:
        """The spellings by id, read from the end of the file (checked: "<unk>" first, one per id)."""
        if self._words is None:
            self._words = read_words(self.path, self.words_offset, self.bound, self.has_vocabulary)
        return self._words


def read_words(path: str, offset: int, bound: int, has_vocabulary: bool = True) -> list[str]:
    """The spellings by id at the end of a KenLM file, from `offset` (checked: "<unk>" first, one per id)."""
    if not has_vocabulary:
        raise InputError(path, None, "this KenLM file was built without its words (build_binary -w none?)")
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            blob = f.read()
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
    words = blob.split(b"\0")
    if words and words[-1] == b"":
        words.pop()
    if not words or words[0] != b"<unk>" or len(words) != bound:
        raise InputError(path, None, f"the words at the end of the file are {len(words)}, the vocabulary "
                         f"has {bound} ids (or <unk> is not first): truncated or damaged file")
    try:
        return [w.decode("utf-8") for w in words]
    except UnicodeDecodeError:
        raise InputError(path, None, "a word at the end of the file is not UTF-8") from None


buckets = _kenlm.buckets  # KenLM's table size for n keys: max(n + 1, multiplier * n in float32)
header_size = _kenlm.header_size


def probing_sizes(counts: list[int], multiplier: float) -> list[int]:
    """Bytes of each region after the header: vocabulary, unigrams, each middle order, the highest order."""
    sizes = [_VOCAB_HEADER.size + buckets(counts[0], multiplier) * ENTRY["vocab"], (counts[0] + 1) * ENTRY["unigram"]]
    sizes += [buckets(c, multiplier) * ENTRY["middle"] for c in counts[1:-1]]
    return sizes + [buckets(counts[-1], multiplier) * ENTRY["longest"]]


def is_kenlm_binary(path) -> bool:
    """Whether the file starts as KenLM's binary files do (complete, incomplete or another version)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC_PREFIX)) == MAGIC_PREFIX
    except OSError:
        return False


def read_header(path: str, head: bytes, file_size: int):
    """(order, multiplier, model type, has vocabulary, search version, counts) from the first bytes, checked."""
    fields = _kenlm.parse_header(bytes(head), file_size)
    if isinstance(fields, str):
        raise InputError(path, None, fields)
    return fields


def open_kenlm_file(path: str, method: int):
    """A KenLM binary file opened, its header checked and the whole file in memory as `method` says:
    ((order, multiplier, model type, has vocabulary, search version, counts), memory as a uint8 array); None
    for a file that is not KenLM's (or cannot be opened: the other readers say why)."""
    try:
        fields, size, memory = _kenlm.open_file(path, int(method))
        if fields is None:
            return None
        if isinstance(fields, str):
            raise InputError(path, None, fields)
        if memory is None:  # PARALLEL_READ
            fd = os.open(path, os.O_RDONLY)
            try:
                memory = _read_into(fd, path, size, True)
            finally:
                os.close(fd)
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
    return fields, memory


def open_kenlm_binary(path: str, method: int):
    """open_kenlm_file, for a file that must be KenLM's."""
    opened = open_kenlm_file(path, method)
    if opened is None:
        raise InputError(path, None, "cannot read it as a KenLM binary file (missing, unreadable or not KenLM's)")
    return opened


def file_header(order: int, multiplier: float, model_type: int, search_version: int, counts: list[int]) -> bytes:
    """The header of a complete file (with its words at the end)."""
    head = bytearray(header_size(order))
    head[:_SANITY.size] = SANITY_BYTES
    _FIXED.pack_into(head, _SANITY.size, order, multiplier, model_type, 1, search_version)
    struct.pack_into(f"<{order}Q", head, _SANITY.size + _FIXED.size, *counts)
    return bytes(head)


def _read_into(fd: int, path: str, size: int, parallel: bool) -> np.ndarray:
    """The first `size` bytes of the file in anonymous memory."""
    out = np.empty(size, np.uint8)
    view = memoryview(out)
    chunk = 1 << 24

    def read(start: int) -> None:
        end = min(start + chunk, size)
        while start < end:
            got = os.preadv(fd, [view[start:end]], start)
            if got <= 0:
                raise InputError(path, None, "the file shrank while it was read")
            start += got

    if parallel and size > chunk:
        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
            list(pool.map(read, range(0, size, chunk)))
    else:
        for start in range(0, size, chunk):
            read(start)
    return out


def model_type_of(path) -> int | None:
    """The model type in a KenLM file's header (0 probing, 2-5 trie variants; -1 for a KenLM file whose header is
    not sound), None for a file that is not KenLM's."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return None
    if not head.startswith(MAGIC_PREFIX):
        return None
    try:
        return read_header(os.fspath(path), head, size)[2]
    except InputError:
        return -1


def load_kenlm(path: str, load_method: int = LoadMethod.POPULATE_OR_READ, opened=None) -> ProbingTables:
    """Check a KenLM binary file and bring its probing tables into memory (InputError if it is not one).
    `opened`: what open_kenlm_file gave for the file, if it was opened already."""
    (order, multiplier, model_type, has_vocab, search_version, counts), memory = (
        opened or open_kenlm_binary(path, load_method))
    if model_type != PROBING:
        raise InputError(path, None, f"KenLM {MODEL_TYPES[model_type]} files are not read as tables; "
                         "ngramlm.Model reads tries (kenlm_trie.load_kenlm_trie), rest-cost probing not at all")
    if search_version != 0:
        raise InputError(path, None, f"KenLM probing search version {search_version}: version 0 is read")
    start = header_size(order)
    sizes = probing_sizes(counts, multiplier)
    end = start + sum(sizes)
    if end > len(memory):
        raise InputError(path, None, f"the file has {len(memory)} bytes but its header asks for {end}: truncated?")
    version, bound = _VOCAB_HEADER.unpack_from(memory, start)
    if version != 0:
        raise InputError(path, None, f"KenLM probing vocabulary version {version}: version 0 is read")
    if not 1 <= bound <= counts[0] + 1:
        raise InputError(path, None, f"the vocabulary claims {bound} words for {counts[0]} unigrams")
    # The words: "<unk>" first, and the file ends with the NUL after the last word (a cut through the words
    # shows here; their number is checked when they are read, ProbingTables.words).
    if has_vocab and (bytes(memory[end:end + 6]) != b"<unk>\0" or memory[-1] != 0):
        raise InputError(path, None, "the words at the end of the file are missing or cut: truncated file")
    regions, offset = [], start
    for size in sizes:
        regions.append(memory[offset:offset + size])
        offset += size
    vocab = regions[0][_VOCAB_HEADER.size:]
    return ProbingTables(path, order, counts, multiplier, bound, vocab, regions[1], regions[2:-1], regions[-1],
                         has_vocab, end)


def arpa_file_order(path: str, model: BackoffModel) -> list[np.ndarray]:
    """The order in which the n-grams of `model` (read from the ARPA file `path` by read_arpa, which sorts
    them) stand in that file: per order, the model's row of each line. KenLM numbers words and fills its hash
    tables in file order, so writing in this order gives build_binary's bytes. One pass over the words of the
    file (the numbers were checked by read_arpa)."""
    ids = {w.encode("utf-8"): i for i, w in enumerate(model.vocab.words)}
    word_id = ids.__getitem__
    _, sections = read_arpa_lines(path)
    order = []
    for k, lines in enumerate(sections):
        flat: list[int] = []
        for _, line in lines:
            flat.extend(map(word_id, line.split()[1:k + 2]))
        rows = np.array(flat, np.uint32).reshape(-1, k + 1)
        rank = np.lexsort(rows.T[::-1])  # file line of each sorted row
        if len(rows) != len(model.ngrams[k]) or not np.array_equal(rows[rank], model.ngrams[k]):
            raise InputError(path, None, "the file's n-grams differ from the model's (read_arpa's reading of it)")
        where = np.empty(len(rank), np.int64)
        where[rank] = np.arange(len(rank))
        order.append(where)
    return order


def _kenlm_ids(model: BackoffModel, unigram_rows: np.ndarray) -> tuple[np.ndarray, list[str], bool]:
    """KenLM's ids for the model's vocabulary ids (<unk> 0, then the unigrams in the given row order), the words
    by KenLM id, and whether the model has <unk>."""
    unigram_ids = model.ngrams[0][unigram_rows, 0]
    has_unk = bool((unigram_ids == 0).any())
    mapping = np.zeros(len(model.vocab), np.uint32)
    others = unigram_ids[unigram_ids != 0]
    mapping[others] = np.arange(1, len(others) + 1, dtype=np.uint32)
    spellings = model.vocab.words
    words = ["<unk>"] + [spellings[i] for i in others]
    return mapping, words, has_unk


def _weights(values: np.ndarray) -> np.ndarray:
    """float32 weights as KenLM reads them: a positive log probability becomes 0, a zero back-off -0.0."""
    out = np.asarray(values, np.float32).copy()
    out[out == 0] = -0.0
    return out


def write_kenlm_probing(model: BackoffModel, path: str, probing_multiplier: float = DEFAULT_MULTIPLIER,
                        unknown_logprob: float = UNKNOWN_MISSING_LOGPROB,
                        file_order: list[np.ndarray] | None = None) -> None:
    """Write `model` in KenLM's probing format, as `build_binary probing` would from its ARPA file.

    `file_order` (arpa_file_order) gives the order of the ARPA file the model was read from: the file then has
    build_binary's bytes. Without it the n-grams go in in the model's order: the same tables, the same size and
    the same scores, with entries of a probe run in another order.
    """
    order = model.order
    if not 2 <= order <= _kenlm.ORDER_LIMIT:
        raise ModelError(f"KenLM's probing format holds orders 2 to {_kenlm.ORDER_LIMIT}; this model has order {order}")
    if not probing_multiplier > 1.0:
        raise ModelError(f"the probing multiplier must be above 1, not {probing_multiplier}")
    if file_order is None:
        file_order = [np.arange(len(g)) for g in model.ngrams]
    mapping, words, has_unk = _kenlm_ids(model, file_order[0])
    counts = model.sizes()
    sizes = probing_sizes(counts, probing_multiplier)
    start = header_size(order)
    memory = np.zeros(start + sum(sizes), np.uint8)
    regions, offset = [], start
    for size in sizes:
        regions.append(memory[offset:offset + size])
        offset += size
    vocab, unigrams, middle, longest = regions[0], regions[1], regions[2:-1], regions[-1]

    _VOCAB_HEADER.pack_into(vocab, 0, 0, len(words))
    if "<UNK>" in words:
        raise ModelError("the model has <UNK> beside <unk>, which KenLM takes as one word")
    _kenlm.insert_vocab(vocab[_VOCAB_HEADER.size:], words[1:])

    pairs = unigrams.view(np.float32).reshape(-1, 2)
    ids = mapping[model.ngrams[0][:, 0]]
    pairs[ids, 0] = np.minimum(np.asarray(model.logprob[0], np.float32), 0)
    pairs[ids, 1] = _weights(model.logbow[0])
    for n in range(2, order + 1):
        rows_in = file_order[n - 1]
        rows = np.ascontiguousarray(mapping[model.ngrams[n - 1][rows_in, ::-1]])
        probs = np.minimum(np.asarray(model.logprob[n - 1][rows_in], np.float32), 0)
        is_middle = n < order
        bows = _weights(model.logbow[n - 1][rows_in]) if is_middle else np.zeros(0, np.float32)
        failed = _kenlm.insert_order(n, rows, probs, bows, unigrams, middle, middle[n - 2] if is_middle else longest,
                                     is_middle)
        if failed is not None:
            row, why = failed
            gram = " ".join(model.vocab.words[i] for i in model.ngrams[n - 1][rows_in[row]])
            raise ModelError(f"cannot write the {n}-gram '{gram}' in KenLM's probing format: {why}")
    if not has_unk:
        pairs[0] = (unknown_logprob, 0.0)

    memory[:start] = np.frombuffer(file_header(order, probing_multiplier, PROBING, 0, counts), np.uint8)
    with atomic_write(path, "wb") as f:
        f.write(memory.tobytes())
        f.write(b"".join(w.encode("utf-8") + b"\0" for w in words))
