/*
 * jni_api.c - the Java-facing C ABI (weft_jni.h) on top of
 * weft.h.  JavaCPP generates the JNI glue for these functions; this file
 * is plain C and knows nothing about Java.
 *
 * Invariants:
 *   - A sequence handle is the address of a seq_t, cast to int64_t.  A
 *     seq_t owns exactly one generator from open to close.  `magic` is
 *     SEQ_MAGIC while the handle is valid and is cleared before the memory
 *     is freed, so a stale handle is usually (not always: the memory may be
 *     reused) caught as WEFT_EINVAL.  The Java layer never passes one.
 *   - The value a generator yields travels in seq_t.value, written by the
 *     generator before it yields and read by the resumer after the resume
 *     returns; weft_gen_resume orders the two (it is a call that returns
 *     after the generator has switched back on the same thread).
 *   - One call at a time per handle: weft_gen_resume must not run
 *     concurrently on one generator (weft.h), and this layer does not lock.
 *     The Java owner (NativeSequence) serialises every call on a handle
 *     (its methods are synchronized), which also orders seq_t.value's
 *     write by the generator before the resumer's read across threads.
 */
#include "weft.h"
#include "weft_jni.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#if !defined(_WIN32)
#include <dlfcn.h>
#include <signal.h>
#endif

/* weft_jni.h repeats weft.h's numbers so that JavaCPP can parse it alone. */
_Static_assert(WEFT_JNI_OK == WEFT_OK, "status codes differ");
_Static_assert(WEFT_JNI_DONE == WEFT_DONE, "status codes differ");
_Static_assert(WEFT_JNI_EINVAL == WEFT_EINVAL, "status codes differ");
_Static_assert(WEFT_JNI_ENOMEM == WEFT_ENOMEM, "status codes differ");
_Static_assert(WEFT_JNI_ECLOSED == WEFT_ECLOSED, "status codes differ");
_Static_assert(WEFT_JNI_ETIMEDOUT == WEFT_ETIMEDOUT, "status codes differ");
_Static_assert(WEFT_JNI_ECANCELED == WEFT_ECANCELED, "status codes differ");
_Static_assert(WEFT_JNI_EFINISHED == WEFT_EFINISHED, "status codes differ");
_Static_assert(WEFT_JNI_EBUSY == WEFT_EBUSY, "status codes differ");
_Static_assert(WEFT_JNI_EPERM == WEFT_EPERM, "status codes differ");
_Static_assert(sizeof(void *) <= sizeof(int64_t), "handles are pointers in an int64");

/* ---- library identity ---------------------------------------------------- */

int weft_jni_abi_version(void)
{
    return WEFT_JNI_ABI_VERSION;
}

const char *weft_jni_version(void)
{
    return weft_version();
}

int weft_jni_header_version(void)
{
    return WEFT_VERSION_MAJOR * 10000 + WEFT_VERSION_MINOR * 100 + WEFT_VERSION_PATCH;
}

const char *weft_jni_strerror(int code)
{
    return weft_strerror(code);
}

const char *weft_jni_errname(int code)
{
    switch (code) {
    case WEFT_OK:        return "WEFT_OK";
    case WEFT_DONE:      return "WEFT_DONE";
    case WEFT_EINVAL:    return "WEFT_EINVAL";
    case WEFT_ENOMEM:    return "WEFT_ENOMEM";
    case WEFT_ECLOSED:   return "WEFT_ECLOSED";
    case WEFT_ETIMEDOUT: return "WEFT_ETIMEDOUT";
    case WEFT_ECANCELED: return "WEFT_ECANCELED";
    case WEFT_EFINISHED: return "WEFT_EFINISHED";
    case WEFT_EBUSY:     return "WEFT_EBUSY";
    case WEFT_EPERM:     return "WEFT_EPERM";
    default:             return "WEFT_E?";
    }
}

/* ---- native sequences ------------------------------------------------------ */

#define SEQ_MAGIC 0x5745465453455131ull /* "WEFTSEQ1" */
#define SEQ_FIB_MAX 93                  /* F(0)..F(92) fit in int64_t */
#define SEQ_NESTED_MAX 100000
/* Stack bytes per level of the NESTED recursion, generously: the frame of
 * nested() below is its locals plus the call, and the yield on top of the
 * deepest frame needs the switch's own few hundred bytes. */
#define SEQ_NESTED_FRAME 256
#define SEQ_NESTED_SLACK (16 * 1024)

typedef struct seq {
    uint64_t magic;    /* SEQ_MAGIC while the handle is valid */
    weft_gen_t *gen;   /* owned; freed by weft_jni_seq_close */
    int kind;
    int64_t count;     /* immutable after open */
    int64_t value;     /* the latest yielded value (written by the generator) */
} seq_t;

static _Atomic int64_t seq_live;

static seq_t *seq_from(int64_t h)
{
    seq_t *s = (seq_t *)(intptr_t)h;
    if (h <= 0 || ((uintptr_t)s & (_Alignof(seq_t) - 1)) != 0 || s->magic != SEQ_MAGIC)
        return NULL;
    return s;
}

/* Hands v to the resumer.  Returns 0 to go on, -1 when the generator is
 * being freed (weft_gen_free resumes it once more) and must return. */
static int seq_yield(weft_gen_t *g, seq_t *s, int64_t v)
{
    s->value = v;
    return weft_gen_yield_ex(g, NULL, NULL) == WEFT_OK ? 0 : -1;
}

static void *seq_fibonacci(weft_gen_t *g, void *arg)
{
    seq_t *s = arg;
    int64_t a = 0, b = 1;
    for (int64_t i = 0; i < s->count; i++) {
        if (seq_yield(g, s, a) != 0)
            return NULL;
        int64_t c = (i + 2 < SEQ_FIB_MAX) ? a + b : 0; /* no overflow past F(92) */
        a = b;
        b = c;
    }
    return NULL;
}

/* Value k is yielded from the k-th nested call.  noinline and the volatile
 * read after the recursive call keep a real frame per level (no inlining,
 * no tail call turning the recursion into a loop), so the generator really
 * is suspended with k frames of C on its stack. */
__attribute__((noinline)) static int nested(weft_gen_t *g, seq_t *s, int64_t k)
{
    volatile int64_t here = k;
    if (seq_yield(g, s, k) != 0)
        return -1;
    int r = k < s->count ? nested(g, s, k + 1) : 0;
    return here == k ? r : -2; /* the frame survived every switch */
}

static void *seq_nested(weft_gen_t *g, void *arg)
{
    seq_t *s = arg;
    if (s->count > 0)
        (void)nested(g, s, 1);
    return NULL;
}

int64_t weft_jni_seq_open(int kind, int64_t count, int64_t stack_bytes)
{
    weft_gen_fn fn;
    const char *name;
    uint64_t need = 0;
    switch (kind) {
    case WEFT_JNI_SEQ_FIBONACCI:
        if (count < 0 || count > SEQ_FIB_MAX)
            return WEFT_EINVAL;
        fn = seq_fibonacci;
        name = "fibonacci";
        break;
    case WEFT_JNI_SEQ_NESTED:
        if (count < 0 || count > SEQ_NESTED_MAX)
            return WEFT_EINVAL;
        fn = seq_nested;
        name = "nested";
        need = (uint64_t)count * SEQ_NESTED_FRAME + SEQ_NESTED_SLACK;
        break;
    default:
        return WEFT_EINVAL;
    }
    if (stack_bytes < 0 || (uint64_t)stack_bytes > WEFT_STACK_MAX)
        return WEFT_EINVAL;
    uint64_t size = (uint64_t)stack_bytes;
    if (size == 0)
        size = need > WEFT_STACK_DEFAULT ? need : WEFT_STACK_DEFAULT;
    else if (size < need)
        return WEFT_EINVAL; /* too small for the recursion it would run */

    seq_t *s = calloc(1, sizeof *s);
    if (!s)
        return WEFT_ENOMEM;
    s->kind = kind;
    s->count = count;
    weft_gen_attr_t attr = { name, (size_t)size };
    int rc = weft_gen_new(fn, s, &attr, &s->gen);
    if (rc != WEFT_OK) {
        free(s);
        return rc;
    }
    s->magic = SEQ_MAGIC;
    atomic_fetch_add_explicit(&seq_live, 1, memory_order_relaxed);
    return (int64_t)(intptr_t)s;
}

int weft_jni_seq_next(int64_t h, int64_t *out)
{
    seq_t *s = seq_from(h);
    if (!s || !out)
        return WEFT_EINVAL;
    if (weft_gen_done(s->gen))
        return WEFT_DONE;
    int rc = weft_gen_resume(s->gen, NULL, NULL);
    if (rc == WEFT_OK)
        *out = s->value;
    else if (rc == WEFT_EFINISHED)
        rc = WEFT_DONE; /* lost a race with another thread's last resume */
    return rc;
}

int64_t weft_jni_seq_id(int64_t h)
{
    seq_t *s = seq_from(h);
    return s ? (int64_t)weft_gen_id(s->gen) : 0;
}

int64_t weft_jni_seq_stack_size(int64_t h)
{
    seq_t *s = seq_from(h);
    return s ? (int64_t)weft_gen_stack_size(s->gen) : 0;
}

int weft_jni_seq_close(int64_t h)
{
    seq_t *s = seq_from(h);
    if (!s)
        return WEFT_EINVAL;
    int rc = weft_gen_free_ex(s->gen);
    if (rc != WEFT_OK)
        return rc; /* WEFT_EBUSY: still running elsewhere, nothing freed */
    s->magic = 0;
    s->gen = NULL;
    free(s);
    atomic_fetch_sub_explicit(&seq_live, 1, memory_order_relaxed);
    return WEFT_OK;
}

int64_t weft_jni_seq_live(void)
{
    return atomic_load_explicit(&seq_live, memory_order_relaxed);
}

/* ---- test support ------------------------------------------------------------ */

static volatile int64_t overflow_limit = INT64_MAX;

/* Recurses until the guard page stops it.  The volatile array makes each
 * frame touch fresh stack, and the use after the call rules out a tail
 * call; overflow_limit only keeps the compiler from proving the recursion
 * infinite. */
__attribute__((noinline)) static int64_t overflow_rec(int64_t depth)
{
    volatile char pad[256];
    pad[0] = (char)depth;
    pad[sizeof pad - 1] = (char)depth;
    if (depth >= overflow_limit)
        return depth;
    return overflow_rec(depth + 1) + pad[0] + pad[sizeof pad - 1];
}

static void *overflow_fn(weft_gen_t *g, void *arg)
{
    (void)g;
    (void)arg;
    return (void *)(intptr_t)overflow_rec(0);
}

int weft_jni_overflow_for_test(int64_t stack_bytes)
{
    if (stack_bytes < 0 || (uint64_t)stack_bytes > WEFT_STACK_MAX)
        return WEFT_EINVAL;
    weft_gen_attr_t attr = { "overflow-test", (size_t)stack_bytes };
    weft_gen_t *g;
    int rc = weft_gen_new(overflow_fn, NULL, &attr, &g);
    if (rc != WEFT_OK)
        return rc;
    rc = weft_gen_resume(g, NULL, NULL); /* does not come back */
    weft_gen_free(g);
    return rc < 0 ? rc : WEFT_EPERM; /* the overflow went unnoticed */
}

int weft_jni_segv_handler_is_weft(void)
{
#if defined(_WIN32)
    return -1;
#else
    struct sigaction sa;
    if (sigaction(SIGSEGV, NULL, &sa) != 0)
        return -1;
    void *handler = (sa.sa_flags & SA_SIGINFO) ? (void *)sa.sa_sigaction : (void *)sa.sa_handler;
    if (handler == (void *)SIG_DFL || handler == (void *)SIG_IGN)
        return 0;
    Dl_info theirs, ours;
    if (!dladdr(handler, &theirs) || !dladdr((void *)&weft_jni_segv_handler_is_weft, &ours))
        return -1;
    return theirs.dli_fbase == ours.dli_fbase ? 1 : 0;
#endif
}
