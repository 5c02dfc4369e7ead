/*
 * mutex.c - weft_mutex_t: one CAS each way when uncontended, direct
 * hand-off to the first waiter (FIFO) when contended.
 *
 * m->state:
 *   MUTEX_UNLOCKED  free; the queue is empty.
 *   MUTEX_LOCKED    held; nobody queued (as far as unlock must know).
 *   MUTEX_CONTENDED held; waiters may be queued: unlock must take the
 *                   slow path and look at the queue.
 *
 * Invariants (with m->lock held, between operations):
 *   1. queue non-empty  =>  state == MUTEX_CONTENDED.
 *   2. state == MUTEX_UNLOCKED  =>  queue empty.  So a waiter never
 *      sits behind a free mutex, and a newcomer can only take the
 *      mutex by the fast path when no one waits: no barging, strict FIFO
 *      once anyone waits.
 *
 * Who changes state:
 *   - lock fast path: CAS UNLOCKED -> LOCKED (without m->lock).
 *   - unlock fast path: CAS LOCKED -> UNLOCKED (without m->lock).  It
 *     fails if a waiter has set CONTENDED, sending unlock to the slow path.
 *   - everything else under m->lock: a locker about to queue sets
 *     CONTENDED (by CAS from the value it saw, so a racing fast-path
 *     unlock either happened before -- and the locker takes the free
 *     mutex instead -- or fails and goes slow); the slow unlock hands the
 *     mutex over without ever making it UNLOCKED (state stays held: LOCKED
 *     if the queue is now empty, else CONTENDED), or sets UNLOCKED if no
 *     waiter could take it.
 *
 * Hand-off versus timeout/cancellation (wait.h): the slow unlock pops the
 * first waiter and *claims* it (one CAS on the waiter's state).  If the
 * claim wins, the waiter can no longer time out or be cancelled: we fix
 * state, then resume it with WEFT_WAKE_OK and it returns owning the
 * mutex.  If the claim loses, a timeout or cancel already won: that
 * waiter will return an error and not touch the mutex; we try the next
 * one.  A waiter whose park returns an error takes m->lock and unlinks
 * itself (a no-op if the unlocker already popped it), so the lock is
 * never lost nor given twice.
 */
#include "sync.h"

SYNC_SAME_SIZE(weft_mutex_t, weft_mutex);
SYNC_SAME_OFFSET(weft_mutex_t, state_, weft_mutex, state);
SYNC_SAME_OFFSET(weft_mutex_t, lock_, weft_mutex, lock);
SYNC_SAME_OFFSET(weft_mutex_t, q_, weft_mutex, q);

enum { MUTEX_UNLOCKED = 0, MUTEX_LOCKED = 1, MUTEX_CONTENDED = 2 };

/* Spins before queueing, only while the holder has no waiters (so
 * spinning never overtakes a queued party).  Short: a holder on the
 * same worker cannot run while we spin. */
#define MUTEX_SPINS 4
#define MUTEX_SPIN_PAUSES 30

static struct weft_mutex *impl(weft_mutex_t *m)
{
    return (struct weft_mutex *)(void *)m;
}

int weft_mutex_init(weft_mutex_t *m)
{
    if (!m)
        return WEFT_EINVAL;
    weft_mutex_t z = WEFT_MUTEX_INIT;
    *m = z;
    return WEFT_OK;
}

static inline int try_fast(struct weft_mutex *m)
{
    int expect = MUTEX_UNLOCKED;
    return atomic_compare_exchange_strong_explicit(&m->state, &expect, MUTEX_LOCKED,
                                                   memory_order_acquire, memory_order_relaxed);
}

/* Step 1 of the contended path, under m->lock: take m if it is free
 * (returns 1, m->lock released), else mark it contended (returns 0,
 * m->lock held: the caller queues). */
static int take_or_announce(struct weft_mutex *m)
{
    weft_spin_lock(&m->lock);
    for (;;) {
        int s = atomic_load_explicit(&m->state, memory_order_relaxed);
        if (s == MUTEX_UNLOCKED) {
            if (try_fast(m)) {
                weft_spin_unlock(&m->lock);
                return 1;
            }
            continue;
        }
        if (s == MUTEX_CONTENDED ||
            atomic_compare_exchange_weak_explicit(&m->state, &s, MUTEX_CONTENDED,
                                                  memory_order_relaxed, memory_order_relaxed))
            return 0;
    }
}

/* Step 3, for a waiter that timed out or was cancelled: unlink it
 * (unless an unlocker popped it and lost the claim), and keep invariant
 * 1's converse cheap: with nobody queued, let the holder's unlock take
 * the fast path again. */
static void unqueue(struct weft_mutex *m, weft_waiter_t *w)
{
    weft_spin_lock(&m->lock);
    weft_waitq_remove(&m->q, w);
    if (weft_waitq_empty(&m->q)) {
        int s = MUTEX_CONTENDED;
        atomic_compare_exchange_strong_explicit(&m->state, &s, MUTEX_LOCKED,
                                                memory_order_relaxed, memory_order_relaxed);
    }
    weft_spin_unlock(&m->lock);
}

/* The contended path.  nocancel: weft_cond_wait's relock. */
static int lock_slow(struct weft_mutex *m, int64_t deadline, int nocancel)
{
    for (int i = 0; i < MUTEX_SPINS; i++) {
        if (atomic_load_explicit(&m->state, memory_order_relaxed) != MUTEX_LOCKED)
            break;
        for (int j = 0; j < MUTEX_SPIN_PAUSES; j++)
            weft_cpu_relax();
        if (try_fast(m))
            return WEFT_OK;
    }
    if (take_or_announce(m))
        return WEFT_OK;

    /* 2. enqueue and park; m->lock is released once we have stopped */
    weft_waiter_t w;
    weft_waiter_init(&w, "mutex", m);
    w.nocancel = nocancel;
    weft_waitq_push(&m->q, &w);
    int r = weft_waiter_park(&w, &m->lock, deadline);
    if (r == WEFT_WAKE_OK)
        return WEFT_OK; /* handed over: we own m */
    unqueue(m, &w);
    return r;
}

/* External waiters (wait.h): WEFT_OK (w's owner holds m now) or
 * WEFT_EXT_PARKED (w queued; the unlock that hands m over notifies). */
int weft_mutex_lock_ext(struct weft_mutex *m, weft_waiter_t *w)
{
    if (try_fast(m) || take_or_announce(m))
        return WEFT_OK;
    weft_waitq_push(&m->q, w);
    weft_spin_unlock(&m->lock);
    return WEFT_EXT_PARKED;
}

void weft_mutex_unqueue_ext(struct weft_mutex *m, weft_waiter_t *w)
{
    unqueue(m, w);
}

int weft_mutex_lock_until(weft_mutex_t *mu, int64_t deadline)
{
    if (!mu)
        return WEFT_EINVAL;
    struct weft_mutex *m = impl(mu);
    if (__builtin_expect(try_fast(m), 1))
        return WEFT_OK;
    return lock_slow(m, deadline < 0 ? -1 : deadline, 0);
}

int weft_mutex_lock(weft_mutex_t *m)
{
    return weft_mutex_lock_until(m, -1);
}

int weft_mutex_lock_nocancel(struct weft_mutex *m)
{
    if (try_fast(m))
        return WEFT_OK;
    return lock_slow(m, -1, 1);
}

int weft_mutex_trylock(weft_mutex_t *m)
{
    if (!m)
        return WEFT_EINVAL;
    return try_fast(impl(m)) ? WEFT_OK : WEFT_EAGAIN;
}

int weft_mutex_unlock(weft_mutex_t *mu)
{
    if (!mu)
        return WEFT_EINVAL;
    struct weft_mutex *m = impl(mu);

    /* Fast path: LOCKED -> UNLOCKED.  Correct because no waiter can be
     * queued while state is LOCKED (invariant 1), and a locker about to
     * queue must first CAS LOCKED -> CONTENDED, which then fails (it sees
     * UNLOCKED and takes the mutex) or makes this CAS fail. */
    int s = MUTEX_LOCKED;
    if (__builtin_expect(atomic_compare_exchange_strong_explicit(
                             &m->state, &s, MUTEX_UNLOCKED,
                             memory_order_release, memory_order_relaxed), 1))
        return WEFT_OK;
    if (s == MUTEX_UNLOCKED)
        return WEFT_ESTATE;

    /* Slow path: hand m to the first waiter that can still take it. */
    weft_spin_lock(&m->lock);
    weft_waiter_t *w;
    while ((w = weft_waitq_pop(&m->q))) {
        if (!weft_waiter_claim(w))
            continue; /* it timed out or was cancelled: it unlinks itself */
        atomic_store_explicit(&m->state,
                              weft_waitq_empty(&m->q) ? MUTEX_LOCKED : MUTEX_CONTENDED,
                              memory_order_relaxed);
        weft_spin_unlock(&m->lock);
        /* The claimed waiter cannot return before this resume (its state
         * is CLAIMED), so resuming outside the lock is safe.  resume's
         * release store orders our critical section before the new
         * owner's. */
        weft_waiter_resume(w, WEFT_WAKE_OK);
        return WEFT_OK;
    }
    /* Nobody to hand to.  state is LOCKED or CONTENDED here (a double
     * unlock racing us may already have freed it). */
    s = atomic_exchange_explicit(&m->state, MUTEX_UNLOCKED, memory_order_release);
    weft_spin_unlock(&m->lock);
    return s == MUTEX_UNLOCKED ? WEFT_ESTATE : WEFT_OK;
}

int weft_mutex_destroy(weft_mutex_t *mu)
{
    if (!mu)
        return WEFT_EINVAL;
    struct weft_mutex *m = impl(mu);
    weft_spin_lock(&m->lock);
    int busy = atomic_load_explicit(&m->state, memory_order_relaxed) != MUTEX_UNLOCKED ||
               !weft_waitq_empty(&m->q);
    weft_spin_unlock(&m->lock);
    return busy ? WEFT_ESTATE : WEFT_OK;
}
