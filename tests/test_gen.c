/* test_gen.c - generator semantics and misuse (weft.h). */
#include "harness.h"
#include "weft.h"
#include "sanitize.h"

#include <stdint.h>

static void *counter(weft_gen_t *g, void *arg)
{
    intptr_t n = (intptr_t)arg;
    for (intptr_t i = 0; i < n; i++)
        weft_gen_yield(g, (void *)i);
    return (void *)(intptr_t)-1;
}

WEFT_TEST(yields_in_order_then_done)
{
    weft_gen_t *g;
    CHECK_EQ_INT(weft_gen_new(counter, (void *)5, NULL, &g), WEFT_OK);
    void *out;
    for (intptr_t i = 0; i < 5; i++) {
        CHECK_EQ_INT(weft_gen_resume(g, NULL, &out), WEFT_OK);
        CHECK_EQ_INT((intptr_t)out, i);
        CHECK_EQ_INT(weft_gen_done(g), 0);
    }
    CHECK_EQ_INT(weft_gen_resume(g, NULL, &out), WEFT_DONE);
    CHECK_EQ_INT((intptr_t)out, -1);
    CHECK_EQ_INT(weft_gen_done(g), 1);
    weft_gen_free(g);
}

static void *echo(weft_gen_t *g, void *arg)
{
    /* the first resume's `in` is readable through weft_gen_input */
    intptr_t sum = (intptr_t)weft_gen_input(g);
    void *in = weft_gen_yield(g, (void *)sum);
    while ((intptr_t)in != 0) {
        sum += (intptr_t)in;
        in = weft_gen_yield(g, (void *)sum);
    }
    return (void *)(sum * 1000);
}

WEFT_TEST(values_flow_both_ways)
{
    weft_gen_t *g;
    CHECK_EQ_INT(weft_gen_new(echo, NULL, NULL, &g), WEFT_OK);
    void *out;
    CHECK_EQ_INT(weft_gen_resume(g, (void *)7, &out), WEFT_OK);
    CHECK_EQ_INT((intptr_t)out, 7);
    CHECK_EQ_INT(weft_gen_resume(g, (void *)3, &out), WEFT_OK);
    CHECK_EQ_INT((intptr_t)out, 10);
    CHECK_EQ_PTR(weft_gen_input(g), (void *)3);
    CHECK_EQ_INT(weft_gen_resume(g, (void *)0, &out), WEFT_DONE);
    CHECK_EQ_INT((intptr_t)out, 10000);
    weft_gen_free(g);
}

WEFT_TEST(resume_after_done_is_an_error)
{
    weft_gen_t *g;
    CHECK_EQ_INT(weft_gen_new(counter, (void *)0, NULL, &g), WEFT_OK);
    CHECK_EQ_INT(weft_gen_resume(g, NULL, NULL), WEFT_DONE);
    void *out = (void *)0x1234;
    CHECK_EQ_INT(weft_gen_resume(g, NULL, &out), WEFT_EFINISHED);
    CHECK_EQ_PTR(out, (void *)0x1234); /* untouched on error */
    CHECK_EQ_INT(weft_gen_resume(g, NULL, NULL), WEFT_EFINISHED);
    weft_gen_free(g);
}

static void *self_resume(weft_gen_t *g, void *arg)
{
    int *rc = arg;
    rc[0] = weft_gen_resume(g, NULL, NULL);      /* inside itself */
    rc[1] = weft_gen_free_ex(g);                 /* free itself */
    return NULL;
}

WEFT_TEST(resume_or_free_from_inside_itself_is_refused)
{
    int rc[2] = { 99, 99 };
    weft_gen_t *g;
    CHECK_EQ_INT(weft_gen_new(self_resume, rc, NULL, &g), WEFT_OK);
    CHECK_EQ_INT(weft_gen_resume(g, NULL, NULL), WEFT_DONE);
    CHECK_EQ_INT(rc[0], WEFT_EBUSY);
    CHECK_EQ_INT(rc[1], WEFT_EBUSY);
    weft_gen_free(g);
}

static weft_gen_t *other_gen;
static void *yield_on_other(weft_gen_t *g, void *arg)
{
    int *rc = arg;
    void *in = (void *)1;
    rc[0] = weft_gen_yield_ex(other_gen, NULL, &in); /* not us */
    rc[1] = (int)(intptr_t)in;                       /* untouched */
    rc[2] = weft_gen_yield(other_gen, (void *)5) == NULL;
    return NULL;
}

static void *idle(weft_gen_t *g, void *arg)
{
    weft_gen_yield(g, NULL);
    return NULL;
}

WEFT_TEST(yield_on_another_generator_is_refused)
{
    int rc[3] = { 99, 99, 99 };
    weft_gen_t *g;
    CHECK_EQ_INT(weft_gen_new(idle, NULL, NULL, &other_gen), WEFT_OK);
    CHECK_EQ_INT(weft_gen_new(yield_on_other, rc, NULL, &g), WEFT_OK);
    CHECK_EQ_INT(weft_gen_resume(g, NULL, NULL), WEFT_DONE);
    CHECK_EQ_INT(rc[0], WEFT_EPERM);
    CHECK_EQ_INT(rc[1], 1);
    CHECK_EQ_INT(rc[2], 1);
    /* and from outside any generator */
    CHECK_EQ_INT(weft_gen_yield_ex(other_gen, NULL, NULL), WEFT_EPERM);
    CHECK(weft_gen_current() == NULL);
    weft_gen_free(other_gen);
    weft_gen_free(g);
}

WEFT_TEST(null_and_bad_arguments)
{
    weft_gen_t *g = (weft_gen_t *)0x1;
    CHECK_EQ_INT(weft_gen_new(NULL, NULL, NULL, &g), WEFT_EINVAL);
    CHECK_EQ_INT(weft_gen_new(counter, NULL, NULL, NULL), WEFT_EINVAL);
    CHECK_EQ_INT(weft_gen_resume(NULL, NULL, NULL), WEFT_EINVAL);
    CHECK_EQ_INT(weft_gen_yield_ex(NULL, NULL, NULL), WEFT_EINVAL);
    CHECK(weft_gen_yield(NULL, NULL) == NULL);
    CHECK_EQ_INT(weft_gen_done(NULL), 0);
    CHECK_EQ_INT(weft_gen_free_ex(NULL), WEFT_OK);
    weft_gen_free(NULL);
    weft_gen_attr_t big = { "big", WEFT_STACK_MAX + 1 };
    CHECK_EQ_INT(weft_gen_new(counter, NULL, &big, &g), WEFT_EINVAL);
    weft_gen_attr_t huge = { "huge", (size_t)-1 };
    CHECK_EQ_INT(weft_gen_new(counter, NULL, &huge, &g), WEFT_EINVAL);
    CHECK(g == NULL);
    CHECK_STR_CONTAINS(weft_strerror(WEFT_EINVAL), "invalid");
    CHECK_STR_CONTAINS(weft_strerror(WEFT_EFINISHED), "finished");
    CHECK_STR_CONTAINS(weft_strerror(-12345), "unknown");
}

WEFT_TEST(names_ids_sizes)
{
    weft_gen_attr_t a = { "a-rather-long-generator-name-that-gets-cut", 3 * 4096 + 1 };
    weft_gen_t *g1, *g2;
    CHECK_EQ_INT(weft_gen_new(counter, NULL, &a, &g1), WEFT_OK);
    CHECK_EQ_INT(weft_gen_new(counter, NULL, NULL, &g2), WEFT_OK);
    CHECK_EQ_INT(strlen(weft_gen_name(g1)), 31);
    CHECK(strncmp(weft_gen_name(g1), a.name, 31) == 0);
    CHECK(strcmp(weft_gen_name(g2), "gen") == 0);
    CHECK(weft_gen_id(g1) != 0 && weft_gen_id(g2) > weft_gen_id(g1));
    size_t pg = weft_page_size();
    CHECK_EQ_INT(weft_gen_stack_size(g1) % pg, 0);
    CHECK(weft_gen_stack_size(g1) >= 3 * 4096 + 1);
    CHECK_EQ_INT(weft_gen_stack_size(g2), WEFT_STACK_DEFAULT);
    weft_gen_free(g1);
    weft_gen_free(g2);
}

static int cleanup_ran;
static void *holds_resource(weft_gen_t *g, void *arg)
{
    for (;;) {
        void *in;
        int rc = weft_gen_yield_ex(g, NULL, &in);
        if (rc == WEFT_ECANCELED) {
            CHECK(weft_gen_canceled(g));
            CHECK(in == NULL);
            cleanup_ran++;
            return NULL;
        }
    }
}

static void *stubborn(weft_gen_t *g, void *arg)
{
    for (;;)
        weft_gen_yield(g, NULL); /* ignores cancellation: gets dropped */
    return NULL;
}

WEFT_TEST(free_unfinished_lets_it_clean_up)
{
    weft_gen_t *g;
    CHECK_EQ_INT(weft_gen_new(holds_resource, NULL, NULL, &g), WEFT_OK);
    CHECK_EQ_INT(weft_gen_resume(g, NULL, NULL), WEFT_OK);
    CHECK_EQ_INT(weft_gen_resume(g, NULL, NULL), WEFT_OK);
    weft_gen_free(g);
    CHECK_EQ_INT(cleanup_ran, 1);

    CHECK_EQ_INT(weft_gen_new(stubborn, NULL, NULL, &g), WEFT_OK);
    CHECK_EQ_INT(weft_gen_resume(g, NULL, NULL), WEFT_OK);
    CHECK_EQ_INT(weft_gen_free_ex(g), WEFT_OK);

    /* never started: freed without running */
    CHECK_EQ_INT(weft_gen_new(holds_resource, NULL, NULL, &g), WEFT_OK);
    weft_gen_free(g);
    CHECK_EQ_INT(cleanup_ran, 1);
}

static void *nested_inner(weft_gen_t *g, void *arg)
{
    CHECK(weft_gen_current() == g);
    weft_gen_yield(g, (void *)1);
    return (void *)2;
}

static void *nested_outer(weft_gen_t *g, void *arg)
{
    weft_gen_t *inner;
    CHECK_EQ_INT(weft_gen_new(nested_inner, NULL, NULL, &inner), WEFT_OK);
    void *v;
    CHECK_EQ_INT(weft_gen_resume(inner, NULL, &v), WEFT_OK);
    CHECK(weft_gen_current() == g);
    weft_gen_yield(g, v);
    CHECK_EQ_INT(weft_gen_resume(inner, NULL, &v), WEFT_DONE);
    CHECK(weft_gen_current() == g);
    weft_gen_free(inner);
    return v;
}

WEFT_TEST(generators_nest)
{
    weft_gen_t *g;
    void *v;
    CHECK_EQ_INT(weft_gen_new(nested_outer, NULL, NULL, &g), WEFT_OK);
    CHECK_EQ_INT(weft_gen_resume(g, NULL, &v), WEFT_OK);
    CHECK_EQ_INT((intptr_t)v, 1);
    CHECK(weft_gen_current() == NULL);
    CHECK_EQ_INT(weft_gen_resume(g, NULL, &v), WEFT_DONE);
    CHECK_EQ_INT((intptr_t)v, 2);
    weft_gen_free(g);
}

static size_t depth_reached;
static uintptr_t frame_at[2];
__attribute__((noinline)) static size_t recurse(size_t depth, size_t max)
{
    volatile char frame[256];
    frame[0] = (char)depth;
    if (depth < 2)
        frame_at[depth] = (uintptr_t)frame;
    if (depth >= max)
        return depth;
    size_t r = recurse(depth + 1, max) + frame[0] * 0;
    return r;
}

static void *deep(weft_gen_t *g, void *arg)
{
    size_t max = (size_t)(uintptr_t)arg;
    depth_reached = recurse(0, max);
    return NULL;
}

WEFT_TEST(deep_recursion_up_to_the_stack_size)
{
    /* Measure one frame (sanitizers make frames bigger), then recurse
     * through 90% of a 1 MiB stack. */
    weft_gen_attr_t a = { "deep", 1 << 20 };
    weft_gen_t *g;
    CHECK_EQ_INT(weft_gen_new(deep, (void *)(uintptr_t)2, &a, &g), WEFT_OK);
    CHECK_EQ_INT(weft_gen_resume(g, NULL, NULL), WEFT_DONE);
    weft_gen_free(g);
    size_t frame = frame_at[0] - frame_at[1];
    if (!(frame >= 256 && frame < 4096))
        WEFT_FAIL("unexpected frame size %zu", frame);
    size_t depth = (size_t)(1 << 20) * 9 / 10 / frame;
    CHECK_EQ_INT(weft_gen_new(deep, (void *)(uintptr_t)depth, &a, &g), WEFT_OK);
    CHECK_EQ_INT(weft_gen_resume(g, NULL, NULL), WEFT_DONE);
    CHECK_EQ_INT(depth_reached, depth);
    weft_gen_free(g);
}

WEFT_TEST(many_generators_alive_at_once)
{
    /* 100k live stacks need guard pages that don't cost a mapping each
     * (Linux 6.13+ guard markers, Windows reservations); with mprotect'ed
     * guards Linux allows ~32k (vm.max_map_count 65530), so there we
     * check 20k and the README documents the bound. */
    extern int weft_os_stack_guard_kind(void);
    int n = weft_os_stack_guard_kind() == 1 ? 20000 : 100000;
#if defined(WEFT_TSAN)
    n = 5000; /* TSan counts each fiber as a thread and stops at 8128 */
#endif
    if (weft_test_under_valgrind())
        n = 10000; /* 100k take minutes under memcheck; 10k still exercise pooling and leaks */
    printf("guard kind %d: up to %d generators\n", weft_os_stack_guard_kind(), n);
    weft_gen_t **gs = calloc((size_t)n, sizeof *gs);
    CHECK(gs != NULL);
    /* 1000 live at once still need the pool and the OS to hand out
     * distinct stacks, and each is resumed twice and freed mid-body */
    weft_test_rounds_t r = weft_test_rounds("live generators", n, 1000, 10.0);
    while (weft_test_rounds_more(&r)) {
        int i = (int)r.done - 1;
        int rc = weft_gen_new(counter, (void *)(intptr_t)3, NULL, &gs[i]);
        if (rc != WEFT_OK)
            WEFT_FAIL("generator %d: %s", i, weft_strerror(rc));
        void *v;
        CHECK_EQ_INT(weft_gen_resume(gs[i], NULL, &v), WEFT_OK); /* each suspended mid-body */
        CHECK_EQ_INT((intptr_t)v, 0);
    }
    n = (int)weft_test_rounds_end(&r);
    for (int i = 0; i < n; i++) {
        void *v;
        CHECK_EQ_INT(weft_gen_resume(gs[i], NULL, &v), WEFT_OK);
        CHECK_EQ_INT((intptr_t)v, 1);
    }
    for (int i = 0; i < n; i++)
        weft_gen_free(gs[i]); /* unfinished: freed mid-body */
    free(gs);
}

WEFT_TEST(create_free_cycles_reuse_stacks)
{
    extern long weft_stack_os_count(void);
    /* 200k cycles would pass vm.max_map_count many times over if freed
     * stacks were not reused; the OS stack count says so directly too,
     * so a time-bounded run (TSan, valgrind) still checks reuse. */
    long before = weft_stack_os_count();
    weft_test_rounds_t r = weft_test_rounds("create/free cycles", 200000, 1000, 10.0);
    while (weft_test_rounds_more(&r)) {
        weft_gen_t *g;
        CHECK_EQ_INT(weft_gen_new(counter, (void *)(intptr_t)1, NULL, &g), WEFT_OK);
        CHECK_EQ_INT(weft_gen_resume(g, NULL, NULL), WEFT_OK);
        CHECK_EQ_INT(weft_gen_resume(g, NULL, NULL), WEFT_DONE);
        weft_gen_free(g);
        if (weft_stack_os_count() > before + 1)
            WEFT_FAIL("cycle %ld: %ld stacks from the OS, the pool should reuse one",
                      r.done, weft_stack_os_count() - before);
    }
    weft_test_rounds_end(&r);
}

#if !defined(_WIN32) || defined(__MINGW32__) /* mingw-w64 has winpthreads */
#include <pthread.h>
#ifdef _WIN32
#include <windows.h>
/* What Windows says the running stack is (TEB DeallocationStack and
 * StackBase, which the switch swaps): it must contain p and span at most
 * `span` bytes; with span 0 it must equal *lo0 and *hi0 instead (which
 * are filled in by the first call, while still 0). */
static int stack_reported_ok(const void *p, size_t span, ULONG_PTR *lo0, ULONG_PTR *hi0)
{
    ULONG_PTR lo, hi;
    GetCurrentThreadStackLimits(&lo, &hi);
    if ((ULONG_PTR)p < lo || (ULONG_PTR)p >= hi)
        return 0;
    if (span)
        return hi - lo <= span;
    if (*lo0 == 0) {
        *lo0 = lo;
        *hi0 = hi;
    }
    return lo == *lo0 && hi == *hi0;
}
#else
typedef unsigned long ULONG_PTR;
static int stack_reported_ok(const void *p, size_t span, ULONG_PTR *lo0, ULONG_PTR *hi0) { return 1; }
#endif
/* A generator's body may run on a different thread at each resume (one
 * resume at a time): it sees the right weft_gen_current() on each, and the
 * resuming thread's own view is restored afterwards. */
struct hop { weft_gen_t *g; int step; int ok; };

static void *hopper(weft_gen_t *g, void *arg)
{
    struct hop *h = arg;
    for (int i = 0; i < 1000; i++) {
        if (weft_gen_current() != g ||
            !stack_reported_ok(&i, weft_gen_stack_size(g) + (64 << 10), NULL, NULL))
            h->ok = 0;
        weft_gen_yield(g, (void *)(intptr_t)i);
    }
    return NULL;
}

static void *hop_thread(void *p)
{
    struct hop *h = p;
    ULONG_PTR lo0 = 0, hi0 = 0;
    for (int i = 0; i < 500; i++) {
        void *v;
        if (!stack_reported_ok(&v, 0, &lo0, &hi0))
            h->ok = 0;
        if (weft_gen_resume(h->g, NULL, &v) != WEFT_OK || (intptr_t)v != h->step)
            h->ok = 0;
        if (weft_gen_current() != NULL || !stack_reported_ok(&v, 0, &lo0, &hi0))
            h->ok = 0;
        h->step++;
    }
    return NULL;
}

WEFT_TEST(resumed_from_one_thread_after_another)
{
    struct hop h = { NULL, 0, 1 };
    CHECK_EQ_INT(weft_gen_new(hopper, &h, NULL, &h.g), WEFT_OK);
    for (int t = 0; t < 2; t++) {
        pthread_t th;
        CHECK_EQ_INT(pthread_create(&th, NULL, hop_thread, &h), 0);
        CHECK_EQ_INT(pthread_join(th, NULL), 0); /* join orders the threads' resumes */
    }
    CHECK_EQ_INT(h.step, 1000);
    CHECK_EQ_INT(weft_gen_resume(h.g, NULL, NULL), WEFT_DONE);
    CHECK_EQ_INT(h.ok, 1);
    weft_gen_free(h.g);
}
#endif

WEFT_TEST(strerror_covers_every_code)
{
    int codes[] = { WEFT_OK, WEFT_DONE, WEFT_EINVAL, WEFT_ENOMEM, WEFT_ECLOSED, WEFT_ETIMEDOUT,
                    WEFT_ECANCELED, WEFT_EFINISHED, WEFT_EBUSY, WEFT_EPERM };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        CHECK(strstr(weft_strerror(codes[i]), "unknown") == NULL);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", WEFT_VERSION_MAJOR, WEFT_VERSION_MINOR, WEFT_VERSION_PATCH);
    CHECK(strcmp(weft_version(), want) == 0);
}

WEFT_TEST_MAIN()
