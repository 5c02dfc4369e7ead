/*
 * cls.c - coroutine-local storage: keys with destructors, like pthread
 * keys but per coroutine (weft.h).
 *
 * Slots live in the coroutine record (WEFT_CLS_MAX of them), so get/set is
 * an index, no lookup and no allocation.  Plain threads get a thread-local
 * array instead (no destructors: the thread's own exit is not ours to
 * hook portably).  Destructors run on the coroutine itself, after its
 * function returned, so they may block; like POSIX, up to
 * WEFT_CLS_DTOR_ROUNDS passes while destructors keep setting values.
 */
#include "runtime.h"

#include <pthread.h>
#include <stdlib.h>

#define WEFT_CLS_DTOR_ROUNDS 4

static _Atomic unsigned nkeys;
static void (*_Atomic dtors[WEFT_CLS_MAX])(void *);
static _Atomic int deleted[WEFT_CLS_MAX];
/* Plain threads' values: allocated on a thread's first set, freed at its
 * exit.  A pointer, not the array: the JNI library's static TLS block
 * must stay small (jni_runtime.c, dl_error). */
static _Thread_local void **thread_slots;
static pthread_key_t slots_key;
static pthread_once_t slots_once = PTHREAD_ONCE_INIT;

static void slots_key_create(void)
{
    pthread_key_create(&slots_key, free);
}

int weft_key_create(weft_key_t *key, void (*dtor)(void *))
{
    if (!key)
        return WEFT_EINVAL;
    unsigned k = atomic_fetch_add(&nkeys, 1);
    if (k >= WEFT_CLS_MAX) {
        atomic_fetch_sub(&nkeys, 1);
        return WEFT_ENOMEM;
    }
    atomic_store(&dtors[k], dtor);
    *key = k;
    return WEFT_OK;
}

int weft_key_delete(weft_key_t key)
{
    if (key >= atomic_load(&nkeys) || atomic_exchange(&deleted[key], 1))
        return WEFT_EINVAL;
    atomic_store(&dtors[key], NULL);
    return WEFT_OK;
}

void *weft_getspecific(weft_key_t key)
{
    struct weft_co *co = weft_co_current();
    if (!co)
        return key < WEFT_CLS_MAX && thread_slots ? thread_slots[key] : NULL;
    return key < co->cls_n ? co->cls[key] : NULL; /* a key newer than the coroutine: unset */
}

int weft_setspecific(weft_key_t key, const void *value)
{
    if (key >= atomic_load(&nkeys) || atomic_load(&deleted[key]))
        return WEFT_EINVAL;
    struct weft_co *co = weft_co_current();
    if (!co) {
        if (!thread_slots) {
            if (!(thread_slots = calloc(WEFT_CLS_MAX, sizeof *thread_slots)))
                return WEFT_ENOMEM;
            pthread_once(&slots_once, slots_key_create);
            pthread_setspecific(slots_key, thread_slots); /* frees it at thread exit */
        }
        thread_slots[key] = (void *)value;
        return WEFT_OK;
    }
    while (co->cls_n <= key) /* slots of keys created after the coroutine started */
        co->cls[co->cls_n++] = NULL;
    co->cls[key] = (void *)value;
    return WEFT_OK;
}

/* Keys ever created: slots at or above it are never read, so a new
 * coroutine only clears the slots below it. */
unsigned weft_cls_nkeys(void)
{
    unsigned n = atomic_load_explicit(&nkeys, memory_order_acquire);
    return n > WEFT_CLS_MAX ? WEFT_CLS_MAX : n;
}

/* co.c, on the coroutine, after its function returned. */
void weft_cls_run_dtors(struct weft_co *co)
{
    unsigned n = co->cls_n;
    if (n == 0)
        return;
    for (int round = 0; round < WEFT_CLS_DTOR_ROUNDS; round++) {
        int again = 0;
        for (unsigned k = 0; k < n; k++) {
            void *v = co->cls[k];
            void (*d)(void *) = atomic_load(&dtors[k]);
            if (v && d) {
                co->cls[k] = NULL;
                d(v);
                again = 1;
            }
        }
        if (!again)
            return;
    }
}
