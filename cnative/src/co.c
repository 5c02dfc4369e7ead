/*
 * co.c - coroutines: spawn, join, cancel, sleep (weft.h), on sched.c.
 *
 * Memory: a coroutine's record sits at the top of its own stack (like a
 * generator's), so a spawn costs one pooled stack and no malloc.  The
 * record lives until both its body has returned and its handle (if any)
 * is released: `refs` counts the two.  Whoever drops the last reference
 * returns the stack to the pool; that is never the coroutine itself (its
 * body's reference is dropped by its worker after the final switch-out).
 *
 * Registry: every live coroutine is on a list (for weft_dump and for
 * shutdown to free what is left): the list of the worker that spawned
 * it, or the plain threads' list (runtime.h, struct weft_registry).
 */
#include "runtime.h"
#include "sanitize.h"
#include "stack.h"

#include "os/os.h"

#include <stdlib.h>
#include <string.h>

static _Atomic uint64_t next_id = 1;
static struct weft_registry thread_reg = { .lock = WEFT_SPIN_INIT };

#define ID_BLOCK 1024

static struct weft_registry *home_registry(void)
{
    weft_worker_t *w = weft_worker_current();
    return w ? &w->reg : &thread_reg;
}

static void reg_add(struct weft_registry *r, struct weft_co *co)
{
    weft_spin_lock(&r->lock);
    if (r->next_id == r->id_end) {
        r->next_id = atomic_fetch_add_explicit(&next_id, ID_BLOCK, memory_order_relaxed);
        r->id_end = r->next_id + ID_BLOCK;
    }
    co->info.id = r->next_id++;
    co->reg = r;
    co->all_prev = NULL;
    co->all_next = r->head;
    if (r->head)
        r->head->all_prev = co;
    r->head = co;
    r->n++;
    weft_spin_unlock(&r->lock);
}

/* r->lock held */
static void reg_unlink(struct weft_registry *r, struct weft_co *co)
{
    if (co->all_prev)
        co->all_prev->all_next = co->all_next;
    else
        r->head = co->all_next;
    if (co->all_next)
        co->all_next->all_prev = co->all_prev;
    r->n--;
}

static void reg_remove(struct weft_co *co)
{
    struct weft_registry *r = co->reg;
    weft_spin_lock(&r->lock);
    reg_unlink(r, co);
    weft_spin_unlock(&r->lock);
}

static struct weft_registry *registry_at(int i) /* -1: plain threads' */
{
    return i < 0 ? &thread_reg : &weft_sched_slot(i)->reg;
}

static void unref(struct weft_co *co);

/* Exits on other workers.  A coroutine is listed in the registry of the
 * worker that spawned it, but often ends on another (it was stolen, or
 * woken there).  Unlinking it there took the spawning worker's registry
 * lock from two cores per coroutine, and left its stack in the pool of
 * the wrong thread (W2 at 2 workers: half the time on those two cache
 * lines).  Instead the exiting worker pushes it, with one CAS, on the
 * registry's `exited` stack, and the owner collects the whole stack now
 * and then with one exchange: unlinks them under its own lock and
 * releases their stacks into its own pool, where its next spawns find
 * them.  Until collected such a record stays listed, with status DONE
 * (weft_dump skips those); whoever walks a list collects it first. */
static void reg_exited_remote(struct weft_co *co)
{
    struct weft_registry *r = co->reg;
    struct weft_co *head = atomic_load_explicit(&r->exited, memory_order_relaxed);
    do
        co->next = head;
    while (!atomic_compare_exchange_weak_explicit(&r->exited, &head, co, memory_order_release,
                                                  memory_order_relaxed));
}

/* Any thread.  Pop-all with one exchange: no ABA (nothing is ever popped
 * singly), and the acquire pairs with the pushers' release, so the
 * records' links and final states are visible. */
static void reg_collect(struct weft_registry *r)
{
    if (!atomic_load_explicit(&r->exited, memory_order_relaxed))
        return;
    struct weft_co *list = atomic_exchange_explicit(&r->exited, NULL, memory_order_acquire);
    if (!list)
        return;
    weft_spin_lock(&r->lock);
    for (struct weft_co *co = list; co; co = co->next)
        reg_unlink(r, co);
    weft_spin_unlock(&r->lock);
    while (list) {
        struct weft_co *next = list->next;
        unref(list);
        list = next;
    }
}

/* sched.c: a worker about to sleep, and the monitor for retired spares */
void weft_co_collect(weft_worker_t *w)
{
    reg_collect(&w->reg);
}

long weft_co_live(void)
{
    long n = 0;
    for (int i = -1; i < weft_sched_nslots(); i++) {
        struct weft_registry *r = registry_at(i);
        reg_collect(r);
        weft_spin_lock(&r->lock);
        n += r->n;
        weft_spin_unlock(&r->lock);
    }
    return n;
}

/* dump.c: visit every live coroutine, its registry list locked (which
 * keeps the record alive: it is unlinked before it is freed). */
void weft_co_foreach(void (*fn)(struct weft_co *co, void *arg), void *arg)
{
    for (int i = -1; i < weft_sched_nslots(); i++) {
        struct weft_registry *r = registry_at(i);
        reg_collect(r);
        weft_spin_lock(&r->lock);
        for (struct weft_co *co = r->head; co; co = co->all_next)
            if (atomic_load_explicit(&co->status, memory_order_acquire) != CO_DONE)
                fn(co, arg);
        weft_spin_unlock(&r->lock);
    }
}

static void co_free(struct weft_co *co)
{
    weft_tsan_destroy(co->tsan_fiber);
    weft_stack_t stk = co->stack; /* copy out: the record lives on the stack */
    stk.top = stk.alloc + stk.reserved;
    weft_stack_put(&stk);
}

static void unref(struct weft_co *co)
{
    /* a detached coroutine's body holds the only reference: no atomic */
    if (!co->joinable || atomic_fetch_sub_explicit(&co->refs, 1, memory_order_acq_rel) == 1)
        co_free(co);
}

static void co_entry(void *ctx_arg, void *unused)
{
    struct weft_co *co = ctx_arg;
    (void)unused;
    weft_sched_resumed(weft_worker_current(), NULL);
    co->result = co->fn(co->arg);
    weft_cls_run_dtors(co);
    weft_sched_exit(co);
}

/* Worker side, after the body's final switch-out (sched.c, POST_EXIT). */
void weft_co_exited(struct weft_co *co)
{
    weft_spin_lock(&co->lock);
    atomic_store_explicit(&co->status, CO_DONE, memory_order_release);
    weft_waiter_t *w;
    while ((w = weft_waitq_pop(&co->joiners)))
        weft_waiter_wake(w, WEFT_WAKE_OK);
    weft_spin_unlock(&co->lock);
    if (co->group)
        co->group_ops->leave(co->group, co);
    weft_worker_t *self = weft_worker_current();
    if (co->reg != &thread_reg && co->reg != (self ? &self->reg : NULL)) {
        reg_exited_remote(co); /* its registry's owner unlinks and frees it */
        return;
    }
    reg_remove(co);
    unref(co);
}

/* Shutdown: nothing runs any more; free every coroutine left. */
void weft_co_abandon_all(void)
{
    for (int i = -1; i < weft_sched_nslots(); i++) {
        struct weft_registry *r = registry_at(i);
        struct weft_co *co = r->head;
        r->head = NULL;
        r->n = 0;
        atomic_store(&r->exited, NULL); /* those are still on the list */
        while (co) {
            struct weft_co *next = co->all_next;
            co_free(co); /* handles still held by the application dangle, as documented */
            co = next;
        }
    }
}

static int spawn(const weft_attr_t *attr, void *(*fn)(void *), void *arg, int joinable, weft_co_t **out,
                 const weft_co_group_t *ops, void *group)
{
    if (!fn)
        return WEFT_EINVAL;
    int rc = weft_runtime_start();
    if (rc != WEFT_OK)
        return rc;
    size_t usable = weft_sched_stack_size(); /* already page-rounded by weft_init */
    if (attr && attr->stack_size) {
        rc = weft_stack_size(attr->stack_size, &usable);
        if (rc != WEFT_OK)
            return rc;
    }
    if (usable < sizeof(struct weft_co) + 4096) {
        size_t pg = weft_page_size();
        usable = (sizeof(struct weft_co) + 4096 + pg - 1) & ~(pg - 1);
    }
    struct weft_registry *home = home_registry();
    if (home != &thread_reg && (++home->spawns & 31) == 0)
        reg_collect(home); /* stacks of children that ended elsewhere come back here */
    weft_stack_t stk;
    rc = weft_stack_get(&stk, usable);
    if (rc != WEFT_OK)
        return rc;
    struct weft_co *co = (struct weft_co *)(((uintptr_t)stk.top - sizeof(struct weft_co)) & ~(uintptr_t)63);
    /* CLS slots of keys never created are never read: clear only the rest */
    memset(co, 0, offsetof(struct weft_co, cls));
    co->cls_n = weft_cls_nkeys();
    memset(co->cls, 0, co->cls_n * sizeof co->cls[0]);
    co->stack = stk;
    co->stack.top = (char *)co;
    co->fn = fn;
    co->arg = arg;
    atomic_init(&co->refs, joinable ? 2 : 1);
    co->joinable = joinable;
    const char *name = attr && attr->name ? attr->name : "co";
    strncpy(co->name, name, sizeof co->name - 1);
    co->info.kind = WEFT_CORO_TASK;
    co->info.stack = &co->stack;
    co->info.name = co->name;
    co->tsan_fiber = weft_tsan_create();
    co->sp = weft_ctx_make(&co->stack, co_entry, co);
    reg_add(home, co);
    if (group) {
        co->group = group;
        co->group_ops = ops;
        ops->join(group, co);
    }
    if (out)
        *out = co;
    weft_sched_start_co(co);
    return WEFT_OK;
}

int weft_go(void *(*fn)(void *), void *arg)
{
    return spawn(NULL, fn, arg, 0, NULL, NULL, NULL);
}

int weft_co_spawn_in(const weft_co_group_t *ops, void *group, const weft_attr_t *attr,
                     void *(*fn)(void *), void *arg)
{
    return spawn(attr, fn, arg, 0, NULL, ops, group);
}

int weft_spawn(const weft_attr_t *attr, void *(*fn)(void *), void *arg, weft_co_t **out)
{
    if (!out)
        return WEFT_EINVAL;
    *out = NULL;
    return spawn(attr, fn, arg, 1, out, NULL, NULL);
}

static int join_until(weft_co_t *co, void **result, int64_t deadline)
{
    if (!co)
        return WEFT_EINVAL;
    if (co == weft_co_current())
        return WEFT_EDEADLK;
    weft_spin_lock(&co->lock);
    if (co->joined) {
        weft_spin_unlock(&co->lock);
        return WEFT_ESTATE; /* joined before: the result was handed out once */
    }
    if (atomic_load_explicit(&co->status, memory_order_acquire) != CO_DONE) {
        weft_waiter_t w;
        weft_waiter_init(&w, "join", co);
        weft_waitq_push(&co->joiners, &w);
        int r = weft_waiter_park(&w, &co->lock, deadline);
        weft_spin_lock(&co->lock);
        if (r != WEFT_WAKE_OK) {
            weft_waitq_remove(&co->joiners, &w);
            weft_spin_unlock(&co->lock);
            return r; /* WEFT_ECANCELED (the joiner was cancelled), WEFT_ETIMEDOUT */
        }
    }
    /* several joiners may have waited together: each gets the result, and
     * any join after them is the error above */
    co->joined = 1;
    weft_spin_unlock(&co->lock);
    if (result)
        *result = co->result;
    return WEFT_OK;
}

int weft_join(weft_co_t *co, void **result)
{
    return join_until(co, result, -1);
}

int weft_join_until(weft_co_t *co, void **result, int64_t deadline)
{
    return join_until(co, result, deadline);
}

int weft_cancel(weft_co_t *co)
{
    if (!co)
        return WEFT_EINVAL;
    /* seq_cst store, then weft_co_cancel_parked reads co->park: the
     * pairing that keeps a coroutine about to park from missing it
     * (sched.c, "pinning") */
    atomic_store(&co->canceled, 1);
    weft_co_cancel_parked(co);
    return WEFT_OK;
}

void weft_co_cancel_parked(struct weft_co *co)
{
    /* Not parked: it is running (its next wait, or its worker once it has
     * parked, sees `canceled`), or already woken.  Pinned by someone else
     * (a dump, a second cancel): wait for them. */
    for (;;) {
        int s = atomic_load(&co->park);
        if (s == CO_PARK_PINNED) {
            weft_cpu_relax();
            continue;
        }
        if (s != CO_PARK_PARKED)
            return;
        if (weft_co_pin(co))
            break;
    }
    weft_waiter_t *w = weft_co_claim_pinned(co);
    if (w)
        weft_waiter_resume(w, WEFT_ECANCELED); /* weft_co_ready: PARKED -> RUNNING */
}

weft_waiter_t *weft_co_claim_pinned(struct weft_co *co)
{
    weft_waiter_t *w = atomic_load_explicit(&co->blocked, memory_order_relaxed);
    int won = w && !w->nocancel && weft_waiter_claim(w);
    weft_co_unpin(co);
    return won ? w : NULL;
}

void weft_co_release(weft_co_t *co)
{
    if (co)
        unref(co);
}

weft_co_t *weft_self(void)
{
    return weft_co_current();
}

uint64_t weft_co_id(const weft_co_t *co)
{
    return co ? co->info.id : 0;
}

const char *weft_co_name(const weft_co_t *co)
{
    return co ? co->name : NULL;
}

int weft_sleep(int64_t ns)
{
    if (ns <= 0)
        return weft_yield();
    if (!weft_co_current()) {
        weft_os_sleep(ns);
        return WEFT_OK;
    }
    weft_waiter_t w;
    weft_waiter_init(&w, "sleep", NULL);
    int r = weft_waiter_park(&w, NULL, weft_deadline_in(ns));
    return r == WEFT_ETIMEDOUT ? WEFT_OK : r;
}
