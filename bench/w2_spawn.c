/*
 * w2_spawn.c - W2: spawn n coroutines that each just signal a WaitGroup,
 * then wait for all, the shape of the Go peer's w2 (bench/peers/go).
 *
 *   w2_spawn N WORKERS   prints RESULT w2_weft_ns_per_spawn=... w2_weft_peak_rss_kb=...
 */
#include "weft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long proc_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            v = atol(line + n + 1);
    if (f)
        fclose(f);
    return v;
}

static weft_wg_t wg;

static void *done(void *arg)
{
    weft_wg_done(&wg);
    return NULL;
}

static void *bench(void *arg)
{
    long n = (long)(intptr_t)arg;
    weft_wg_add(&wg, n);
    int64_t t0 = weft_now();
    for (long i = 0; i < n; i++)
        if (weft_go(done, NULL) != WEFT_OK)
            abort();
    weft_wg_wait(&wg);
    return (void *)(intptr_t)(weft_now() - t0);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    weft_config_t cfg = { argc > 2 ? atoi(argv[2]) : 0, 0, 0, 0 };
    long base = proc_kb("VmRSS");
    if (weft_init(&cfg) != WEFT_OK || weft_wg_init(&wg) != WEFT_OK)
        return 1;
    void *el;
    if (weft_run(bench, (void *)(intptr_t)n, &el) != WEFT_OK)
        return 1;
    printf("RESULT w2_weft_ns_per_spawn=%.2f w2_weft_peak_rss_kb=%ld w2_weft_base_rss_kb=%ld workers=%d\n",
           (double)(intptr_t)el / n, proc_kb("VmHWM"), base, cfg.workers);
    weft_shutdown();
    return 0;
}
