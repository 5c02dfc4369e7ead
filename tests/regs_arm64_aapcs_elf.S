/*
 * regs_arm64_aapcs_elf.S - callee-saved register check for the switch
 * (AArch64 AAPCS64, ELF).  The contract is the one stated in
 * regs_x86_64_sysv_elf.S:
 *
 *   int  weft_regs_check(void **save, void *to, void *arg, uint64_t seed);
 *        Fills every callee-saved register with a distinct value derived
 *        from seed, calls weft_ctx_switch(save, to, arg) and, once switched
 *        back to, compares each register with what it put there.  Returns
 *        0, or 1 + the index of the first register that changed, in this
 *        order:
 *
 *          index  0..9    x19 .. x28      (returns  1..10)
 *          index  10      x29 (fp)        (returns 11)
 *          index  11..18  d8 .. d15       (returns 12..19)
 *
 *        Preserves its own caller's callee-saved registers.
 *
 *   void weft_regs_clobber(void **save, void *to, void *arg, uint64_t seed);
 *        Fills every callee-saved register with garbage derived from seed,
 *        calls weft_ctx_switch(save, to, arg), then returns to its caller
 *        with the caller's registers intact.
 *
 * The checked set is AAPCS64 6.1.1's r19-r29 and 6.1.2's d8-d15 (the low
 * 64 bits of v8-v15; the upper halves are not callee-saved and are not
 * checked).  sp and lr are checked implicitly: a wrong one would not
 * return here.  FPCR is checked from C with fenv.h (test_switch.c).
 *
 * Values: register i gets (seed * k_i) ^ (i << 48) for distinct odd k_i,
 * so the 19 values differ from each other even for seed 0.  x29 holds a
 * data value, not a frame pointer, while the switch runs: frame-record
 * walks through this function are not meaningful, which is fine for a
 * test.
 *
 * BTI / PAC: as in switch_arm64_aapcs_elf.S, both functions start with
 * `bti c` when __ARM_FEATURE_BTI_DEFAULT is set and sign/authenticate the
 * lr they spill when __ARM_FEATURE_PAC_DEFAULT is set, and the file
 * carries the matching GNU property note, so that a -DWEFT_BTI=ON build
 * of test_switch keeps BTI enforcement for the whole binary.
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
#if __ARM_FEATURE_PAC_DEFAULT & 2
#define WEFT_PAC_SIGN_LR hint #27       /* pacibsp */
#define WEFT_PAC_AUTH_LR hint #31       /* autibsp */
#else
#define WEFT_PAC_SIGN_LR hint #25       /* paciasp */
#define WEFT_PAC_AUTH_LR hint #29       /* autiasp */
#endif
#else
#define WEFT_A64_PAC 0
#define WEFT_PAC_SIGN_LR
#define WEFT_PAC_AUTH_LR
#endif

/* Spill area (176 bytes, same shape as the switch's frame):
 *   0 x29, 8 x30, 16..88 x19-x28, 96..152 d8-d15, 160 seed, 168 pad */
#define SAVE_ALL \
    stp     x29, x30, [sp, #-176]!; \
    stp     x19, x20, [sp, #16];    \
    stp     x21, x22, [sp, #32];    \
    stp     x23, x24, [sp, #48];    \
    stp     x25, x26, [sp, #64];    \
    stp     x27, x28, [sp, #80];    \
    stp     d8,  d9,  [sp, #96];    \
    stp     d10, d11, [sp, #112];   \
    stp     d12, d13, [sp, #128];   \
    stp     d14, d15, [sp, #144]

#define RESTORE_ALL \
    ldp     x19, x20, [sp, #16];    \
    ldp     x21, x22, [sp, #32];    \
    ldp     x23, x24, [sp, #48];    \
    ldp     x25, x26, [sp, #64];    \
    ldp     x27, x28, [sp, #80];    \
    ldp     d8,  d9,  [sp, #96];    \
    ldp     d10, d11, [sp, #112];   \
    ldp     d12, d13, [sp, #128];   \
    ldp     d14, d15, [sp, #144];   \
    ldp     x29, x30, [sp], #176

/* x10 = (x3 * k) ^ (idx << 48); clobbers x9 */
    .macro  pattern k, idx
    mov     x9, #\k
    mul     x10, x3, x9
    movz    x9, #\idx, lsl #48
    eor     x10, x10, x9
    .endm

    .macro  fillx reg, k, idx
    pattern \k, \idx
    mov     \reg, x10
    .endm

    .macro  filld reg, k, idx
    pattern \k, \idx
    fmov    \reg, x10
    .endm

/* w0 = idx + 1; branch to 9f (the exit) if reg differs */
    .macro  checkx reg, k, idx
    pattern \k, \idx
    mov     w0, #(\idx + 1)
    cmp     \reg, x10
    b.ne    9f
    .endm

    .macro  checkd reg, k, idx
    pattern \k, \idx
    mov     w0, #(\idx + 1)
    fmov    x11, \reg
    cmp     x11, x10
    b.ne    9f
    .endm

    .text

    .globl  weft_regs_check
    .hidden weft_regs_check
    .type   weft_regs_check, %function
    .p2align 4
weft_regs_check:
    WEFT_BTI_C
    WEFT_PAC_SIGN_LR
    SAVE_ALL
    str     x3, [sp, #160]              /* keep seed where the check can find it */
    fillx   x19, 3,  0
    fillx   x20, 5,  1
    fillx   x21, 7,  2
    fillx   x22, 11, 3
    fillx   x23, 13, 4
    fillx   x24, 17, 5
    fillx   x25, 19, 6
    fillx   x26, 23, 7
    fillx   x27, 29, 8
    fillx   x28, 31, 9
    fillx   x29, 37, 10
    filld   d8,  41, 11
    filld   d9,  43, 12
    filld   d10, 47, 13
    filld   d11, 53, 14
    filld   d12, 59, 15
    filld   d13, 61, 16
    filld   d14, 67, 17
    filld   d15, 71, 18
    bl      weft_ctx_switch
    ldr     x3, [sp, #160]
    checkx  x19, 3,  0
    checkx  x20, 5,  1
    checkx  x21, 7,  2
    checkx  x22, 11, 3
    checkx  x23, 13, 4
    checkx  x24, 17, 5
    checkx  x25, 19, 6
    checkx  x26, 23, 7
    checkx  x27, 29, 8
    checkx  x28, 31, 9
    checkx  x29, 37, 10
    checkd  d8,  41, 11
    checkd  d9,  43, 12
    checkd  d10, 47, 13
    checkd  d11, 53, 14
    checkd  d12, 59, 15
    checkd  d13, 61, 16
    checkd  d14, 67, 17
    checkd  d15, 71, 18
    mov     w0, #0
9:  RESTORE_ALL
    WEFT_PAC_AUTH_LR
    ret
    .size   weft_regs_check, .-weft_regs_check

    .globl  weft_regs_clobber
    .hidden weft_regs_clobber
    .type   weft_regs_clobber, %function
    .p2align 4
weft_regs_clobber:
    WEFT_BTI_C
    WEFT_PAC_SIGN_LR
    SAVE_ALL
    mvn     x9, x3                      /* garbage: ~seed, rotated */
    mov     x19, x9
    ror     x20, x9, #7
    ror     x21, x9, #13
    ror     x22, x9, #19
    ror     x23, x9, #29
    ror     x24, x9, #37
    ror     x25, x9, #41
    ror     x26, x9, #43
    ror     x27, x9, #47
    ror     x28, x9, #53
    ror     x29, x9, #59
    ror     x10, x9, #3
    fmov    d8, x10
    ror     x10, x9, #11
    fmov    d9, x10
    ror     x10, x9, #17
    fmov    d10, x10
    ror     x10, x9, #23
    fmov    d11, x10
    ror     x10, x9, #31
    fmov    d12, x10
    ror     x10, x9, #39
    fmov    d13, x10
    ror     x10, x9, #49
    fmov    d14, x10
    ror     x10, x9, #61
    fmov    d15, x10
    bl      weft_ctx_switch
    RESTORE_ALL
    WEFT_PAC_AUTH_LR
    ret
    .size   weft_regs_clobber, .-weft_regs_clobber

    .section .note.GNU-stack,"",%progbits

#if WEFT_A64_BTI || WEFT_A64_PAC
/* GNU_PROPERTY_AARCH64_FEATURE_1_AND: BTI (bit 0), PAC (bit 1); see
 * switch_arm64_aapcs_elf.S. */
    .section .note.gnu.property,"a"
    .p2align 3
    .long   4
    .long   16
    .long   5                           /* NT_GNU_PROPERTY_TYPE_0 */
    .asciz  "GNU"
    .long   0xc0000000
    .long   4
    .long   (WEFT_A64_BTI * 1) | (WEFT_A64_PAC * 2)
    .p2align 3
#endif
