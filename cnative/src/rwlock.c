/*
 * rwlock.c - weft_rwlock_t: a task-fair (FIFO) read-write lock.
 *
 * rw->state = readers << RW_READER_SHIFT | RW_WAITERS | RW_WRITER
 *   RW_WRITER   a writer holds the lock (then readers == 0);
 *   RW_WAITERS  the queue may be non-empty: every path must go slow;
 *   readers     the number of read holders.
 *
 * Invariants (with rw->lock held, between operations):
 *   1. queue non-empty  <=>  RW_WAITERS set.
 *   2. queue non-empty  =>  its head cannot be admitted now (a writer
 *      head: the lock is held; a reader head: a writer holds it).
 *      dispatch() restores 1 and 2 after every change, by admitting
 *      from the head for as long as it can.
 *
 * Fast paths (no rw->lock), each one CAS that fails if RW_WAITERS is set:
 *   rdlock    state has neither WRITER nor WAITERS: readers + 1;
 *   wrlock    state == 0: WRITER;
 *   rdunlock  no WAITERS: readers - 1;
 *   wrunlock  state == WRITER: 0.
 * A party about to queue sets RW_WAITERS by CAS from the state it examined
 * (under rw->lock), so a fast path racing it either completes first (and
 * the party re-examines) or fails and goes slow.  While RW_WAITERS is set
 * only lock holders of rw->lock change state.
 *
 * Fairness: a reader arriving while anyone waits queues (it does not join
 * the current readers), so a writer waits only for the holders ahead of
 * it: no writer starvation.  A release admits the head writer, or every
 * consecutive reader at the head together: no reader starvation either.
 *
 * Hand-off and timeouts as in mutex.c: dispatch claims a waiter before
 * granting it access; a lost claim means it timed out or was cancelled
 * and will unlink itself, then run dispatch in case it was the head.
 */
#include "sync.h"

SYNC_SAME_SIZE(weft_rwlock_t, weft_rwlock);
SYNC_SAME_OFFSET(weft_rwlock_t, state_, weft_rwlock, state);
SYNC_SAME_OFFSET(weft_rwlock_t, lock_, weft_rwlock, lock);
SYNC_SAME_OFFSET(weft_rwlock_t, q_, weft_rwlock, q);

#define RW_WRITER 1u
#define RW_WAITERS 2u
#define RW_READER_SHIFT 2
#define RW_ONE_READER (1u << RW_READER_SHIFT)
#define RW_READERS(s) ((s) >> RW_READER_SHIFT)

/* w.index: what the waiter wants */
enum { WANT_READ = 0, WANT_WRITE = 1 };

static struct weft_rwlock *impl(weft_rwlock_t *rw)
{
    return (struct weft_rwlock *)(void *)rw;
}

int weft_rwlock_init(weft_rwlock_t *rw)
{
    if (!rw)
        return WEFT_EINVAL;
    weft_rwlock_t z = WEFT_RWLOCK_INIT;
    *rw = z;
    return WEFT_OK;
}

/* Adds `set` and removes `clear` bits, adds `add` (wrapping) to state. */
static void state_update(struct weft_rwlock *rw, unsigned set, unsigned clear, unsigned add)
{
    unsigned s = atomic_load_explicit(&rw->state, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&rw->state, &s, ((s | set) & ~clear) + add,
                                                  memory_order_acq_rel, memory_order_relaxed)) {
    }
}

/* rw->lock held.  Admits waiters from the head while they can be
 * admitted, then makes RW_WAITERS match the queue (invariants 1, 2). */
static void dispatch(struct weft_rwlock *rw)
{
    for (;;) {
        weft_waiter_t *w = rw->q.head;
        if (!w) {
            state_update(rw, 0, RW_WAITERS, 0);
            return;
        }
        unsigned s = atomic_load_explicit(&rw->state, memory_order_relaxed);
        if (w->index == WANT_WRITE) {
            if ((s & RW_WRITER) || RW_READERS(s))
                return;
            weft_waitq_pop(&rw->q);
            if (weft_waiter_claim(w)) {
                state_update(rw, RW_WRITER, 0, 0);
                weft_waiter_resume(w, WEFT_WAKE_OK);
            }
        } else {
            if (s & RW_WRITER)
                return;
            weft_waitq_pop(&rw->q);
            if (weft_waiter_claim(w)) {
                state_update(rw, 0, 0, RW_ONE_READER);
                weft_waiter_resume(w, WEFT_WAKE_OK);
            }
        }
    }
}

static int try_rd(struct weft_rwlock *rw)
{
    unsigned s = atomic_load_explicit(&rw->state, memory_order_relaxed);
    while (!(s & (RW_WRITER | RW_WAITERS))) {
        if (atomic_compare_exchange_weak_explicit(&rw->state, &s, s + RW_ONE_READER,
                                                  memory_order_acquire, memory_order_relaxed))
            return 1;
    }
    return 0;
}

static int try_wr(struct weft_rwlock *rw)
{
    unsigned s = 0;
    return atomic_compare_exchange_strong_explicit(&rw->state, &s, RW_WRITER,
                                                   memory_order_acquire, memory_order_relaxed);
}

/* Step 1 under rw->lock: take it if we may (returns 1, unlocked), else
 * announce a waiter (returns 0, rw->lock held: the caller queues). */
static int take_or_announce(struct weft_rwlock *rw, int want)
{
    weft_spin_lock(&rw->lock);
    for (;;) {
        if (want == WANT_READ ? try_rd(rw) : try_wr(rw)) {
            weft_spin_unlock(&rw->lock);
            return 1;
        }
        unsigned s = atomic_load_explicit(&rw->state, memory_order_relaxed);
        if (s & RW_WAITERS)
            return 0;
        if (want == WANT_READ ? !(s & RW_WRITER) : s == 0)
            continue; /* freed meanwhile: try again */
        if (atomic_compare_exchange_weak_explicit(&rw->state, &s, s | RW_WAITERS,
                                                  memory_order_relaxed, memory_order_relaxed))
            return 0;
    }
}

/* Step 3, timed out or cancelled: unlink; if it was the head, those
 * behind it may be admissible now. */
static void unqueue(struct weft_rwlock *rw, weft_waiter_t *w)
{
    weft_spin_lock(&rw->lock);
    weft_waitq_remove(&rw->q, w);
    dispatch(rw);
    weft_spin_unlock(&rw->lock);
}

/* The contended path of both lock kinds. */
static int lock_slow(struct weft_rwlock *rw, int want, int64_t deadline)
{
    if (take_or_announce(rw, want))
        return WEFT_OK;

    /* 2. enqueue and park */
    weft_waiter_t w;
    weft_waiter_init(&w, want == WANT_READ ? "rwlock read" : "rwlock write", rw);
    w.index = want;
    weft_waitq_push(&rw->q, &w);
    int r = weft_waiter_park(&w, &rw->lock, deadline);
    if (r == WEFT_WAKE_OK)
        return WEFT_OK; /* admitted by dispatch */
    unqueue(rw, &w);
    return r;
}

/* External waiters (wait.h); write: 1 for the write lock, 0 for read. */
int weft_rwlock_lock_ext(struct weft_rwlock *rw, int write, weft_waiter_t *w)
{
    int want = write ? WANT_WRITE : WANT_READ;
    if ((want == WANT_READ ? try_rd(rw) : try_wr(rw)) || take_or_announce(rw, want))
        return WEFT_OK;
    w->index = want;
    weft_waitq_push(&rw->q, w);
    weft_spin_unlock(&rw->lock);
    return WEFT_EXT_PARKED;
}

void weft_rwlock_unqueue_ext(struct weft_rwlock *rw, weft_waiter_t *w)
{
    unqueue(rw, w);
}

int weft_rwlock_rdlock_until(weft_rwlock_t *p, int64_t deadline)
{
    if (!p)
        return WEFT_EINVAL;
    struct weft_rwlock *rw = impl(p);
    if (__builtin_expect(try_rd(rw), 1))
        return WEFT_OK;
    return lock_slow(rw, WANT_READ, deadline < 0 ? -1 : deadline);
}

int weft_rwlock_wrlock_until(weft_rwlock_t *p, int64_t deadline)
{
    if (!p)
        return WEFT_EINVAL;
    struct weft_rwlock *rw = impl(p);
    if (__builtin_expect(try_wr(rw), 1))
        return WEFT_OK;
    return lock_slow(rw, WANT_WRITE, deadline < 0 ? -1 : deadline);
}

int weft_rwlock_rdlock(weft_rwlock_t *rw)
{
    return weft_rwlock_rdlock_until(rw, -1);
}

int weft_rwlock_wrlock(weft_rwlock_t *rw)
{
    return weft_rwlock_wrlock_until(rw, -1);
}

int weft_rwlock_tryrdlock(weft_rwlock_t *rw)
{
    if (!rw)
        return WEFT_EINVAL;
    return try_rd(impl(rw)) ? WEFT_OK : WEFT_EAGAIN;
}

int weft_rwlock_trywrlock(weft_rwlock_t *rw)
{
    if (!rw)
        return WEFT_EINVAL;
    return try_wr(impl(rw)) ? WEFT_OK : WEFT_EAGAIN;
}

int weft_rwlock_rdunlock(weft_rwlock_t *p)
{
    if (!p)
        return WEFT_EINVAL;
    struct weft_rwlock *rw = impl(p);
    unsigned s = atomic_load_explicit(&rw->state, memory_order_relaxed);
    for (;;) {
        if (!RW_READERS(s))
            return WEFT_ESTATE;
        if (s & RW_WAITERS)
            break;
        if (atomic_compare_exchange_weak_explicit(&rw->state, &s, s - RW_ONE_READER,
                                                  memory_order_release, memory_order_relaxed))
            return WEFT_OK;
    }
    /* Slow: someone waits.  Drop our share, then admit whoever can go. */
    weft_spin_lock(&rw->lock);
    s = atomic_load_explicit(&rw->state, memory_order_relaxed);
    int rc = WEFT_ESTATE;
    if (RW_READERS(s)) {
        state_update(rw, 0, 0, (unsigned)-RW_ONE_READER);
        dispatch(rw);
        rc = WEFT_OK;
    }
    weft_spin_unlock(&rw->lock);
    return rc;
}

int weft_rwlock_wrunlock(weft_rwlock_t *p)
{
    if (!p)
        return WEFT_EINVAL;
    struct weft_rwlock *rw = impl(p);
    unsigned s = RW_WRITER;
    if (__builtin_expect(atomic_compare_exchange_strong_explicit(
                             &rw->state, &s, 0, memory_order_release, memory_order_relaxed), 1))
        return WEFT_OK;
    if (!(s & RW_WRITER))
        return WEFT_ESTATE;
    weft_spin_lock(&rw->lock);
    s = atomic_load_explicit(&rw->state, memory_order_relaxed);
    int rc = WEFT_ESTATE;
    if (s & RW_WRITER) {
        state_update(rw, 0, RW_WRITER, 0);
        dispatch(rw);
        rc = WEFT_OK;
    }
    weft_spin_unlock(&rw->lock);
    return rc;
}

int weft_rwlock_unlock(weft_rwlock_t *rw)
{
    if (!rw)
        return WEFT_EINVAL;
    /* A writer excludes readers, so a correct caller holding rw is the
     * writer exactly when WRITER is set. */
    if (atomic_load_explicit(&impl(rw)->state, memory_order_relaxed) & RW_WRITER)
        return weft_rwlock_wrunlock(rw);
    return weft_rwlock_rdunlock(rw);
}

int weft_rwlock_destroy(weft_rwlock_t *p)
{
    if (!p)
        return WEFT_EINVAL;
    struct weft_rwlock *rw = impl(p);
    weft_spin_lock(&rw->lock);
    int busy = atomic_load_explicit(&rw->state, memory_order_relaxed) != 0 ||
               !weft_waitq_empty(&rw->q);
    weft_spin_unlock(&rw->lock);
    return busy ? WEFT_ESTATE : WEFT_OK;
}
