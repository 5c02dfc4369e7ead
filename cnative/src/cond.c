/*
 * cond.c - weft_cond_t: condition variables over weft_mutex_t.
 *
 * A cond is a FIFO queue of waiters under c->lock; nothing else.
 *
 * weft_cond_wait, in steps:
 *   1. enqueue our waiter under c->lock -- *before* unlocking the mutex,
 *      so a signaller that locks the mutex after we unlock it (and so
 *      sees whatever the predicate's owner changed) finds us queued: no
 *      lost wake-up;
 *   2. unlock the mutex;
 *   3. park (with no lock to release: a signal that won our waiter
 *      before we parked is not lost, wait.h's park handles a waiter
 *      already won);
 *   4. on timeout or cancellation, unlink ourselves under c->lock (a
 *      no-op if a signaller popped us; its wake then lost to ours and it
 *      went on to the next waiter, so its signal is not lost either);
 *   5. relock the mutex -- not cancellable, so the caller always gets the
 *      mutex back, as pthreads and Java's Condition promise.
 *
 * Signal pops waiters until one is won (skipping those a timeout or a
 * cancellation already won); broadcast wakes every queued waiter.
 * Lock order: c->lock is never held while taking a mutex's lock.
 */
#include "sync.h"

SYNC_SAME_SIZE(weft_cond_t, weft_cond);
SYNC_SAME_OFFSET(weft_cond_t, lock_, weft_cond, lock);
SYNC_SAME_OFFSET(weft_cond_t, q_, weft_cond, q);

static struct weft_cond *impl(weft_cond_t *c)
{
    return (struct weft_cond *)(void *)c;
}

int weft_cond_init(weft_cond_t *c)
{
    if (!c)
        return WEFT_EINVAL;
    weft_cond_t z = WEFT_COND_INIT;
    *c = z;
    return WEFT_OK;
}

/* c->lock held: wakes the first waiter that can still be woken.
 * Returns 1 if one was. */
static int signal_one(struct weft_cond *c)
{
    weft_waiter_t *w;
    while ((w = weft_waitq_pop(&c->q)))
        if (weft_waiter_wake(w, WEFT_WAKE_OK))
            return 1;
    return 0;
}

int weft_cond_wait_until(weft_cond_t *cp, weft_mutex_t *m, int64_t deadline)
{
    if (!cp || !m)
        return WEFT_EINVAL;
    struct weft_cond *c = impl(cp);

    /* 1. enqueue, mutex still held */
    weft_waiter_t w;
    weft_waiter_init(&w, "cond", c);
    weft_spin_lock(&c->lock);
    weft_waitq_push(&c->q, &w);
    weft_spin_unlock(&c->lock);

    /* 2. unlock the mutex */
    int r = weft_mutex_unlock(m);
    if (r != WEFT_OK) {
        /* m was not locked: undo.  If a signal already took us off the
         * queue (it won w: nobody else can before we park), pass it on. */
        weft_spin_lock(&c->lock);
        if (w.queued)
            weft_waitq_remove(&c->q, &w);
        else
            signal_one(c);
        weft_spin_unlock(&c->lock);
        return r;
    }

    /* 3. park until signalled, timed out or cancelled */
    r = weft_waiter_park(&w, NULL, deadline < 0 ? -1 : deadline);

    /* 4. not signalled: leave the queue */
    if (r != WEFT_WAKE_OK) {
        weft_spin_lock(&c->lock);
        weft_waitq_remove(&c->q, &w);
        weft_spin_unlock(&c->lock);
    }

    /* 5. relock, whatever happened */
    weft_mutex_lock_nocancel((struct weft_mutex *)(void *)m);
    return r == WEFT_WAKE_OK ? WEFT_OK : r;
}

/* External waiters (wait.h): steps 1 and 2 above.  WEFT_EXT_PARKED:
 * w is queued and m unlocked; the owner relocks m itself once w was won
 * (by a signal, or by its own abort after weft_cond_unqueue_ext). */
int weft_cond_wait_ext(struct weft_cond *c, weft_mutex_t *m, weft_waiter_t *w)
{
    weft_spin_lock(&c->lock);
    weft_waitq_push(&c->q, w);
    weft_spin_unlock(&c->lock);
    int r = weft_mutex_unlock(m);
    if (r != WEFT_OK) {
        weft_spin_lock(&c->lock);
        if (w->queued) {
            weft_waitq_remove(&c->q, w);
        } else {
            /* a signal won w already: its notify has run or will; pass
             * the signal on, the owner sees the error and ignores it */
            signal_one(c);
        }
        weft_spin_unlock(&c->lock);
        return r;
    }
    return WEFT_EXT_PARKED;
}

void weft_cond_unqueue_ext(struct weft_cond *c, weft_waiter_t *w)
{
    weft_spin_lock(&c->lock);
    weft_waitq_remove(&c->q, w);
    weft_spin_unlock(&c->lock);
}

int weft_cond_wait(weft_cond_t *c, weft_mutex_t *m)
{
    return weft_cond_wait_until(c, m, -1);
}

int weft_cond_signal(weft_cond_t *cp)
{
    if (!cp)
        return WEFT_EINVAL;
    struct weft_cond *c = impl(cp);
    /* Nobody queued: nothing to do.  A waiter enqueues before it unlocks
     * the mutex, so a signaller that changed the predicate under that
     * mutex sees it here (c->lock's release/acquire orders the push). */
    weft_spin_lock(&c->lock);
    signal_one(c);
    weft_spin_unlock(&c->lock);
    return WEFT_OK;
}

int weft_cond_broadcast(weft_cond_t *cp)
{
    if (!cp)
        return WEFT_EINVAL;
    struct weft_cond *c = impl(cp);
    weft_spin_lock(&c->lock);
    weft_waiter_t *w;
    while ((w = weft_waitq_pop(&c->q)))
        weft_waiter_wake(w, WEFT_WAKE_OK);
    weft_spin_unlock(&c->lock);
    return WEFT_OK;
}

int weft_cond_destroy(weft_cond_t *cp)
{
    if (!cp)
        return WEFT_EINVAL;
    struct weft_cond *c = impl(cp);
    weft_spin_lock(&c->lock);
    int busy = !weft_waitq_empty(&c->q);
    weft_spin_unlock(&c->lock);
    return busy ? WEFT_ESTATE : WEFT_OK;
}
