/*
 * select.c - weft_select: wait on any mix of channel sends and receives
 * (weft.h), the passes of Go's selectgo.
 *
 * One select blocks once, however many cases it has.  It parks on its own
 * waiter `sel`, which no queue ever holds, and enqueues one case waiter
 * per non-NULL case, each with shared = &sel and index = the case.  A
 * waker (send, recv or close on a channel, or another select's pass 3)
 * that pops a case waiter claims *sel*, not the case waiter
 * (chan_target, chan.h).  Timers and weft_cancel race on sel itself:
 * weft_waiter_park registers sel as what the coroutine blocks on.
 *
 * Why exactly one case wins: sel.state leaves WEFT_WAIT_PENDING by one
 * successful compare-and-swap (weft_waiter_claim, or weft_waiter_wake
 * for a timeout/cancel), and every party that could complete a case
 * must win that CAS first.  The winner of a case records sel.index =
 * the case, fills that case's elem, then publishes the outcome with
 * weft_waiter_resume (release); the select reads both after park
 * returns (acquire).  A waker that loses the CAS has only popped a dead
 * case waiter and goes on to the next one in that queue, touching no
 * payload.  No channel lock is needed for this decision, so two wakers
 * on two different channels can race for one select safely.
 *
 * Why no case waiter outlives the call: they live on this stack frame.
 * After wake-up the select relocks every channel and unlinks each of
 * its case waiters still queued (pass 6).  A waker that popped one
 * (won or lost) did so under that channel's lock, so once the select
 * holds every lock, nobody is inside a queue operation on its waiters;
 * the winner may still be between claim and resume only until park
 * returns, which it cannot before the resume.
 *
 * Passes:
 *   1. validate; build a random poll order over the non-NULL cases (a
 *      NULL channel is never ready, like Go's nil channel);
 *   2. sort the cases by channel address (lock order) and lock each
 *      distinct channel once, in that order -- every multi-channel
 *      locker does the same, so two selects cannot deadlock;
 *   3. poll in random order: the first case that can complete now wins
 *      (fairness among ready cases comes from the random order);
 *   4. nothing ready: default (deadline 0) returns WEFT_EAGAIN; otherwise
 *      enqueue one case waiter per case, in lock order;
 *   5. park on sel, releasing the locks (the last one only once the
 *      caller has stopped running);
 *   6. relock in lock order, unlink every case waiter still queued,
 *      unlock, and report what won sel.
 */
#include "chan.h"

#include <stdlib.h>
#include <string.h>

#define SEL_STACK_CASES 8 /* up to this many cases: no allocation */

/* Per-thread xorshift64 for the poll order.  noinline: the state is
 * thread-local and a coroutine may migrate across a switch (ctx.h); this
 * is only called before the select parks, but keep the address fresh. */
static _Thread_local uint64_t sel_rng WEFT_TLS_IE;

static __attribute__((noinline)) uint32_t sel_rand(uint32_t bound)
{
    uint64_t x = sel_rng;
    if (__builtin_expect(!x, 0)) {
        x = (uint64_t)weft_now() ^ ((uint64_t)(uintptr_t)&sel_rng * 0x9E3779B97F4A7C15ull);
        if (!x)
            x = 0x9E3779B97F4A7C15ull;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    sel_rng = x;
    return (uint32_t)(((x >> 32) * (uint64_t)bound) >> 32); /* in [0, bound) */
}

static inline uintptr_t chan_of(const weft_case_t *cases, int i)
{
    return (uintptr_t)cases[i].chan;
}

static void sift_down(const weft_case_t *cases, int *order, int root, int end)
{
    for (;;) {
        int child = 2 * root + 1;
        if (child >= end)
            return;
        if (child + 1 < end && chan_of(cases, order[child]) < chan_of(cases, order[child + 1]))
            child++;
        if (chan_of(cases, order[root]) >= chan_of(cases, order[child]))
            return;
        int t = order[root];
        order[root] = order[child];
        order[child] = t;
        root = child;
    }
}

/* Sorts order[0..m) by channel address: insertion sort for the usual
 * handful, heap sort (no recursion, no allocation) beyond. */
static void sort_lockorder(const weft_case_t *cases, int *order, int m)
{
    if (m <= 16) {
        for (int i = 1; i < m; i++) {
            int v = order[i], j = i;
            while (j > 0 && chan_of(cases, order[j - 1]) > chan_of(cases, v)) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = v;
        }
        return;
    }
    for (int root = m / 2 - 1; root >= 0; root--)
        sift_down(cases, order, root, m);
    for (int end = m - 1; end > 0; end--) {
        int t = order[0];
        order[0] = order[end];
        order[end] = t;
        sift_down(cases, order, 0, end);
    }
}

static void lock_all(const weft_case_t *cases, const int *order, int m)
{
    for (int k = 0; k < m; k++)
        if (k == 0 || cases[order[k]].chan != cases[order[k - 1]].chan)
            weft_spin_lock(&cases[order[k]].chan->lock);
}

/* Unlocks every distinct channel but, if keep is set, the last one in
 * lock order, which it returns (NULL otherwise). */
static weft_spin_t *unlock_all(const weft_case_t *cases, const int *order, int m, int keep)
{
    weft_spin_t *last = NULL;
    for (int k = m - 1; k >= 0; k--) {
        if (k > 0 && cases[order[k]].chan == cases[order[k - 1]].chan)
            continue;
        weft_spin_t *l = &cases[order[k]].chan->lock;
        if (keep && !last)
            last = l;
        else
            weft_spin_unlock(l);
    }
    return last;
}

/* Pass 1's checks.  Sets *m to the number of non-NULL cases. */
static int sel_validate(weft_case_t *cases, int n, int *m)
{
    if (n < 0 || (n > 0 && !cases))
        return WEFT_EINVAL;
    *m = 0;
    for (int i = 0; i < n; i++) {
        weft_case_t *k = &cases[i];
        if (k->dir != WEFT_SEND && k->dir != WEFT_RECV)
            return WEFT_EINVAL;
        if (k->chan && k->dir == WEFT_SEND && !k->elem && k->chan->elem_size)
            return WEFT_EINVAL;
        k->closed = 0;
        *m += k->chan != NULL;
    }
    return WEFT_OK;
}

/* Pass 1's orders: Fisher-Yates over the non-NULL cases (inside-out
 * form) for polling, and the same cases sorted by channel to lock.  The
 * lock order starts from the poll order, not the source order, so that
 * cases on one channel sit in it (and are queued on that channel, pass
 * 4) in a random order: started from source order, the stable sort
 * always queued case 0 first, and a parked select with two cases on one
 * channel fired the first every time (Go's runtime/select.go starts from
 * the poll order for the same reason). */
static void sel_orders(const weft_case_t *cases, int n, int m, int *pollorder, int *lockorder)
{
    for (int i = 0, j = 0; i < n; i++) {
        if (!cases[i].chan)
            continue;
        uint32_t r = sel_rand((uint32_t)j + 1);
        pollorder[j] = pollorder[r];
        pollorder[r] = i;
        j++;
    }
    memcpy(lockorder, pollorder, (size_t)m * sizeof *lockorder);
    sort_lockorder(cases, lockorder, m);
}

#define SEL_NONE_READY (-10000)
#define SEL_RETRY (-10001)

/* Channels locked: the flags of every buffered case's channel say again
 * whether anybody is queued (after this select announced itself). */
static void sync_all(weft_case_t *cases, int m, const int *lockorder)
{
    for (int k = 0; k < m; k++)
        chan_sync_flags(cases[lockorder[k]].chan);
}

/* Passes 2 and 3.  Returns the case that fired (every channel unlocked,
 * its partner resumed, or with `hand` its sitter's token handed back:
 * chan_seat_take), WEFT_ECLOSED for a send case on a closed channel
 * (unlocked), or SEL_NONE_READY with every channel still locked.
 * A buffered case's channel is announced (chan.h, the handshake) before
 * the poll tries its ring, so that a value (or room) that comes after the
 * poll looked finds this select queued, or waiting for the lock to
 * queue it. */
static int sel_poll(weft_case_t *cases, int m, const int *pollorder, const int *lockorder, int hand)
{
    lock_all(cases, lockorder, m);
    for (int k = 0; k < m; k++) {
        weft_chan_t *c = cases[lockorder[k]].chan;
        if (c->cap)
            chan_announce(c, cases[lockorder[k]].dir);
    }
    chan_wakes_t wk = { .hand = hand };
    for (int k = 0; k < m; k++) {
        int i = pollorder[k];
        weft_chan_t *c = cases[i].chan;
        int fired;
        if (cases[i].dir == WEFT_RECV) {
            int closed;
            fired = chan_try_recv_locked(c, cases[i].elem, &wk, &closed);
            if (fired)
                cases[i].closed = closed;
        } else {
            if (c->closed) {
                /* Go panics here; we report it, naming the case */
                cases[i].closed = 1;
                sync_all(cases, m, lockorder);
                unlock_all(cases, lockorder, m, 0);
                return WEFT_ECLOSED;
            }
            fired = chan_try_send_locked(c, cases[i].elem, &wk);
        }
        if (fired) {
            sync_all(cases, m, lockorder);
            unlock_all(cases, lockorder, m, 0);
            chan_wakes_resume(&wk);
            return i;
        }
    }
    return SEL_NONE_READY;
}

/* After a wake-up that said "try again" for case i (a buffered channel
 * gained a value or room): the next poll tries case i first, so that
 * the wake is not lost on a select that takes another ready case while
 * the value it was woken for waits and other receivers sleep. */
static void sel_first(int *pollorder, int m, int i)
{
    for (int k = 0; k < m; k++) {
        if (pollorder[k] == i) {
            pollorder[k] = pollorder[0];
            pollorder[0] = i;
            return;
        }
    }
}

/* Pass 4's queueing (channels locked): one case waiter per case, each
 * deciding through sel. */
static void sel_enqueue(weft_case_t *cases, int m, const int *lockorder, weft_waiter_t *cw,
                        weft_waiter_t *sel)
{
    for (int k = 0; k < m; k++) {
        int i = lockorder[k];
        weft_waiter_t *w = &cw[k];
        /* never resumed itself (wakers claim and resume sel): no party */
        weft_waiter_init_external(w, cases[i].dir == WEFT_RECV ? "select recv" : "select send",
                                  cases[i].chan, NULL, NULL);
        w->shared = sel;
        w->index = i;
        w->elem = cases[i].elem;
        weft_waitq_push(cases[i].dir == WEFT_RECV ? &cases[i].chan->recvq : &cases[i].chan->sendq, w);
    }
}

/* Pass 6: unlink the losers (the winner's waiter was popped), then say
 * what won sel (outcome r): SEL_RETRY for a buffered channel's "try
 * again" (sel->index: which case). */
static int sel_end(weft_case_t *cases, int m, const int *lockorder, weft_waiter_t *cw,
                   weft_waiter_t *sel, int r)
{
    lock_all(cases, lockorder, m);
    for (int k = 0; k < m; k++) {
        int i = lockorder[k];
        weft_waitq_remove(cases[i].dir == WEFT_RECV ? &cases[i].chan->recvq : &cases[i].chan->sendq,
                          &cw[k]);
    }
    sync_all(cases, m, lockorder);
    unlock_all(cases, lockorder, m, 0);
    switch (r) {
    case WEFT_WAKE_OK:
    case WEFT_WAKE_DONE:
        return sel->index;
    case WEFT_WAKE_CLOSED:
        cases[sel->index].closed = 1;
        return cases[sel->index].dir == WEFT_RECV ? sel->index : WEFT_ECLOSED;
    case WEFT_WAKE_RETRY:
        return SEL_RETRY;
    default:
        return r; /* WEFT_ETIMEDOUT, WEFT_ECANCELED */
    }
}

int weft_select(weft_case_t *cases, int n, int64_t deadline)
{
    int m;
    int rc = sel_validate(cases, n, &m);
    if (rc != WEFT_OK)
        return rc;
    if (deadline < 0)
        deadline = -1;

    int small[2 * SEL_STACK_CASES];
    int *pollorder = small, *lockorder = small + SEL_STACK_CASES;
    weft_waiter_t small_w[SEL_STACK_CASES];
    weft_waiter_t *cw = small_w;
    void *heap = NULL;
    if (m > SEL_STACK_CASES) {
        heap = malloc(2 * (size_t)m * sizeof(int) + (size_t)m * sizeof(weft_waiter_t));
        if (!heap)
            return WEFT_ENOMEM;
        cw = heap; /* waiters first: they need the stricter alignment */
        pollorder = (int *)(cw + m);
        lockorder = pollorder + m;
    }
    sel_orders(cases, n, m, pollorder, lockorder);

    for (;;) {
        rc = sel_poll(cases, m, pollorder, lockorder, 0);
        if (rc != SEL_NONE_READY)
            break;

        /* ---- pass 4: nothing ready */
        if (deadline == 0 || (deadline > 0 && deadline <= weft_now())) {
            sync_all(cases, m, lockorder);
            unlock_all(cases, lockorder, m, 0);
            rc = deadline == 0 ? WEFT_EAGAIN : WEFT_ETIMEDOUT;
            break;
        }
        weft_waiter_t sel;
        weft_waiter_init(&sel, "select", cases);
        sel.index = -1;
        sel_enqueue(cases, m, lockorder, cw, &sel);

        /* ---- pass 5: park once for all cases */
        weft_spin_t *last = unlock_all(cases, lockorder, m, 1);
        int r = weft_waiter_park(&sel, last, deadline);

        rc = sel_end(cases, m, lockorder, cw, &sel, r);
        if (rc != SEL_RETRY)
            break;
        sel_first(pollorder, m, sel.index);
    }
    free(heap);
    return rc;
}

/* ---- external waiters (wait.h, ext.c) -----------------------------------
 * Passes 1-4 as above, with the storage and the decisive waiter s->sel
 * supplied by the caller; instead of parking, every lock is released and
 * WEFT_EXT_PARKED returned.  sel's notify runs when a case fires (or a
 * close wins); then weft_select_ext_end does pass 6.  dflt: a default
 * case (WEFT_EAGAIN if nothing is ready, nothing queued).
 *
 * hand: the caller is a Java party that hands over what the case that
 * fires at once completed (Parking.handOver): that case may take a
 * sitter's token back (chan_seat_take) instead of resuming it.
 *
 * sel_start_ext: passes 2-4 with the orders made: the case that fired,
 * WEFT_EAGAIN / WEFT_EDEADLK, or WEFT_EXT_PARKED with the case waiters
 * queued.  The channel locks publish sel's pending state with the
 * queueing. */
static int sel_start_ext(weft_select_ext_t *s, int dflt, int hand)
{
    int rc = sel_poll(s->cases, s->m, s->pollorder, s->lockorder, hand);
    if (rc != SEL_NONE_READY)
        return rc;
    if (dflt || s->m == 0) {
        sync_all(s->cases, s->m, s->lockorder);
        unlock_all(s->cases, s->lockorder, s->m, 0);
        /* no case at all and no default would wait forever: refused */
        return dflt ? WEFT_EAGAIN : WEFT_EDEADLK;
    }
    s->sel->index = -1;
    sel_enqueue(s->cases, s->m, s->lockorder, s->cw, s->sel);
    unlock_all(s->cases, s->lockorder, s->m, 0);
    return WEFT_EXT_PARKED;
}

int weft_select_ext(weft_select_ext_t *s, int dflt, int hand)
{
    int rc = sel_validate(s->cases, s->n, &s->m);
    if (rc != WEFT_OK)
        return rc;
    sel_orders(s->cases, s->n, s->m, s->pollorder, s->lockorder);
    return sel_start_ext(s, dflt, hand);
}

/* Once s->sel has been won (by a case, a close, or its owner's abort).
 * A buffered channel's "try again" polls anew, that case first (the sel
 * waiter is pending again): the case that fires now, or WEFT_EXT_PARKED
 * once queued again. */
int weft_select_ext_end(weft_select_ext_t *s)
{
    int r = atomic_load_explicit(&s->sel->state, memory_order_acquire);
    int rc = sel_end(s->cases, s->m, s->lockorder, s->cw, s->sel, r);
    if (rc != SEL_RETRY)
        return rc;
    sel_first(s->pollorder, s->m, s->sel->index);
    /* no hand here: the caller learns the outcome from weft_ext_result's
     * status, with no token to hand anything over with */
    atomic_store_explicit(&s->sel->state, WEFT_WAIT_PENDING, memory_order_relaxed);
    return sel_start_ext(s, 0, 0);
}
