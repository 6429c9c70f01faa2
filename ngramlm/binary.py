"""The binary model format: the query index's arrays in one file that memory-maps, so loading takes milliseconds.

Layout (little-endian):

    header   magic "NGLMBIN\\0", format version, order, flags, vocabulary size, payload size,
             crc32 of the whole payload, crc32 of a spot sample of it, n-gram counts per order,
             then one (offset, bytes, items) row per section, then the crc32 of all the header bytes before it
    payload  sections, each starting on a 64-byte boundary:
             words (UTF-8, NUL-separated, by id), the vocabulary's hash table, unigram log10 probs, unigram
             back-off weights, unigram presence mask, one hash table per middle order, the table of the highest
             order

Loading checks the magic, the version, the header's crc32 and that the file is exactly as long as the header
says (a truncated copy is refused), then the crc32 of the spot sample: 256 blocks of 4 KiB spread evenly over the
payload, which catches truncation, zero-filled or overwritten regions at the cost of reading 1 MiB. A full crc32
of the payload (about 40 ms per 100 MB here, more than the load itself) is checked with verify="full". The tables
are used where they lie in the mapped file: nothing is copied or parsed, so loading costs the checks and the
page faults of what is used.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

from ._ext import _query
from .backoff import BackoffModel
from .errors import InputError
from .io import atomic_write
from .query import IndexTables, build_index

MAGIC = b"NGLMBIN\0"
VERSION = 1
ALIGN = 64
SAMPLE_BLOCKS, SAMPLE_BLOCK_BYTES = 256, 4096
_FIXED = struct.Struct(f"<8sIIIIQQII{_query.ORDER_LIMIT}Q")
_SECTION = struct.Struct("<QQQ")
_CRC = struct.Struct("<I")
_FLAG_HAS_UNK = 1


def is_binary(path: str) -> bool:
    """Whether `path` starts with this format's magic bytes."""
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _sections(tables: IndexTables) -> list[np.ndarray]:
    arrays = [tables.word_blob, tables.vocab_table, tables.unigram_prob.astype("<f4"), tables.unigram_bow.astype("<f4"),
              tables.unigram_present.astype(np.uint8), *tables.middle]
    if tables.longest is not None:
        arrays.append(tables.longest)
    return [np.ascontiguousarray(a) for a in arrays]


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


def write_binary(model: BackoffModel | IndexTables, path: str) -> None:
    """Write `model` (a BackoffModel is indexed first) in the binary format, atomically."""
    tables = model if isinstance(model, IndexTables) else build_index(model)
    arrays = _sections(tables)
    header_size = _padded(_FIXED.size + _SECTION.size * len(arrays) + _CRC.size)
    rows, offset = [], header_size
    for a in arrays:
        rows.append((offset, a.nbytes, len(a)))
        offset = _padded(offset + a.nbytes)
    payload = bytearray(offset - header_size)
    for (start, nbytes, _), a in zip(rows, arrays):
        payload[start - header_size:start - header_size + nbytes] = a.view(np.uint8).tobytes()
    sizes = list(tables.sizes) + [0] * (_query.ORDER_LIMIT - len(tables.sizes))
    header = _FIXED.pack(MAGIC, VERSION, tables.order, _FLAG_HAS_UNK if tables.has_unk else 0, len(arrays),
                         len(tables.unigram_prob), len(payload), zlib.crc32(payload), _sample_crc(payload), *sizes)
    header += b"".join(_SECTION.pack(*row) for row in rows)
    header += _CRC.pack(zlib.crc32(header))
    header += bytes(header_size - len(header))
    with atomic_write(path, "wb") as f:
        f.write(header)
        f.write(payload)


def load_binary(path: str, verify: str = "sample") -> IndexTables:
    """Memory-map a binary model. `verify` is "sample" (header, size and spot-sample crc32) or "full" (crc32
    of the whole payload too). Raises InputError for another format version or a damaged or truncated file."""
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
    if version != VERSION:
        raise InputError(path, None, f"binary format version {version}, but this ngramlm reads version {VERSION}; "
                         "rebuild the binary from the ARPA file with this version's `ngramlm build-binary`")
    expected_sections = 5 + max(order - 2, 0) + (1 if order > 1 else 0)
    if not 1 <= order <= _query.ORDER_LIMIT or n_sections != expected_sections:
        raise InputError(path, None, f"the header is inconsistent (order {order}, {n_sections} sections); {damaged}")
    table_end = _FIXED.size + _SECTION.size * n_sections
    header_size = _padded(table_end + _CRC.size)
    if len(mapped) < header_size:
        raise InputError(path, None, f"the header is cut short; {damaged}")
    header = mapped[:table_end].tobytes()
    if _CRC.unpack(mapped[table_end:table_end + _CRC.size].tobytes())[0] != zlib.crc32(header):
        raise InputError(path, None, f"the header's checksum does not match; {damaged}")
    if len(mapped) != header_size + payload_size:
        raise InputError(path, None, f"the file has {len(mapped)} bytes but its header says "
                         f"{header_size + payload_size}; {damaged}")
    payload = mapped[header_size:]
    if _sample_crc(payload) != sample_crc or (verify == "full" and zlib.crc32(payload) != payload_crc):
        raise InputError(path, None, f"the payload's checksum does not match; {damaged}")
    rows = [_SECTION.unpack_from(header, _FIXED.size + i * _SECTION.size) for i in range(n_sections)]
    dtypes = [np.uint8, _query.VOCAB_DTYPE, np.float32, np.float32, np.uint8]
    dtypes += [_query.MIDDLE_DTYPE] * max(order - 2, 0)
    if order > 1:
        dtypes.append(_query.LONGEST_DTYPE)
    arrays = []
    for (offset, nbytes, items), dtype in zip(rows, dtypes):
        dtype = np.dtype(dtype)
        if offset + nbytes > len(mapped) or items * dtype.itemsize != nbytes:
            raise InputError(path, None, f"a section lies outside the file; {damaged}")
        arrays.append(mapped[offset:offset + nbytes].view(dtype))
    if any(len(a) != vocab_size for a in arrays[2:5]):
        raise InputError(path, None, f"the vocabulary does not match the header; {damaged}")
    sizes = [int(s) for s in fixed[9:9 + order]]
    return IndexTables(order, arrays[0], arrays[1], arrays[2], arrays[3], arrays[4], arrays[5:5 + max(order - 2, 0)],
                       arrays[-1] if order > 1 else None, sizes, bool(flags & _FLAG_HAS_UNK))
