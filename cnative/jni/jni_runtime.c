/*
 * jni_runtime.c - the Java-facing C ABI of the runtime (weft_jni.h, "the
 * runtime, for Java threads"): handles, packed results, and the calls of
 * ext.c bracketed so that the first wake-up a Java caller causes comes
 * straight back to it.
 *
 * Every handle is a pointer; the sync objects Java uses are heap
 * allocated here (weft.h's are meant to be embedded in C structs).
 */
#include "weft.h"
#include "weft_jni.h"
#include "ext.h"
#include "runtime.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h> /* dladdr: _GNU_SOURCE, set by CMakeLists.txt */
#endif

_Static_assert(WEFT_JNI_EAGAIN == WEFT_EAGAIN, "status codes differ");
_Static_assert(WEFT_JNI_EDEADLK == WEFT_EDEADLK, "status codes differ");
_Static_assert(WEFT_JNI_ESTATE == WEFT_ESTATE, "status codes differ");
_Static_assert(WEFT_JNI_PARKED == WEFT_EXT_PARKED, "status codes differ");
_Static_assert(WEFT_SEND == 1 && WEFT_RECV == 2, "select directions differ");
_Static_assert(WEFT_JNI_HAND == WEFT_EXT_HAND && WEFT_JNI_HANDED == WEFT_EXT_HANDED,
               "hand-over flags differ");

#define H(type, h) ((type *)(intptr_t)(h))

/* bits 0..15 status, 16..63 the token handed back, signed (weft_jni.h) */
static inline int64_t packed(int status)
{
    int64_t t = weft_ext_direct_end();
    return (int64_t)((uint64_t)t << 16) | (uint16_t)(int16_t)status;
}

#define BRACKET(expr)                                                         \
    do {                                                                      \
        weft_ext_direct_begin();                                              \
        int r_ = (expr);                                                      \
        return packed(r_);                                                    \
    } while (0)

int weft_jni_runtime_start(int workers)
{
    if (workers < 0)
        return WEFT_EINVAL;
    weft_config_t cfg = { workers, 0, 0, 0 };
    int r = weft_init(&cfg);
    return r == WEFT_ESTATE ? WEFT_OK : r; /* already running: fine */
}

int64_t weft_jni_now(void)
{
    return weft_now();
}

int64_t weft_jni_chan_live(void)
{
    weft_stats_t st;
    return weft_stats(&st) == WEFT_OK ? (int64_t)st.channels : WEFT_EINVAL;
}

int64_t weft_jni_switches(void)
{
    weft_stats_t st;
    return weft_stats(&st) == WEFT_OK ? (int64_t)st.switches : WEFT_EINVAL;
}

int64_t weft_jni_sync_live(void)
{
    weft_stats_t st;
    return weft_stats(&st) == WEFT_OK ? (int64_t)st.java_sync : WEFT_EINVAL;
}

/* ---- op records ----------------------------------------------------------- */

int64_t weft_jni_op_new(int64_t elem_bytes, int max_cases)
{
    if (elem_bytes < 0 || (uint64_t)elem_bytes > WEFT_CHAN_ELEM_MAX || max_cases < 0 || max_cases > 4096)
        return WEFT_EINVAL;
    size_t eb = (size_t)elem_bytes < sizeof(int64_t) ? sizeof(int64_t) : (size_t)elem_bytes;
    weft_ext_t *x = weft_ext_new(eb, max_cases);
    return x ? (int64_t)(intptr_t)x : WEFT_ENOMEM;
}

int weft_jni_op_free(int64_t op, int handed)
{
    if (handed)
        weft_ext_handed(H(weft_ext_t, op));
    return weft_ext_free(H(weft_ext_t, op));
}

int64_t weft_jni_op_value(int64_t op)
{
    int64_t v;
    memcpy(&v, weft_ext_elem(H(weft_ext_t, op)), sizeof v);
    return v;
}

int64_t weft_jni_op_case_value(int64_t op, int i)
{
    weft_ext_t *x = H(weft_ext_t, op);
    if (i < 0 || i >= weft_ext_max_cases(x))
        return 0;
    return weft_ext_case_values(x)[i];
}

int weft_jni_op_get_bytes(int64_t op, signed char *out, int n)
{
    weft_ext_t *x = H(weft_ext_t, op);
    if (!out || n < 0 || (size_t)n > weft_ext_elem_size(x))
        return WEFT_EINVAL;
    memcpy(out, weft_ext_elem(x), (size_t)n);
    return WEFT_OK;
}

int weft_jni_op_set_bytes(int64_t op, const signed char *in, int n)
{
    weft_ext_t *x = H(weft_ext_t, op);
    if (!in || n < 0 || (size_t)n > weft_ext_elem_size(x))
        return WEFT_EINVAL;
    memcpy(weft_ext_elem(x), in, (size_t)n);
    return WEFT_OK;
}

int weft_jni_dump_to(const char *path)
{
    FILE *f = path ? fopen(path, "w") : NULL;
    if (!f)
        return WEFT_EINVAL;
    weft_dump(f);
    return fclose(f) == 0 ? WEFT_OK : WEFT_EINVAL;
}

int weft_jni_op_abort(int64_t op, int reason)
{
    return weft_ext_abort(H(weft_ext_t, op), reason);
}

int64_t weft_jni_op_result(int64_t op)
{
    weft_ext_t *x = H(weft_ext_t, op);
    /* bracketed: trying a buffered channel again may complete another
     * party's wait, whose token then comes back here (packed) */
    weft_ext_direct_begin();
    int r = weft_ext_result(x);
    if (r >= 0 && r < WEFT_JNI_SELECT_CLOSED && r != WEFT_EXT_PARKED && weft_ext_select_closed(x, r))
        r |= WEFT_JNI_SELECT_CLOSED;
    return packed(r);
}

/* ---- channels ------------------------------------------------------------- */

int64_t weft_jni_chan_make(int64_t elem_size, int64_t cap)
{
    if (elem_size < 0 || cap < 0)
        return WEFT_EINVAL;
    weft_chan_t *c;
    int r = weft_chan_make((size_t)elem_size, (size_t)cap, &c);
    return r == WEFT_OK ? (int64_t)(intptr_t)c : r;
}

int weft_jni_chan_retain(int64_t ch)
{
    weft_chan_retain(H(weft_chan_t, ch));
    return WEFT_OK;
}

int weft_jni_chan_release(int64_t ch)
{
    weft_chan_release(H(weft_chan_t, ch));
    return WEFT_OK;
}

int64_t weft_jni_chan_close(int64_t ch)
{
    BRACKET(weft_chan_close(H(weft_chan_t, ch)));
}

int64_t weft_jni_chan_len(int64_t ch)
{
    return (int64_t)weft_chan_len(H(weft_chan_t, ch));
}

int64_t weft_jni_chan_cap(int64_t ch)
{
    return (int64_t)weft_chan_cap(H(weft_chan_t, ch));
}

int64_t weft_jni_chan_elem_size(int64_t ch)
{
    return (int64_t)weft_chan_elem_size(H(weft_chan_t, ch));
}

int weft_jni_chan_is_closed(int64_t ch)
{
    return weft_chan_is_closed(H(weft_chan_t, ch));
}

int64_t weft_jni_chan_queued(int64_t ch, int dir)
{
    if (!ch || (dir != WEFT_SEND && dir != WEFT_RECV))
        return WEFT_EINVAL;
    return (int64_t)weft_chan_queued(H(weft_chan_t, ch), dir);
}

int64_t weft_jni_chan_send(int64_t op, int64_t ch, int64_t value, int may_block, int64_t token)
{
    weft_ext_t *x = H(weft_ext_t, op);
    weft_chan_t *c = H(weft_chan_t, ch);
    if (x && c && weft_chan_elem_size(c) == sizeof value)
        memcpy(weft_ext_elem(x), &value, sizeof value);
    BRACKET(weft_ext_chan_send(x, c, may_block, token));
}

int64_t weft_jni_chan_recv(int64_t op, int64_t ch, int may_block, int64_t token)
{
    BRACKET(weft_ext_chan_recv(H(weft_ext_t, op), H(weft_chan_t, ch), may_block, token));
}

int64_t weft_jni_select(int64_t op, int n, int64_t args, int dflt, int64_t token)
{
    weft_ext_t *x = H(weft_ext_t, op);
    if (!x || n < 0 || n > weft_ext_max_cases(x) || (n > 0 && !args))
        return packed(WEFT_EINVAL);
    const int64_t *chans = H(const int64_t, args);
    int64_t *values = H(int64_t, args) + n; /* in, and out for a receive that fires at once */
    const int *dirs = (const int *)(values + n);
    weft_chan_t *cs[64];
    weft_chan_t **cp = n <= 64 ? cs : malloc((size_t)n * sizeof *cp);
    if (!cp)
        return packed(WEFT_ENOMEM);
    int64_t *vals = weft_ext_case_values(x);
    for (int i = 0; i < n; i++) {
        cp[i] = H(weft_chan_t, chans[i]);
        vals[i] = values[i];
    }
    weft_ext_direct_begin();
    int r = weft_ext_select(x, n, cp, dirs, dflt, token);
    if (r >= 0 && r < WEFT_JNI_SELECT_CLOSED && r != WEFT_EXT_PARKED) {
        if (weft_ext_select_closed(x, r))
            r |= WEFT_JNI_SELECT_CLOSED;
        else if (dirs[r] == WEFT_RECV)
            /* the received value, back in the caller's block: a select
             * that fires at once then makes one native call, not two */
            values[r] = vals[r];
    }
    if (cp != cs)
        free(cp);
    return packed(r);
}

/* ---- sync objects ----------------------------------------------------------- */

/* Sync objects allocated here and not yet freed are counted by the core
 * (weft_stats' `java_sync`, runtime.h): up once allocated and
 * initialised, down once freed; a *_free that fails (WEFT_ESTATE: held or
 * waited on) frees nothing and counts nothing. */

#define NEW_SYNC(type, init, ...)                                             \
    do {                                                                      \
        type *o = malloc(sizeof *o);                                          \
        if (!o)                                                               \
            return WEFT_ENOMEM;                                               \
        int r_ = init(o, ##__VA_ARGS__);                                      \
        if (r_ != WEFT_OK) {                                                  \
            free(o);                                                          \
            return r_;                                                        \
        }                                                                     \
        weft_stats_java_sync(1);                                              \
        return (int64_t)(intptr_t)o;                                          \
    } while (0)

#define FREE_SYNC(type, destroy, h)                                           \
    do {                                                                      \
        type *o = H(type, h);                                                 \
        int r_ = destroy(o);                                                  \
        if (r_ == WEFT_OK) {                                                  \
            free(o);                                                          \
            weft_stats_java_sync(-1);                                         \
        }                                                                     \
        return r_;                                                            \
    } while (0)

/* weft_jni.h promises Java the state word at the handle's address */
_Static_assert(offsetof(struct weft_mutex, state) == 0, "mutex state word must come first");
_Static_assert(sizeof(((struct weft_mutex *)0)->state) == 4, "mutex state word must be 32 bits");
/* Java takes a sitter off an unbuffered channel's seat itself (FfmChanSeat.java):
 * it takes the spinlock with an exchange and frees it with a release store,
 * as lock.h does, and reads and writes the seat at these offsets of the
 * channel handle (chan.h).  The same on every LP64 and LLP64 target. */
_Static_assert(offsetof(struct weft_chan, lock) == 0 && sizeof(weft_spin_t) == sizeof(int32_t),
               "FfmChanSeat: the channel's spinlock word must come first, 32 bits");
_Static_assert(offsetof(struct weft_chan, seat.dir) == 40 && offsetof(struct weft_chan, seat.token) == 44 &&
               offsetof(struct weft_chan, seat.value) == 48 && sizeof(((struct weft_chan *)0)->seat.dir) == 4,
               "FfmChanSeat: the seat's offsets changed");

int64_t weft_jni_mutex_new(void) { NEW_SYNC(weft_mutex_t, weft_mutex_init); }
int weft_jni_mutex_free(int64_t m) { FREE_SYNC(weft_mutex_t, weft_mutex_destroy, m); }
int weft_jni_mutex_trylock(int64_t m) { return weft_mutex_trylock(H(weft_mutex_t, m)); }

int64_t weft_jni_mutex_lock(int64_t op, int64_t m, int64_t token)
{
    BRACKET(weft_ext_mutex_lock(H(weft_ext_t, op), H(struct weft_mutex, m), token));
}

int64_t weft_jni_mutex_unlock(int64_t m)
{
    BRACKET(weft_mutex_unlock(H(weft_mutex_t, m)));
}

int64_t weft_jni_rwlock_new(void) { NEW_SYNC(weft_rwlock_t, weft_rwlock_init); }
int weft_jni_rwlock_free(int64_t rw) { FREE_SYNC(weft_rwlock_t, weft_rwlock_destroy, rw); }

int weft_jni_rwlock_trylock(int64_t rw, int write)
{
    return write ? weft_rwlock_trywrlock(H(weft_rwlock_t, rw)) : weft_rwlock_tryrdlock(H(weft_rwlock_t, rw));
}

int64_t weft_jni_rwlock_lock(int64_t op, int64_t rw, int write, int64_t token)
{
    BRACKET(weft_ext_rwlock_lock(H(weft_ext_t, op), H(struct weft_rwlock, rw), write, token));
}

int64_t weft_jni_rwlock_unlock(int64_t rw, int write)
{
    BRACKET(write ? weft_rwlock_wrunlock(H(weft_rwlock_t, rw)) : weft_rwlock_rdunlock(H(weft_rwlock_t, rw)));
}

int64_t weft_jni_sem_new(int64_t permits) { NEW_SYNC(weft_sem_t, weft_sem_init, permits); }
int weft_jni_sem_free(int64_t s) { FREE_SYNC(weft_sem_t, weft_sem_destroy, s); }
int weft_jni_sem_try_acquire(int64_t s) { return weft_sem_try_acquire(H(weft_sem_t, s)); }
int64_t weft_jni_sem_value(int64_t s) { return weft_sem_value(H(weft_sem_t, s)); }

int64_t weft_jni_sem_acquire(int64_t op, int64_t s, int64_t token)
{
    BRACKET(weft_ext_sem_acquire(H(weft_ext_t, op), H(struct weft_sem, s), token));
}

int64_t weft_jni_sem_release(int64_t s)
{
    BRACKET(weft_sem_release(H(weft_sem_t, s)));
}

int64_t weft_jni_cond_new(void) { NEW_SYNC(weft_cond_t, weft_cond_init); }
int weft_jni_cond_free(int64_t c) { FREE_SYNC(weft_cond_t, weft_cond_destroy, c); }

int64_t weft_jni_cond_wait(int64_t op, int64_t c, int64_t m, int64_t token)
{
    BRACKET(weft_ext_cond_wait(H(weft_ext_t, op), H(struct weft_cond, c), H(weft_mutex_t, m), token));
}

int64_t weft_jni_cond_signal(int64_t c, int all)
{
    BRACKET(all ? weft_cond_broadcast(H(weft_cond_t, c)) : weft_cond_signal(H(weft_cond_t, c)));
}

int64_t weft_jni_wg_new(void) { NEW_SYNC(weft_wg_t, weft_wg_init); }
int weft_jni_wg_free(int64_t wg) { FREE_SYNC(weft_wg_t, weft_wg_destroy, wg); }
int64_t weft_jni_wg_count(int64_t wg) { return weft_wg_count(H(weft_wg_t, wg)); }

int64_t weft_jni_wg_add(int64_t wg, int64_t delta)
{
    BRACKET(weft_wg_add(H(weft_wg_t, wg), delta));
}

int64_t weft_jni_wg_wait(int64_t op, int64_t wg, int64_t token)
{
    BRACKET(weft_ext_wg_wait(H(weft_ext_t, op), H(struct weft_wg, wg), token));
}

/* ---- the wake queue ---------------------------------------------------------- */

int weft_jni_wake_wait(int64_t *out, int max, int64_t timeout_ns)
{
    int64_t deadline = timeout_ns < 0 ? -1 : weft_deadline_in(timeout_ns);
    return weft_ext_wake_wait(out, max, deadline);
}

void weft_jni_wake_interrupt(void)
{
    weft_ext_wake_interrupt();
}

/* ---- native coroutines from Java ---------------------------------------------- */

int weft_jni_go(int64_t fn, int64_t arg)
{
    if (!fn)
        return WEFT_EINVAL;
    return weft_go((void *(*)(void *))(intptr_t)fn, (void *)(intptr_t)arg);
}

/* Per thread, on the heap: the JNI library's static TLS block must stay
 * small (dlopen'ed libraries with initial-exec TLS share a surplus of a
 * few hundred bytes with the JVM's own; 256 bytes more made the JVM
 * refuse to load it: "cannot allocate memory in static TLS block"). */
#define DL_ERROR_MAX 256
static _Thread_local char *dl_error;

__attribute__((format(printf, 1, 2))) static void set_dl_error(const char *fmt, ...)
{
    if (!dl_error && !(dl_error = malloc(DL_ERROR_MAX)))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dl_error, DL_ERROR_MAX, fmt, ap);
    va_end(ap);
}

int64_t weft_jni_dlsym(const char *path, const char *symbol)
{
    if (dl_error)
        dl_error[0] = 0;
    if (!path || !symbol) {
        set_dl_error("path and symbol must not be null");
        return 0;
    }
#if defined(_WIN32)
    HMODULE lib = LoadLibraryA(path);
    if (!lib) {
        set_dl_error("LoadLibrary(%s) failed: error %lu", path, (unsigned long)GetLastError());
        return 0;
    }
    FARPROC p = GetProcAddress(lib, symbol);
    if (!p) {
        set_dl_error("%s: no symbol %s (error %lu)", path, symbol, (unsigned long)GetLastError());
        return 0;
    }
    return (int64_t)(intptr_t)p;
#else
    /* The JVM loaded this JNI library privately (RTLD_LOCAL).  Promote it
     * to the global scope first, so that a library written against weft.h
     * and not linked with its own libweft binds its weft_* references to
     * this runtime: a second copy would have its own scheduler, and a
     * coroutine of ours calling into it would look like a plain thread to
     * it and block its worker. */
    Dl_info self;
    if (dladdr((void *)weft_jni_dlsym, &self) && self.dli_fname)
        dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
    void *lib = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        const char *e = dlerror();
        set_dl_error("%s", e ? e : "dlopen failed");
        return 0;
    }
    dlerror();
    void *p = dlsym(lib, symbol);
    if (!p) {
        const char *e = dlerror();
        set_dl_error("%s", e ? e : "symbol not found");
        return 0;
    }
    return (int64_t)(intptr_t)p;
#endif
}

const char *weft_jni_dlerror(void)
{
    return dl_error ? dl_error : "";
}

/* ---- test support ------------------------------------------------------------ */

/* What every test coroutine below is given: channel references the Java
 * test retained for it, which the coroutine owns and releases before it
 * returns (out may be NULL: weft_chan_release ignores it). */
struct test_arg {
    weft_chan_t *ch;
    weft_chan_t *out;
    int64_t n;
};

static int64_t test_arg(int64_t ch, int64_t out, int64_t n)
{
    struct test_arg *a = malloc(sizeof *a);
    if (!a)
        return 0;
    a->ch = H(weft_chan_t, ch);
    a->out = H(weft_chan_t, out);
    a->n = n;
    return (int64_t)(intptr_t)a;
}

static struct test_arg test_take(void *p)
{
    struct test_arg a = *(struct test_arg *)p;
    free(p);
    return a;
}

/* Sends n values on a report channel and closes it, so that the test can
 * tell a short or a long report from the right one. */
static void test_report(weft_chan_t *out, const int64_t *v, int n)
{
    for (int i = 0; i < n; i++)
        if (weft_chan_send(out, &v[i]) != WEFT_OK)
            break;
    weft_chan_close(out);
}

static void test_release(struct test_arg *a)
{
    weft_chan_release(a->ch);
    weft_chan_release(a->out);
}

static void *test_producer(void *p)
{
    struct test_arg a = test_take(p);
    for (int64_t i = 1; i <= a.n; i++)
        if (weft_chan_send(a.ch, &i) != WEFT_OK)
            break;
    weft_chan_close(a.ch);
    test_release(&a);
    return NULL;
}

int64_t weft_jni_test_producer_fn(void)
{
    return (int64_t)(intptr_t)test_producer;
}

int64_t weft_jni_test_producer_arg(int64_t ch, int64_t n)
{
    return test_arg(ch, 0, n);
}

int64_t weft_jni_test_chans_arg(int64_t ch, int64_t out)
{
    return test_arg(ch, out, 0);
}

static void *test_consumer(void *p)
{
    struct test_arg a = test_take(p);
    int64_t v, count = 0;
    uint64_t sum = 0; /* wraps, where a signed sum of garbage would be undefined */
    int r;
    while ((r = weft_chan_recv(a.ch, &v)) == WEFT_OK) {
        count++;
        sum += (uint64_t)v;
    }
    test_report(a.out, (int64_t[]){ count, (int64_t)sum, r }, 3);
    test_release(&a);
    return NULL;
}

int64_t weft_jni_test_consumer_fn(void)
{
    return (int64_t)(intptr_t)test_consumer;
}

struct test_record {
    int64_t index;
    int64_t square;
    int64_t check;
};
_Static_assert(sizeof(struct test_record) == WEFT_JNI_TEST_RECORD_BYTES, "test record size");

/* The multiplier spreads the index over all 64 bits, so a record with its
 * fields swapped or shifted does not check out; the salt makes an all-zero
 * record (what a receive leaves when it got nothing) fail too. */
int64_t weft_jni_test_record_check(int64_t index, int64_t square)
{
    return (int64_t)(((uint64_t)index * 0x9E3779B97F4A7C15u) ^ (uint64_t)square ^ 0x5745465452454344u);
}

static void *test_record_producer(void *p)
{
    struct test_arg a = test_take(p);
    for (int64_t i = 1; i <= a.n; i++) {
        int64_t sq = (int64_t)((uint64_t)i * (uint64_t)i);
        struct test_record rec = { i, sq, weft_jni_test_record_check(i, sq) };
        if (weft_chan_send(a.ch, &rec) != WEFT_OK)
            break;
    }
    weft_chan_close(a.ch);
    test_release(&a);
    return NULL;
}

int64_t weft_jni_test_record_producer_fn(void)
{
    return (int64_t)(intptr_t)test_record_producer;
}

static void *test_record_consumer(void *p)
{
    struct test_arg a = test_take(p);
    struct test_record rec;
    int64_t count = 0, bad = 0;
    uint64_t sum = 0; /* unsigned: a damaged record must not make this undefined */
    int r;
    while ((r = weft_chan_recv(a.ch, &rec)) == WEFT_OK) {
        count++;
        sum += (uint64_t)rec.index;
        if ((uint64_t)rec.square != (uint64_t)rec.index * (uint64_t)rec.index
            || rec.check != weft_jni_test_record_check(rec.index, rec.square))
            bad++;
    }
    test_report(a.out, (int64_t[]){ count, (int64_t)sum, bad, r }, 4);
    test_release(&a);
    return NULL;
}

int64_t weft_jni_test_record_consumer_fn(void)
{
    return (int64_t)(intptr_t)test_record_consumer;
}

static void *test_echo(void *p)
{
    struct test_arg a = test_take(p);
    int64_t v;
    while (weft_chan_recv(a.ch, &v) == WEFT_OK) {
        v = (int64_t)(2 * (uint64_t)v + 1); /* wraps, never undefined */
        if (weft_chan_send(a.out, &v) != WEFT_OK)
            break;
    }
    weft_chan_close(a.out);
    test_release(&a);
    return NULL;
}

int64_t weft_jni_test_echo_fn(void)
{
    return (int64_t)(intptr_t)test_echo;
}
