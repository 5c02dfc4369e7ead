/* test_stack.c - stack sizes, guard placement, the pool, and running out. */
#include "harness.h"
#include "weft.h"
#include "stack.h"
#include "sanitize.h"

#ifndef _WIN32
#include <sys/resource.h>
#include <sys/mman.h>
#endif

WEFT_TEST(sizes_round_to_pages_and_are_bounded)
{
    size_t pg = weft_page_size(), u;
    CHECK(pg >= 4096 && (pg & (pg - 1)) == 0);
    CHECK_EQ_INT(weft_stack_size(0, &u), WEFT_OK);
    CHECK_EQ_INT(u, WEFT_STACK_DEFAULT);
    CHECK_EQ_INT(weft_stack_size(1, &u), WEFT_OK);
    CHECK_EQ_INT(u, pg);
    CHECK_EQ_INT(weft_stack_size(pg + 1, &u), WEFT_OK);
    CHECK_EQ_INT(u, 2 * pg);
    CHECK_EQ_INT(weft_stack_size(WEFT_STACK_MAX, &u), WEFT_OK);
    CHECK_EQ_INT(u, WEFT_STACK_MAX);
    CHECK_EQ_INT(weft_stack_size(WEFT_STACK_MAX + 1, &u), WEFT_EINVAL);
    CHECK_EQ_INT(weft_stack_size((size_t)-1, &u), WEFT_EINVAL);
}

WEFT_TEST(layout_guard_below_usable)
{
    weft_stack_t s;
    CHECK_EQ_INT(weft_stack_get(&s, 64 << 10), WEFT_OK);
    CHECK(s.alloc + s.guard <= s.limit);
    CHECK(s.guard >= weft_page_size());
    CHECK_EQ_INT(s.usable, 64 << 10);
    CHECK_EQ_INT(s.top - (s.alloc + s.guard), 64 << 10);
#ifdef _WIN32
    /* Windows commits a stack the way it grows a thread's: downwards,
     * through a guard page, while the stack is the running one (the TEB
     * says so).  limit is the committed low end, where the TEB's
     * StackLimit starts; only [limit, top) may be touched from outside. */
    CHECK(s.top - s.limit >= (ptrdiff_t)weft_page_size());
#else
    CHECK_EQ_INT(s.top - s.limit, 64 << 10);
#endif
    CHECK_EQ_INT(((uintptr_t)s.top) % 16, 0);
    /* the whole usable range can be written */
    for (char *p = s.limit; p < s.top; p += 512)
        *p = 1;
    s.top[-1] = 1;
    weft_stack_put(&s);
}

WEFT_TEST(one_gib_stack_costs_only_what_it_touches)
{
    weft_stack_t s;
    CHECK_EQ_INT(weft_stack_get(&s, WEFT_STACK_MAX), WEFT_OK);
    s.top[-1] = 1;
    s.limit[0] = 1;
    weft_stack_put(&s);
    weft_stack_pool_drain();
}

WEFT_TEST(pool_reuses_released_stacks)
{
    weft_stack_t a, b;
    CHECK_EQ_INT(weft_stack_get(&a, 64 << 10), WEFT_OK);
    char *first = a.alloc;
    weft_stack_put(&a);
    CHECK_EQ_INT(weft_stack_get(&b, 64 << 10), WEFT_OK);
    CHECK_EQ_PTR(b.alloc, first);
    weft_stack_put(&b);
    /* a different size is not served from the pool */
    CHECK_EQ_INT(weft_stack_get(&a, 128 << 10), WEFT_OK);
    CHECK(a.alloc != first);
    CHECK_EQ_INT(a.usable, 128 << 10);
    weft_stack_put(&a);
    weft_stack_pool_drain();
}

#ifndef _WIN32
static void *noop(weft_gen_t *g, void *arg) { return arg; }

WEFT_TEST(child_exhaust_address_space)
{
    /* 512 MiB of address space; 1 GiB stacks cannot be reserved. */
    struct rlimit rl = { (rlim_t)512 << 20, (rlim_t)512 << 20 };
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        WEFT_FAIL("setrlimit");
    /* qemu-user accepts RLIMIT_AS but does not apply it (it would limit
     * the emulator itself): nothing to exhaust there. */
    void *probe = mmap(NULL, (size_t)1 << 30, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (probe != MAP_FAILED) {
        munmap(probe, (size_t)1 << 30);
        SKIP("RLIMIT_AS is not enforced here (emulator?)");
    }
    weft_gen_attr_t a = { "huge", WEFT_STACK_MAX };
    weft_gen_t *g = (weft_gen_t *)0x1;
    CHECK_EQ_INT(weft_gen_new(noop, NULL, &a, &g), WEFT_ENOMEM);
    CHECK(g == NULL);
    /* the runtime is still healthy: ordinary generators work */
    weft_gen_t *ok;
    CHECK_EQ_INT(weft_gen_new(noop, (void *)7, NULL, &ok), WEFT_OK);
    void *v;
    CHECK_EQ_INT(weft_gen_resume(ok, NULL, &v), WEFT_DONE);
    CHECK_EQ_INT((intptr_t)v, 7);
    weft_gen_free(ok);
    /* and exhausting with many small ones ends in ENOMEM, not a crash */
    int n = 0, rc;
    weft_gen_t **all = calloc(200000, sizeof *all);
    CHECK(all != NULL);
    while (n < 200000 && (rc = weft_gen_new(noop, NULL, NULL, &all[n])) == WEFT_OK)
        n++;
    CHECK(n < 200000);
    CHECK_EQ_INT(rc, WEFT_ENOMEM);
    for (int i = 0; i < n; i++)
        weft_gen_free(all[i]);
    free(all);
    printf("ENOMEM after %d stacks\n", n);
    exit(0);
}

WEFT_TEST(reservation_failure_is_enomem_not_a_crash)
{
#if defined(WEFT_ASAN) || defined(WEFT_TSAN)
    SKIP("sanitizer runtimes need more address space than RLIMIT_AS leaves; runs in the plain build");
#endif
    struct weft_child_result r;
    CHECK_EQ_INT(weft_test_run_child("child_exhaust_address_space", &r), 0);
    if (r.exited && r.exit_code == WEFT_TEST_SKIP)
        SKIP("%s", r.err);
    if (!r.exited || r.exit_code != 0)
        WEFT_FAIL("child failed (exited=%d code=%d signaled=%d sig=%d): %s",
                  r.exited, r.exit_code, r.signaled, r.signo, r.err);
}
#endif

#if defined(__linux__)
/* memcheck does not track mmap'ed stacks, so count the process's mapped
 * bytes instead: after generators are freed (finished or not) and the
 * pool is drained, nothing of theirs may remain mapped. */
static long mapped_kib(void)
{
    /* anonymous mappings only: malloc's heap ([heap]) may grow or shrink
     * with our own fopen's buffers; mmap'ed stacks are never in it */
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    long kib = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi, off, inode;
        char perms[8], dev[16], path[256] = "";
        if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %255s", &lo, &hi, perms, &off, dev, &inode, path) >= 6 &&
            inode == 0 && path[0] == 0)
            kib += (long)((hi - lo) >> 10);
    }
    if (f)
        fclose(f);
    return f ? kib : -1;
}

static void *yield_once(weft_gen_t *g, void *arg)
{
    weft_gen_yield(g, NULL);
    return NULL;
}

WEFT_TEST(freed_generators_leave_nothing_mapped)
{
    /* The address-space check needs a process whose mappings are all its
     * own: sanitizer runtimes map shadow memory as the program runs, and
     * valgrind lives in the same address space. */
    int check_maps = !weft_test_under_valgrind();
#if defined(WEFT_ASAN) || defined(WEFT_TSAN)
    check_maps = 0;
#endif
    enum { N = 2000 };
    static weft_gen_t *gs[N];
    /* warm up this thread's alternate signal stack and the pool */
    CHECK_EQ_INT(weft_gen_new(yield_once, NULL, NULL, &gs[0]), WEFT_OK);
    CHECK_EQ_INT(weft_gen_resume(gs[0], NULL, NULL), WEFT_OK);
    weft_gen_free(gs[0]);
    weft_stack_pool_drain();
    long before = mapped_kib(), stacks_before = weft_stack_os_count();
    CHECK(before > 0);
    /* 200 live stacks already show in the mappings (12.5 MiB) */
    weft_test_rounds_t r = weft_test_rounds("live generators", N, 200, 10.0);
    while (weft_test_rounds_more(&r)) {
        int i = (int)r.done - 1;
        CHECK_EQ_INT(weft_gen_new(yield_once, NULL, NULL, &gs[i]), WEFT_OK);
        if (i % 2)
            CHECK_EQ_INT(weft_gen_resume(gs[i], NULL, NULL), WEFT_OK); /* half suspended mid-body */
    }
    long n = weft_test_rounds_end(&r);
    CHECK_EQ_INT(weft_stack_os_count(), stacks_before + n);
    if (check_maps)
        CHECK(mapped_kib() >= before + n * 64);
    for (long i = 0; i < n; i++)
        weft_gen_free(gs[i]);
    weft_stack_pool_drain();
    CHECK_EQ_INT(weft_stack_os_count(), stacks_before);
    if (check_maps)
        CHECK_EQ_INT(mapped_kib(), before);
}
#endif

WEFT_TEST_MAIN()
