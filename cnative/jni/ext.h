/*
 * ext.h - operations of parties outside the runtime (internal).
 *
 * Java's virtual threads block on Weft's channels and locks without ever
 * blocking inside a native call (docs/architecture.md, "Two kinds of
 * coroutine, one set of primitives"): each
 * blocking operation is split in two non-blocking halves around a park
 * that happens on the Java side.
 *
 *   1. start: weft_ext_<op>(x, ..., token) completes the operation at
 *      once (WEFT_OK, WEFT_ECLOSED, WEFT_EAGAIN ...) or queues x's
 *      external waiter on the object and returns WEFT_EXT_PARKED;
 *   2. the party parks (LockSupport.park) until its token is delivered
 *      (below) -- or gives up: weft_ext_abort(x, reason) wins x for a
 *      timeout or an interrupt if nobody has yet, and unqueues it;
 *   3. weft_ext_result(x) reports the outcome (and, for a select, does
 *      the select's last pass) and makes x idle for the next operation.
 *
 * Delivery of a token.  Whoever wins x (a C coroutine's send, a Java
 * thread's unlock, a close) calls x's notify from wherever it runs, which
 * may be a coroutine stack where calling Java is not allowed.  So notify
 * only records the token:
 *   - if the waker is itself a Java thread inside one of these calls
 *     (weft_ext_direct_begin/end bracket it), the first token is handed
 *     back to it as the call's result and it unparks the owner directly:
 *     no other thread is involved on the ping-pong path;
 *   - otherwise (and for a second token in the same call) x is pushed on
 *     a global lock-free wake queue, and the one thread that drains it
 *     (weft_ext_wake_wait: a Java daemon thread, blocked in native code,
 *     which is fine for a platform thread) is woken if it sleeps.
 *
 * Lifetime.  x belongs to its owner, who frees or reuses it only after
 * step 3.  Step 3 happens only after the token was delivered (or the
 * owner's own abort won, when no notify ever runs), and the drainer reads
 * the token from x before delivering it, so x is never touched after its
 * owner let go of it.
 */
#ifndef WEFT_EXT_H
#define WEFT_EXT_H

#include <stdint.h>

#include "chan.h"
#include "sync.h"

typedef struct weft_ext weft_ext_t;

/* elem_bytes: room for one channel element (send source / recv target);
 * max_cases: the largest select it will run (its cases' 8-byte values
 * live in x).  NULL when out of memory. */
weft_ext_t *weft_ext_new(size_t elem_bytes, int max_cases);
/* EBUSY if x is in the middle of an operation (steps 1-3). */
int weft_ext_free(weft_ext_t *x);
void *weft_ext_elem(weft_ext_t *x);
size_t weft_ext_elem_size(const weft_ext_t *x);
int weft_ext_max_cases(const weft_ext_t *x);
int64_t *weft_ext_case_values(weft_ext_t *x);

/* Hand-over.  A Java caller that hands over the outcome of a channel
 * wait it completes (Parking.handOver), and takes one for its own, says
 * so with WEFT_EXT_HAND in may_block: its plain channel operations may
 * then sit in a channel's seat and take a sitter's token back (chan.h,
 * the seat).  A sitter whose outcome came by hand was never told so
 * natively: its owner says it with WEFT_EXT_HANDED or'ed into the token
 * of its next start (any kind), or weft_ext_handed before freeing x. */
#define WEFT_EXT_HAND 2
#define WEFT_EXT_HANDED ((int64_t)1 << 32)
void weft_ext_handed(weft_ext_t *x);

/* step 1; token > 0 (| WEFT_EXT_HANDED).  A channel's element is x's elem
 * (set it before a send; it holds what was received after a recv).
 * may_block: 0 try, 1 may queue, | WEFT_EXT_HAND. */
int weft_ext_chan_send(weft_ext_t *x, weft_chan_t *c, int may_block, int64_t token);
int weft_ext_chan_recv(weft_ext_t *x, weft_chan_t *c, int may_block, int64_t token);
/* n cases on channels of 8-byte elements; dirs WEFT_SEND/WEFT_RECV; the
 * values to send are in weft_ext_case_values(x)[i] beforehand, a received
 * one is there afterwards.  dflt: 1 returns WEFT_EAGAIN rather than
 * queue; | WEFT_EXT_HAND: the case that fires at once may take a sitter's
 * token back, as a plain operation may (the caller hands the sitter its
 * outcome, and a sitting receiver its value, which is then nowhere else).
 * Returns the index that fired at once, or WEFT_EXT_PARKED, or an error. */
int weft_ext_select(weft_ext_t *x, int n, weft_chan_t *const *chans, const int *dirs, int dflt,
                    int64_t token);
/* after a select: 1 if case `index` fired because its channel is closed */
int weft_ext_select_closed(const weft_ext_t *x, int index);
int weft_ext_mutex_lock(weft_ext_t *x, struct weft_mutex *m, int64_t token);
int weft_ext_rwlock_lock(weft_ext_t *x, struct weft_rwlock *rw, int write, int64_t token);
int weft_ext_sem_acquire(weft_ext_t *x, struct weft_sem *s, int64_t token);
int weft_ext_wg_wait(weft_ext_t *x, struct weft_wg *wg, int64_t token);
int weft_ext_cond_wait(weft_ext_t *x, struct weft_cond *c, weft_mutex_t *m, int64_t token);

/* step 2: 1 if settled (its token was, or is being, delivered) */
int weft_ext_settled(const weft_ext_t *x);
/* step 2: reason WEFT_ETIMEDOUT or WEFT_ECANCELED.  1: this call won x
 * (x unqueued; step 3 will report `reason`); 0: someone else won first
 * (their token is on its way: wait for it, then step 3 reports theirs). */
int weft_ext_abort(weft_ext_t *x, int reason);
/* step 3: WEFT_OK / WEFT_ECLOSED / the abort's reason; for a select the
 * index that fired (WEFT_ECLOSED for a send case on a closed channel).
 * WEFT_EAGAIN if x is not settled yet (nothing changes then). */
int weft_ext_result(weft_ext_t *x);

/* Delivery (file comment).  direct_end returns the token handed back to
 * this thread (0: none) and ends the bracket. */
void weft_ext_direct_begin(void);
int64_t weft_ext_direct_end(void);
/* The drainer: waits until deadline (weft_now() ns, -1: none) for tokens,
 * stores up to max of them in out and returns how many (0: deadline, or
 * weft_ext_wake_interrupt). */
int weft_ext_wake_wait(int64_t *out, int max, int64_t deadline);
void weft_ext_wake_interrupt(void);
/* tokens queued and not yet taken (tests) */
long weft_ext_wake_pending(void);

#endif /* WEFT_EXT_H */
