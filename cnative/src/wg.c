/*
 * wg.c - weft_wg_t: Go's WaitGroup.
 *
 * wg->count changes only under wg->lock, together with the queue, so
 * "the count reached zero" and "who was waiting for it" are one atomic
 * step: every waiter queued when the count drops to zero is woken by
 * that add, and a waiter that finds the count zero under the lock never
 * queues.  (Go documents reusing a WaitGroup while a Wait may still be
 * returning as a misuse; here it is simply well defined: a waiter is
 * released by the first zero after it queued.)
 *
 * weft_wg_wait's fast path reads count without the lock: a zero seen
 * there was published by an add under the lock (acquire/release on
 * count), so returning at once is correct.
 */
#include "sync.h"

SYNC_SAME_SIZE(weft_wg_t, weft_wg);
SYNC_SAME_OFFSET(weft_wg_t, count_, weft_wg, count);
SYNC_SAME_OFFSET(weft_wg_t, lock_, weft_wg, lock);
SYNC_SAME_OFFSET(weft_wg_t, q_, weft_wg, q);

static struct weft_wg *impl(weft_wg_t *wg)
{
    return (struct weft_wg *)(void *)wg;
}

int weft_wg_init(weft_wg_t *wg)
{
    if (!wg)
        return WEFT_EINVAL;
    weft_wg_t z = WEFT_WG_INIT;
    *wg = z;
    return WEFT_OK;
}

int weft_wg_add(weft_wg_t *p, int64_t delta)
{
    if (!p)
        return WEFT_EINVAL;
    struct weft_wg *wg = impl(p);
    weft_spin_lock(&wg->lock);
    int64_t c = atomic_load_explicit(&wg->count, memory_order_relaxed);
    int64_t n;
    if (__builtin_add_overflow(c, delta, &n) || n < 0) {
        weft_spin_unlock(&wg->lock);
        return WEFT_EINVAL;
    }
    atomic_store_explicit(&wg->count, n, memory_order_release);
    if (n == 0) {
        weft_waiter_t *w;
        while ((w = weft_waitq_pop(&wg->q)))
            weft_waiter_wake(w, WEFT_WAKE_OK); /* 0: it timed out / was cancelled */
    }
    weft_spin_unlock(&wg->lock);
    return WEFT_OK;
}

int weft_wg_done(weft_wg_t *wg)
{
    return weft_wg_add(wg, -1);
}

/* Both waits: 0 if the count is already 0 (nothing locked), else 1 with
 * wg->lock held and the count still not 0, for the caller to queue. */
static int lock_unless_done(struct weft_wg *wg)
{
    if (atomic_load_explicit(&wg->count, memory_order_acquire) == 0)
        return 0;
    weft_spin_lock(&wg->lock);
    if (atomic_load_explicit(&wg->count, memory_order_relaxed) == 0) {
        weft_spin_unlock(&wg->lock);
        return 0;
    }
    return 1;
}

int weft_wg_wait_until(weft_wg_t *p, int64_t deadline)
{
    if (!p)
        return WEFT_EINVAL;
    struct weft_wg *wg = impl(p);
    if (!lock_unless_done(wg))
        return WEFT_OK;
    weft_waiter_t w;
    weft_waiter_init(&w, "waitgroup", wg);
    weft_waitq_push(&wg->q, &w);
    int r = weft_waiter_park(&w, &wg->lock, deadline < 0 ? -1 : deadline);
    if (r == WEFT_WAKE_OK)
        return WEFT_OK;
    weft_spin_lock(&wg->lock);
    weft_waitq_remove(&wg->q, &w);
    weft_spin_unlock(&wg->lock);
    return r;
}

/* External waiters (wait.h). */
int weft_wg_wait_ext(struct weft_wg *wg, weft_waiter_t *w)
{
    if (!lock_unless_done(wg))
        return WEFT_OK;
    weft_waitq_push(&wg->q, w);
    weft_spin_unlock(&wg->lock);
    return WEFT_EXT_PARKED;
}

void weft_wg_unqueue_ext(struct weft_wg *wg, weft_waiter_t *w)
{
    weft_spin_lock(&wg->lock);
    weft_waitq_remove(&wg->q, w);
    weft_spin_unlock(&wg->lock);
}

int weft_wg_wait(weft_wg_t *wg)
{
    return weft_wg_wait_until(wg, -1);
}

int64_t weft_wg_count(const weft_wg_t *p)
{
    if (!p)
        return 0;
    return atomic_load_explicit(&((struct weft_wg *)(void *)p)->count, memory_order_acquire);
}

int weft_wg_destroy(weft_wg_t *p)
{
    if (!p)
        return WEFT_EINVAL;
    struct weft_wg *wg = impl(p);
    weft_spin_lock(&wg->lock);
    int busy = !weft_waitq_empty(&wg->q);
    weft_spin_unlock(&wg->lock);
    return busy ? WEFT_ESTATE : WEFT_OK;
}
