/*
 * chan.c - channels (weft.h): Go's chan, for coroutines and plain threads
 * (chan.h has the record, the ring of a buffered channel and the
 * invariants).
 *
 * An unbuffered operation is, under the channel's spinlock:
 *
 *   1. try to complete at once: hand the value to a waiting partner
 *      (claiming its waiter, wait.h), or see that the channel is closed;
 *   2. if that fails and the caller may block: enqueue a waiter for the
 *      caller on the channel and park it (weft_waiter_park releases the
 *      lock only once the caller has stopped running);
 *   3. on wake-up, the waiter's state says who won: a partner that
 *      already did the copy (WEFT_WAKE_OK), close (WEFT_WAKE_CLOSED), the
 *      deadline or a cancellation -- in the last two cases the waiter may
 *      still be queued, so relock and unlink it.
 *
 * A buffered operation tries the ring without the lock; only a full
 * (empty) ring takes it, announces the caller (chan.h, the handshake),
 * tries once more and queues.  Whoever changes the ring while the flag
 * of the other side is up takes the lock and serves the queued parties
 * (chan_settle_locked): WEFT_WAKE_DONE, or WEFT_WAKE_RETRY if a party
 * that never queued got there first, and the woken party starts over.
 *
 * A completing party claims the partner's waiter under the lock, copies
 * the value (the partner is parked and cannot leave: claimed waiters are
 * immune to timeouts and cancellation), unlocks, and only then resumes
 * the partner, so the lock is never held across a wake-up.  A woken
 * coroutine goes to the waker's run-next slot (sched.c), which keeps a
 * ping-pong pair on one worker.
 *
 * No allocation happens after weft_chan_make: waiters live on the
 * blocked party's stack.
 *
 * live_chans counts channels made and not yet freed (weft_stats'
 * `channels`): it goes up in weft_chan_make and down only where the
 * memory is freed, so a channel leaked by weft_chan_release (parties
 * still blocked on it) stays counted.  Relaxed: it orders nothing, and a
 * reader sees each make and free once it has happened-before the read.
 */
#include "chan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "os/os.h"

static _Atomic uint64_t live_chans;

uint64_t weft_chan_live(void)
{
    return atomic_load_explicit(&live_chans, memory_order_relaxed);
}

int weft_chan_make(size_t elem_size, size_t cap, weft_chan_t **out)
{
    if (!out)
        return WEFT_EINVAL;
    *out = NULL;
    if (elem_size > WEFT_CHAN_ELEM_MAX)
        return WEFT_EINVAL;
    size_t hdr = (sizeof(struct weft_chan) + 63) & ~(size_t)63;
    size_t cell = sizeof(uint64_t) + ((elem_size + 7) & ~(size_t)7);
    if (cap > WEFT_CHAN_CAP_MAX || cap > (SIZE_MAX / 2 - hdr) / cell)
        return WEFT_ENOMEM; /* the buffer cannot even be addressed */
    size_t bytes = hdr + cap * cell;
    /* 64-aligned (chan.h: the lock and queues fill the first line, the
     * ring's positions and cells start on lines of their own).  With
     * malloc's 16 the hot fields straddled two lines for three channels
     * in four, and a producer and a consumer then fought over both. */
    weft_chan_t *c = weft_aligned_alloc(64, bytes);
    if (!c)
        return WEFT_ENOMEM;
    memset(c, 0, sizeof *c);
    c->elem_size = elem_size;
    c->cap = cap;
    c->buf = (unsigned char *)c + hdr;
    c->cell_size = cell;
    uint64_t mark = 1;
    while (mark < (uint64_t)cap + 1)
        mark <<= 1;
    c->mark = mark;
    c->one_lap = mark << 1;
    for (size_t i = 0; i < cap; i++)
        atomic_init(ring_stamp(c, i), i); /* lap 0: free for position i */
    atomic_init(&c->tail, 0);
    atomic_init(&c->head, 0);
    atomic_init(&c->recv_waiting, 0);
    atomic_init(&c->send_waiting, 0);
    atomic_init(&c->refs, 1);
    atomic_fetch_add_explicit(&live_chans, 1, memory_order_relaxed);
    *out = c;
    return WEFT_OK;
}

void weft_chan_retain(weft_chan_t *c)
{
    if (c)
        atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

void weft_chan_release(weft_chan_t *c)
{
    if (!c || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
        return;
    /* The last handle is gone.  Anyone still blocked on c used it
     * without a handle of their own (the caller's bug, weft.h); rather
     * than free memory they will touch when they wake, close c (they get
     * WEFT_ECLOSED) and leak it. */
    weft_spin_lock(&c->lock);
    int waiters = !weft_waitq_empty(&c->recvq) || !weft_waitq_empty(&c->sendq) ||
                  (!c->cap && c->seat.dir);
    weft_spin_unlock(&c->lock);
    if (waiters) {
        fprintf(stderr, "weft: weft_chan_release: last reference to channel %p dropped while "
                        "parties are blocked on it; closed and leaked instead of freed\n", (void *)c);
        weft_chan_close(c);
        return;
    }
    weft_aligned_free(c);
    atomic_fetch_sub_explicit(&live_chans, 1, memory_order_relaxed);
}

/* ---- unbuffered ----------------------------------------------------------- */

/* Step 2 and 3 of the file comment.  Precondition: c locked, the
 * operation cannot complete now.  Returns unlocked. */
static int block(weft_chan_t *c, weft_waitq_t *q, void *elem, int64_t deadline, const char *what)
{
    if (deadline >= 0 && deadline <= weft_now()) {
        weft_spin_unlock(&c->lock);
        return WEFT_ETIMEDOUT;
    }
    weft_waiter_t w;
    weft_waiter_init(&w, what, c);
    w.elem = elem;
    weft_waitq_push(q, &w);
    int r = weft_waiter_park(&w, &c->lock, deadline);
    switch (r) {
    case WEFT_WAKE_OK:
        return WEFT_OK;
    case WEFT_WAKE_CLOSED:
        return WEFT_ECLOSED;
    default:
        /* WEFT_ETIMEDOUT, WEFT_ECANCELED (or WEFT_EINVAL for an external
         * waiter): nobody copied; we may still be queued */
        weft_spin_lock(&c->lock);
        weft_waitq_remove(q, &w);
        weft_spin_unlock(&c->lock);
        return r;
    }
}

/* Step 1 of the file comment, shared by the blocking and the external
 * forms: completes the operation (returns WEFT_OK / WEFT_ECLOSED, c
 * unlocked, the partner resumed) or returns WOULD_BLOCK with c still
 * locked, for the caller to queue itself. */
#define WOULD_BLOCK 1

static inline int send_now(weft_chan_t *c, const void *elem, int hand)
{
    chan_wakes_t wk = { .hand = hand };
    weft_spin_lock(&c->lock);
    if (c->closed) {
        weft_spin_unlock(&c->lock);
        return WEFT_ECLOSED;
    }
    if (chan_try_send_locked(c, elem, &wk)) {
        weft_spin_unlock(&c->lock);
        chan_wakes_resume(&wk);
        return WEFT_OK;
    }
    return WOULD_BLOCK;
}

static inline int recv_now(weft_chan_t *c, void *elem, int hand)
{
    chan_wakes_t wk = { .hand = hand };
    int closed;
    weft_spin_lock(&c->lock);
    if (chan_try_recv_locked(c, elem, &wk, &closed)) {
        weft_spin_unlock(&c->lock);
        chan_wakes_resume(&wk);
        return closed ? WEFT_ECLOSED : WEFT_OK;
    }
    return WOULD_BLOCK;
}

/* ---- buffered ------------------------------------------------------------- */

/* After this party changed the ring without the lock: if a party of the
 * other side announced itself (*flag), serve the queues. */
static inline void settle(weft_chan_t *c, _Atomic int *flag)
{
    if (__builtin_expect(!atomic_load_explicit(flag, memory_order_seq_cst), 1))
        return;
    chan_wakes_t wk = { 0 };
    weft_spin_lock(&c->lock);
    chan_settle_locked(c, &wk);
    weft_spin_unlock(&c->lock);
    chan_wakes_resume(&wk);
}

/* One try of a buffered send (dir WEFT_SEND) or receive: without the
 * lock, then, if the ring was full (empty) and the caller may queue,
 * under it after announcing the caller.  Returns WEFT_OK / WEFT_ECLOSED
 * (c unlocked, queued parties served), WEFT_EAGAIN (no waiting allowed),
 * or WOULD_BLOCK with c locked and the caller announced, to queue itself. */
static int ring_try(weft_chan_t *c, int dir, void *elem, int may_queue)
{
    int send = dir == WEFT_SEND;
    int r = send ? ring_push(c, elem) : ring_pop(c, elem);
    if (r == RING_OK) {
        settle(c, send ? &c->recv_waiting : &c->send_waiting);
        return WEFT_OK;
    }
    if (r == RING_CLOSED)
        return WEFT_ECLOSED;
    if (!may_queue)
        return WEFT_EAGAIN;
    weft_spin_lock(&c->lock);
    chan_announce(c, dir);
    r = send ? ring_push(c, elem) : ring_pop(c, elem);
    if (r == RING_FULL) /* == RING_EMPTY */
        return WOULD_BLOCK;
    chan_wakes_t wk = { 0 };
    chan_settle_locked(c, &wk); /* syncs the flags, ours included */
    weft_spin_unlock(&c->lock);
    chan_wakes_resume(&wk);
    return r == RING_OK ? WEFT_OK : WEFT_ECLOSED;
}

/* The slow path: out of line, so that its waiter's frame is not set up
 * for the common operation that the ring completes at once (chan_send,
 * chan_recv); that halved the instructions per message of C W3b. */
static __attribute__((noinline)) int ring_op(weft_chan_t *c, int dir, void *elem, int may_block,
                                             int64_t deadline)
{
    weft_waitq_t *q = dir == WEFT_SEND ? &c->sendq : &c->recvq;
    for (;;) {
        int r = ring_try(c, dir, elem, may_block);
        if (r != WOULD_BLOCK)
            return r;
        if (deadline >= 0 && deadline <= weft_now()) {
            chan_sync_flags(c);
            weft_spin_unlock(&c->lock);
            return WEFT_ETIMEDOUT;
        }
        weft_waiter_t w;
        weft_waiter_init(&w, dir == WEFT_SEND ? "chan send" : "chan recv", c);
        w.elem = elem;
        weft_waitq_push(q, &w);
        r = weft_waiter_park(&w, &c->lock, deadline);
        if (r == WEFT_WAKE_DONE)
            return WEFT_OK; /* the value was moved for us */
        if (r == WEFT_WAKE_RETRY)
            continue; /* the waker took w off the queue */
        /* WEFT_ETIMEDOUT, WEFT_ECANCELED: we may still be queued */
        weft_spin_lock(&c->lock);
        weft_waitq_remove(q, &w);
        chan_sync_flags(c);
        weft_spin_unlock(&c->lock);
        return r;
    }
}

/* may_block 0: try only; 1: block until deadline (-1: none) */
static int chan_send(weft_chan_t *c, const void *elem, int may_block, int64_t deadline)
{
    if (!c || (!elem && c->elem_size))
        return WEFT_EINVAL;
    if (c->cap) {
        if (__builtin_expect(ring_push(c, elem) == RING_OK, 1)) {
            settle(c, &c->recv_waiting);
            return WEFT_OK;
        }
        return ring_op(c, WEFT_SEND, (void *)elem, may_block, deadline);
    }
    int r = send_now(c, elem, 0);
    if (r != WOULD_BLOCK)
        return r;
    if (!may_block) {
        weft_spin_unlock(&c->lock);
        return WEFT_EAGAIN;
    }
    return block(c, &c->sendq, (void *)elem, deadline, "chan send");
}

static int chan_recv(weft_chan_t *c, void *elem, int may_block, int64_t deadline)
{
    if (!c)
        return WEFT_EINVAL;
    if (c->cap) {
        if (__builtin_expect(ring_pop(c, elem) == RING_OK, 1)) {
            settle(c, &c->send_waiting);
            return WEFT_OK;
        }
        return ring_op(c, WEFT_RECV, elem, may_block, deadline);
    }
    int r = recv_now(c, elem, 0);
    if (r != WOULD_BLOCK)
        return r;
    if (!may_block) {
        weft_spin_unlock(&c->lock);
        return WEFT_EAGAIN;
    }
    return block(c, &c->recvq, elem, deadline, "chan recv"); /* closed: close zeroed elem */
}

int weft_chan_send(weft_chan_t *c, const void *elem)
{
    return chan_send(c, elem, 1, -1);
}

int weft_chan_recv(weft_chan_t *c, void *elem)
{
    return chan_recv(c, elem, 1, -1);
}

int weft_chan_send_until(weft_chan_t *c, const void *elem, int64_t deadline)
{
    return chan_send(c, elem, 1, deadline < 0 ? -1 : deadline);
}

int weft_chan_recv_until(weft_chan_t *c, void *elem, int64_t deadline)
{
    return chan_recv(c, elem, 1, deadline < 0 ? -1 : deadline);
}

int weft_chan_try_send(weft_chan_t *c, const void *elem)
{
    return chan_send(c, elem, 0, -1);
}

int weft_chan_try_recv(weft_chan_t *c, void *elem)
{
    return chan_recv(c, elem, 0, -1);
}

/* ---- external waiters (wait.h, ext.c) ----------------------------------
 * The same steps as chan_send/chan_recv, except that step 2 queues the
 * caller's external waiter w (already initialised; elem points into
 * memory that outlives the wait) and returns WEFT_EXT_PARKED instead of
 * parking.  Whoever completes the operation later copies into/out of
 * w->elem and calls w's notify; after WEFT_WAKE_RETRY the owner calls
 * these again (ext.c). */

/* Seats w (chan.h, the seat) or queues it on the dir side (c locked),
 * and unlocks; no w: a try that failed. */
static int queue_ext(weft_chan_t *c, int dir, void *elem, weft_waiter_t *w, int64_t hand)
{
    if (!w) {
        weft_spin_unlock(&c->lock); /* unbuffered: ring_try answers a buffered try itself */
        return WEFT_EAGAIN;
    }
    w->elem = elem;
    weft_waitq_t *q = dir == WEFT_SEND ? &c->sendq : &c->recvq;
    if (hand > 0 && hand <= INT32_MAX && !c->cap && c->elem_size == sizeof c->seat.value &&
        !c->seat.dir && weft_waitq_empty(q)) {
        c->seat.dir = dir;
        c->seat.token = (int32_t)hand;
        if (dir == WEFT_SEND)
            memcpy(&c->seat.value, elem, sizeof c->seat.value);
        c->seat.w = w;
        weft_spin_unlock(&c->lock);
        return WEFT_EXT_SEATED;
    }
    weft_waitq_push(q, w);
    weft_spin_unlock(&c->lock);
    return WEFT_EXT_PARKED;
}

int weft_chan_send_ext(weft_chan_t *c, const void *elem, weft_waiter_t *w, int64_t hand)
{
    if (!c || (!elem && c->elem_size))
        return WEFT_EINVAL;
    int r = c->cap ? ring_try(c, WEFT_SEND, (void *)elem, w != NULL) : send_now(c, elem, hand != 0);
    return r != WOULD_BLOCK ? r : queue_ext(c, WEFT_SEND, (void *)elem, w, hand);
}

int weft_chan_recv_ext(weft_chan_t *c, void *elem, weft_waiter_t *w, int64_t hand)
{
    if (!c)
        return WEFT_EINVAL;
    int r = c->cap ? ring_try(c, WEFT_RECV, elem, w != NULL) : recv_now(c, elem, hand != 0);
    return r != WOULD_BLOCK ? r : queue_ext(c, WEFT_RECV, elem, w, hand);
}

/* After the owner won w itself: off the queue (dir WEFT_SEND: sendq,
 * WEFT_RECV: recvq) unless a waker popped it already. */
void weft_chan_unqueue_ext(weft_chan_t *c, int dir, weft_waiter_t *w)
{
    weft_spin_lock(&c->lock);
    weft_waitq_remove(dir == WEFT_SEND ? &c->sendq : &c->recvq, w);
    chan_sync_flags(c);
    weft_spin_unlock(&c->lock);
}

int weft_chan_unseat_ext(weft_chan_t *c, weft_waiter_t *w)
{
    weft_spin_lock(&c->lock);
    int sat = !c->cap && c->seat.dir && c->seat.w == w;
    if (sat)
        c->seat.dir = 0;
    weft_spin_unlock(&c->lock);
    return sat;
}

/* Tests: parties queued on c's send (WEFT_SEND) or receive queue, dead
 * entries included, and a sitter of that side. */
size_t weft_chan_queued(weft_chan_t *c, int dir)
{
    size_t n = 0;
    weft_spin_lock(&c->lock);
    if (!c->cap && c->seat.dir == dir)
        n++;
    for (weft_waiter_t *w = (dir == WEFT_SEND ? c->sendq : c->recvq).head; w; w = w->next)
        n++;
    weft_spin_unlock(&c->lock);
    return n;
}

/* close: appends claimed t to the chain ending at *tail (queue order) */
static inline void chain_append(weft_waiter_t ***tail, weft_waiter_t *t)
{
    t->next = NULL;
    **tail = t;
    *tail = &t->next;
}

int weft_chan_close(weft_chan_t *c)
{
    if (!c)
        return WEFT_EINVAL;
    weft_spin_lock(&c->lock);
    if (c->closed) {
        weft_spin_unlock(&c->lock);
        return WEFT_ECLOSED;
    }
    c->closed = 1;
    /* Buffered: from here on no sender claims a cell (ring_push sees the
     * mark); the parties queued are told to try again, and find the
     * channel closed -- a receiver after draining what is buffered. */
    if (c->cap)
        atomic_fetch_or_explicit(&c->tail, c->mark, memory_order_seq_cst);
    int reason = c->cap ? WEFT_WAKE_RETRY : WEFT_WAKE_CLOSED;
    /* Claim every waiter still pending, chaining the claimed parties
     * through their `next` (free: a claimed plain waiter is off its queue,
     * a select's own waiter is never queued), then wake them unlocked.
     * The sitter first: it is the oldest of its side. */
    weft_waiter_t *head = NULL, **tail = &head, *w;
    if (!c->cap && c->seat.dir) {
        w = c->seat.w;
        int receiver = c->seat.dir == WEFT_RECV;
        c->seat.dir = 0;
        if (weft_waiter_claim(w)) { /* always: chan_seat_take */
            if (receiver && w->elem)
                memset(w->elem, 0, c->elem_size);
            chain_append(&tail, w);
        }
    }
    while ((w = chan_dequeue(&c->recvq)) != NULL) {
        if (!c->cap && w->elem && c->elem_size)
            memset(w->elem, 0, c->elem_size);
        chain_append(&tail, chan_target(w));
    }
    while ((w = chan_dequeue(&c->sendq)) != NULL)
        chain_append(&tail, chan_target(w));
    chan_sync_flags(c);
    weft_spin_unlock(&c->lock);
    chan_resume_chain(head, reason);
    return WEFT_OK;
}

size_t weft_chan_len(const weft_chan_t *c)
{
    if (!c || !c->cap)
        return 0;
    weft_chan_t *m = (weft_chan_t *)c;
    for (;;) {
        /* a consistent pair: tail unchanged around the read of head */
        uint64_t tail = atomic_load_explicit(&m->tail, memory_order_seq_cst);
        uint64_t head = atomic_load_explicit(&m->head, memory_order_seq_cst);
        if (atomic_load_explicit(&m->tail, memory_order_seq_cst) != tail)
            continue;
        uint64_t hix = head & (m->mark - 1), tix = tail & (m->mark - 1);
        if (hix < tix)
            return (size_t)(tix - hix);
        if (hix > tix)
            return (size_t)(m->cap - hix + tix);
        return (tail & ~m->mark) == head ? 0 : m->cap;
    }
}

size_t weft_chan_cap(const weft_chan_t *c)
{
    return c ? c->cap : 0;
}

int weft_chan_is_closed(const weft_chan_t *c)
{
    if (!c)
        return WEFT_EINVAL;
    weft_chan_t *m = (weft_chan_t *)c;
    weft_spin_lock(&m->lock);
    int closed = m->closed;
    weft_spin_unlock(&m->lock);
    return closed;
}

size_t weft_chan_elem_size(const weft_chan_t *c)
{
    return c ? c->elem_size : 0;
}
