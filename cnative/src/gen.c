/*
 * gen.c - generators: asymmetric stackful coroutines (weft.h).
 *
 * A generator is a stack, a saved stack pointer, and this record placed at
 * the top of its own stack (one mapping per generator, no malloc).
 *
 * States (g->state):
 *
 *   NEW --resume--> RUNNING --yield--> SUSPENDED --resume--> RUNNING ...
 *                           --return-> DONE
 *
 * The hand-off, and why it is shaped this way.  A switch resumes the other
 * side in the middle of its own call to weft_ctx_switch, so any `ret` the
 * other side executes afterwards pops a return-stack-buffer entry pushed
 * by *this* side's calls: every such return mispredicts (~15-20 cycles).
 * With the obvious structure (resume calls the switch, then publishes
 * state and returns; yield likewise) that was 2-4 mispredicts per round
 * trip, and W1 measured 23 ns per switch against Boost fcontext's 3.9.
 * So both directions end in a *tail call* to weft_ctx_switch: the saved
 * return address is then the user's own call site, and the switch's
 * indirect jump lands there directly, with no `ret` in between.  The
 * price is that nothing can run "after the switch" on the side that
 * switched: the side being switched *to* does the handshake instead.
 *
 *   resume(g, in, out):  checks g->state; sets RUNNING, the out pointer
 *                        and the running-coroutine TLS; tail-switches to
 *                        g passing `in`, which becomes the value of the
 *                        generator's pending weft_gen_yield.
 *   yield(g, v):         stores v through the resumer's out pointer, sets
 *                        SUSPENDED, restores the resumer's TLS;
 *                        tail-switches back passing WEFT_OK, which
 *                        becomes the return value of weft_gen_resume.
 *   return r:            the same with DONE and WEFT_DONE.
 *
 * Threads.  The generator runs on the resumer's thread, inside the
 * resume, so the TLS it restores before switching back is that thread's.
 * A generator may be resumed from different threads over its life, one
 * resume at a time.  Two threads resuming one generator *concurrently*
 * is a data race like any other unsynchronised object use (TSan builds
 * report it); detecting it here would need a locked instruction per
 * resume, which alone costs more than the whole switch.
 *
 * Thread-locals: the running-coroutine pointer (fault.h) is read and
 * written only before a switch, never after one, so no TLS address
 * computed on one thread is reused on another (arch/ctx.h, the hazard;
 * generator-rs #79): after a switch, the code that runs is the caller's.
 *
 * Sanitizer builds cannot tail-call: ASan and TSan need a hook right
 * after every switch (sanitize.h).  There, resume and yield call the
 * switch, run the hook and return: the same protocol, slower.
 */
#include "weft.h"
#include "arch/ctx.h"
#include "fault.h"
#include "sanitize.h"
#include "stack.h"

#include <stdatomic.h>
#include <string.h>

/* Order matters: resume's fast path accepts state <= GEN_SUSPENDED. */
enum { GEN_NEW, GEN_SUSPENDED, GEN_RUNNING, GEN_DONE };

struct weft_gen {
    weft_fault_info_t info;   /* first: a weft_gen_t * is a weft_fault_info_t * */

    /* hand-off state, see the file comment */
    void *sp;                 /* the generator's saved stack pointer while not running */
    void *back;               /* the resumer's saved stack pointer while running */
    int state;                /* GEN_* */
    int canceled;             /* weft_gen_free is finishing this generator */
    void **out;               /* where the next yield/return value goes */
    void *out_sink;           /* `out` when the resumer passed NULL */
    void *in;                 /* latest resume's value */
    const weft_fault_info_t *outer; /* coroutine running on the resumer's thread before the resume */

    /* sanitizer bookkeeping: the resumer's stack, learnt on each arrival */
    void *asan_fake_back;
    void *asan_fake;
    const void *caller_bottom;
    size_t caller_size;
    void *tsan_fiber;
    void *tsan_back;

    /* immutable after weft_gen_new */
    weft_gen_fn fn;
    void *arg;
    weft_stack_t stack;
    char name[32];
};

#if defined(WEFT_ASAN) || defined(WEFT_TSAN)
#define WEFT_GEN_HOOKS 1
#endif

static _Atomic uint64_t next_id = 1;

weft_gen_t *weft_gen_current(void)
{
    const weft_fault_info_t *r = weft_running;
    return r && r->kind == WEFT_CORO_GEN ? (weft_gen_t *)r : NULL;
}

__attribute__((noreturn)) static void gen_entry(void *ctx_arg, void *first_in)
{
    weft_gen_t *g = ctx_arg;
    (void)first_in; /* also in g->in */
    weft_san_finish(NULL, &g->caller_bottom, &g->caller_size);
    void *r = g->fn(g, g->arg);
    *g->out = r;
    g->state = GEN_DONE;
    weft_running = g->outer;
    /* NULL fake-stack slot: this stack never runs again */
    weft_san_start(NULL, g->caller_bottom, g->caller_size, g->tsan_back);
    weft_ctx_switch(&g->sp, g->back, (void *)(intptr_t)WEFT_DONE);
    __builtin_unreachable(); /* a DONE generator is never switched to */
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
    /* The record must leave room to run: at least 4 KiB below it. */
    size_t pg = weft_os_page_size();
    if (usable < sizeof(weft_gen_t) + 4096)
        usable = (sizeof(weft_gen_t) + 4096 + pg - 1) & ~(pg - 1);
    weft_stack_t stk;
    rc = weft_stack_get(&stk, usable);
    if (rc != WEFT_OK)
        return rc;

    weft_gen_t *g = (weft_gen_t *)(((uintptr_t)stk.top - sizeof(weft_gen_t)) & ~(uintptr_t)63);
    memset(g, 0, sizeof *g);
    g->stack = stk;
    g->stack.top = (char *)g; /* the coroutine's own stack starts below the record */
    g->fn = fn;
    g->arg = arg;
    g->state = GEN_NEW;
    g->out = &g->out_sink;
    const char *name = attr && attr->name ? attr->name : "gen";
    strncpy(g->name, name, sizeof g->name - 1);
    g->info.kind = WEFT_CORO_GEN;
    g->info.stack = &g->stack;
    g->info.name = g->name;
    g->info.id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
    g->tsan_fiber = weft_tsan_create();
    g->sp = weft_ctx_make(&g->stack, gen_entry, g);
    *out = g;
    return WEFT_OK;
}

/* Everything weft_gen_resume does not expect: errors, and the first resume
 * on a thread.  Kept out of line so the fast path needs no stack frame and
 * no saved registers (W1: 32 -> 15 instructions per resume). */
__attribute__((noinline, cold)) static int resume_slow(weft_gen_t *g, void *in, void **out)
{
    if (!g)
        return WEFT_EINVAL;
    if (g->state == GEN_DONE)
        return WEFT_EFINISHED;
    if (g->state == GEN_RUNNING)
        return WEFT_EBUSY;
    int rc = weft_fault_prepare_thread();
    if (rc != WEFT_OK)
        return rc;
    return weft_gen_resume(g, in, out);
}

int weft_gen_resume(weft_gen_t *g, void *in, void **out)
{
    if (__builtin_expect(!g || g->state > GEN_SUSPENDED || !weft_thread_prepared, 0))
        return resume_slow(g, in, out);
    g->state = GEN_RUNNING;
    g->in = in;
    g->out = out ? out : &g->out_sink;
    g->outer = weft_running;
    weft_running = &g->info;
#if defined(WEFT_GEN_HOOKS)
    g->tsan_back = weft_tsan_current();
    weft_san_start(&g->asan_fake_back, g->stack.limit, (size_t)(g->stack.top - g->stack.limit), g->tsan_fiber);
    int rc = weft_ctx_switch_int(&g->back, g->sp, in);
    weft_san_finish(g->asan_fake_back, NULL, NULL);
    return rc;
#else
    return weft_ctx_switch_int(&g->back, g->sp, in);
#endif
}

void *weft_gen_yield(weft_gen_t *g, void *value)
{
    if (!g || weft_running != &g->info)
        return NULL;
    *g->out = value;
    g->state = GEN_SUSPENDED;
    weft_running = g->outer;
#if defined(WEFT_GEN_HOOKS)
    weft_san_start(&g->asan_fake, g->caller_bottom, g->caller_size, g->tsan_back);
    void *in = weft_ctx_switch(&g->sp, g->back, (void *)(intptr_t)WEFT_OK);
    weft_san_finish(g->asan_fake, &g->caller_bottom, &g->caller_size);
    return in;
#else
    return weft_ctx_switch(&g->sp, g->back, (void *)(intptr_t)WEFT_OK);
#endif
}

int weft_gen_yield_ex(weft_gen_t *g, void *value, void **in)
{
    if (!g)
        return WEFT_EINVAL;
    if (weft_running != &g->info)
        return WEFT_EPERM;
    void *v = weft_gen_yield(g, value);
    if (g->canceled) {
        if (in)
            *in = NULL;
        return WEFT_ECANCELED;
    }
    if (in)
        *in = v;
    return WEFT_OK;
}

void *weft_gen_input(const weft_gen_t *g)
{
    return g ? g->in : NULL;
}

int weft_gen_done(const weft_gen_t *g)
{
    return g && g->state == GEN_DONE;
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
    return g ? g->info.id : 0;
}

size_t weft_gen_stack_size(const weft_gen_t *g)
{
    return g ? g->stack.usable : 0;
}

int weft_gen_free_ex(weft_gen_t *g)
{
    if (!g)
        return WEFT_OK;
    if (g->state == GEN_RUNNING)
        return WEFT_EBUSY;
    if (g->state == GEN_SUSPENDED) {
        /* One last resume so the body can clean up (its yield returns
         * NULL and weft_gen_canceled is true); if it yields again it is
         * simply dropped. */
        g->canceled = 1;
        int rc = weft_gen_resume(g, NULL, NULL);
        if (rc < 0)
            return rc;
    }
    weft_tsan_destroy(g->tsan_fiber);
    weft_stack_t stk = g->stack; /* copy out: the record lives on the stack */
    stk.top = stk.alloc + stk.reserved; /* the reservation's end (on Windows limit is not top - usable) */
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
