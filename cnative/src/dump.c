/*
 * dump.c - introspection (weft.h): weft_dump lists every coroutine with
 * its state and what it waits on; weft_stats gives the counters.
 *
 * Reading other coroutines safely: a registry list's lock keeps every record on it
 * alive (co.c unlinks a record before freeing it), and pinning a parked
 * coroutine (sched.c) keeps its `blocked` waiter alive: it cannot resume
 * and leave the wait while pinned.
 */
#include "chan.h"
#include "runtime.h"

#include <stdio.h>
#include <string.h>

/* Counted for the binding that registers them (runtime.h).  Relaxed,
 * like chan.c's live_chans: it orders nothing. */
static _Atomic uint64_t java_sync, sockets;

void weft_stats_java_sync(int delta)
{
    atomic_fetch_add_explicit(&java_sync, (uint64_t)(int64_t)delta, memory_order_relaxed);
}

void weft_stats_sockets(int delta)
{
    atomic_fetch_add_explicit(&sockets, (uint64_t)(int64_t)delta, memory_order_relaxed);
}

static const char *state_name(int s)
{
    switch (s) {
    case CO_RUNNABLE: return "runnable";
    case CO_RUNNING: return "running";
    case CO_BLOCKED: return "blocked";
    case CO_DONE: return "done";
    default: return "new";
    }
}

static void dump_one(struct weft_co *co, void *arg)
{
    FILE *out = arg;
    int s = atomic_load_explicit(&co->status, memory_order_relaxed);
    fprintf(out, "  #%llu \"%s\" %s", (unsigned long long)co->info.id, co->name, state_name(s));
    if (s == CO_BLOCKED && weft_co_pin(co)) {
        /* copy out, unpin, then print: wakers spin while it is pinned */
        weft_waiter_t *w = atomic_load_explicit(&co->blocked, memory_order_relaxed);
        const char *what = w ? (w->what ? w->what : "?") : NULL;
        void *obj = w ? w->obj : NULL;
        weft_co_unpin(co);
        if (what)
            fprintf(out, " on %s %p", what, obj);
    }
    if (atomic_load_explicit(&co->canceled, memory_order_relaxed))
        fprintf(out, " (cancelled)");
    fputc('\n', out);
}

void weft_dump(FILE *out)
{
    if (!out)
        out = stderr;
    uint64_t sw, st, pk;
    weft_sched_counters(&sw, &st, &pk);
    fprintf(out, "weft: %ld coroutines on %d workers (switches %llu, steals %llu, parks %llu)\n",
            weft_co_live(), weft_sched_workers(), (unsigned long long)sw, (unsigned long long)st,
            (unsigned long long)pk);
    weft_co_foreach(dump_one, out);
    fflush(out);
}

int weft_stats_sized(weft_stats_t *out, size_t size)
{
    if (!out || size < sizeof out->coroutines)
        return WEFT_EINVAL;
    uint64_t sw, st, pk;
    weft_sched_counters(&sw, &st, &pk);
    weft_stats_t s = { 0 };
    s.coroutines = (uint64_t)weft_co_live();
    s.switches = sw;
    s.steals = st;
    s.parks = pk;
    s.workers = weft_sched_workers();
    s.handoffs = weft_sched_handoffs();
    s.channels = weft_chan_live();
    s.java_sync = atomic_load_explicit(&java_sync, memory_order_relaxed);
    s.sockets = atomic_load_explicit(&sockets, memory_order_relaxed);
    /* the caller's weft_stats_t may be an older, shorter one */
    memcpy(out, &s, size < sizeof s ? size : sizeof s);
    return WEFT_OK;
}
