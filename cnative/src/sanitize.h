/*
 * sanitize.h - telling ASan and TSan about stack switches.
 *
 * ASan keeps shadow state per stack (and a "fake stack" for
 * use-after-return detection); TSan keeps a shadow call stack and a
 * happens-before clock per thread.  A hand-made switch moves execution to
 * another stack behind their backs, so we announce each one:
 *
 *   before:  weft_san_start(&fake, target_bottom, target_size, target_fiber)
 *   after:   weft_san_finish(fake, &from_bottom, &from_size)
 *
 * ASan: __sanitizer_start_switch_fiber saves this stack's fake-stack
 * pointer in *fake (pass NULL when the stack being left will never be
 * resumed, so ASan frees it); __sanitizer_finish_switch_fiber, run first
 * thing on the destination, restores it and reports which stack we came
 * from.  TSan: __tsan_switch_to_fiber right before the switch.
 *
 * All of it is always_inline (QEMU and minicoro do the same): TSan loses
 * track of the call stack if the hook itself is a call frame that
 * vanishes across the switch.  Without sanitizers everything compiles to
 * nothing.
 */
#ifndef WEFT_SANITIZE_H
#define WEFT_SANITIZE_H

#include <stddef.h>

#if defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define WEFT_ASAN 1
#  endif
#  if __has_feature(thread_sanitizer)
#    define WEFT_TSAN 1
#  endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(WEFT_ASAN)
#  define WEFT_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) && !defined(WEFT_TSAN)
#  define WEFT_TSAN 1
#endif

#if defined(WEFT_ASAN)
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old, size_t *size_old);
#endif
#if defined(WEFT_ASAN)
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#endif
#if defined(WEFT_TSAN)
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif

#if defined(__GNUC__)
#  define WEFT_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#  define WEFT_ALWAYS_INLINE static inline
#endif

WEFT_ALWAYS_INLINE void weft_san_start(void **fake, const void *bottom, size_t size, void *tsan_fiber)
{
#if defined(WEFT_ASAN)
    __sanitizer_start_switch_fiber(fake, bottom, size);
#else
    (void)fake; (void)bottom; (void)size;
#endif
#if defined(WEFT_TSAN)
    __tsan_switch_to_fiber(tsan_fiber, 0);
#else
    (void)tsan_fiber;
#endif
}

WEFT_ALWAYS_INLINE void weft_san_finish(void *fake, const void **from_bottom, size_t *from_size)
{
#if defined(WEFT_ASAN)
    __sanitizer_finish_switch_fiber(fake, from_bottom, from_size);
#else
    (void)fake; (void)from_bottom; (void)from_size;
#endif
}

/* A stack abandoned mid-frame (a generator or coroutine freed before it
 * returned) keeps ASan's redzone poison; clear it before reuse. */
WEFT_ALWAYS_INLINE void weft_asan_unpoison(void *addr, size_t size)
{
#if defined(WEFT_ASAN)
    __asan_unpoison_memory_region(addr, size);
#else
    (void)addr; (void)size;
#endif
}

WEFT_ALWAYS_INLINE void *weft_tsan_current(void)
{
#if defined(WEFT_TSAN)
    return __tsan_get_current_fiber();
#else
    return NULL;
#endif
}

WEFT_ALWAYS_INLINE void *weft_tsan_create(void)
{
#if defined(WEFT_TSAN)
    return __tsan_create_fiber(0);
#else
    return NULL;
#endif
}

WEFT_ALWAYS_INLINE void weft_tsan_destroy(void *fiber)
{
#if defined(WEFT_TSAN)
    if (fiber)
        __tsan_destroy_fiber(fiber);
#else
    (void)fiber;
#endif
}

#endif /* WEFT_SANITIZE_H */
