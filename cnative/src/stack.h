/*
 * stack.h - coroutine stacks: guard-paged reservations (os/stack_<os>.c)
 * behind a per-thread pool of released stacks (stack.c).
 *
 * Layout of every stack, low addresses first:
 *
 *   alloc                 limit                                  top
 *   | guard (no access) ...| usable, committed on first touch ... |
 *
 * The guard sits at the low end because stacks grow down on every target
 * Weft supports.  A touch of the guard faults; overflow_<os>.c turns that
 * fault into a report naming the coroutine (fault.h).
 */
#ifndef WEFT_STACK_H
#define WEFT_STACK_H

#include "arch/ctx.h"

/* ---- OS layer: os/stack_<os>.c --------------------------------------- */

/* The page size (a power of two). */
size_t weft_os_page_size(void);

/* Reserves `usable` bytes (a multiple of the page size, > 0) plus a guard
 * page below them and fills *stk.  Memory is committed lazily by the OS.
 * Returns WEFT_OK or WEFT_ENOMEM (never crashes on exhaustion). */
int weft_os_stack_alloc(weft_stack_t *stk, size_t usable);

/* Returns the reservation to the OS.  stk must not be the running stack. */
void weft_os_stack_free(weft_stack_t *stk);

/* stack.c calls this on every stack it takes from its pool, before a
 * context is made on it.  Windows: sets stk->limit to the stack's lowest
 * committed byte (it may have grown while it last ran), the value the
 * TEB's StackLimit must start with.  POSIX: nothing to do. */
void weft_os_stack_recycle(weft_stack_t *stk);

/* How guards are made, for tests and diagnostics: 1 = a separate
 * inaccessible mapping per stack (costs a VMA, so the count of live stacks
 * is bounded by vm.max_map_count on Linux), 2 = a page-table guard marker
 * (Linux MADV_GUARD_INSTALL: no such bound), 3 = reserved but uncommitted
 * address space (Windows). */
int weft_os_stack_guard_kind(void);

/* ---- portable layer: stack.c -------------------------------------------- */

/* Rounds a requested usable size (0 = WEFT_STACK_DEFAULT) up to whole pages
 * and checks it: WEFT_OK and *usable, or WEFT_EINVAL when it is beyond
 * WEFT_STACK_MAX. */
int weft_stack_size(size_t requested, size_t *usable);

/* Takes a stack of exactly `usable` bytes from this thread's pool, or
 * reserves a new one.  WEFT_OK or WEFT_ENOMEM. */
int weft_stack_get(weft_stack_t *stk, size_t usable);

/* Gives a stack back: pooled on this thread (bounded), or freed. */
void weft_stack_put(weft_stack_t *stk);

/* The shared cache of released stacks (stack.c).  While `on`, the cache
 * may grow past what it keeps for good, and someone (the scheduler's
 * monitor) calls weft_stack_cache_trim periodically: each call gives part
 * of the excess back to the OS; all != 0 frees the whole cache. */
void weft_stack_cache_trimmed(int on);
void weft_stack_cache_trim(int all);

/* Frees every stack pooled on this thread (also runs at thread exit). */
void weft_stack_pool_drain(void);

/* Stacks currently reserved from the OS, pooled ones included (for tests
 * and, later, introspection). */
long weft_stack_os_count(void);

#endif /* WEFT_STACK_H */
