/*
 * switch_arm64_aapcs_elf.S - context switch for AArch64, AAPCS64, ELF
 * (Linux, the BSDs).  Contract: ctx.h.
 *
 * Source: Procedure Call Standard for the Arm 64-bit Architecture
 * (AAPCS64), release 2020Q3 (section numbers and titles as there):
 *  - 6.1.1 "General-purpose Registers": "A subroutine invocation must
 *    preserve the contents of the registers r19-r29 and SP."  r29 is the
 *    frame pointer (FP) and r30 the link register (LR); the LR holds the
 *    return address and is saved here like x86's return address.  r16/r17
 *    (IP0/IP1, usable by linker veneers) and r18 (the platform register;
 *    an ordinary temporary on Linux) are not preserved.
 *  - 6.1.2 "SIMD and Floating-Point Registers": "Registers v8-v15 must be
 *    preserved by a callee across subroutine calls ... only the bottom 64
 *    bits of each value stored in v8-v15 need to be preserved", i.e.
 *    d8-d15.  The upper halves, v0-v7 and v16-v31 are the caller's.
 *  - 6.1.2, same section: "The FPSR is a status register ... These fields
 *    are not preserved across a public interface"; the FPCR is "a global
 *    register" whose exception-control, rounding-mode, flush-to-zero and
 *    AH/FIZ bits "may be modified by calls to specific support functions"
 *    (fesetround and friends), so ordinary calls leave it unchanged.  We
 *    save FPCR and not FPSR, which matches x86's "control bits
 *    callee-saved, status bits caller-saved", and makes the FP control
 *    state per context as ctx.h requires.
 *  - 6.2.2.1 "Universal stack constraints": "at any point at which memory
 *    is accessed via SP, the hardware requires that SP mod 16 = 0", and
 *    6.2.2.2 "Stack constraints at a public interface" repeats it for
 *    calls: sp stays 16-aligned at every instruction here.
 *  - 6.2.3 "The Frame Pointer": frame records {previous fp, lr} chain
 *    through x29; "The end of the frame record chain is indicated by the
 *    address zero in the address for the previous frame", and a signed
 *    lr is stored signed in the record.
 *  - 6.3.1 "Use of IP0 and IP1 by the linker": a veneer may clobber
 *    x16/x17 at any call, so weft_ctx_make may use them freely.
 *
 * Deliberately not part of a context: x18 (a temporary on Linux; a
 * platform that reserves it, such as Android's shadow call stack, would
 * need it per context), the SVE/SME state beyond d8-d15 (caller-saved at
 * a call with the base PCS), and SME's TPIDR2_EL0 lazy-save pointer
 * (per thread): code that keeps ZA live across a switch is unsupported.
 *
 * Frame of a suspended context, at its saved sp (176 bytes, 16-aligned).
 * The first pair is the frame record, as a compiler prologue would place
 * it (`stp x29, x30, [sp, #-176]!`):
 *
 *   offset  slot
 *     0     x29 (fp)         fresh context: 0 (ends frame-record walks)
 *     8     x30 (lr)         fresh context: weft_ctx_trampoline
 *    16     x19              fresh context: entry function
 *    24     x20              fresh context: entry's ctx_arg
 *    32     x21
 *    40     x22
 *    48     x23
 *    56     x24
 *    64     x25
 *    72     x26
 *    80     x27
 *    88     x28
 *    96     d8
 *   104     d9
 *   112     d10
 *   120     d11
 *   128     d12
 *   136     d13
 *   144     d14
 *   152     d15
 *   160     FPCR             (8 bytes: mrs/msr move 64 bits, upper RES0)
 *   168     padding          (keeps the frame a multiple of 16)
 *
 * Fresh context: weft_ctx_make places this frame at (top - 16 - 176), so
 * that after the switch pops it and `ret`s into the trampoline, sp is
 * top - 16: 16-aligned, as 6.2.2.2 requires at the trampoline's `blr`.
 * The 16 bytes above hold a zero frame record {fp = 0, lr = 0} for
 * unwinders and stack scanners.
 *
 * The CFI of weft_ctx_switch stays true across the stack swap: both the
 * frame being pushed and the frame being popped have the layout above, so
 * "CFA = sp + 176, fp at CFA-176, lr at CFA-168" describes first the
 * suspending context and then the resuming one.
 *
 * BTI (Armv8.5 Branch Target Identification; built with
 * -mbranch-protection=bti or =standard, which defines
 * __ARM_FEATURE_BTI_DEFAULT): both exported functions start with `bti c`
 * (hint #34, a NOP before Armv8.5), a landing pad for BLR and for BR
 * through x16/x17 (PLT stubs, linker veneers).  They are called directly
 * today, but a veneer or a taken address would arrive by an indirect
 * branch.  The trampoline has no landing pad on purpose: it is only ever
 * reached by the `ret` at the end of weft_ctx_switch, and RET is not an
 * indirect branch for BTI (it leaves PSTATE.BTYPE 0b00), so a `bti j` /
 * `bti jc` there would only add a gadget an attacker could BR to.  If the
 * switch is ever changed to enter fresh contexts with `br`, the
 * trampoline must gain `bti j`.  The entry function is called with `blr`
 * and gets its `bti c` from the compiler.
 *
 * PAC (Armv8.3 pointer authentication; -mbranch-protection=pac-ret or
 * =standard defines __ARM_FEATURE_PAC_DEFAULT): the return address saved
 * in a suspended frame sits in ordinary memory on the coroutine stack, so
 * it is signed like a compiler's pac-ret prologue does: PACIASP (hint #25)
 * on entry signs lr with the entry sp as modifier, AUTIASP (hint #29)
 * after the pop authenticates it against the sp of the resumed context,
 * which is by construction the sp that context had when it signed.
 * weft_ctx_make signs the trampoline address for the sp the fresh context
 * will have at that AUTIASP (top - 16) with PACIA1716 (hint #8: x17
 * signed with modifier x16).  All three are in the hint space: NOPs on
 * cores without PAC, so one binary runs everywhere.  The B key is used
 * instead when the compiler was told to (bit 1 of
 * __ARM_FEATURE_PAC_DEFAULT), with `.cfi_b_key_frame` so unwinders pick
 * the same key.  Keys are per process, so a coroutine may resume on any
 * thread.  Because every saved lr is signed, the property note may claim
 * PAC as well as BTI.
 *
 * GCS (Armv9.4 Guarded Control Stack, -mbranch-protection=gcs): not
 * supported.  Every `ret` that resumes another context would pop a return
 * address that was pushed on a different control stack; supporting it
 * needs a GCS per coroutine and GCSSS1/GCSSS2 in the switch (the AArch64
 * analogue of x86 SHSTK, boostorg/context #207).  The note below never
 * claims GCS, so the linker drops GCS marking for any binary that links
 * this file.
 */

#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define WEFT_A64_BTI 1
#define WEFT_BTI_C hint #34             /* bti c */
#else
#define WEFT_A64_BTI 0
#define WEFT_BTI_C
#endif

#if defined(__ARM_FEATURE_PAC_DEFAULT) && __ARM_FEATURE_PAC_DEFAULT
#define WEFT_A64_PAC 1
#if __ARM_FEATURE_PAC_DEFAULT & 2       /* B key requested */
#define WEFT_PAC_SIGN_LR hint #27       /* pacibsp */
#define WEFT_PAC_AUTH_LR hint #31       /* autibsp */
#define WEFT_PAC_SIGN_1716 hint #10     /* pacib1716 */
#define WEFT_PAC_CFI_KEY .cfi_b_key_frame
#else
#define WEFT_PAC_SIGN_LR hint #25       /* paciasp */
#define WEFT_PAC_AUTH_LR hint #29       /* autiasp */
#define WEFT_PAC_SIGN_1716 hint #8      /* pacia1716 */
#define WEFT_PAC_CFI_KEY
#endif
#define WEFT_PAC_CFI_TOGGLE .cfi_negate_ra_state
#else
#define WEFT_A64_PAC 0
#define WEFT_PAC_SIGN_LR
#define WEFT_PAC_AUTH_LR
#define WEFT_PAC_CFI_KEY
#define WEFT_PAC_CFI_TOGGLE
#endif

#define WEFT_FRAME 176

    .text

/* void *weft_ctx_switch(void **save, void *to, void *arg)
 *   x0 = save, x1 = to, x2 = arg; returns arg in x0. */
    .globl  weft_ctx_switch
    .hidden weft_ctx_switch
    .type   weft_ctx_switch, %function
    .p2align 4
weft_ctx_switch:
    .cfi_startproc
    WEFT_PAC_CFI_KEY
    WEFT_BTI_C
    WEFT_PAC_SIGN_LR                    /* lr signed with sp = our CFA */
    WEFT_PAC_CFI_TOGGLE
    stp     x29, x30, [sp, #-WEFT_FRAME]!
    .cfi_def_cfa_offset WEFT_FRAME
    .cfi_offset x29, -WEFT_FRAME
    .cfi_offset x30, -WEFT_FRAME+8
    stp     x19, x20, [sp, #16]
    stp     x21, x22, [sp, #32]
    stp     x23, x24, [sp, #48]
    stp     x25, x26, [sp, #64]
    stp     x27, x28, [sp, #80]
    stp     d8,  d9,  [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mrs     x9, fpcr
    str     x9, [sp, #160]

    mov     x10, sp
    str     x10, [x0]                   /* publish our frame */
    mov     sp, x1                      /* adopt theirs */

    /* FPCR writes may be self-synchronising and slow on some cores;
     * glibc's sysdeps/aarch64/fpu/fenv_private.h skips equal writes for
     * the same reason.  Contexts rarely differ, so the branch is cheap. */
    ldr     x11, [sp, #160]
    cmp     x9, x11
    b.eq    1f
    msr     fpcr, x11
1:
    ldp     x19, x20, [sp, #16]
    ldp     x21, x22, [sp, #32]
    ldp     x23, x24, [sp, #48]
    ldp     x25, x26, [sp, #64]
    ldp     x27, x28, [sp, #80]
    ldp     d8,  d9,  [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    ldp     x29, x30, [sp], #WEFT_FRAME
    .cfi_def_cfa_offset 0
    .cfi_restore x29
    .cfi_restore x30
    WEFT_PAC_AUTH_LR                    /* checks lr against the resumed sp */
    WEFT_PAC_CFI_TOGGLE
    mov     x0, x2                      /* return value for a resumed switch */
    mov     x1, x2                      /* second argument for a fresh entry */
    ret
    .cfi_endproc
    .size   weft_ctx_switch, .-weft_ctx_switch

/* void *weft_ctx_switch_ret(void **save, void *to, void *arg): on x86_64
 * the variant ending in `ret` (ctx.h); weft_ctx_switch already ends in
 * `ret` here, so this is it, behind a direct branch (no BTI landing pad
 * needed for `b`; lr passes through untouched, to be signed there). */
    .globl  weft_ctx_switch_ret
    .hidden weft_ctx_switch_ret
    .type   weft_ctx_switch_ret, %function
    .p2align 4
weft_ctx_switch_ret:
    .cfi_startproc
    WEFT_BTI_C
    b       weft_ctx_switch
    .cfi_endproc
    .size   weft_ctx_switch_ret, .-weft_ctx_switch_ret

/* void *weft_ctx_make(const weft_stack_t *stk, weft_ctx_entry entry, void *ctx_arg)
 *   x0 = stk (stk->top at offset 0), x1 = entry, x2 = ctx_arg.
 *   Returns the initial saved sp of the new context.  A leaf: lr never
 *   leaves the register, so it needs no signing of its own. */
    .globl  weft_ctx_make
    .hidden weft_ctx_make
    .type   weft_ctx_make, %function
    .p2align 4
weft_ctx_make:
    .cfi_startproc
    WEFT_BTI_C
    ldr     x9, [x0]                    /* stk->top */
    and     x9, x9, #-16
    stp     xzr, xzr, [x9, #-16]!       /* zero frame record; x9 = trampoline's sp */
    sub     x0, x9, #WEFT_FRAME         /* frame base: top - 16 - 176 */
    adr     x17, weft_ctx_trampoline
#if WEFT_A64_PAC
    mov     x16, x9                     /* the sp at the switch's AUTIASP */
    WEFT_PAC_SIGN_1716
#endif
    stp     xzr, x17, [x0, #0]          /* x29 = 0, x30 = trampoline */
    stp     x1,  x2,  [x0, #16]         /* x19 = entry, x20 = ctx_arg */
    stp     xzr, xzr, [x0, #32]         /* x21, x22 */
    stp     xzr, xzr, [x0, #48]         /* x23, x24 */
    stp     xzr, xzr, [x0, #64]         /* x25, x26 */
    stp     xzr, xzr, [x0, #80]         /* x27, x28 */
    stp     xzr, xzr, [x0, #96]         /* d8, d9 */
    stp     xzr, xzr, [x0, #112]        /* d10, d11 */
    stp     xzr, xzr, [x0, #128]        /* d12, d13 */
    stp     xzr, xzr, [x0, #144]        /* d14, d15 */
    mrs     x10, fpcr                   /* inherit the creator's FP control state */
    stp     x10, xzr, [x0, #160]
    ret
    .cfi_endproc
    .size   weft_ctx_make, .-weft_ctx_make

/* First code run on a fresh stack, reached only by weft_ctx_switch's
 * `ret` (no BTI landing pad needed, see the top of the file).
 * x19 = entry, x20 = ctx_arg, x1 = the first switch's arg (set by
 * weft_ctx_switch), x29 = 0, sp = top - 16. */
    .type   weft_ctx_trampoline, %function
    .p2align 4
weft_ctx_trampoline:
    .cfi_startproc
    .cfi_undefined x30                  /* outermost frame: unwinders stop here */
    mov     x0, x20
    blr     x19
    brk     #1000                       /* entry returned (a caller bug); #1000 as __builtin_trap */
    .cfi_endproc
    .size   weft_ctx_trampoline, .-weft_ctx_trampoline

    .section .note.GNU-stack,"",%progbits

#if WEFT_A64_BTI || WEFT_A64_PAC
/* GNU property note: GNU_PROPERTY_AARCH64_FEATURE_1_AND (0xc0000000)
 * with BTI (bit 0) and/or PAC (bit 1) as this file was built; never GCS
 * (bit 2), see above.  The linker ANDs the notes of all inputs: one
 * object without BTI turns guarded pages off for the whole binary. */
    .section .note.gnu.property,"a"
    .p2align 3
    .long   4                           /* name size: "GNU\0" */
    .long   16                          /* descriptor size */
    .long   5                           /* NT_GNU_PROPERTY_TYPE_0 */
    .asciz  "GNU"
    .long   0xc0000000                  /* GNU_PROPERTY_AARCH64_FEATURE_1_AND */
    .long   4                           /* data size */
    .long   (WEFT_A64_BTI * 1) | (WEFT_A64_PAC * 2)
    .p2align 3
#endif
