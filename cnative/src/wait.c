/*
 * wait.c - waiters and wait queues: the blocking protocol of wait.h.
 *
 * The hazard every function here avoids: the moment a waiter's state
 * leaves WEFT_WAIT_PENDING, its owner may return and its memory (it
 * lives on the owner's stack) may be reused.  So a waker reads what it
 * needs to resume the party (co, parker, notify) *before* the store or
 * compare-and-swap that publishes the outcome, and never touches the
 * waiter afterwards.  What it resumes through outlives the waiter: a
 * coroutine record is freed only after its body returned, a thread's
 * parker only at thread exit.
 */
#include "runtime.h"

static void init_common(weft_waiter_t *w, const char *what, void *obj)
{
    atomic_init(&w->state, WEFT_WAIT_PENDING);
    w->notify = NULL;
    w->token = NULL;
    w->next = w->prev = NULL;
    w->queued = 0;
    w->elem = NULL;
    w->index = 0;
    w->obj = obj;
    w->what = what;
    w->shared = NULL;
    w->nocancel = 0;
    w->timer.deadline = -1;
    w->timer.index = -1;
    w->timer.heap = NULL;
    w->timer.waiter = w;
}

void weft_waiter_init(weft_waiter_t *w, const char *what, void *obj)
{
    init_common(w, what, obj);
    w->co = weft_co_current();
    w->kind = w->co ? WEFT_WAITER_CO : WEFT_WAITER_THREAD;
    /* set before the waiter can be seen by anyone (wakers capture it) */
    w->parker = w->co ? NULL : weft_parker_self();
}

_Atomic(weft_hand_back_fn) weft_hand_back;

void weft_waiter_set_hand_back(weft_hand_back_fn fn)
{
    atomic_store_explicit(&weft_hand_back, fn, memory_order_relaxed);
}

void weft_waiter_init_external(weft_waiter_t *w, const char *what, void *obj,
                               void (*notify)(weft_waiter_t *w, int reason), void *token)
{
    init_common(w, what, obj);
    w->kind = WEFT_WAITER_EXTERNAL;
    w->co = NULL;
    w->parker = NULL;
    w->notify = notify;
    w->token = token;
}

/* Resumes the party behind a waiter whose outcome the caller is about to
 * publish: captured before publishing, used after (file comment). */
struct party {
    int kind;
    struct weft_co *co;
    struct weft_parker *parker;
    void (*notify)(weft_waiter_t *, int);
    weft_waiter_t *w;
};

static inline struct party capture(weft_waiter_t *w)
{
    /* only what the kind needs: an external waiter's co and parker sit
     * on a line its waker need not read (wait.h) */
    struct party p = { w->kind, NULL, NULL, NULL, w };
    if (p.kind == WEFT_WAITER_EXTERNAL)
        p.notify = w->notify;
    else if (p.kind == WEFT_WAITER_CO)
        p.co = w->co;
    else
        p.parker = w->parker;
    return p;
}

static void resume_party(struct party p, int reason)
{
    switch (p.kind) {
    case WEFT_WAITER_CO:
        weft_co_ready(p.co);
        break;
    case WEFT_WAITER_THREAD:
        weft_parker_unpark(p.parker);
        break;
    case WEFT_WAITER_EXTERNAL:
        /* the external waiter's memory is its owner's business; by
         * contract it stays valid until notify has run */
        p.notify(p.w, reason);
        break;
    }
}

int weft_waiter_wake(weft_waiter_t *w, int reason)
{
    struct party p = capture(w);
    int expect = WEFT_WAIT_PENDING;
    if (!atomic_compare_exchange_strong_explicit(&w->state, &expect, reason,
                                                 memory_order_acq_rel, memory_order_acquire))
        return 0;
    resume_party(p, reason);
    return 1;
}

int weft_waiter_claim(weft_waiter_t *w)
{
    int expect = WEFT_WAIT_PENDING;
    return atomic_compare_exchange_strong_explicit(&w->state, &expect, WEFT_WAIT_CLAIMED,
                                                   memory_order_acq_rel, memory_order_acquire);
}

void weft_waiter_resume(weft_waiter_t *w, int reason)
{
    struct party p = capture(w);
    atomic_store_explicit(&w->state, reason, memory_order_release);
    resume_party(p, reason);
}

static int settled(weft_waiter_t *w)
{
    return weft_wait_settled(atomic_load_explicit(&w->state, memory_order_acquire));
}

int weft_waiter_park(weft_waiter_t *w, weft_spin_t *unlock, int64_t deadline)
{
    struct weft_co *co = w->co;
    if (w->kind == WEFT_WAITER_CO) {
        /* Publish what we block on, so weft_cancel can wake it (it reads
         * it once we are parked and pinned: sched.c, "pinning"); a
         * cancellation requested earlier wins right away. */
        atomic_store_explicit(&co->blocked, w, memory_order_relaxed);
        int canceled = atomic_load_explicit(&co->canceled, memory_order_relaxed);
        if (canceled && !w->nocancel)
            weft_waiter_wake(w, WEFT_ECANCELED); /* loses if already won: fine */
        if (deadline >= 0 && !settled(w)) {
            if (deadline <= weft_now())
                weft_waiter_wake(w, WEFT_ETIMEDOUT);
            else
                weft_timer_arm(w, deadline);
        }
        /* Parks even if already settled: the winner has called (or will
         * call) weft_co_ready, which the park handshake turns into an
         * immediate requeue.  One code path, no lost wake-up. */
        weft_co_park(unlock);
        weft_timer_disarm(w);
        atomic_store_explicit(&co->blocked, NULL, memory_order_relaxed);
    } else if (w->kind == WEFT_WAITER_THREAD) {
        if (unlock)
            weft_spin_unlock(unlock);
        while (!settled(w)) {
            if (deadline >= 0 && weft_now() >= deadline) {
                if (weft_waiter_wake(w, WEFT_ETIMEDOUT))
                    break;
                continue; /* someone won meanwhile; wait for its final state */
            }
            weft_parker_wait(w->parker, deadline);
        }
    } else {
        /* external waiters do not park here; their owner waits */
        if (unlock)
            weft_spin_unlock(unlock);
        return WEFT_EINVAL;
    }
    return atomic_load_explicit(&w->state, memory_order_acquire);
}

/* ---- wait queues ------------------------------------------------------- */

void weft_waitq_push(weft_waitq_t *q, weft_waiter_t *w)
{
    w->next = NULL;
    w->prev = q->tail;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    w->queued = 1;
}

void weft_waitq_push_front(weft_waitq_t *q, weft_waiter_t *w)
{
    w->prev = NULL;
    w->next = q->head;
    if (q->head)
        q->head->prev = w;
    else
        q->tail = w;
    q->head = w;
    w->queued = 1;
}

void weft_waitq_remove(weft_waitq_t *q, weft_waiter_t *w)
{
    if (!w->queued)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else
        q->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    w->next = w->prev = NULL;
    w->queued = 0;
}

weft_waiter_t *weft_waitq_pop(weft_waitq_t *q)
{
    weft_waiter_t *w = q->head;
    if (w)
        weft_waitq_remove(q, w);
    return w;
}
