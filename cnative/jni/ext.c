/*
 * ext.c - operations of parties outside the runtime: the two halves of
 * every blocking operation, and the delivery of their wake-ups (ext.h has
 * the protocol and the lifetime argument).
 */
#include "ext.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "os/os.h"
#include "fault.h"

enum { EXT_IDLE, EXT_CHAN_SEND, EXT_CHAN_RECV, EXT_SELECT, EXT_MUTEX, EXT_RWLOCK, EXT_SEM,
       EXT_WG, EXT_COND };

struct weft_ext {
    weft_waiter_t w;              /* first: notify gets &x->w */
    int op;                       /* EXT_*: what x is queued for (IDLE between operations) */
    int seated;                   /* op is a channel's: x sits in its seat (chan.h) */
    void *obj;                    /* what it is queued on */
    struct weft_ext *wake_next;   /* the wake queue's link */
    unsigned char *buf;           /* the element: w.inline_elem if it fits, else elem[] */

    int max_cases;
    weft_case_t *cases;           /* max_cases each */
    int *orders;                  /* 2 * max_cases */
    weft_waiter_t *cw;
    int64_t *vals;
    weft_select_ext_t sel;

    size_t elem_size;
    alignas(16) unsigned char elem[];
};

/* ---- delivery ------------------------------------------------------------ */

/* The bracket of a call by a Java thread (ext.h): 1 while inside; the
 * token handed back.  Only Java threads ever set direct_on, and notify
 * reads it on whatever thread wins the waiter.  Initial-exec TLS (see
 * fault.h): every Java call into a channel or lock touches both, and the
 * default model for a shared library costs a __tls_get_addr call each
 * time (0.2-0.3% of the unbuffered ping-pong's samples under perf). */
static _Thread_local int direct_on WEFT_TLS_IE;
static _Thread_local int64_t direct_tok WEFT_TLS_IE;

/* The wake queue: a Treiber stack pushed with CAS and emptied whole with
 * one exchange by the drainer, which keeps what it has not handed out yet
 * in `stash` (oldest first).  No ABA: nothing is ever popped singly from
 * the shared head. */
static _Atomic(weft_ext_t *) wake_head;
static _Atomic long wake_count;
static weft_spin_t drain_lock = WEFT_SPIN_INIT; /* guards stash; one drainer at a time */
static weft_ext_t *stash;

/* The drainer, when it sleeps.  Dekker pair: the drainer stores
 * drainer_sleeping = 1 then looks at wake_head; a pusher pushes then
 * looks at drainer_sleeping (all sequentially consistent), so a push is
 * never left behind a sleeping drainer.  The drainer sleeps on a parker
 * of its own that is never freed: a pusher may unpark it just as the
 * drainer returns and its thread exits (a thread's own parker is freed
 * at its exit, which TSan caught as a use after free).  One drainer at a
 * time. */
static _Atomic(struct weft_parker *) drain_parker;
static _Atomic int drainer_sleeping;
static _Atomic int drainer_interrupt;

static struct weft_parker *drainer_parker(void)
{
    struct weft_parker *p = atomic_load(&drain_parker);
    if (p)
        return p;
    struct weft_parker *n = weft_parker_new();
    if (!n)
        return NULL;
    if (!atomic_compare_exchange_strong(&drain_parker, &p, n)) {
        weft_parker_free(n); /* another thread made it first */
        return p;
    }
    return n;
}

static void wake_drainer(void)
{
    int one = 1;
    if (atomic_load(&drainer_sleeping) && atomic_compare_exchange_strong(&drainer_sleeping, &one, 0))
        weft_parker_unpark(atomic_load(&drain_parker));
}

/* The owner's token rides in w.token (a Java token is a positive int,
 * so the round trip through a pointer is exact): notify then reads only
 * the waiter's first line (wait.h). */
static int64_t token_of(const weft_ext_t *x)
{
    return (int64_t)(intptr_t)x->w.token;
}

/* A token handed back negated means "delivered, but ask": the wake was
 * not this call's own value given to the owner (a buffered channel moved
 * the ring's oldest value, or said "try again"; a mutex released; a
 * close), so the Java caller must not hand its own outcome over
 * (Parking.handOver). */
static void notify(weft_waiter_t *w, int reason)
{
    weft_ext_t *x = (weft_ext_t *)w;
    if (direct_on && !direct_tok) {
        int64_t t = token_of(x); /* x is not touched again */
        direct_tok = reason == WEFT_WAKE_OK ? t : -t;
        return;
    }
    weft_ext_t *head = atomic_load_explicit(&wake_head, memory_order_relaxed);
    do
        x->wake_next = head;
    while (!atomic_compare_exchange_weak(&wake_head, &head, x));
    atomic_fetch_add(&wake_count, 1);
    wake_drainer();
}

/* The core's hand-back hook (wait.h), registered by weft_ext_new: every
 * start of an operation needs an x, so it is in place before the first
 * caller that may take a token back. */
static int hand_direct(int64_t token)
{
    if (!direct_on || direct_tok)
        return 0;
    direct_tok = token;
    return 1;
}

void weft_ext_direct_begin(void)
{
    direct_on = 1;
    direct_tok = 0;
}

int64_t weft_ext_direct_end(void)
{
    direct_on = 0;
    int64_t t = direct_tok;
    direct_tok = 0;
    return t;
}

/* drain_lock held */
static int take(int64_t *out, int max)
{
    if (!stash) {
        weft_ext_t *l = atomic_exchange(&wake_head, NULL), *rev = NULL;
        while (l) { /* newest first -> oldest first */
            weft_ext_t *next = l->wake_next;
            l->wake_next = rev;
            rev = l;
            l = next;
        }
        stash = rev;
    }
    int n = 0;
    while (stash && n < max) {
        weft_ext_t *x = stash;
        stash = x->wake_next;
        out[n++] = token_of(x); /* read before the owner can see it delivered */
    }
    if (n)
        atomic_fetch_sub(&wake_count, n);
    return n;
}

int weft_ext_wake_wait(int64_t *out, int max, int64_t deadline)
{
    if (!out || max <= 0)
        return WEFT_EINVAL;
    struct weft_parker *self = drainer_parker();
    if (!self)
        return WEFT_ENOMEM;
    for (;;) {
        weft_spin_lock(&drain_lock);
        int n = take(out, max);
        weft_spin_unlock(&drain_lock);
        if (n)
            return n;
        if (atomic_exchange(&drainer_interrupt, 0))
            return 0;
        if (deadline >= 0 && weft_now() >= deadline)
            return 0;
        atomic_store(&drainer_sleeping, 1);
        if (!atomic_load(&wake_head) && !atomic_load(&drainer_interrupt))
            weft_parker_wait(self, deadline);
        atomic_store(&drainer_sleeping, 0);
    }
}

void weft_ext_wake_interrupt(void)
{
    atomic_store(&drainer_interrupt, 1);
    struct weft_parker *p = drainer_parker();
    if (p)
        weft_parker_unpark(p); /* a permit: the next wait returns at once */
}

long weft_ext_wake_pending(void)
{
    return atomic_load(&wake_count);
}

/* ---- records --------------------------------------------------------------- */

static size_t align_up(size_t n, size_t a)
{
    return (n + a - 1) & ~(a - 1);
}

weft_ext_t *weft_ext_new(size_t elem_bytes, int max_cases)
{
    if (elem_bytes > WEFT_CHAN_ELEM_MAX || max_cases < 0 || max_cases > 4096)
        return NULL;
    size_t head = align_up(sizeof(weft_ext_t) + (elem_bytes ? elem_bytes : 1), 16);
    size_t k = (size_t)max_cases;
    size_t off_cases = head;
    size_t off_cw = align_up(off_cases + k * sizeof(weft_case_t), 16);
    size_t off_vals = align_up(off_cw + k * sizeof(weft_waiter_t), 16);
    size_t off_orders = off_vals + k * sizeof(int64_t);
    size_t total = off_orders + 2 * k * sizeof(int);
    /* 128-aligned: a waiter's two hot lines (wait.h) are then one aligned
     * pair, which the core's adjacent-line prefetch fetches together */
    weft_ext_t *x = weft_aligned_alloc(128, total);
    if (!x)
        return NULL;
    memset(x, 0, total);
    char *base = (char *)x;
    x->buf = elem_bytes <= sizeof x->w.inline_elem ? x->w.inline_elem : x->elem;
    x->op = EXT_IDLE;
    x->elem_size = elem_bytes;
    x->max_cases = max_cases;
    x->cases = (weft_case_t *)(base + off_cases);
    x->cw = (weft_waiter_t *)(base + off_cw);
    x->vals = (int64_t *)(base + off_vals);
    x->orders = (int *)(base + off_orders);
    atomic_init(&x->w.state, WEFT_WAIT_PENDING);
    weft_waiter_set_hand_back(hand_direct);
    return x;
}

static int idle(weft_ext_t *x);

int weft_ext_free(weft_ext_t *x)
{
    if (!x)
        return WEFT_EINVAL;
    if (!idle(x))
        return WEFT_EBUSY;
    weft_aligned_free(x);
    return WEFT_OK;
}

void *weft_ext_elem(weft_ext_t *x)
{
    return x->buf;
}

size_t weft_ext_elem_size(const weft_ext_t *x)
{
    return x->elem_size;
}

int weft_ext_max_cases(const weft_ext_t *x)
{
    return x->max_cases;
}

int64_t *weft_ext_case_values(weft_ext_t *x)
{
    return x->vals;
}

/* ---- step 1 ----------------------------------------------------------------- */

static void arm(weft_ext_t *x, const char *what, void *obj, int64_t token)
{
    weft_waiter_init_external(&x->w, what, obj, notify, (void *)(intptr_t)token);
    x->obj = obj;
    x->sel.n = 0; /* not a select (weft_ext_select sets it after this) */
}

/* Owner only: x may start an operation (or be freed).  Besides IDLE, a
 * channel send or receive that a partner or a close has settled counts:
 * its waker took it off the queue and weft_ext_result would only turn
 * the state into a status.  Java's Parking hands that status (and the
 * value) over from the completing Java thread and skips the call, so the
 * next operation finishes this one here.  Not so a "try again"
 * (WEFT_WAKE_RETRY): its operation is still to be done, by
 * weft_ext_result. */
static int idle(weft_ext_t *x)
{
    if (x->op == EXT_IDLE)
        return 1;
    if (x->op == EXT_CHAN_SEND || x->op == EXT_CHAN_RECV) {
        int s = atomic_load_explicit(&x->w.state, memory_order_acquire);
        if (s == WEFT_WAKE_OK || s == WEFT_WAKE_CLOSED) {
            x->op = EXT_IDLE;
            return 1;
        }
    }
    return 0;
}

/* x queued (r == WEFT_EXT_PARKED or, in a channel's seat,
 * WEFT_EXT_SEATED) or done with at once */
static int started(weft_ext_t *x, int op, int r)
{
    x->seated = r == WEFT_EXT_SEATED;
    if (x->seated)
        r = WEFT_EXT_PARKED;
    x->op = r == WEFT_EXT_PARKED ? op : EXT_IDLE;
    return r;
}

void weft_ext_handed(weft_ext_t *x)
{
    /* A sitter's partner took its token back and touched nothing of x
     * (chan.h, the seat): x->w.state still says pending.  Only the owner
     * knows the wait is over, from the hand-over. */
    if (x && x->seated && (x->op == EXT_CHAN_SEND || x->op == EXT_CHAN_RECV))
        x->op = EXT_IDLE;
}

/* token may carry WEFT_EXT_HANDED (ext.h): the last operation ended by
 * hand; it is stripped here */
#define CHECK_START(x, token)                                                 \
    do {                                                                      \
        if (!(x) || (token) <= 0)                                             \
            return WEFT_EINVAL;                                               \
        if ((token) & WEFT_EXT_HANDED) {                                      \
            weft_ext_handed(x);                                               \
            (token) &= ~WEFT_EXT_HANDED;                                      \
        }                                                                     \
        if ((token) <= 0 || (int64_t)(intptr_t)(token) != (token))           \
            return WEFT_EINVAL;                                               \
        if (!idle(x))                                                         \
            return WEFT_EBUSY;                                                \
    } while (0)

int weft_ext_chan_send(weft_ext_t *x, weft_chan_t *c, int may_block, int64_t token)
{
    CHECK_START(x, token);
    if (!c || c->elem_size > x->elem_size)
        return WEFT_EINVAL;
    arm(x, "chan send", c, token);
    int64_t hand = may_block & WEFT_EXT_HAND ? token : 0;
    return started(x, EXT_CHAN_SEND, weft_chan_send_ext(c, x->buf, may_block & 1 ? &x->w : NULL, hand));
}

int weft_ext_chan_recv(weft_ext_t *x, weft_chan_t *c, int may_block, int64_t token)
{
    CHECK_START(x, token);
    if (!c || c->elem_size > x->elem_size)
        return WEFT_EINVAL;
    arm(x, "chan recv", c, token);
    int64_t hand = may_block & WEFT_EXT_HAND ? token : 0;
    return started(x, EXT_CHAN_RECV, weft_chan_recv_ext(c, x->buf, may_block & 1 ? &x->w : NULL, hand));
}

int weft_ext_select(weft_ext_t *x, int n, weft_chan_t *const *chans, const int *dirs, int dflt,
                    int64_t token)
{
    CHECK_START(x, token);
    if (n < 0 || n > x->max_cases || (n > 0 && (!chans || !dirs)))
        return WEFT_EINVAL;
    for (int i = 0; i < n; i++) {
        if (chans[i] && chans[i]->elem_size > sizeof(int64_t))
            return WEFT_EINVAL;
        x->cases[i].chan = chans[i];
        x->cases[i].dir = dirs[i];
        x->cases[i].elem = &x->vals[i];
        x->cases[i].closed = 0;
    }
    arm(x, "select", x->cases, token);
    x->w.index = -1;
    x->sel.cases = x->cases;
    x->sel.n = n;
    x->sel.m = 0;
    x->sel.pollorder = x->orders;
    x->sel.lockorder = x->orders + x->max_cases;
    x->sel.cw = x->cw;
    x->sel.sel = &x->w;
    return started(x, EXT_SELECT, weft_select_ext(&x->sel, dflt & 1, (dflt & WEFT_EXT_HAND) != 0));
}

int weft_ext_select_closed(const weft_ext_t *x, int index)
{
    return index >= 0 && index < x->sel.n && x->cases[index].closed;
}

int weft_ext_mutex_lock(weft_ext_t *x, struct weft_mutex *m, int64_t token)
{
    CHECK_START(x, token);
    if (!m)
        return WEFT_EINVAL;
    arm(x, "mutex", m, token);
    return started(x, EXT_MUTEX, weft_mutex_lock_ext(m, &x->w));
}

int weft_ext_rwlock_lock(weft_ext_t *x, struct weft_rwlock *rw, int write, int64_t token)
{
    CHECK_START(x, token);
    if (!rw)
        return WEFT_EINVAL;
    arm(x, write ? "rwlock write" : "rwlock read", rw, token);
    return started(x, EXT_RWLOCK, weft_rwlock_lock_ext(rw, write, &x->w));
}

int weft_ext_sem_acquire(weft_ext_t *x, struct weft_sem *s, int64_t token)
{
    CHECK_START(x, token);
    if (!s)
        return WEFT_EINVAL;
    arm(x, "sem", s, token);
    return started(x, EXT_SEM, weft_sem_acquire_ext(s, &x->w));
}

int weft_ext_wg_wait(weft_ext_t *x, struct weft_wg *wg, int64_t token)
{
    CHECK_START(x, token);
    if (!wg)
        return WEFT_EINVAL;
    arm(x, "waitgroup", wg, token);
    return started(x, EXT_WG, weft_wg_wait_ext(wg, &x->w));
}

int weft_ext_cond_wait(weft_ext_t *x, struct weft_cond *c, weft_mutex_t *m, int64_t token)
{
    CHECK_START(x, token);
    if (!c || !m)
        return WEFT_EINVAL;
    arm(x, "cond", c, token);
    return started(x, EXT_COND, weft_cond_wait_ext(c, m, &x->w));
}

/* ---- steps 2 and 3 ---------------------------------------------------------- */

int weft_ext_settled(const weft_ext_t *x)
{
    return weft_wait_settled(atomic_load_explicit(&((weft_ext_t *)x)->w.state, memory_order_acquire));
}

/* How a waiter its owner won back leaves the object it is queued on, by
 * op: one table rather than a switch repeating the call's shape seven
 * times.  A select has no entry: weft_ext_result unlinks every case. */
static void unqueue_send(void *c, weft_waiter_t *w) { weft_chan_unqueue_ext(c, WEFT_SEND, w); }
static void unqueue_recv(void *c, weft_waiter_t *w) { weft_chan_unqueue_ext(c, WEFT_RECV, w); }
static void unqueue_mutex(void *m, weft_waiter_t *w) { weft_mutex_unqueue_ext(m, w); }
static void unqueue_rwlock(void *rw, weft_waiter_t *w) { weft_rwlock_unqueue_ext(rw, w); }
static void unqueue_sem(void *s, weft_waiter_t *w) { weft_sem_unqueue_ext(s, w); }
static void unqueue_wg(void *wg, weft_waiter_t *w) { weft_wg_unqueue_ext(wg, w); }
static void unqueue_cond(void *c, weft_waiter_t *w) { weft_cond_unqueue_ext(c, w); }

static void (*const unqueue[])(void *obj, weft_waiter_t *w) = {
    [EXT_CHAN_SEND] = unqueue_send, [EXT_CHAN_RECV] = unqueue_recv, [EXT_MUTEX] = unqueue_mutex,
    [EXT_RWLOCK] = unqueue_rwlock,  [EXT_SEM] = unqueue_sem,        [EXT_WG] = unqueue_wg,
    [EXT_COND] = unqueue_cond,
};
_Static_assert(sizeof unqueue / sizeof unqueue[0] == EXT_COND + 1, "an op without its unqueue entry");

int weft_ext_abort(weft_ext_t *x, int reason)
{
    if (!x || x->op == EXT_IDLE || (reason != WEFT_ETIMEDOUT && reason != WEFT_ECANCELED))
        return 0;
    if (x->seated) {
        /* nobody claims a sitter's waiter while it sits: the seat, under
         * the channel's lock, decides (chan.h) */
        if (!weft_chan_unseat_ext(x->obj, &x->w))
            return 0;
        atomic_store_explicit(&x->w.state, reason, memory_order_release);
        return 1;
    }
    if (!weft_waiter_claim(&x->w))
        return 0;
    /* Won: no notify will run.  Publish the outcome, then leave the
     * queue the way the blocking form would after a timeout. */
    atomic_store_explicit(&x->w.state, reason, memory_order_release);
    if (unqueue[x->op])
        unqueue[x->op](x->obj, &x->w);
    return 1;
}

int weft_ext_result(weft_ext_t *x)
{
    if (!x || x->op == EXT_IDLE)
        return WEFT_EINVAL;
    int s = atomic_load_explicit(&x->w.state, memory_order_acquire);
    if (!weft_wait_settled(s))
        return WEFT_EAGAIN;
    int r;
    if (s == WEFT_WAKE_RETRY && (x->op == EXT_CHAN_SEND || x->op == EXT_CHAN_RECV)) {
        /* a buffered channel gained a value (room): try again; losing
         * queues x again (chan.c) and the next token is for this */
        int send = x->op == EXT_CHAN_SEND;
        arm(x, send ? "chan send" : "chan recv", x->obj, token_of(x));
        r = send ? weft_chan_send_ext(x->obj, x->buf, &x->w, 0) : weft_chan_recv_ext(x->obj, x->buf, &x->w, 0);
        if (r == WEFT_EXT_PARKED)
            return r;
    } else if (x->op == EXT_MUTEX && s == WEFT_WAKE_RETRY) {
        /* the unlocker released m and woke us to compete (mutex.c):
         * compete now; losing queues us again at the front */
        r = weft_mutex_retry_ext(x->obj, &x->w);
        if (r == WEFT_EXT_PARKED)
            return r; /* still x->op: the next token is for this lock */
    } else if (x->op == EXT_SELECT) {
        r = weft_select_ext_end(&x->sel);
        if (r == WEFT_EXT_PARKED)
            return r; /* polled again after a "try again", and queued */
    } else
        r = s == WEFT_WAKE_OK || s == WEFT_WAKE_DONE ? WEFT_OK : s == WEFT_WAKE_CLOSED ? WEFT_ECLOSED : s;
    x->op = EXT_IDLE;
    return r;
}
