/*
 * netpoll.h - waiting for descriptors to become ready (internal): the
 * readiness record a socket embeds, the wait on it, and the poller's
 * place in the scheduler (netpoll.c).
 *
 * The model is Go's netpoll.  Every socket is registered with the OS
 * poller once, edge-triggered, for reading and writing (os/poll_*.c).
 * An operation first tries the system call; on "would block" it waits
 * on the socket's record for that direction (weft_pd_wait) and tries
 * again.  Whoever polls (an idle worker blocking in the poller with the
 * next timer's deadline, or any worker between run-queue batches without
 * blocking, or the monitor when nobody has for a while) hands each edge
 * to the record (weft_pd_ready), which wakes that direction's waiters.
 *
 * No edge is lost: an edge that finds no waiter sets the direction's
 * `ready` flag, and a party about to wait consumes the flag and retries
 * instead, both under the record's lock.  So between a system call's
 * "would block" and the party's wait, an edge is either seen as the flag
 * or wakes the queued waiter.  A stale flag (an edge from before the
 * failed call) only costs one more call.
 *
 * Readiness, deadlines, weft_cancel and a close by another party race
 * through the waiter's one atomic state (wait.h): exactly one of them
 * wins, and nothing is woken twice.
 *
 * Records are type-stable: the memory of a record the poller may still
 * name (an event already taken from the kernel by another thread when
 * the socket closed) is never returned to malloc, only reused for
 * another socket (weft_pd_alloc's pool), so a stale event wakes a live
 * record's waiters for one spurious retry at worst.  For the same reason
 * the record's lock is initialised once, never again on reuse.
 */
#ifndef WEFT_NETPOLL_H
#define WEFT_NETPOLL_H

#include <stdint.h>

#include "lock.h"
#include "wait.h"

enum { WEFT_PD_READ = 0, WEFT_PD_WRITE = 1 };

typedef struct weft_pd {
    weft_spin_t lock;        /* guards everything below but `free_next` */
    int closing;             /* weft_pd_close ran: waits end with WEFT_ECLOSED */
    unsigned char ready[2];  /* an edge arrived with no waiter (per direction) */
    weft_waitq_t q[2];       /* waiters, per direction */
    int oneshot;             /* weft_fd_wait's record: one waiter on q[0], events in revents */
    int revents;             /* oneshot: what was reported (WEFT_READABLE | WEFT_WRITABLE) */
    struct weft_pd *free_next; /* the pool's (under its lock) */
} weft_pd_t;

/* Opens the poller and registers it with the scheduler, once; every
 * later call returns the first one's result (WEFT_OK or WEFT_ESYS). */
int weft_poll_start(void);

/* A record from the pool (made, or reused: no waiters, no flags), NULL
 * if out of memory; back to the pool once the descriptor it stood for
 * has left the poller and no call uses it any more. */
weft_pd_t *weft_pd_alloc(int oneshot);
void weft_pd_free(weft_pd_t *pd);

/* Waits until the direction (WEFT_PD_READ or _WRITE) may be ready.
 * WEFT_OK: try the operation again.  WEFT_ECLOSED (the record was
 * closed, also while waiting), WEFT_ETIMEDOUT, WEFT_ECANCELED.  `what`
 * and `obj` are for weft_dump.  For a oneshot record, dir is ignored
 * and WEFT_OK means pd->revents says what. */
int weft_pd_wait(weft_pd_t *pd, int dir, int64_t deadline, const char *what, void *obj);

/* Keeps `oserr` as the calling coroutine's (or plain thread's) last OS
 * error, for weft_os_error, and returns WEFT_ESYS. */
int weft_poll_sys_error(int oserr);

/* An external party's wait (wait.h; cnative/jni): queues w, made with
 * weft_waiter_init_external, on the direction and returns
 * WEFT_EXT_PARKED; or returns at once WEFT_OK (an edge was kept: try
 * again) or WEFT_ECLOSED.  w's notify then runs once, with
 * WEFT_WAKE_RETRY (readiness) or WEFT_WAKE_CLOSED, unless its owner wins
 * w first (a timeout, an interrupt).  After a WEFT_EXT_PARKED, the owner
 * calls weft_pd_ext_end exactly once, when it stops waiting, whoever won:
 * it takes w off the queue if it is still there and ends the I/O wait's
 * count. */
int weft_pd_wait_ext(weft_pd_t *pd, int dir, weft_waiter_t *w);
void weft_pd_ext_end(weft_pd_t *pd, int dir, weft_waiter_t *w);

/* The poller reported events (WEFT_READABLE | WEFT_WRITABLE) for pd. */
void weft_pd_ready(weft_pd_t *pd, int events);

/* Every waiter ends with WEFT_ECLOSED, and so does every later wait. */
void weft_pd_close(weft_pd_t *pd);

#endif /* WEFT_NETPOLL_H */
