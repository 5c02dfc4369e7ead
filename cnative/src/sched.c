/*
 * sched.c - the M:N work-stealing scheduler.
 *
 * Workers.  N OS threads, each looping in worker_main: find a runnable
 * coroutine, switch to it, and when it switches back, perform the
 * after-switch action it asked for (runtime.h).  Where work comes from, in
 * order (Go's findrunnable, simplified):
 *   1. expired timers of this worker (they make coroutines runnable);
 *   2. every 61st round, the global queue first (so it cannot starve);
 *   3. the run-next slot, then the local ring;
 *   4. the global queue (a batch);
 *   5. half of another worker's ring (random victim order), unless no_steal;
 *   6. nothing: sleep on the worker's parker until woken or the earliest
 *      timer is due.
 *
 * Run queues.  Each worker owns a 256-entry ring: only the owner pushes
 * (at tail, publishing with a release store), anyone pops (at head, by
 * CAS), so a thief and the owner agree on who got an entry by the CAS on
 * head.  A full ring spills half of itself to the global queue.
 * `runnext` holds the coroutine most recently made runnable by this
 * worker: a woken partner runs next, as in Go, which keeps ping-pong
 * pairs on one worker and cache-hot.
 *
 * Park handshake (co->park).  A coroutine that blocks switches out first
 * and is marked PARKED by its worker afterwards.  weft_co_ready, called by
 * whoever won the coroutine's waiter:
 *   PARKED  -> RUNNING, and push it on a run queue;
 *   RUNNING -> WAKEUP: it has not finished switching out; the worker,
 *              when it tries RUNNING -> PARKED and fails, requeues it.
 * Exactly one of the two transitions happens per wake-up, so a wake-up is
 * never lost (the coroutine is requeued) nor doubled (only the waiter's
 * winner calls weft_co_ready).
 *
 * Pinning (PARKED -> PINNED -> PARKED), for weft_cancel and weft_dump,
 * which must read a parked coroutine's `blocked` waiter from another
 * thread: while PINNED, weft_co_ready waits, so the coroutine cannot run
 * and its waiter (on its stack) stays put.  This replaced a spinlock the
 * coroutine took twice per wait to publish and clear `blocked` (two
 * locked instructions per park on the hottest path, W3u); the waiter now
 * only stores a pointer.  A cancellation must still not be missed by a
 * coroutine that is between its own check of `canceled` (wait.c) and
 * being PARKED: weft_cancel stores `canceled` and then reads `park`, the
 * worker CASes `park` to PARKED and then reads `canceled`, all
 * sequentially consistent, so if weft_cancel saw RUNNING or WAKEUP the
 * worker sees `canceled` and cancels the wait itself.
 *
 * Idle workers and lost wake-ups.  A worker about to sleep marks itself
 * idle and then looks at every queue once more; a producer pushes and then
 * looks for an idle worker to wake.  Both use sequentially consistent
 * operations, so at least one of them sees the other.
 */
#include "os/os.h"
#include "runtime.h"
#include "sanitize.h"
#include "stack.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { POST_NONE, POST_YIELD, POST_PARK, POST_EXIT };

/* Run-next picks in a row (direct switches included) before the ring
 * gets a turn: Go lets run-next inherit the time slice and preempts it
 * after 10 ms; without preemption a count does the same. */
#define RUNNEXT_STREAK 64

/* How long a thief leaves a busy worker's run-next alone (runq_steal;
 * it sleeps that long, and the kernel's timer slack may add ~50 us).
 * Go waits usleep(3), which the kernel's timer slack makes ~50 us; 3 us
 * taken literally was too short: a consumer draining a full cap-1024
 * buffer before it parks runs ~16 us with the woken producer in its
 * run-next, the thief took the producer, and the pair then ran on two
 * cores fighting for the channel lock (W3b p2: 85-130 ns per message at
 * 3 us, 15-16 at 20-50 us, as at one worker; W3u and W2 at p2 not worse
 * at 50 us). */
#define RUNNEXT_GRACE_NS 50000

#define WEFT_MAX_SPARES 32
#define MONITOR_TICK_NS (5 * 1000000LL)       /* while anything runs */
#define MONITOR_IDLE_NS (100 * 1000000LL)     /* while everything sleeps */
#define STUCK_TICKS 2                         /* ~10 ms in one coroutine run */

struct runtime {
    int n;                  /* configured workers */
    _Atomic int nslots;     /* worker slots in use: n, then spares */
    int no_steal;
    size_t stack_size;
    weft_worker_t **workers;
    _Atomic int running;
    _Atomic int stopping;
    pthread_mutex_t start_lock;

    /* global run queue */
    weft_spin_t gq_lock;
    struct weft_co *gq_head, *gq_tail;
    _Atomic long gq_len;

    _Atomic int nidle;
    _Atomic int nspinning;  /* workers polling for work before they sleep */

    /* the I/O poller ("I/O", below): its hooks, NULL until the first
     * socket; parties waiting on I/O; 1 while a worker blocks in it; when
     * anyone last polled */
    _Atomic(const weft_poller_ops_t *) poller;
    _Atomic int io_waiting;
    _Atomic int poll_owner;
    _Atomic int64_t last_poll;

    pthread_t monitor;
    struct weft_parker *monitor_parker;
    _Atomic int monitor_spares;   /* spares running */
    int trace;                    /* WEFT_TRACE_BLOCKING=1: log hand-offs */
};

static struct runtime rt = { .start_lock = PTHREAD_MUTEX_INITIALIZER };

static _Thread_local weft_worker_t *tls_worker WEFT_TLS_IE;

/* noinline: a coroutine may resume on another thread; see arch/ctx.h */
__attribute__((noinline)) weft_worker_t *weft_worker_current(void)
{
    return tls_worker;
}

struct weft_co *weft_co_current(void)
{
    const weft_fault_info_t *r = weft_running;
    return r && r->kind == WEFT_CORO_TASK ? (struct weft_co *)r : NULL;
}

size_t weft_sched_stack_size(void)
{
    return rt.stack_size;
}

int weft_sched_workers(void)
{
    return rt.n;
}

static int nslots(void)
{
    return atomic_load_explicit(&rt.nslots, memory_order_acquire);
}

int weft_sched_nslots(void)
{
    return rt.workers ? nslots() : 0;
}

weft_worker_t *weft_sched_slot(int i)
{
    return rt.workers[i];
}

/* Counters only their worker writes: a plain load and store, not a locked
 * read-modify-write (~5 ns each on this VM; two per round trip). */
static inline void bump(_Atomic uint64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1, memory_order_relaxed);
}

/* Workers are 64-aligned so that their field groups (runtime.h) fall on
 * separate cache lines. */
static weft_worker_t *worker_new(void)
{
    weft_worker_t *w = weft_aligned_alloc(64, sizeof *w);
    if (w)
        memset(w, 0, sizeof *w);
    return w;
}

static void worker_free(weft_worker_t *w)
{
    weft_aligned_free(w);
}

/* ---- queues ------------------------------------------------------------- */

static void global_put_list(struct weft_co *head, struct weft_co *tail, long n)
{
    tail->next = NULL;
    weft_spin_lock(&rt.gq_lock);
    if (rt.gq_tail)
        rt.gq_tail->next = head;
    else
        rt.gq_head = head;
    rt.gq_tail = tail;
    atomic_fetch_add(&rt.gq_len, n);
    weft_spin_unlock(&rt.gq_lock);
}

static void global_put(struct weft_co *co)
{
    global_put_list(co, co, 1);
}

static uint32_t ring_len(weft_worker_t *w)
{
    return atomic_load_explicit(&w->tail, memory_order_acquire) -
           atomic_load_explicit(&w->head, memory_order_acquire);
}

/* Owner only. */
static void runq_put(weft_worker_t *w, struct weft_co *co)
{
    for (;;) {
        uint32_t h = atomic_load_explicit(&w->head, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&w->tail, memory_order_relaxed);
        if (t - h < WEFT_RUNQ_SIZE) {
            atomic_store_explicit(&w->ring[t % WEFT_RUNQ_SIZE], co,
                                  memory_order_relaxed);
            atomic_store_explicit(&w->tail, t + 1, memory_order_release);
            return;
        }
        /* full: move half of it, plus co, to the global queue */
        uint32_t n = (t - h) / 2;
        struct weft_co *batch[WEFT_RUNQ_SIZE / 2 + 1];
        for (uint32_t i = 0; i < n; i++)
            batch[i] = atomic_load_explicit(&w->ring[(h + i) % WEFT_RUNQ_SIZE],
                                            memory_order_relaxed);
        if (!atomic_compare_exchange_strong_explicit(&w->head, &h, h + n, memory_order_acq_rel,
                                                     memory_order_relaxed))
            continue; /* thieves took some: retry the fast path */
        batch[n] = co;
        for (uint32_t i = 0; i < n; i++)
            batch[i]->next = batch[i + 1];
        global_put_list(batch[0], co, (long)n + 1);
        return;
    }
}

static struct weft_co *runq_get(weft_worker_t *w)
{
    for (;;) {
        uint32_t h = atomic_load_explicit(&w->head, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&w->tail, memory_order_acquire);
        if (t == h)
            return NULL;
        struct weft_co *co = atomic_load_explicit(&w->ring[h % WEFT_RUNQ_SIZE],
                                                  memory_order_relaxed);
        if (atomic_compare_exchange_weak_explicit(&w->head, &h, h + 1, memory_order_acq_rel,
                                                  memory_order_relaxed))
            return co;
    }
}

/* Moves up to half of victim's ring into w's (w's ring is empty: only
 * its owner, the caller, pushes).  Returns one of them to run. */
static struct weft_co *runq_steal(weft_worker_t *w, weft_worker_t *victim)
{
    for (;;) {
        uint32_t h = atomic_load_explicit(&victim->head, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&victim->tail, memory_order_acquire);
        uint32_t n = t - h;
        if (n == 0 || n > WEFT_RUNQ_SIZE) {
            if (n == 0) {
                if (!atomic_load(&victim->runnext))
                    return NULL;
                /* Go's runqgrab: a busy victim is about to run its
                 * run-next coroutine itself (the partner it just woke);
                 * stealing it would turn every ping-pong hop into a
                 * cross-core wake-up.  Sleep RUNNEXT_GRACE_NS, then take
                 * it only if the victim has not switched since.  Asleep,
                 * not polling: every read of the victim's run-next line
                 * costs it a cache miss on its next switch.  "Busy" is
                 * awake, not only inside a coroutine: a victim between
                 * two coroutines is about to take its run-next itself.
                 * (Polling through the grace, and testing in_co, which let
                 * a thief catch that window once per run-next streak and
                 * split ping-pong pairs, made W3u p2 on a quiet machine
                 * 226 ns against 123 at p1.) */
                if (!atomic_load_explicit(&victim->idle, memory_order_relaxed)) {
                    uint64_t sw = atomic_load_explicit(&victim->switches, memory_order_relaxed);
                    weft_os_nap(RUNNEXT_GRACE_NS);
                    if (atomic_load_explicit(&victim->switches, memory_order_relaxed) != sw)
                        return NULL;
                }
                return atomic_exchange(&victim->runnext, NULL);
            }
            continue; /* torn read of head/tail; retry */
        }
        n -= n / 2;
        uint32_t mt = atomic_load_explicit(&w->tail, memory_order_relaxed);
        for (uint32_t i = 0; i < n; i++) {
            struct weft_co *c = atomic_load_explicit(
                &victim->ring[(h + i) % WEFT_RUNQ_SIZE], memory_order_relaxed);
            atomic_store_explicit(&w->ring[(mt + i) % WEFT_RUNQ_SIZE], c,
                                  memory_order_relaxed);
        }
        if (!atomic_compare_exchange_strong_explicit(&victim->head, &h, h + n, memory_order_acq_rel,
                                                     memory_order_relaxed))
            continue;
        /* keep the last for ourselves, publish the rest */
        n--;
        struct weft_co *mine = atomic_load_explicit(
            &w->ring[(mt + n) % WEFT_RUNQ_SIZE], memory_order_relaxed);
        if (n)
            atomic_store_explicit(&w->tail, mt + n, memory_order_release);
        bump(&w->steals);
        return mine;
    }
}

static struct weft_co *global_get(weft_worker_t *w, int batch)
{
    if (atomic_load_explicit(&rt.gq_len, memory_order_acquire) == 0)
        return NULL;
    weft_spin_lock(&rt.gq_lock);
    struct weft_co *co = rt.gq_head;
    if (!co) {
        weft_spin_unlock(&rt.gq_lock);
        return NULL;
    }
    rt.gq_head = co->next;
    long taken = 1;
    /* take a fair share to the local ring */
    long share = batch ? atomic_load(&rt.gq_len) / rt.n : 0;
    if (share > WEFT_RUNQ_SIZE / 2)
        share = WEFT_RUNQ_SIZE / 2;
    while (share-- > 0 && rt.gq_head && ring_len(w) < WEFT_RUNQ_SIZE) {
        struct weft_co *c = rt.gq_head;
        rt.gq_head = c->next;
        uint32_t t = atomic_load_explicit(&w->tail, memory_order_relaxed);
        atomic_store_explicit(&w->ring[t % WEFT_RUNQ_SIZE], c,
                              memory_order_relaxed);
        atomic_store_explicit(&w->tail, t + 1, memory_order_release);
        taken++;
    }
    if (!rt.gq_head)
        rt.gq_tail = NULL;
    atomic_fetch_sub(&rt.gq_len, taken);
    weft_spin_unlock(&rt.gq_lock);
    return co;
}

/* ---- idle workers ------------------------------------------------------- */

static void wake_one_idle(void)
{
    /* A worker that is polling for work will find it: waking a sleeping
     * one as well costs a futex round trip per push (W2: 40% of spawn
     * time in the kernel), as Go's wakep avoids with its spinning Ms. */
    if (atomic_load(&rt.nidle) == 0 || atomic_load(&rt.nspinning) != 0)
        return;
    for (int i = 0, n = nslots(); i < n; i++) {
        weft_worker_t *w = rt.workers[i];
        int one = 1;
        if (atomic_load_explicit(&w->idle, memory_order_relaxed) &&
            atomic_compare_exchange_strong(&w->idle, &one, 0)) {
            atomic_fetch_sub(&rt.nidle, 1);
            /* in_poll is set before idle is re-checked (idle(), "I/O") */
            if (atomic_load(&w->in_poll))
                atomic_load_explicit(&rt.poller, memory_order_acquire)->wake();
            else
                weft_parker_unpark(w->parker);
            return;
        }
    }
}

static void push_runnable(struct weft_co *co)
{
    weft_worker_t *w = weft_worker_current();
    if (w) {
        /* Go's runnext: the coroutine just woken runs next here; the one
         * it displaces goes to the ring */
        struct weft_co *old = atomic_exchange(&w->runnext, co);
        if (old)
            runq_put(w, old);
    } else {
        global_put(co);
    }
    wake_one_idle();
}

void weft_co_ready(struct weft_co *co)
{
    for (;;) {
        int s = atomic_load(&co->park);
        if (s == CO_PARK_PARKED) {
            if (atomic_compare_exchange_strong(&co->park, &s, CO_PARK_RUNNING)) {
                atomic_store_explicit(&co->status, CO_RUNNABLE, memory_order_relaxed);
                push_runnable(co);
                return;
            }
        } else if (s == CO_PARK_RUNNING) {
            if (atomic_compare_exchange_strong(&co->park, &s, CO_PARK_WAKEUP))
                return; /* its worker requeues it once it has switched out */
        } else if (s == CO_PARK_PINNED) {
            weft_cpu_relax(); /* a few instructions: see weft_co_pin's callers */
        } else {
            return; /* WAKEUP already recorded: cannot happen with one winner per wait */
        }
    }
}

int weft_co_pin(struct weft_co *co)
{
    int s = CO_PARK_PARKED;
    return atomic_compare_exchange_strong(&co->park, &s, CO_PARK_PINNED);
}

void weft_co_unpin(struct weft_co *co)
{
    /* release: what the pinner did (read `blocked`, claimed the waiter)
     * comes before whatever the next one to see PARKED does.  Nobody
     * pairs this store with a later load of their own (the Dekker pair
     * with weft_cancel is the pinning CAS and the load after it), so it
     * need not be a full barrier: it is on every park's path. */
    atomic_store_explicit(&co->park, CO_PARK_PARKED, memory_order_release);
}

static void switch_out(struct weft_co *co, int post, weft_spin_t *unlock);

/* Called from the weft_spawn path: a brand-new coroutine.
 *
 * Spawn backpressure: a coroutine that spawns while its worker already
 * has half a ring of runnable coroutines yields, so that the children
 * run (and usually finish, returning their stacks to this worker's pool)
 * before it makes more.  Without it a spawn loop runs for its whole
 * length first: a million spawns in a row hold a million stacks (W2: 40
 * MB against 2 MB), spill to the global queue, and after 10 ms the
 * monitor takes the loop for a stuck worker and hands its queue to a
 * spare thread, so the loop then fights it for the queues (W2 at 1
 * worker: ~800 ns per spawn against ~100 ns with the yield).  Go gets the
 * same effect from preempting the spawner.  A spawn is therefore a point
 * where the caller may be switched out, like any other weft call that
 * can block (weft.h). */
void weft_sched_start_co(struct weft_co *co)
{
    atomic_store_explicit(&co->status, CO_RUNNABLE, memory_order_relaxed);
    push_runnable(co);
    weft_worker_t *w = weft_worker_current();
    struct weft_co *self = w ? w->current : NULL;
    if (self && ring_len(w) >= WEFT_RUNQ_SIZE / 2)
        switch_out(self, POST_YIELD, NULL);
}

/* ---- switching ------------------------------------------------------------ */

/* The after-switch action (runtime.h) of the coroutine that switched out
 * last on this worker, run by whoever runs next there: the scheduler
 * (run) or, after a direct switch, the coroutine switched to
 * (weft_sched_resumed).  Owner only. */
static void do_post(weft_worker_t *w)
{
    struct weft_co *co = w->post_co;
    int post = w->post;
    weft_spin_t *unlock = w->post_unlock;
    w->post = POST_NONE;
    w->post_co = NULL;
    w->post_unlock = NULL;
    switch (post) {
    case POST_YIELD:
        atomic_store_explicit(&co->status, CO_RUNNABLE, memory_order_relaxed);
        runq_put(w, co); /* the tail, not runnext: everyone else goes first */
        break;
    case POST_PARK: {
        /* PARKED (by way of PINNED, below) first, then the object's
         * lock.  In the other order a waker that took the lock in
         * between found the coroutine still RUNNING, so this worker
         * requeued it here instead of the waker putting it in its own
         * run-next: at two workers a ping-pong pair then settled on two
         * workers, every hop a cross-core wake-up
         * and a fight for the channel lock.  Go orders it the same way
         * (park_m: status, then unlock).
         *
         * Safe because the coroutine cannot leave its wait, and so cannot
         * free the object the lock lives in, before this unlock: a wake
         * through the object (data, close, hand-over) needs its lock, and
         * a wake from elsewhere (timer, cancel, another select case) makes
         * the waiter relock it to unqueue itself (wait.h, step 4).
         *
         * That argument needs the lock, and covers only this worker's
         * own accesses up to the unlock; some parks have no lock (a
         * sleep: its timer may fire on another worker at once).  So the
         * worker moves co to PINNED rather than PARKED: nothing can wake
         * co while it reads `canceled` (weft_co_ready waits), and a
         * missed cancel is claimed then.  After the unpin co may run
         * elsewhere, exit, and its stack (co lives at its top) be handed
         * to a new coroutine: TSan caught the earlier order, which read
         * `canceled` after the unlock, reading a coroutine whose stack a
         * spawn was already clearing.  A cancel claimed here owns the
         * waiter, so co stays put until the resume below. */
        bump(&w->parks);
        int s = CO_PARK_RUNNING;
        int parked = atomic_compare_exchange_strong(&co->park, &s, CO_PARK_PINNED);
        weft_waiter_t *cancel = NULL;
        if (parked && atomic_load(&co->canceled))
            cancel = weft_co_claim_pinned(co); /* unpins */
        else if (parked)
            weft_co_unpin(co);
        if (unlock)
            weft_spin_unlock(unlock);
        if (!parked) {
            /* woken before we got here (s == WAKEUP): run it again */
            atomic_store(&co->park, CO_PARK_RUNNING);
            atomic_store_explicit(&co->status, CO_RUNNABLE, memory_order_relaxed);
            runq_put(w, co);
        } else if (cancel) {
            weft_waiter_resume(cancel, WEFT_ECANCELED); /* weft_cancel missed it ("pinning") */
        }
        break;
    }
    case POST_EXIT:
        weft_co_exited(co);
        break;
    }
}

/* Marks co as what w runs now; the switch itself is the caller's. */
static inline void begin_run(weft_worker_t *w, struct weft_co *co)
{
    w->current = co;
    atomic_store_explicit(&co->status, CO_RUNNING, memory_order_relaxed);
    weft_running = &co->info;
    bump(&w->switches);
}

/* Direct switches.  A coroutine that parks while its worker's run-next
 * slot holds the partner it just woke (a channel hop, a mutex hand-over)
 * switches straight to that partner instead of to the scheduler and
 * from there to the partner: one register switch instead of two, and no
 * trip through find_runnable (W3u: a fifth of a hop).  The partner runs
 * the parker's after-switch action first thing (weft_sched_resumed), so
 * the protocol is the same as through the scheduler.  Only when the
 * scheduler would have picked run-next anyway: not when a timer is due,
 * not past the run-next streak (find_runnable), not while stopping.
 * Parks only: a yield must let the ring run, and an exiting coroutine's
 * clean-up (freeing its stack, waking joiners) is kept off other
 * coroutines' stacks. */
static inline struct weft_co *direct_next(weft_worker_t *w)
{
    if (!atomic_load_explicit(&w->runnext, memory_order_relaxed) || w->streak >= RUNNEXT_STREAK)
        return NULL;
    int64_t due = atomic_load_explicit(&w->next_deadline, memory_order_relaxed);
    if (due != INT64_MAX && due <= weft_now())
        return NULL;
    if (atomic_load_explicit(&rt.stopping, memory_order_relaxed))
        return NULL;
    struct weft_co *co = atomic_exchange(&w->runnext, NULL);
    if (co)
        w->streak++;
    return co;
}

/* Coroutine side: stop running, asking for `post` to be done once we are
 * switched out; to the run-next partner directly when possible, else to
 * this worker's scheduler. */
static void switch_out(struct weft_co *co, int post, weft_spin_t *unlock)
{
    weft_worker_t *w = weft_worker_current();
    w->post = post;
    w->post_co = co;
    w->post_unlock = unlock;
    struct weft_co *next = post == POST_PARK ? direct_next(w) : NULL;
    if (next) {
        begin_run(w, next);
        weft_san_start(&co->asan_fake, next->stack.limit, (size_t)(next->stack.top - next->stack.limit),
                       next->tsan_fiber);
        weft_ctx_switch_ret(&co->sp, next->sp, next);
    } else {
        weft_san_start(post == POST_EXIT ? NULL : &co->asan_fake, w->stack_bottom, w->stack_size,
                       w->tsan_fiber);
        weft_ctx_switch_ret(&co->sp, w->sched_sp, NULL);
    }
    /* resumed, possibly on another worker: look it up again */
    weft_sched_resumed(weft_worker_current(), co->asan_fake);
}

/* First thing a coroutine does when it runs again (or for the first
 * time: co_entry), on worker w.  `fake`: its ASan fake stack. */
void weft_sched_resumed(weft_worker_t *w, void *fake)
{
    if (w->post == POST_NONE) {
        /* from the scheduler, which did the post itself: learn its stack */
        weft_san_finish(fake, &w->stack_bottom, &w->stack_size);
        return;
    }
    /* a direct switch from the coroutine in w->post_co */
    weft_san_finish(fake, NULL, NULL);
    do_post(w);
}

void weft_co_park(weft_spin_t *unlock)
{
    struct weft_co *co = weft_co_current();
    atomic_store_explicit(&co->status, CO_BLOCKED, memory_order_relaxed);
    switch_out(co, POST_PARK, unlock);
}

int weft_yield(void)
{
    struct weft_co *co = weft_co_current();
    if (!co) {
        weft_os_yield();
        return WEFT_OK;
    }
    switch_out(co, POST_YIELD, NULL);
    return WEFT_OK;
}

/* The body returned (co.c's entry): never comes back. */
__attribute__((noreturn)) void weft_sched_exit(struct weft_co *co)
{
    switch_out(co, POST_EXIT, NULL);
    abort(); /* an exited coroutine is never switched to */
}

static void run(weft_worker_t *w, struct weft_co *co)
{
    begin_run(w, co);
    void *fake = NULL;
    weft_san_start(&fake, co->stack.limit, (size_t)(co->stack.top - co->stack.limit), co->tsan_fiber);
    atomic_store_explicit(&w->in_co, 1, memory_order_relaxed);
    /* back here once some coroutine of this worker (co, or one it
     * switched to directly) switches to the scheduler */
    weft_ctx_switch_ret(&w->sched_sp, co->sp, co);
    atomic_store_explicit(&w->in_co, 0, memory_order_relaxed);
    weft_san_finish(fake, NULL, NULL);
    weft_running = NULL;
    w->current = NULL;
    do_post(w);
}

/* ---- I/O --------------------------------------------------------------------
 *
 * Go's netpoll, in three places.  An idle worker waits in the poller, not
 * on its parker, with its next timer's deadline as the timeout, so I/O
 * and timers share one wait and no thread spins; at most one does
 * (poll_owner), the others sleep as before.  A worker polls without
 * blocking before it steals and every 61st round, so a busy runtime
 * still sees I/O between batches.  The monitor polls when nobody has for
 * 10 ms (every worker in a long run).
 *
 * Waking a worker that idles in the poller: wake_one_idle claims it by
 * its `idle` flag and then reads `in_poll` to choose between the
 * poller's wake and the parker.  The worker sets in_poll before it
 * re-checks idle and blocks, all sequentially consistent, so either the
 * waker sees in_poll (and wakes the poller) or the worker sees its idle
 * flag cleared (and does not block).  A wake that comes too late to
 * matter leaves a wake-up signal or a parker permit behind: the next
 * wait returns at once, once.
 *
 * A party about to wait on I/O counts itself in io_waiting first and,
 * if nobody is in the poller, wakes an idle worker (weft_sched_io_wait):
 * a worker that went to sleep before there was any I/O would not poll. */
#define POLL_STALE_NS (10 * 1000000LL)

void weft_sched_set_poller(const weft_poller_ops_t *ops)
{
    atomic_store_explicit(&rt.poller, ops, memory_order_release);
}

void weft_sched_io_wait(int delta)
{
    if (atomic_fetch_add(&rt.io_waiting, delta) == 0 && delta > 0 && !atomic_load(&rt.poll_owner))
        wake_one_idle();
}

/* A poll that does not block, if anyone waits on I/O and no worker is
 * already blocked in the poller (it gets the events).  Returns 1 if it
 * delivered any (they went to w's queues, or the global one on no worker). */
static int poll_io(weft_worker_t *w)
{
    if (atomic_load_explicit(&rt.io_waiting, memory_order_relaxed) <= 0 ||
        atomic_load_explicit(&rt.poll_owner, memory_order_relaxed))
        return 0;
    const weft_poller_ops_t *p = atomic_load_explicit(&rt.poller, memory_order_acquire);
    if (!p)
        return 0;
    atomic_store_explicit(&rt.last_poll, weft_now(), memory_order_relaxed);
    (void)w;
    return p->poll(0) > 0;
}

static struct weft_co *find_runnable(weft_worker_t *w)
{
    if (atomic_load_explicit(&w->next_deadline, memory_order_acquire) != INT64_MAX) {
        int64_t now = weft_now();
        if (atomic_load_explicit(&w->next_deadline, memory_order_acquire) <= now)
            weft_timers_run(w, now);
    }
    struct weft_co *co;
    if (++w->tick % 61 == 0) {
        poll_io(w);
        if ((co = global_get(w, 0)))
            return co;
    }
    /* run-next first, but not forever: a pair that keeps waking each
     * other (directly or through here) would starve the ring */
    if (w->streak < RUNNEXT_STREAK && (co = atomic_exchange(&w->runnext, NULL))) {
        w->streak++;
        return co;
    }
    w->streak = 0;
    if ((co = runq_get(w)))
        return co;
    if ((co = atomic_exchange(&w->runnext, NULL)))
        return co;
    if ((co = global_get(w, 1)))
        return co;
    if (poll_io(w) && (co = atomic_exchange(&w->runnext, NULL)))
        return co;
    int ns = nslots();
    if ((!rt.no_steal || w->spare) && ns > 1) {
        w->rng = w->rng * 6364136223846793005ull + 1442695040888963407ull;
        int start = (int)((w->rng >> 33) % (uint64_t)ns);
        for (int i = 0; i < ns; i++) {
            weft_worker_t *v = rt.workers[(start + i) % ns];
            if (v != w && (co = runq_steal(w, v)))
                return co;
        }
    }
    return NULL;
}

static int anything_runnable(weft_worker_t *self)
{
    if (atomic_load(&rt.gq_len) > 0)
        return 1;
    for (int i = 0, n = nslots(); i < n; i++) {
        weft_worker_t *v = rt.workers[i];
        /* a busy worker's run-next is its own to run (runq_steal) */
        if (ring_len(v) || (atomic_load(&v->runnext) && (v == self || atomic_load(&v->idle))))
            if (v == self || !rt.no_steal)
                return 1;
    }
    return 0;
}

/* Before sleeping, poll for up to SPIN_NS (Go's spinning M): a worker
 * that would be woken again a microsecond later by the next push saves the
 * sleep and the wake-up.  At most half of the workers spin at once.
 *
 * It polls with sched_yield, not a pause loop: on a machine with more
 * runnable threads than cores (CI, a shared box, the JVM's own threads)
 * a pause loop keeps its core, and the busy worker it is waiting on
 * shares the other with everyone else.  With the yield, W3u at two
 * workers on a loaded 2-core machine went from 235 to 130 ns per round
 * trip (1 worker: 125); Go's spinning M sleeps in usleep(3) for the
 * same reason.  On an idle core the yield returns at once. */
#define SPIN_NS 20000
static struct weft_co *spin_for_work(weft_worker_t *w)
{
    int ns = nslots();
    if (2 * atomic_load(&rt.nspinning) >= ns)
        return NULL;
    atomic_fetch_add(&rt.nspinning, 1);
    struct weft_co *co = NULL;
    int64_t until = weft_now() + SPIN_NS;
    do {
        weft_os_yield();
        co = find_runnable(w);
    } while (!co && !atomic_load_explicit(&rt.stopping, memory_order_relaxed) && weft_now() < until);
    /* Leaving the spinning state: if we were the last spinner and found
     * work, there may be more, which nobody woke anyone for. */
    if (atomic_fetch_sub(&rt.nspinning, 1) == 1 && co && anything_runnable(w))
        wake_one_idle();
    return co;
}


static void idle(weft_worker_t *w)
{
    weft_co_collect(w); /* before sleeping: stacks of children that ended elsewhere */
    atomic_store(&w->idle, 1);
    atomic_fetch_add(&rt.nidle, 1);
    /* wait in the poller if anyone waits on I/O and nobody else does ("I/O") */
    const weft_poller_ops_t *p = NULL;
    int zero = 0;
    if (atomic_load(&rt.io_waiting) > 0 && (p = atomic_load_explicit(&rt.poller, memory_order_acquire)) &&
        atomic_compare_exchange_strong(&rt.poll_owner, &zero, 1))
        atomic_store(&w->in_poll, 1);
    else
        p = NULL;
    /* look once more after announcing (file comment), and whether a
     * waker has claimed us meanwhile */
    int64_t next = atomic_load(&w->next_deadline);
    int64_t now = weft_now();
    if (!anything_runnable(w) && !atomic_load(&rt.stopping) && (next == INT64_MAX || next > now) &&
        atomic_load(&w->idle)) {
        if (p) {
            atomic_store_explicit(&rt.last_poll, now, memory_order_relaxed);
            p->poll(next == INT64_MAX ? -1 : next - now);
        } else {
            weft_parker_wait(w->parker, next == INT64_MAX ? -1 : next);
        }
    }
    int one = 1;
    if (atomic_compare_exchange_strong(&w->idle, &one, 0))
        atomic_fetch_sub(&rt.nidle, 1); /* nobody woke us: undo the count ourselves */
    if (p) {
        atomic_store(&w->in_poll, 0);
        atomic_store(&rt.poll_owner, 0);
    }
}

static int worker_empty(weft_worker_t *w)
{
    return !ring_len(w) && !atomic_load(&w->runnext) &&
           atomic_load(&w->next_deadline) == INT64_MAX;
}

static void *worker_main(void *arg)
{
    weft_worker_t *w = arg;
    tls_worker = w;
    weft_fault_prepare_thread();
    w->tsan_fiber = weft_tsan_current();
    int64_t idle_since = -1;
    while (!atomic_load_explicit(&rt.stopping, memory_order_acquire)) {
        struct weft_co *co = find_runnable(w);
        if (!co)
            co = spin_for_work(w);
        if (co) {
            idle_since = -1;
            run(w, co);
            continue;
        }
        if (w->spare) {
            /* a spare leaves once it has had nothing to do for a while */
            int64_t now = weft_now();
            if (idle_since < 0)
                idle_since = now;
            else if (now - idle_since > 50 * 1000000LL && worker_empty(w))
                break;
            atomic_store(&w->idle, 1);
            atomic_fetch_add(&rt.nidle, 1);
            if (!anything_runnable(w))
                weft_parker_wait(w->parker, now + 20 * 1000000LL);
            int one = 1;
            if (atomic_compare_exchange_strong(&w->idle, &one, 0))
                atomic_fetch_sub(&rt.nidle, 1);
            continue;
        }
        idle(w);
    }
    weft_co_collect(w);
    weft_stack_pool_drain();
    tls_worker = NULL;
    if (w->spare) {
        atomic_fetch_sub(&rt.monitor_spares, 1);
        atomic_store(&w->retired, 1);
    }
    return NULL;
}

/* ---- the monitor (Go's sysmon) -------------------------------------------
 *
 * A coroutine that blocks its worker's thread (an unannounced blocking
 * system call, a long computation) would stall every coroutine queued
 * behind it.  The monitor looks at each worker every 5 ms; one that has
 * run the same coroutine for two looks in a row (or announced it with
 * weft_blocking) is "stuck", and the monitor:
 *   1. moves the stuck worker's queued coroutines to the global queue (a
 *      thief's CAS on the ring's head, safe against the owner);
 *   2. fires the stuck worker's expired timers itself (the heap is locked,
 *      anyone may run it);
 *   3. wakes an idle worker for the work, or, if none is idle, starts a
 *      spare worker thread (at most WEFT_MAX_SPARES), which steals like any
 *      other and retires after 50 ms without work.
 * The stuck worker keeps its own state: when its coroutine comes back, it
 * carries on.  Nothing is preempted; a spinning coroutine keeps its thread.
 */

static void trace_handoff(weft_worker_t *w, const char *why)
{
    if (!rt.trace)
        return;
    struct weft_co *co = w->current;
    fprintf(stderr, "weft: worker %d %s in coroutine #%llu \"%s\"; its queue moves to other workers\n", w->id,
            why, co ? (unsigned long long)co->info.id : 0ULL, co ? co->name : "?");
}

static int start_spare(void);

/* Steps 1 and 3 above; any thread. */
static void hand_off(weft_worker_t *w)
{
    struct weft_co *head = NULL, *tail = NULL;
    long n = 0;
    struct weft_co *rn = atomic_exchange(&w->runnext, NULL);
    if (rn) {
        rn->next = NULL;
        head = tail = rn;
        n++;
    }
    for (;;) {
        uint32_t h = atomic_load_explicit(&w->head, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&w->tail, memory_order_acquire);
        if (t == h || t - h > WEFT_RUNQ_SIZE)
            break;
        struct weft_co *co = atomic_load_explicit(&w->ring[h % WEFT_RUNQ_SIZE], memory_order_relaxed);
        if (!atomic_compare_exchange_weak_explicit(&w->head, &h, h + 1, memory_order_acq_rel,
                                                   memory_order_relaxed))
            continue;
        co->next = NULL;
        if (tail)
            tail->next = co;
        else
            head = co;
        tail = co;
        n++;
    }
    if (n)
        global_put_list(head, tail, n);
    atomic_fetch_add_explicit(&w->handoffs, 1, memory_order_relaxed);
    if (n || atomic_load(&rt.gq_len)) {
        if (atomic_load(&rt.nidle) > 0)
            wake_one_idle();
        else
            start_spare();
    }
}

static int start_spare(void)
{
    if (atomic_load(&rt.monitor_spares) >= WEFT_MAX_SPARES || atomic_load(&rt.stopping))
        return WEFT_EAGAIN;
    /* reuse a retired slot, or take a new one */
    int slot = -1, ns = nslots();
    for (int i = rt.n; i < ns; i++)
        if (atomic_load(&rt.workers[i]->retired)) {
            if (rt.workers[i]->thread_live)
                pthread_join(*(pthread_t *)rt.workers[i]->thread, NULL);
            rt.workers[i]->thread_live = 0;
            slot = i;
            break;
        }
    if (slot < 0) {
        if (ns >= rt.n + WEFT_MAX_SPARES)
            return WEFT_EAGAIN;
        weft_worker_t *w = worker_new();
        if (!w || !(w->parker = weft_parker_new()) || !(w->thread = malloc(sizeof(pthread_t)))) {
            if (w)
                weft_parker_free(w->parker);
            worker_free(w);
            return WEFT_ENOMEM;
        }
        w->id = ns;
        w->spare = 1;
        w->rng = 0x9E3779B97F4A7C15ull * (uint64_t)(ns + 1);
        atomic_init(&w->next_deadline, INT64_MAX);
        rt.workers[ns] = w;
        slot = ns;
        atomic_store_explicit(&rt.nslots, ns + 1, memory_order_release);
    }
    weft_worker_t *w = rt.workers[slot];
    atomic_store(&w->retired, 0);
    atomic_fetch_add(&rt.monitor_spares, 1);
    if (pthread_create((pthread_t *)w->thread, NULL, worker_main, w) != 0) {
        atomic_fetch_sub(&rt.monitor_spares, 1);
        atomic_store(&w->retired, 1);
        return WEFT_ENOMEM;
    }
    w->thread_live = 1;
    return WEFT_OK;
}

static weft_spin_t monitor_lock = WEFT_SPIN_INIT; /* monitor vs weft_blocking calling hand_off/start_spare */

static void *monitor_main(void *arg)
{
    (void)arg;
    int64_t tick = MONITOR_TICK_NS;
    weft_stack_cache_trimmed(1); /* released stacks: the monitor returns the excess (stack.c) */
    while (!atomic_load_explicit(&rt.stopping, memory_order_acquire)) {
        weft_parker_wait(rt.monitor_parker, weft_now() + tick);
        if (atomic_load(&rt.stopping))
            break;
        weft_stack_cache_trim(0);
        int busy = 0;
        int64_t now = weft_now();
        weft_spin_lock(&monitor_lock);
        for (int i = 0, ns = nslots(); i < ns; i++) {
            weft_worker_t *w = rt.workers[i];
            if (atomic_load(&w->retired)) {
                weft_co_collect(w); /* children of a retired spare end elsewhere */
                continue;
            }
            uint64_t sw = atomic_load_explicit(&w->switches, memory_order_relaxed);
            int in_co = atomic_load_explicit(&w->in_co, memory_order_relaxed);
            busy |= in_co;
            if (!in_co || sw != w->mon_seen) {
                w->mon_seen = sw;
                w->mon_ticks = 0;
                continue;
            }
            if (++w->mon_ticks < STUCK_TICKS)
                continue;
            /* stuck: its timers are ours to fire, its queue others' to run */
            if (atomic_load(&w->next_deadline) <= now)
                weft_timers_run(w, now);
            if (ring_len(w) || atomic_load(&w->runnext) || atomic_load(&rt.gq_len)) {
                if (w->mon_ticks == STUCK_TICKS)
                    trace_handoff(w, atomic_load(&w->blocking) ? "is in weft_blocking" : "has been busy for 10 ms");
                hand_off(w);
            }
        }
        weft_spin_unlock(&monitor_lock);
        /* I/O nobody has looked at for a while: every worker is in a long
         * run (or in weft_blocking); deliver it to the global queue */
        const weft_poller_ops_t *p = atomic_load_explicit(&rt.poller, memory_order_acquire);
        if (p && atomic_load(&rt.io_waiting) > 0 && !atomic_load(&rt.poll_owner) &&
            now - atomic_load_explicit(&rt.last_poll, memory_order_relaxed) > POLL_STALE_NS) {
            atomic_store_explicit(&rt.last_poll, now, memory_order_relaxed);
            if (p->poll(0) > 0)
                busy = 1;
        }
        /* back off while nothing runs: an idle runtime stays idle */
        tick = busy ? MONITOR_TICK_NS : (tick * 2 > MONITOR_IDLE_NS ? MONITOR_IDLE_NS : tick * 2);
    }
    weft_stack_cache_trimmed(0);
    weft_stack_cache_trim(0); /* back to what the cache keeps without a trimmer */
    return NULL;
}

int weft_blocking(void *(*fn)(void *), void *arg, void **result)
{
    if (!fn)
        return WEFT_EINVAL;
    weft_worker_t *w = weft_worker_current();
    if (!w) { /* a plain thread: nothing to hand off */
        void *r = fn(arg);
        if (result)
            *result = r;
        return WEFT_OK;
    }
    /* The coroutine stays on this worker's thread for the call (it may
     * keep thread-affine state, errno, locks); its queue goes elsewhere
     * now rather than after the monitor notices. */
    atomic_store(&w->blocking, 1);
    weft_spin_lock(&monitor_lock);
    hand_off(w);
    weft_spin_unlock(&monitor_lock);
    void *r = fn(arg);
    /* same thread, same worker: fn ran on this stack without switching */
    atomic_store(&w->blocking, 0);
    if (result)
        *result = r;
    return WEFT_OK;
}

uint64_t weft_sched_handoffs(void)
{
    uint64_t h = 0;
    for (int i = 0, n = nslots(); i < n; i++)
        h += atomic_load_explicit(&rt.workers[i]->handoffs, memory_order_relaxed);
    return h;
}

/* ---- start / stop ------------------------------------------------------- */

static size_t env_size(const char *name, size_t dflt)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return dflt;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end == 'k' || *end == 'K')
        n <<= 10;
    else if (*end == 'm' || *end == 'M')
        n <<= 20;
    return n ? (size_t)n : dflt;
}

static void free_workers(int n)
{
    for (int i = 0; i < n; i++) {
        weft_worker_t *w = rt.workers[i];
        weft_timers_free(w);
        weft_parker_free(w->parker);
        free(w->thread);
        worker_free(w);
    }
    free(rt.workers);
    rt.workers = NULL;
    rt.n = 0;
}

static int start_locked(const weft_config_t *cfg)
{
    int n = cfg && cfg->workers ? cfg->workers : (int)env_size("WEFT_WORKERS", 0);
    if (n <= 0)
        n = weft_os_cpu_count();
    if (n > 1024 || (cfg && cfg->workers < 0))
        return WEFT_EINVAL;
    size_t ss = cfg && cfg->stack_size ? cfg->stack_size : env_size("WEFT_STACK_SIZE", WEFT_STACK_DEFAULT);
    size_t usable;
    if (weft_stack_size(ss, &usable) != WEFT_OK)
        return WEFT_EINVAL;
    rt.stack_size = usable;
    rt.no_steal = cfg ? cfg->no_steal : 0;
    rt.workers = calloc((size_t)n + WEFT_MAX_SPARES, sizeof *rt.workers);
    if (!rt.workers)
        return WEFT_ENOMEM;
    atomic_store(&rt.stopping, 0);
    for (int i = 0; i < n; i++) {
        weft_worker_t *w = worker_new();
        if (!w || !(w->parker = weft_parker_new()) || !(w->thread = malloc(sizeof(pthread_t)))) {
            if (w) {
                weft_parker_free(w->parker);
                worker_free(w);
            }
            rt.n = i;
            free_workers(i);
            return WEFT_ENOMEM;
        }
        w->id = i;
        w->rng = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
        atomic_init(&w->next_deadline, INT64_MAX);
        rt.workers[i] = w;
    }
    rt.n = n;
    atomic_store(&rt.nslots, n);
    atomic_store(&rt.monitor_spares, 0);
    const char *tr = getenv("WEFT_TRACE_BLOCKING");
    rt.trace = tr && tr[0] == '1';
    for (int i = 0; i < n; i++) {
        rt.workers[i]->thread_live = 1;
        if (pthread_create((pthread_t *)rt.workers[i]->thread, NULL, worker_main, rt.workers[i]) != 0) {
            atomic_store(&rt.stopping, 1);
            for (int j = 0; j < i; j++) {
                weft_parker_unpark(rt.workers[j]->parker);
                pthread_join(*(pthread_t *)rt.workers[j]->thread, NULL);
            }
            free_workers(n);
            return WEFT_ENOMEM;
        }
    }
    if (!(rt.monitor_parker = weft_parker_new()) ||
        pthread_create(&rt.monitor, NULL, monitor_main, NULL) != 0) {
        atomic_store(&rt.stopping, 1);
        for (int j = 0; j < n; j++) {
            weft_parker_unpark(rt.workers[j]->parker);
            pthread_join(*(pthread_t *)rt.workers[j]->thread, NULL);
        }
        weft_parker_free(rt.monitor_parker);
        rt.monitor_parker = NULL;
        free_workers(n);
        return WEFT_ENOMEM;
    }
    atomic_store_explicit(&rt.running, 1, memory_order_release);
    return WEFT_OK;
}

int weft_init(const weft_config_t *cfg)
{
    if (cfg && (cfg->workers < 0 || cfg->stack_size > WEFT_STACK_MAX))
        return WEFT_EINVAL;
    pthread_mutex_lock(&rt.start_lock);
    int rc = atomic_load(&rt.running) ? WEFT_ESTATE : start_locked(cfg);
    pthread_mutex_unlock(&rt.start_lock);
    return rc;
}

int weft_runtime_start(void)
{
    if (__builtin_expect(atomic_load_explicit(&rt.running, memory_order_acquire), 1))
        return WEFT_OK;
    pthread_mutex_lock(&rt.start_lock);
    int rc = atomic_load(&rt.running) ? WEFT_OK : start_locked(NULL);
    pthread_mutex_unlock(&rt.start_lock);
    return rc;
}

void weft_shutdown(void)
{
    if (weft_co_current())
        return; /* from a coroutine it would stop its own worker: refused */
    pthread_mutex_lock(&rt.start_lock);
    if (!atomic_load(&rt.running)) {
        pthread_mutex_unlock(&rt.start_lock);
        return;
    }
    atomic_store(&rt.stopping, 1);
    weft_parker_unpark(rt.monitor_parker);
    pthread_join(rt.monitor, NULL); /* no spare starts after this */
    weft_parker_free(rt.monitor_parker);
    rt.monitor_parker = NULL;
    int ns = nslots();
    const weft_poller_ops_t *p = atomic_load_explicit(&rt.poller, memory_order_acquire);
    for (int i = 0; i < ns; i++)
        weft_parker_unpark(rt.workers[i]->parker);
    if (p)
        p->wake(); /* the worker idling in the poller, if one is */
    for (int i = 0; i < ns; i++)
        if (rt.workers[i]->thread_live) /* retired spares too: not yet joined */
            pthread_join(*(pthread_t *)rt.workers[i]->thread, NULL);
    /* Nothing runs now.  Coroutines left in queues or parked are freed
     * without running further (C has no unwinding to run for them); the
     * poller first forgets the waiters on their stacks. */
    if (p)
        p->abandon();
    atomic_store(&rt.io_waiting, 0);
    atomic_store(&rt.poll_owner, 0);
    weft_co_abandon_all();
    /* the stacks just freed, and any the caller collected, sit in its pool */
    weft_stack_pool_drain();
    rt.gq_head = rt.gq_tail = NULL;
    atomic_store(&rt.gq_len, 0);
    atomic_store(&rt.nidle, 0);
    free_workers(ns);
    atomic_store(&rt.nslots, 0);
    atomic_store(&rt.running, 0);
    pthread_mutex_unlock(&rt.start_lock);
}

/* ---- for the deadlock check and weft_stats ------------------------------ */

/* 1 when nothing can run by itself: every worker idle, no queued
 * coroutine, no armed timer.  *activity moves whenever anything ran, so
 * two equal samples some time apart mean nothing happened in between. */
int weft_sched_quiescent(uint64_t *activity)
{
    uint64_t a = 0;
    int quiet = atomic_load(&rt.running) && atomic_load(&rt.gq_len) == 0;
    for (int i = 0, n = nslots(); i < n; i++) {
        weft_worker_t *w = rt.workers[i];
        if (atomic_load(&w->retired))
            continue;
        a += atomic_load(&w->switches) + atomic_load(&w->parks);
        if (!atomic_load(&w->idle) || ring_len(w) || atomic_load(&w->runnext) ||
            atomic_load(&w->next_deadline) != INT64_MAX)
            quiet = 0;
    }
    if (atomic_load(&rt.io_waiting) > 0)
        quiet = 0; /* a socket may wake its waiters any time */
    *activity = a;
    return quiet;
}

void weft_sched_counters(uint64_t *switches, uint64_t *steals, uint64_t *parks)
{
    uint64_t s = 0, t = 0, p = 0;
    for (int i = 0, n = nslots(); i < n; i++) {
        weft_worker_t *w = rt.workers[i];
        s += atomic_load_explicit(&w->switches, memory_order_relaxed);
        t += atomic_load_explicit(&w->steals, memory_order_relaxed);
        p += atomic_load_explicit(&w->parks, memory_order_relaxed);
    }
    *switches = s;
    *steals = t;
    *parks = p;
}
