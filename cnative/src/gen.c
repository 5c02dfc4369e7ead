/*
 * gen.c - generators: asymmetric stackful coroutines (weft.h).
 *
 * A generator is a stack, a saved stack pointer, and this header placed at
 * the top of its own stack (one mapping per generator, no malloc).
 *
 * States and who may change them:
 *
 *   NEW --resume--> RUNNING --yield--> SUSPENDED --resume--> RUNNING ...
 *                           --return-> DONE
 *
 *   Only the thread inside weft_gen_resume owns a RUNNING generator.  It
 *   enters RUNNING with a compare-and-swap from NEW/SUSPENDED, so of two
 *   threads resuming at once exactly one wins and the other gets
 *   WEFT_EBUSY.  The generator never publishes its own state: it leaves
 *   the state it wants in `next` and switches back; the resumer stores
 *   `next` into `state` only after the switch has completed, i.e. after
 *   the generator's stack pointer is saved.  Publishing earlier would let
 *   a third thread resume the generator while its registers were still
 *   being saved.
 *
 * Thread-locals: `current` (the generator running on this thread) is read
 * and written only through noinline accessors, so no TLS address computed
 * before a switch is reused after it (STYLE.md; generator-rs #79).  A
 * generator's resume is a call that returns on the thread that made it,
 * but a generator's body may run on a different thread at each resume.
 */
#include "weft.h"
#include "arch/ctx.h"
#include "fault.h"
#include "sanitize.h"
#include "stack.h"

#include <stdatomic.h>
#include <string.h>

enum { GEN_NEW, GEN_SUSPENDED, GEN_RUNNING, GEN_DONE };

struct weft_gen {
    /* owned by the thread running weft_gen_resume while RUNNING */
    void *sp;                 /* the generator's saved stack pointer while not running */
    void *back;               /* the resumer's saved stack pointer while running */
    int next;                 /* state to publish when the generator switches back */
    int canceled;             /* weft_gen_free is finishing this generator */
    void *in;                 /* latest resume's value */
    void *out;                /* latest yielded value or the result */
    weft_gen_t *outer;        /* generator current on this thread before the resume */
    const weft_fault_info_t *outer_fault;

    _Atomic int state;

    /* sanitizer bookkeeping: the resumer's stack, learnt on each arrival */
    void *asan_fake_back;     /* resumer's fake stack while the generator runs */
    void *asan_fake;          /* generator's fake stack while suspended */
    const void *caller_bottom;
    size_t caller_size;
    void *tsan_fiber;
    void *tsan_back;

    /* immutable after weft_gen_new */
    weft_gen_fn fn;
    void *arg;
    uint64_t id;
    weft_stack_t stack;
    weft_fault_info_t fault;
    char name[32];
};

static _Atomic uint64_t next_id = 1;
static _Thread_local weft_gen_t *tls_current;

/* noinline: see the file comment. */
__attribute__((noinline)) static weft_gen_t *current_get(void)
{
    return tls_current;
}

__attribute__((noinline)) static void current_set(weft_gen_t *g)
{
    tls_current = g;
}

weft_gen_t *weft_gen_current(void)
{
    return current_get();
}

/* Switches from the generator back to its resumer.  `dying`: the
 * generator's stack will never run again (ASan may free its fake stack). */
static void *switch_out(weft_gen_t *g, int dying)
{
    weft_san_start(dying ? NULL : &g->asan_fake, g->caller_bottom, g->caller_size, g->tsan_back);
    void *r = weft_ctx_switch(&g->sp, g->back, g->out);
    weft_san_finish(g->asan_fake, &g->caller_bottom, &g->caller_size);
    return r;
}

static void gen_entry(void *ctx_arg, void *unused)
{
    weft_gen_t *g = ctx_arg;
    (void)unused;
    weft_san_finish(NULL, &g->caller_bottom, &g->caller_size);
    void *r = g->fn(g, g->arg);
    g->out = r;
    g->next = GEN_DONE;
    switch_out(g, 1);
    __builtin_unreachable(); /* a DONE generator is never resumed */
}

int weft_gen_new(weft_gen_fn fn, void *arg, const weft_gen_attr_t *attr, weft_gen_t **out)
{
    if (!fn || !out)
        return WEFT_EINVAL;
    *out = NULL;
    size_t usable;
    int rc = weft_stack_size(attr ? attr->stack_size : 0, &usable);
    if (rc != WEFT_OK)
        return rc;
    /* The header must leave room to run: at least a page below it. */
    if (usable < sizeof(weft_gen_t) + 4096)
        usable = (sizeof(weft_gen_t) + 4096 + weft_os_page_size() - 1) & ~(weft_os_page_size() - 1);
    weft_stack_t stk;
    rc = weft_stack_get(&stk, usable);
    if (rc != WEFT_OK)
        return rc;

    weft_gen_t *g = (weft_gen_t *)(((uintptr_t)stk.top - sizeof(weft_gen_t)) & ~(uintptr_t)63);
    memset(g, 0, sizeof *g);
    g->stack = stk;
    g->stack.top = (char *)g; /* the coroutine's own stack starts below the header */
    g->fn = fn;
    g->arg = arg;
    g->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
    const char *name = attr && attr->name ? attr->name : "gen";
    strncpy(g->name, name, sizeof g->name - 1);
    g->fault.stack = &g->stack;
    g->fault.name = g->name;
    g->fault.id = g->id;
    g->tsan_fiber = weft_tsan_create();
    atomic_init(&g->state, GEN_NEW);
    g->sp = weft_ctx_make(&g->stack, gen_entry, g);
    *out = g;
    return WEFT_OK;
}

int weft_gen_resume(weft_gen_t *g, void *in, void **out)
{
    if (!g)
        return WEFT_EINVAL;
    int s = atomic_load_explicit(&g->state, memory_order_acquire);
    do {
        if (s == GEN_DONE)
            return WEFT_EFINISHED;
        if (s == GEN_RUNNING)
            return WEFT_EBUSY;
    } while (!atomic_compare_exchange_weak_explicit(&g->state, &s, GEN_RUNNING,
                                                    memory_order_acquire, memory_order_acquire));
    int rc = weft_fault_prepare_thread();
    if (rc != WEFT_OK) {
        atomic_store_explicit(&g->state, s, memory_order_release);
        return rc;
    }
    g->in = in;
    g->outer = current_get();
    g->outer_fault = weft_fault_current();
    current_set(g);
    weft_fault_set_current(&g->fault);
    g->tsan_back = weft_tsan_current();

    weft_san_start(&g->asan_fake_back, g->stack.limit, (size_t)(g->stack.top - g->stack.limit), g->tsan_fiber);
    weft_ctx_switch(&g->back, g->sp, g);
    weft_san_finish(g->asan_fake_back, NULL, NULL);

    weft_fault_set_current(g->outer_fault);
    current_set(g->outer);
    int next = g->next;
    if (out)
        *out = g->out;
    atomic_store_explicit(&g->state, next, memory_order_release);
    return next == GEN_DONE ? WEFT_DONE : WEFT_OK;
}

int weft_gen_yield_ex(weft_gen_t *g, void *value, void **in)
{
    if (!g)
        return WEFT_EINVAL;
    if (current_get() != g)
        return WEFT_EPERM;
    g->out = value;
    g->next = GEN_SUSPENDED;
    switch_out(g, 0);
    if (g->canceled) {
        if (in)
            *in = NULL;
        return WEFT_ECANCELED;
    }
    if (in)
        *in = g->in;
    return WEFT_OK;
}

void *weft_gen_yield(weft_gen_t *g, void *value)
{
    void *in = NULL;
    return weft_gen_yield_ex(g, value, &in) == WEFT_OK ? in : NULL;
}

void *weft_gen_input(const weft_gen_t *g)
{
    return g ? g->in : NULL;
}

int weft_gen_done(const weft_gen_t *g)
{
    return g && atomic_load_explicit(&((weft_gen_t *)g)->state, memory_order_acquire) == GEN_DONE;
}

int weft_gen_canceled(const weft_gen_t *g)
{
    return g ? g->canceled : 0;
}

const char *weft_gen_name(const weft_gen_t *g)
{
    return g ? g->name : NULL;
}

uint64_t weft_gen_id(const weft_gen_t *g)
{
    return g ? g->id : 0;
}

size_t weft_gen_stack_size(const weft_gen_t *g)
{
    return g ? g->stack.usable : 0;
}

int weft_gen_free_ex(weft_gen_t *g)
{
    if (!g)
        return WEFT_OK;
    int s = atomic_load_explicit(&g->state, memory_order_acquire);
    if (s == GEN_RUNNING)
        return WEFT_EBUSY;
    if (s == GEN_SUSPENDED) {
        /* One last resume so the body can clean up; if it yields again
         * it is simply dropped.  EBUSY here means another thread resumed
         * it between our load and now: refuse like above. */
        g->canceled = 1;
        int rc = weft_gen_resume(g, NULL, NULL);
        if (rc == WEFT_EBUSY)
            return WEFT_EBUSY;
    }
    weft_tsan_destroy(g->tsan_fiber);
    weft_stack_t stk = g->stack; /* copy out: the header lives on the stack */
    stk.top = stk.limit + stk.usable;
    weft_stack_put(&stk);
    return WEFT_OK;
}

void weft_gen_free(weft_gen_t *g)
{
    (void)weft_gen_free_ex(g);
}

size_t weft_page_size(void)
{
    return weft_os_page_size();
}
