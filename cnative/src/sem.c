/*
 * sem.c - weft_sem_t: a counting semaphore with FIFO hand-off.
 *
 * s->count:
 *   >= 0         free permits; nobody queued;
 *   SEM_WAITERS  no free permit, and the queue may be non-empty: release
 *                must take the slow path.
 *
 * Invariants (with s->lock held, between operations):
 *   1. queue non-empty  =>  count == SEM_WAITERS (no permit lies free
 *      while someone waits: release hands it to the first waiter).
 *   2. count == SEM_WAITERS  =>  queue non-empty (a waiter leaving an
 *      emptied queue, and release, reset it to 0 / 1).
 *
 * Fast paths (no s->lock): acquire CASes count -> count - 1 while it is
 * positive; release CASes count -> count + 1 while it is >= 0.  A party
 * about to queue CASes 0 -> SEM_WAITERS under s->lock, so a racing fast
 * release either lands first (and the party takes that permit) or fails
 * and goes slow.  Newcomers cannot take a permit past a waiter: while
 * anyone waits there is no free permit to take.
 *
 * Hand-off against timeout/cancellation: the slow release wins a waiter
 * with weft_waiter_wake(OK) (the permit is the payload; nothing to fill
 * in), or, losing, tries the next one; the permit is never lost: if no
 * waiter can take it, it becomes free.
 */
#include "sync.h"

SYNC_SAME_SIZE(weft_sem_t, weft_sem);
SYNC_SAME_OFFSET(weft_sem_t, count_, weft_sem, count);
SYNC_SAME_OFFSET(weft_sem_t, lock_, weft_sem, lock);
SYNC_SAME_OFFSET(weft_sem_t, q_, weft_sem, q);

#define SEM_WAITERS ((int64_t)-1)

static struct weft_sem *impl(weft_sem_t *s)
{
    return (struct weft_sem *)(void *)s;
}

int weft_sem_init(weft_sem_t *s, int64_t count)
{
    if (!s || count < 0)
        return WEFT_EINVAL;
    weft_sem_t z = WEFT_SEM_INIT(count);
    *s = z;
    return WEFT_OK;
}

static int try_take(struct weft_sem *s)
{
    int64_t c = atomic_load_explicit(&s->count, memory_order_relaxed);
    while (c > 0) {
        if (atomic_compare_exchange_weak_explicit(&s->count, &c, c - 1,
                                                  memory_order_acquire, memory_order_relaxed))
            return 1;
    }
    return 0;
}

/* Step 1 under s->lock: take a permit (returns 1, unlocked), or
 * announce a waiter (returns 0, s->lock held: the caller queues). */
static int take_or_announce(struct weft_sem *s)
{
    weft_spin_lock(&s->lock);
    for (;;) {
        if (try_take(s)) {
            weft_spin_unlock(&s->lock);
            return 1;
        }
        int64_t c = 0;
        if (atomic_compare_exchange_weak_explicit(&s->count, &c, SEM_WAITERS,
                                                  memory_order_relaxed, memory_order_relaxed) ||
            c == SEM_WAITERS)
            return 0;
    }
}

/* Step 3, timed out or cancelled: unlink; restore invariant 2. */
static void unqueue(struct weft_sem *s, weft_waiter_t *w)
{
    weft_spin_lock(&s->lock);
    weft_waitq_remove(&s->q, w);
    if (weft_waitq_empty(&s->q)) {
        int64_t c = SEM_WAITERS;
        atomic_compare_exchange_strong_explicit(&s->count, &c, 0,
                                                memory_order_relaxed, memory_order_relaxed);
    }
    weft_spin_unlock(&s->lock);
}

int weft_sem_acquire_until(weft_sem_t *p, int64_t deadline)
{
    if (!p)
        return WEFT_EINVAL;
    struct weft_sem *s = impl(p);
    if (__builtin_expect(try_take(s), 1) || take_or_announce(s))
        return WEFT_OK;

    /* 2. enqueue and park */
    weft_waiter_t w;
    weft_waiter_init(&w, "sem", s);
    weft_waitq_push(&s->q, &w);
    int r = weft_waiter_park(&w, &s->lock, deadline < 0 ? -1 : deadline);
    if (r == WEFT_WAKE_OK)
        return WEFT_OK; /* a permit was handed to us */
    unqueue(s, &w);
    return r;
}

/* External waiters (wait.h). */
int weft_sem_acquire_ext(struct weft_sem *s, weft_waiter_t *w)
{
    if (try_take(s) || take_or_announce(s))
        return WEFT_OK;
    weft_waitq_push(&s->q, w);
    weft_spin_unlock(&s->lock);
    return WEFT_EXT_PARKED;
}

void weft_sem_unqueue_ext(struct weft_sem *s, weft_waiter_t *w)
{
    unqueue(s, w);
}

int weft_sem_acquire(weft_sem_t *s)
{
    return weft_sem_acquire_until(s, -1);
}

int weft_sem_try_acquire(weft_sem_t *s)
{
    if (!s)
        return WEFT_EINVAL;
    return try_take(impl(s)) ? WEFT_OK : WEFT_EAGAIN;
}

int weft_sem_release(weft_sem_t *p)
{
    if (!p)
        return WEFT_EINVAL;
    struct weft_sem *s = impl(p);
    for (;;) {
        int64_t c = atomic_load_explicit(&s->count, memory_order_relaxed);
        while (c >= 0) {
            if (c == INT64_MAX)
                return WEFT_EINVAL;
            if (atomic_compare_exchange_weak_explicit(&s->count, &c, c + 1,
                                                      memory_order_release, memory_order_relaxed))
                return WEFT_OK;
        }
        weft_spin_lock(&s->lock);
        if (atomic_load_explicit(&s->count, memory_order_relaxed) == SEM_WAITERS)
            break;
        /* the last waiter left meanwhile (count reset): fast path again */
        weft_spin_unlock(&s->lock);
    }

    /* Slow, s->lock held, count SEM_WAITERS: hand the permit to the first
     * waiter that can still take it. */
    weft_waiter_t *w;
    int handed = 0;
    while (!handed && (w = weft_waitq_pop(&s->q)))
        handed = weft_waiter_wake(w, WEFT_WAKE_OK); /* 0: it timed out or was cancelled */
    /* count is SEM_WAITERS here, and only s->lock holders change it while
     * it is: a plain store is safe.  The permit went to a waiter, or, if
     * none could take it, it becomes free (the queue is empty then). */
    if (!handed)
        atomic_store_explicit(&s->count, 1, memory_order_release);
    else if (weft_waitq_empty(&s->q))
        atomic_store_explicit(&s->count, 0, memory_order_relaxed);
    weft_spin_unlock(&s->lock);
    return WEFT_OK;
}

int64_t weft_sem_value(const weft_sem_t *p)
{
    if (!p)
        return 0;
    int64_t c = atomic_load_explicit(&((struct weft_sem *)(void *)p)->count, memory_order_relaxed);
    return c < 0 ? 0 : c;
}

int weft_sem_destroy(weft_sem_t *p)
{
    if (!p)
        return WEFT_EINVAL;
    struct weft_sem *s = impl(p);
    weft_spin_lock(&s->lock);
    int busy = !weft_waitq_empty(&s->q);
    weft_spin_unlock(&s->lock);
    return busy ? WEFT_ESTATE : WEFT_OK;
}
