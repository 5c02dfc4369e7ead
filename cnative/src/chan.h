/*
 * chan.h - the channel record and the helpers chan.c and select.c share
 * (internal).
 *
 * Two kinds of channel share the record.
 *
 * Unbuffered (cap == 0): everything is under `lock` (Go's chan.go).  A
 * value goes straight from the sender's elem to the receiver's elem
 * while both are known to the party holding the lock, and the waker
 * resumes its partner with WEFT_WAKE_OK: the operation is done.
 *
 * Buffered (cap > 0): the buffer is a lock-free ring that senders and
 * receivers use without the lock (Vyukov's bounded MPMC queue, in the
 * lap/stamp form of crossbeam-channel's array flavour): a sender claims
 * a cell by a compare-and-swap on `tail`, a receiver on `head`, and each
 * cell's stamp says whose turn it is.  A producer and a consumer then
 * write different lines, where the locked ring had both take the lock's
 * line for every message: perf on the Java W3b put half the time on that
 * one exchange.  The lock guards only the wait queues.  Parties that find
 * the ring full (empty) queue themselves; whoever then frees a cell
 * (fills one) takes the lock and serves the queued parties in queue
 * order, moving their values into (out of) the ring for them and waking
 * them with WEFT_WAKE_DONE (chan_settle_locked).  Only if a party that
 * never queued took the cell meanwhile is a claimed waiter told to try
 * again (WEFT_WAKE_RETRY); it queues again, and no value is lost: whoever
 * won took it.
 *
 * The seat (unbuffered channels of 8-byte elements).  A Java party that
 * must wait, and finds the seat empty and its own queue empty, sits in
 * the seat instead of queueing: its token, its value if it sends, and
 * its waiter, in the lock's own line.  The partner that comes next finds
 * everything it needs in the line it took with the lock; if that partner
 * is a Java party too, it takes the sitter's token back and hands the
 * outcome over itself (Parking.handOver) without touching the sitter's
 * op record at all.  A queued waiter costs the completing side that
 * record's line as well, a transfer in series with the lock's: measured
 * as a C model of the Java ping-pong (two threads, two channels, each
 * waiter spinning on a mailbox of its own), 780-805 ns per round trip
 * with the waiter behind a pointer, 560-590 with it in the lock's line.
 * Every other waker (a native coroutine, a select, a close, a Java party
 * whose hand-back is taken) wins the sitter through its waiter as for a
 * queued one (chan_seat_take).  The sitter's owner leaves the seat on a
 * timeout or an interrupt under the lock (weft_chan_unseat_ext): the
 * seat is only ever read or written under the lock, so whoever empties
 * it has won the sitter.  The seat counts as the oldest waiter of its
 * side, so Go's first-come-first-served order holds.
 *
 * On a JDK 22+ a Java partner does that taking itself, without a native
 * call (FfmChanSeat.java): it takes `lock` with an exchange, finds the
 * other side sitting, reads the token (and a sender's value), empties
 * `dir` and frees the lock with a release store, as chan_seat_take does
 * for a Java caller.  So the seat's layout is an ABI (static asserts in
 * jni_runtime.c) and a sitter leaves only by the lock.
 *
 * Why no wake-up is lost (the handshake, a Dekker pair): a party about
 * to queue stores recv_waiting (send_waiting) = 1, sequentially
 * consistent, under the lock, and only then tries the ring once more; a
 * party that changed the ring (its compare-and-swap on tail or head is
 * sequentially consistent) then loads that flag, sequentially consistent.
 * In the single order of those four operations one of the two comes
 * second and sees the other's: the waiter finds the new value (or room),
 * or the ring's changer finds the flag and takes the lock to wake it.  A
 * receiver that reads a cell not yet stamped loads `tail` (sequentially
 * consistent) to tell "empty" from "a sender is writing it" and, in the
 * second case, waits for the stamp rather than queue.  The flags are
 * written only under the lock; a stale 1 costs an uncontended lock.
 *
 * Invariants, under `lock`:
 *   - Queues may hold dead entries: waiters another party already won (a
 *     timeout, a cancellation, another case of the same select).  Whoever
 *     pops one skips it: a waker only acts on a waiter it claims.
 *   - Unbuffered: the seat, when occupied, holds a waiter nobody has won
 *     yet, and its side's queue held no waiter when it sat.
 *   - Unbuffered: waiters that can still be won are all of one side (a
 *     sitter counts for its side), except while a select has cases on
 *     both ends of the same channel (then both queues may hold its
 *     waiters, all sharing one state).
 *   - Buffered: recv_waiting (send_waiting) is 1 whenever recvq (sendq)
 *     is not empty (chan_sync_flags), and while a party under the lock is
 *     deciding whether to queue.
 *   - closed: once set, never cleared; both queues and the seat are
 *     empty (close won or skipped every waiter) and no waiter is added
 *     any more.  For a
 *     buffered channel close also sets `mark` in tail, which every later
 *     claim of a cell sees; receivers drain what was sent before it.
 *
 * A waiter on a channel queue (wait.h) carries:
 *   elem    the sender's value (send) or the receiver's destination, NULL
 *           to discard (recv);
 *   shared  NULL for a plain send/recv; for a select case, the select's
 *           one parked waiter, whose state decides which case wins
 *           (select.c);
 *   index   for a select case: the case's index in the caller's array.
 * The party that wins a waiter is the one whose weft_waiter_claim on
 * chan_target(w) succeeds; it then fills the payload (a partner's copy,
 * or the ring's value moved for it), records the case index (select),
 * and calls weft_waiter_resume.
 */
#ifndef WEFT_CHAN_H
#define WEFT_CHAN_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "runtime.h"

/* Go's limit: larger values belong behind a pointer. */
#define WEFT_CHAN_ELEM_MAX ((size_t)64 * 1024)
/* The largest buffer: a ring position keeps its lap in the bits above
 * the index and the mark, and 2^40 cells leave it 22 of them. */
#define WEFT_CHAN_CAP_MAX ((size_t)1 << 40)

/* An unbuffered channel's seat (file comment): one Java waiter of an
 * 8-byte channel, held on the lock's own line. */
struct chan_seat {
    int dir;                     /* 0: empty; WEFT_SEND or WEFT_RECV: who sits */
    int32_t token;               /* the sitter's token, handed back by a Java partner */
    int64_t value;               /* a sitting sender's value */
    weft_waiter_t *w;            /* the sitter's external waiter, for every other waker */
};

struct weft_chan {
    /* First 64 bytes (the allocation is 64-aligned, chan.c): the lock and
     * what it guards, on one line.  An unbuffered channel uses only this
     * line; a buffered one only when parties wait. */
    weft_spin_t lock;
    int closed;
    weft_waitq_t recvq, sendq;   /* blocked receivers / senders, FIFO */
    union {
        struct {                 /* buffered: the handshake's flags (above) */
            _Atomic int recv_waiting;
            _Atomic int send_waiting;
        };
        struct chan_seat seat;   /* unbuffered: the seat (above) */
    };

    /* second line: read by every operation, written almost never */
    /* immutable after weft_chan_make */
    alignas(64) size_t elem_size;
    size_t cap;
    unsigned char *buf;          /* cap cells, after the record */
    size_t cell_size;            /* 8 (the stamp) + elem_size rounded up to 8 */
    uint64_t mark;               /* the closed bit of tail: the power of two above cap */
    uint64_t one_lap;            /* 2 * mark: a position's lap counts in these */

    _Atomic long refs;           /* handles: weft_chan_make + retain - release */

    /* buffered: the ring's positions, index | lap (| mark), each on its
     * own line: senders write tail, receivers head */
    alignas(64) _Atomic uint64_t tail;
    alignas(64) _Atomic uint64_t head;
};
_Static_assert(offsetof(struct weft_chan, elem_size) == 64,
               "a channel's lock and queues no longer fill exactly its first line");

/* The waiter whose state decides: the select's, or w itself. */
static inline weft_waiter_t *chan_target(weft_waiter_t *w)
{
    return w->shared ? (weft_waiter_t *)w->shared : w;
}

static inline void chan_copy(void *dst, const void *src, size_t n)
{
    if (!dst || !n)
        return;
    if (n == sizeof(long long))
        memcpy(dst, src, sizeof(long long)); /* the common case, inlined */
    else
        memcpy(dst, src, n);
}

/* Pops waiters from q until one is won by this call (claimed), and
 * returns it; NULL when q runs out.  Dead entries popped on the way are
 * dropped (their owner's weft_waitq_remove is then a no-op).  For a
 * select case the winning case index is recorded in the select's waiter.
 * Precondition: c locked.  The caller must fill the payload and then
 * weft_waiter_resume(chan_target(w), reason) -- that may happen after
 * unlocking c: a claimed waiter cannot be won, timed out or cancelled by
 * anyone else, so its party (and the memory its elem points to) waits. */
static inline weft_waiter_t *chan_dequeue(weft_waitq_t *q)
{
    weft_waiter_t *w;
    while ((w = q->head) != NULL) {
        weft_waitq_remove(q, w);
        weft_waiter_t *t = chan_target(w);
        if (weft_waiter_claim(t)) {
            if (t != w)
                t->index = w->index;
            return w;
        }
    }
    return NULL;
}

/* c locked: the flags say again whether anybody is queued (a buffered
 * channel's queues changed, or a party decided not to queue). */
static inline void chan_sync_flags(weft_chan_t *c)
{
    if (!c->cap)
        return;
    atomic_store_explicit(&c->recv_waiting, !weft_waitq_empty(&c->recvq), memory_order_relaxed);
    atomic_store_explicit(&c->send_waiting, !weft_waitq_empty(&c->sendq), memory_order_relaxed);
}

/* c locked, buffered: the handshake's first half for a party that may
 * queue on the dir side (WEFT_SEND: sendq). */
static inline void chan_announce(weft_chan_t *c, int dir)
{
    atomic_store_explicit(dir == WEFT_SEND ? &c->send_waiting : &c->recv_waiting, 1,
                          memory_order_seq_cst);
}

/* ---- the ring (buffered channels) ------------------------------------- */

enum { RING_OK, RING_FULL, RING_EMPTY = RING_FULL, RING_CLOSED };

static inline _Atomic uint64_t *ring_stamp(weft_chan_t *c, uint64_t index)
{
    return (_Atomic uint64_t *)(c->buf + index * c->cell_size);
}

static inline void *ring_elem(weft_chan_t *c, uint64_t index)
{
    return c->buf + index * c->cell_size + sizeof(uint64_t);
}

/* Another party is between its claim of a cell and its stamp: a few
 * instructions, unless the OS preempted it. */
static inline void ring_backoff(unsigned *n)
{
    if (*n < 6) {
        for (unsigned i = 0; i < (1u << *n); i++)
            weft_cpu_relax();
        ++*n;
    } else {
        weft_os_yield();
    }
}

/* The position after pos (no mark). */
static inline uint64_t ring_next(const weft_chan_t *c, uint64_t pos)
{
    uint64_t index = pos & (c->mark - 1);
    return index + 1 < c->cap ? pos + 1 : (pos & ~(c->one_lap - 1)) + c->one_lap;
}

/* Appends a copy of elem: RING_OK, RING_FULL, or RING_CLOSED (c's mark).
 * Cell `index` is free for position `tail` when its stamp is tail; it
 * still holds the value of the lap before when its stamp is
 * tail + 1 - one_lap. */
static inline int ring_push(weft_chan_t *c, const void *elem)
{
    unsigned spins = 0;
    uint64_t tail = atomic_load_explicit(&c->tail, memory_order_relaxed);
    for (;;) {
        if (tail & c->mark)
            return RING_CLOSED;
        uint64_t index = tail & (c->mark - 1);
        _Atomic uint64_t *stamp = ring_stamp(c, index);
        uint64_t s = atomic_load_explicit(stamp, memory_order_acquire);
        if (s == tail) {
            if (atomic_compare_exchange_weak_explicit(&c->tail, &tail, ring_next(c, tail),
                                                      memory_order_seq_cst, memory_order_relaxed)) {
                chan_copy(ring_elem(c, index), elem, c->elem_size);
                atomic_store_explicit(stamp, tail + 1, memory_order_release);
                return RING_OK;
            }
            continue; /* tail reloaded by the failed exchange */
        }
        if (s + c->one_lap == tail + 1) {
            /* full, unless a receiver has taken this cell and not yet
             * stamped it (head moved on): then wait for the stamp */
            uint64_t head = atomic_load_explicit(&c->head, memory_order_seq_cst);
            if (head + c->one_lap == tail)
                return RING_FULL;
            ring_backoff(&spins);
        }
        /* else another sender took this position: catch up */
        tail = atomic_load_explicit(&c->tail, memory_order_relaxed);
    }
}

/* Takes the oldest value into elem (NULL: discard): RING_OK, RING_EMPTY,
 * or RING_CLOSED (closed and drained; elem zeroed). */
static inline int ring_pop(weft_chan_t *c, void *elem)
{
    unsigned spins = 0;
    uint64_t head = atomic_load_explicit(&c->head, memory_order_relaxed);
    for (;;) {
        uint64_t index = head & (c->mark - 1);
        _Atomic uint64_t *stamp = ring_stamp(c, index);
        uint64_t s = atomic_load_explicit(stamp, memory_order_acquire);
        if (s == head + 1) {
            if (atomic_compare_exchange_weak_explicit(&c->head, &head, ring_next(c, head),
                                                      memory_order_seq_cst, memory_order_relaxed)) {
                chan_copy(elem, ring_elem(c, index), c->elem_size);
                atomic_store_explicit(stamp, head + c->one_lap, memory_order_release);
                return RING_OK;
            }
            continue;
        }
        if (s == head) {
            /* not stamped: empty, unless a sender has claimed the cell
             * and is still writing it (the handshake relies on this
             * load: see the file comment) */
            uint64_t tail = atomic_load_explicit(&c->tail, memory_order_seq_cst);
            if ((tail & ~c->mark) == head) {
                if (!(tail & c->mark))
                    return RING_EMPTY;
                if (elem && c->elem_size)
                    memset(elem, 0, c->elem_size);
                return RING_CLOSED;
            }
            ring_backoff(&spins);
        }
        head = atomic_load_explicit(&c->head, memory_order_relaxed);
    }
}

/* Claimed waiters to resume once the channel is unlocked, chained
 * through their `next` (free: a claimed plain waiter is off its queue, a
 * select's own waiter is never queued): `ok` were served by a partner
 * (WEFT_WAKE_OK, unbuffered), `done` by the ring on their behalf
 * (WEFT_WAKE_DONE), `retry` are to try again (WEFT_WAKE_RETRY). */
typedef struct {
    weft_waiter_t *ok, *done, *retry;
    int hand; /* in: the caller may take a sitter's token back (chan_seat_take) */
} chan_wakes_t;

static inline void chan_wakes_add(weft_waiter_t **chain, weft_waiter_t *t)
{
    t->next = *chain;
    *chain = t;
}

static inline void chan_resume_chain(weft_waiter_t *t, int reason)
{
    while (t) {
        weft_waiter_t *next = t->next; /* before the resume: t may vanish right after it */
        weft_waiter_resume(t, reason);
        t = next;
    }
}

static inline void chan_wakes_resume(chan_wakes_t *wk)
{
    chan_resume_chain(wk->ok, WEFT_WAKE_OK);
    chan_resume_chain(wk->done, WEFT_WAKE_DONE);
    chan_resume_chain(wk->retry, WEFT_WAKE_RETRY);
}

/* ---- the seat (unbuffered) --------------------------------------------- */

/* c locked, somebody sits: this call wins the sitter (nobody else can: a
 * sitter's own timeout or interrupt takes the lock to leave the seat,
 * weft_chan_unseat_ext) and empties the seat.  A sitting sender's value
 * goes to elem (NULL: discard); a sitting receiver gets *elem.  If the
 * caller is a Java party that hands the outcome over itself (wk->hand)
 * and no other token is on its way back to it, the sitter's token goes
 * back to the caller and nothing of the sitter's is touched: the point of
 * the seat.  Otherwise the sitter's waiter is claimed, filled and resumed
 * like a queued one. */
static inline void chan_seat_take(weft_chan_t *c, void *elem, chan_wakes_t *wk)
{
    struct chan_seat *s = &c->seat;
    int sender = s->dir == WEFT_SEND;
    s->dir = 0;
    if (sender)
        chan_copy(elem, &s->value, sizeof s->value);
    if (wk->hand) {
        /* wk->hand is only set by external parties, which registered the hook first */
        weft_hand_back_fn back = atomic_load_explicit(&weft_hand_back, memory_order_relaxed);
        if (back && back(s->token))
            return;
    }
    weft_waiter_t *w = s->w;
    if (!weft_waiter_claim(w))
        return; /* cannot happen: only the seat's holder claims a sitter */
    if (!sender)
        chan_copy(w->elem, elem, sizeof s->value);
    chan_wakes_add(&wk->ok, w);
}

/* Peeks (the ring moves under us: a stale answer only costs a claimed
 * waiter told to retry, or is corrected by the handshake). */
static inline int ring_has_value(weft_chan_t *c)
{
    uint64_t head = atomic_load_explicit(&c->head, memory_order_relaxed);
    return atomic_load_explicit(ring_stamp(c, head & (c->mark - 1)), memory_order_relaxed) == head + 1;
}

static inline int ring_has_room(weft_chan_t *c)
{
    uint64_t tail = atomic_load_explicit(&c->tail, memory_order_relaxed);
    return !(tail & c->mark) &&
           atomic_load_explicit(ring_stamp(c, tail & (c->mark - 1)), memory_order_relaxed) == tail;
}

/* c locked, buffered, after the ring changed: serves queued parties while
 * the ring allows, in their queue order -- a waiting receiver gets the
 * oldest value, a waiting sender's value goes to the tail -- so that
 * parties that queued keep Go's first-come-first-served order among
 * themselves.  Each served party moves the ring the other way, which may
 * serve one of the other queue in turn.  Leaves the flags in sync. */
static inline void chan_settle_locked(weft_chan_t *c, chan_wakes_t *wk)
{
    for (;;) {
        weft_waiter_t *w;
        if (!weft_waitq_empty(&c->recvq) && ring_has_value(c)) {
            if ((w = chan_dequeue(&c->recvq)) != NULL)
                chan_wakes_add(ring_pop(c, w->elem) == RING_OK ? &wk->done : &wk->retry, chan_target(w));
            continue;
        }
        if (!weft_waitq_empty(&c->sendq) && ring_has_room(c)) {
            if ((w = chan_dequeue(&c->sendq)) != NULL)
                chan_wakes_add(ring_push(c, w->elem) == RING_OK ? &wk->done : &wk->retry, chan_target(w));
            continue;
        }
        chan_sync_flags(c);
        return;
    }
}

/* The operations on a locked channel that send/recv's slow paths and
 * select use; each returns 1 if it completed the operation (c still
 * locked, parties to resume after unlocking added to *wk), 0 if it would
 * block. */

/* Send `elem` on locked, open c. */
static inline int chan_try_send_locked(weft_chan_t *c, const void *elem, chan_wakes_t *wk)
{
    if (c->cap) {
        /* open under the lock, so RING_CLOSED cannot happen: close marks
         * tail under the lock */
        if (ring_push(c, elem) != RING_OK)
            return 0;
        chan_settle_locked(c, wk);
        return 1;
    }
    if (c->seat.dir == WEFT_RECV) {
        chan_seat_take(c, (void *)elem, wk); /* the seat is older than the queue */
        return 1;
    }
    weft_waiter_t *w = chan_dequeue(&c->recvq);
    if (w) {
        /* a receiver is waiting: hand the value straight to it */
        chan_copy(w->elem, elem, c->elem_size);
        chan_wakes_add(&wk->ok, chan_target(w));
        return 1;
    }
    return 0;
}

/* Receive into `elem` (NULL: discard) from locked c.  Returns 1 with
 * *closed = 0 for a value, 1 with *closed = 1 when c is closed and
 * drained (elem zeroed), 0 if it would block. */
static inline int chan_try_recv_locked(weft_chan_t *c, void *elem, chan_wakes_t *wk, int *closed)
{
    *closed = 0;
    if (c->cap) {
        int r = ring_pop(c, elem);
        if (r == RING_EMPTY)
            return 0;
        if (r == RING_CLOSED)
            *closed = 1;
        else
            chan_settle_locked(c, wk);
        return 1;
    }
    if (c->seat.dir == WEFT_SEND) {
        chan_seat_take(c, elem, wk);
        return 1;
    }
    weft_waiter_t *w = chan_dequeue(&c->sendq);
    if (w) {
        /* take the value from the waiting sender */
        chan_copy(elem, w->elem, c->elem_size);
        chan_wakes_add(&wk->ok, chan_target(w));
        return 1;
    }
    if (c->closed) {
        if (elem && c->elem_size)
            memset(elem, 0, c->elem_size);
        *closed = 1;
        return 1;
    }
    return 0;
}

/* Channels made and not yet freed (weft_stats' `channels`, chan.c). */
uint64_t weft_chan_live(void);

/* chan.c, select.c: the forms for external waiters (wait.h).  hand: 0,
 * or the caller's token if it is a Java party that hands over the
 * outcome of a wait it completes and accepts one for its own wait
 * (Parking.handOver): then it may take a sitter's token back
 * (chan_seat_take) and may sit itself, which these report as
 * WEFT_EXT_SEATED instead of WEFT_EXT_PARKED. */
#define WEFT_EXT_SEATED (WEFT_EXT_PARKED + 1)
int weft_chan_send_ext(weft_chan_t *c, const void *elem, weft_waiter_t *w, int64_t hand);
int weft_chan_recv_ext(weft_chan_t *c, void *elem, weft_waiter_t *w, int64_t hand);
void weft_chan_unqueue_ext(weft_chan_t *c, int dir, weft_waiter_t *w);
/* After the owner of sitter w won it itself: 1 if w still sat and has
 * left the seat; 0 if a partner or a close took it first (its token is
 * on its way, or the partner handed the outcome over). */
int weft_chan_unseat_ext(weft_chan_t *c, weft_waiter_t *w);
size_t weft_chan_queued(weft_chan_t *c, int dir); /* tests */

/* A select by an external waiter: the caller's storage for the case
 * waiters and orders lives as long as the wait (ext.c owns it). */
typedef struct {
    weft_case_t *cases;
    int n;
    int m;                 /* non-NULL cases, set by weft_select_ext */
    int *pollorder, *lockorder; /* n ints each */
    weft_waiter_t *cw;     /* n case waiters */
    weft_waiter_t *sel;    /* the decisive waiter, initialised external */
} weft_select_ext_t;
int weft_select_ext(weft_select_ext_t *s, int dflt, int hand);
int weft_select_ext_end(weft_select_ext_t *s);

#endif /* WEFT_CHAN_H */
