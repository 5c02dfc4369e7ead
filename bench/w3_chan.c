/*
 * w3_chan.c - W3: channels, in the shape of the Go peer's w3u / w3b
 * (bench/peers/go/main.go), so the two can be compared run for run.
 *
 *   w3_chan u [N] [WORKERS]   unbuffered ping-pong: the main coroutine
 *       sends i on `ping` and receives it back on `pong` from one partner
 *       coroutine (which ranges over ping, echoing to pong, and closes pong
 *       at the end); 10000 warm-up round trips, then N timed.
 *       Prints RESULT w3u_weft_ns_per_roundtrip=...
 *   w3_chan b [N] [WORKERS]   buffered (cap 1024) producer/consumer: the
 *       main coroutine sends 0..N-1, closes; a partner sums until closed
 *       and sends the sum on `done`.  Timed from the first send to the sum.
 *       Prints RESULT w3b_weft_msgs_per_s=... w3b_weft_ns_per_msg=...
 *
 * Elements are int64 (Go's int).  WORKERS: weft workers (0: default), the
 * counterpart of GOMAXPROCS.
 */
#include "weft.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static weft_chan_t *ping, *pong, *ch, *done;

static void *echo(void *arg)
{
    int64_t v;
    while (weft_chan_recv(ping, &v) == WEFT_OK)
        if (weft_chan_send(pong, &v) != WEFT_OK)
            abort();
    weft_chan_close(pong);
    return NULL;
}

static void *w3u(void *arg)
{
    long n = (long)(intptr_t)arg;
    if (weft_go(echo, NULL) != WEFT_OK)
        abort();
    for (int64_t i = 0; i < 10000; i++) {
        int64_t v;
        if (weft_chan_send(ping, &i) != WEFT_OK || weft_chan_recv(pong, &v) != WEFT_OK || v != i)
            abort();
    }
    int64_t t0 = weft_now();
    for (int64_t i = 0; i < n; i++) {
        int64_t v;
        if (weft_chan_send(ping, &i) != WEFT_OK || weft_chan_recv(pong, &v) != WEFT_OK || v != i)
            abort();
    }
    int64_t el = weft_now() - t0;
    weft_chan_close(ping);
    weft_chan_recv(pong, NULL); /* the partner's close */
    return (void *)(intptr_t)el;
}

static void *consume(void *arg)
{
    int64_t v, s = 0;
    while (weft_chan_recv(ch, &v) == WEFT_OK)
        s += v;
    weft_chan_send(done, &s);
    return NULL;
}

static void *w3b(void *arg)
{
    long n = (long)(intptr_t)arg;
    if (weft_go(consume, NULL) != WEFT_OK)
        abort();
    int64_t t0 = weft_now();
    for (int64_t i = 0; i < n; i++)
        if (weft_chan_send(ch, &i) != WEFT_OK)
            abort();
    weft_chan_close(ch);
    int64_t s;
    if (weft_chan_recv(done, &s) != WEFT_OK)
        abort();
    int64_t el = weft_now() - t0;
    if (s != (int64_t)n * (n - 1) / 2)
        abort();
    return (void *)(intptr_t)el;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "u";
    int buffered = strcmp(mode, "b") == 0;
    long n = argc > 2 ? atol(argv[2]) : (buffered ? 10000000 : 1000000);
    weft_config_t cfg = { argc > 3 ? atoi(argv[3]) : 0, 0, 0, 0 };
    if (n <= 0 || weft_init(&cfg) != WEFT_OK)
        return 1;
    void *el;
    if (buffered) {
        if (weft_chan_make(sizeof(int64_t), 1024, &ch) != WEFT_OK ||
            weft_chan_make(sizeof(int64_t), 0, &done) != WEFT_OK ||
            weft_run(w3b, (void *)(intptr_t)n, &el) != WEFT_OK)
            return 1;
        double ns = (double)(intptr_t)el;
        printf("RESULT w3b_weft_msgs_per_s=%.0f w3b_weft_ns_per_msg=%.2f workers=%d\n", n / (ns / 1e9), ns / n,
               cfg.workers);
        weft_chan_release(ch);
        weft_chan_release(done);
    } else {
        if (weft_chan_make(sizeof(int64_t), 0, &ping) != WEFT_OK ||
            weft_chan_make(sizeof(int64_t), 0, &pong) != WEFT_OK ||
            weft_run(w3u, (void *)(intptr_t)n, &el) != WEFT_OK)
            return 1;
        printf("RESULT w3u_weft_ns_per_roundtrip=%.2f workers=%d\n", (double)(intptr_t)el / n, cfg.workers);
        weft_chan_release(ping);
        weft_chan_release(pong);
    }
    weft_shutdown();
    return 0;
}
