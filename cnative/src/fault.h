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

typedef struct weft_fault_info {
    const weft_stack_t *stack;
    const char *name;
    uint64_t id;
} weft_fault_info_t;

/* Both are plain thread-local accesses (no locks, async-signal-safe reads). */
void weft_fault_set_current(const weft_fault_info_t *info);
const weft_fault_info_t *weft_fault_current(void);

/* Installs the process-wide handler (once) and an alternate signal stack
 * for the calling thread (once per thread; freed at thread exit), so that
 * a fault on an exhausted coroutine stack can still run the handler.
 * Cheap after the first call on a thread.  Returns WEFT_OK or WEFT_ENOMEM. */
int weft_fault_prepare_thread(void);

/* Formats the report into buf (async-signal-safe: no malloc, no stdio);
 * returns its length.  Shared by every os/overflow_<os>.c. */
size_t weft_fault_format(char *buf, size_t cap, const weft_fault_info_t *info);

#endif /* WEFT_FAULT_H */
