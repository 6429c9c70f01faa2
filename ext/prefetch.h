/* A prefetch that the compiler must keep, shared by the probe loops (_query, _arpa). GCC counts __builtin_prefetch
   as free of side effects, so a function that only prefetches is found "pure" and every call to it is deleted as
   dead code: GCC 12 did that to all the prefetches of the batch calls, which then ran 2.3x slower. The empty
   volatile asm is a side effect. */
#ifndef NGRAMLM_PREFETCH_H
#define NGRAMLM_PREFETCH_H

static inline void ngl_prefetch(const void *address) {
    __builtin_prefetch(address);
#if defined(__GNUC__)
    __asm__ __volatile__("");
#endif
}
#endif
