/*
 * netpoll.c - readiness records and the poller's hooks into the scheduler
 * (the protocol: netpoll.h).
 *
 * This file sits above the kernel (runtime.h): the scheduler calls the
 * poller only through the hooks registered here by weft_poll_start, so a
 * program that never touches a socket runs no poller code at all, and
 * the core's one circle of calls stays the kernel.
 */
#include "netpoll.h"

#include "os/os.h"
#include "runtime.h"

#include <stdlib.h>

static void dispatch(void *tag, int events)
{
    weft_pd_ready(tag, events);
}

static int hook_poll(int64_t timeout_ns)
{
    return weft_os_poller_wait(timeout_ns, dispatch);
}

/* ---- the pool of records (type-stable: netpoll.h) -------------------------- */

#define PD_CHUNK 64

struct pd_chunk {
    struct pd_chunk *next;
    weft_pd_t pd[PD_CHUNK];
};

static weft_spin_t pool_lock = WEFT_SPIN_INIT;
static struct pd_chunk *chunks;   /* every record ever made, for hook_abandon */
static weft_pd_t *free_pds;

weft_pd_t *weft_pd_alloc(int oneshot)
{
    weft_spin_lock(&pool_lock);
    if (!free_pds) {
        struct pd_chunk *c = calloc(1, sizeof *c); /* zeroed: unlocked locks, empty queues */
        if (!c) {
            weft_spin_unlock(&pool_lock);
            return NULL;
        }
        c->next = chunks;
        chunks = c;
        for (int i = PD_CHUNK - 1; i >= 0; i--) {
            c->pd[i].free_next = free_pds;
            free_pds = &c->pd[i];
        }
    }
    weft_pd_t *pd = free_pds;
    free_pds = pd->free_next;
    weft_spin_unlock(&pool_lock);
    /* under its own lock: a stale dispatcher may hold it right now */
    weft_spin_lock(&pd->lock);
    pd->closing = 0;
    pd->ready[0] = pd->ready[1] = 0;
    pd->q[0].head = pd->q[0].tail = pd->q[1].head = pd->q[1].tail = NULL;
    pd->oneshot = oneshot;
    pd->revents = 0;
    weft_spin_unlock(&pd->lock);
    return pd;
}

void weft_pd_free(weft_pd_t *pd)
{
    /* closed: a stale event finds `closing` and no waiter */
    weft_spin_lock(&pd->lock);
    pd->closing = 1;
    weft_spin_unlock(&pd->lock);
    weft_spin_lock(&pool_lock);
    pd->free_next = free_pds;
    free_pds = pd;
    weft_spin_unlock(&pool_lock);
}

/* weft_shutdown (runtime.h): coroutines' waiters are dropped (their
 * stacks are about to go), plain threads' waits end. */
static void forget(weft_waitq_t *q)
{
    weft_waiter_t *w;
    while ((w = weft_waitq_pop(q)))
        if (w->kind != WEFT_WAITER_CO)
            weft_waiter_wake(w, WEFT_WAKE_CLOSED);
}

static void hook_abandon(void)
{
    weft_spin_lock(&pool_lock);
    for (struct pd_chunk *c = chunks; c; c = c->next)
        for (int i = 0; i < PD_CHUNK; i++) {
            weft_pd_t *pd = &c->pd[i];
            weft_spin_lock(&pd->lock);
            forget(&pd->q[0]);
            forget(&pd->q[1]);
            weft_spin_unlock(&pd->lock);
        }
    weft_spin_unlock(&pool_lock);
}

static const weft_poller_ops_t hooks = { hook_poll, weft_os_poller_wake, hook_abandon };

/* ---- the OS error behind WEFT_ESYS ---------------------------------------- */

static _Thread_local int thread_os_error; /* plain threads' */

int weft_poll_sys_error(int oserr)
{
    struct weft_co *co = weft_co_current();
    if (co)
        co->os_error = oserr; /* the coroutine's own: it may move to another thread */
    else
        thread_os_error = oserr;
    return WEFT_ESYS;
}

int weft_os_error(void)
{
    struct weft_co *co = weft_co_current();
    return co ? co->os_error : thread_os_error;
}

int weft_poll_start(void)
{
    /* 0: not yet; 1: opening; 2: open; < 0: failed (the result, kept) */
    static _Atomic int state;
    /* the runtime every time: it may have been shut down and the poller
     * kept (waits on sockets need a worker to poll) */
    int r = weft_runtime_start();
    if (r != WEFT_OK)
        return r;
    int s = atomic_load_explicit(&state, memory_order_acquire);
    if (s == 2)
        return WEFT_OK;
    if (s < 0)
        return s;
    int zero = 0;
    if (atomic_compare_exchange_strong(&state, &zero, 1)) {
        r = weft_os_poller_open();
        if (r != WEFT_OK)
            r = weft_poll_sys_error(weft_os_last_error());
        else
            weft_sched_set_poller(&hooks);
        atomic_store_explicit(&state, r == WEFT_OK ? 2 : r, memory_order_release);
        return r;
    }
    while ((s = atomic_load_explicit(&state, memory_order_acquire)) == 1)
        weft_os_yield(); /* another thread is opening it: a few system calls */
    return s == 2 ? WEFT_OK : s;
}

int weft_pd_wait(weft_pd_t *pd, int dir, int64_t deadline, const char *what, void *obj)
{
    if (pd->oneshot)
        dir = WEFT_PD_READ;
    int started = weft_runtime_start(); /* a worker must poll (one load, once started) */
    if (started != WEFT_OK)
        return started;
    /* Counted before the lock: the count may start a poller (a futex
     * wake), which is no business of a spinlock holder.  Counting a
     * wait that then does not happen only costs a poll. */
    weft_sched_io_wait(1);
    weft_spin_lock(&pd->lock);
    if (pd->closing) {
        weft_spin_unlock(&pd->lock);
        weft_sched_io_wait(-1);
        return WEFT_ECLOSED;
    }
    if (pd->oneshot ? pd->revents != 0 : pd->ready[dir]) {
        /* an edge came while nobody waited: it may be for bytes the
         * failed call just missed (netpoll.h); a one-shot record's event
         * may come between its registration and this wait */
        if (!pd->oneshot)
            pd->ready[dir] = 0;
        weft_spin_unlock(&pd->lock);
        weft_sched_io_wait(-1);
        return WEFT_OK;
    }
    weft_waiter_t w;
    weft_waiter_init(&w, what, obj);
    weft_waitq_push(&pd->q[dir], &w);
    int r = weft_waiter_park(&w, &pd->lock, deadline);
    weft_sched_io_wait(-1);
    switch (r) {
    case WEFT_WAKE_OK:
    case WEFT_WAKE_RETRY:
        return WEFT_OK;
    case WEFT_WAKE_CLOSED:
        return WEFT_ECLOSED;
    default: /* WEFT_ETIMEDOUT, WEFT_ECANCELED: it may still be queued */
        weft_spin_lock(&pd->lock);
        weft_waitq_remove(&pd->q[dir], &w);
        weft_spin_unlock(&pd->lock);
        return r;
    }
}

int weft_pd_wait_ext(weft_pd_t *pd, int dir, weft_waiter_t *w)
{
    int started = weft_runtime_start();
    if (started != WEFT_OK)
        return started;
    weft_sched_io_wait(1);
    weft_spin_lock(&pd->lock);
    int r = WEFT_EXT_PARKED;
    if (pd->closing) {
        r = WEFT_ECLOSED;
    } else if (pd->ready[dir]) {
        pd->ready[dir] = 0;
        r = WEFT_OK;
    } else {
        weft_waitq_push(&pd->q[dir], w);
    }
    weft_spin_unlock(&pd->lock);
    if (r != WEFT_EXT_PARKED)
        weft_sched_io_wait(-1);
    return r;
}

void weft_pd_ext_end(weft_pd_t *pd, int dir, weft_waiter_t *w)
{
    weft_spin_lock(&pd->lock);
    weft_waitq_remove(&pd->q[dir], w); /* no-op if a waker popped it */
    weft_spin_unlock(&pd->lock);
    weft_sched_io_wait(-1);
}

/* Wakes every waiter of q for `reason`; 1 if any was won. */
static int wake_all(weft_waitq_t *q, int reason)
{
    int won = 0;
    weft_waiter_t *w;
    while ((w = weft_waitq_pop(q)))
        won |= weft_waiter_wake(w, reason); /* 0: its deadline or a cancel won */
    return won;
}

void weft_pd_ready(weft_pd_t *pd, int events)
{
    weft_spin_lock(&pd->lock);
    if (pd->oneshot) {
        pd->revents |= events;
        wake_all(&pd->q[0], WEFT_WAKE_OK);
    } else {
        /* All of a direction's waiters retry: the edge may carry enough
         * for each (a listener's backlog, a large write window); those
         * that find nothing wait again.  An edge nobody took is kept. */
        if ((events & WEFT_READABLE) && !wake_all(&pd->q[WEFT_PD_READ], WEFT_WAKE_RETRY))
            pd->ready[WEFT_PD_READ] = 1;
        if ((events & WEFT_WRITABLE) && !wake_all(&pd->q[WEFT_PD_WRITE], WEFT_WAKE_RETRY))
            pd->ready[WEFT_PD_WRITE] = 1;
    }
    weft_spin_unlock(&pd->lock);
}

void weft_pd_close(weft_pd_t *pd)
{
    weft_spin_lock(&pd->lock);
    pd->closing = 1;
    wake_all(&pd->q[0], WEFT_WAKE_CLOSED);
    wake_all(&pd->q[1], WEFT_WAKE_CLOSED);
    weft_spin_unlock(&pd->lock);
}
