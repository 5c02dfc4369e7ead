/*
 * once.c - weft_once_t: run a function exactly once.
 *
 * once->state: ONCE_NEW -> ONCE_RUNNING (under once->lock, by the one
 * caller that will run fn) -> ONCE_DONE (under once->lock, after fn
 * returned, waking every queued caller).  Callers that find RUNNING
 * queue and park; they are woken only by the DONE transition, since the
 * wait is not cancellable (nocancel) and has no deadline: so WEFT_OK from
 * weft_once_do always means fn has returned.
 *
 * Fast path: an acquire load that sees ONCE_DONE; the release store of
 * DONE orders everything fn did before it.
 *
 * once->runner names the party running fn (its coroutine, or its
 * thread's parker) so that a recursive call from fn is refused with
 * WEFT_EDEADLK instead of hanging.
 */
#include "sync.h"

SYNC_SAME_SIZE(weft_once_t, weft_once);
SYNC_SAME_OFFSET(weft_once_t, state_, weft_once, state);
SYNC_SAME_OFFSET(weft_once_t, lock_, weft_once, lock);
SYNC_SAME_OFFSET(weft_once_t, q_, weft_once, q);
SYNC_SAME_OFFSET(weft_once_t, runner_, weft_once, runner);

enum { ONCE_NEW = 0, ONCE_RUNNING = 1, ONCE_DONE = 2 };

static void *self_id(void)
{
    struct weft_co *co = weft_co_current();
    return co ? (void *)co : (void *)weft_parker_self();
}

int weft_once_do(weft_once_t *p, void (*fn)(void *), void *arg)
{
    if (!p || !fn)
        return WEFT_EINVAL;
    struct weft_once *o = (struct weft_once *)(void *)p;
    if (__builtin_expect(atomic_load_explicit(&o->state, memory_order_acquire) == ONCE_DONE, 1))
        return WEFT_OK;

    void *me = self_id();
    weft_spin_lock(&o->lock);
    int s = atomic_load_explicit(&o->state, memory_order_relaxed);
    if (s == ONCE_NEW) {
        /* we run fn */
        atomic_store_explicit(&o->state, ONCE_RUNNING, memory_order_relaxed);
        o->runner = me;
        weft_spin_unlock(&o->lock);

        fn(arg);

        weft_spin_lock(&o->lock);
        o->runner = NULL;
        atomic_store_explicit(&o->state, ONCE_DONE, memory_order_release);
        weft_waiter_t *w;
        while ((w = weft_waitq_pop(&o->q)))
            weft_waiter_wake(w, WEFT_WAKE_OK);
        weft_spin_unlock(&o->lock);
        return WEFT_OK;
    }
    if (s == ONCE_DONE) {
        weft_spin_unlock(&o->lock);
        return WEFT_OK;
    }
    if (o->runner == me) {
        weft_spin_unlock(&o->lock);
        return WEFT_EDEADLK; /* fn calling weft_once_do on its own once */
    }
    weft_waiter_t w;
    weft_waiter_init(&w, "once", o);
    w.nocancel = 1;
    weft_waitq_push(&o->q, &w);
    weft_waiter_park(&w, &o->lock, -1); /* only the DONE transition wins it */
    return WEFT_OK;
}
