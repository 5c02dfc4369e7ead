/*
 * ctx.h - the machine-level context switch, implemented once per ABI and
 * object format in cnative/src/arch/switch_<arch>_<abi>_<format>.S.
 *
 * A context is nothing but a saved stack pointer.  Switching pushes the
 * callee-saved state the ABI requires onto the current stack, stores the
 * stack pointer through `save`, loads `to`, pops the state found there and
 * returns into whatever code last switched away from `to` (or into the
 * entry trampoline for a fresh context).  Caller-saved registers need no
 * saving: weft_ctx_switch is an ordinary call, so the compiler already
 * assumes they are clobbered.  This is Boost.Context's fcontext design;
 * the frame each .S file lays out is documented in a table at its top.
 *
 * Contract shared by every implementation:
 *
 *  - weft_ctx_switch(save, to, arg) returns, in the context that later
 *    switches back, the `arg` that context's switcher passed.  For a fresh
 *    context the first `arg` arrives as entry's second parameter.
 *  - weft_ctx_make(stk, entry, ctx_arg) lays out a frame at the top of
 *    `stk` so that the first switch into it calls entry(ctx_arg, arg) on
 *    that stack with the stack aligned as the ABI demands at a call.
 *    entry must never return (it switches away for the last time); if it
 *    does, the trampoline traps (ud2 / brk) instead of running off the
 *    end of the stack.
 *  - Floating-point control state (x86: MXCSR control/mask bits and the
 *    x87 control word; AArch64: FPCR) is callee-saved in every ABI we
 *    target, so it belongs to the context: a coroutine that changes the
 *    rounding mode does not change its resumer's.  A fresh context starts
 *    with the FP control state that was current when weft_ctx_make ran.
 *  - Win64 only: the TEB's StackBase (gs:0x08), StackLimit (gs:0x10),
 *    DeallocationStack (gs:0x1478), GuaranteedStackBytes (gs:0x1748) and
 *    ExceptionList (gs:0x00) are part of the context; weft_ctx_make
 *    initialises them from stk->top, stk->limit, stk->alloc, stk->guard
 *    minus two pages, and -1 (an empty chain).  FiberData is not part of
 *    it (switch_x86_64_ms_pe.S says why).
 *  - The symbols are hidden (ELF .hidden / Mach-O .private_extern): they
 *    are not part of libweft's ABI.
 *
 * Hazard (a known bug class of stackful coroutine libraries, e.g.
 * generator-rs #79): code that resumes after weft_ctx_switch may be on a
 * different OS thread than before it, so it must not reuse a thread-local
 * address computed before the switch.  weft_ctx_switch is an external
 * assembly function, so the compiler cannot inline through it, but TLS
 * addresses are still CSE'd across calls: read thread-locals after a
 * switch through a noinline accessor (see gen.c).
 */
#ifndef WEFT_CTX_H
#define WEFT_CTX_H

#include <stddef.h>

/* The Win64 switch file reads top, limit, alloc and guard (offsets 0, 8,
 * 16 and 40 on 64-bit targets); keep the order of the first six fields. */
typedef struct weft_stack {
    char *top;       /* one past the highest usable byte, 16-aligned */
    char *limit;     /* lowest usable byte (above the guard); Windows: the lowest committed byte, where the TEB's StackLimit starts (stack_win.c) */
    char *alloc;     /* start of the whole reservation, guard included (Win64 DeallocationStack) */
    size_t usable;   /* top - limit (on Windows: top - (alloc + guard), see limit) */
    size_t reserved; /* bytes reserved in all, guard included */
    size_t guard;    /* bytes of guard at the low end */
    unsigned valgrind_id; /* VALGRIND_STACK_REGISTER id, 0 when unused */
} weft_stack_t;

typedef void (*weft_ctx_entry)(void *ctx_arg, void *arg);

void *weft_ctx_make(const weft_stack_t *stk, weft_ctx_entry entry, void *ctx_arg);
void *weft_ctx_switch(void **save, void *to, void *arg);

/* The same switch, for contexts that all suspend through one call chain
 * (the scheduler's coroutines, sched.c), where the last switcher's
 * callers are the right return predictions for the next one.
 * weft_ctx_switch ends in an indirect jump, which the branch predictor
 * learns for a generator's asymmetric resume/yield (W1: ret costs it
 * 2-3x); this one ends in `ret`, which leaves the return-stack
 * predictor aligned for a symmetric park-to-park hand-off (W3u: 20% of
 * a hop, with sched.c's direct switches).  Either may resume a context
 * the other suspended: the frames are the same.  On arm64 both end in
 * `ret` and are one function. */
void *weft_ctx_switch_ret(void **save, void *to, void *arg);

/* weft_ctx_switch returns its third argument on the other side; this
 * view of the same symbol lets a side's tail call return the int its
 * caller expects (gen.c), with no conversion that would prevent the
 * sibling call (the value is passed in rax / x0 unchanged).  The asm
 * name carries the object format's prefix for C symbols, which the
 * compiler knows as __USER_LABEL_PREFIX__: "_" on Mach-O, none on ELF
 * and on x86_64 PE. */
#define WEFT_CTX_STR_(x) #x
#define WEFT_CTX_STR(x) WEFT_CTX_STR_(x)
int weft_ctx_switch_int(void **save, void *to, void *arg) __asm__(
    WEFT_CTX_STR(__USER_LABEL_PREFIX__) "weft_ctx_switch");

#endif /* WEFT_CTX_H */
