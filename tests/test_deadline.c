/* test_deadline.c - times at the extremes: every call that takes a deadline
 * or a duration treats the farthest values as "no deadline yet" and never
 * wraps, and one already past times out only if the call would block.
 *
 * Each blocking call is run in a coroutine with a deadline near INT64_MAX;
 * the test checks that it is still waiting after a while (a wrapped
 * deadline would lie in the past and return at once), then makes the call
 * able to proceed and checks it succeeded.  Built with UBSan (ci/sanitize.sh
 * asan), a signed overflow anywhere on these paths fails the test too. */
#include "harness.h"
#include "weft.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#define WAIT_NS (30 * 1000000LL)

/* One blocking call under test: prepare the object, block on it with a
 * deadline, let it proceed, tidy up. */
struct op {
    const char *name;
    void (*setup)(void);
    int (*wait)(int64_t deadline);
    void (*release)(void);
    void (*teardown)(void);
};

static weft_mutex_t mu;
static weft_rwlock_t rw;
static weft_sem_t sem;
static weft_cond_t cond;
static weft_wg_t wg;
static weft_chan_t *ch;
static weft_co_t *target;
static _Atomic int cond_ready;

static void mu_setup(void) { weft_mutex_init(&mu); weft_mutex_lock(&mu); }
static int mu_wait(int64_t d) { int r = weft_mutex_lock_until(&mu, d); if (r == WEFT_OK) weft_mutex_unlock(&mu); return r; }
static void mu_release(void) { weft_mutex_unlock(&mu); }
static void mu_teardown(void) { weft_mutex_destroy(&mu); }

static void rw_setup(void) { weft_rwlock_init(&rw); weft_rwlock_wrlock(&rw); }
static int rd_wait(int64_t d) { int r = weft_rwlock_rdlock_until(&rw, d); if (r == WEFT_OK) weft_rwlock_rdunlock(&rw); return r; }
static int wr_wait(int64_t d) { int r = weft_rwlock_wrlock_until(&rw, d); if (r == WEFT_OK) weft_rwlock_wrunlock(&rw); return r; }
static void rw_release(void) { weft_rwlock_wrunlock(&rw); }
static void rw_teardown(void) { weft_rwlock_destroy(&rw); }

static void sem_setup(void) { weft_sem_init(&sem, 0); }
static int sem_wait_(int64_t d) { return weft_sem_acquire_until(&sem, d); }
static void sem_release(void) { weft_sem_release(&sem); }
static void sem_teardown(void) { weft_sem_destroy(&sem); }

static void cond_setup(void) { weft_mutex_init(&mu); weft_cond_init(&cond); atomic_store(&cond_ready, 0); }
static int cond_wait_(int64_t d)
{
    weft_mutex_lock(&mu);
    int r = WEFT_OK;
    while (!atomic_load(&cond_ready) && r == WEFT_OK)
        r = weft_cond_wait_until(&cond, &mu, d);
    weft_mutex_unlock(&mu);
    return r;
}
static void cond_release(void)
{
    weft_mutex_lock(&mu);
    atomic_store(&cond_ready, 1);
    weft_cond_signal(&cond);
    weft_mutex_unlock(&mu);
}
static void cond_teardown(void) { weft_cond_destroy(&cond); weft_mutex_destroy(&mu); }

static void wg_setup(void) { weft_wg_init(&wg); weft_wg_add(&wg, 1); }
static int wg_wait_(int64_t d) { return weft_wg_wait_until(&wg, d); }
static void wg_release(void) { weft_wg_done(&wg); }
static void wg_teardown(void) { weft_wg_destroy(&wg); }

static void chan_setup(void) { weft_chan_make(sizeof(int), 0, &ch); }
static int recv_wait(int64_t d) { int v; return weft_chan_recv_until(ch, &v, d); }
static void recv_release(void) { int v = 7; weft_chan_send(ch, &v); }
static int send_wait(int64_t d) { int v = 7; return weft_chan_send_until(ch, &v, d); }
static void send_release(void) { int v; weft_chan_recv(ch, &v); }
static int select_wait(int64_t d)
{
    int v;
    weft_case_t c = { ch, WEFT_RECV, &v, 0 };
    int r = weft_select(&c, 1, d);
    return r == 0 ? WEFT_OK : r;
}
static void chan_teardown(void) { weft_chan_release(ch); }

static weft_sem_t target_go;
static void *target_body(void *arg)
{
    return (void *)(intptr_t)weft_sem_acquire(&target_go); /* ends when released */
}
static void join_setup(void) { weft_sem_init(&target_go, 0); weft_spawn(NULL, target_body, NULL, &target); }
static int join_wait(int64_t d) { return weft_join_until(target, NULL, d); }
static void join_release(void) { weft_sem_release(&target_go); }
static void join_teardown(void)
{
    weft_join(target, NULL);
    weft_co_release(target);
    weft_sem_destroy(&target_go);
}

static const struct op ops[] = {
    { "mutex", mu_setup, mu_wait, mu_release, mu_teardown },
    { "rwlock read", rw_setup, rd_wait, rw_release, rw_teardown },
    { "rwlock write", rw_setup, wr_wait, rw_release, rw_teardown },
    { "semaphore", sem_setup, sem_wait_, sem_release, sem_teardown },
    { "cond", cond_setup, cond_wait_, cond_release, cond_teardown },
    { "waitgroup", wg_setup, wg_wait_, wg_release, wg_teardown },
    { "chan recv", chan_setup, recv_wait, recv_release, chan_teardown },
    { "chan send", chan_setup, send_wait, send_release, chan_teardown },
    { "select", chan_setup, select_wait, recv_release, chan_teardown },
    { "join", join_setup, join_wait, join_release, join_teardown },
};

struct run {
    const struct op *op;
    int64_t deadline;
};

static void *waiter(void *arg)
{
    struct run *r = arg;
    return (void *)(intptr_t)r->op->wait(r->deadline);
}

/* Blocks op with deadline d in a coroutine; it must still wait after
 * WAIT_NS, and succeed once released. */
static void blocks_until_released(const struct op *op, int64_t d)
{
    op->setup();
    struct run r = { op, d };
    weft_co_t *co;
    CHECK_EQ_INT(weft_spawn(NULL, waiter, &r, &co), WEFT_OK);
    void *res;
    int j = weft_join_until(co, &res, weft_now() + WAIT_NS);
    if (j != WEFT_ETIMEDOUT)
        WEFT_FAIL("%s with deadline %lld returned %d at once (joined: %d)", op->name, (long long)d,
                  (int)(intptr_t)res, j);
    op->release();
    CHECK_EQ_INT(weft_join(co, &res), WEFT_OK);
    if ((intptr_t)res != WEFT_OK)
        WEFT_FAIL("%s with deadline %lld: %d after its release", op->name, (long long)d, (int)(intptr_t)res);
    weft_co_release(co);
    op->teardown();
}

WEFT_TEST(deadlines_at_the_end_of_time_never_wrap)
{
    const int64_t far[] = { INT64_MAX, INT64_MAX - 1, INT64_MAX / 2 + 1, -1, INT64_MIN };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        for (size_t k = 0; k < sizeof far / sizeof far[0]; k++)
            blocks_until_released(&ops[i], far[k]);
    weft_shutdown();
}

/* A deadline already past times out a call that would block ... */
WEFT_TEST(past_deadlines_time_out_only_calls_that_would_block)
{
    const int64_t past[] = { 0, 1, weft_now() - 1 };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (ops[i].wait == select_wait)
            continue; /* deadline 0 is select's default: below */
        for (size_t k = 0; k < sizeof past / sizeof past[0]; k++) {
            ops[i].setup();
            int r = ops[i].wait(past[k]);
            if (r != WEFT_ETIMEDOUT)
                WEFT_FAIL("%s with past deadline %lld: %d, not WEFT_ETIMEDOUT", ops[i].name, (long long)past[k], r);
            /* a channel's release is the other side's call, which would
             * now block with nobody waiting: skip it */
            if (ops[i].release != recv_release && ops[i].release != send_release)
                ops[i].release();
            ops[i].teardown();
        }
    }
    weft_shutdown();
}

static void *sender(void *arg)
{
    int v = 42;
    return (void *)(intptr_t)weft_chan_send(arg, &v);
}

/* ... and not one that can proceed at once. */
WEFT_TEST(past_deadlines_let_ready_calls_proceed)
{
    weft_mutex_t m = WEFT_MUTEX_INIT;
    CHECK_EQ_INT(weft_mutex_lock_until(&m, 1), WEFT_OK);
    weft_mutex_unlock(&m);
    weft_sem_t s;
    weft_sem_init(&s, 1);
    CHECK_EQ_INT(weft_sem_acquire_until(&s, 0), WEFT_OK);
    weft_sem_destroy(&s);
    weft_chan_t *c;
    weft_chan_make(sizeof(int), 1, &c);
    int v = 5, got = 0;
    CHECK_EQ_INT(weft_chan_send_until(c, &v, 1), WEFT_OK);
    CHECK_EQ_INT(weft_chan_recv_until(c, &got, 1), WEFT_OK);
    CHECK_EQ_INT(got, 5);
    weft_chan_release(c);
    /* an unbuffered receive meets a sender already waiting */
    weft_chan_make(sizeof(int), 0, &c);
    weft_co_t *co;
    CHECK_EQ_INT(weft_spawn(NULL, sender, c, &co), WEFT_OK);
    int r;
    for (int tries = 0; (r = weft_chan_recv_until(c, &got, 1)) == WEFT_ETIMEDOUT && tries < 1000; tries++)
        weft_sleep(1000000); /* until the sender has queued */
    CHECK_EQ_INT(r, WEFT_OK);
    CHECK_EQ_INT(got, 42);
    void *res;
    CHECK_EQ_INT(weft_join(co, &res), WEFT_OK);
    CHECK_EQ_INT((intptr_t)res, WEFT_OK);
    weft_co_release(co);
    weft_chan_release(c);
    weft_shutdown();
}

static void *sleep_for(void *arg)
{
    return (void *)(intptr_t)weft_sleep(*(int64_t *)arg);
}

/* weft_sleep takes a duration: the farthest ones sleep until cancelled. */
WEFT_TEST(sleeping_for_the_longest_durations_lasts_until_cancelled)
{
    int64_t durations[] = { INT64_MAX, INT64_MAX - 1, INT64_MAX - weft_now() + 1 };
    for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
        weft_co_t *co;
        CHECK_EQ_INT(weft_spawn(NULL, sleep_for, &durations[i], &co), WEFT_OK);
        void *res;
        int j = weft_join_until(co, &res, weft_now() + WAIT_NS);
        if (j != WEFT_ETIMEDOUT)
            WEFT_FAIL("weft_sleep(%lld) returned %d at once", (long long)durations[i], (int)(intptr_t)res);
        CHECK_EQ_INT(weft_cancel(co), WEFT_OK);
        CHECK_EQ_INT(weft_join(co, &res), WEFT_OK);
        CHECK_EQ_INT((intptr_t)res, WEFT_ECANCELED);
        weft_co_release(co);
    }
    /* the shortest: <= 0 only yields */
    int64_t t0 = weft_now();
    CHECK_EQ_INT(weft_sleep(INT64_MIN), WEFT_OK);
    CHECK_EQ_INT(weft_sleep(-1), WEFT_OK);
    CHECK_EQ_INT(weft_sleep(0), WEFT_OK);
    CHECK(weft_now() - t0 < 1000000000LL);
    weft_shutdown();
}

static _Atomic int thread_woke;

static void *thread_sleeper(void *arg)
{
    weft_sleep(INT64_MAX);
    atomic_store(&thread_woke, 1);
    return NULL;
}

/* On a plain thread too (the OS sleep's conversion: seconds, or Windows'
 * milliseconds, which must not wrap either).  The thread cannot be
 * cancelled: the test checks it is still asleep and lets the process end. */
WEFT_TEST(a_plain_thread_sleeping_forever_stays_asleep)
{
    pthread_t t;
    CHECK_EQ_INT(pthread_create(&t, NULL, thread_sleeper, NULL), 0);
    pthread_detach(t);
    weft_sleep(WAIT_NS * 2);
    CHECK_EQ_INT(atomic_load(&thread_woke), 0);
}

WEFT_TEST_MAIN()
