/*
 * harness.h - a minimal test harness in the manner of libuv's test runner.
 *
 * A test file defines cases with WEFT_TEST(name) { ... } and ends with
 * WEFT_TEST_MAIN().  tests/CMakeLists.txt finds the case names in the
 * source and registers each as its own ctest test, so every case runs in
 * its own process with its own timeout (scaled by WEFT_TEST_TIMEOUT_SCALE
 * for slow runs: valgrind, qemu, wine).
 *
 *   ./test_gen            runs every case in this process, in order
 *   ./test_gen NAME       runs one case
 *   ./test_gen --list     prints the case names
 *
 * Exit codes: 0 pass, 1 fail, 77 skipped (ctest's SKIP_RETURN_CODE).
 * CHECK* macros print file:line and the values compared, then exit(1).
 *
 * Cases that must crash (stack overflow) run themselves again as a child
 * process with weft_test_run_child(), which captures the child's stderr.
 */
#ifndef WEFT_TEST_HARNESS_H
#define WEFT_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define WEFT_TEST_SKIP 77

typedef void (*weft_test_fn)(void);
struct weft_test_case { const char *name; weft_test_fn fn; };

#define WEFT_TEST_MAX 128
extern struct weft_test_case weft_test_cases[WEFT_TEST_MAX];
extern int weft_test_count;
extern const char *weft_test_argv0;

/* Registration runs before main through a constructor (GCC/Clang; MSVC
 * builds would need a .CRT$XCU section, not needed for mingw). */
#define WEFT_TEST(tname)                                                       \
    static void weft_test_##tname(void);                                       \
    __attribute__((constructor)) static void weft_test_reg_##tname(void) {     \
        if (weft_test_count < WEFT_TEST_MAX) {                                \
            weft_test_cases[weft_test_count].name = #tname;                    \
            weft_test_cases[weft_test_count].fn = weft_test_##tname;           \
            weft_test_count++;                                                \
        }                                                                     \
    }                                                                         \
    static void weft_test_##tname(void)

#define WEFT_FAIL(...)                                                        \
    do {                                                                      \
        fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);                 \
        fprintf(stderr, __VA_ARGS__);                                         \
        fputc('\n', stderr);                                                  \
        fflush(stderr);                                                       \
        exit(1);                                                              \
    } while (0)

#define CHECK(cond)                                                           \
    do { if (!(cond)) WEFT_FAIL("CHECK(%s)", #cond); } while (0)

#define CHECK_EQ_INT(a, b)                                                    \
    do {                                                                      \
        long long weft_a_ = (long long)(a), weft_b_ = (long long)(b);         \
        if (weft_a_ != weft_b_)                                               \
            WEFT_FAIL("%s == %s: %lld != %lld", #a, #b, weft_a_, weft_b_);    \
    } while (0)

#define CHECK_EQ_PTR(a, b)                                                    \
    do {                                                                      \
        const void *weft_a_ = (const void *)(a), *weft_b_ = (const void *)(b);\
        if (weft_a_ != weft_b_)                                               \
            WEFT_FAIL("%s == %s: %p != %p", #a, #b, weft_a_, weft_b_);        \
    } while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                       \
    do {                                                                      \
        const char *weft_h_ = (hay), *weft_n_ = (needle);                     \
        if (!weft_h_ || !strstr(weft_h_, weft_n_))                            \
            WEFT_FAIL("\"%s\" does not contain \"%s\"",                       \
                      weft_h_ ? weft_h_ : "(null)", weft_n_);                 \
    } while (0)

#define SKIP(...)                                                             \
    do {                                                                      \
        fprintf(stderr, "SKIP: ");                                            \
        fprintf(stderr, __VA_ARGS__);                                         \
        fputc('\n', stderr);                                                  \
        exit(WEFT_TEST_SKIP);                                                 \
    } while (0)

/* For tests that fault on purpose: UBSan would stop at the NULL load
 * before the CPU faults, which is the behaviour under test. */
#if defined(__GNUC__)
#  define WEFT_NO_SANITIZE_NULL __attribute__((no_sanitize("null")))
#else
#  define WEFT_NO_SANITIZE_NULL
#endif

/* True when running under valgrind (its preload library is in
 * LD_PRELOAD), for the few cases valgrind cannot emulate faithfully
 * (non-nearest SSE rounding, siglongjmp out of a chained handler) and
 * for scaling down counts it would take minutes over. */
static inline int weft_test_under_valgrind(void)
{
    const char *p = getenv("LD_PRELOAD");
    return p && strstr(p, "vgpreload") != NULL;
}

/* Rounds of a loop that repeats work to provoke races or to fill a pool,
 * bounded by count and by time, whichever ends first: a test's running
 * time must not follow one machine's speed (TSan's fiber contexts cost
 * milliseconds where page faults are slow; valgrind, qemu, a busy
 * neighbour).  `min` is the fewest rounds for which the property the
 * test checks still means something: weft_test_rounds_end fails the
 * test below it, naming what ran short.
 *
 *   weft_test_rounds_t r = weft_test_rounds("cycles", 200000, 2000, 10.0);
 *   while (weft_test_rounds_more(&r)) { ... one round ... }
 *   long n = weft_test_rounds_end(&r);      // rounds run, >= min
 *
 * Thread-safe only for one caller at a time (one loop, one thread). */
typedef struct weft_test_rounds {
    const char *what;
    long max, min, done;
    double end;          /* weft_test_seconds() at which rounds stop */
} weft_test_rounds_t;

/* A monotonic clock in seconds (for budgets, not for measurements). */
double weft_test_seconds(void);
weft_test_rounds_t weft_test_rounds(const char *what, long max, long min, double budget_s);
/* 1: run one more round (it is counted); 0: the count or the time is up. */
int weft_test_rounds_more(weft_test_rounds_t *r);
/* Prints how many rounds ran and in how long; fails below r->min. */
long weft_test_rounds_end(const weft_test_rounds_t *r);

/* How a child process ended. */
struct weft_child_result {
    int exited;        /* 1: exited normally with exit_code */
    int exit_code;
    int signaled;      /* 1: killed by signal `signo` (POSIX); on Windows a
                          crash is reported as exited with an NTSTATUS code */
    int signo;
    char err[8192];    /* the child's stderr, NUL-terminated, truncated */
};

/* Runs this test binary again as `argv0 case_name` and waits for it. */
int weft_test_run_child(const char *case_name, struct weft_child_result *res);

/* True when this process is such a child (so a case can tell which half
 * of itself it is). */
int weft_test_is_child(void);

int weft_test_main(int argc, char **argv);
#define WEFT_TEST_MAIN()                                                      \
    int main(int argc, char **argv) { return weft_test_main(argc, argv); }

#endif /* WEFT_TEST_HARNESS_H */
