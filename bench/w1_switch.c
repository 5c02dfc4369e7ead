/*
 * w1_switch.c - W1: the cost of a switch, measured the way the Boost peer
 * (bench/peers/boost/fctx.cpp) measures fcontext: N round trips
 * between main and a coroutine that bounces straight back, time / 2N.
 *
 *   w1_switch [N]   prints RESULT lines:
 *     w1_weft_gen_ns_per_switch   weft_gen_resume + weft_gen_yield (public API)
 *     w1_weft_ctx_ns_per_switch   the bare weft_ctx_switch underneath
 */
#include "weft.h"
#include "arch/ctx.h"
#include "stack.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *bounce(weft_gen_t *g, void *arg)
{
    void *v = NULL;
    for (;;)
        v = weft_gen_yield(g, v);
    return NULL;
}

static void *main_sp, *co_sp;
static void ctx_bounce(void *ctx_arg, void *arg)
{
    for (;;)
        arg = weft_ctx_switch(&co_sp, main_sp, arg);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000000;
    const char *only = argc > 2 ? argv[2] : "both";

    if (only[0] != 'c') {
        weft_gen_t *g;
        if (weft_gen_new(bounce, NULL, NULL, &g) != WEFT_OK)
            return 1;
        void *out;
        for (long i = 0; i < n / 10; i++)
            weft_gen_resume(g, (void *)i, &out);
        double t0 = now_ns();
        for (long i = 0; i < n; i++)
            weft_gen_resume(g, (void *)i, &out);
        double el = now_ns() - t0;
        if ((long)(intptr_t)out != n - 1)
            return 2;
        printf("RESULT w1_weft_gen_ns_per_switch=%.3f w1_weft_gen_ns_per_roundtrip=%.3f\n", el / (2.0 * n), el / n);
        weft_gen_free(g);
    }
    if (only[0] != 'g') {
        weft_stack_t stk;
        if (weft_stack_get(&stk, 64 << 10) != WEFT_OK)
            return 1;
        co_sp = weft_ctx_make(&stk, ctx_bounce, NULL);
        void *v = NULL;
        for (long i = 0; i < n / 10; i++)
            v = weft_ctx_switch(&main_sp, co_sp, (void *)i);
        double t0 = now_ns();
        for (long i = 0; i < n; i++)
            v = weft_ctx_switch(&main_sp, co_sp, (void *)i);
        double el = now_ns() - t0;
        if ((long)(intptr_t)v != n - 1)
            return 2;
        printf("RESULT w1_weft_ctx_ns_per_switch=%.3f\n", el / (2.0 * n));
    }
    return 0;
}
