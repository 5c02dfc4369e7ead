/*
 * switch_x86_64_ms_pe.S - context switch for x86_64, Microsoft x64 ABI,
 * PE/COFF (Windows).  Contract: ctx.h.  GAS syntax only: assembled by
 * mingw-w64 gcc and by clang (including clang-cl through CMake's ASM
 * language); there is no MASM version, so MSVC builds use clang-cl.
 *
 * Sources:
 *  [ABI]  Microsoft Learn, "x64 ABI conventions", section "x64 register
 *         usage" / "Register volatility and preservation": RBX, RBP, RDI,
 *         RSI, R12-R15 and XMM6-XMM15 are nonvolatile (callee-saved); RCX,
 *         RDX, R8, R9 carry the first four integer arguments; RAX returns.
 *  [MXCSR] same document, "MXCSR": bits 0-5 (status flags) are volatile,
 *         bits 6-15 (DAZ, exception masks, rounding, FZ) nonvolatile.  We
 *         save the whole register (stmxcsr has no narrower form) and load
 *         the saved one when its bits 6-15 differ from the current ones;
 *         status bits may come back stale or not at all, callers may not
 *         rely on them.
 *  [FPCSR] same document, "FPCSR": the x87 control word is nonvolatile
 *         (loaded, like MXCSR, only when it differs: both loads are slow
 *         microcoded instructions, and most switches find equal values).
 *  [STACK] same document, "Stack allocation" / "x64 calling convention":
 *         RSP is 16-byte aligned at a `call` (so RSP+8 is at the callee's
 *         entry) and the caller allocates 32 bytes of home ("shadow") space
 *         for the four register arguments directly above the return address.
 *  [TEB]  The thread's TEB is at gs:0 (NT_TIB.Self at gs:0x30).  Offsets on
 *         x64, from NT_TIB in winnt.h and the TEB in the Windows SDK's
 *         winternl.h / ReactOS's and Wine's winternl.h (identical layouts):
 *           gs:0x00   NT_TIB.ExceptionList      (Wine's frame chain, below)
 *           gs:0x08   NT_TIB.StackBase          one past the highest byte
 *           gs:0x10   NT_TIB.StackLimit         lowest committed byte
 *           gs:0x20   NT_TIB.FiberData          (NOT switched, see below)
 *           gs:0x1478 TEB.DeallocationStack     base of the reservation
 *           gs:0x1748 TEB.GuaranteedStackBytes  (ULONG) stack-overflow headroom
 *  [UNW]  Microsoft Learn, "x64 exception handling": .pdata/.xdata unwind
 *         codes (UWOP_PUSH_NONVOL, UWOP_ALLOC_SMALL, UWOP_SAVE_XMM128) and
 *         the epilog rules (an epilog is `add rsp, n` or `lea rsp, ...`,
 *         then pops of nonvolatile registers, then `ret`).
 *
 * Frame of a suspended context, at its saved rsp (288 bytes; the saved rsp
 * is 16-aligned, so the movaps slots are too):
 *
 *   offset  slot                                   fresh context
 *     0     xmm6     (16 bytes each, to ...)       0
 *   144     xmm15
 *   160     MXCSR (4 bytes)                        the creator's
 *   164     x87 control word (2, 2 padding)        the creator's
 *   168     GuaranteedStackBytes (4, 4 padding)    stk->guard - 2 pages (see below)
 *   176     StackLimit                             stk->limit
 *   184     StackBase                              stk->top
 *   192     DeallocationStack                      stk->alloc
 *   200     ExceptionList                          -1 (end of chain)
 *   208     padding
 *   216     r15                                    0
 *   224     r14                                    0
 *   232     r13                                    ctx_arg
 *   240     r12                                    entry
 *   248     rsi                                    0
 *   256     rdi                                    0
 *   264     rbx                                    0
 *   272     rbp                                    0
 *   280     return address                         weft_ctx_trampoline body
 *
 * Fresh context, top of the stack (T = stk->top, 16-aligned):
 *
 *   T-8     0   the trampoline's "return address": unwinders stop here
 *   T-16    0   padding
 *   T-48    32 bytes of home space for entry's call     <- rsp in trampoline
 *   T-336   the frame above (its return address at T-56)
 *
 * so after the first switch pops the frame and jumps there, rsp = T-48: 16-aligned
 * with the home space above it, exactly as [STACK] wants at the trampoline's
 * `call *%r12`.
 *
 * Thread information block.  The kernel's guard-page stack growth, the
 * stack-overflow exception, exception dispatch (which rejects frames
 * outside [StackLimit, StackBase]), MSVC's __chkstk (which skips probing
 * above StackLimit: a stale limit lets a big frame jump the guard page,
 * DynamoRIO #1102) and GetCurrentThreadStackLimits (DeallocationStack,
 * crystal-lang #15032) all read the TEB, so the TEB must always describe
 * the stack rsp is on.  StackLimit moves down as the kernel commits pages,
 * so it is saved on switch-out, not recomputed.  GuaranteedStackBytes is
 * how much stack the kernel commits for handlers when it raises
 * STATUS_STACK_OVERFLOW; Windows keeps it per fiber (SwitchToFiber swaps
 * it; SetThreadStackGuarantee's documentation: "it will be used by the
 * fiber no matter which thread executes it").  We do the same: a
 * coroutine's guarantee is the headroom stack_win.c reserved below its
 * usable area (stk->guard minus the never-committed last page and one page
 * of slack, see stack_win.c), and the thread's own guarantee is untouched,
 * so the stacks of JVM threads that resume coroutines keep exactly the
 * overflow behaviour the JVM set up.
 *
 * ExceptionList (gs:0x00) is unused by Windows on x64 (SEH there is
 * table-based), but Wine keeps its own __TRY frames in it on x64 too and,
 * while dispatching an exception, calls every one whose address is below
 * the rsp reached by the unwind ("call wine handlers registered in the tib
 * list").  Coroutine stacks usually lie above the thread stack, so a
 * thread-stack frame (RtlUserThreadStart's top-level handler) would run in
 * the middle of a walk on a coroutine stack and unwind into nowhere.  So
 * each context has its own chain; a fresh one starts empty (-1, the
 * end-of-chain marker a new thread gets).  On Windows this only moves a
 * value nobody reads.
 *
 * FiberData (gs:0x20) is deliberately NOT part of the context.  It names
 * the fiber the OS thread is running (or holds 0x1E00 on a thread that is
 * not a fiber).  A Weft coroutine is not a fiber: it runs inside whatever
 * the thread is, and it may resume on another worker thread, so any value
 * it carried along would name another thread's fiber.  Boost.Context swaps
 * FiberData because its contexts never migrate; for an M:N scheduler the
 * thread's value is the only correct one.  (The same argument keeps
 * TlsSlots, FlsData - the CRT's per-thread data - and LastErrorValue with
 * the thread.)
 *
 * Unwind info.  Windows walks stacks with .pdata (exception dispatch,
 * RtlCaptureStackBackTrace, debuggers, profilers).  A function without
 * .pdata is taken for a leaf whose return address is at [rsp].
 *  - weft_ctx_switch describes its prologue with .seh_* directives.  Both
 *    halves use the same frame layout, so at every instruction after the
 *    prologue up to the final `lea` the codes unwind correctly (to our
 *    caller before the rsp swap, to the target's caller after it).
 *  - weft_ctx_trampoline is the outermost frame of every coroutine stack.
 *    Its .pdata describes a 40-byte allocation (a `sub` that is never
 *    executed: weft_ctx_make builds the frame and the first switch enters
 *    past it), so unwinding it gives rsp = T = StackBase and rip = 0.  The
 *    dispatcher stops when rsp reaches StackBase, RtlVirtualUnwind walkers
 *    stop at rip 0, and nobody reads past the top of the stack or takes
 *    home-space garbage for a return address.  An exception no handler on
 *    the coroutine stack claims ends the dispatch there; it does not reach
 *    the thread's top-level filter (whose frame is on the thread stack), so
 *    it terminates the process as an unhandled exception (second chance).
 *  - weft_ctx_make is a leaf (no stack use) and needs no unwind codes.
 *
 * Symbols: PE has no ELF-style visibility.  They are not exported from
 * weft.dll because weft.h marks the API __declspec(dllexport), which turns
 * off ld's export-everything default.
 *
 * CET: Windows' user-mode shadow stacks (Hardware-enforced Stack
 * Protection) are enabled only for images linked /CETCOMPAT, which mingw
 * does not mark; this switch returns across stacks (by `jmp`, so the
 * shadow stack would go out of step at the next `ret`) and would need a
 * shadow stack per coroutine, as on ELF.  Windows enforces no IBT (it has
 * CFG, which checks compiler-instrumented indirect calls only); for a
 * -fcf-protection build the entry points still get endbr64 and the
 * switch's jump is `notrack`, as in the ELF file.
 */

#if defined(__CET__) || defined(WEFT_CET)
#define WEFT_ENDBR endbr64
#else
#define WEFT_ENDBR
#endif

/* TEB offsets, see [TEB] */
#define TEB_EXC_LIST        0x00
#define TEB_STACK_BASE      0x08
#define TEB_STACK_LIMIT     0x10
#define TEB_DEALLOC_STACK   0x1478
#define TEB_GUARANTEED      0x1748

/* weft_stack_t offsets (ctx.h: top, limit, alloc, usable, reserved, guard) */
#define STK_TOP     0
#define STK_LIMIT   8
#define STK_ALLOC   16
#define STK_GUARD   40

/* frame offsets, see the table */
#define F_XMM6      0
#define F_MXCSR     160
#define F_FPCW      164
#define F_GUAR      168
#define F_LIMIT     176
#define F_BASE      184
#define F_DEALLOC   192
#define F_EXCLIST   200
#define F_R15       216
#define F_R14       224
#define F_R13       232
#define F_R12       240
#define F_RSI       248
#define F_RDI       256
#define F_RBX       264
#define F_RBP       272
#define F_RET       280
#define F_ALLOC     216     /* bytes below the pushed registers */
#define F_SIZE      288     /* whole frame, return address included */

    .text

/* The two switches share everything but their last instruction (ctx.h
 * says which to use when).  Leaves rsp at the other context's return
 * address and arg in rax. */
.macro WEFT_SWITCH_BODY
    WEFT_ENDBR
    pushq   %rbp
    .seh_pushreg %rbp
    pushq   %rbx
    .seh_pushreg %rbx
    pushq   %rdi
    .seh_pushreg %rdi
    pushq   %rsi
    .seh_pushreg %rsi
    pushq   %r12
    .seh_pushreg %r12
    pushq   %r13
    .seh_pushreg %r13
    pushq   %r14
    .seh_pushreg %r14
    pushq   %r15
    .seh_pushreg %r15
    subq    $F_ALLOC, %rsp          /* rsp was 8 mod 16 at entry: now 16-aligned */
    .seh_stackalloc F_ALLOC
    movaps  %xmm6,   0(%rsp)
    .seh_savexmm %xmm6, 0
    movaps  %xmm7,  16(%rsp)
    .seh_savexmm %xmm7, 16
    movaps  %xmm8,  32(%rsp)
    .seh_savexmm %xmm8, 32
    movaps  %xmm9,  48(%rsp)
    .seh_savexmm %xmm9, 48
    movaps  %xmm10, 64(%rsp)
    .seh_savexmm %xmm10, 64
    movaps  %xmm11, 80(%rsp)
    .seh_savexmm %xmm11, 80
    movaps  %xmm12, 96(%rsp)
    .seh_savexmm %xmm12, 96
    movaps  %xmm13, 112(%rsp)
    .seh_savexmm %xmm13, 112
    movaps  %xmm14, 128(%rsp)
    .seh_savexmm %xmm14, 128
    movaps  %xmm15, 144(%rsp)
    .seh_savexmm %xmm15, 144
    .seh_endprologue

    stmxcsr F_MXCSR(%rsp)
    fnstcw  F_FPCW(%rsp)
    movl    F_MXCSR(%rsp), %r9d     /* ours, to skip reloading equal values */
    movzwl  F_FPCW(%rsp), %r10d
    movl    %gs:TEB_GUARANTEED, %eax
    movl    %eax, F_GUAR(%rsp)
    movq    %gs:TEB_STACK_LIMIT, %rax
    movq    %rax, F_LIMIT(%rsp)
    movq    %gs:TEB_STACK_BASE, %rax
    movq    %rax, F_BASE(%rsp)
    movq    %gs:TEB_DEALLOC_STACK, %rax
    movq    %rax, F_DEALLOC(%rsp)
    movq    %gs:TEB_EXC_LIST, %rax
    movq    %rax, F_EXCLIST(%rsp)

    movq    %rsp, (%rcx)            /* publish our frame */
    movq    %rdx, %rsp              /* adopt theirs */

    movq    F_EXCLIST(%rsp), %rax
    movq    %rax, %gs:TEB_EXC_LIST

    movq    F_DEALLOC(%rsp), %rax
    movq    %rax, %gs:TEB_DEALLOC_STACK
    movq    F_BASE(%rsp), %rax
    movq    %rax, %gs:TEB_STACK_BASE
    movq    F_LIMIT(%rsp), %rax
    movq    %rax, %gs:TEB_STACK_LIMIT
    movl    F_GUAR(%rsp), %eax
    movl    %eax, %gs:TEB_GUARANTEED
    /* Reload the FP control state only when it differs ([MXCSR],
     * [FPCSR]): MXCSR bits 0-5 are volatile status flags, so only bits
     * 6-15 decide. */
    movl    F_MXCSR(%rsp), %r11d
    xorl    %r9d, %r11d
    andl    $-64, %r11d         /* bits 6-15 only (not $0xffc0: clang's macros read $0 as an argument) */
    jz      1f
    ldmxcsr F_MXCSR(%rsp)
1:  cmpw    F_FPCW(%rsp), %r10w
    je      2f
    fldcw   F_FPCW(%rsp)
2:  movaps    0(%rsp), %xmm6
    movaps   16(%rsp), %xmm7
    movaps   32(%rsp), %xmm8
    movaps   48(%rsp), %xmm9
    movaps   64(%rsp), %xmm10
    movaps   80(%rsp), %xmm11
    movaps   96(%rsp), %xmm12
    movaps  112(%rsp), %xmm13
    movaps  128(%rsp), %xmm14
    movaps  144(%rsp), %xmm15
    movq    F_R15(%rsp), %r15
    movq    F_R14(%rsp), %r14
    movq    F_R13(%rsp), %r13
    movq    F_R12(%rsp), %r12
    movq    F_RSI(%rsp), %rsi
    movq    F_RDI(%rsp), %rdi
    movq    F_RBX(%rsp), %rbx
    movq    F_RBP(%rsp), %rbp
    movq    %r8, %rax               /* return value; a fresh entry's arg */
    leaq    F_RET(%rsp), %rsp       /* at their return address */
.endm

/* void *weft_ctx_switch(void **save, void *to, void *arg)
 *   rcx = save, rdx = to, r8 = arg; returns arg in rax (and a fresh
 *   context's trampoline finds it there). */
    .globl  weft_ctx_switch
    .def    weft_ctx_switch; .scl 2; .type 32; .endef
    .p2align 4
weft_ctx_switch:
    .seh_proc weft_ctx_switch
    WEFT_SWITCH_BODY
    popq    %rdx
    /* An indirect jump, not `ret`: the return address popped here was
     * pushed by the other context's call, so `ret` would always miss in
     * the return-stack predictor, while the indirect-branch predictor
     * learns a ping-pong pattern (as in switch_x86_64_sysv_elf.S and
     * Boost.Context).  Unwind-wise these last instructions are no
     * [UNW] epilog; only an asynchronous sampler stopping exactly on them
     * would unwind this frame wrongly. */
#if defined(__CET__) || defined(WEFT_CET)
    notrack jmp *%rdx
#else
    jmp     *%rdx
#endif
    .seh_endproc

/* void *weft_ctx_switch_ret(void **save, void *to, void *arg): the same,
 * ending in `ret` (ctx.h). */
    .globl  weft_ctx_switch_ret
    .def    weft_ctx_switch_ret; .scl 2; .type 32; .endef
    .p2align 4
weft_ctx_switch_ret:
    .seh_proc weft_ctx_switch_ret
    WEFT_SWITCH_BODY
    ret
    .seh_endproc

/* void *weft_ctx_make(const weft_stack_t *stk, weft_ctx_entry entry, void *ctx_arg)
 *   rcx = stk, rdx = entry, r8 = ctx_arg.  Returns the new context's
 *   initial saved rsp.  Leaf: touches only volatile registers. */
    .globl  weft_ctx_make
    .def    weft_ctx_make; .scl 2; .type 32; .endef
    .p2align 4
weft_ctx_make:
    .seh_proc weft_ctx_make
    WEFT_ENDBR
    .seh_endprologue
    movq    STK_TOP(%rcx), %rax
    andq    $-16, %rax              /* T */
    xorl    %r9d, %r9d
    movq    %r9, -8(%rax)           /* fake return address: ends every walk */
    movq    %r9, -16(%rax)
    movq    %r9, -24(%rax)          /* home space, zeroed for tidiness */
    movq    %r9, -32(%rax)
    movq    %r9, -40(%rax)
    movq    %r9, -48(%rax)
    subq    $(48 + F_SIZE), %rax    /* frame base: T - 336 (return slot at T - 56) */

    pxor    %xmm0, %xmm0
    movaps  %xmm0,   0(%rax)
    movaps  %xmm0,  16(%rax)
    movaps  %xmm0,  32(%rax)
    movaps  %xmm0,  48(%rax)
    movaps  %xmm0,  64(%rax)
    movaps  %xmm0,  80(%rax)
    movaps  %xmm0,  96(%rax)
    movaps  %xmm0, 112(%rax)
    movaps  %xmm0, 128(%rax)
    movaps  %xmm0, 144(%rax)
    stmxcsr F_MXCSR(%rax)           /* inherit the creator's FP control state */
    fnstcw  F_FPCW(%rax)
    movw    %r9w, F_FPCW+2(%rax)

    /* guarantee = guard - 2 pages (the never-committed last page and one
     * page of slack, stack_win.c), or 0 (system default) for a smaller guard */
    movq    STK_GUARD(%rcx), %r10
    subq    $8192, %r10
    cmovbq  %r9, %r10               /* borrow: guard < 8192 */
    movq    %r10, F_GUAR(%rax)      /* low 4 bytes used, high 4 = padding */
    movq    STK_LIMIT(%rcx), %r10
    movq    %r10, F_LIMIT(%rax)
    movq    STK_TOP(%rcx), %r10
    movq    %r10, F_BASE(%rax)
    movq    STK_ALLOC(%rcx), %r10
    movq    %r10, F_DEALLOC(%rax)
    movq    $-1, F_EXCLIST(%rax)

    movq    %r9, F_R15(%rax)
    movq    %r9, F_R14(%rax)
    movq    %r8, F_R13(%rax)        /* ctx_arg */
    movq    %rdx, F_R12(%rax)       /* entry */
    movq    %r9, F_RSI(%rax)
    movq    %r9, F_RDI(%rax)
    movq    %r9, F_RBX(%rax)
    movq    %r9, F_RBP(%rax)
    leaq    weft_ctx_trampoline_body(%rip), %r10
    movq    %r10, F_RET(%rax)
    ret
    .seh_endproc

/* Outermost frame of every coroutine stack.  Entered at _body by the first
 * switch's jump with rsp = T - 48, r12 = entry, r13 = ctx_arg, rax = the
 * first switch's arg.  The `sub` before it never runs; it exists so the
 * unwind codes describe the frame weft_ctx_make built (see the top). */
    .def    weft_ctx_trampoline; .scl 3; .type 32; .endef
    .p2align 4
weft_ctx_trampoline:
    .seh_proc weft_ctx_trampoline
    subq    $40, %rsp
    .seh_stackalloc 40
    .seh_endprologue
weft_ctx_trampoline_body:
    WEFT_ENDBR
    movq    %r13, %rcx              /* entry(ctx_arg, arg) */
    movq    %rax, %rdx
    callq   *%r12
    ud2                             /* entry returned: a bug in the caller of weft_ctx_make */
    .seh_endproc
