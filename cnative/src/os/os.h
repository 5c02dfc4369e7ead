/*
 * os/os.h - what the core asks of the operating system (internal), beyond
 * the stacks (stack.h) and the overflow handler (fault.h).
 *
 * One implementation per OS family, chosen by CMake by file name
 * (<what>_posix.c or <what>_win.c), so that no core file holds an
 * #if on the OS:
 *   time_*.c    weft_now (weft.h), sleeping a plain thread, short naps
 *   thread_*.c  yielding the CPU, counting CPUs
 *   alloc_*.c   cache-line-aligned heap blocks
 * The thread parker (park.c) needs no split: pthreads are on every
 * platform, Windows included (mingw-w64's winpthreads).
 */
#ifndef WEFT_OS_H
#define WEFT_OS_H

#include <stddef.h>
#include <stdint.h>

/* Sleeps the calling thread at least ns (> 0) nanoseconds, through
 * signals.  For plain threads; a coroutine sleeps on a timer. */
void weft_os_sleep(int64_t ns);

/* Sleeps about ns (< 1 s), as briefly as the OS allows: a stealing
 * worker's grace before it takes a busy worker's run-next (sched.c).
 * Linux adds its timer slack (~50 us); Windows, whose Sleep() has
 * millisecond granularity at best, yields until the time has passed. */
void weft_os_nap(int64_t ns);

/* Gives the CPU to another ready thread (a spinlock's holder that the OS
 * preempted, lock.h). */
void weft_os_yield(void);

/* Online CPUs, at least 1 (weft_init's default worker count). */
int weft_os_cpu_count(void);

/* Blocks for objects laid out so that the fields different cores write
 * fall on different cache lines (a worker's field groups, runtime.h; a
 * channel's hot header, chan.h; an external waiter's hot pair):
 * malloc only promises 16.  bytes is rounded up to align (a power of
 * two, a multiple of sizeof(void *)); not zeroed; NULL if out of memory.
 * Free only with weft_aligned_free (Windows' _aligned_malloc blocks must
 * not reach free()). */
void *weft_aligned_alloc(size_t align, size_t bytes);
void weft_aligned_free(void *p);

#endif /* WEFT_OS_H */
