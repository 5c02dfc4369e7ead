/* test_overflow.c - a guard-page hit names the coroutine; other faults
 * behave exactly as without Weft. */
#include "harness.h"
#include "weft.h"

#include <signal.h>

/* The recursions below are endless on purpose. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Winfinite-recursion"
#endif

static volatile char *sink;
static size_t recurse_forever(size_t depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    sink = frame;
    return recurse_forever(depth + 1) + frame[0];
}

static void *overflows(weft_gen_t *g, void *arg)
{
    return (void *)recurse_forever(0);
}

WEFT_TEST(child_overflow_default_stack)
{
    weft_gen_attr_t a = { "overflower", 0 };
    weft_gen_t *g;
    CHECK_EQ_INT(weft_gen_new(overflows, NULL, &a, &g), WEFT_OK);
    printf("id %llu\n", (unsigned long long)weft_gen_id(g));
    weft_gen_resume(g, NULL, NULL);
    exit(0); /* not reached */
}

static size_t big_frame(size_t n)
{
    volatile char frame[3 * 4096 + 100]; /* jumps over a one-page guard */
    frame[0] = (char)n;
    frame[sizeof frame - 1] = 1;
    sink = frame;
    return big_frame(n + 1) + frame[0];
}

static void *overflows_big(weft_gen_t *g, void *arg)
{
    return (void *)big_frame(0);
}

WEFT_TEST(child_overflow_big_frames_small_stack)
{
    weft_gen_attr_t a = { "bigframes", 32 << 10 };
    weft_gen_t *g;
    CHECK_EQ_INT(weft_gen_new(overflows_big, NULL, &a, &g), WEFT_OK);
    weft_gen_resume(g, NULL, NULL);
    exit(0);
}

WEFT_NO_SANITIZE_NULL static void *null_deref(weft_gen_t *g, void *arg)
{
    return (void *)(intptr_t)*(volatile int *)arg;
}

WEFT_TEST(child_null_deref_in_generator)
{
    weft_gen_t *g;
    CHECK_EQ_INT(weft_gen_new(null_deref, NULL, NULL, &g), WEFT_OK);
    weft_gen_resume(g, NULL, NULL);
    exit(0);
}

static void *returns(weft_gen_t *g, void *arg) { return arg; }

/* Weft's handler and this thread's alternate stack are set up by the first
 * resume; run one so the tests below go through Weft's handler. */
static void arm_weft_handler(void)
{
    weft_gen_t *g;
    CHECK_EQ_INT(weft_gen_new(returns, NULL, NULL, &g), WEFT_OK);
    CHECK_EQ_INT(weft_gen_resume(g, NULL, NULL), WEFT_DONE);
    weft_gen_free(g);
}

WEFT_NO_SANITIZE_NULL static void null_deref_outside(void)
{
    arm_weft_handler();
    volatile int *p = NULL;
    exit(*p);
}

WEFT_TEST(child_null_deref_outside)
{
    null_deref_outside();
}

static void expect_overflow(const char *child, const char *name, const char *size)
{
    struct weft_child_result r;
    CHECK_EQ_INT(weft_test_run_child(child, &r), 0);
    char want[128];
    snprintf(want, sizeof want, "weft: stack overflow in coroutine \"%s\" (#", name);
    CHECK_STR_CONTAINS(r.err, want);
    CHECK_STR_CONTAINS(r.err, size);
#ifdef _WIN32
    CHECK(r.exited && r.exit_code != 0);
#else
    CHECK(r.signaled && r.signo == SIGABRT);
#endif
}

WEFT_TEST(overflow_is_reported_with_name_id_and_size)
{
    expect_overflow("child_overflow_default_stack", "overflower", ", stack 64 KiB)");
}

WEFT_TEST(overflow_with_frames_bigger_than_the_guard)
{
    expect_overflow("child_overflow_big_frames_small_stack", "bigframes", ", stack 32 KiB)");
}

static void expect_plain_crash(const char *child)
{
    struct weft_child_result r;
    CHECK_EQ_INT(weft_test_run_child(child, &r), 0);
    if (strstr(r.err, "stack overflow"))
        WEFT_FAIL("a NULL dereference was reported as overflow: %s", r.err);
#ifdef _WIN32
    CHECK(r.exited && (unsigned)r.exit_code == 0xC0000005u); /* STATUS_ACCESS_VIOLATION */
#else
    /* the default action, as without Weft */
    CHECK(r.signaled && r.signo == SIGSEGV);
#endif
}

WEFT_TEST(null_deref_in_generator_is_a_plain_segfault)
{
    expect_plain_crash("child_null_deref_in_generator");
}

WEFT_TEST(null_deref_outside_is_a_plain_segfault)
{
    expect_plain_crash("child_null_deref_outside");
}

#ifndef _WIN32
#include <setjmp.h>
static sigjmp_buf jb;
static volatile int app_handler_ran;
static void app_handler(int sig, siginfo_t *si, void *uc)
{
    app_handler_ran++;
    siglongjmp(jb, 1);
}

WEFT_NO_SANITIZE_NULL static void fault_three_times(void)
{
    for (int i = 0; i < 3; i++) {
        if (sigsetjmp(jb, 1) == 0) {
            volatile int *p = NULL;
            (void)*p;
            WEFT_FAIL("no fault");
        }
    }
}

WEFT_TEST(faults_chain_to_the_previous_handler)
{
    if (weft_test_under_valgrind())
        SKIP("valgrind does not re-deliver a fault after siglongjmp out of a chained handler");
    /* An application (or the JVM) installed a SIGSEGV handler before Weft:
     * faults that are not overflows must reach it. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = app_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    arm_weft_handler();
    struct sigaction now;
    sigaction(SIGSEGV, NULL, &now);
    CHECK(now.sa_sigaction != app_handler); /* Weft's is in front now */
    fault_three_times();
    CHECK_EQ_INT(app_handler_ran, 3);
}
#endif

#ifdef _WIN32
#include <windows.h>
/* An application (or the JVM) registered a vectored handler before Weft:
 * exceptions that are not overflows of the running coroutine reach it
 * unchanged (GetLastError included), from a generator's stack as from
 * the thread's, although Weft's handler runs first. */
static volatile LONG app_handler_ran;
static char *app_guarded;
static LONG CALLBACK app_handler(EXCEPTION_POINTERS *ep)
{
    const EXCEPTION_RECORD *er = ep->ExceptionRecord;
    if (er->ExceptionCode == STATUS_GUARD_PAGE_VIOLATION && er->NumberParameters >= 2 &&
        er->ExceptionInformation[1] - (ULONG_PTR)app_guarded < 4096) {
        app_handler_ran++;
        return EXCEPTION_CONTINUE_EXECUTION; /* PAGE_GUARD is one-shot: the retry succeeds */
    }
    return EXCEPTION_CONTINUE_SEARCH;
}

static int touch_guarded_page(void)
{
    DWORD old;
    if (!VirtualProtect(app_guarded, 4096, PAGE_READWRITE | PAGE_GUARD, &old))
        return 0;
    SetLastError(4242);
    volatile char c = app_guarded[8];
    (void)c;
    return GetLastError() == 4242;
}

static void *touches_guarded_page(weft_gen_t *g, void *arg)
{
    return (void *)(intptr_t)touch_guarded_page();
}

WEFT_TEST(exceptions_reach_the_handlers_registered_before)
{
    app_guarded = VirtualAlloc(NULL, 4096, MEM_COMMIT, PAGE_READWRITE);
    CHECK(app_guarded != NULL);
    PVOID h = AddVectoredExceptionHandler(1, app_handler);
    CHECK(h != NULL);
    arm_weft_handler(); /* Weft's handler is in front of app_handler now */
    for (int i = 0; i < 3; i++)
        CHECK(touch_guarded_page());
    weft_gen_t *g;
    CHECK_EQ_INT(weft_gen_new(touches_guarded_page, NULL, NULL, &g), WEFT_OK);
    void *v;
    CHECK_EQ_INT(weft_gen_resume(g, NULL, &v), WEFT_DONE);
    CHECK_EQ_INT((intptr_t)v, 1);
    weft_gen_free(g);
    CHECK_EQ_INT(app_handler_ran, 4);
    RemoveVectoredExceptionHandler(h);
}
#endif

WEFT_TEST_MAIN()
