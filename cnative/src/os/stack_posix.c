/*
 * stack_posix.c - guard-paged coroutine stacks on Linux, macOS and the BSDs.
 *
 * Each stack is one anonymous private mapping, read-write, committed by
 * the kernel page by page on first touch (so an idle 64 KiB stack costs
 * the pages it used, not 64 KiB).  Its lowest page is the guard.
 *
 * Two ways to make the guard, chosen once per process (guard_mode()):
 *
 *  - MADV_GUARD_INSTALL (Linux 6.13+): the guard is a page-table marker
 *    inside the read-write mapping.  The mapping keeps one set of
 *    attributes, so neighbouring stacks merge into one VMA and the number
 *    of stacks is not bounded by vm.max_map_count (65530 by default).
 *  - mprotect(PROT_NONE) everywhere else: the guard splits the mapping, so
 *    each stack costs two VMAs and Linux stops at about 32k live stacks
 *    (mprotect then fails with ENOMEM, which we report as WEFT_ENOMEM).
 *
 * The probe does not trust madvise's return value alone: qemu-user accepts
 * unknown advice and ignores it.  It asks the kernel to read the guard page
 * (write(2) from it into a pipe) and expects EFAULT.
 */
#include "stack.h"
#include "weft.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* include/uapi/asm-generic/mman-common.h, Linux 6.13 */
#endif

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* include/uapi/asm-generic/mman-common.h, Linux 5.14 */
#endif

#ifndef MAP_ANONYMOUS
#define MAP_ANONYMOUS MAP_ANON
#endif
#ifdef MAP_STACK
#define WEFT_MAP_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK)
#else
#define WEFT_MAP_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS)
#endif
#ifdef MAP_NORESERVE
#define WEFT_MAP_NORESERVE MAP_NORESERVE /* don't charge 1 GiB stacks against overcommit up front */
#else
#define WEFT_MAP_NORESERVE 0
#endif

enum { GUARD_MPROTECT = 1, GUARD_MADVISE = 2 };

static size_t page_size;
static int guard_kind;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

static int madvise_guard_works(size_t pg)
{
#if defined(__linux__)
    char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, WEFT_MAP_FLAGS, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    int ok = 0;
    if (madvise(p, pg, MADV_GUARD_INSTALL) == 0) {
        int fds[2];
        if (pipe(fds) == 0) {
            ok = write(fds[1], p, 1) < 0 && errno == EFAULT;
            close(fds[0]);
            close(fds[1]);
        }
    }
    munmap(p, 2 * pg);
    return ok;
#else
    (void)pg;
    return 0;
#endif
}

static void probe(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    page_size = pg > 0 ? (size_t)pg : 4096;
    guard_kind = madvise_guard_works(page_size) ? GUARD_MADVISE : GUARD_MPROTECT;
}

size_t weft_os_page_size(void)
{
    pthread_once(&probe_once, probe);
    return page_size;
}

/* For tests and docs: 2 when guards are page-table markers (no VMA cost),
 * 1 when each guard is its own mprotect'ed mapping. */
int weft_os_stack_guard_kind(void)
{
    pthread_once(&probe_once, probe);
    return guard_kind;
}

int weft_os_stack_alloc(weft_stack_t *stk, size_t usable)
{
    pthread_once(&probe_once, probe);
    size_t guard = page_size;
    if (usable == 0 || usable > SIZE_MAX - guard)
        return WEFT_EINVAL;
    size_t total = usable + guard;
    char *p = mmap(NULL, total, PROT_READ | PROT_WRITE, WEFT_MAP_FLAGS | WEFT_MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return WEFT_ENOMEM;
    int ok = guard_kind == GUARD_MADVISE ? madvise(p, guard, MADV_GUARD_INSTALL) == 0
                                         : mprotect(p, guard, PROT_NONE) == 0;
    if (!ok) { /* ENOMEM: out of VMAs (vm.max_map_count) */
        munmap(p, total);
        return WEFT_ENOMEM;
    }
#if defined(__linux__)
    /* The top page is always written at once (the coroutine record lives
     * there, and the first frames).  Faulting it in with one madvise is
     * cheaper than taking the page fault: 2.4 us against 11.5 us per
     * stack on a 2-core EPYC VM with nested paging, where a fault's trap
     * is the expensive part.  Kernels before 5.14 answer EINVAL and the
     * page is faulted in on first touch, as before. */
    (void)madvise(p + total - page_size, page_size, MADV_POPULATE_WRITE);
#endif
    stk->alloc = p;
    stk->limit = p + guard;
    stk->top = p + total;
    stk->usable = usable;
    stk->reserved = total;
    stk->guard = guard;
    stk->valgrind_id = 0;
    return WEFT_OK;
}

void weft_os_stack_recycle(weft_stack_t *stk)
{
    (void)stk; /* limit is always the usable bottom here */
}

void weft_os_stack_free(weft_stack_t *stk)
{
    /* munmap removes guard markers with the mapping. */
    munmap(stk->alloc, stk->reserved);
    stk->alloc = stk->limit = stk->top = NULL;
}
