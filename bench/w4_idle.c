/*
 * w4_idle.c - W4: memory per idle coroutine.  n coroutines park (on a
 * channel receive, or in weft_sleep for an hour); the RSS growth divided
 * by n is the cost of one, as the Go peer's w4/w4sleep measure it.
 *
 *   w4_idle N chan|sleep [WORKERS]
 */
#include "weft.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static _Atomic long parked;
static weft_chan_t *release_ch;

static void *idle_chan(void *arg)
{
    atomic_fetch_add(&parked, 1);
    weft_chan_recv(release_ch, NULL);
    return NULL;
}

static void *idle_sleep(void *arg)
{
    atomic_fetch_add(&parked, 1);
    weft_sleep(3600LL * 1000000000LL);
    return NULL;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int sleep = argc > 2 && strcmp(argv[2], "sleep") == 0;
    weft_config_t cfg = { argc > 3 ? atoi(argv[3]) : 0, 0, 0, 0 };
    if (weft_init(&cfg) != WEFT_OK || weft_chan_make(0, 0, &release_ch) != WEFT_OK)
        return 1;
    long base = proc_kb("VmRSS");
    int64_t t0 = weft_now();
    for (long i = 0; i < n; i++)
        if (weft_go(sleep ? idle_sleep : idle_chan, NULL) != WEFT_OK) {
            fprintf(stderr, "spawn %ld failed\n", i);
            return 1;
        }
    while (atomic_load(&parked) < n)
        weft_sleep(1000000);
    weft_sleep(200 * 1000000);
    long rss = proc_kb("VmRSS"), hwm = proc_kb("VmHWM");
    const char *kind = sleep ? "sleep" : "chan";
    printf("RESULT w4_weft_%s_bytes_per_co=%.0f w4_weft_%s_peak_bytes_per_co=%.0f w4_base_rss_kb=%ld w4_rss_kb=%ld "
           "w4_spawn_ms=%lld\n",
           kind, (double)(rss - base) * 1024 / n, kind, (double)(hwm - base) * 1024 / n, base, rss,
           (long long)((weft_now() - t0) / 1000000));
    fflush(stdout);
    _exit(0); /* like the peer: tearing down 1M parked coroutines is not measured */
}
