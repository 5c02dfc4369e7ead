/*
 * sync.h - the private layouts behind weft.h's synchronisation types
 * (mutex.c, rwlock.c, sem.c, cond.c, wg.c, once.c).
 *
 * weft.h declares each type as a struct of plain private fields so that
 * users can embed it and initialise it statically; the code works on the
 * layouts below, which mirror those fields one for one (an atomic word, a
 * weft_spin_t, a weft_waitq_t, ...).  SYNC_LAYOUT checks, at compile
 * time, that size, alignment and every offset agree, so that a change on
 * either side fails the build instead of corrupting memory.
 *
 * Shared shape: a state word changed by compare-and-swap on the
 * uncontended paths, and a spinlock guarding a FIFO queue of waiters
 * (wait.h) for the contended ones.  Each file states its own invariants.
 */
#ifndef WEFT_SYNC_H
#define WEFT_SYNC_H

#include <stddef.h>

#include "runtime.h"

struct weft_mutex {
    _Atomic int state;      /* MUTEX_* (mutex.c) */
    weft_spin_t lock;       /* guards q */
    weft_waitq_t q;
};

struct weft_rwlock {
    _Atomic unsigned state; /* RW_* bits + readers << RW_READER_SHIFT (rwlock.c) */
    weft_spin_t lock;       /* guards q */
    weft_waitq_t q;
};

struct weft_sem {
    _Atomic int64_t count;  /* >= 0: permits; SEM_WAITERS: none, waiters queued (sem.c) */
    weft_spin_t lock;       /* guards q */
    weft_waitq_t q;
};

struct weft_cond {
    weft_spin_t lock;       /* guards q */
    weft_waitq_t q;
};

struct weft_wg {
    _Atomic int64_t count;  /* written under lock; read without it */
    weft_spin_t lock;       /* guards q and writes of count */
    weft_waitq_t q;
};

struct weft_once {
    _Atomic int state;      /* ONCE_* (once.c) */
    weft_spin_t lock;       /* guards q and runner */
    weft_waitq_t q;
    void *runner;           /* the coroutine or thread running fn (recursion check) */
};

/* The public struct P and the private struct I have the same size,
 * alignment and field offsets (pub/priv: field names). */
#define SYNC_SAME_SIZE(P, I)                                                   \
    _Static_assert(sizeof(P) == sizeof(struct I), #P ": size differs from struct " #I); \
    _Static_assert(_Alignof(P) == _Alignof(struct I), #P ": alignment differs from struct " #I)
#define SYNC_SAME_OFFSET(P, pub, I, priv)                                      \
    _Static_assert(offsetof(P, pub) == offsetof(struct I, priv),               \
                   #P "." #pub ": offset differs from struct " #I "." #priv)

/* mutex.c, for cond.c: locks m like weft_mutex_lock, but a cancellation
 * of the caller does not end the wait (cond_wait must return holding m,
 * whatever ended its wait).  No deadline. */
int weft_mutex_lock_nocancel(struct weft_mutex *m);

/* The forms for external waiters (wait.h, ext.c): complete now
 * (WEFT_OK) or queue w and return WEFT_EXT_PARKED; never block. */
int weft_mutex_lock_ext(struct weft_mutex *m, weft_waiter_t *w);
void weft_mutex_unqueue_ext(struct weft_mutex *m, weft_waiter_t *w);
/* How long the first waiter may wait before unlocks hand the mutex over
 * (ns, default 1 ms as in Go); tests change it to pin a mode. */
extern int64_t weft_mutex_starve_ns;
/* After w was woken with WEFT_WAKE_RETRY: WEFT_OK (its owner holds m) or
 * WEFT_EXT_PARKED (w queued again, pending). */
int weft_mutex_retry_ext(struct weft_mutex *m, weft_waiter_t *w);
int weft_rwlock_lock_ext(struct weft_rwlock *rw, int write, weft_waiter_t *w);
void weft_rwlock_unqueue_ext(struct weft_rwlock *rw, weft_waiter_t *w);
int weft_sem_acquire_ext(struct weft_sem *s, weft_waiter_t *w);
void weft_sem_unqueue_ext(struct weft_sem *s, weft_waiter_t *w);
int weft_wg_wait_ext(struct weft_wg *wg, weft_waiter_t *w);
void weft_wg_unqueue_ext(struct weft_wg *wg, weft_waiter_t *w);
int weft_cond_wait_ext(struct weft_cond *c, weft_mutex_t *m, weft_waiter_t *w);
void weft_cond_unqueue_ext(struct weft_cond *c, weft_waiter_t *w);

#endif /* WEFT_SYNC_H */
