"""Counting n-grams: the compiled counter against a plain Python Counter, counting in passes over ranges of first
words with the text in a temporary file, merging."""
import gzip
import io
import re
import subprocess
import sys
import threading
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngramlm.corpora.reader import TextOptions, add_markers, read_sentences
from ngramlm.counting.corpus_count import count_files, count_sentences
from ngramlm.counting.counts import NgramCounts
from ngramlm.counting.merging import merge_counts
from ngramlm.counting.memory import parse_memory
from ngramlm.counting.windows import count_windows
from ngramlm.core.errors import InputError, NgramlmError
from ngramlm.core.vocab import UNK, Vocabulary


def reference_counts(sentences, order):
    """Every window of 1..order words inside each sentence, counted one by one."""
    counter = Counter()
    for sentence in sentences:
        for start in range(len(sentence)):
            for n in range(1, order + 1):
                if start + n <= len(sentence):
                    counter[tuple(sentence[start:start + n])] += 1
    return counter


def as_counter(counts: NgramCounts):
    words = counts.vocab.words
    return Counter({tuple(words[i] for i in row): int(c)
                    for grams, totals in zip(counts.ngrams, counts.counts)
                    for row, c in zip(grams.tolist(), totals.tolist())})


def assert_sorted_unique(counts: NgramCounts):
    for n, (grams, totals) in enumerate(zip(counts.ngrams, counts.counts), 1):
        assert grams.dtype == np.uint32 and grams.shape == (len(totals), n)
        assert totals.dtype == np.int64 and (totals > 0).all()
        rows = grams.tolist()
        assert rows == sorted(rows) and len(set(map(tuple, rows))) == len(rows)


corpora = st.integers(2, 10_000).flatmap(lambda size: st.lists(
    st.lists(st.integers(0, size - 1).map(lambda i: f"w{i}"), max_size=12), max_size=30))


@settings(max_examples=60, deadline=None)
@given(sentences=corpora, order=st.integers(1, 6), sos=st.booleans(), eos=st.booleans())
def test_counts_equal_a_python_counter(sentences, order, sos, eos):
    marked = [add_markers(s, sos, eos) for s in sentences if s]
    counts = count_sentences(marked, order, Vocabulary())
    assert counts.order == order
    assert as_counter(counts) == reference_counts(marked, order)
    assert_sorted_unique(counts)


def test_text_file_counts_follow_srilm(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("a b a\n\n   \nb\n<s> a </s>\n")
    counts = count_files([str(text)], 3)
    expected = reference_counts([["<s>", "a", "b", "a", "</s>"], ["<s>", "b", "</s>"], ["<s>", "a", "</s>"]], 3)
    assert as_counter(counts) == expected
    assert as_counter(counts)[("<s>",)] == 3  # the unigram <s> is counted, as SRILM counts it


def test_no_sos_and_no_eos(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("a b\nc\n")
    counts = count_files([str(text)], 2, options=TextOptions(sos=False, eos=False))
    assert as_counter(counts) == Counter({("a",): 1, ("b",): 1, ("c",): 1, ("a", "b"): 1})


def test_ngrams_never_cross_sentences():
    counts = count_sentences([["x", "y"], ["z"]], 3, Vocabulary())
    assert ("y", "z") not in as_counter(counts)
    assert counts.sizes() == [3, 1, 0]


def test_closed_vocabulary_counts_unknown_words_as_unk():
    vocab = Vocabulary(["a"], closed=True)
    counts = count_sentences([["<s>", "a", "zz", "yy", "</s>"]], 2, vocab)
    got = as_counter(counts)
    assert got[(UNK,)] == 2 and got[(UNK, UNK)] == 1 and got[("a", UNK)] == 1
    assert len(vocab) == 4  # nothing was added


def test_open_vocabulary_grows_in_order_of_first_appearance():
    vocab = Vocabulary()
    count_sentences([["<s>", "b", "a", "b", "</s>"]], 1, vocab)
    assert vocab.words[3:] == ["b", "a"]


def test_high_orders_count_long_windows():
    sentence = ["<s>"] + [f"w{i % 4}" for i in range(30)] + ["</s>"]
    counts = count_sentences([sentence], 12, Vocabulary())
    assert as_counter(counts) == reference_counts([sentence], 12)
    assert counts.total(12) == len(sentence) - 11


@pytest.mark.parametrize("vocabulary, order", [(300, 4), (9000, 6)])  # packed keys; column-by-column sort
def test_counting_in_passes_with_the_text_on_disk_equals_counting_in_memory(tmp_path, vocabulary, order):
    rng = np.random.default_rng(7)
    sentences = [["<s>"] + [f"w{int(w)}" for w in rng.zipf(1.5, rng.integers(0, 25)) % vocabulary] + ["</s>"]
                 for _ in range(3000)]
    in_memory = count_sentences(sentences, order, Vocabulary())
    # A 4K budget: the text goes to a temporary file, and each pass sorts a few hundred windows.
    in_passes = count_sentences(sentences, order, Vocabulary(), memory="4K", temp_dir=str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # the temporary text is removed
    assert as_counter(in_memory) == reference_counts(sentences, order)
    for a, b in zip(in_memory.ngrams + in_memory.counts, in_passes.ngrams + in_passes.counts):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=30, deadline=None)
@given(top=st.sampled_from([3, 300, 70000]), order=st.integers(1, 5), data=st.data())
def test_core_counts_range_by_range_into_the_same_arrays(top, order, data):
    """Ranges of first words in increasing order, written one after another, give exactly the sorted counts."""
    from ngramlm._ext import _count
    ids = st.integers(0, top)
    sentences = data.draw(st.lists(st.lists(ids, min_size=1, max_size=8), min_size=1, max_size=15))
    words = np.array([w for s in sentences for w in s], dtype=np.uint32)
    lengths = np.array([len(s) for s in sentences], dtype=np.int64)
    text = np.zeros(len(words) + len(lengths) + order, dtype=np.uint32)
    histogram = np.zeros(top + 2, dtype=np.int64)
    _count.mark_text(words, lengths, False, False, text, histogram)
    cuts = sorted(set(data.draw(st.lists(st.integers(1, top), max_size=4))))
    windows = int(histogram[1:].sum())
    ngrams = [np.empty((windows, n), dtype=np.uint32) for n in range(1, order + 1)]
    counts = [np.empty(windows, dtype=np.int64) for _ in range(order)]
    rows = np.zeros(order, dtype=np.int64)
    for lo, hi in zip([0] + cuts, cuts + [top + 1]):
        _count.count_marked(text, order, top, lo, hi, ngrams, counts, rows)
    found = Counter({tuple(row): int(c) for n in range(order)
                     for row, c in zip(ngrams[n][:rows[n]].tolist(), counts[n][:rows[n]].tolist())})
    assert found == reference_counts(sentences, order)
    assert all(g[:r].tolist() == sorted(g[:r].tolist()) for g, r in zip(ngrams, rows))


def test_core_refuses_arrays_and_text_it_cannot_use_safely():
    from ngramlm._ext import _count
    text = np.array([2, 3, 0, 0, 0], dtype=np.uint32)  # the sentence "1 2", then padding
    room = [np.empty((2, n), dtype=np.uint32) for n in (1, 2)], [np.empty(2, dtype=np.int64) for _ in range(2)]
    rows = np.zeros(2, dtype=np.int64)
    with pytest.raises(ValueError, match="room"):
        _count.count_marked(text, 2, 2, 0, 3, [np.empty((1, 1), np.uint32), room[0][1]], room[1], rows)
    with pytest.raises(ValueError, match="zeros"):
        _count.count_marked(np.array([2, 3], dtype=np.uint32), 2, 2, 0, 3, *room, rows)
    with pytest.raises(ValueError, match="above max_word"):
        _count.count_marked(text, 2, 0, 0, 1, *room, rows)
    with pytest.raises(ValueError, match="histogram"):
        _count.mark_text(np.array([7], dtype=np.uint32), np.array([1]), False, False,
                         np.empty(3, dtype=np.uint32), np.zeros(4, dtype=np.int64))
    _count.count_marked(text, 2, 2, 0, 3, *room, rows)
    assert rows.tolist() == [2, 1] and room[0][1][0].tolist() == [1, 2]


def test_merging_equals_counting_the_concatenated_text():
    first = [["<s>", "a", "b", "</s>"], ["<s>", "c", "</s>"]]
    second = [["<s>", "b", "d", "a", "</s>"], ["<s>", "a", "b", "</s>"]]
    merged = merge_counts(count_sentences(first, 3, Vocabulary()), count_sentences(second, 2, Vocabulary()))
    assert merged.order == 3
    expected = reference_counts(first, 3) + reference_counts(second, 2)
    assert as_counter(merged) == expected
    assert_sorted_unique(merged)


def test_merging_into_a_closed_vocabulary_maps_new_words_to_unk():
    closed = count_sentences([["a"]], 1, Vocabulary(["a"], closed=True))
    merged = merge_counts(closed, count_sentences([["a", "b", "c"]], 1, Vocabulary()))
    assert as_counter(merged) == Counter({("a",): 2, (UNK,): 2})


def test_empty_input_gives_empty_counts():
    counts = count_sentences([], 3, Vocabulary())
    assert counts.sizes() == [0, 0, 0]
    assert [g.shape for g in counts.ngrams] == [(0, 1), (0, 2), (0, 3)]


@pytest.mark.parametrize("text, size", [("2G", 2 << 30), ("512M", 512 << 20), ("100k", 102400), ("1000", 1000),
                                        ("1.5K", 1536)])
def test_memory_sizes(text, size):
    assert parse_memory(text) == size


def test_percent_memory_is_a_share_of_physical_memory():
    assert 0 < parse_memory("1%") < parse_memory("2%")


def test_bad_memory_size_is_a_user_error():
    with pytest.raises(NgramlmError, match="memory size"):
        parse_memory("lots")


@pytest.mark.parametrize("order", [0, 256])
def test_order_out_of_range_is_a_user_error(order):
    with pytest.raises(NgramlmError, match="order"):
        count_sentences([["a"]], order, Vocabulary())


# Largest ids on both sides of the compiled core's packed-key limit (N-1 words of bit_length(id + 1) bits in 64
# bits): 65534 packs order 5 exactly, 65535 and 2**17 need the column-by-column sort from order 5 on.
@settings(max_examples=40, deadline=None)
@given(top=st.sampled_from([2, 255, 65534, 65535, 2**17]), order=st.integers(1, 7), data=st.data())
def test_core_counts_equal_a_python_counter_for_any_id_width(top, order, data):
    ids = st.sampled_from([0, 1, top // 2, top - 1, top])
    sentences = data.draw(st.lists(st.lists(ids, min_size=1, max_size=10), max_size=12))
    words = np.array([w for s in sentences for w in s], dtype=np.uint32)
    ngrams, counts = count_windows(words, np.array([len(s) for s in sentences], dtype=np.int64), order)
    found = Counter({tuple(row): int(c) for grams, totals in zip(ngrams, counts)
                     for row, c in zip(grams.tolist(), totals.tolist())})
    assert found == reference_counts(sentences, order)
    for n, grams in enumerate(ngrams, 1):
        rows = grams.tolist()
        assert grams.shape[1] == n and rows == sorted(rows) and len(set(map(tuple, rows))) == len(rows)


def test_core_counts_a_frequent_first_word_exactly():
    # 20000 windows start with word 5: a bucket large enough for the compiled core's radix sort of packed keys.
    rng = np.random.default_rng(7)
    sentences = [[5, int(a), int(b), 5] for a, b in rng.integers(0, 40000, size=(10000, 2))]
    words = np.array([w for s in sentences for w in s], dtype=np.uint32)
    ngrams, counts = count_windows(words, np.full(len(sentences), 4, dtype=np.int64), 4)
    found = Counter({tuple(row): int(c) for grams, totals in zip(ngrams, counts)
                     for row, c in zip(grams.tolist(), totals.tolist())})
    assert found == reference_counts(sentences, 4)
    assert all(g.tolist() == sorted(g.tolist()) for g in ngrams)


@pytest.mark.parametrize("threads", [2, 3])
def test_threads_count_exactly_what_one_thread_counts(threads):
    """Enough windows (about 300K) that the compiled core cuts the buckets into pieces for its threads, with
    Zipfian words so that some buckets (words 2 and 3: 31K and 18K windows) are radix-sorted in a thread's own
    scratch memory; counted in two ranges of first words, so that the second range's pieces write after the
    first's rows."""
    from ngramlm._ext import _count
    rng = np.random.default_rng(11)
    lengths = rng.integers(1, 30, size=20000)
    words = (rng.zipf(1.3, size=int(lengths.sum())) % 5000).astype(np.uint32)
    sentences = np.split(words.tolist(), np.cumsum(lengths)[:-1])
    order, top = 4, int(words.max())
    text = np.zeros(len(words) + len(lengths) + order, dtype=np.uint32)
    histogram = np.zeros(top + 2, dtype=np.int64)
    _count.mark_text(words, lengths, False, False, text, histogram)
    windows = int(histogram[1:].sum())
    results = []
    for workers in (1, threads):
        ngrams = [np.empty((windows, n), dtype=np.uint32) for n in range(1, order + 1)]
        counts = [np.empty(windows, dtype=np.int64) for _ in range(order)]
        rows = np.zeros(order, dtype=np.int64)
        for lo, hi in [(0, 2), (2, top + 1)]:  # the second range holds 224K windows: two threads' worth
            _count.count_marked(text, order, top, lo, hi, ngrams, counts, rows, workers)
        results.append([a[:r] for a, r in zip(ngrams + counts, list(rows) * 2)])
    for one, many in zip(*results):
        np.testing.assert_array_equal(one, many)
    found = Counter({tuple(row): int(c) for n in range(order)
                     for row, c in zip(results[1][n].tolist(), results[1][order + n].tolist())})
    assert found == reference_counts([s.tolist() for s in sentences], order)
    with pytest.raises(ValueError, match="threads"):
        _count.count_marked(text, order, top, 0, top + 1, ngrams, counts, np.zeros(order, dtype=np.int64), 0)


@pytest.mark.parametrize("offset", [-3, -2, -1, 0, 1])
def test_threads_cut_the_text_anywhere_in_a_sentence(offset):
    """With two threads the compiled core buckets the text in two chunks, cut at its middle; the first chunk's
    last key is made from the text, not from the key after it. The cut is placed on a sentence end (offset 0),
    on the three words before it (-1, -2, -3) and on the next sentence's first word (1)."""
    from ngramlm._ext import _count
    order = 5
    rng = np.random.default_rng(7 + offset)
    lengths = list(rng.integers(1, 9, size=40000))
    # The text: each sentence's words, then a 0; `order` zeros at the end. Find a sentence end near the middle,
    # and lengthen the last sentence until the middle of the text lies `offset` after it.
    ends = np.cumsum(np.array(lengths) + 1) - 1
    sentence_ends = set(ends.tolist())
    for extra in range(0, 200):
        size = int(ends[-1]) + 1 + extra + order
        end = size // 2 - offset  # a sentence end `offset` before the middle, after at least 4 words
        if end in sentence_ends and not sentence_ends.intersection(range(end - 4, end)):
            break
    else:
        pytest.fail("no sentence end at the middle")
    lengths[-1] += extra
    words = (rng.zipf(1.5, size=int(sum(lengths))) % 3000 + 3).astype(np.uint32)
    lengths = np.array(lengths, dtype=np.int64)
    text = np.zeros(len(words) + len(lengths) + order, dtype=np.uint32)
    histogram = np.zeros(int(words.max()) + 2, dtype=np.int64)
    _count.mark_text(words, lengths, False, False, text, histogram)
    assert text[len(text) // 2 - offset] == 0 and np.all(text[len(text) // 2 - offset - 4:len(text) // 2 - offset])
    top, windows = int(words.max()), int(histogram[1:].sum())
    results = []
    for workers in (1, 2):
        ngrams = [np.empty((windows, n), dtype=np.uint32) for n in range(1, order + 1)]
        counts = [np.empty(windows, dtype=np.int64) for _ in range(order)]
        rows = np.zeros(order, dtype=np.int64)
        _count.count_marked(text, order, top, 0, top + 1, ngrams, counts, rows, workers)
        results.append([a[:r] for a, r in zip(ngrams + counts, list(rows) * 2)])
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)
    found = Counter({tuple(row): int(c) for n in range(order)
                     for row, c in zip(results[1][n].tolist(), results[1][order + n].tolist())})
    sentences = np.split(words.tolist(), np.cumsum(lengths)[:-1])
    assert found == reference_counts([s.tolist() for s in sentences], order)


def test_file_counting_with_threads_equals_one_thread_and_rejects_zero(tmp_path):
    rng = np.random.default_rng(3)
    path = tmp_path / "text.txt"
    path.write_text("".join(" ".join(f"w{w}" for w in rng.zipf(1.4, rng.integers(1, 20)) % 3000) + "\n"
                            for _ in range(25000)))
    one, two = (count_files([str(path)], 5, threads=t) for t in (1, 2))
    assert one.vocab.words == two.vocab.words
    for a, b in zip(one.ngrams + one.counts, two.ngrams + two.counts):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(NgramlmError, match="threads"):
        count_files([str(path)], 3, threads=0)


def test_pipelined_tokenizing_reads_blocks_as_one_thread_does(tmp_path):
    """With threads, a second thread reads and tokenizes the blocks ahead while the vocabulary takes in the words
    of one: with blocks of a few lines, new words in every block, a token with U+3000 inside (one word, as SRILM
    reads it) and files given one after another, the ids, sentence lengths and vocabulary are those of reading on
    one thread; bad bytes in a later block are reported at their line."""
    from ngramlm.counting.encoding import Encoder
    from ngramlm.counting.reading import encoded_text
    rng = np.random.default_rng(5)
    lines = [" ".join(f"w{w}" for w in rng.zipf(1.3, rng.integers(1, 12)) % 900) for _ in range(400)]
    lines[150] = "ideographic\u3000space inside"
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("\n".join(lines[:250]) + "\n", encoding="utf-8")
    second.write_text("\n".join(lines[250:]) + "\n", encoding="utf-8")
    results = []
    for pipelined in (False, True):
        encoder = Encoder(Vocabulary())
        blocks = list(encoded_text([str(first), str(second)], TextOptions(), encoder, 300, pipelined))
        encoder.sync()
        results.append((blocks, encoder.vocab.words))
    (plain, plain_words), (piped, piped_words) = results
    assert len(plain) > 20 and len(piped) == len(plain)
    assert piped_words == plain_words
    for (words_a, lengths_a, ends_a), (words_b, lengths_b, ends_b) in zip(plain, piped):
        np.testing.assert_array_equal(words_a, words_b)
        np.testing.assert_array_equal(lengths_a, lengths_b)
        assert ends_a and ends_b
    assert sum(len(lengths) for _, lengths, _ in piped) == 400
    assert {"ideographic\u3000space", "inside"} <= set(piped_words)  # not cut at U+3000, as in SRILM and lmplz
    bad = tmp_path / "bad.txt"
    bad.write_bytes(("\n".join(lines[:300]) + "\n").encode() + b"caf\xe9\n")
    with pytest.raises(InputError, match=r"bad\.txt.*301|301.*bad\.txt"):
        list(encoded_text([str(bad)], TextOptions(), Encoder(Vocabulary()), 300, True))


def test_core_rejects_inconsistent_arrays_before_calling_compiled_code():
    with pytest.raises(ValueError, match="sum to"):
        count_windows(np.arange(5), np.array([2, 2]), 2)
    with pytest.raises(ValueError, match="negative"):
        count_windows(np.arange(2), np.array([3, -1]), 2)
    with pytest.raises(ValueError, match="too large"):
        count_windows(np.array([2**32 - 1]), np.array([1]), 2)


# Tokens for the token table: short and long (the table compares the first 8 bytes in its slots, the rest in
# its own memory), long ones that share their first 8 or 16 bytes, control bytes that are no word separators,
# \v, \f and \x1c-\x1f among them (the scanner's 8-byte test flags every byte below 33 and must check each), a
# NUL (a separator, as in lmplz), multi-byte UTF-8.
TABLE_TOKENS = [b"a", b"ab", b"abcdefg", b"abcdefgh", b"abcdefghi", b"abcdefghX", b"abcdefghijklmnop",
                b"abcdefghijklmnopq", b"abcdefghijklmnopX", b"x\x00", b"x", b"\x01\x02", b"a\x0eb", b"a\x1bb",
                b"\x1b", b"\xc3\xa9t\xc3\xa9", b"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac",
                b"\x0b", b"a\x0cb", b"\x1c", b"\x1f", b"\xc2\xa0"]
TABLE_SPACES = [b" ", b"  ", b"\t", b"\r", b"\x00", b"\n", b"\n\n", b" \n"]


def python_token_table(blocks):
    """What TokenTable.tokenize gives for each block, from Python: numbers in order of first appearance, line
    lengths (lines end at \\n), tokens split at SRILM's and lmplz's word separators (NUL, tab, LF, CR, space)."""
    numbers, results = {}, []
    for block in blocks:
        lines = block.split(b"\n")
        tokens = [[t for t in re.split(rb"[\x00\t\n\r ]+", line) if t] for line in lines]
        if not tokens[-1]:  # a last line without a line break counts only if it has tokens
            tokens.pop()
        ids = [numbers.setdefault(t, len(numbers)) for line in tokens for t in line]
        results.append((ids, [len(line) for line in tokens]))
    return results, list(numbers)


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(st.lists(st.sampled_from(TABLE_TOKENS + TABLE_SPACES), max_size=40), min_size=1, max_size=4))
def test_token_table_numbers_tokens_as_python_splits_them(pieces):
    """Blocks of any length, a token at the very end of a block (the scanner reads 8 bytes at a time and must not
    read past the end), tokens seen again in a later block."""
    from ngramlm._ext import _count
    blocks = [b"".join(block) for block in pieces]
    table = _count.TokenTable()
    expected, distinct = python_token_table(blocks)
    seen = []
    for block, (ids, line_lengths) in zip(blocks, expected):
        numbers, lengths = table.tokenize(np.frombuffer(block, dtype=np.uint8) if block else block)
        assert numbers.tolist() == ids
        assert lengths.tolist() == line_lengths
        seen += table.new_tokens()
    assert seen == distinct and len(table) == len(distinct)


def test_token_table_keeps_many_tokens_apart():
    """Enough distinct tokens that the table grows many times, with long tokens that differ only after their
    first 8 bytes: every token keeps its number, in a second pass too."""
    from ngramlm._ext import _count
    words = [f"{k}".encode() for k in range(30000)] + [f"prefix__{k}".encode() for k in range(30000)]
    block = b"\n".join(b" ".join(words[k:k + 7]) for k in range(0, len(words), 7)) + b"\n"
    table = _count.TokenTable()
    numbers, _ = table.tokenize(block)
    assert numbers.tolist() == list(range(len(words)))
    again, _ = table.tokenize(block[::-1][1:] + b"\n")  # every token reversed: new ones, and some old ("11")
    reference = {w: k for k, w in enumerate(words)}
    for token, number in zip(block[::-1][1:].split(), again.tolist()):
        assert reference.setdefault(token, len(reference)) == number
    assert table.new_tokens()[-1] == max(reference, key=reference.get)


# Pieces of text that tokenizing must treat exactly as corpus.read_sentences does: ASCII and non-ASCII white
# space, the three kinds of line break, markers already present, case, a byte-order mark, non-ASCII words.
TEXT_PIECES = ["a", "B", "é", "Ωσ", " ", "  ", "\t", "\x0b", "\x0c", "\x1f", "\x00", "\xa0", "\u3000", "\n", "\r", "\r\n",
               "<s>",
               "</s>", "<S>", "\ufeff", "ǅ", "日本"]


@settings(max_examples=80, deadline=None)
@given(pieces=st.lists(st.sampled_from(TEXT_PIECES), max_size=60), tolower=st.booleans(), sos=st.booleans(),
       eos=st.booleans())
def test_file_counting_reads_sentences_as_the_corpus_reader_does(tmp_path_factory, pieces, tolower, sos, eos):
    path = tmp_path_factory.mktemp("text") / "t.txt"
    path.write_bytes("".join(pieces).encode())
    options = TextOptions(sos=sos, eos=eos, tolower=tolower)
    expected = count_sentences(read_sentences(str(path), options), 3, Vocabulary())
    assert as_counter(count_files([str(path)], 3, options=options)) == as_counter(expected)


def test_a_no_break_space_is_part_of_a_new_word_in_a_later_block(tmp_path):
    # The last block holds "a\xa0", one word to SRILM and lmplz (and to read_sentences), after the earlier
    # blocks' new words went into the vocabulary in bulk: it must not take the id of "aa".
    path = tmp_path / "t.txt"
    path.write_text("aa\n" * 300 + "a\xa0\n", encoding="utf-8")
    expected = count_sentences(read_sentences(str(path)), 1, Vocabulary())
    counted = count_files([str(path)], 1, memory="4K")  # blocks of a few hundred bytes
    assert as_counter(counted) == as_counter(expected) == Counter(
        {("aa",): 300, ("a\xa0",): 1, ("<s>",): 301, ("</s>",): 301})


def test_file_counting_across_many_small_blocks(tmp_path):
    rng = np.random.default_rng(3)
    path = tmp_path / "t.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
        f.write("".join(rng.choice(TEXT_PIECES, 40_000)))
    expected = count_sentences(read_sentences(str(path)), 4, Vocabulary())
    assert as_counter(count_files([str(path)], 4, memory="4K")) == as_counter(expected)


def test_text_larger_than_its_size_estimate_grows_in_place(tmp_path):
    """The marked text is sized from the files' bytes (a third of them): one-letter sentences make four entries
    from two bytes, so it grows several times over; two files, one of them empty."""
    rng = np.random.default_rng(8)
    path, empty = tmp_path / "short.txt", tmp_path / "empty.txt"
    path.write_text("".join(rng.choice(["a\n", "b\n", "a b\n", "\n"], 30_000)))
    empty.write_text("")
    from ngramlm.counting.reading import text_size_hint
    assert 0 < text_size_hint([str(path), str(empty)]) < 30_000
    expected = count_sentences(read_sentences(str(path)), 3, Vocabulary())
    for threads in (1, 2):
        assert as_counter(count_files([str(path), str(empty)], 3, threads=threads)) == as_counter(expected)


def test_replaced_bad_bytes_count_as_the_corpus_reader_reads_them(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"a \xff\xfe b\n\xc3 c\xe9\n")
    options = TextOptions(errors="replace")
    expected = count_sentences(read_sentences(str(path), options), 2, Vocabulary())
    assert as_counter(count_files([str(path)], 2, options=options)) == as_counter(expected)


def test_bad_bytes_name_their_line(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"".join(b"line %d\r\n" % i for i in range(3000)) + b"ok\n\xff\n")
    with pytest.raises(InputError, match="invalid UTF-8") as error:
        count_files([str(path)], 2)
    assert error.value.line == 3002


def test_standard_input(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a b\nb\n")))
    assert as_counter(count_files(["-"], 2)) == reference_counts([["<s>", "a", "b", "</s>"], ["<s>", "b", "</s>"]], 2)


@pytest.mark.parametrize("runs", [1, 2, 3, 7, 16, 33])
def test_merging_sorted_runs_sums_equal_ngrams_like_a_counter(runs):
    from ngramlm.counting.merging import merge_runs

    rng = np.random.default_rng(runs)
    expected: Counter = Counter()
    gram_runs, count_runs = [], []
    for r in range(runs):
        size = 0 if r % 5 == 4 else int(rng.integers(1, 300))  # some runs are empty
        rows = rng.integers(0, 4, size=(size, 3)).astype(np.uint32)  # few distinct rows: many repeats across runs
        grams, counts = np.unique(rows, axis=0, return_counts=True)
        counts = counts * int(rng.integers(1, 5))
        for row, count in zip(map(tuple, grams.tolist()), counts.tolist()):
            expected[row] += count
        gram_runs.append(grams.reshape(-1, 3))
        count_runs.append(counts.astype(np.int64))
    grams, counts = merge_runs(gram_runs, count_runs, 3)
    assert dict(zip(map(tuple, grams.tolist()), counts.tolist())) == dict(expected)
    assert len(grams) == len(expected)
    assert [tuple(g) for g in grams.tolist()] == sorted(expected)


FORKED_COUNTING = """
import multiprocessing, numpy as np
from ngramlm.counting.windows import count_windows

def count(_):
    words = (np.random.default_rng(1).zipf(1.3, 300000) % 5000).astype(np.uint32)
    return [len(grams) for grams in count_windows(words, np.array([len(words)]), 4, threads=2)[0]]

if __name__ == "__main__":
    parent = count(0)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.map(count, [0]) == [parent]
    print("ok")
"""


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_a_forked_process_counts_on_threads_after_its_parent_did(tmp_path):
    # A thread pool that does not survive fork() (OpenMP's) would hang the child here.
    script = tmp_path / "forked.py"
    script.write_text(FORKED_COUNTING)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr


def test_reading_goes_on_one_thread_when_no_second_thread_can_start(tmp_path, monkeypatch):
    """Under a memory limit a thread's stack may not be mappable: the reading must not fail for it."""
    import ngramlm.counting.reading as reading_module

    class NoThreads(threading.Thread):
        def start(self):
            raise RuntimeError("can't start new thread")

    path = tmp_path / "text.txt"
    path.write_text("a b c\nb c\n" * 50)
    expected = count_files([str(path)], 3, threads=1)
    monkeypatch.setattr(reading_module, "threading", SimpleNamespace(Thread=NoThreads, Event=threading.Event))
    counted = count_files([str(path)], 3, threads=2)
    for k in range(3):
        np.testing.assert_array_equal(counted.ngrams[k], expected.ngrams[k])
        np.testing.assert_array_equal(counted.counts[k], expected.counts[k])
