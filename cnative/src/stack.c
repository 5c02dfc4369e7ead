/*
 * stack.c - sizes, valgrind registration and the per-thread pool of
 * released stacks, above the OS layer (os/stack_<os>.c).
 *
 * The pool makes create/destroy cycles cost no system call: a released
 * stack is kept, still mapped and with whatever pages it had dirtied, on
 * the releasing thread, up to POOL_MAX stacks.  It is a plain per-thread
 * array, so no locks: a stack released on thread B after being taken on
 * thread A simply joins B's pool.  At thread exit the pool is returned to
 * the OS (a pthread key destructor).
 *
 * Behind the per-thread pools sits one shared cache (under a spinlock),
 * reached only in batches of BATCH: a thread whose pool overflows moves a
 * batch there, a thread whose pool runs dry takes a batch back.  Without
 * it, stacks pile up where coroutines *end* and are missing where they
 * *start*: a coroutine spawning on one worker while its children finish
 * on another paid an mmap per spawn (W2: 12 us per spawn instead of
 * ~100 ns).
 *
 * The cache keeps GCACHE_KEEP stacks for good.  While the scheduler's
 * monitor runs (weft_stack_cache_trimmed), it may hold more, up to
 * GCACHE_HARD: the monitor gives the excess back to the OS a part per
 * tick, off the path of whoever freed them.  A burst of live coroutines
 * ending at once (W7: 100k coroutines in a chain) then costs no munmap
 * per coroutine where they end (7.4 us each on a 2-core EPYC VM, a third
 * of W7's time).  With no monitor (generators alone) the cache stops at
 * GCACHE_KEEP, as before, and the rest is freed at once.
 *
 * Invariant: a pooled stack is not running anything.  A coroutine never
 * releases its own stack (gen.c releases a generator's stack from the
 * resumer's side, after the generator has switched away for good).
 */
#include "stack.h"
#include "lock.h"
#include "sanitize.h"
#include "weft.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(WEFT_VALGRIND)
#include <valgrind/valgrind.h>
#endif

#define POOL_MAX 16
#define BATCH 8
#define GCACHE_KEEP 4096        /* kept for good */
#define GCACHE_HARD (1 << 20)   /* at most, while a trimmer runs */
#define TRIM_MIN 256            /* given back per trim at least (if that many are over) */

static weft_spin_t gcache_lock = WEFT_SPIN_INIT;
static _Atomic int gcache_n; /* written under gcache_lock; read without it to skip an empty cache */
/* gcache_cap entries: the static array while it is enough, a larger heap
 * copy while a trimmer lets the cache grow (back to the static one once
 * trimmed), so a program without the runtime allocates nothing here */
static weft_stack_t gcache_base[GCACHE_KEEP];
static weft_stack_t *gcache = gcache_base;
static int gcache_cap = GCACHE_KEEP;
static _Atomic int trimmer;  /* the monitor trims the excess over GCACHE_KEEP */

struct pool {
    int n;
    weft_stack_t s[POOL_MAX];
};

static _Thread_local struct pool tls_pool;
static _Thread_local int tls_pool_registered;
static pthread_key_t pool_key;
static pthread_once_t pool_key_once = PTHREAD_ONCE_INIT;

/* Stacks reserved from the OS and not yet returned (pooled ones count). */
static _Atomic long os_stacks;

long weft_stack_os_count(void)
{
    return atomic_load_explicit(&os_stacks, memory_order_relaxed);
}

static void os_free(weft_stack_t *stk)
{
    atomic_fetch_sub_explicit(&os_stacks, 1, memory_order_relaxed);
#if defined(WEFT_VALGRIND)
    if (stk->valgrind_id)
        VALGRIND_STACK_DEREGISTER(stk->valgrind_id);
#endif
    weft_os_stack_free(stk);
}

void weft_stack_pool_drain(void)
{
    struct pool *p = &tls_pool;
    while (p->n > 0)
        os_free(&p->s[--p->n]);
    weft_spin_lock(&gcache_lock);
    while (gcache_n > 0)
        os_free(&gcache[--gcache_n]);
    if (gcache != gcache_base) {
        free(gcache);
        gcache = gcache_base;
        gcache_cap = GCACHE_KEEP;
    }
    weft_spin_unlock(&gcache_lock);
}

/* Refills this thread's pool with up to BATCH stacks of `usable` bytes
 * from the shared cache; returns how many it moved. */
/* gcache_lock held: how many of `want` more stacks the cache takes,
 * growing it if a trimmer runs (a failed growth just takes fewer). */
static int gcache_room(int want)
{
    int limit = atomic_load_explicit(&trimmer, memory_order_relaxed) ? GCACHE_HARD : GCACHE_KEEP;
    if (gcache_n + want > gcache_cap && gcache_cap < limit) {
        int cap = gcache_cap * 2 > GCACHE_HARD ? GCACHE_HARD : gcache_cap * 2;
        /* allocating under a spinlock: rare (log2 of the peak), and nobody
         * else may touch the array meanwhile */
        weft_stack_t *g = gcache == gcache_base ? malloc((size_t)cap * sizeof *g)
                                                 : realloc(gcache, (size_t)cap * sizeof *g);
        if (g) {
            if (gcache == gcache_base)
                memcpy(g, gcache_base, (size_t)gcache_n * sizeof *g);
            gcache = g;
            gcache_cap = cap;
        }
    }
    int max = gcache_cap < limit ? gcache_cap : limit;
    int room = max - gcache_n;
    return room < 0 ? 0 : room < want ? room : want;
}

void weft_stack_cache_trimmed(int on)
{
    atomic_store_explicit(&trimmer, on, memory_order_relaxed);
}

void weft_stack_cache_trim(int all)
{
    enum { CHUNK = 512 };
    weft_stack_t out[CHUNK];
    for (;;) {
        weft_spin_lock(&gcache_lock);
        int excess = gcache_n - (all ? 0 : GCACHE_KEEP);
        int k = excess / 8 + TRIM_MIN;
        if (k > excess)
            k = excess;
        if (k > CHUNK)
            k = CHUNK;
        for (int i = 0; i < k; i++)
            out[i] = gcache[--gcache_n];
        if (gcache != gcache_base && gcache_n <= GCACHE_KEEP) {
            memcpy(gcache_base, gcache, (size_t)gcache_n * sizeof *gcache);
            free(gcache);
            gcache = gcache_base;
            gcache_cap = GCACHE_KEEP;
        }
        weft_spin_unlock(&gcache_lock);
        /* the munmaps outside the lock: spawners keep drawing meanwhile */
        for (int i = 0; i < k; i++)
            os_free(&out[i]);
        if (k < CHUNK || !all)
            return; /* one chunk per tick unless told to empty it */
    }
}

static int refill(struct pool *p, size_t usable)
{
    if (!atomic_load_explicit(&gcache_n, memory_order_relaxed))
        return 0;
    int moved = 0;
    weft_spin_lock(&gcache_lock);
    for (int i = gcache_n - 1; i >= 0 && moved < BATCH && p->n < POOL_MAX; i--) {
        if (gcache[i].usable == usable) {
            p->s[p->n++] = gcache[i];
            gcache[i] = gcache[--gcache_n];
            moved++;
        }
    }
    weft_spin_unlock(&gcache_lock);
    return moved;
}

static void pool_thread_exit(void *unused)
{
    (void)unused;
    weft_stack_pool_drain();
}

static void pool_key_create(void)
{
    pthread_key_create(&pool_key, pool_thread_exit);
}

int weft_stack_size(size_t requested, size_t *usable)
{
    size_t pg = weft_os_page_size();
    if (requested == 0)
        requested = WEFT_STACK_DEFAULT;
    if (requested > WEFT_STACK_MAX)
        return WEFT_EINVAL;
    *usable = (requested + pg - 1) & ~(pg - 1);
    return WEFT_OK;
}

int weft_stack_get(weft_stack_t *stk, size_t usable)
{
    struct pool *p = &tls_pool;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = p->n - 1; i >= 0; i--) {
            if (p->s[i].usable == usable) {
                *stk = p->s[i];
                p->s[i] = p->s[--p->n];
                weft_os_stack_recycle(stk);
                return WEFT_OK;
            }
        }
        if (pass == 0 && !refill(p, usable))
            break;
    }
    int rc = weft_os_stack_alloc(stk, usable);
    if (rc != WEFT_OK)
        return rc;
    atomic_fetch_add_explicit(&os_stacks, 1, memory_order_relaxed);
#if defined(WEFT_VALGRIND)
    stk->valgrind_id = VALGRIND_STACK_REGISTER(stk->limit, stk->top);
#endif
    return WEFT_OK;
}

void weft_stack_put(weft_stack_t *stk)
{
    struct pool *p = &tls_pool;
    weft_asan_unpoison(stk->alloc + stk->guard, stk->reserved - stk->guard);
    if (!tls_pool_registered) {
        /* Registering the key's value is what makes the destructor run
         * at this thread's exit; any non-NULL value will do. */
        pthread_once(&pool_key_once, pool_key_create);
        pthread_setspecific(pool_key, p);
        tls_pool_registered = 1;
    }
    if (p->n == POOL_MAX) {
        /* Move the oldest BATCH to the shared cache (the newest are the
         * likeliest to be warm); what does not fit goes back to the OS. */
        weft_spin_lock(&gcache_lock);
        int room = gcache_room(BATCH);
        for (int i = 0; i < BATCH; i++) {
            if (i < room)
                gcache[gcache_n++] = p->s[i];
            else
                os_free(&p->s[i]);
        }
        weft_spin_unlock(&gcache_lock);
        for (int i = BATCH; i < POOL_MAX; i++)
            p->s[i - BATCH] = p->s[i];
        p->n -= BATCH;
    }
    p->s[p->n++] = *stk;
}
