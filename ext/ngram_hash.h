/* The 64-bit keys of n-grams, in one place because the query index (_query) and the back-off scorer (_backoff)
   must hash alike. (KenLM's own hash, which its binary files need, is _kenlm's kl_combine, deliberately not this.) */
#ifndef NGRAMLM_NGRAM_HASH_H
#define NGRAMLM_NGRAM_HASH_H
#include <stdint.h>

/* MurmurHash3's 64-bit finaliser (Appleby): a bijection that spreads every input bit. */
static inline uint64_t ngl_mix64(uint64_t h) {
    h ^= h >> 33; h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33; return h;
}
/* An n-gram is hashed from its last word backwards: extend(...extend(start(w), h_k)..., h_1). */
static inline uint64_t ngl_hash_start(uint32_t word) {
    return ngl_mix64(((uint64_t)word + 1) * 0x9E3779B97F4A7C15ULL);
}
/* Key 0 marks an empty bucket of the query index, so no n-gram may hash to it. */
static inline uint64_t ngl_hash_extend(uint64_t hash, uint32_t word) {
    uint64_t key = ngl_mix64(hash + ((uint64_t)word + 1) * 0xC2B2AE3D27D4EB4FULL);
    return key ? key : 1;
}
/* Lemire's multiply-shift range reduction: a bucket in [0, n) without a division. */
static inline uint64_t ngl_bucket(uint64_t key, uint64_t n) {
    return (uint64_t)(((unsigned __int128)key * n) >> 64);
}
#endif
