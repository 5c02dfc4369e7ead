/* test_sync.c - mutex, rwlock, semaphore, cond, WaitGroup and once, used
 * from coroutines and plain threads together: exclusion, FIFO hand-off,
 * timeouts, cancellation, and the races between them.
 *
 * Some cases look inside the objects (sync.h) to wait until a party is
 * really queued, so that orderings are tested deterministically rather
 * than by sleeping and hoping. */
#include "harness.h"
#include "weft.h"
#include "sync.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#define MS (1000000LL)

/* ---- helpers ------------------------------------------------------------ */

static int queue_len(weft_spin_t *lock, weft_waitq_t *q)
{
    weft_spin_lock(lock);
    int n = 0;
    for (weft_waiter_t *w = q->head; w; w = w->next)
        n++;
    weft_spin_unlock(lock);
    return n;
}

static int mutex_waiters(weft_mutex_t *m)
{
    struct weft_mutex *i = (struct weft_mutex *)(void *)m;
    return queue_len(&i->lock, &i->q);
}

static int rwlock_waiters(weft_rwlock_t *rw)
{
    struct weft_rwlock *i = (struct weft_rwlock *)(void *)rw;
    return queue_len(&i->lock, &i->q);
}

static int sem_waiters(weft_sem_t *s)
{
    struct weft_sem *i = (struct weft_sem *)(void *)s;
    return queue_len(&i->lock, &i->q);
}

static int cond_waiters(weft_cond_t *c)
{
    struct weft_cond *i = (struct weft_cond *)(void *)c;
    return queue_len(&i->lock, &i->q);
}

static int wg_waiters(weft_wg_t *wg)
{
    struct weft_wg *i = (struct weft_wg *)(void *)wg;
    return queue_len(&i->lock, &i->q);
}

/* Polls f(obj) until it returns n (5 s at most). */
#define WAIT_FOR(expr, n)                                                      \
    do {                                                                       \
        int64_t wf_deadline_ = weft_now() + 5000 * MS;                         \
        while ((expr) != (n)) {                                                \
            if (weft_now() > wf_deadline_)                                     \
                WEFT_FAIL("timed out waiting for %s == %s (is %lld)", #expr,  \
                          #n, (long long)(expr));                              \
            weft_sleep(MS / 4);                                                \
        }                                                                      \
    } while (0)

/* A party: a coroutine or a plain thread running fn(arg). */
struct party {
    int is_thread;
    weft_co_t *co;
    pthread_t th;
    void *(*fn)(void *);
    void *arg;
    void *result;
};

static void *thread_main(void *p)
{
    struct party *pt = p;
    pt->result = pt->fn(pt->arg);
    return NULL;
}

static void party_start(struct party *p, int is_thread, void *(*fn)(void *), void *arg)
{
    p->is_thread = is_thread;
    p->fn = fn;
    p->arg = arg;
    p->result = NULL;
    if (is_thread)
        CHECK_EQ_INT(pthread_create(&p->th, NULL, thread_main, p), 0);
    else
        CHECK_EQ_INT(weft_spawn(NULL, fn, arg, &p->co), WEFT_OK);
}

static void *party_join(struct party *p)
{
    if (p->is_thread) {
        CHECK_EQ_INT(pthread_join(p->th, NULL), 0);
        return p->result;
    }
    void *r;
    CHECK_EQ_INT(weft_join(p->co, &r), WEFT_OK);
    weft_co_release(p->co);
    return r;
}

/* ---- mutex -------------------------------------------------------------- */

static weft_mutex_t mu = WEFT_MUTEX_INIT;
static long plain_counter; /* not atomic: the mutex protects it */
static _Atomic int inside;

#define EXCL_PARTIES 10
#define EXCL_TOTAL 100000

static void *excl_body(void *arg)
{
    intptr_t id = (intptr_t)arg;
    for (int i = 0; i < EXCL_TOTAL / EXCL_PARTIES; i++) {
        CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
        CHECK_EQ_INT(atomic_fetch_add(&inside, 1), 0);
        long v = plain_counter;
        if ((i + id) % 64 == 0)
            weft_yield(); /* hold it across a switch now and then */
        plain_counter = v + 1;
        atomic_fetch_sub(&inside, 1);
        CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    }
    return NULL;
}

WEFT_TEST(mutex_excludes_coroutines_and_threads)
{
    weft_config_t cfg = { 2, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    struct party ps[EXCL_PARTIES];
    for (int i = 0; i < EXCL_PARTIES; i++)
        party_start(&ps[i], i % 4 == 3, excl_body, (void *)(intptr_t)i); /* 2 threads, 8 coroutines */
    for (int i = 0; i < EXCL_PARTIES; i++)
        party_join(&ps[i]);
    CHECK_EQ_INT(plain_counter, EXCL_TOTAL);
    CHECK_EQ_INT(weft_mutex_destroy(&mu), WEFT_OK);
    weft_shutdown();
}

static int order[16];
static _Atomic int norder;

static _Atomic int release_first;

static void *fifo_body(void *arg)
{
    CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
    order[atomic_fetch_add(&norder, 1)] = (int)(intptr_t)arg;
    if (arg == 0)
        while (!atomic_load(&release_first))
            weft_sleep(MS / 4); /* hold it while the test looks */
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    return NULL;
}

WEFT_TEST(mutex_hands_off_in_fifo_order_once_a_waiter_starves)
{
    /* the main thread holds it; 8 parties (coroutines and threads) queue
     * one after another; starvation mode from the first wait on (the
     * threshold pinned below zero), so each unlock hands it to the next
     * in line */
    weft_mutex_starve_ns = -1;
    atomic_store(&norder, 0);
    CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
    struct party ps[8];
    for (int i = 0; i < 8; i++) {
        party_start(&ps[i], i % 3 == 1, fifo_body, (void *)(intptr_t)i);
        WAIT_FOR(mutex_waiters(&mu), i + 1);
    }
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    /* handed over, not freed: a newcomer cannot barge in */
    WAIT_FOR(atomic_load(&norder), 1);
    CHECK_EQ_INT(weft_mutex_trylock(&mu), WEFT_EAGAIN);
    CHECK_EQ_INT(mutex_waiters(&mu), 7);
    atomic_store(&release_first, 1);
    for (int i = 0; i < 8; i++)
        party_join(&ps[i]);
    CHECK_EQ_INT(atomic_load(&norder), 8);
    for (int i = 0; i < 8; i++)
        CHECK_EQ_INT(order[i], i);
    CHECK_EQ_INT(weft_mutex_trylock(&mu), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    weft_mutex_starve_ns = 1000000;
    weft_shutdown();
}

/* Starvation: hammering coroutines against one slow plain thread.  With
 * hand-off, each time the thread queues it waits for at most the parties
 * queued ahead of it (fewer than the number of parties) plus the few
 * acquisitions a spinning newcomer can make before anyone queues. */
static _Atomic int hammer_stop;
static _Atomic long acquisitions;

static _Atomic int hammers_started;

static void *hammer_body(void *arg)
{
    long n = 0;
    atomic_fetch_add(&hammers_started, 1);
    while (!atomic_load(&hammer_stop)) {
        CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
        atomic_fetch_add(&acquisitions, 1);
        n++;
        CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
        if (n % 256 == 0)
            weft_yield();
    }
    return (void *)n;
}

WEFT_TEST(mutex_waiters_do_not_starve)
{
    weft_config_t cfg = { 2, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    struct party ps[4];
    for (int i = 0; i < 4; i++)
        party_start(&ps[i], 0, hammer_body, NULL);
    WAIT_FOR(atomic_load(&hammers_started), 4);
    long got = 0;
    int64_t t0 = weft_now();
    while (got < 200 && weft_now() - t0 < 3000 * MS) {
        CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
        got++;
        CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    }
    atomic_store(&hammer_stop, 1);
    for (int i = 0; i < 4; i++)
        CHECK((long)(intptr_t)party_join(&ps[i]) > 0);
    CHECK_EQ_INT(got, 200);
    weft_shutdown();
}

WEFT_TEST(mutex_trylock_errors_and_static_init)
{
    weft_mutex_t m = WEFT_MUTEX_INIT;
    CHECK_EQ_INT(weft_mutex_unlock(&m), WEFT_ESTATE);
    CHECK_EQ_INT(weft_mutex_trylock(&m), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_trylock(&m), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_mutex_destroy(&m), WEFT_ESTATE);
    CHECK_EQ_INT(weft_mutex_unlock(&m), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_unlock(&m), WEFT_ESTATE);
    CHECK_EQ_INT(weft_mutex_lock_until(&m, 0), WEFT_OK); /* past deadline, but free */
    CHECK_EQ_INT(weft_mutex_lock_until(&m, 0), WEFT_ETIMEDOUT);
    CHECK_EQ_INT(weft_mutex_unlock(&m), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_destroy(&m), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_init(&m), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_lock(&m), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_unlock(&m), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_init(NULL), WEFT_EINVAL);
    CHECK_EQ_INT(weft_mutex_lock(NULL), WEFT_EINVAL);
    CHECK_EQ_INT(weft_mutex_lock_until(NULL, -1), WEFT_EINVAL);
    CHECK_EQ_INT(weft_mutex_trylock(NULL), WEFT_EINVAL);
    CHECK_EQ_INT(weft_mutex_unlock(NULL), WEFT_EINVAL);
    CHECK_EQ_INT(weft_mutex_destroy(NULL), WEFT_EINVAL);
    weft_shutdown();
}

static void *lock_for_20ms(void *arg)
{
    int64_t t0 = weft_now();
    int r = weft_mutex_lock_until(&mu, t0 + 20 * MS);
    CHECK(weft_now() - t0 >= 20 * MS);
    return (void *)(intptr_t)r;
}

WEFT_TEST(mutex_lock_until_times_out)
{
    CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
    struct party co, th;
    party_start(&co, 0, lock_for_20ms, NULL);
    party_start(&th, 1, lock_for_20ms, NULL);
    CHECK_EQ_INT((intptr_t)party_join(&co), WEFT_ETIMEDOUT);
    CHECK_EQ_INT((intptr_t)party_join(&th), WEFT_ETIMEDOUT);
    CHECK_EQ_INT(mutex_waiters(&mu), 0);
    /* still ours, and nothing was lost: unlock frees it */
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_trylock(&mu), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_destroy(&mu), WEFT_OK);
    weft_shutdown();
}

static void *lock_forever(void *arg)
{
    return (void *)(intptr_t)weft_mutex_lock(&mu);
}

WEFT_TEST(mutex_cancel_blocked_lock)
{
    CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
    weft_co_t *co;
    CHECK_EQ_INT(weft_spawn(NULL, lock_forever, NULL, &co), WEFT_OK);
    WAIT_FOR(mutex_waiters(&mu), 1);
    CHECK_EQ_INT(weft_cancel(co), WEFT_OK);
    void *r;
    CHECK_EQ_INT(weft_join(co, &r), WEFT_OK);
    CHECK_EQ_INT((intptr_t)r, WEFT_ECANCELED);
    weft_co_release(co);
    CHECK_EQ_INT(mutex_waiters(&mu), 0);
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_destroy(&mu), WEFT_OK);
    /* already cancelled: an uncontended lock still succeeds, a contended
     * one fails at once */
    CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
    CHECK_EQ_INT(weft_spawn(NULL, lock_forever, NULL, &co), WEFT_OK);
    CHECK_EQ_INT(weft_cancel(co), WEFT_OK);
    CHECK_EQ_INT(weft_join(co, &r), WEFT_OK);
    CHECK_EQ_INT((intptr_t)r, WEFT_ECANCELED);
    weft_co_release(co);
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    weft_shutdown();
}

/* Hand-off racing timeouts and cancellations: every OK is a real,
 * exclusive ownership, and the lock is never lost. */
static _Atomic long race_ok, race_timeout, race_cancel;

static void *race_body(void *arg)
{
    uint64_t x = (uint64_t)(intptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;
    for (int i = 0; i < 300; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t wait = (int64_t)(x % 200000); /* 0 .. 200 us */
        int r = weft_mutex_lock_until(&mu, weft_now() + wait);
        if (r == WEFT_OK) {
            CHECK_EQ_INT(atomic_fetch_add(&inside, 1), 0);
            if (x % 3 == 0)
                weft_yield();
            atomic_fetch_sub(&inside, 1);
            atomic_fetch_add(&race_ok, 1);
            CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
        } else if (r == WEFT_ETIMEDOUT) {
            atomic_fetch_add(&race_timeout, 1);
        } else {
            CHECK_EQ_INT(r, WEFT_ECANCELED);
            atomic_fetch_add(&race_cancel, 1);
            return NULL; /* cancellation is sticky */
        }
    }
    return NULL;
}

WEFT_TEST(mutex_handoff_races_timeout_and_cancel)
{
    weft_config_t cfg = { 2, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    enum { N = 16 };
    struct party ps[N];
    for (int i = 0; i < N; i++)
        party_start(&ps[i], i % 8 == 7, race_body, (void *)(intptr_t)(i + 1));
    weft_sleep(2 * MS);
    for (int i = 0; i < N; i += 3)
        if (!ps[i].is_thread)
            weft_cancel(ps[i].co);
    for (int i = 0; i < N; i++)
        party_join(&ps[i]);
    CHECK(atomic_load(&race_ok) > 0);
    CHECK_EQ_INT(mutex_waiters(&mu), 0);
    CHECK_EQ_INT(weft_mutex_trylock(&mu), WEFT_OK); /* not lost */
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_destroy(&mu), WEFT_OK);
    printf("ok %ld, timed out %ld, cancelled %ld\n", (long)atomic_load(&race_ok),
           (long)atomic_load(&race_timeout), (long)atomic_load(&race_cancel));
    weft_shutdown();
}

/* ---- rwlock ------------------------------------------------------------- */

static weft_rwlock_t rw = WEFT_RWLOCK_INIT;
static _Atomic int readers_in, writers_in, max_readers;

static void *reader_meets_others(void *arg)
{
    CHECK_EQ_INT(weft_rwlock_rdlock(&rw), WEFT_OK);
    int n = atomic_fetch_add(&readers_in, 1) + 1;
    int m = atomic_load(&max_readers);
    while (n > m && !atomic_compare_exchange_weak(&max_readers, &m, n)) {
    }
    /* stay until all 4 readers are inside together */
    int64_t deadline = weft_now() + 5000 * MS;
    while (atomic_load(&max_readers) < 4 && weft_now() < deadline)
        weft_sleep(MS / 4);
    CHECK_EQ_INT(atomic_load(&writers_in), 0);
    atomic_fetch_sub(&readers_in, 1);
    CHECK_EQ_INT(weft_rwlock_unlock(&rw), WEFT_OK);
    return NULL;
}

WEFT_TEST(rwlock_readers_share)
{
    struct party ps[4];
    for (int i = 0; i < 4; i++)
        party_start(&ps[i], i == 3, reader_meets_others, NULL);
    for (int i = 0; i < 4; i++)
        party_join(&ps[i]);
    CHECK_EQ_INT(atomic_load(&max_readers), 4);
    CHECK_EQ_INT(weft_rwlock_destroy(&rw), WEFT_OK);
    weft_shutdown();
}

static long rw_data[2]; /* writers keep both equal; readers check it */

static void *rw_mixed_body(void *arg)
{
    intptr_t id = (intptr_t)arg;
    for (int i = 0; i < 2000; i++) {
        if ((i + id) % 4 == 0) {
            CHECK_EQ_INT(weft_rwlock_wrlock(&rw), WEFT_OK);
            CHECK_EQ_INT(atomic_fetch_add(&writers_in, 1), 0);
            CHECK_EQ_INT(atomic_load(&readers_in), 0);
            rw_data[0]++;
            if (i % 16 == 0)
                weft_yield();
            rw_data[1]++;
            atomic_fetch_sub(&writers_in, 1);
            CHECK_EQ_INT(weft_rwlock_wrunlock(&rw), WEFT_OK);
        } else {
            CHECK_EQ_INT(weft_rwlock_rdlock(&rw), WEFT_OK);
            atomic_fetch_add(&readers_in, 1);
            CHECK_EQ_INT(atomic_load(&writers_in), 0);
            long a = rw_data[0];
            if (i % 16 == 1)
                weft_yield();
            CHECK_EQ_INT(rw_data[1], a);
            atomic_fetch_sub(&readers_in, 1);
            CHECK_EQ_INT(weft_rwlock_rdunlock(&rw), WEFT_OK);
        }
    }
    return NULL;
}

WEFT_TEST(rwlock_writers_exclude_everyone)
{
    weft_config_t cfg = { 2, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    struct party ps[8];
    for (int i = 0; i < 8; i++)
        party_start(&ps[i], i % 4 == 3, rw_mixed_body, (void *)(intptr_t)i);
    for (int i = 0; i < 8; i++)
        party_join(&ps[i]);
    CHECK_EQ_INT(rw_data[0], 8 * 500);
    CHECK_EQ_INT(rw_data[1], 8 * 500);
    CHECK_EQ_INT(weft_rwlock_destroy(&rw), WEFT_OK);
    weft_shutdown();
}

/* Overlapping readers would keep a reader-preferring lock read-held
 * forever; here a queued writer stops new readers and gets in. */
static _Atomic int overlap_stop;

static void *overlapping_reader(void *arg)
{
    while (!atomic_load(&overlap_stop)) {
        CHECK_EQ_INT(weft_rwlock_rdlock(&rw), WEFT_OK);
        weft_sleep(MS / 2);
        CHECK_EQ_INT(weft_rwlock_rdunlock(&rw), WEFT_OK);
    }
    return NULL;
}

static void *writer_once(void *arg)
{
    CHECK_EQ_INT(weft_rwlock_wrlock(&rw), WEFT_OK);
    CHECK_EQ_INT(weft_rwlock_wrunlock(&rw), WEFT_OK);
    return NULL;
}

WEFT_TEST(rwlock_writer_is_not_starved)
{
    /* deterministic part: a queued writer blocks later readers */
    CHECK_EQ_INT(weft_rwlock_rdlock(&rw), WEFT_OK);
    struct party w;
    party_start(&w, 0, writer_once, NULL);
    WAIT_FOR(rwlock_waiters(&rw), 1);
    CHECK_EQ_INT(weft_rwlock_tryrdlock(&rw), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_rwlock_rdlock_until(&rw, weft_now() + 5 * MS), WEFT_ETIMEDOUT);
    CHECK_EQ_INT(weft_rwlock_rdunlock(&rw), WEFT_OK); /* admits the writer */
    party_join(&w);

    /* and under load: readers overlapping all the time */
    struct party rs[6];
    for (int i = 0; i < 6; i++)
        party_start(&rs[i], i == 5, overlapping_reader, NULL);
    weft_sleep(5 * MS);
    for (int k = 0; k < 20; k++) {
        int64_t t0 = weft_now();
        struct party wp;
        party_start(&wp, k % 2, writer_once, NULL);
        party_join(&wp);
        CHECK(weft_now() - t0 < 2000 * MS);
    }
    atomic_store(&overlap_stop, 1);
    for (int i = 0; i < 6; i++)
        party_join(&rs[i]);
    CHECK_EQ_INT(weft_rwlock_destroy(&rw), WEFT_OK);
    weft_shutdown();
}

static _Atomic int admitted;
static void *rd_hold_until_released(void *arg)
{
    CHECK_EQ_INT(weft_rwlock_rdlock(&rw), WEFT_OK);
    atomic_fetch_add(&admitted, 1);
    return NULL; /* the test releases our read lock */
}
static void *wr_hold(void *arg)
{
    CHECK_EQ_INT(weft_rwlock_wrlock(&rw), WEFT_OK);
    atomic_fetch_add(&admitted, 10);
    return NULL;
}

WEFT_TEST(rwlock_fifo_batches_and_errors)
{
    CHECK_EQ_INT(weft_rwlock_rdunlock(&rw), WEFT_ESTATE);
    CHECK_EQ_INT(weft_rwlock_wrunlock(&rw), WEFT_ESTATE);
    CHECK_EQ_INT(weft_rwlock_unlock(&rw), WEFT_ESTATE);
    CHECK_EQ_INT(weft_rwlock_trywrlock(&rw), WEFT_OK);
    CHECK_EQ_INT(weft_rwlock_tryrdlock(&rw), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_rwlock_trywrlock(&rw), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_rwlock_rdunlock(&rw), WEFT_ESTATE);
    CHECK_EQ_INT(weft_rwlock_destroy(&rw), WEFT_ESTATE);
    CHECK_EQ_INT(weft_rwlock_wrlock_until(&rw, weft_now() + 2 * MS), WEFT_ETIMEDOUT);

    /* queue: R, R, W, R behind our write lock */
    struct party p[4];
    party_start(&p[0], 0, rd_hold_until_released, NULL);
    WAIT_FOR(rwlock_waiters(&rw), 1);
    party_start(&p[1], 1, rd_hold_until_released, NULL);
    WAIT_FOR(rwlock_waiters(&rw), 2);
    party_start(&p[2], 0, wr_hold, NULL);
    WAIT_FOR(rwlock_waiters(&rw), 3);
    party_start(&p[3], 0, rd_hold_until_released, NULL);
    WAIT_FOR(rwlock_waiters(&rw), 4);
    CHECK_EQ_INT(weft_rwlock_unlock(&rw), WEFT_OK); /* write unlock: both leading readers in */
    party_join(&p[0]);
    party_join(&p[1]);
    CHECK_EQ_INT(atomic_load(&admitted), 2);
    CHECK_EQ_INT(rwlock_waiters(&rw), 2);
    CHECK_EQ_INT(weft_rwlock_wrunlock(&rw), WEFT_ESTATE); /* read-held */
    CHECK_EQ_INT(weft_rwlock_unlock(&rw), WEFT_OK);
    CHECK_EQ_INT(rwlock_waiters(&rw), 2);              /* one reader left: W still waits */
    CHECK_EQ_INT(weft_rwlock_rdunlock(&rw), WEFT_OK);  /* W in */
    party_join(&p[2]);
    CHECK_EQ_INT(atomic_load(&admitted), 12);
    CHECK_EQ_INT(rwlock_waiters(&rw), 1);
    CHECK_EQ_INT(weft_rwlock_wrunlock(&rw), WEFT_OK);  /* last R in */
    party_join(&p[3]);
    CHECK_EQ_INT(atomic_load(&admitted), 13);
    CHECK_EQ_INT(weft_rwlock_rdunlock(&rw), WEFT_OK);
    CHECK_EQ_INT(weft_rwlock_destroy(&rw), WEFT_OK);
    CHECK_EQ_INT(weft_rwlock_rdlock(NULL), WEFT_EINVAL);
    CHECK_EQ_INT(weft_rwlock_init(&rw), WEFT_OK);
    weft_shutdown();
}

static void *wr_forever(void *arg)
{
    return (void *)(intptr_t)weft_rwlock_wrlock(&rw);
}

WEFT_TEST(rwlock_cancel_or_timeout_of_queue_head_admits_readers)
{
    /* R holds; W queues; R2 queues behind W.  W leaving must admit R2. */
    CHECK_EQ_INT(weft_rwlock_rdlock(&rw), WEFT_OK);
    weft_co_t *w;
    CHECK_EQ_INT(weft_spawn(NULL, wr_forever, NULL, &w), WEFT_OK);
    WAIT_FOR(rwlock_waiters(&rw), 1);
    struct party r2;
    party_start(&r2, 0, rd_hold_until_released, NULL);
    WAIT_FOR(rwlock_waiters(&rw), 2);
    CHECK_EQ_INT(weft_cancel(w), WEFT_OK);
    void *res;
    CHECK_EQ_INT(weft_join(w, &res), WEFT_OK);
    CHECK_EQ_INT((intptr_t)res, WEFT_ECANCELED);
    weft_co_release(w);
    party_join(&r2);
    CHECK_EQ_INT(rwlock_waiters(&rw), 0);
    CHECK_EQ_INT(weft_rwlock_rdunlock(&rw), WEFT_OK);
    CHECK_EQ_INT(weft_rwlock_rdunlock(&rw), WEFT_OK);
    CHECK_EQ_INT(weft_rwlock_rdunlock(&rw), WEFT_ESTATE);
    /* and back to the fast path */
    CHECK_EQ_INT(weft_rwlock_trywrlock(&rw), WEFT_OK);
    CHECK_EQ_INT(weft_rwlock_wrunlock(&rw), WEFT_OK);
    CHECK_EQ_INT(weft_rwlock_destroy(&rw), WEFT_OK);
    weft_shutdown();
}

/* ---- semaphore ------------------------------------------------------------ */

static weft_sem_t sem = WEFT_SEM_INIT(3);
static _Atomic int sem_in, sem_max;

static void *sem_body(void *arg)
{
    for (int i = 0; i < 200; i++) {
        CHECK_EQ_INT(weft_sem_acquire(&sem), WEFT_OK);
        int n = atomic_fetch_add(&sem_in, 1) + 1;
        CHECK(n <= 3);
        int m = atomic_load(&sem_max);
        while (n > m && !atomic_compare_exchange_weak(&sem_max, &m, n)) {
        }
        if (i % 4 == 0)
            weft_yield();
        atomic_fetch_sub(&sem_in, 1);
        CHECK_EQ_INT(weft_sem_release(&sem), WEFT_OK);
    }
    return NULL;
}

WEFT_TEST(sem_counts)
{
    weft_config_t cfg = { 2, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    struct party ps[12];
    for (int i = 0; i < 12; i++)
        party_start(&ps[i], i % 6 == 5, sem_body, NULL);
    for (int i = 0; i < 12; i++)
        party_join(&ps[i]);
    CHECK(atomic_load(&sem_max) >= 1); /* overlap itself is up to the OS: not checked */
    CHECK_EQ_INT(weft_sem_value(&sem), 3);
    CHECK_EQ_INT(weft_sem_destroy(&sem), WEFT_OK);
    weft_shutdown();
}

static void *sem_acquire_20ms(void *arg)
{
    int64_t t0 = weft_now();
    int r = weft_sem_acquire_until(&sem, t0 + 20 * MS);
    CHECK(r != WEFT_ETIMEDOUT || weft_now() - t0 >= 20 * MS);
    return (void *)(intptr_t)r;
}

static void *sem_acquire_order(void *arg)
{
    CHECK_EQ_INT(weft_sem_acquire(&sem), WEFT_OK);
    order[atomic_fetch_add(&norder, 1)] = (int)(intptr_t)arg;
    return NULL;
}

WEFT_TEST(sem_try_timeout_fifo_and_errors)
{
    weft_sem_t s;
    CHECK_EQ_INT(weft_sem_init(&s, -1), WEFT_EINVAL);
    CHECK_EQ_INT(weft_sem_init(NULL, 1), WEFT_EINVAL);
    CHECK_EQ_INT(weft_sem_init(&s, 2), WEFT_OK);
    CHECK_EQ_INT(weft_sem_try_acquire(&s), WEFT_OK);
    CHECK_EQ_INT(weft_sem_try_acquire(&s), WEFT_OK);
    CHECK_EQ_INT(weft_sem_try_acquire(&s), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_sem_acquire_until(&s, 0), WEFT_ETIMEDOUT);
    CHECK_EQ_INT(weft_sem_release(&s), WEFT_OK);
    CHECK_EQ_INT(weft_sem_acquire_until(&s, 0), WEFT_OK);
    CHECK_EQ_INT(weft_sem_init(&s, INT64_MAX), WEFT_OK);
    CHECK_EQ_INT(weft_sem_release(&s), WEFT_EINVAL);
    CHECK_EQ_INT(weft_sem_value(&s), INT64_MAX);

    /* timeouts from a coroutine and a thread; the count is unchanged */
    CHECK_EQ_INT(weft_sem_init(&sem, 0), WEFT_OK);
    struct party a, b;
    party_start(&a, 0, sem_acquire_20ms, NULL);
    party_start(&b, 1, sem_acquire_20ms, NULL);
    CHECK_EQ_INT((intptr_t)party_join(&a), WEFT_ETIMEDOUT);
    CHECK_EQ_INT((intptr_t)party_join(&b), WEFT_ETIMEDOUT);
    CHECK_EQ_INT(sem_waiters(&sem), 0);
    CHECK_EQ_INT(weft_sem_value(&sem), 0);

    /* FIFO: permits go to waiters in arrival order */
    atomic_store(&norder, 0);
    struct party ps[6];
    for (int i = 0; i < 6; i++) {
        party_start(&ps[i], i % 2, sem_acquire_order, (void *)(intptr_t)i);
        WAIT_FOR(sem_waiters(&sem), i + 1);
    }
    for (int i = 0; i < 6; i++) {
        CHECK_EQ_INT(weft_sem_release(&sem), WEFT_OK);
        WAIT_FOR(atomic_load(&norder), i + 1);
        CHECK_EQ_INT(weft_sem_try_acquire(&sem), WEFT_EAGAIN); /* handed, not freed */
    }
    for (int i = 0; i < 6; i++) {
        party_join(&ps[i]);
        CHECK_EQ_INT(order[i], i);
    }
    CHECK_EQ_INT(weft_sem_destroy(&sem), WEFT_OK);
    weft_shutdown();
}

/* A waiter that times out just as the permit is handed to it: the
 * permit is never lost (ends with exactly the permits released). */
static _Atomic long sem_got;
static void *sem_race_body(void *arg)
{
    for (int i = 0; i < 300; i++) {
        int r = weft_sem_acquire_until(&sem, weft_now() + (i % 7) * 20000);
        if (r == WEFT_OK)
            atomic_fetch_add(&sem_got, 1);
        else
            CHECK_EQ_INT(r, WEFT_ETIMEDOUT);
    }
    return NULL;
}

static void *sem_releaser(void *arg)
{
    for (int i = 0; i < 1000; i++) {
        CHECK_EQ_INT(weft_sem_release(&sem), WEFT_OK);
        if (i % 8 == 0)
            weft_sleep(20000);
    }
    return NULL;
}

WEFT_TEST(sem_handoff_races_timeout)
{
    weft_config_t cfg = { 2, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    CHECK_EQ_INT(weft_sem_init(&sem, 0), WEFT_OK);
    struct party ps[8], rel;
    for (int i = 0; i < 8; i++)
        party_start(&ps[i], i == 7, sem_race_body, NULL);
    party_start(&rel, 0, sem_releaser, NULL);
    party_join(&rel);
    for (int i = 0; i < 8; i++)
        party_join(&ps[i]);
    CHECK_EQ_INT(sem_waiters(&sem), 0);
    CHECK_EQ_INT(atomic_load(&sem_got) + weft_sem_value(&sem), 1000);
    weft_shutdown();
}

/* ---- cond --------------------------------------------------------------- */

static weft_cond_t cv = WEFT_COND_INIT;
static long items;     /* under mu */
static long consumed;  /* under mu */
static int done_producing; /* under mu */

#define PC_ITEMS 20000

static void *producer(void *arg)
{
    for (int i = 0; i < PC_ITEMS / 4; i++) {
        CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
        items++;
        CHECK_EQ_INT(weft_cond_signal(&cv), WEFT_OK);
        CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
        if (i % 64 == 0)
            weft_yield();
    }
    return NULL;
}

static void *consumer(void *arg)
{
    long mine = 0;
    CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
    for (;;) {
        while (items == 0 && !done_producing)
            CHECK_EQ_INT(weft_cond_wait(&cv, &mu), WEFT_OK); /* a loop: the usual guard */
        if (items == 0)
            break;
        items--;
        consumed++;
        mine++;
    }
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    return (void *)(intptr_t)mine;
}

WEFT_TEST(cond_producers_consumers_exact)
{
    weft_config_t cfg = { 2, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    struct party prod[4], cons[6];
    for (int i = 0; i < 6; i++)
        party_start(&cons[i], i % 3 == 2, consumer, NULL);
    for (int i = 0; i < 4; i++)
        party_start(&prod[i], i == 3, producer, NULL);
    for (int i = 0; i < 4; i++)
        party_join(&prod[i]);
    CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
    done_producing = 1;
    CHECK_EQ_INT(weft_cond_broadcast(&cv), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    long sum = 0;
    for (int i = 0; i < 6; i++)
        sum += (long)(intptr_t)party_join(&cons[i]);
    CHECK_EQ_INT(sum, PC_ITEMS);
    CHECK_EQ_INT(consumed, PC_ITEMS);
    CHECK_EQ_INT(items, 0);
    CHECK_EQ_INT(weft_cond_destroy(&cv), WEFT_OK);
    weft_shutdown();
}

static int go_flag; /* under mu */
static _Atomic int woken;

static void *wait_for_flag(void *arg)
{
    CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
    while (!go_flag)
        CHECK_EQ_INT(weft_cond_wait(&cv, &mu), WEFT_OK);
    atomic_fetch_add(&woken, 1);
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    return NULL;
}

WEFT_TEST(cond_signal_wakes_one_broadcast_all)
{
    struct party ps[10];
    for (int i = 0; i < 10; i++)
        party_start(&ps[i], i % 5 == 4, wait_for_flag, NULL);
    WAIT_FOR(cond_waiters(&cv), 10);
    CHECK_EQ_INT(weft_cond_destroy(&cv), WEFT_ESTATE);

    /* a signal wakes exactly one (it re-waits: the flag is not set) */
    CHECK_EQ_INT(weft_cond_signal(&cv), WEFT_OK);
    weft_sleep(5 * MS);
    WAIT_FOR(cond_waiters(&cv), 10); /* back in the queue */
    CHECK_EQ_INT(atomic_load(&woken), 0);

    CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
    go_flag = 1;
    CHECK_EQ_INT(weft_cond_signal(&cv), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    WAIT_FOR(atomic_load(&woken), 1);
    weft_sleep(5 * MS);
    CHECK_EQ_INT(atomic_load(&woken), 1);
    CHECK_EQ_INT(cond_waiters(&cv), 9);

    CHECK_EQ_INT(weft_cond_broadcast(&cv), WEFT_OK);
    for (int i = 0; i < 10; i++)
        party_join(&ps[i]);
    CHECK_EQ_INT(atomic_load(&woken), 10);
    CHECK_EQ_INT(weft_cond_signal(&cv), WEFT_OK); /* nobody waits: no-op */
    CHECK_EQ_INT(weft_cond_destroy(&cv), WEFT_OK);
    weft_shutdown();
}

static void *cond_wait_20ms(void *arg)
{
    CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
    int64_t t0 = weft_now();
    int r = weft_cond_wait_until(&cv, &mu, t0 + 20 * MS);
    CHECK(weft_now() - t0 >= 20 * MS);
    /* the mutex is ours again */
    CHECK_EQ_INT(weft_mutex_trylock(&mu), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    return (void *)(intptr_t)r;
}

static void *cond_wait_forever(void *arg)
{
    CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
    int r = weft_cond_wait(&cv, &mu);
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK); /* held, even when cancelled */
    return (void *)(intptr_t)r;
}

WEFT_TEST(cond_timeout_cancel_and_errors)
{
    struct party a, b;
    party_start(&a, 0, cond_wait_20ms, NULL);
    party_start(&b, 1, cond_wait_20ms, NULL);
    CHECK_EQ_INT((intptr_t)party_join(&a), WEFT_ETIMEDOUT);
    CHECK_EQ_INT((intptr_t)party_join(&b), WEFT_ETIMEDOUT);
    CHECK_EQ_INT(cond_waiters(&cv), 0);

    /* cancelled while waiting, and while the mutex is held by someone
     * else: it gets ECANCELED only after relocking */
    weft_co_t *co;
    CHECK_EQ_INT(weft_spawn(NULL, cond_wait_forever, NULL, &co), WEFT_OK);
    WAIT_FOR(cond_waiters(&cv), 1);
    CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
    CHECK_EQ_INT(weft_cancel(co), WEFT_OK);
    WAIT_FOR(mutex_waiters(&mu), 1); /* relocking, not cancellable */
    CHECK_EQ_INT(cond_waiters(&cv), 0);
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    void *r;
    CHECK_EQ_INT(weft_join(co, &r), WEFT_OK);
    CHECK_EQ_INT((intptr_t)r, WEFT_ECANCELED);
    weft_co_release(co);

    /* misuse */
    CHECK_EQ_INT(weft_cond_wait(&cv, &mu), WEFT_ESTATE); /* mu not locked */
    CHECK_EQ_INT(cond_waiters(&cv), 0);
    CHECK_EQ_INT(weft_cond_wait(NULL, &mu), WEFT_EINVAL);
    CHECK_EQ_INT(weft_cond_wait(&cv, NULL), WEFT_EINVAL);
    CHECK_EQ_INT(weft_cond_signal(NULL), WEFT_EINVAL);
    CHECK_EQ_INT(weft_cond_broadcast(NULL), WEFT_EINVAL);
    /* a past deadline still releases and reacquires */
    CHECK_EQ_INT(weft_mutex_lock(&mu), WEFT_OK);
    CHECK_EQ_INT(weft_cond_wait_until(&cv, &mu, 0), WEFT_ETIMEDOUT);
    CHECK_EQ_INT(weft_mutex_unlock(&mu), WEFT_OK);
    CHECK_EQ_INT(weft_cond_destroy(&cv), WEFT_OK);
    CHECK_EQ_INT(weft_mutex_destroy(&mu), WEFT_OK);
    weft_shutdown();
}

/* ---- WaitGroup ------------------------------------------------------------ */

static weft_wg_t wg = WEFT_WG_INIT;
static _Atomic long wg_work;

static void *wg_worker(void *arg)
{
    if ((intptr_t)arg % 3 == 0)
        weft_sleep(MS / 10);
    else
        weft_yield();
    atomic_fetch_add(&wg_work, 1);
    CHECK_EQ_INT(weft_wg_done(&wg), WEFT_OK);
    return NULL;
}

static void *wg_waiter(void *arg)
{
    CHECK_EQ_INT(weft_wg_wait(&wg), WEFT_OK);
    CHECK_EQ_INT(atomic_load(&wg_work), 2000);
    return NULL;
}

WEFT_TEST(wg_many_coroutines_and_thread_waiters)
{
    weft_config_t cfg = { 2, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    CHECK_EQ_INT(weft_wg_add(&wg, 2000), WEFT_OK);
    struct party waiters[4];
    for (int i = 0; i < 4; i++)
        party_start(&waiters[i], i % 2, wg_waiter, NULL);
    WAIT_FOR(wg_waiters(&wg), 4);
    for (int i = 0; i < 2000; i++)
        CHECK_EQ_INT(weft_go(wg_worker, (void *)(intptr_t)i), WEFT_OK);
    CHECK_EQ_INT(weft_wg_wait(&wg), WEFT_OK); /* the main thread too */
    CHECK_EQ_INT(atomic_load(&wg_work), 2000);
    for (int i = 0; i < 4; i++)
        party_join(&waiters[i]);
    CHECK_EQ_INT(weft_wg_count(&wg), 0);
    CHECK_EQ_INT(weft_wg_destroy(&wg), WEFT_OK);
    weft_shutdown();
}

static void *wg_wait_20ms(void *arg)
{
    int64_t t0 = weft_now();
    int r = weft_wg_wait_until(&wg, t0 + 20 * MS);
    CHECK(weft_now() - t0 >= 20 * MS);
    return (void *)(intptr_t)r;
}

static void *wg_wait_forever(void *arg)
{
    return (void *)(intptr_t)weft_wg_wait(&wg);
}

WEFT_TEST(wg_errors_timeout_cancel)
{
    weft_wg_t g;
    CHECK_EQ_INT(weft_wg_init(&g), WEFT_OK);
    CHECK_EQ_INT(weft_wg_wait(&g), WEFT_OK); /* zero: at once */
    CHECK_EQ_INT(weft_wg_done(&g), WEFT_EINVAL);
    CHECK_EQ_INT(weft_wg_count(&g), 0);
    CHECK_EQ_INT(weft_wg_add(&g, 2), WEFT_OK);
    CHECK_EQ_INT(weft_wg_add(&g, -3), WEFT_EINVAL);
    CHECK_EQ_INT(weft_wg_count(&g), 2);
    CHECK_EQ_INT(weft_wg_add(&g, INT64_MAX), WEFT_EINVAL);
    CHECK_EQ_INT(weft_wg_count(&g), 2);
    CHECK_EQ_INT(weft_wg_wait_until(&g, 0), WEFT_ETIMEDOUT);
    CHECK_EQ_INT(weft_wg_add(&g, -2), WEFT_OK);
    CHECK_EQ_INT(weft_wg_wait_until(&g, 0), WEFT_OK);
    CHECK_EQ_INT(weft_wg_add(NULL, 1), WEFT_EINVAL);
    CHECK_EQ_INT(weft_wg_wait(NULL), WEFT_EINVAL);

    CHECK_EQ_INT(weft_wg_add(&wg, 1), WEFT_OK);
    struct party a, b;
    party_start(&a, 0, wg_wait_20ms, NULL);
    party_start(&b, 1, wg_wait_20ms, NULL);
    CHECK_EQ_INT((intptr_t)party_join(&a), WEFT_ETIMEDOUT);
    CHECK_EQ_INT((intptr_t)party_join(&b), WEFT_ETIMEDOUT);
    CHECK_EQ_INT(wg_waiters(&wg), 0);

    weft_co_t *co;
    CHECK_EQ_INT(weft_spawn(NULL, wg_wait_forever, NULL, &co), WEFT_OK);
    WAIT_FOR(wg_waiters(&wg), 1);
    CHECK_EQ_INT(weft_wg_destroy(&wg), WEFT_ESTATE);
    CHECK_EQ_INT(weft_cancel(co), WEFT_OK);
    void *r;
    CHECK_EQ_INT(weft_join(co, &r), WEFT_OK);
    CHECK_EQ_INT((intptr_t)r, WEFT_ECANCELED);
    weft_co_release(co);
    CHECK_EQ_INT(wg_waiters(&wg), 0);
    CHECK_EQ_INT(weft_wg_done(&wg), WEFT_OK);
    CHECK_EQ_INT(weft_wg_destroy(&wg), WEFT_OK);
    weft_shutdown();
}

/* ---- once ----------------------------------------------------------------- */

static weft_once_t once = WEFT_ONCE_INIT;
static _Atomic int once_runs;
static int once_value; /* written by fn only; read after weft_once_do */

static void once_fn(void *arg)
{
    atomic_fetch_add(&once_runs, 1);
    weft_sleep(10 * MS); /* let the others pile up (parks a coroutine) */
    once_value = 42;
}

static void *once_caller(void *arg)
{
    CHECK_EQ_INT(weft_once_do(&once, once_fn, NULL), WEFT_OK);
    CHECK_EQ_INT(once_value, 42);
    return NULL;
}

static void recursive_fn(void *arg)
{
    *(int *)arg = weft_once_do(&once, recursive_fn, arg);
}

WEFT_TEST(once_runs_exactly_once)
{
    weft_config_t cfg = { 2, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    struct party ps[68];
    for (int i = 0; i < 68; i++)
        party_start(&ps[i], i % 17 == 16, once_caller, NULL); /* 4 threads */
    for (int i = 0; i < 68; i++)
        party_join(&ps[i]);
    CHECK_EQ_INT(atomic_load(&once_runs), 1);
    CHECK_EQ_INT(weft_once_do(&once, once_fn, NULL), WEFT_OK);
    CHECK_EQ_INT(atomic_load(&once_runs), 1);

    weft_once_t o2 = WEFT_ONCE_INIT;
    (void)o2;
    CHECK_EQ_INT(weft_once_do(NULL, once_fn, NULL), WEFT_EINVAL);
    CHECK_EQ_INT(weft_once_do(&o2, NULL, NULL), WEFT_EINVAL);
    /* recursion from fn is refused, not a hang */
    once = (weft_once_t)WEFT_ONCE_INIT;
    int inner = 99;
    CHECK_EQ_INT(weft_once_do(&once, recursive_fn, &inner), WEFT_OK);
    CHECK_EQ_INT(inner, WEFT_EDEADLK);
    weft_shutdown();
}

WEFT_TEST_MAIN()
