/*
 * fault.h - what the overflow handler (os/overflow_<os>.c) needs to know
 * about the coroutine running on a thread.
 *
 * Whoever switches a thread onto a coroutine stack (gen.c today, the
 * scheduler later) publishes that coroutine with weft_fault_set_current
 * before the switch and puts back the previous value after it.  The
 * handler reads it from the faulting thread: a fault whose address lies in
 * the guard of the published stack is reported as
 *     weft: stack overflow in coroutine "NAME" (#ID, stack 64 KiB)
 * and the process aborts; every other fault goes to the handler that was
 * installed before Weft's (the JVM's, for one), unchanged.
 */
#ifndef WEFT_FAULT_H
#define WEFT_FAULT_H

#include <stdint.h>
#include "arch/ctx.h"

/* The first member of every coroutine record (gen.c's weft_gen, later the
 * scheduler's), so a pointer to it is a pointer to the record. */
enum { WEFT_CORO_GEN = 1, WEFT_CORO_TASK = 2 };
typedef struct weft_fault_info {
    int kind;                  /* WEFT_CORO_* */
    const weft_stack_t *stack;
    const char *name;
    uint64_t id;
} weft_fault_info_t;

/* initial-exec TLS where the object format has it: one %fs/tpidr-relative
 * access, and the fault handler is never the first to touch the variable
 * (a lazily allocated dynamic TLS block is not async-signal-safe). */
#if defined(__ELF__)
#  define WEFT_TLS_IE __attribute__((tls_model("initial-exec")))
#else
#  define WEFT_TLS_IE
#endif

/* The coroutine running on this thread, NULL on the thread's own stack
 * (defined in fault.c).  Written only by the code that switches stacks,
 * just before the switch; see the TLS hazard in arch/ctx.h. */
extern _Thread_local const weft_fault_info_t *weft_running WEFT_TLS_IE;

/* Nonzero once weft_fault_prepare_thread succeeded on this thread. */
extern _Thread_local int weft_thread_prepared WEFT_TLS_IE;

static inline void weft_fault_set_current(const weft_fault_info_t *info)
{
    weft_running = info;
}

static inline const weft_fault_info_t *weft_fault_current(void)
{
    return weft_running;
}

/* Installs the process-wide handler (once) and an alternate signal stack
 * for the calling thread (once per thread; freed at thread exit), so that
 * a fault on an exhausted coroutine stack can still run the handler.
 * Windows has no alternate stack: the vectored handler runs on headroom
 * kept below each coroutine stack, and this call only installs the handler
 * and marks the thread (overflow_win.c).  Sets weft_thread_prepared.
 * Returns WEFT_OK or WEFT_ENOMEM. */
int weft_fault_prepare_thread(void);

/* Formats the report into buf (async-signal-safe: no malloc, no stdio);
 * returns its length.  Shared by every os/overflow_<os>.c. */
size_t weft_fault_format(char *buf, size_t cap, const weft_fault_info_t *info);

#endif /* WEFT_FAULT_H */
