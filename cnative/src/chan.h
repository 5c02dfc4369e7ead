/*
 * chan.h - the channel record and the helpers chan.c and select.c share
 * (internal).
 *
 * Invariants (Go's chan.go, adapted), all under `lock`:
 *
 *   - At most one of recvq and sendq holds waiters that can still be won,
 *     except while a select has cases on both ends of the same channel
 *     (then both queues may hold its waiters, all sharing one state).
 *     Queues may also hold dead entries: waiters another party already
 *     won (a timeout, a cancellation, another case of the same select).
 *     Whoever pops one skips it: a waker only acts on a waiter it claims.
 *   - Buffered (cap > 0): recvq non-empty implies the buffer is empty;
 *     sendq non-empty implies the buffer is full.
 *   - Unbuffered (cap == 0): count is always 0; a value goes straight from
 *     the sender's elem to the receiver's elem while both are known to the
 *     party holding the lock.
 *   - closed: once set, never cleared; both queues are empty (close won
 *     or skipped every waiter) and no waiter is added any more.  The
 *     buffer may still hold values: receivers drain them first.
 *
 * A waiter on a channel queue (wait.h) carries:
 *   elem    the sender's value (send) or the receiver's destination, NULL
 *           to discard (recv);
 *   shared  NULL for a plain send/recv; for a select case, the select's
 *           one parked waiter, whose state decides which case wins
 *           (select.c);
 *   index   for a select case: the case's index in the caller's array.
 * The party that wins a waiter is the one whose weft_waiter_claim on
 * chan_target(w) succeeds; it then fills the payload, records the case
 * index (select), and calls weft_waiter_resume.
 */
#ifndef WEFT_CHAN_H
#define WEFT_CHAN_H

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "runtime.h"

/* Go's limit: larger values belong behind a pointer. */
#define WEFT_CHAN_ELEM_MAX ((size_t)64 * 1024)

struct weft_chan {
    /* First 64 bytes (the allocation is 64-aligned, chan.c): what every
     * operation reads and writes under the lock, on one line.
     * guards everything below but the immutable fields and `refs` */
    weft_spin_t lock;
    int closed;
    size_t sendx, recvx;         /* buffer ring: next slot to fill / to take */
    _Atomic size_t count;        /* values in the buffer; written under lock,
                                    read without it by weft_chan_len */
    weft_waitq_t recvq, sendq;   /* blocked receivers / senders, FIFO */

    /* second line: read by every operation, written almost never */
    /* immutable after weft_chan_make */
    size_t elem_size;
    size_t cap;
    unsigned char *buf;          /* cap * elem_size bytes, right after the struct */

    _Atomic long refs;           /* handles: weft_chan_make + retain - release */
};
_Static_assert(offsetof(struct weft_chan, elem_size) == 64 || sizeof(void *) != 8,
               "a channel's hot fields no longer fill exactly its first line");

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

static inline void *chan_slot(weft_chan_t *c, size_t i)
{
    return c->buf + i * c->elem_size;
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

/* The operations on a locked channel that both send/recv and select
 * use; each returns 1 if it completed the operation (c still locked,
 * *wake set to a claimed waiter to resume with WEFT_WAKE_OK after
 * unlocking, or NULL), 0 if it would block. */

/* Send `elem` on locked, open c. */
static inline int chan_try_send_locked(weft_chan_t *c, const void *elem, weft_waiter_t **wake)
{
    weft_waiter_t *w = chan_dequeue(&c->recvq);
    if (w) {
        /* a receiver is waiting (so the buffer is empty): hand the
         * value straight to it */
        chan_copy(w->elem, elem, c->elem_size);
        *wake = chan_target(w);
        return 1;
    }
    size_t n = atomic_load_explicit(&c->count, memory_order_relaxed);
    if (n < c->cap) {
        chan_copy(chan_slot(c, c->sendx), elem, c->elem_size);
        if (++c->sendx == c->cap)
            c->sendx = 0;
        atomic_store_explicit(&c->count, n + 1, memory_order_relaxed);
        *wake = NULL;
        return 1;
    }
    return 0;
}

/* Receive into `elem` (NULL: discard) from locked c.  Returns 1 with
 * *closed = 0 for a value, 1 with *closed = 1 when c is closed and
 * drained (elem zeroed), 0 if it would block. */
static inline int chan_try_recv_locked(weft_chan_t *c, void *elem, weft_waiter_t **wake, int *closed)
{
    size_t n = atomic_load_explicit(&c->count, memory_order_relaxed);
    *closed = 0;
    if (n > 0) {
        void *slot = chan_slot(c, c->recvx);
        chan_copy(elem, slot, c->elem_size);
        weft_waiter_t *w = chan_dequeue(&c->sendq);
        if (w) {
            /* the buffer is full and a sender waits: its value takes
             * the slot just emptied, which becomes the ring's tail
             * (FIFO is kept: it queued after everything buffered) */
            chan_copy(slot, w->elem, c->elem_size);
            if (++c->recvx == c->cap)
                c->recvx = 0;
            c->sendx = c->recvx;
            *wake = chan_target(w);
        } else {
            if (++c->recvx == c->cap)
                c->recvx = 0;
            atomic_store_explicit(&c->count, n - 1, memory_order_relaxed);
            *wake = NULL;
        }
        return 1;
    }
    weft_waiter_t *w = chan_dequeue(&c->sendq);
    if (w) {
        /* unbuffered: take the value from the waiting sender */
        chan_copy(elem, w->elem, c->elem_size);
        *wake = chan_target(w);
        return 1;
    }
    if (c->closed) {
        if (elem && c->elem_size)
            memset(elem, 0, c->elem_size);
        *wake = NULL;
        *closed = 1;
        return 1;
    }
    return 0;
}

/* chan.c, select.c: the forms for external waiters (wait.h) */
int weft_chan_send_ext(weft_chan_t *c, const void *elem, weft_waiter_t *w);
int weft_chan_recv_ext(weft_chan_t *c, void *elem, weft_waiter_t *w);
void weft_chan_unqueue_ext(weft_chan_t *c, int dir, weft_waiter_t *w);
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
int weft_select_ext(weft_select_ext_t *s, int dflt);
int weft_select_ext_end(weft_select_ext_t *s);

#endif /* WEFT_CHAN_H */
