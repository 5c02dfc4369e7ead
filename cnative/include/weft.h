/*
 * weft.h - the public C API of Weft.
 *
 * Weft gives C (and, through its JNI layer, Java) Go-style concurrency on
 * stackful coroutines.  This header is the whole public surface; nothing
 * under cnative/src is part of the ABI.
 *
 * Errors: functions that can fail return an int, WEFT_OK (0) or a positive
 * status on success and a negative WEFT_E* code on failure; weft_strerror()
 * names each code.
 */
#ifndef WEFT_H
#define WEFT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(WEFT_STATIC)
#  define WEFT_EXPORT
#elif defined(_WIN32)
#  if defined(WEFT_BUILDING)
#    define WEFT_EXPORT __declspec(dllexport)
#  else
#    define WEFT_EXPORT __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define WEFT_EXPORT __attribute__((visibility("default")))
#else
#  define WEFT_EXPORT
#endif

#define WEFT_VERSION_MAJOR 0
#define WEFT_VERSION_MINOR 1
#define WEFT_VERSION_PATCH 0

/* ---- status and error codes ------------------------------------------ */

#define WEFT_OK          0   /* success; for weft_gen_resume: the generator yielded */
#define WEFT_DONE        1   /* weft_gen_resume: the generator's function returned */

#define WEFT_EINVAL     (-1) /* an argument is invalid (NULL, out of range) */
#define WEFT_ENOMEM     (-2) /* memory or address space could not be reserved */
#define WEFT_ECLOSED    (-3) /* the object is closed */
#define WEFT_ETIMEDOUT  (-4) /* the deadline passed */
#define WEFT_ECANCELED  (-5) /* the operation or coroutine was cancelled */
#define WEFT_EFINISHED  (-6) /* the generator already finished */
#define WEFT_EBUSY      (-7) /* the generator is running (resumed or freed from inside itself) */
#define WEFT_EPERM      (-8) /* called from the wrong place (yield outside the generator) */
#define WEFT_EAGAIN     (-9) /* would block (try_ operations, select's default case) */
#define WEFT_EDEADLK   (-10) /* would wait forever (join of self; every coroutine asleep) */
#define WEFT_ESTATE    (-11) /* not valid in the object's state (join twice, unlock when unlocked) */

/* A static, never-NULL description of `err` (WEFT_OK, WEFT_DONE or WEFT_E*);
 * unknown codes give "unknown weft error". */
WEFT_EXPORT const char *weft_strerror(int err);

/* "MAJOR.MINOR.PATCH" of the library actually linked. */
WEFT_EXPORT const char *weft_version(void);

/* ---- stacks ------------------------------------------------------------ */

#define WEFT_STACK_DEFAULT ((size_t)64 * 1024)        /* usable bytes */
#define WEFT_STACK_MAX     ((size_t)1024 * 1024 * 1024)

/* The OS page size, the granularity (and minimum) of stack sizes. */
WEFT_EXPORT size_t weft_page_size(void);

/* ---- generators ----------------------------------------------------------
 *
 * Asymmetric stackful coroutines: weft_gen_resume runs the generator until
 * it yields or returns; weft_gen_yield, called inside the generator's
 * function, hands a value out to the resumer and suspends until the next
 * resume, whose `in` it returns.
 *
 *   - The first resume starts fn(g, arg).  Its `in` is not lost: fn reads it
 *     with weft_gen_input(g), which always returns the `in` of the latest
 *     resume.
 *   - Each generator runs on its own guard-paged stack (attr->stack_size
 *     usable bytes, rounded up to whole pages; 0 means WEFT_STACK_DEFAULT).
 *     Overflowing it is reported as
 *         weft: stack overflow in coroutine "NAME" (#ID, stack 64 KiB)
 *     and the process aborts.
 *   - A generator may be resumed from any thread, one resume at a time
 *     (its body then runs on that thread).  A resume from inside the
 *     generator itself gets WEFT_EBUSY and changes nothing.  Resuming one
 *     generator from two threads at the same time is a data race, as for
 *     any object used without synchronisation (TSan builds report it);
 *     checking for it would cost a locked instruction per resume.
 *   - Floating-point control state (rounding mode, exception masks) belongs
 *     to each side: the generator starts with its creator's, and changes it
 *     makes are not seen by its resumer, nor the other way round.
 *   - weft_gen_free on a generator suspended in weft_gen_yield resumes it
 *     once more: that yield returns NULL and weft_gen_canceled(g) is true,
 *     so fn can release what it holds and return.  If it yields again
 *     instead, its stack is discarded without further notice.
 */
typedef struct weft_gen weft_gen_t;
typedef void *(*weft_gen_fn)(weft_gen_t *g, void *arg);
typedef struct {
    const char *name;   /* copied (first 31 bytes); NULL: "gen" */
    size_t stack_size;  /* usable bytes; 0: WEFT_STACK_DEFAULT; 1 page .. WEFT_STACK_MAX */
} weft_gen_attr_t;

/* Creates a generator that will run fn(g, arg) on first resume.
 * attr may be NULL.  WEFT_EINVAL: fn or out NULL, stack_size out of range.
 * WEFT_ENOMEM: no memory or address space for the stack. */
WEFT_EXPORT int weft_gen_new(weft_gen_fn fn, void *arg, const weft_gen_attr_t *attr, weft_gen_t **out);

/* Runs g until it yields (WEFT_OK, *out = yielded value) or its function
 * returns (WEFT_DONE, *out = its result).  out may be NULL.
 * Errors: WEFT_EINVAL (g NULL), WEFT_EFINISHED (g already returned),
 * WEFT_EBUSY (g is running), WEFT_ENOMEM (first resume on a thread could
 * not set up its alternate signal stack). */
WEFT_EXPORT int weft_gen_resume(weft_gen_t *g, void *in, void **out);

/* Inside g's function: suspends g, handing `value` to the resumer; returns
 * the next resume's `in` (NULL when g is being freed, see above).  Misuse
 * (g NULL, or not the generator currently running on this thread) returns
 * NULL without suspending; weft_gen_yield_ex reports it as an error code. */
WEFT_EXPORT void *weft_gen_yield(weft_gen_t *g, void *value);

/* weft_gen_yield with an error code: WEFT_OK and *in (may be NULL) = the
 * next `in`; WEFT_ECANCELED when resumed by weft_gen_free; WEFT_EINVAL for
 * g NULL; WEFT_EPERM when g is not running on this thread. */
WEFT_EXPORT int weft_gen_yield_ex(weft_gen_t *g, void *value, void **in);

/* The `in` of the latest resume (NULL before the first). */
WEFT_EXPORT void *weft_gen_input(const weft_gen_t *g);

/* 1 once g's function has returned, else 0 (0 for NULL). */
WEFT_EXPORT int weft_gen_done(const weft_gen_t *g);

/* 1 while weft_gen_free is finishing g (see above), else 0. */
WEFT_EXPORT int weft_gen_canceled(const weft_gen_t *g);

/* The running generator on this thread, or NULL outside any. */
WEFT_EXPORT weft_gen_t *weft_gen_current(void);

/* Name, id (unique per process, from 1) and usable stack size of g. */
WEFT_EXPORT const char *weft_gen_name(const weft_gen_t *g);
WEFT_EXPORT uint64_t weft_gen_id(const weft_gen_t *g);
WEFT_EXPORT size_t weft_gen_stack_size(const weft_gen_t *g);

/* Frees g and its stack, finishing it first if it is suspended (see
 * above).  NULL is ignored.  Freeing a running generator (from inside
 * itself) is refused: nothing is freed and the call returns;
 * weft_gen_free_ex says WEFT_EBUSY. */
WEFT_EXPORT void weft_gen_free(weft_gen_t *g);
WEFT_EXPORT int weft_gen_free_ex(weft_gen_t *g);

/* ---- the runtime ------------------------------------------------------------
 *
 * Coroutines run M:N on `workers` threads (default: the number of CPUs),
 * each with a run queue; idle workers steal half of a busy one's queue and
 * sleep when there is nothing to do.  The runtime starts on first use, or
 * explicitly with weft_init.
 *
 * Deadlines are absolute times in weft_now()'s clock (monotonic ns);
 * -1 means no deadline.
 */
typedef struct {
    int workers;        /* 0: WEFT_WORKERS from the environment, else the CPU count */
    size_t stack_size;  /* default coroutine stack; 0: WEFT_STACK_SIZE, else WEFT_STACK_DEFAULT */
    int stack_pool;     /* reserved (pool size per thread is fixed at 16 for now) */
    int no_steal;       /* 1: workers never steal from each other */
} weft_config_t;

/* Starts the runtime.  cfg may be NULL.  WEFT_ESTATE if already running
 * (first use starts it with defaults), WEFT_EINVAL for bad values. */
WEFT_EXPORT int weft_init(const weft_config_t *cfg);

/* Runs main_fn(arg) in a coroutine and waits, on the calling thread, for it
 * to return; *result (may be NULL) receives its return value. */
WEFT_EXPORT int weft_run(void *(*main_fn)(void *), void *arg, void **result);

/* Stops the workers and frees the runtime; coroutines still alive are
 * abandoned (their stacks freed without running them further).  Must be
 * called from a plain thread.  The runtime can be started again. */
WEFT_EXPORT void weft_shutdown(void);

/* Monotonic clock, nanoseconds. */
WEFT_EXPORT int64_t weft_now(void);

/* ---- coroutines ----------------------------------------------------------- */
typedef struct weft_co weft_co_t;
typedef struct {
    const char *name;   /* copied (31 bytes); NULL: "co" */
    size_t stack_size;  /* 0: the runtime default */
} weft_attr_t;

/* Starts fn(arg) in a new detached coroutine.
 *
 * Called from a coroutine, weft_go and weft_spawn may switch the caller
 * out for a moment: when its worker already has 128 runnable coroutines
 * queued, the caller yields so that they run before it spawns more (a
 * spawn loop then needs a few hundred stacks, not one per iteration).
 * Do not hold a lock that those coroutines need across a spawn. */
WEFT_EXPORT int weft_go(void *(*fn)(void *), void *arg);

/* Starts fn(arg) in a new joinable coroutine; *out must be released with
 * weft_co_release (after or instead of joining).  attr may be NULL. */
WEFT_EXPORT int weft_spawn(const weft_attr_t *attr, void *(*fn)(void *), void *arg, weft_co_t **out);

/* Waits for co to finish; *result (may be NULL) gets its return value.
 * Works from a coroutine or a plain thread; several may wait at once.
 * WEFT_EDEADLK: co is the caller.  WEFT_ECANCELED: the *caller* was
 * cancelled while waiting.  WEFT_ESTATE: co was already joined (a join
 * returned its result before).  Using co after weft_co_release is a
 * use-after-free, as for any released handle. */
WEFT_EXPORT int weft_join(weft_co_t *co, void **result);

/* Requests cancellation: co's current or next blocking operation returns
 * WEFT_ECANCELED (a cancelled coroutine keeps running until it blocks;
 * what it does then is its own business). */
WEFT_EXPORT int weft_cancel(weft_co_t *co);

/* Drops the handle from weft_spawn.  The coroutine keeps running. */
WEFT_EXPORT void weft_co_release(weft_co_t *co);

/* Lets other runnable coroutines run.  WEFT_OK (also on a plain thread,
 * where it yields the OS thread). */
WEFT_EXPORT int weft_yield(void);

/* The calling coroutine; NULL on a plain thread. */
WEFT_EXPORT weft_co_t *weft_self(void);
WEFT_EXPORT uint64_t weft_co_id(const weft_co_t *co);
WEFT_EXPORT const char *weft_co_name(const weft_co_t *co);

/* Runs fn(arg) -- a call known to block the thread (a blocking system
 * call, a library without non-blocking I/O) -- on the calling coroutine's
 * thread, after handing the worker's queued coroutines to other workers
 * (an idle one, or a spare thread the runtime starts), so they keep
 * running meanwhile.  *result (may be NULL) gets fn's return value.  fn
 * must not use Weft's blocking operations.  Without it, the runtime's
 * monitor does the same after the coroutine has held its worker ~10 ms.
 * On a plain thread it just calls fn. */
WEFT_EXPORT int weft_blocking(void *(*fn)(void *), void *arg, void **result);

/* Sleeps ns nanoseconds (<= 0: just yields; INT64_MAX, or any time past
 * the farthest deadline the clock can express, sleeps until cancelled).
 * WEFT_ECANCELED if the calling coroutine is cancelled meanwhile.  On a
 * plain thread it sleeps the thread. */
WEFT_EXPORT int weft_sleep(int64_t ns);

/* ---- synchronisation ---------------------------------------------------------
 *
 * Mutex, read-write lock, counting semaphore, condition variable,
 * WaitGroup and once.  Every call works from a coroutine (a blocked one
 * parks, freeing its worker) and from a plain thread (which sleeps); one
 * object may be shared by coroutines and threads in any mix.
 *
 *   - Each type is a struct the caller allocates (static, on a stack,
 *     embedded in another struct).  Its fields are private.  Zeroed
 *     memory, the WEFT_*_INIT macro or the init function make a ready
 *     object; nothing is allocated, so destroy only checks that nobody
 *     holds or waits on it (WEFT_ESTATE otherwise).  Do not copy or move
 *     an object while it is in use.
 *   - Blocked parties are served first come, first served: a semaphore
 *     or rwlock released while others wait is handed to the first of
 *     them directly, so no waiter starves and none is overtaken by a
 *     newcomer.  A mutex works as Go's: released while others wait, it
 *     is free for whoever takes it first, and the first waiter is woken
 *     to compete (a running party re-taking a mutex it just released
 *     costs no context switch); once the first waiter has waited over
 *     1 ms, unlocks hand the mutex to the waiters in order until none is
 *     left, so no waiter starves.
 *   - Deadlines (*_until) are absolute weft_now() times; any negative
 *     value means none.  A deadline already past gives WEFT_ETIMEDOUT
 *     only if the operation would have to block.
 *   - WEFT_ECANCELED: the calling coroutine was cancelled (weft_cancel)
 *     while blocked, or was already cancelled when it had to block; the
 *     operation did not take place (except weft_cond_wait, which always
 *     returns holding the mutex).  An operation that can complete without
 *     blocking completes even for a cancelled coroutine.
 *   - WEFT_EINVAL for a NULL object.
 *   - Memory: an unlock / release / signal / done happens before the lock,
 *     acquire, wait or wg wait that it lets through (as in pthreads and Go).
 */

/* -- mutex: not recursive, and not owned (Go's rule): any party may unlock
 * a locked mutex.  Uncontended lock and unlock are one compare-and-swap
 * each.  Fields are private. */
typedef struct {
    int state_;
    int lock_;
    void *q_[2];
} weft_mutex_t;
#define WEFT_MUTEX_INIT { 0, 0, { 0, 0 } }

WEFT_EXPORT int weft_mutex_init(weft_mutex_t *m);
/* Blocks until m is ours.  WEFT_ECANCELED.  Locking a mutex the caller
 * already holds blocks forever (it is not detected). */
WEFT_EXPORT int weft_mutex_lock(weft_mutex_t *m);
/* Never blocks: WEFT_EAGAIN if m is locked. */
WEFT_EXPORT int weft_mutex_trylock(weft_mutex_t *m);
/* weft_mutex_lock giving up at deadline: WEFT_ETIMEDOUT, WEFT_ECANCELED. */
WEFT_EXPORT int weft_mutex_lock_until(weft_mutex_t *m, int64_t deadline);
/* Unlocks m, waking the first waiter if there is one (or handing m to
 * it, see above).  Never blocks.  WEFT_ESTATE: m is not locked. */
WEFT_EXPORT int weft_mutex_unlock(weft_mutex_t *m);
/* WEFT_ESTATE if m is locked (or waited on); otherwise m is finished. */
WEFT_EXPORT int weft_mutex_destroy(weft_mutex_t *m);

/* -- read-write lock: many readers or one writer.  Fair (FIFO, "task
 * fair"): a reader that arrives while anyone waits queues behind the
 * waiters, so a waiting writer is never starved by a stream of readers;
 * a release admits the first waiter, or all consecutive readers at the
 * head of the queue together.  Uncontended read lock/unlock and write
 * lock/unlock are one compare-and-swap each.  Not recursive: a reader
 * that read-locks again while a writer waits blocks forever.  Fields are
 * private. */
typedef struct {
    unsigned state_;
    int lock_;
    void *q_[2];
} weft_rwlock_t;
#define WEFT_RWLOCK_INIT { 0, 0, { 0, 0 } }

WEFT_EXPORT int weft_rwlock_init(weft_rwlock_t *rw);
/* Block until shared (rd) or exclusive (wr) access is ours.  WEFT_ECANCELED. */
WEFT_EXPORT int weft_rwlock_rdlock(weft_rwlock_t *rw);
WEFT_EXPORT int weft_rwlock_wrlock(weft_rwlock_t *rw);
/* Never block: WEFT_EAGAIN if access cannot be had at once (also when
 * only waiters are in the way, for tryrdlock). */
WEFT_EXPORT int weft_rwlock_tryrdlock(weft_rwlock_t *rw);
WEFT_EXPORT int weft_rwlock_trywrlock(weft_rwlock_t *rw);
/* With a deadline: WEFT_ETIMEDOUT, WEFT_ECANCELED. */
WEFT_EXPORT int weft_rwlock_rdlock_until(weft_rwlock_t *rw, int64_t deadline);
WEFT_EXPORT int weft_rwlock_wrlock_until(weft_rwlock_t *rw, int64_t deadline);
/* Release shared / exclusive access.  Never block.  WEFT_ESTATE: rw is
 * not held that way. */
WEFT_EXPORT int weft_rwlock_rdunlock(weft_rwlock_t *rw);
WEFT_EXPORT int weft_rwlock_wrunlock(weft_rwlock_t *rw);
/* Either (pthread_rwlock_unlock): releases the write lock if rw is
 * write-locked, else one read lock.  WEFT_ESTATE: rw is not held. */
WEFT_EXPORT int weft_rwlock_unlock(weft_rwlock_t *rw);
/* WEFT_ESTATE if rw is held (or waited on). */
WEFT_EXPORT int weft_rwlock_destroy(weft_rwlock_t *rw);

/* -- counting semaphore: acquire takes one permit, waiting (FIFO) while
 * there is none; release adds one or hands it to the first waiter.
 * Fields are private. */
typedef struct {
    int64_t count_;
    int lock_;
    void *q_[2];
} weft_sem_t;
#define WEFT_SEM_INIT(count) { (count), 0, { 0, 0 } }

/* WEFT_EINVAL: count negative. */
WEFT_EXPORT int weft_sem_init(weft_sem_t *s, int64_t count);
/* Blocks until a permit is ours.  WEFT_ECANCELED. */
WEFT_EXPORT int weft_sem_acquire(weft_sem_t *s);
/* Never blocks: WEFT_EAGAIN if no permit is free (or others wait). */
WEFT_EXPORT int weft_sem_try_acquire(weft_sem_t *s);
/* With a deadline: WEFT_ETIMEDOUT, WEFT_ECANCELED. */
WEFT_EXPORT int weft_sem_acquire_until(weft_sem_t *s, int64_t deadline);
/* Adds a permit (to the first waiter, if any).  Never blocks.
 * WEFT_EINVAL: the count would overflow INT64_MAX. */
WEFT_EXPORT int weft_sem_release(weft_sem_t *s);
/* Free permits now (a snapshot; 0 while parties wait; 0 for NULL). */
WEFT_EXPORT int64_t weft_sem_value(const weft_sem_t *s);
/* WEFT_ESTATE if parties wait on s. */
WEFT_EXPORT int weft_sem_destroy(weft_sem_t *s);

/* -- condition variable, used with a weft_mutex_t.  Fields are private. */
typedef struct {
    int lock_;
    void *q_[2];
} weft_cond_t;
#define WEFT_COND_INIT { 0, { 0, 0 } }

WEFT_EXPORT int weft_cond_init(weft_cond_t *c);
/* m must be locked by the caller.  Unlocks m and waits for a signal or
 * broadcast, atomically: a signal sent by a party that locked m after
 * this call unlocked it is not missed.  Always returns with m locked
 * again -- also on WEFT_ETIMEDOUT and WEFT_ECANCELED (relocking is not
 * cancellable).  Wake-ups are not spurious, but a woken waiter competes
 * for m with others, so test the predicate in a loop as usual.
 * WEFT_ESTATE (m was not locked; nothing waited), WEFT_EINVAL (NULL). */
WEFT_EXPORT int weft_cond_wait(weft_cond_t *c, weft_mutex_t *m);
WEFT_EXPORT int weft_cond_wait_until(weft_cond_t *c, weft_mutex_t *m, int64_t deadline);
/* Wake the longest-waiting waiter / every waiter (those waiting when the
 * call is made).  Never block; m need not be held (hold it when changing
 * the predicate). */
WEFT_EXPORT int weft_cond_signal(weft_cond_t *c);
WEFT_EXPORT int weft_cond_broadcast(weft_cond_t *c);
/* WEFT_ESTATE if parties wait on c. */
WEFT_EXPORT int weft_cond_destroy(weft_cond_t *c);

/* -- WaitGroup (Go's sync.WaitGroup): a counter; wait blocks until it is
 * zero, and every waiter is released when it drops to zero.  Fields are
 * private. */
typedef struct {
    int64_t count_;
    int lock_;
    void *q_[2];
} weft_wg_t;
#define WEFT_WG_INIT { 0, 0, { 0, 0 } }

WEFT_EXPORT int weft_wg_init(weft_wg_t *wg);
/* Adds delta (may be negative) to the counter; at zero, wakes every
 * waiter.  Never blocks.  WEFT_EINVAL: the counter would go negative or
 * overflow (it is left unchanged). */
WEFT_EXPORT int weft_wg_add(weft_wg_t *wg, int64_t delta);
/* weft_wg_add(wg, -1). */
WEFT_EXPORT int weft_wg_done(weft_wg_t *wg);
/* Blocks until the counter is zero (returns at once if it is).
 * WEFT_ECANCELED; with a deadline, WEFT_ETIMEDOUT. */
WEFT_EXPORT int weft_wg_wait(weft_wg_t *wg);
WEFT_EXPORT int weft_wg_wait_until(weft_wg_t *wg, int64_t deadline);
/* The counter now (a snapshot; 0 for NULL). */
WEFT_EXPORT int64_t weft_wg_count(const weft_wg_t *wg);
/* WEFT_ESTATE if parties wait on wg. */
WEFT_EXPORT int weft_wg_destroy(weft_wg_t *wg);

/* -- once (Go's sync.Once).  Fields are private. */
typedef struct {
    int state_;
    int lock_;
    void *q_[2];
    void *runner_;
} weft_once_t;
#define WEFT_ONCE_INIT { 0, 0, { 0, 0 }, 0 }

/* Calls fn(arg) if no call on `once` has run its fn yet; every other
 * caller, concurrent or later, returns only after that first fn has
 * returned (it blocks meanwhile; this wait is not cancellable, so a
 * WEFT_OK return always means fn has run).  fn must not call
 * weft_once_do on the same `once`: that is detected (WEFT_EDEADLK) when
 * it happens on the coroutine or thread running fn.  WEFT_EINVAL: once
 * or fn NULL. */
WEFT_EXPORT int weft_once_do(weft_once_t *once, void (*fn)(void *), void *arg);

/* ---- channels -----------------------------------------------------------------
 *
 * Go's channels.  Elements are elem_size bytes, copied in and out (0 is
 * allowed: a channel of events).  Every operation works from a coroutine
 * (which parks, freeing its worker) and from a plain thread (which blocks
 * on a condition variable); either kind can be on either end.
 *
 *   - Unbuffered (cap 0) is a rendezvous: a send returns only after a
 *     receiver has taken the value (copied into the receiver's elem).
 *   - Buffered: a FIFO ring of cap elements; senders block when it is full.
 *     Senders and receivers use the ring without a lock; only parties that
 *     must wait take the channel's lock.
 *   - Waiting senders, and waiting receivers, are served first come first
 *     served among themselves (a party arriving just as a waiting one is
 *     being served may go first); the values of one sender arrive in the
 *     order it sent them.
 *   - weft_chan_close wakes every waiter: blocked senders get
 *     WEFT_ECLOSED; receivers first drain what is buffered, then get
 *     WEFT_ECLOSED (with elem zeroed).
 *   - Blocking operations return WEFT_ECANCELED when the calling coroutine
 *     is cancelled (weft_cancel) while blocked, or was already cancelled
 *     when it had to block; the value was then not transferred.
 *   - Deadlines are absolute weft_now() times; -1 (any negative) = none;
 *     a deadline already past gives WEFT_ETIMEDOUT unless the operation
 *     can complete at once.
 *   - A NULL channel is WEFT_EINVAL for every operation here (but a
 *     never-ready case in weft_select).
 *
 * Memory: a channel is reference counted.  weft_chan_make returns one
 * reference; weft_chan_retain adds one for each other owner (another
 * coroutine or thread that keeps using it); weft_chan_release drops one,
 * and the last release frees the channel.  Releasing the last reference
 * while another party is still inside an operation on the channel is the
 * caller's bug (hold a reference per user); as a safety net, a last
 * release that finds parties blocked on the channel closes it instead
 * (they get WEFT_ECLOSED), prints a warning and leaks it rather than free
 * memory in use.
 */
typedef struct weft_chan weft_chan_t;

/* Creates a channel of elements of elem_size bytes (0..65536), buffered
 * for cap elements (0: unbuffered).  WEFT_EINVAL: out NULL or elem_size
 * over 64 KiB (Go's limit; pass a pointer instead).  WEFT_ENOMEM: the
 * buffer does not fit in memory (each of its cap cells takes elem_size
 * rounded up to 8, plus 8 bytes), or cap is over 2^40. */
WEFT_EXPORT int weft_chan_make(size_t elem_size, size_t cap, weft_chan_t **out);

/* Sends elem_size bytes from elem (may be NULL when elem_size is 0).
 * Blocks until a receiver took the value (unbuffered) or there is room in
 * the buffer.  WEFT_ECLOSED: c is closed (or was closed while we waited;
 * the value was not sent).  WEFT_ECANCELED.  WEFT_EINVAL: c NULL, or elem
 * NULL with elem_size > 0. */
WEFT_EXPORT int weft_chan_send(weft_chan_t *c, const void *elem);

/* Receives a value into elem (NULL: discard it).  Blocks until there is
 * one.  WEFT_ECLOSED once c is closed and drained (elem zeroed): Go's
 * `v, ok := <-c` with ok false.  WEFT_ECANCELED.  WEFT_EINVAL: c NULL. */
WEFT_EXPORT int weft_chan_recv(weft_chan_t *c, void *elem);

/* As weft_chan_send / weft_chan_recv, giving up at `deadline` with
 * WEFT_ETIMEDOUT (nothing transferred). */
WEFT_EXPORT int weft_chan_send_until(weft_chan_t *c, const void *elem, int64_t deadline);
WEFT_EXPORT int weft_chan_recv_until(weft_chan_t *c, void *elem, int64_t deadline);

/* Never block: WEFT_EAGAIN when the operation would (no waiting receiver
 * and no room / no value and no waiting sender); otherwise as above. */
WEFT_EXPORT int weft_chan_try_send(weft_chan_t *c, const void *elem);
WEFT_EXPORT int weft_chan_try_recv(weft_chan_t *c, void *elem);

/* Closes c and wakes every party blocked on it (see above).  Values
 * already buffered stay receivable.  WEFT_ECLOSED if already closed;
 * WEFT_EINVAL for NULL. */
WEFT_EXPORT int weft_chan_close(weft_chan_t *c);

/* 1 if c is closed, 0 if open, WEFT_EINVAL for NULL (a closed channel
 * may still hold buffered values). */
WEFT_EXPORT int weft_chan_is_closed(const weft_chan_t *c);

/* Values buffered now (a snapshot; 0 for unbuffered or NULL), the
 * capacity and the element size given to weft_chan_make (0 for NULL). */
WEFT_EXPORT size_t weft_chan_len(const weft_chan_t *c);
WEFT_EXPORT size_t weft_chan_cap(const weft_chan_t *c);
WEFT_EXPORT size_t weft_chan_elem_size(const weft_chan_t *c);

/* Reference counting (see above); NULL is ignored. */
WEFT_EXPORT void weft_chan_retain(weft_chan_t *c);
WEFT_EXPORT void weft_chan_release(weft_chan_t *c);

/* ---- select --------------------------------------------------------------------
 *
 * weft_select(cases, n, deadline) waits until one of n cases can proceed,
 * performs it, and returns its index.  A case is a send (dir WEFT_SEND:
 * sends *elem) or a receive (WEFT_RECV: into elem, NULL to discard) on
 * `chan`; `closed` is an output.
 *
 *   - When several cases are ready, one is chosen uniformly at random
 *     (Go's fairness); otherwise the first to become ready wins, and
 *     exactly one case ever takes effect.
 *   - A case whose chan is NULL is never ready (Go's nil channel).  The
 *     same channel may appear in several cases, in either direction.
 *   - A receive case on a closed, drained channel fires with closed = 1
 *     (elem zeroed).  A send case on a closed channel makes weft_select
 *     return WEFT_ECLOSED with that case's closed = 1 (Go panics).
 *   - deadline: -1 waits forever; 0 is Go's `default`: WEFT_EAGAIN at
 *     once if no case is ready; otherwise an absolute weft_now() time,
 *     WEFT_ETIMEDOUT when it passes.  With no non-NULL case it just waits
 *     for the deadline (forever for -1, like Go's `select {}`).
 *   - WEFT_ECANCELED: the calling coroutine was cancelled while waiting.
 *   - WEFT_EINVAL: n < 0, cases NULL with n > 0, a dir other than
 *     WEFT_SEND/WEFT_RECV, or a send case with elem NULL and elem_size > 0.
 *     WEFT_ENOMEM: more than 8 cases and no memory for their bookkeeping.
 *   - Usable from coroutines and plain threads; no allocation up to 8
 *     cases.
 */
enum { WEFT_SEND = 1, WEFT_RECV = 2 };
typedef struct {
    weft_chan_t *chan;  /* NULL: never ready */
    int dir;            /* WEFT_SEND or WEFT_RECV */
    void *elem;         /* send: the value; recv: where to put it (NULL: discard) */
    int closed;         /* out: 1 if this case fired (or failed) because chan is closed */
} weft_case_t;
WEFT_EXPORT int weft_select(weft_case_t *cases, int n, int64_t deadline);

/* ---- coroutine-local storage -----------------------------------------------
 *
 * Like pthread keys, per coroutine: each coroutine sees its own value
 * (NULL at start).  The destructor runs on the coroutine after its
 * function returns, for each non-NULL value (up to 4 passes if
 * destructors set values again).  On a plain thread the values are
 * per thread and destructors are not run.  At most 64 keys per process;
 * deleted keys are not reused.
 */
typedef unsigned weft_key_t;
WEFT_EXPORT int weft_key_create(weft_key_t *key, void (*dtor)(void *)); /* WEFT_ENOMEM: out of keys */
WEFT_EXPORT int weft_key_delete(weft_key_t key);                         /* destructor no longer runs */
WEFT_EXPORT void *weft_getspecific(weft_key_t key);
WEFT_EXPORT int weft_setspecific(weft_key_t key, const void *value);    /* WEFT_EINVAL: unknown or deleted key */

/* ---- scopes: structured spawning ---------------------------------------------
 *
 * weft_scope_wait returns when every coroutine spawned in the scope has
 * returned.  weft_scope_cancel cancels every member (their blocking
 * operations return WEFT_ECANCELED) and every member spawned later.  A
 * waiter that is itself cancelled cancels the scope, still waits for the
 * members to finish, and then returns WEFT_ECANCELED.  A member waiting
 * for its own scope gets WEFT_EDEADLK.  Zeroed memory (WEFT_SCOPE_INIT)
 * is an empty scope.
 */
typedef union {
    unsigned char opaque_[64]; /* private */
    int64_t align_;            /* (a union, not _Alignas: C++ includes this header too) */
} weft_scope_t;
#define WEFT_SCOPE_INIT { { 0 } }
WEFT_EXPORT int weft_scope_init(weft_scope_t *s);
WEFT_EXPORT int weft_scope_spawn(weft_scope_t *s, const weft_attr_t *attr, void *(*fn)(void *), void *arg);
WEFT_EXPORT int weft_scope_wait(weft_scope_t *s);
WEFT_EXPORT int weft_scope_cancel(weft_scope_t *s);
WEFT_EXPORT int weft_scope_destroy(weft_scope_t *s); /* WEFT_ESTATE while members run */

/* weft_join with a deadline: WEFT_ETIMEDOUT. */
WEFT_EXPORT int weft_join_until(weft_co_t *co, void **result, int64_t deadline);

/* ---- introspection ---------------------------------------------------------- */

/* Writes every live coroutine (id, name, state, what it is blocked on) to
 * out (NULL: stderr).  weft_run prints it when it detects that every
 * coroutine is asleep ("weft: all coroutines are asleep - deadlock!") and
 * then returns WEFT_EDEADLK. */
WEFT_EXPORT void weft_dump(FILE *out);

typedef struct {
    uint64_t coroutines;  /* live */
    uint64_t switches;    /* coroutine runs started */
    uint64_t steals;      /* batches stolen from other workers */
    uint64_t parks;       /* coroutines that blocked */
    int workers;
    uint64_t handoffs;    /* queues moved off a blocked worker (weft_blocking, the monitor) */
    uint64_t channels;    /* live weft_chan_t: made, not yet freed (a release that leaks one keeps it) */
    uint64_t java_sync;   /* live mutexes, rwlocks, semaphores, conds, WaitGroups allocated for Java
                             (weft_jni.h *_new, not yet *_free'd); C's own are embedded, not counted */
    uint64_t sockets;     /* live weft_sock_t (weft/net.h): made, not yet closed */
} weft_stats_t;
/* Fills *out.  weft_stats_t only ever grows at its end, and weft_stats
 * passes the size the caller was compiled with: a library newer than the
 * caller's header writes only the fields that caller knows of (the
 * function weft_stats_sized; size < the first member's end: WEFT_EINVAL). */
WEFT_EXPORT int weft_stats_sized(weft_stats_t *out, size_t size);
#define weft_stats(out) weft_stats_sized((out), sizeof *(out))

#ifdef __cplusplus
}
#endif

#include "weft/net.h" /* network I/O: sockets and descriptor waits */

#endif /* WEFT_H */
