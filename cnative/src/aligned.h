/*
 * aligned.h - cache-line-aligned heap blocks, for objects laid out so that
 * the fields different cores write fall on different lines (a worker's
 * field groups, runtime.h; a channel's hot header, chan.h; an external
 * waiter's hot pair, ext.c).  malloc only promises 16.
 *
 * Windows has no posix_memalign, and a block from _aligned_malloc must go
 * back through _aligned_free, not free: hence the pair.
 */
#ifndef WEFT_ALIGNED_H
#define WEFT_ALIGNED_H

#include <stddef.h>
#include <stdlib.h>
#if defined(_WIN32)
#include <malloc.h>
#endif

/* bytes rounded up to align (a power of two, a multiple of
 * sizeof(void *)); not zeroed; NULL if out of memory */
static inline void *weft_aligned_alloc(size_t align, size_t bytes)
{
    bytes = (bytes + align - 1) & ~(align - 1);
#if defined(_WIN32)
    return _aligned_malloc(bytes, align);
#else
    void *p;
    return posix_memalign(&p, align, bytes) == 0 ? p : NULL;
#endif
}

static inline void weft_aligned_free(void *p)
{
#if defined(_WIN32)
    _aligned_free(p);
#else
    free(p);
#endif
}

#endif /* WEFT_ALIGNED_H */
