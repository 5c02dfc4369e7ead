/*
 * sleep_precision.c - how late weft_sleep wakes: 1000 coroutines each
 * sleep 1 ms twenty times; prints the median and 99th percentile of the
 * oversleep (actual - requested), in microseconds.
 *
 *   sleep_precision [WORKERS]
 */
#include "weft.h"

#include <stdio.h>
#include <stdlib.h>

#define COS 1000
#define ROUNDS 20

static int64_t late[COS * ROUNDS];
static weft_wg_t wg;

static void *sleeper(void *arg)
{
    int64_t *mine = arg;
    for (int i = 0; i < ROUNDS; i++) {
        int64_t t0 = weft_now();
        weft_sleep(1000000);
        mine[i] = weft_now() - t0 - 1000000;
    }
    weft_wg_done(&wg);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void *bench(void *arg)
{
    weft_wg_add(&wg, COS);
    for (int i = 0; i < COS; i++)
        weft_go(sleeper, &late[i * ROUNDS]);
    weft_wg_wait(&wg);
    return NULL;
}

int main(int argc, char **argv)
{
    weft_config_t cfg = { argc > 1 ? atoi(argv[1]) : 0, 0, 0, 0 };
    if (weft_init(&cfg) != WEFT_OK || weft_run(bench, NULL, NULL) != WEFT_OK)
        return 1;
    qsort(late, COS * ROUNDS, sizeof late[0], cmp);
    printf("RESULT sleep_1ms_median_late_us=%.1f sleep_1ms_p99_late_us=%.1f\n",
           late[COS * ROUNDS / 2] / 1e3, late[COS * ROUNDS * 99 / 100] / 1e3);
    weft_shutdown();
    return 0;
}
