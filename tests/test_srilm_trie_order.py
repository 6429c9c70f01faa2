"""cli/srilm_trie_order.py: SRILM's visiting order of contexts (ngram-count -debug 1's warnings). Its agreement
with SRILM is tested on SRILM's own output (tests/srilm_cases.py, count-debug-gt4); here, that the keys follow
LHash's rules by hand. (Its speed, once quadratic in sentences times contexts, is a benchmark's matter, not a
timed test's: `ngram-count -debug 1` on 8k PTB sentences, 16.2 s before and 7.4 s after that change.)"""
from __future__ import annotations

from ngramlm.cli.srilm_trie_order import lhash_slots


def test_few_keys_keep_their_order_and_more_go_to_their_hashed_slots():
    assert lhash_slots([7, 3, 5]) == {7: 0, 3: 1, 5: 2}  # up to 4 keys: stored in insertion order
    # 8 keys: roundSize(8) = int(9 / 0.8) = 11 slots wanted, so 16 (4 bits); slot (k * 1103515245 + 12345) >> 26
    slots = lhash_slots(range(8))
    by_hand = {}
    for key in range(8):
        at = ((key * 1103515245 + 12345) >> 26) & 15
        while at in by_hand.values():
            at = (at + 1) & 15
        by_hand[key] = at
    assert slots == by_hand

