/*
 * timer.c - deadlines of coroutine waiters: a binary min-heap per worker.
 *
 * A waiter with a deadline is armed on the heap of the worker its
 * coroutine runs on when it blocks.  That worker's scheduler loop fires
 * expired entries (and sleeps no longer than the earliest one when idle).
 *
 * Invariant that makes firing safe: an entry is woken *under the heap
 * lock*, and the coroutine disarms (takes the same lock) after every
 * wake-up, whoever won.  So once disarm returns, no worker is touching
 * the waiter, and the coroutine may reuse the stack it lives on.
 */
#include "runtime.h"

#include <stdlib.h>

static void swap_at(weft_worker_t *wk, int i, int j)
{
    weft_timer_t *a = wk->timers[i], *b = wk->timers[j];
    wk->timers[i] = b;
    wk->timers[j] = a;
    b->index = i;
    a->index = j;
}

static void sift_up(weft_worker_t *wk, int i)
{
    while (i > 0) {
        int p = (i - 1) / 2;
        if (wk->timers[p]->deadline <= wk->timers[i]->deadline)
            break;
        swap_at(wk, i, p);
        i = p;
    }
}

static void sift_down(weft_worker_t *wk, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < wk->ntimers && wk->timers[l]->deadline < wk->timers[m]->deadline)
            m = l;
        if (r < wk->ntimers && wk->timers[r]->deadline < wk->timers[m]->deadline)
            m = r;
        if (m == i)
            return;
        swap_at(wk, i, m);
        i = m;
    }
}

static void remove_at(weft_worker_t *wk, int i)
{
    int last = --wk->ntimers;
    wk->timers[i]->index = -1;
    if (i != last) {
        wk->timers[i] = wk->timers[last];
        wk->timers[i]->index = i;
        sift_down(wk, i);
        sift_up(wk, i);
    }
}

static void publish_next(weft_worker_t *wk)
{
    atomic_store_explicit(&wk->next_deadline, wk->ntimers ? wk->timers[0]->deadline : INT64_MAX,
                          memory_order_release);
}

void weft_timer_arm(weft_waiter_t *w, int64_t deadline)
{
    weft_worker_t *wk = weft_worker_current();
    weft_timer_t *t = &w->timer;
    t->deadline = deadline;
    weft_spin_lock(&wk->timer_lock);
    if (wk->ntimers == wk->timer_cap) {
        int cap = wk->timer_cap ? wk->timer_cap * 2 : 64;
        weft_timer_t **n = realloc(wk->timers, (size_t)cap * sizeof *n);
        if (!n) {
            /* cannot wait with a deadline: time out now rather than hang */
            weft_spin_unlock(&wk->timer_lock);
            weft_waiter_wake(w, WEFT_ETIMEDOUT);
            return;
        }
        wk->timers = n;
        wk->timer_cap = cap;
    }
    t->heap = wk;
    t->index = wk->ntimers++;
    wk->timers[t->index] = t;
    sift_up(wk, t->index);
    publish_next(wk);
    weft_spin_unlock(&wk->timer_lock);
}

void weft_timer_disarm(weft_waiter_t *w)
{
    weft_timer_t *t = &w->timer;
    weft_worker_t *wk = t->heap;
    if (!wk)
        return;
    weft_spin_lock(&wk->timer_lock);
    if (t->index >= 0) {
        remove_at(wk, t->index);
        publish_next(wk);
    }
    weft_spin_unlock(&wk->timer_lock);
    t->heap = NULL;
}

void weft_timers_run(weft_worker_t *wk, int64_t now)
{
    weft_spin_lock(&wk->timer_lock);
    while (wk->ntimers && wk->timers[0]->deadline <= now) {
        weft_timer_t *t = wk->timers[0];
        remove_at(wk, 0);
        weft_waiter_wake(t->waiter, WEFT_ETIMEDOUT); /* loses if data/cancel won */
    }
    publish_next(wk);
    weft_spin_unlock(&wk->timer_lock);
}

void weft_timers_free(weft_worker_t *wk)
{
    free(wk->timers);
    wk->timers = NULL;
    wk->ntimers = wk->timer_cap = 0;
}
