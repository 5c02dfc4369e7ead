/*
 * rt_helpers.h - small helpers shared by the runtime tests: start and
 * join a plain thread or a coroutine, failing the test on error.
 */
#ifndef WEFT_TEST_RT_HELPERS_H
#define WEFT_TEST_RT_HELPERS_H

#include "harness.h"
#include "weft.h"

#include <pthread.h>
#include <stdint.h>

static inline pthread_t thread(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, arg) != 0)
        WEFT_FAIL("pthread_create");
    return t;
}

static inline intptr_t join_thread(pthread_t t)
{
    void *r;
    pthread_join(t, &r);
    return (intptr_t)r;
}

static inline weft_co_t *spawn(void *(*fn)(void *), void *arg)
{
    weft_co_t *co;
    CHECK_EQ_INT(weft_spawn(NULL, fn, arg, &co), WEFT_OK);
    return co;
}

/* Joins and releases co; returns its result. */
static inline intptr_t join_co(weft_co_t *co)
{
    void *r;
    CHECK_EQ_INT(weft_join(co, &r), WEFT_OK);
    weft_co_release(co);
    return (intptr_t)r;
}

#endif /* WEFT_TEST_RT_HELPERS_H */
