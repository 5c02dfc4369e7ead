/*
 * runtime.h - coroutines, workers and the M:N scheduler (internal), and
 * the private interface between the core's files.
 *
 * A coroutine (weft_co) runs on a worker thread.  Every coroutine switch
 * goes through the worker's scheduler context (its thread stack): a
 * coroutine that stops running switches to the scheduler, which then
 * performs the coroutine's "after-switch action" on its own stack: put it
 * back on a run queue (yield), finish parking it (block), or free it
 * (return).  Doing these after the switch, not before, is what makes the
 * blocking protocol (wait.h) race-free: nobody can resume a coroutine
 * whose registers are still being saved.
 *
 * The kernel.  Five files call each other and form the core's one circle
 * of calls: kernel = { sched, co, wait, timer, cls }.  The scheduler runs
 * coroutines (sched.c) and ends them through their life cycle (co.c);
 * parking and waking (wait.c) need both; timers (timer.c) are fired by
 * the scheduler loop and wake waiters; coroutine-local storage (cls.c)
 * is freed when a coroutine ends.  Everything else in cnative/src sits
 * above the kernel (channels, select, the locks, scopes, weft_run, the
 * dump) or below it (stacks, the switch, os/), and calls only downwards;
 * what a layer above must reach back into the core with, it registers
 * (a coroutine group's join and leave, wait.h's hand-back hook).
 * ci/structure-check.py checks this line against the objects' symbols.
 *
 * Every function one file of the core calls in another is declared in a
 * header: here (the kernel and the services around it), or the header
 * named for its file (chan.h, sync.h, wait.h, stack.h, fault.h, os/os.h).
 */
#ifndef WEFT_RUNTIME_H
#define WEFT_RUNTIME_H

#include <stdatomic.h>
#include <stdint.h>

#include "weft.h"
#include "arch/ctx.h"
#include "fault.h"
#include "lock.h"
#include "wait.h"

#define WEFT_CLS_MAX 64   /* coroutine-local keys */
#define WEFT_RUNQ_SIZE 256 /* per-worker ring; a power of two */

/* co->park, the park handshake (sched.c) */
enum { CO_PARK_RUNNING = 0, CO_PARK_PARKED = 1, CO_PARK_WAKEUP = 2, CO_PARK_PINNED = 3 };

/* co->status, for weft_dump and join */
enum { CO_RUNNABLE = 1, CO_RUNNING = 2, CO_BLOCKED = 3, CO_DONE = 4 };

struct weft_co {
    weft_fault_info_t info;        /* first: kind WEFT_CORO_TASK */

    void *sp;                      /* saved context while not running */
    struct weft_co *next;          /* global run queue link */
    _Atomic int park;              /* CO_PARK_*; see sched.c */
    _Atomic int status;            /* CO_* */
    _Atomic int refs;              /* the body (until it returns) + a handle (joinable) */
    _Atomic int canceled;
    int os_error;                  /* weft_os_error: its last WEFT_ESYS (netpoll.c) */

    /* `lock` guards the join queue (and the DONE transition). */
    weft_spin_t lock;
    weft_waitq_t joiners;
    /* The waiter the coroutine is in (weft_waiter_park), so that
     * cancellation can wake it and weft_dump can show it.  Written only by
     * the coroutine itself; read by others only while they hold the
     * coroutine PINNED (sched.c, "pinning"), which keeps the waiter's
     * stack frame alive. */
    _Atomic(weft_waiter_t *) blocked;

    void *(*fn)(void *);
    void *arg;
    void *result;
    void *group;                   /* set when spawned in a group (a scope) */
    const struct weft_co_group *group_ops;
    struct weft_co *scope_next, *scope_prev; /* the group's links, its owner's to use */
    struct weft_co *all_next, *all_prev; /* the registry, for weft_dump / shutdown */
    struct weft_registry *reg;     /* which registry list it is on */
    int joinable;                  /* has a handle: refs is shared with weft_co_release */
    int joined;                    /* under `lock`: a join has returned its result */
    unsigned cls_n;                /* cls[0..cls_n) are initialised (cls.c) */
    void *cls[WEFT_CLS_MAX];

    /* sanitizer bookkeeping */
    void *asan_fake;
    void *tsan_fiber;

    weft_stack_t stack;
    char name[32];
};

/* Live coroutines, for weft_dump and shutdown: one list per worker (a
 * coroutine joins the list of the worker that spawned it) plus one for
 * spawns from plain threads, so spawning on different workers touches
 * no shared cache line. */
struct weft_registry {
    weft_spin_t lock;
    struct weft_co *head;
    long n;
    uint64_t next_id, id_end;      /* a block of ids handed out without atomics */
    unsigned spawns;               /* owner only: when to collect `exited` */
    /* Coroutines of this list that ended on another thread, linked
     * through co->next, pushed without the lock (co.c, "exits on other
     * workers").  Its own cache line: the pushers are other workers. */
    _Alignas(64) _Atomic(struct weft_co *) exited;
    char pad_[64 - sizeof(void *)];
};

typedef struct weft_worker {
    /* Grouped by who touches what, a cache line apart (workers are
     * allocated 64-aligned, sched.c): a spinning worker polls others'
     * rings and run-next slots, and every line it reads that the owner
     * writes on each switch costs the owner a cache miss on its next
     * write.  Its polls now read one such line (run-next), not three. */

    /* the owner's, written on every switch, read by no one else */
    int id;
    void *sched_sp;                /* the scheduler context while a coroutine runs */
    struct weft_co *current;
    /* after-switch action, set by the coroutine just before it switches
     * out, done by whoever runs next on this worker (sched.c, do_post) */
    int post;                      /* POST_* (sched.c) */
    struct weft_co *post_co;       /* the coroutine that asked for it */
    weft_spin_t *post_unlock;
    unsigned streak;               /* run-next picks in a row (sched.c) */
    uint32_t tick;
    uint64_t rng;
    _Atomic uint64_t parks;        /* counter (relaxed; read by weft_stats) */
    /* sanitizer view of the thread stack */
    const void *stack_bottom;
    size_t stack_size;
    void *tsan_fiber;

    /* run queue: a ring the owner pushes to (tail) and everyone pops from
     * (head, CAS) */
    _Alignas(64) _Atomic uint32_t head, tail;
    _Atomic(struct weft_co *) ring[WEFT_RUNQ_SIZE];

    /* the owner's run-next slot (Go's runnext), with the progress signs a
     * thief checks before taking it and the monitor reads: switches
     * (relaxed counter), in_co while a coroutine runs, blocking while it
     * is inside weft_blocking (sched.c, "monitor") */
    _Alignas(64) _Atomic(struct weft_co *) runnext;
    _Atomic uint64_t switches;
    _Atomic int in_co;
    _Atomic int blocking;

    /* timers: a binary min-heap of waiters with deadlines */
    _Alignas(64) weft_spin_t timer_lock;
    weft_timer_t **timers;
    int ntimers, timer_cap;
    _Atomic int64_t next_deadline; /* INT64_MAX when empty */

    /* sleeping when idle */
    _Alignas(64) struct weft_parker *parker;
    _Atomic int idle;
    _Atomic int in_poll;           /* idle in the I/O poller, not on the parker (sched.c) */
    struct weft_worker *idle_next;

    /* rarely written */
    _Atomic uint64_t steals, handoffs; /* counters (relaxed; read by weft_stats) */
    uint64_t mon_seen;             /* monitor-private: switches at its last look */
    int mon_ticks;                 /* monitor-private: looks with no progress */
    int spare;                     /* started by the monitor; retires when idle */
    _Atomic int retired;           /* a spare whose thread has exited (slot reusable) */
    void *thread;                  /* the OS thread (pthread_t *) */
    int thread_live;               /* created and not yet joined */

    struct weft_registry reg;      /* aligned itself: its `exited` is pushed to by others */
} weft_worker_t;

/* ---- used by the primitives ------------------------------------------- */

/* The worker running the calling code, NULL on a plain thread.  A
 * coroutine may move between workers at any switch: call again after
 * every park or yield, never cache. */
weft_worker_t *weft_worker_current(void);

/* The running coroutine, NULL on a plain thread (== weft_self()). */
struct weft_co *weft_co_current(void);

/* First thing a coroutine does whenever it (re)starts on worker w: its
 * sanitizer bookkeeping, and the after-switch action of the coroutine
 * that switched to it directly, if one did (sched.c). */
void weft_sched_resumed(weft_worker_t *w, void *asan_fake);

/* Makes a parked (or parking) coroutine runnable; any context. */
void weft_co_ready(struct weft_co *co);

/* The calling coroutine stops running; `unlock` is released after the
 * switch-out; returns when weft_co_ready has been called for it. */
void weft_co_park(weft_spin_t *unlock);

/* Pinning (sched.c): holds a parked coroutine parked, so that its
 * `blocked` waiter can be read and won from another thread.  Returns 0
 * (nothing pinned) if it is not parked.  Keep it short: wakers spin. */
int weft_co_pin(struct weft_co *co);
void weft_co_unpin(struct weft_co *co);

/* Wins co's current wait for WEFT_ECANCELED if it is parked in one that
 * cancellation may end (co.c); anyone, any time after co->canceled was
 * set. */
void weft_co_cancel_parked(struct weft_co *co);
/* co pinned by the caller: wins its wait for a cancel if cancellation
 * may end it, then unpins co.  Returns the waiter won (the caller
 * resumes it with WEFT_ECANCELED) or NULL. */
weft_waiter_t *weft_co_claim_pinned(struct weft_co *co);

/* A relative time (ns >= 0) as a deadline: weft_now() + ns, saturated at
 * INT64_MAX ("never", as far as any clock goes) instead of wrapping. */
static inline int64_t weft_deadline_in(int64_t ns)
{
    int64_t now = weft_now();
    return ns > INT64_MAX - now ? INT64_MAX : now + ns;
}

/* Ensures the runtime is started (weft_init with defaults on first use). */
int weft_runtime_start(void);

/* Timers (timer.c): arm w->timer on the current worker's heap; disarm
 * after wake-up (no-op if it fired).  Only for coroutine waiters. */
void weft_timer_arm(weft_waiter_t *w, int64_t deadline);
void weft_timer_disarm(weft_waiter_t *w);
/* Fires every expired timer of `wk` (called by its scheduler loop). */
void weft_timers_run(weft_worker_t *wk, int64_t now);
void weft_timers_free(weft_worker_t *wk);

/* ---- the coroutine life cycle (co.c) ------------------------------------- */

/* A set a coroutine belongs to from its spawn until its body returns
 * (scope.c's scopes): join runs before the coroutine first runs, leave
 * after its body returned (on the worker, after its final switch-out).
 * The set's owner supplies both, so co.c never calls the layer above. */
typedef struct weft_co_group {
    void (*join)(void *group, struct weft_co *co);
    void (*leave)(void *group, struct weft_co *co);
} weft_co_group_t;

/* weft_go into a group (ops, group: see above). */
int weft_co_spawn_in(const weft_co_group_t *ops, void *group, const weft_attr_t *attr,
                     void *(*fn)(void *), void *arg);
/* Worker side, after the body's final switch-out (sched.c, POST_EXIT). */
void weft_co_exited(struct weft_co *co);
/* Frees the records of w's coroutines that ended on other workers. */
void weft_co_collect(weft_worker_t *w);
/* Shutdown: nothing runs any more; frees every coroutine left. */
void weft_co_abandon_all(void);
/* Live coroutines, and a walk over them under their registries' locks
 * (weft_dump). */
long weft_co_live(void);
void weft_co_foreach(void (*fn)(struct weft_co *co, void *arg), void *arg);

/* ---- the scheduler (sched.c) ---------------------------------------------- */

/* Makes a new coroutine runnable for the first time. */
void weft_sched_start_co(struct weft_co *co);
/* The coroutine's body returned: switches away for good (POST_EXIT). */
__attribute__((noreturn)) void weft_sched_exit(struct weft_co *co);
/* The default coroutine stack size (weft_config_t, page-rounded). */
size_t weft_sched_stack_size(void);
/* Worker slots in use (configured workers, then spares), and slot i. */
int weft_sched_nslots(void);
weft_worker_t *weft_sched_slot(int i);
/* Configured workers. */
int weft_sched_workers(void);
/* 1 if nothing is runnable and no timer is armed; *activity is a number
 * that changes whenever anything runs (weft_run's deadlock check). */
int weft_sched_quiescent(uint64_t *activity);
/* The I/O poller's hooks (netpoll.c registers them when the first socket
 * is made; the scheduler never names the poller otherwise).  poll hands
 * ready I/O to its waiters: timeout_ns 0 = do not block, < 0 = until
 * something is ready or wake is called, > 0 = at most that long; it
 * returns the number of events.  wake ends a blocked poll, from any
 * thread. */
typedef struct weft_poller_ops {
    int (*poll)(int64_t timeout_ns);
    void (*wake)(void);
    /* weft_shutdown, with every worker stopped and before the coroutines
     * left are freed: forget the waiters on their stacks, end plain
     * threads' waits with WEFT_ECLOSED */
    void (*abandon)(void);
} weft_poller_ops_t;
void weft_sched_set_poller(const weft_poller_ops_t *ops);
/* +1 before a party waits on I/O, -1 after: while the count is above
 * zero, an idle worker waits in the poller (and one is woken to, if none
 * does), busy workers poll between batches, the monitor when they don't. */
void weft_sched_io_wait(int delta);
/* Sums of the workers' counters (weft_stats). */
void weft_sched_counters(uint64_t *switches, uint64_t *steals, uint64_t *parks);
uint64_t weft_sched_handoffs(void);

/* ---- coroutine-local storage (cls.c) -------------------------------------- */

/* Keys created so far: a new coroutine clears that many slots. */
unsigned weft_cls_nkeys(void);
/* Runs the destructors of co's non-NULL values (its body returned). */
void weft_cls_run_dtors(struct weft_co *co);

/* ---- services for a binding (dump.c) -------------------------------------- */

/* A binding's count of the sync objects it allocated for its users (the
 * JNI glue's mutexes, locks, semaphores...): weft_stats' java_sync.
 * delta +1 per object made, -1 per object freed. */
void weft_stats_java_sync(int delta);
/* Live weft_sock_t (net.c): weft_stats' sockets. */
void weft_stats_sockets(int delta);

/* Thread parker (park.c): one per plain thread that blocks in Weft, and
 * one per worker for idling. */
struct weft_parker *weft_parker_self(void);
struct weft_parker *weft_parker_new(void);
void weft_parker_free(struct weft_parker *p);
/* Sleeps until unparked or `deadline` (weft_now ns, -1: none); a permit
 * left by an earlier unpark makes it return at once. */
void weft_parker_wait(struct weft_parker *p, int64_t deadline);
void weft_parker_unpark(struct weft_parker *p);

#endif /* WEFT_RUNTIME_H */
