/*
 * wait.h - the one blocking protocol every Weft primitive uses (channels,
 * select, mutexes, conditions, semaphores, WaitGroups, join, sleep; later
 * the poller and Java's virtual threads).
 *
 * A waiter stands for one blocked party.  Its kind says how to wake it:
 *
 *   WEFT_WAITER_CO      a native coroutine: made runnable on a worker;
 *   WEFT_WAITER_THREAD  a plain thread (C pthread, Java platform thread):
 *                       its per-thread parker is signalled;
 *   WEFT_WAITER_EXTERNAL someone else's (Java's virtual threads, issue 5):
 *                       `notify(w, reason)` is called by the winner of the
 *                       wake, with the state it published.
 *                       notify runs in the waker's context, which may be a
 *                       coroutine stack: it must only record the token
 *                       (e.g. push it on a queue a Java thread drains),
 *                       never call into the JVM.
 *
 * The protocol, for an operation guarded by a lock L (a channel's lock,
 * a mutex's wait-queue lock):
 *
 *   1. lock L; test the condition; if it holds, act and unlock: done.
 *   2. weft_waiter_init(&w); fill w's payload (elem pointer, case index);
 *      enqueue &w on the object's wait queue.
 *   3. r = weft_waiter_park(&w, &L, deadline): releases L only *after*
 *      this party has stopped running (a coroutine: after its switch to
 *      the scheduler completed; a thread: just before it sleeps), then
 *      sleeps until some party wins the waiter.
 *   4. on return r says who won: WEFT_WAKE_OK (a waker completed the
 *      operation: data copied, lock handed over), WEFT_WAKE_CLOSED,
 *      WEFT_ETIMEDOUT, WEFT_ECANCELED.  For TIMEDOUT/CANCELED the waiter
 *      may still be on the object's queue: lock L and unlink it
 *      (weft_waitq_remove is a no-op if a waker already did).
 *
 * Wakers (with L held): take a waiter from the queue and call
 * weft_waiter_wake(w, reason).  It returns 1 if this call won: then the
 * waker owns the waiter's payload until it returns (copy the data in
 * *before* calling wake with the final reason, or use weft_waiter_claim
 * + weft_waiter_resume to split the two).  0 means a timeout or a
 * cancellation already won: skip this waiter and try the next.
 *
 * Why no wake is lost and none is doubled: exactly one compare-and-swap
 * of w->state from WEFT_WAIT_PENDING succeeds, and only its winner
 * resumes the party.  Resuming a coroutine that has not finished
 * switching out is safe: weft_co_ready records the wake-up and the
 * scheduler, once the switch-out is complete, requeues it instead of
 * parking it (sched.c, "park handshake").
 */
#ifndef WEFT_WAIT_H
#define WEFT_WAIT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#include "lock.h"

enum {
    WEFT_WAITER_CO = 1,
    WEFT_WAITER_THREAD = 2,
    WEFT_WAITER_EXTERNAL = 3,
};

/* w->state.  Waking reasons are >= 1; errors reuse the public codes. */
enum {
    WEFT_WAIT_PENDING = 0,
    WEFT_WAIT_CLAIMED = -1000, /* a waker is filling the payload (claim/resume) */
    WEFT_WAKE_OK = 1,
    WEFT_WAKE_CLOSED = 2,
    WEFT_WAKE_RETRY = 3,  /* try the operation again: mutex.c, the lock was released;
                             chan.c, a buffered channel gained a value or room */
    WEFT_WAKE_DONE = 4,   /* chan.c: a buffered channel's waker moved the value
                             to or from the ring for this waiter: done */
    /* WEFT_ETIMEDOUT, WEFT_ECANCELED (negative, from weft.h) */
};

struct weft_co;
struct weft_parker;
struct weft_worker;
typedef struct weft_waiter weft_waiter_t;

/* A timer entry, embedded in a waiter with a deadline (timer.c). */
typedef struct weft_timer {
    int64_t deadline;
    int index;                 /* position in its heap; -1 when not in one */
    struct weft_worker *heap;  /* whose heap, while index >= 0 */
    weft_waiter_t *waiter;
} weft_timer_t;

struct weft_waiter {
    /* First 64 bytes: everything a queue operation and a waker of an
     * external waiter read or write, so that completing a Java thread's
     * wait moves one cache line (two with the element, below) from the
     * waiting core instead of four: measured with perf on the Java
     * ping-pong, each of those lines was a stall of its own. */
    _Atomic int state;         /* WEFT_WAIT_PENDING until won */
    int kind;                  /* WEFT_WAITER_* */
    /* wait-queue links (weft_waitq), owned by the queue's lock */
    weft_waiter_t *next, *prev;
    /* payload, the operation's business */
    void *elem;                /* channel element to read from / write to */
    void *shared;              /* select: the one state shared by its waiters */
    int index;                 /* select: the case this waiter stands for */
    int queued;
    void (*notify)(weft_waiter_t *w, int reason); /* WEFT_WAITER_EXTERNAL */
    void *token;               /* for notify's use */

    /* Second line: the other kinds' parties, then an element buffer an
     * external waiter's owner may point elem at (ext.c does for elements
     * of up to 16 bytes), so that the waker's copy lands next to the
     * line it already holds rather than in a record's far end. */
    struct weft_co *co;        /* WEFT_WAITER_CO */
    struct weft_parker *parker;/* WEFT_WAITER_THREAD */
    alignas(16) unsigned char inline_elem[16];

    /* cold: read by weft_dump, the timer heap, the mutex's fairness */
    void *obj;                 /* the object waited on (for weft_dump) */
    const char *what;          /* "chan recv", "mutex", "sleep" ... (for weft_dump) */
    int nocancel;              /* 1: weft_cancel does not end this wait (scope waits) */
    int64_t since;             /* mutex.c: when this party first queued (starvation mode) */

    weft_timer_t timer;
};

/* A waiter state that says who won: neither still pending nor claimed by
 * a waker that is filling the payload. */
static inline int weft_wait_settled(int state)
{
    return state != WEFT_WAIT_PENDING && state != WEFT_WAIT_CLAIMED;
}

/* Sets kind from the caller: a coroutine if called on one, else a thread. */
void weft_waiter_init(weft_waiter_t *w, const char *what, void *obj);

/* An external waiter (ext.c): its owner keeps it in memory that outlives
 * the wait, and learns of the outcome through notify(w), called once by
 * whoever wins it.  The *_ext forms of the blocking operations (chan.c,
 * select.c, mutex.c, sem.c, wg.c, rwlock.c, cond.c) take such a waiter:
 * they complete at once (WEFT_OK, WEFT_ECLOSED...) or queue it and
 * return WEFT_EXT_PARKED, never block; each has an *_unqueue_ext that
 * takes the waiter off its queue again after its owner won it itself
 * (a timeout or an interrupt on the Java side). */
void weft_waiter_init_external(weft_waiter_t *w, const char *what, void *obj,
                               void (*notify)(weft_waiter_t *w, int reason), void *token);
/* The hand-back hook: for a waker that completes an external party's
 * wait without touching its waiter (chan.h, the seat).  The layer that
 * owns external waiters (the JNI glue, cnative/jni/ext.c) registers it
 * before its first *_ext call; the core never names that layer.  The
 * hook returns 1 if the caller is such a party, able to take `token`
 * back as its own call's result (and none is on its way back to it
 * yet), else 0.  Registering again replaces it; there is one owner. */
typedef int (*weft_hand_back_fn)(int64_t token);
void weft_waiter_set_hand_back(weft_hand_back_fn fn);
/* the registered hook, NULL until then (wait.c) */
extern _Atomic(weft_hand_back_fn) weft_hand_back;
/* Above every select case index (at most 4096 cases) and below
 * WEFT_JNI_SELECT_CLOSED: a select that fires case 3 at once must not
 * read as "parked". */
#define WEFT_EXT_PARKED 0x2000

/* Blocks the caller until w is won; see the protocol above.  `unlock`
 * (may be NULL) is released once the caller has stopped running.
 * deadline: absolute weft_now() ns, or -1 for none.  A pending
 * cancellation of the calling coroutine wins with WEFT_ECANCELED. */
int weft_waiter_park(weft_waiter_t *w, weft_spin_t *unlock, int64_t deadline);

/* Tries to win w for `reason` and, if won, resumes its party.  Returns 1
 * if this call won, 0 if another party had already won. */
int weft_waiter_wake(weft_waiter_t *w, int reason);

/* Two-step form for wakers that must fill the payload after winning:
 * claim (1 = won; the party cannot be woken by anyone else any more),
 * then resume with the final reason. */
int weft_waiter_claim(weft_waiter_t *w);
void weft_waiter_resume(weft_waiter_t *w, int reason);

/* ---- FIFO wait queues (intrusive, guarded by the owner's lock) -------- */
typedef struct weft_waitq {
    weft_waiter_t *head, *tail;
} weft_waitq_t;

void weft_waitq_push(weft_waitq_t *q, weft_waiter_t *w);
void weft_waitq_push_front(weft_waitq_t *q, weft_waiter_t *w); /* jumps the queue (mutex.c's retry) */
weft_waiter_t *weft_waitq_pop(weft_waitq_t *q);    /* NULL if empty */
void weft_waitq_remove(weft_waitq_t *q, weft_waiter_t *w); /* no-op if not queued */
static inline int weft_waitq_empty(const weft_waitq_t *q) { return q->head == 0; }

#endif /* WEFT_WAIT_H */
