/*
 * scope.c - structured spawning (weft.h): a scope waits for every
 * coroutine spawned in it; cancelling it cancels them all.
 *
 * State, under the scope's spinlock: the member list (intrusive, through
 * the coroutines' scope links), their count, the waiters of
 * weft_scope_wait, and the cancelled flag.  Lock order: scope, then a
 * member's own lock (weft_cancel); a member leaving (co.c calls `leave`
 * after its final switch-out) takes the scope lock alone, so there is no
 * cycle.  A scope is a coroutine group (runtime.h): co.c calls back into
 * it through scope_group, never by name.
 *
 * A member record stays valid while it is on the list: it leaves the list
 * before co.c drops the body's reference.
 */
#include "runtime.h"

#include <string.h>

struct weft_scope {
    weft_spin_t lock;
    weft_waitq_t waiters;
    struct weft_co *members;
    long count;
    int canceled;
};

_Static_assert(sizeof(struct weft_scope) <= sizeof(weft_scope_t), "weft_scope_t too small");
_Static_assert(_Alignof(struct weft_scope) <= _Alignof(weft_scope_t), "weft_scope_t misaligned");

static struct weft_scope *impl(weft_scope_t *s)
{
    return (struct weft_scope *)(void *)s;
}

/* co.c: a new member, before it is made runnable. */
static void member_join(void *group, struct weft_co *co)
{
    struct weft_scope *s = group;
    weft_spin_lock(&s->lock);
    co->scope_prev = NULL;
    co->scope_next = s->members;
    if (s->members)
        s->members->scope_prev = co;
    s->members = co;
    s->count++;
    if (s->canceled)
        atomic_store(&co->canceled, 1);
    weft_spin_unlock(&s->lock);
}

/* co.c: a member's body returned. */
static void member_leave(void *group, struct weft_co *co)
{
    struct weft_scope *s = group;
    weft_spin_lock(&s->lock);
    if (co->scope_prev)
        co->scope_prev->scope_next = co->scope_next;
    else
        s->members = co->scope_next;
    if (co->scope_next)
        co->scope_next->scope_prev = co->scope_prev;
    if (--s->count == 0) {
        weft_waiter_t *w;
        while ((w = weft_waitq_pop(&s->waiters)))
            weft_waiter_wake(w, WEFT_WAKE_OK);
    }
    weft_spin_unlock(&s->lock);
}

static const weft_co_group_t scope_group = { member_join, member_leave };

int weft_scope_init(weft_scope_t *s)
{
    if (!s)
        return WEFT_EINVAL;
    memset(s, 0, sizeof *s);
    return WEFT_OK;
}

int weft_scope_spawn(weft_scope_t *s, const weft_attr_t *attr, void *(*fn)(void *), void *arg)
{
    if (!s || !fn)
        return WEFT_EINVAL;
    return weft_co_spawn_in(&scope_group, impl(s), attr, fn, arg);
}

int weft_scope_cancel(weft_scope_t *scope)
{
    if (!scope)
        return WEFT_EINVAL;
    struct weft_scope *s = impl(scope);
    weft_spin_lock(&s->lock);
    s->canceled = 1;
    for (struct weft_co *co = s->members; co; co = co->scope_next)
        weft_cancel(co);
    weft_spin_unlock(&s->lock);
    return WEFT_OK;
}

int weft_scope_wait(weft_scope_t *scope)
{
    if (!scope)
        return WEFT_EINVAL;
    struct weft_scope *s = impl(scope);
    int rc = WEFT_OK;
    struct weft_co *self = weft_co_current();
    for (;;) {
        weft_spin_lock(&s->lock);
        if (s->count == 0) {
            weft_spin_unlock(&s->lock);
            return rc;
        }
        if (self && s->members) {
            for (struct weft_co *m = s->members; m; m = m->scope_next)
                if (m == self) {
                    weft_spin_unlock(&s->lock);
                    return WEFT_EDEADLK; /* a member waiting for its own scope */
                }
        }
        weft_waiter_t w;
        weft_waiter_init(&w, "scope", s);
        /* Structured: the wait outlives a cancellation of the waiter.  A
         * cancelled waiter cancels the scope and keeps waiting for the
         * children, then reports the cancellation. */
        int canceled = self && atomic_load(&self->canceled);
        if (canceled && !s->canceled) {
            weft_spin_unlock(&s->lock);
            weft_scope_cancel(scope);
            rc = WEFT_ECANCELED;
            continue;
        }
        if (canceled)
            rc = WEFT_ECANCELED;
        w.nocancel = canceled;
        weft_waitq_push(&s->waiters, &w);
        int r = weft_waiter_park(&w, &s->lock, -1);
        if (r != WEFT_WAKE_OK) {
            weft_spin_lock(&s->lock);
            weft_waitq_remove(&s->waiters, &w);
            weft_spin_unlock(&s->lock);
        }
    }
}

int weft_scope_destroy(weft_scope_t *scope)
{
    if (!scope)
        return WEFT_EINVAL;
    struct weft_scope *s = impl(scope);
    weft_spin_lock(&s->lock);
    long n = s->count;
    weft_spin_unlock(&s->lock);
    return n ? WEFT_ESTATE : WEFT_OK;
}
