/*
 * switch_arm64_aapcs_macho.S - context switch for arm64 (AArch64), Apple's
 * variant of AAPCS64, Mach-O (macOS on Apple silicon).  Contract: ctx.h.
 *
 * Sources:
 *  - Arm, "Procedure Call Standard for the Arm 64-bit Architecture"
 *    (AAPCS64), "General-purpose registers": r19-r28 are callee-saved;
 *    r29 is the frame pointer and r30 the link register; sp must be
 *    preserved and must be 16-byte aligned whenever it is used to access
 *    memory (and at every public interface).  "SIMD and Floating-Point
 *    registers": v8-v15 must be preserved by a callee, but only their
 *    bottom 64 bits (d8-d15); the rest of v0-v31 is scratch.  FPCR is a
 *    "global" register there: its trap-enable, rounding-mode and
 *    flush-to-zero bits change only through support functions (the C
 *    library's fenv.h), never as a side effect of an ordinary call.
 *    ctx.h goes further and makes FPCR part of the context (a coroutine's
 *    fesetround stays in that coroutine).  FPSR holds only cumulative
 *    status flags, which the ABI does not preserve; it is not saved.
 *  - Apple, "Writing ARM64 code for Apple platforms" (developer.apple.com/
 *    documentation/xcode/writing-arm64-code-for-apple-platforms), which
 *    lists where Apple's ABI departs from AAPCS64.  Two points bind this
 *    file:
 *      "The platforms reserve register x18. Don't use this register."
 *        The switch never reads or writes x18: it is the platform's, not
 *        the context's (the system may use or clear it).
 *      "The frame pointer register (x29) must always address a valid
 *        frame record."  x29 is saved and restored with the context, and
 *        a fresh context starts with x29 pointing at a zero frame record
 *        {fp = 0, lr = 0} at the top of its stack, so frame-pointer walks
 *        (sampling profilers, crash reports, backtrace()) from inside a
 *        coroutine end cleanly after the trampoline.
 *    The rest of Apple's differences (variadic arguments on the stack,
 *    caller-side extension of narrow arguments, ...) do not touch this
 *    file, which passes no arguments on the stack and never stores
 *    below sp.
 *
 * Frame of a suspended context, at its saved sp (176 bytes, 16-aligned):
 *
 *   offset  slot
 *     0     FPCR (8 bytes)   fresh context: the creator's FPCR
 *     8     padding
 *    16     d8,  d9          fresh context: 0
 *    32     d10, d11
 *    48     d12, d13
 *    64     d14, d15
 *    80     x19, x20         fresh context: entry function, ctx_arg
 *    96     x21, x22         fresh context: 0 (x21-x28)
 *   112     x23, x24
 *   128     x25, x26
 *   144     x27, x28
 *   160     x29, x30         fresh context: &zero record, _weft_ctx_trampoline
 *
 * The frame record pair (x29, x30) is at the top of the frame, where a
 * compiler's prologue would put it.
 *
 * Fresh context: _weft_ctx_make stores the zero frame record at
 * (top - 16) and places this frame below it, at (top - 16 - 176).  The
 * switch pops the frame and `ret`s into the trampoline with sp = top - 16
 * (16-aligned) and x29 = top - 16; the trampoline calls entry(ctx_arg, arg).
 *
 * FPCR is written only when the incoming context's value differs from the
 * current one: `msr fpcr` is a context-synchronising write on some cores,
 * and contexts almost always share one FP mode.
 *
 * Pointer authentication and BTI:
 *  - arm64e (pointer authentication in the ABI) is not targeted: libweft
 *    builds for plain arm64, which macOS runs on every Apple silicon Mac,
 *    and this file refuses to assemble for arm64e (#error below) rather
 *    than build something that crashes.  On arm64e, entry is a signed
 *    function pointer (it would need blraaz), and the saved x30 values and
 *    the trampoline address would have to be signed and authenticated
 *    under the arm64e return-address rules.
 *  - With -mbranch-protection=pac-ret (plain arm64) no change is needed:
 *    each C function signs and authenticates its own x30 against its own
 *    sp on its own stack; the switch moves the raw x30 it was called with
 *    and returns with a plain `ret`, which is not authenticated.
 *  - BTI: macOS does not enforce BTI for user code.  When the compiler
 *    asks for landing pads (__ARM_FEATURE_BTI_DEFAULT), both external
 *    functions start with `bti c` (a hint, NOP without BTI) since a caller
 *    may reach them by blr.  The trampoline is entered by `ret`, which BTI
 *    does not check, so it needs none.  Mach-O has no equivalent of the ELF
 *    GNU property note.
 *
 * Universal builds: the body is assembled only for arm64 (see the x86_64
 * Mach-O file).
 */

#if defined(__aarch64__) || defined(__arm64__)

#if defined(__arm64e__)
#error "weft: arm64e (pointer authentication ABI) is not supported; build for arm64"
#endif

#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define WEFT_BTI_C hint #34     /* bti c */
#else
#define WEFT_BTI_C
#endif

#define WEFT_FRAME 176

    .section __TEXT,__text,regular,pure_instructions

/* void *weft_ctx_switch(void **save, void *to, void *arg)
 *   x0 = save, x1 = to, x2 = arg; returns arg in x0. */
    .globl  _weft_ctx_switch
    .private_extern _weft_ctx_switch
    .p2align 4
_weft_ctx_switch:
    .cfi_startproc
    WEFT_BTI_C
    sub     sp, sp, #WEFT_FRAME
    stp     d8,  d9,  [sp, #16]
    stp     d10, d11, [sp, #32]
    stp     d12, d13, [sp, #48]
    stp     d14, d15, [sp, #64]
    stp     x19, x20, [sp, #80]
    stp     x21, x22, [sp, #96]
    stp     x23, x24, [sp, #112]
    stp     x25, x26, [sp, #128]
    stp     x27, x28, [sp, #144]
    stp     x29, x30, [sp, #160]
    mrs     x9, fpcr
    str     x9, [sp, #0]

    mov     x10, sp
    str     x10, [x0]           /* publish our frame */
    mov     sp, x1              /* adopt theirs */

    ldr     x10, [sp, #0]
    cmp     x9, x10
    b.eq    1f
    msr     fpcr, x10           /* only when the FP mode changes */
1:
    ldp     d8,  d9,  [sp, #16]
    ldp     d10, d11, [sp, #32]
    ldp     d12, d13, [sp, #48]
    ldp     d14, d15, [sp, #64]
    ldp     x19, x20, [sp, #80]
    ldp     x21, x22, [sp, #96]
    ldp     x23, x24, [sp, #112]
    ldp     x25, x26, [sp, #128]
    ldp     x27, x28, [sp, #144]
    ldp     x29, x30, [sp, #160]
    add     sp, sp, #WEFT_FRAME
    mov     x0, x2              /* return value for a resumed switch */
    mov     x1, x2              /* second argument for a fresh entry */
    ret
    .cfi_endproc

/* void *weft_ctx_switch_ret(void **save, void *to, void *arg): on x86_64
 * the variant ending in `ret` (ctx.h); weft_ctx_switch already ends in
 * `ret` here, so this is it, behind a direct branch. */
    .globl  _weft_ctx_switch_ret
    .private_extern _weft_ctx_switch_ret
    .p2align 4
_weft_ctx_switch_ret:
    .cfi_startproc
    WEFT_BTI_C
    b       _weft_ctx_switch
    .cfi_endproc

/* void *weft_ctx_make(const weft_stack_t *stk, weft_ctx_entry entry, void *ctx_arg)
 *   x0 = stk (stk->top at offset 0), x1 = entry, x2 = ctx_arg.
 *   Returns the initial saved sp of the new context. */
    .globl  _weft_ctx_make
    .private_extern _weft_ctx_make
    .p2align 4
_weft_ctx_make:
    .cfi_startproc
    WEFT_BTI_C
    ldr     x9, [x0]            /* stk->top */
    and     x9, x9, #-16
    stp     xzr, xzr, [x9, #-16]!   /* zero frame record; x9 = top - 16 */
    sub     x0, x9, #WEFT_FRAME     /* frame base */
    mrs     x10, fpcr               /* inherit the creator's FP control state */
    stp     x10, xzr, [x0, #0]
    stp     xzr, xzr, [x0, #16]     /* d8-d15 */
    stp     xzr, xzr, [x0, #32]
    stp     xzr, xzr, [x0, #48]
    stp     xzr, xzr, [x0, #64]
    stp     x1,  x2,  [x0, #80]     /* x19 = entry, x20 = ctx_arg */
    stp     xzr, xzr, [x0, #96]     /* x21-x28 */
    stp     xzr, xzr, [x0, #112]
    stp     xzr, xzr, [x0, #128]
    stp     xzr, xzr, [x0, #144]
    adrp    x11, _weft_ctx_trampoline@PAGE          /* ARM64_RELOC_PAGE21 */
    add     x11, x11, _weft_ctx_trampoline@PAGEOFF  /* ARM64_RELOC_PAGEOFF12 */
    stp     x9,  x11, [x0, #160]    /* x29 = &zero record, x30 = trampoline */
    ret
    .cfi_endproc

/* First code run on a fresh stack.  x19 = entry, x20 = ctx_arg,
 * x1 = the first switch's arg (set by _weft_ctx_switch), sp = x29 =
 * top - 16.  Not external: only _weft_ctx_make refers to it (a named
 * symbol rather than an L-label, so it is its own atom under
 * .subsections_via_symbols and backtraces name it; Mach-O arm64 has no
 * relocation for `adr`, hence adrp/add above). */
    .p2align 4
_weft_ctx_trampoline:
    .cfi_startproc
    .cfi_undefined x30          /* outermost frame: unwinders stop here */
    mov     x0, x20
    blr     x19
    brk     #1                  /* entry returned: a bug in the caller of weft_ctx_make
                                   (brk #1 is what clang emits for __builtin_trap on Darwin) */
    .cfi_endproc

    .subsections_via_symbols

#endif /* __aarch64__ || __arm64__ */
