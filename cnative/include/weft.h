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

/* Starts fn(arg) in a new detached coroutine. */
WEFT_EXPORT int weft_go(void *(*fn)(void *), void *arg);

/* Starts fn(arg) in a new joinable coroutine; *out must be released with
 * weft_co_release (after or instead of joining).  attr may be NULL. */
WEFT_EXPORT int weft_spawn(const weft_attr_t *attr, void *(*fn)(void *), void *arg, weft_co_t **out);

/* Waits for co to finish; *result (may be NULL) gets its return value.
 * Works from a coroutine or a plain thread.  WEFT_EDEADLK: co is the
 * caller.  WEFT_ECANCELED: the *caller* was cancelled while waiting. */
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

/* Sleeps ns nanoseconds (<= 0: just yields).  WEFT_ECANCELED if the
 * calling coroutine is cancelled meanwhile.  On a plain thread it sleeps
 * the thread. */
WEFT_EXPORT int weft_sleep(int64_t ns);

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
} weft_stats_t;
WEFT_EXPORT int weft_stats(weft_stats_t *out);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_H */
