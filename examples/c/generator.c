/*
 * generator.c - Weft generators from C: a lazy sequence, values flowing
 * both ways, and cleanup when a generator is freed before it finishes.
 *
 *   cmake -S . -B build && cmake --build build && ./build/examples/c/generator
 */
#include <weft.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Yields the Fibonacci numbers below `limit`, then returns how many. */
static void *fibonacci(weft_gen_t *g, void *arg)
{
    uint64_t limit = (uint64_t)(uintptr_t)arg, a = 0, b = 1, n = 0;
    while (a < limit) {
        weft_gen_yield(g, (void *)(uintptr_t)a);
        uint64_t t = a + b;
        a = b;
        b = t;
        n++;
    }
    return (void *)(uintptr_t)n;
}

/* A running average: each resume sends a number in, each yield hands the
 * average so far back out. */
static void *averager(weft_gen_t *g, void *arg)
{
    double sum = 0;
    long count = 0;
    double *in = weft_gen_input(g); /* the first resume's value */
    while (in) {
        sum += *in;
        count++;
        double avg = sum / count;
        in = weft_gen_yield(g, &avg); /* avg lives on this stack until the next resume */
    }
    return NULL;
}

/* Holds a resource across yields and releases it however it ends. */
static void *line_reader(weft_gen_t *g, void *arg)
{
    char *buf = malloc(64);
    for (int i = 0;; i++) {
        snprintf(buf, 64, "line %d", i);
        void *in;
        if (weft_gen_yield_ex(g, buf, &in) == WEFT_ECANCELED)
            break; /* freed by its owner: clean up and return */
    }
    free(buf);
    puts("line_reader: buffer released");
    return NULL;
}

static int check(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", what, weft_strerror(rc));
        exit(1);
    }
    return rc;
}

int main(void)
{
    printf("weft %s\n", weft_version());

    weft_gen_t *fib;
    weft_gen_attr_t attr = { "fibonacci", 16 * 1024 };
    check(weft_gen_new(fibonacci, (void *)(uintptr_t)100, &attr, &fib), "weft_gen_new");
    void *v;
    printf("%s (#%llu):", weft_gen_name(fib), (unsigned long long)weft_gen_id(fib));
    while (check(weft_gen_resume(fib, NULL, &v), "resume") == WEFT_OK)
        printf(" %llu", (unsigned long long)(uintptr_t)v);
    printf("  (%llu numbers)\n", (unsigned long long)(uintptr_t)v);
    printf("resume after the end: %s\n", weft_strerror(weft_gen_resume(fib, NULL, NULL)));
    weft_gen_free(fib);

    weft_gen_t *avg;
    check(weft_gen_new(averager, NULL, NULL, &avg), "weft_gen_new");
    double xs[] = { 4, 8, 15, 16, 23, 42 };
    for (int i = 0; i < 6; i++) {
        check(weft_gen_resume(avg, &xs[i], &v), "resume");
        printf("after %g: average %.2f\n", xs[i], *(double *)v);
    }
    check(weft_gen_resume(avg, NULL, &v), "resume"); /* NULL ends it */
    weft_gen_free(avg);

    weft_gen_t *lines;
    check(weft_gen_new(line_reader, NULL, NULL, &lines), "weft_gen_new");
    for (int i = 0; i < 3; i++) {
        check(weft_gen_resume(lines, NULL, &v), "resume");
        printf("got \"%s\"\n", (char *)v);
    }
    weft_gen_free(lines); /* unfinished: its yield returns WEFT_ECANCELED */
    return 0;
}
