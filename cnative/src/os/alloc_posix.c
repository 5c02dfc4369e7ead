/*
 * alloc_posix.c - cache-line-aligned heap blocks (os/os.h), on Linux,
 * macOS and the BSDs.
 */
#include "os.h"

#include <stdlib.h>

void *weft_aligned_alloc(size_t align, size_t bytes)
{
    bytes = (bytes + align - 1) & ~(align - 1);
    void *p;
    return posix_memalign(&p, align, bytes) == 0 ? p : NULL;
}

void weft_aligned_free(void *p)
{
    free(p);
}
