/*
 * switch_x86_64_sysv_macho.S - context switch for x86_64, System V ABI,
 * Mach-O (macOS on Intel, and x86_64 slices run by Rosetta 2).
 * Contract: ctx.h.
 *
 * The instructions are those of switch_x86_64_sysv_elf.S, one for one
 * (ci/cross/macho-check.sh compares the two disassemblies); only the
 * Mach-O spelling differs: C symbols take a leading underscore, hidden
 * visibility is .private_extern, there is no .type/.size and no .note
 * section, and the code ends with .subsections_via_symbols.
 *
 * Sources:
 *  - Apple, "OS X ABI Function Call Guide", x86-64 Function Calling
 *    Conventions (developer.apple.com/library/archive/documentation/
 *    DeveloperTools/Conceptual/LowLevelABI/140-x86-64_Function_Calling_
 *    Conventions/x86_64.html): macOS follows the System V x86-64 psABI,
 *    with differences that do not touch this file (none concern the
 *    callee-saved set, the stack alignment or the FP control state).
 *  - System V Application Binary Interface, AMD64 Architecture Processor
 *    Supplement (x86-64 psABI) 1.0:
 *    3.2.1 "Registers": rbx, rbp, r12-r15 (and rsp) belong to the caller
 *    and must be preserved across calls; everything else is scratch.
 *    3.2.1: "The control bits of the MXCSR register are callee-saved,
 *    while the status bits are caller-saved. The x87 status word register
 *    is caller-saved, whereas the x87 control word is callee-saved."
 *    We save the whole MXCSR (stmxcsr has no narrower form) and restore it;
 *    restoring stale status (exception flag) bits is harmless because the
 *    ABI says callers may not rely on them.
 *    3.2.2 "The Stack Frame": rsp+8 is a multiple of 16 when control is
 *    transferred to a function entry point (i.e. rsp is 16-aligned just
 *    before the `call`).  Compiled code relies on it (aligned SSE spills
 *    with movaps fault on a misaligned stack; printf of a double does one).
 *
 * Frame of a suspended context, at its saved rsp (64 bytes, 16-aligned;
 * the return address is the one our caller's `call` pushed, the rest is
 * stored below it with plain moves):
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
 *    56     return address   fresh context: _weft_ctx_trampoline
 *
 * Fresh context: _weft_ctx_make places this frame at (top - 16 - 64), so
 * that after the switch pops it and jumps into the trampoline, rsp is
 * top - 16: 16-aligned, as required just before the trampoline's `call`.
 * The 16 bytes above hold a zero "return address" for unwinders.
 *
 * Symbols: _weft_ctx_switch and _weft_ctx_make are .globl + .private_extern
 * (N_EXT|N_PEXT): visible to the other objects of libweft, turned into
 * local symbols by ld64 when it links the dylib, never exported.  The
 * trampoline is a non-external symbol of its own (not an L-label) so that,
 * under .subsections_via_symbols, it is a separate atom that the linker
 * keeps alive through the reference in _weft_ctx_make, and so that
 * backtraces name it.
 *
 * CET: macOS does not enable CET (IBT or shadow stacks) for user code, and
 * Mach-O has no equivalent of the GNU property note.  endbr64 (at all
 * three entry points, the trampoline being reached by the switch's
 * indirect jump) and `notrack` are still emitted when the compiler asks
 * for them (-fcf-protection defines __CET__), so the code stays identical
 * to the ELF file; both are NOPs to a CPU without CET.
 *
 * Universal builds: the body is assembled only for x86_64, so that a
 * universal (CMAKE_OSX_ARCHITECTURES="x86_64;arm64") build can list both
 * Mach-O switch files and get one real object per slice.
 */

#if defined(__x86_64__)

#if defined(__CET__) || defined(WEFT_CET)
#define WEFT_ENDBR endbr64
#else
#define WEFT_ENDBR
#endif

    .section __TEXT,__text,regular,pure_instructions

/* The two switches share everything but their last instruction; the
 * ELF file explains the body (and the skipped FP control reloads), ctx.h
 * which switch is for what. */
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

    movl    (%rsp), %r11d
    xorl    %r9d, %r11d
    andl    $-64, %r11d         /* MXCSR control bits 6-15 only ($0x.. in a macro: an argument to clang) */
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
    .globl  _weft_ctx_switch
    .private_extern _weft_ctx_switch
    .p2align 4
_weft_ctx_switch:
    .cfi_startproc
    WEFT_SWITCH_BODY
    popq    %r8
    /* An indirect jump, not `ret`, as in the ELF file (which explains the
     * return-stack-predictor reason); notrack only matters under CET. */
#if defined(__CET__) || defined(WEFT_CET)
    notrack jmp *%r8
#else
    jmp     *%r8
#endif
    .cfi_endproc

/* void *weft_ctx_switch_ret(void **save, void *to, void *arg): the same,
 * ending in `ret` (ctx.h). */
    .globl  _weft_ctx_switch_ret
    .private_extern _weft_ctx_switch_ret
    .p2align 4
_weft_ctx_switch_ret:
    .cfi_startproc
    WEFT_SWITCH_BODY
    ret
    .cfi_endproc

/* void *weft_ctx_make(const weft_stack_t *stk, weft_ctx_entry entry, void *ctx_arg)
 *   rdi = stk (stk->top at offset 0), rsi = entry, rdx = ctx_arg.
 *   Returns the initial saved rsp of the new context. */
    .globl  _weft_ctx_make
    .private_extern _weft_ctx_make
    .p2align 4
_weft_ctx_make:
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
    leaq    _weft_ctx_trampoline(%rip), %rcx    /* X86_64_RELOC_SIGNED */
    movq    %rcx, 56(%rax)
    ret
    .cfi_endproc

/* First code run on a fresh stack.  r12 = entry, r13 = ctx_arg,
 * rsi = the first switch's arg (set by _weft_ctx_switch).  Not external:
 * only _weft_ctx_make refers to it. */
    .p2align 4
_weft_ctx_trampoline:
    .cfi_startproc
    .cfi_undefined rip          /* outermost frame: unwinders stop here */
    WEFT_ENDBR
    movq    %r13, %rdi
    callq   *%r12
    ud2                         /* entry returned: a bug in the caller of weft_ctx_make */
    .cfi_endproc

    .subsections_via_symbols

#endif /* __x86_64__ */
