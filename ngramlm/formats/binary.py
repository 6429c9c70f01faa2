"""The binary model format: the query index's arrays in one file that memory-maps, so loading takes milliseconds.

Layout (little-endian):

    header   magic "NGLMBIN\\0", format version, order, flags, vocabulary size, payload size,
             crc32 of the whole payload, crc32 of a spot sample of it, n-gram counts per order,
             then one (offset, bytes, items) row per section, then the crc32 of all the header bytes before it
    payload  sections, each starting on a 64-byte boundary:
             words (UTF-8, NUL-separated, by id), the vocabulary's hash table, unigram log10 probs, unigram
             back-off weights, unigram presence mask, one hash table per middle order, the table of the highest
             order

A quantised file (format version 2, written with prob_bits/backoff_bits: build-binary -q/-b) stores each table of
order 2 and up as three sections instead of one (the bucket keys, the codes of the probabilities, the codes of
the back-off weights; the highest order has no weights), followed by one section of float32 codebooks: per
order, 2^prob_bits probability centres then, below the highest order, 2^backoff_bits back-off centres. The bit
widths sit in the header's flags (bits 8-15 and 16-23). Unigrams stay exact, as in KenLM. Loading decodes the
codes into the same tables an unquantised file maps, so scoring is unchanged; the file is smaller
(10 instead of 16 bytes per bucket below the highest order, 9 instead of 12 at it, with 8 bits), but it is read
into memory rather than mapped. Version 1 files (unquantised) load as before.

Loading checks the magic, the version, the header's crc32 (and that its padding is zero) and that the file is
exactly as long as the header says (a truncated copy is refused), then by default (verify="full") the crc32 of the
whole payload, which detects any change of up to 32 consecutive bits, so every single-byte change of the file:
about 30 ms for the 67 MB Brown 5-gram here, most of the load. verify="sample" checks only the crc32 of a spot
sample (256 blocks of 4 KiB spread evenly over the payload: truncation, zero-filled or overwritten regions) for
models too large to read whole at load. Files written before the full check became the default carry the same
whole-payload crc32, so they load unchanged. Then the structure is checked before the compiled code touches it,
so that a file whose checksums are valid but whose content is not (a bug, or a file made to crash) is refused:
every section inside the payload, aligned and in order, with the size its item count implies; the vocabulary
at least the three special words, its spellings valid UTF-8 and as many as the header says; every hash table
non-empty with an empty bucket (probes stop there) and every vocabulary id in range (ngramlm._ext._query.
check_index). The tables are used where they lie in the mapped file: nothing is copied or parsed.

In:  write_binary: a BackoffModel (indexed by formats.probing.build_index) or IndexTables, and optional bit widths;
     load_binary: a path and the verification to run.
Out: the file, written atomically; IndexTables whose arrays lie in the memory-mapped file (a quantised file's
     higher orders decoded into memory), the tables ngramlm.use.query.Model scores with.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

from .._ext import _query
from ..core.model import BackoffModel
from ..core.errors import InputError
from ..core.vocab import BOS_ID, EOS_ID
from ..core.io import atomic_write
from .quantize import MAX_BITS, check_bits, code_dtype, quantize_backoffs, quantize_probs
from .probing import IndexTables, build_index

MAGIC = b"NGLMBIN\0"
VERSION = 1
QUANTIZED_VERSION = 2
ALIGN = 64
SAMPLE_BLOCKS, SAMPLE_BLOCK_BYTES = 256, 4096
_FIXED = struct.Struct(f"<8sIIIIQQII{_query.ORDER_LIMIT}Q")
_SECTION = struct.Struct("<QQQ")
_CRC = struct.Struct("<I")
_FLAG_HAS_UNK = 1
_PROB_BITS_SHIFT, _BACKOFF_BITS_SHIFT = 8, 16


def is_binary(path: str) -> bool:
    """Whether `path` starts with this format's magic bytes."""
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _unigram_sections(tables: IndexTables) -> list[np.ndarray]:
    return [tables.word_blob, tables.vocab_table, tables.unigram_prob.astype("<f4"), tables.unigram_bow.astype("<f4"),
            tables.unigram_present.astype(np.uint8)]


def _sections(tables: IndexTables) -> list[np.ndarray]:
    arrays = [*_unigram_sections(tables), *tables.middle]
    if tables.longest is not None:
        arrays.append(tables.longest)
    return [np.ascontiguousarray(a) for a in arrays]


def _quantized_sections(tables: IndexTables, prob_bits: int, backoff_bits: int) -> list[np.ndarray]:
    """Sections of a version 2 file: codebooks are fitted on the occupied buckets of each order only."""
    arrays, codebooks = _unigram_sections(tables), []
    higher = [*tables.middle, tables.longest] if tables.longest is not None else []
    for table in higher:
        used = table["key"] != 0
        prob_codes = np.zeros(len(table), code_dtype(prob_bits))
        prob_codes[used], centres = quantize_probs(table["prob"][used], prob_bits)
        arrays += [table["key"], prob_codes]
        codebooks.append(centres)
        if "bow" in table.dtype.names:
            bow_codes = np.zeros(len(table), code_dtype(backoff_bits))
            bow_codes[used], centres = quantize_backoffs(table["bow"][used], backoff_bits)
            arrays.append(bow_codes)
            codebooks.append(centres)
    arrays.append(np.concatenate(codebooks) if codebooks else np.zeros(0, np.float32))
    return [np.ascontiguousarray(a) for a in arrays]


def _section_count(order: int, quantized: bool) -> int:
    """Sections of a file: 5 for the vocabulary and unigrams, then per middle order one table (quantised: keys,
    probability codes, back-off codes), the highest order's table (quantised: keys, probability codes) and,
    quantised, the codebooks."""
    middle, longest = max(order - 2, 0), int(order > 1)
    return 5 + (3 * middle + 2 * longest + 1 if quantized else middle + longest)


def _padded(size: int) -> int:
    return -(-size // ALIGN) * ALIGN


def _sample_crc(payload) -> int:
    """crc32 of SAMPLE_BLOCKS blocks spread evenly over `payload` (all of it when it is small)."""
    size = len(payload)
    if size <= SAMPLE_BLOCKS * SAMPLE_BLOCK_BYTES:
        return zlib.crc32(payload)
    crc = 0
    step = (size - SAMPLE_BLOCK_BYTES) // (SAMPLE_BLOCKS - 1)
    for i in range(SAMPLE_BLOCKS):
        start = i * step
        crc = zlib.crc32(payload[start:start + SAMPLE_BLOCK_BYTES], crc)
    return crc


def write_binary(model: BackoffModel | IndexTables, path: str, prob_bits: int | None = None,
                 backoff_bits: int | None = None) -> None:
    """Write `model` (a BackoffModel is indexed first) in the binary format, atomically.

    With `prob_bits` (and `backoff_bits`, which defaults to it) the probabilities and back-off weights of orders
    2 and up are quantised to that many bits (format version 2); without, they are stored exactly.
    """
    tables = model if isinstance(model, IndexTables) else build_index(model)
    flags = _FLAG_HAS_UNK if tables.has_unk else 0
    if prob_bits is None and backoff_bits is None:
        version, arrays = VERSION, _sections(tables)
    else:
        prob_bits = backoff_bits if prob_bits is None else prob_bits
        backoff_bits = prob_bits if backoff_bits is None else backoff_bits
        check_bits(prob_bits, backoff_bits)
        version, arrays = QUANTIZED_VERSION, _quantized_sections(tables, prob_bits, backoff_bits)
        flags |= (prob_bits << _PROB_BITS_SHIFT) | (backoff_bits << _BACKOFF_BITS_SHIFT)
    header_size = _padded(_FIXED.size + _SECTION.size * len(arrays) + _CRC.size)
    rows, offset = [], header_size
    for a in arrays:
        rows.append((offset, a.nbytes, len(a)))
        offset = _padded(offset + a.nbytes)
    payload = bytearray(offset - header_size)
    for (start, nbytes, _), a in zip(rows, arrays):
        payload[start - header_size:start - header_size + nbytes] = a.view(np.uint8).tobytes()
    sizes = list(tables.sizes) + [0] * (_query.ORDER_LIMIT - len(tables.sizes))
    header = _FIXED.pack(MAGIC, version, tables.order, flags, len(arrays),
                         len(tables.unigram_prob), len(payload), zlib.crc32(payload), _sample_crc(payload), *sizes)
    header += b"".join(_SECTION.pack(*row) for row in rows)
    header += _CRC.pack(zlib.crc32(header))
    header += bytes(header_size - len(header))
    with atomic_write(path, "wb") as f:
        f.write(header)
        f.write(payload)


def load_binary(path: str, verify: str = "full") -> IndexTables:
    """Memory-map a binary model. `verify` is "full" (header, size and the crc32 of the whole payload) or "sample"
    (a spot-sample crc32 instead of the whole one); the structure is checked either way. Raises InputError, naming
    the file, for another format version or a damaged, truncated or inconsistent file."""
    if verify not in ("sample", "full"):
        raise ValueError("verify must be 'sample' or 'full'")
    try:
        mapped = np.memmap(path, dtype=np.uint8, mode="r")
    except (OSError, ValueError) as exc:
        raise InputError(path, None, f"cannot map the binary model: {exc}") from None
    damaged = "the file is damaged or truncated; rebuild it with `ngramlm build-binary`"
    if len(mapped) < _FIXED.size:
        raise InputError(path, None, f"too short to be a binary model ({len(mapped)} bytes); {damaged}")
    fixed = _FIXED.unpack(mapped[:_FIXED.size].tobytes())
    magic, version, order, flags, n_sections, vocab_size, payload_size, payload_crc, sample_crc = fixed[:9]
    if magic != MAGIC:
        raise InputError(path, None, "not an ngramlm binary model (wrong magic bytes)")
    if version not in (VERSION, QUANTIZED_VERSION):
        raise InputError(path, None, f"binary format version {version}, but this ngramlm reads versions {VERSION} "
                         f"and {QUANTIZED_VERSION}; rebuild the binary from the ARPA file with this version's "
                         "`ngramlm build-binary`")
    quantized = version == QUANTIZED_VERSION
    prob_bits, backoff_bits = (flags >> _PROB_BITS_SHIFT) & 0xFF, (flags >> _BACKOFF_BITS_SHIFT) & 0xFF
    if (not 1 <= order <= _query.ORDER_LIMIT or n_sections != _section_count(order, quantized)
            or (quantized and not (1 <= prob_bits <= MAX_BITS and 2 <= backoff_bits <= MAX_BITS))):
        raise InputError(path, None, f"the header is inconsistent (order {order}, {n_sections} sections); {damaged}")
    table_end = _FIXED.size + _SECTION.size * n_sections
    header_size = _padded(table_end + _CRC.size)
    if len(mapped) < header_size:
        raise InputError(path, None, f"the header is cut short; {damaged}")
    header = mapped[:table_end].tobytes()
    if (_CRC.unpack(mapped[table_end:table_end + _CRC.size].tobytes())[0] != zlib.crc32(header)
            or mapped[table_end + _CRC.size:header_size].any()):
        raise InputError(path, None, f"the header's checksum does not match; {damaged}")
    if len(mapped) != header_size + payload_size:
        raise InputError(path, None, f"the file has {len(mapped)} bytes but its header says "
                         f"{header_size + payload_size}; {damaged}")
    payload = mapped[header_size:]
    if (zlib.crc32(payload) != payload_crc) if verify == "full" else (_sample_crc(payload) != sample_crc):
        raise InputError(path, None, f"the payload's checksum does not match; {damaged}")
    rows = [_SECTION.unpack_from(header, _FIXED.size + i * _SECTION.size) for i in range(n_sections)]
    dtypes = [np.uint8, _query.VOCAB_DTYPE, np.float32, np.float32, np.uint8]
    if quantized:
        for n in range(2, order + 1):
            dtypes += [np.uint64, code_dtype(prob_bits)] + ([code_dtype(backoff_bits)] if n < order else [])
        dtypes.append(np.float32)
    else:
        dtypes += [_query.MIDDLE_DTYPE] * max(order - 2, 0)
        if order > 1:
            dtypes.append(_query.LONGEST_DTYPE)
    arrays, end = [], header_size
    for (offset, nbytes, items), dtype in zip(rows, dtypes):
        dtype = np.dtype(dtype)
        # In order, aligned, apart and inside the payload, as write_binary lays them out.
        if offset < end or offset % ALIGN or offset + nbytes > len(mapped) or items * dtype.itemsize != nbytes:
            raise InputError(path, None, f"a section lies outside its place in the file; {damaged}")
        arrays.append(mapped[offset:offset + nbytes].view(dtype))
        end = offset + nbytes
    if vocab_size < 3 or any(len(a) != vocab_size for a in arrays[2:5]):
        raise InputError(path, None, f"the vocabulary ({vocab_size} words) does not match the header or lacks the "
                         f"special words; {damaged}")
    _check_words(arrays[0], vocab_size, path, damaged)
    higher_tables = _decode_tables(arrays[5:], order, prob_bits, backoff_bits, path) if quantized else arrays[5:]
    sizes = [int(s) for s in fixed[9:9 + order]]
    tables = IndexTables(order, arrays[0], arrays[1], arrays[2], arrays[3], arrays[4],
                         higher_tables[:max(order - 2, 0)], higher_tables[-1] if order > 1 else None, sizes,
                         bool(flags & _FLAG_HAS_UNK), (prob_bits, backoff_bits) if quantized else None)
    try:
        _query.check_index(order, tables.unigram_prob, tables.unigram_bow, tables.unigram_present, tables.middle,
                           tables.longest, tables.vocab_table, BOS_ID, EOS_ID)
    except ValueError as exc:
        raise InputError(path, None, f"{exc}; {damaged}") from None
    return tables


def _check_words(blob: np.ndarray, vocab_size: int, path: str, damaged: str) -> None:
    """The spellings section holds `vocab_size` NUL-separated words in UTF-8 (IndexTables.words decodes it)."""
    if np.count_nonzero(blob == 0) != vocab_size - 1:
        raise InputError(path, None, f"the spellings section does not hold {vocab_size} words; {damaged}")
    try:
        blob.tobytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(path, None, f"a spelling is not valid UTF-8; {damaged}") from None


def _decode_tables(sections: list[np.ndarray], order: int, prob_bits: int, backoff_bits: int,
                   path: str) -> list[np.ndarray]:
    """The hash tables of orders 2..order, rebuilt from the keys, codes and codebooks of a version 2 file."""
    damaged = "the file is damaged; rebuild it with `ngramlm build-binary`"
    codebooks, tables, at, position = sections[-1], [], 0, 0
    if len(codebooks) != sum((1 << prob_bits) + ((1 << backoff_bits) if n < order else 0) for n in range(2, order + 1)):
        raise InputError(path, None, f"the codebooks do not match the header's bit widths; {damaged}")
    for n in range(2, order + 1):
        middle = n < order
        keys = sections[position]
        table = np.empty(len(keys), _query.MIDDLE_DTYPE if middle else _query.LONGEST_DTYPE)
        table["key"] = keys
        for field, bits, codes in [("prob", prob_bits, sections[position + 1])] + (
                [("bow", backoff_bits, sections[position + 2])] if middle else []):
            if len(codes) != len(keys) or (len(codes) and int(codes.max()) >= 1 << bits):
                raise InputError(path, None, f"the {n}-gram codes do not fit the table or its codebook; {damaged}")
            table[field] = codebooks[at:at + (1 << bits)][codes]
            at += 1 << bits
        tables.append(table)
        position += 3 if middle else 2
    return tables
