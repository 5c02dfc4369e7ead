/*
 * park.c - putting a plain thread to sleep until someone wakes it: the
 * parker behind WEFT_WAITER_THREAD waiters and behind idle workers.
 *
 * A parker is a permit (0/1) under a mutex with a condition variable,
 * like java.util.concurrent.locks.LockSupport: unpark sets the permit and
 * signals; wait returns at once if the permit is set, and consumes it.
 * Callers always re-check their real condition in a loop, so a stale
 * permit only costs one extra turn of that loop.
 *
 * Lifetime: a plain thread's parker lives in thread-local storage until
 * the thread exits (a pthread key destructor frees it), so a waker that
 * has won a waiter may still touch the parker after the waiting thread
 * has already noticed and returned.
 */
#include "runtime.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct weft_parker {
    pthread_mutex_t m;
    pthread_cond_t c;
    int permit;
    int monotonic;  /* the cond uses CLOCK_MONOTONIC */
};

struct weft_parker *weft_parker_new(void)
{
    struct weft_parker *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->m, NULL);
    pthread_condattr_t a;
    pthread_condattr_init(&a);
#if defined(__linux__)
    p->monotonic = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) == 0;
#endif
    pthread_cond_init(&p->c, &a);
    pthread_condattr_destroy(&a);
    return p;
}

void weft_parker_free(struct weft_parker *p)
{
    if (!p)
        return;
    pthread_cond_destroy(&p->c);
    pthread_mutex_destroy(&p->m);
    free(p);
}

static _Thread_local struct weft_parker *tls_parker;
static pthread_key_t parker_key;
static pthread_once_t parker_once = PTHREAD_ONCE_INIT;

static void parker_key_create(void)
{
    pthread_key_create(&parker_key, (void (*)(void *))weft_parker_free);
}

struct weft_parker *weft_parker_self(void)
{
    if (!tls_parker) {
        pthread_once(&parker_once, parker_key_create);
        tls_parker = weft_parker_new();
        if (!tls_parker)
            abort(); /* a few dozen bytes; nothing sensible to return instead */
        pthread_setspecific(parker_key, tls_parker);
    }
    return tls_parker;
}

void weft_parker_wait(struct weft_parker *p, int64_t deadline)
{
    pthread_mutex_lock(&p->m);
    if (!p->permit) {
        if (deadline < 0) {
            pthread_cond_wait(&p->c, &p->m);
        } else {
            int64_t left = deadline - weft_now();
            if (left > 0) {
                struct timespec ts;
                clock_gettime(p->monotonic ? CLOCK_MONOTONIC : CLOCK_REALTIME, &ts);
                int64_t ns = (int64_t)ts.tv_nsec + left % 1000000000;
                ts.tv_sec += (time_t)(left / 1000000000 + ns / 1000000000);
                ts.tv_nsec = (long)(ns % 1000000000);
                pthread_cond_timedwait(&p->c, &p->m, &ts);
            }
        }
    }
    p->permit = 0;
    pthread_mutex_unlock(&p->m);
}

void weft_parker_unpark(struct weft_parker *p)
{
    pthread_mutex_lock(&p->m);
    p->permit = 1;
    pthread_cond_signal(&p->c);
    pthread_mutex_unlock(&p->m);
}
