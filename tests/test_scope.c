/* test_scope.c - coroutine-local storage, scopes, weft_dump/weft_stats and
 * the "all coroutines are asleep" deadlock report. */
#include "harness.h"
#include "weft.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

static weft_key_t key;
static _Atomic int dtor_runs;
static _Atomic long dtor_sum;

static void dtor(void *v)
{
    atomic_fetch_add(&dtor_runs, 1);
    atomic_fetch_add(&dtor_sum, (long)(intptr_t)v);
}

static void *cls_body(void *arg)
{
    CHECK(weft_getspecific(key) == NULL);           /* fresh per coroutine */
    CHECK_EQ_INT(weft_setspecific(key, arg), WEFT_OK);
    weft_yield();                                    /* others set theirs meanwhile */
    weft_sleep(1000000);
    CHECK_EQ_PTR(weft_getspecific(key), arg);        /* still ours, maybe on another worker */
    return NULL;
}

WEFT_TEST(cls_is_per_coroutine_and_destructors_run)
{
    CHECK_EQ_INT(weft_key_create(&key, dtor), WEFT_OK);
    CHECK_EQ_INT(weft_key_create(NULL, dtor), WEFT_EINVAL);
    CHECK_EQ_INT(weft_setspecific(9999, NULL), WEFT_EINVAL);
    weft_co_t *cs[100];
    long want = 0;
    for (int i = 0; i < 100; i++) {
        CHECK_EQ_INT(weft_spawn(NULL, cls_body, (void *)(intptr_t)(i + 1), &cs[i]), WEFT_OK);
        want += i + 1;
    }
    for (int i = 0; i < 100; i++) {
        CHECK_EQ_INT(weft_join(cs[i], NULL), WEFT_OK);
        weft_co_release(cs[i]);
    }
    CHECK_EQ_INT(atomic_load(&dtor_runs), 100);
    CHECK_EQ_INT(atomic_load(&dtor_sum), want);
    /* a plain thread has its own slot */
    CHECK_EQ_INT(weft_setspecific(key, (void *)7), WEFT_OK);
    CHECK_EQ_PTR(weft_getspecific(key), (void *)7);
    CHECK_EQ_INT(weft_key_delete(key), WEFT_OK);
    CHECK_EQ_INT(weft_key_delete(key), WEFT_EINVAL);
    weft_shutdown();
}

static weft_key_t late_key;
static _Atomic int late_created;
static void *outlives_key_creation(void *arg)
{
    while (!atomic_load(&late_created))
        weft_sleep(1000000);
    /* a key created after this coroutine started reads as unset */
    CHECK(weft_getspecific(late_key) == NULL);
    CHECK_EQ_INT(weft_setspecific(late_key, (void *)9), WEFT_OK);
    CHECK_EQ_PTR(weft_getspecific(late_key), (void *)9);
    return NULL;
}

WEFT_TEST(cls_key_created_after_the_coroutine_started)
{
    weft_co_t *co;
    CHECK_EQ_INT(weft_spawn(NULL, outlives_key_creation, NULL, &co), WEFT_OK);
    weft_sleep(5000000);
    for (int i = 0; i < 5; i++) /* several keys: the new slots lie beyond the ones cleared at spawn */
        CHECK_EQ_INT(weft_key_create(&late_key, NULL), WEFT_OK);
    atomic_store(&late_created, 1);
    CHECK_EQ_INT(weft_join(co, NULL), WEFT_OK);
    weft_co_release(co);
    weft_shutdown();
}

static _Atomic int finished;
static void *short_task(void *arg)
{
    weft_sleep((int64_t)(intptr_t)arg);
    atomic_fetch_add(&finished, 1);
    return NULL;
}

WEFT_TEST(scope_waits_for_every_member)
{
    weft_scope_t s = WEFT_SCOPE_INIT;
    for (int i = 0; i < 200; i++)
        CHECK_EQ_INT(weft_scope_spawn(&s, NULL, short_task, (void *)(intptr_t)(100000 * (i % 20))), WEFT_OK);
    CHECK_EQ_INT(weft_scope_wait(&s), WEFT_OK);
    CHECK_EQ_INT(atomic_load(&finished), 200);
    CHECK_EQ_INT(weft_scope_destroy(&s), WEFT_OK);
    CHECK_EQ_INT(weft_scope_spawn(NULL, NULL, short_task, NULL), WEFT_EINVAL);
    weft_shutdown();
}

static _Atomic int saw_cancel;
static void *long_sleeper(void *arg)
{
    if (weft_sleep(60 * 1000000000LL) == WEFT_ECANCELED)
        atomic_fetch_add(&saw_cancel, 1);
    return NULL;
}

static void *nested_parent(void *arg)
{
    weft_scope_t inner = WEFT_SCOPE_INIT;
    for (int i = 0; i < 10; i++)
        weft_scope_spawn(&inner, NULL, long_sleeper, NULL);
    /* cancelled from outside: cancels inner, waits for it, reports it */
    int rc = weft_scope_wait(&inner);
    if (rc == WEFT_ECANCELED)
        atomic_fetch_add(&saw_cancel, 100);
    return NULL;
}

WEFT_TEST(scope_cancel_reaches_members_and_nested_scopes)
{
    weft_scope_t s;
    CHECK_EQ_INT(weft_scope_init(&s), WEFT_OK);
    for (int i = 0; i < 20; i++)
        CHECK_EQ_INT(weft_scope_spawn(&s, NULL, long_sleeper, NULL), WEFT_OK);
    CHECK_EQ_INT(weft_scope_spawn(&s, NULL, nested_parent, NULL), WEFT_OK);
    weft_sleep(20 * 1000000);
    CHECK_EQ_INT(weft_scope_destroy(&s), WEFT_ESTATE); /* members still running */
    int64_t t0 = weft_now();
    CHECK_EQ_INT(weft_scope_cancel(&s), WEFT_OK);
    CHECK_EQ_INT(weft_scope_wait(&s), WEFT_OK);
    CHECK(weft_now() - t0 < 5000000000LL);
    CHECK_EQ_INT(atomic_load(&saw_cancel), 20 + 10 + 100);
    /* spawned after the cancel: starts cancelled */
    atomic_store(&saw_cancel, 0);
    CHECK_EQ_INT(weft_scope_spawn(&s, NULL, long_sleeper, NULL), WEFT_OK);
    CHECK_EQ_INT(weft_scope_wait(&s), WEFT_OK);
    CHECK_EQ_INT(atomic_load(&saw_cancel), 1);
    CHECK_EQ_INT(weft_scope_destroy(&s), WEFT_OK);
    weft_shutdown();
}

static weft_scope_t own;
static _Atomic int own_rc = 99;
static void *waits_for_own_scope(void *arg)
{
    atomic_store(&own_rc, weft_scope_wait(&own));
    return NULL;
}

WEFT_TEST(member_waiting_for_its_own_scope_is_refused)
{
    weft_scope_init(&own);
    CHECK_EQ_INT(weft_scope_spawn(&own, NULL, waits_for_own_scope, NULL), WEFT_OK);
    CHECK_EQ_INT(weft_scope_wait(&own), WEFT_OK); /* finishes: the member did not hang */
    CHECK_EQ_INT(atomic_load(&own_rc), WEFT_EDEADLK);
    weft_shutdown();
}

static void *sleep_a_while(void *arg)
{
    weft_sleep(10 * 1000000000LL);
    return NULL;
}

WEFT_TEST(dump_and_stats_describe_the_coroutines)
{
    weft_co_t *co;
    weft_attr_t a = { "dumpme", 0 };
    CHECK_EQ_INT(weft_spawn(&a, sleep_a_while, NULL, &co), WEFT_OK);
    weft_sleep(10 * 1000000);
    char buf[4096] = "";
    FILE *f = tmpfile();
    CHECK(f != NULL);
    weft_dump(f);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    CHECK_STR_CONTAINS(buf, "\"dumpme\" blocked on sleep");
    weft_stats_t st;
    CHECK_EQ_INT(weft_stats(&st), WEFT_OK);
    CHECK(st.coroutines >= 1 && st.workers >= 1 && st.switches >= 1 && st.parks >= 1);
    CHECK_EQ_INT(weft_stats_sized(NULL, sizeof st), WEFT_EINVAL);
    /* a caller built against an older, shorter weft_stats_t (here: the
     * first four counters) gets those and nothing written past them */
    unsigned char old[sizeof(weft_stats_t)];
    memset(old, 0xAB, sizeof old);
    size_t old_size = 4 * sizeof(uint64_t);
    CHECK_EQ_INT(weft_stats_sized((weft_stats_t *)(void *)old, old_size), WEFT_OK);
    uint64_t live;
    memcpy(&live, old, sizeof live); /* coroutines, the first member */
    CHECK(live >= 1);
    for (size_t i = old_size; i < sizeof old; i++)
        CHECK_EQ_INT(old[i], 0xAB);
    CHECK_EQ_INT(weft_stats_sized(&st, 1), WEFT_EINVAL); /* not even the first member */
    weft_cancel(co);
    weft_join(co, NULL);
    weft_co_release(co);
    weft_shutdown();
}

static weft_co_t *main_co;
static void *joins_main(void *arg)
{
    return (void *)(intptr_t)weft_join(main_co, NULL);
}

static void *deadlocking_main(void *arg)
{
    main_co = weft_self();
    weft_co_t *other;
    weft_attr_t a = { "joiner", 0 };
    weft_spawn(&a, joins_main, NULL, &other);
    weft_join(other, NULL); /* each waits for the other */
    return NULL;
}

WEFT_TEST(child_deadlock)
{
    int rc = weft_run(deadlocking_main, NULL, NULL);
    /* the runtime still shuts down cleanly, abandoning the two sleepers */
    weft_shutdown();
    exit(rc == WEFT_EDEADLK ? 0 : 1);
}

WEFT_TEST(all_asleep_is_reported_as_deadlock)
{
    struct weft_child_result r;
    CHECK_EQ_INT(weft_test_run_child("child_deadlock", &r), 0);
    CHECK_STR_CONTAINS(r.err, "weft: all coroutines are asleep - deadlock!");
    CHECK_STR_CONTAINS(r.err, "\"main\" blocked on join");
    CHECK_STR_CONTAINS(r.err, "\"joiner\" blocked on join");
    if (!r.exited || r.exit_code != 0)
        WEFT_FAIL("weft_run did not return WEFT_EDEADLK (exited=%d code=%d): %s", r.exited, r.exit_code, r.err);
}

static void *busy_main(void *arg)
{
    weft_sleep(300 * 1000000); /* a timer: not a deadlock */
    return (void *)5;
}

WEFT_TEST(a_sleeping_main_is_not_a_deadlock)
{
    void *r;
    CHECK_EQ_INT(weft_run(busy_main, NULL, &r), WEFT_OK);
    CHECK_EQ_INT((intptr_t)r, 5);
    weft_shutdown();
}

WEFT_TEST_MAIN()
