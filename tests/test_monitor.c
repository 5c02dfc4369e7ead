/* test_monitor.c - a coroutine that blocks its worker does not stall the
 * others (the monitor, weft_blocking), and an idle runtime stays idle. */
#include "harness.h"
#include "weft.h"

#include <stdatomic.h>
#include <stdint.h>
#ifndef _WIN32
#include <sys/resource.h>
#endif
#include <time.h>
#if defined(_WIN32)
#include <windows.h>
#endif

static void os_sleep_ms(int ms)
{
#if defined(_WIN32)
    Sleep((DWORD)ms);
#else
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0) {}
#endif
}

static _Atomic int64_t quick_done_at, slow_done_at;

static void *quick(void *arg)
{
    atomic_store(&quick_done_at, weft_now());
    return NULL;
}

static void *block_thread(void *arg)
{
    os_sleep_ms((int)(intptr_t)arg);
    return NULL;
}

static void *slow_announced(void *arg)
{
    /* queue a coroutine behind us on this (only) worker, then block */
    weft_go(quick, NULL);
    CHECK_EQ_INT(weft_blocking(block_thread, (void *)400, NULL), WEFT_OK);
    atomic_store(&slow_done_at, weft_now());
    return NULL;
}

static void *slow_unannounced(void *arg)
{
    weft_go(quick, NULL);
    os_sleep_ms(400); /* a blocking call Weft does not know about */
    atomic_store(&slow_done_at, weft_now());
    return NULL;
}

static void run_one_worker(void *(*slow)(void *))
{
    weft_config_t cfg = { 1, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    atomic_store(&quick_done_at, 0);
    int64_t t0 = weft_now();
    CHECK_EQ_INT(weft_run(slow, NULL, NULL), WEFT_OK);
    int64_t q = atomic_load(&quick_done_at), s = atomic_load(&slow_done_at);
    CHECK(q != 0);
    if (!(q < s))
        WEFT_FAIL("the queued coroutine ran only after the blocked one (%lld ms vs %lld ms)",
                  (long long)((q - t0) / 1000000), (long long)((s - t0) / 1000000));
    printf("queued coroutine ran after %lld ms, blocked one finished after %lld ms\n",
           (long long)((q - t0) / 1000000), (long long)((s - t0) / 1000000));
    weft_stats_t st;
    CHECK_EQ_INT(weft_stats(&st), WEFT_OK);
    CHECK(st.handoffs >= 1);
    weft_shutdown();
}

WEFT_TEST(weft_blocking_hands_the_queue_over)
{
    run_one_worker(slow_announced);
}

WEFT_TEST(monitor_hands_over_a_worker_stuck_in_a_syscall)
{
    run_one_worker(slow_unannounced);
}

static _Atomic int flag;
static void *set_flag(void *arg)
{
    atomic_store(&flag, 1);
    return NULL;
}

static void *spin_until_flag(void *arg)
{
    weft_go(set_flag, NULL); /* queued behind us on the only worker */
    int64_t give_up = weft_now() + 20 * 1000000000LL;
    while (!atomic_load(&flag) && weft_now() < give_up) {
    } /* no yield: only the monitor can get set_flag running */
    return (void *)(intptr_t)atomic_load(&flag);
}

WEFT_TEST(a_spinning_coroutine_does_not_starve_its_queue)
{
    weft_config_t cfg = { 1, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    void *r;
    CHECK_EQ_INT(weft_run(spin_until_flag, NULL, &r), WEFT_OK);
    CHECK_EQ_INT((intptr_t)r, 1);
    weft_shutdown();
}

#ifndef _WIN32
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void *nothing(void *arg) { return NULL; }

WEFT_TEST(an_idle_runtime_uses_almost_no_cpu)
{
    weft_config_t cfg = { 2, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    CHECK_EQ_INT(weft_run(nothing, NULL, NULL), WEFT_OK);
    os_sleep_ms(300); /* let the monitor back off */
    double c0 = cpu_seconds();
    os_sleep_ms(1000);
    double used = cpu_seconds() - c0;
    printf("idle runtime: %.2f%% of one CPU\n", used * 100);
    CHECK(used < 0.02); /* < 2% of a core */
    weft_shutdown();
}
#endif

WEFT_TEST_MAIN()
