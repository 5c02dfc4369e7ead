/*
 * switch_x86_64_sysv_elf.S - context switch for x86_64, System V ABI, ELF
 * (Linux, the BSDs).  Contract: ctx.h.
 *
 * Source: System V Application Binary Interface, AMD64 Architecture
 * Processor Supplement (x86-64 psABI) 1.0:
 *  - 3.2.1 "Registers": rbx, rbp, r12-r15 (and rsp) belong to the caller
 *    and must be preserved across calls; everything else is scratch.
 *  - 3.2.1: "The control bits of the MXCSR register are callee-saved,
 *    while the status bits are caller-saved. The x87 status word register
 *    is caller-saved, whereas the x87 control word is callee-saved."
 *    We save the whole MXCSR (stmxcsr has no narrower form) and restore it;
 *    restoring stale status (exception flag) bits is harmless because the
 *    ABI says callers may not rely on them.
 *  - 3.2.2 "The Stack Frame": rsp+8 is a multiple of 16 when control is
 *    transferred to a function entry point (i.e. rsp is 16-aligned just
 *    before the `call`).
 *
 * Frame of a suspended context, at its saved rsp (64 bytes, 16-aligned;
 * the return address is the one our caller's `call` pushed, the rest is
 * stored below it with plain moves, which pipeline better than pushes):
 *
 *   offset  slot
 *     0     MXCSR            (4 bytes)
 *     4     x87 control word (2 bytes, 2 bytes padding)
 *     8     r15
 *    16     r14
 *    24     r13              fresh context: entry's ctx_arg
 *    32     r12              fresh context: entry function
 *    40     rbx
 *    48     rbp              fresh context: 0 (ends frame-pointer walks)
 *    56     return address   fresh context: weft_ctx_trampoline
 *
 * Fresh context: weft_ctx_make places this frame at (top - 16 - 64), so
 * that after the switch pops it and jumps into the trampoline, rsp is
 * top - 16: 16-aligned, as required just before the trampoline's `call`.
 * The 16 bytes above hold a zero "return address" for unwinders.
 *
 * CET: every function here starts with endbr64 (IBT checks indirect
 * call and jump targets; the two exported ones are called directly today,
 * but a caller may take their address, and the trampoline is reached by
 * the switch's indirect jump).  A shadow stack (SHSTK) is a different
 * matter: a coroutine returns from weft_ctx_switch through a return
 * address pushed on another stack, with no matching shadow-stack entry.  Supporting SHSTK needs a shadow stack per coroutine and
 * rstorssp/saveprevssp in the switch (boostorg/context #207); until then
 * the GNU property note below claims IBT only, never SHSTK.
 */

#if defined(__CET__) || defined(WEFT_CET)
#define WEFT_ENDBR endbr64
#else
#define WEFT_ENDBR
#endif

    .text

/* The two switches share everything but their last instruction
 * (ctx.h says which to use when): save the callee-saved state of this
 * context below the return address our caller's `call` pushed, publish
 * the frame, adopt the other context's frame and restore its state.
 * Leaves rsp at the other context's return address, arg in rax and rsi
 * (a fresh context's trampoline takes its second argument from rsi). */
.macro WEFT_SWITCH_BODY
    WEFT_ENDBR
    leaq    -56(%rsp), %rsp     /* the return address is already at 56 */
    stmxcsr (%rsp)
    fnstcw  4(%rsp)
    movq    %r15, 8(%rsp)
    movq    %r14, 16(%rsp)
    movq    %r13, 24(%rsp)
    movq    %r12, 32(%rsp)
    movq    %rbx, 40(%rsp)
    movq    %rbp, 48(%rsp)
    movl    (%rsp), %r9d        /* ours, to skip reloading equal values */
    movzwl  4(%rsp), %r10d

    movq    %rsp, (%rdi)        /* publish our frame */
    movq    %rsi, %rsp          /* adopt theirs */

    /* Reload the FP control state only when it differs: ldmxcsr and
     * fldcw are slow, and every Weft context inherits its creator's
     * (ctx_make), so they almost never differ.  MXCSR bits 0-5 are
     * status flags (3.2.1 above: not preserved), only bits 6-15 decide. */
    movl    (%rsp), %r11d
    xorl    %r9d, %r11d
    andl    $-64, %r11d         /* bits 6-15 only (not $0xffc0: clang's macros read $0 as an argument) */
    jz      1f
    ldmxcsr (%rsp)
1:  cmpw    4(%rsp), %r10w
    je      2f
    fldcw   4(%rsp)
2:  movq    8(%rsp), %r15
    movq    16(%rsp), %r14
    movq    24(%rsp), %r13
    movq    32(%rsp), %r12
    movq    40(%rsp), %rbx
    movq    48(%rsp), %rbp
    leaq    56(%rsp), %rsp      /* at their return address */
    movq    %rdx, %rax          /* return value for a resumed switch */
    movq    %rdx, %rsi          /* second argument for a fresh entry */
.endm

/* void *weft_ctx_switch(void **save, void *to, void *arg)
 *   rdi = save, rsi = to, rdx = arg; returns arg in rax. */
    .globl  weft_ctx_switch
    .hidden weft_ctx_switch
    .type   weft_ctx_switch, @function
    .p2align 4
weft_ctx_switch:
    .cfi_startproc
    WEFT_SWITCH_BODY
    popq    %r8
    /* An indirect jump, not `ret`: the return address we pushed belongs
     * to the other context, so a `ret` here would always miss in the
     * return-stack predictor; the indirect-branch predictor learns a
     * generator's resume/yield ping-pong.  (Boost.Context's fcontext does
     * the same; W1 measured 12.2 ns per switch with `ret`, see
     * bench/README.md.)
     * notrack: under CET IBT the targets are return sites, which have no
     * endbr64; NOTRACK exempts this jump from the IBT check. */
#if defined(__CET__) || defined(WEFT_CET)
    notrack jmp *%r8
#else
    jmp     *%r8
#endif
    .cfi_endproc
    .size   weft_ctx_switch, .-weft_ctx_switch

/* void *weft_ctx_switch_ret(void **save, void *to, void *arg): the same,
 * ending in `ret`.  It mispredicts once, but leaves the return-stack
 * predictor holding the callers of the context that switched out, which
 * are the right predictions for the one resumed when both parked through
 * the same call chain (the scheduler's coroutines; ctx.h).  No shadow
 * stack is claimed (see the top of this file), so the `ret` into another
 * stack is allowed under CET. */
    .globl  weft_ctx_switch_ret
    .hidden weft_ctx_switch_ret
    .type   weft_ctx_switch_ret, @function
    .p2align 4
weft_ctx_switch_ret:
    .cfi_startproc
    WEFT_SWITCH_BODY
    ret
    .cfi_endproc
    .size   weft_ctx_switch_ret, .-weft_ctx_switch_ret

/* void *weft_ctx_make(const weft_stack_t *stk, weft_ctx_entry entry, void *ctx_arg)
 *   rdi = stk (stk->top at offset 0), rsi = entry, rdx = ctx_arg.
 *   Returns the initial saved rsp of the new context. */
    .globl  weft_ctx_make
    .hidden weft_ctx_make
    .type   weft_ctx_make, @function
    .p2align 4
weft_ctx_make:
    .cfi_startproc
    WEFT_ENDBR
    movq    (%rdi), %rax        /* stk->top */
    andq    $-16, %rax
    movq    $0, -8(%rax)        /* zero return address above the frame */
    movq    $0, -16(%rax)
    leaq    -80(%rax), %rax     /* frame base: top - 16 - 64 */
    stmxcsr (%rax)              /* inherit the creator's FP control state */
    fnstcw  4(%rax)
    movw    $0, 6(%rax)
    movq    $0, 8(%rax)         /* r15 */
    movq    $0, 16(%rax)        /* r14 */
    movq    %rdx, 24(%rax)      /* r13 = ctx_arg */
    movq    %rsi, 32(%rax)      /* r12 = entry */
    movq    $0, 40(%rax)        /* rbx */
    movq    $0, 48(%rax)        /* rbp */
    leaq    weft_ctx_trampoline(%rip), %rcx
    movq    %rcx, 56(%rax)
    ret
    .cfi_endproc
    .size   weft_ctx_make, .-weft_ctx_make

/* First code run on a fresh stack.  r12 = entry, r13 = ctx_arg,
 * rsi = the first switch's arg (set by weft_ctx_switch). */
    .type   weft_ctx_trampoline, @function
    .p2align 4
weft_ctx_trampoline:
    .cfi_startproc
    .cfi_undefined rip          /* outermost frame: unwinders stop here */
    WEFT_ENDBR
    movq    %r13, %rdi
    callq   *%r12
    ud2                         /* entry returned: a bug in the caller of weft_ctx_make */
    .cfi_endproc
    .size   weft_ctx_trampoline, .-weft_ctx_trampoline

    .section .note.GNU-stack,"",@progbits

#if defined(__CET__) || defined(WEFT_CET)
/* GNU property note: GNU_PROPERTY_X86_FEATURE_1_AND (0xc0000002) with
 * IBT (bit 0) only; see the SHSTK remark above.  Without this note the
 * linker marks the whole binary as not CET-compatible. */
    .section .note.gnu.property,"a"
    .p2align 3
    .long   4                   /* name size: "GNU\0" */
    .long   16                  /* descriptor size */
    .long   5                   /* NT_GNU_PROPERTY_TYPE_0 */
    .asciz  "GNU"
    .long   0xc0000002          /* GNU_PROPERTY_X86_FEATURE_1_AND */
    .long   4                   /* data size */
    .long   1                   /* GNU_PROPERTY_X86_FEATURE_1_IBT */
    .p2align 3
#endif
