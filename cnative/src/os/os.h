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
 *   poll_*.c    the I/O poller, named for its mechanism: poll_epoll.c
 *               (Linux), poll_kqueue.c (macOS, the BSDs)
 *   net_*.c     what sockets need beyond the BSD socket calls every OS
 *               has (os/sock.h)
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

/* ---- the I/O poller (poll_<mechanism>.c) ---------------------------------
 * One per process, opened once (netpoll.c).  Descriptors are registered
 * edge-triggered for reading and writing, with a tag the poller hands
 * back with each event (netpoll.h's record). */

/* Functions here that fail return WEFT_ESYS and leave the OS error for
 * weft_os_last_error (errno, WSAGetLastError) to read. */
int weft_os_poller_open(void);
/* Registers fd for both directions, edge-triggered. */
int weft_os_poller_add(intptr_t fd, void *tag);
/* Registers fd once, level-triggered, for events (WEFT_READABLE |
 * WEFT_WRITABLE): weft_fd_wait's one-shot wait.  The fd may already be
 * registered by someone else (a socket's own descriptor): then a
 * duplicate is registered instead, returned in *dup (else -1), which
 * weft_os_poller_del_oneshot closes. */
int weft_os_poller_add_oneshot(intptr_t fd, int events, void *tag, intptr_t *dup);
void weft_os_poller_del(intptr_t fd);
void weft_os_poller_del_oneshot(intptr_t fd, intptr_t dup);
/* Waits for events (timeout_ns 0: do not block; < 0: no limit), calls
 * ready(tag, WEFT_READABLE | WEFT_WRITABLE) for each (an error or
 * hang-up counts as both), returns how many.  Only a blocking wait
 * consumes a weft_os_poller_wake, so that a poll that does not block
 * cannot swallow the wake meant for the thread that does. */
int weft_os_poller_wait(int64_t timeout_ns, void (*ready)(void *tag, int events));
/* Ends the blocking wait in progress, or the next one. */
void weft_os_poller_wake(void);

/* A plain thread's wait on a descriptor (poll(2), WSAPoll): the ready
 * subset of events, WEFT_ETIMEDOUT, or WEFT_ESYS. */
int weft_os_fd_poll(intptr_t fd, int events, int64_t deadline);

/* The calling thread's last OS error: errno, or WSAGetLastError (net_*.c). */
int weft_os_last_error(void);

#endif /* WEFT_OS_H */
