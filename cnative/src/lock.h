/*
 * lock.h - the internal spinlock guarding Weft's objects (a channel, a
 * mutex's wait queue, a timer heap, a coroutine's wait slot).
 *
 * Critical sections under it are a few dozen instructions and never
 * block or switch stacks, so spinning beats a futex round trip.  After a
 * short spin it yields the CPU so that a holder preempted by the OS (two
 * cores, noisy neighbours) gets to finish.  Test-and-test-and-set: waiters
 * spin on a plain load, not on the atomic exchange.
 */
#ifndef WEFT_LOCK_H
#define WEFT_LOCK_H

#include <stdatomic.h>

#include "os/os.h" /* weft_os_yield */

#if defined(__x86_64__) || defined(_M_X64)
#define weft_cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define weft_cpu_relax() __asm__ __volatile__("yield")
#else
#define weft_cpu_relax() ((void)0)
#endif

typedef struct { _Atomic int v; } weft_spin_t;
#define WEFT_SPIN_INIT { 0 }

static inline int weft_spin_trylock(weft_spin_t *l)
{
    return !atomic_load_explicit(&l->v, memory_order_relaxed) &&
           !atomic_exchange_explicit(&l->v, 1, memory_order_acquire);
}

static inline void weft_spin_lock(weft_spin_t *l)
{
    if (__builtin_expect(!atomic_exchange_explicit(&l->v, 1, memory_order_acquire), 1))
        return;
    for (unsigned n = 0;; n++) {
        while (atomic_load_explicit(&l->v, memory_order_relaxed)) {
            if (n < 64)
                weft_cpu_relax();
            else
                weft_os_yield();
            n++;
        }
        if (!atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
            return;
    }
}

static inline void weft_spin_unlock(weft_spin_t *l)
{
    atomic_store_explicit(&l->v, 0, memory_order_release);
}

#endif /* WEFT_LOCK_H */
