/*
 * regs_arm64_aapcs_macho.S - callee-saved register check for the switch
 * (arm64, Apple's AAPCS64 variant, Mach-O).  The contract is that of every
 * regs_*.S (see regs_x86_64_sysv_elf.S):
 *
 *   int  weft_regs_check(void **save, void *to, void *arg, uint64_t seed);
 *        Fills every callee-saved register with a distinct value derived
 *        from seed, calls weft_ctx_switch(save, to, arg) and, once switched
 *        back to, compares each register with what it put there.  Returns
 *        0, or 1 + the index of the first register that changed, in the
 *        order x19..x28, x29, d8..d15:
 *            1..10  x19..x28
 *            11     x29
 *            12..19 d8..d15
 *        Preserves its own caller's callee-saved registers.
 *
 *   void weft_regs_clobber(void **save, void *to, void *arg, uint64_t seed);
 *        Fills the same registers with other values derived from seed,
 *        calls weft_ctx_switch(save, to, arg), then returns to its caller
 *        with the caller's registers intact.
 *
 * The checked set is AAPCS64's: x19-x28, x29 (the frame pointer) and the
 * low 64 bits of v8-v15 (d8-d15).  sp and x30 are checked implicitly: a
 * wrong one would not return here.  x18 is Apple's platform register
 * ("Writing ARM64 code for Apple platforms": don't use it) and is neither
 * set nor checked.  FPCR is checked from C with fenv.h (test_switch.c).
 *
 * Patterns: check puts (seed * k) ^ k in each register, clobber puts
 * k ^ ror(~seed, r), with distinct k (and r) per register.
 *
 * Apple requires x29 to address a valid frame record.  Both functions set
 * one up on entry, and then, to test x29, deliberately break that rule
 * while the pattern is live (until they restore x29 on return); a frame
 * pointer walk in that window (a profiler sample, a crash report) stops
 * early or reads garbage.  This is test code, run only by test_switch.
 *
 * Frame of both functions (176 bytes, 16-aligned):
 *     0  seed (check only), padding
 *    16  x19, x20   32  x21, x22   48  x23, x24   64  x25, x26   80  x27, x28
 *    96  d8,  d9   112  d10, d11  128  d12, d13  144  d14, d15
 *   160  x29, x30   (the frame record)
 */

#if defined(__aarch64__) || defined(__arm64__)

#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define WEFT_BTI_C hint #34     /* bti c */
#else
#define WEFT_BTI_C
#endif

    .section __TEXT,__text,regular,pure_instructions

/* Save the caller's callee-saved registers and set up a frame record. */
.macro WEFT_REGS_ENTER
    sub     sp, sp, #176
    stp     x29, x30, [sp, #160]
    add     x29, sp, #160
    stp     x19, x20, [sp, #16]
    stp     x21, x22, [sp, #32]
    stp     x23, x24, [sp, #48]
    stp     x25, x26, [sp, #64]
    stp     x27, x28, [sp, #80]
    stp     d8,  d9,  [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
.endm

.macro WEFT_REGS_LEAVE
    ldp     x19, x20, [sp, #16]
    ldp     x21, x22, [sp, #32]
    ldp     x23, x24, [sp, #48]
    ldp     x25, x26, [sp, #64]
    ldp     x27, x28, [sp, #80]
    ldp     d8,  d9,  [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    ldp     x29, x30, [sp, #160]
    add     sp, sp, #176
    ret
.endm

/* reg = (x3 * k) ^ k, the check pattern (x3 = seed; clobbers x9). */
.macro WEFT_PAT reg, k
    mov     x9, #\k
    mul     \reg, x3, x9
    eor     \reg, \reg, x9
.endm

/* Compare reg with its pattern; on mismatch return idx (x3 = seed;
 * clobbers x9, x10, w0). */
.macro WEFT_CHK reg, k, idx
    mov     x9, #\k
    mul     x10, x3, x9
    eor     x10, x10, x9
    mov     w0, #\idx
    cmp     \reg, x10
    b.ne    9f
.endm

/* reg = k ^ ror(x9, r), the clobber pattern (x9 = ~seed; clobbers x10). */
.macro WEFT_GARBAGE reg, k, r
    mov     x10, #\k
    eor     \reg, x10, x9, ror #\r
.endm

/* int weft_regs_check(void **save, void *to, void *arg, uint64_t seed)
 *   x0 = save, x1 = to, x2 = arg, x3 = seed. */
    .globl  _weft_regs_check
    .p2align 4
_weft_regs_check:
    WEFT_BTI_C
    WEFT_REGS_ENTER
    str     x3, [sp, #0]            /* keep seed where the check can find it */
    WEFT_PAT x19, 3
    WEFT_PAT x20, 5
    WEFT_PAT x21, 7
    WEFT_PAT x22, 11
    WEFT_PAT x23, 13
    WEFT_PAT x24, 17
    WEFT_PAT x25, 19
    WEFT_PAT x26, 23
    WEFT_PAT x27, 29
    WEFT_PAT x28, 31
    WEFT_PAT x29, 37
    WEFT_PAT x10, 41
    fmov    d8, x10
    WEFT_PAT x10, 43
    fmov    d9, x10
    WEFT_PAT x10, 47
    fmov    d10, x10
    WEFT_PAT x10, 53
    fmov    d11, x10
    WEFT_PAT x10, 59
    fmov    d12, x10
    WEFT_PAT x10, 61
    fmov    d13, x10
    WEFT_PAT x10, 67
    fmov    d14, x10
    WEFT_PAT x10, 71
    fmov    d15, x10
    bl      _weft_ctx_switch
    ldr     x3, [sp, #0]
    WEFT_CHK x19, 3, 1
    WEFT_CHK x20, 5, 2
    WEFT_CHK x21, 7, 3
    WEFT_CHK x22, 11, 4
    WEFT_CHK x23, 13, 5
    WEFT_CHK x24, 17, 6
    WEFT_CHK x25, 19, 7
    WEFT_CHK x26, 23, 8
    WEFT_CHK x27, 29, 9
    WEFT_CHK x28, 31, 10
    WEFT_CHK x29, 37, 11
    fmov    x11, d8
    WEFT_CHK x11, 41, 12
    fmov    x11, d9
    WEFT_CHK x11, 43, 13
    fmov    x11, d10
    WEFT_CHK x11, 47, 14
    fmov    x11, d11
    WEFT_CHK x11, 53, 15
    fmov    x11, d12
    WEFT_CHK x11, 59, 16
    fmov    x11, d13
    WEFT_CHK x11, 61, 17
    fmov    x11, d14
    WEFT_CHK x11, 67, 18
    fmov    x11, d15
    WEFT_CHK x11, 71, 19
    mov     w0, #0
9:
    WEFT_REGS_LEAVE

/* void weft_regs_clobber(void **save, void *to, void *arg, uint64_t seed)
 *   x0 = save, x1 = to, x2 = arg, x3 = seed. */
    .globl  _weft_regs_clobber
    .p2align 4
_weft_regs_clobber:
    WEFT_BTI_C
    WEFT_REGS_ENTER
    mvn     x9, x3
    WEFT_GARBAGE x19, 101, 3
    WEFT_GARBAGE x20, 103, 7
    WEFT_GARBAGE x21, 107, 11
    WEFT_GARBAGE x22, 109, 13
    WEFT_GARBAGE x23, 113, 17
    WEFT_GARBAGE x24, 127, 19
    WEFT_GARBAGE x25, 131, 23
    WEFT_GARBAGE x26, 137, 29
    WEFT_GARBAGE x27, 139, 31
    WEFT_GARBAGE x28, 149, 37
    WEFT_GARBAGE x29, 151, 41
    WEFT_GARBAGE x11, 157, 43
    fmov    d8, x11
    WEFT_GARBAGE x11, 163, 47
    fmov    d9, x11
    WEFT_GARBAGE x11, 167, 53
    fmov    d10, x11
    WEFT_GARBAGE x11, 173, 59
    fmov    d11, x11
    WEFT_GARBAGE x11, 179, 61
    fmov    d12, x11
    WEFT_GARBAGE x11, 181, 5
    fmov    d13, x11
    WEFT_GARBAGE x11, 191, 9
    fmov    d14, x11
    WEFT_GARBAGE x11, 193, 15
    fmov    d15, x11
    bl      _weft_ctx_switch
    WEFT_REGS_LEAVE

    .subsections_via_symbols

#endif /* __aarch64__ || __arm64__ */
