/*
 * w7_chain.c - W7: Go's test/chan/goroutines.go.  n coroutines in a
 * chain, each blocked receiving from its right neighbour's channel until
 * one value is sent into the far end and passed all the way left.  All n
 * are alive and blocked at once, so none of their stacks can be reused
 * from a pool: the cost of a live coroutine's stack shows.
 *
 *   w7_chain N WORKERS   prints RESULT w7_weft_ms=... w7_weft_peak_rss_kb=...
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

static int64_t spawned_ns; /* the chain built, all of it blocked */

struct link {
    weft_chan_t *left, *right;
};

/* left <- <-right */
static void *pass_on(void *arg)
{
    struct link *l = arg;
    int v;
    if (weft_chan_recv(l->right, &v) != WEFT_OK || weft_chan_send(l->left, &v) != WEFT_OK)
        abort();
    weft_chan_release(l->right);
    free(l);
    return NULL;
}

static void *feed(void *c)
{
    int one = 1;
    if (weft_chan_send(c, &one) != WEFT_OK)
        abort();
    weft_chan_release(c);
    return NULL;
}

static void *chain(void *arg)
{
    long n = (long)(intptr_t)arg;
    int64_t t0 = weft_now();
    weft_chan_t *leftmost, *left, *right;
    if (weft_chan_make(sizeof(int), 0, &leftmost) != WEFT_OK)
        abort();
    left = leftmost;
    weft_chan_retain(left);
    for (long i = 0; i < n; i++) {
        if (weft_chan_make(sizeof(int), 0, &right) != WEFT_OK)
            abort();
        struct link *l = malloc(sizeof *l);
        if (!l)
            abort();
        l->left = left;  /* the link owns one reference to each */
        l->right = right;
        weft_chan_retain(right);
        if (weft_go(pass_on, l) != WEFT_OK)
            abort();
        weft_chan_release(left); /* the loop's own reference */
        left = right;
    }
    spawned_ns = weft_now() - t0;
    if (weft_go(feed, right) != WEFT_OK)
        abort();
    int v;
    if (weft_chan_recv(leftmost, &v) != WEFT_OK || v != 1)
        abort();
    weft_chan_release(leftmost);
    return (void *)(intptr_t)(weft_now() - t0);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    weft_config_t cfg = { argc > 2 ? atoi(argv[2]) : 0, 0, 0, 0 };
    if (weft_init(&cfg) != WEFT_OK)
        return 1;
    void *el;
    if (weft_run(chain, (void *)(intptr_t)n, &el) != WEFT_OK)
        return 1;
    printf("RESULT w7_weft_ms=%.1f w7_weft_peak_rss_kb=%ld w7_weft_build_ms=%.1f n=%ld workers=%d\n",
           (double)(intptr_t)el / 1e6, proc_kb("VmHWM"), (double)spawned_ns / 1e6, n, cfg.workers);
    weft_shutdown();
    return 0;
}
