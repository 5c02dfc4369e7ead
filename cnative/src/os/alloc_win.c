/*
 * alloc_win.c - cache-line-aligned heap blocks (os/os.h), on Windows,
 * which has no posix_memalign: _aligned_malloc's blocks go back through
 * _aligned_free, never free().
 */
#include "os.h"

#include <malloc.h>

void *weft_aligned_alloc(size_t align, size_t bytes)
{
    bytes = (bytes + align - 1) & ~(align - 1);
    return _aligned_malloc(bytes, align);
}

void weft_aligned_free(void *p)
{
    _aligned_free(p);
}
