/*
 * run.c - weft_run (weft.h): a program's main as a coroutine, and Go's
 * deadlock report when every coroutine is asleep.
 *
 * Above the kernel: it spawns and joins like any caller and asks the
 * scheduler whether anything can still run (weft_sched_quiescent).
 */
#include "runtime.h"

#include <stdio.h>

/* Go's "all goroutines are asleep": nothing runnable, no timer armed, and
 * nothing ran between two looks 50 ms apart (weft_run then checks that
 * main is still blocked: an ended main leaves the runtime quiescent too).
 * Like Go, a thread outside the runtime that might still send later is
 * not accounted for. */
static int deadlocked(void)
{
    uint64_t a1, a2;
    if (!weft_sched_quiescent(&a1))
        return 0;
    weft_sleep(50 * 1000000);
    return weft_sched_quiescent(&a2) && a1 == a2;
}

int weft_run(void *(*main_fn)(void *), void *arg, void **result)
{
    if (!main_fn)
        return WEFT_EINVAL;
    if (weft_co_current())
        return WEFT_EPERM; /* already inside the runtime: call main_fn directly */
    weft_co_t *co;
    weft_attr_t attr = { "main", 0 };
    int rc = weft_spawn(&attr, main_fn, arg, &co);
    if (rc != WEFT_OK)
        return rc;
    for (;;) {
        rc = weft_join_until(co, result, weft_now() + 100 * 1000000);
        if (rc != WEFT_ETIMEDOUT)
            break;
        if (deadlocked()) {
            /* quiescent may mean main has just ended (its timer fired as
             * the join above gave up, and nothing ran after it): ask once
             * more before calling it a deadlock (seen under qemu, where a
             * 300 ms sleeping main ended inside the 50 ms look) */
            rc = weft_join_until(co, result, weft_now());
            if (rc != WEFT_ETIMEDOUT)
                break;
            fprintf(stderr, "weft: all coroutines are asleep - deadlock!\n\n");
            weft_dump(stderr);
            rc = WEFT_EDEADLK;
            break;
        }
    }
    weft_co_release(co);
    return rc;
}
