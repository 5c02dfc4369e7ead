/*
 * regs_x86_64_ms_pe.S - callee-saved register check for the switch
 * (x86_64, Microsoft x64 ABI, PE/COFF).  The contract is the one in
 * regs_x86_64_sysv_elf.S, with the Win64 argument registers:
 *
 *   int  weft_regs_check(void **save, void *to, void *arg, uint64_t seed);
 *        rcx, rdx, r8, r9.  Fills every nonvolatile register with a
 *        distinct value derived from seed, calls weft_ctx_switch(save, to,
 *        arg) and, once switched back to, compares each with what it put
 *        there.  Returns 0, or 1 + the index of the first one that changed,
 *        in this order:
 *           1 rbx   2 rbp   3 rdi   4 rsi   5 r12   6 r13   7 r14   8 r15
 *           9 xmm6 10 xmm7 ... 18 xmm15   (all 128 bits of each)
 *        Preserves its own caller's nonvolatile registers.
 *
 *   void weft_regs_clobber(void **save, void *to, void *arg, uint64_t seed);
 *        Fills every nonvolatile register with garbage derived from seed,
 *        calls weft_ctx_switch(save, to, arg), then returns to its caller
 *        with the caller's registers intact.
 *
 * The set is the "x64 ABI conventions" nonvolatile set: rbx, rbp, rdi, rsi,
 * r12-r15, xmm6-xmm15 (rsp is checked implicitly).  MXCSR and the x87
 * control word are checked from C with fenv.h (test_switch.c).
 *
 * Frame of both functions, after the 8 pushes and `sub $FRAME`:
 *     0   32 bytes of home space for weft_ctx_switch   (rsp 16-aligned here)
 *    32   seed
 *    48   the caller's xmm6 .. xmm15 (160 bytes)
 *   208   8 bytes padding (the 8 pushes leave rsp 8 mod 16)
 * No unwind info: nothing here can raise an exception.
 */
#define FRAME   216
#define SEED    32
#define XSAVE   48

    .text

/* push rbp rbx rdi rsi r12-r15, allocate, save the caller's xmm6-15 */
.macro weft_enter
    pushq   %rbp
    pushq   %rbx
    pushq   %rdi
    pushq   %rsi
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    subq    $FRAME, %rsp
    movaps  %xmm6,  XSAVE+0(%rsp)
    movaps  %xmm7,  XSAVE+16(%rsp)
    movaps  %xmm8,  XSAVE+32(%rsp)
    movaps  %xmm9,  XSAVE+48(%rsp)
    movaps  %xmm10, XSAVE+64(%rsp)
    movaps  %xmm11, XSAVE+80(%rsp)
    movaps  %xmm12, XSAVE+96(%rsp)
    movaps  %xmm13, XSAVE+112(%rsp)
    movaps  %xmm14, XSAVE+128(%rsp)
    movaps  %xmm15, XSAVE+144(%rsp)
.endm

.macro weft_leave
    movaps  XSAVE+0(%rsp),   %xmm6
    movaps  XSAVE+16(%rsp),  %xmm7
    movaps  XSAVE+32(%rsp),  %xmm8
    movaps  XSAVE+48(%rsp),  %xmm9
    movaps  XSAVE+64(%rsp),  %xmm10
    movaps  XSAVE+80(%rsp),  %xmm11
    movaps  XSAVE+96(%rsp),  %xmm12
    movaps  XSAVE+112(%rsp), %xmm13
    movaps  XSAVE+128(%rsp), %xmm14
    movaps  XSAVE+144(%rsp), %xmm15
    addq    $FRAME, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rsi
    popq    %rdi
    popq    %rbx
    popq    %rbp
    ret
.endm

/* reg = seed (r9) * k */
.macro weft_gpr k, reg
    movq    %r9, \reg
    imulq   $\k, \reg
.endm

/* xmm = { lo: seed * k, hi: ~(seed * k) }; clobbers rax, xmm0 */
.macro weft_xmm k, xreg
    movq    %r9, %rax
    imulq   $\k, %rax
    movq    %rax, \xreg
    notq    %rax
    movq    %rax, %xmm0
    punpcklqdq %xmm0, \xreg
.endm

/* compare gpr with seed * k; on mismatch return n */
.macro weft_chk_gpr k, reg, n
    movq    %r9, %rax
    imulq   $\k, %rax
    cmpq    %rax, \reg
    movl    $\n, %eax
    jne     9f
.endm

/* compare all 128 bits of xreg with weft_xmm's pattern; mismatch returns n */
.macro weft_chk_xmm k, xreg, n
    weft_xmm \k, %xmm1
    pcmpeqb \xreg, %xmm1
    pmovmskb %xmm1, %eax
    cmpl    $0xffff, %eax
    movl    $\n, %eax
    jne     9f
.endm

    .globl  weft_regs_check
    .def    weft_regs_check; .scl 2; .type 32; .endef
    .p2align 4
weft_regs_check:
    weft_enter
    movq    %r9, SEED(%rsp)
    /* rcx, rdx, r8 (the switch's arguments) are left alone */
    weft_gpr 3,  %rbx
    weft_gpr 5,  %rbp
    weft_gpr 7,  %rdi
    weft_gpr 11, %rsi
    weft_gpr 13, %r12
    weft_gpr 17, %r13
    weft_gpr 19, %r14
    weft_gpr 23, %r15
    weft_xmm 29, %xmm6
    weft_xmm 31, %xmm7
    weft_xmm 37, %xmm8
    weft_xmm 41, %xmm9
    weft_xmm 43, %xmm10
    weft_xmm 47, %xmm11
    weft_xmm 53, %xmm12
    weft_xmm 59, %xmm13
    weft_xmm 61, %xmm14
    weft_xmm 67, %xmm15
    call    weft_ctx_switch
    movq    SEED(%rsp), %r9
    weft_chk_gpr 3,  %rbx, 1
    weft_chk_gpr 5,  %rbp, 2
    weft_chk_gpr 7,  %rdi, 3
    weft_chk_gpr 11, %rsi, 4
    weft_chk_gpr 13, %r12, 5
    weft_chk_gpr 17, %r13, 6
    weft_chk_gpr 19, %r14, 7
    weft_chk_gpr 23, %r15, 8
    weft_chk_xmm 29, %xmm6,  9
    weft_chk_xmm 31, %xmm7,  10
    weft_chk_xmm 37, %xmm8,  11
    weft_chk_xmm 41, %xmm9,  12
    weft_chk_xmm 43, %xmm10, 13
    weft_chk_xmm 47, %xmm11, 14
    weft_chk_xmm 53, %xmm12, 15
    weft_chk_xmm 59, %xmm13, 16
    weft_chk_xmm 61, %xmm14, 17
    weft_chk_xmm 67, %xmm15, 18
    xorl    %eax, %eax
9:  weft_leave

    .globl  weft_regs_clobber
    .def    weft_regs_clobber; .scl 2; .type 32; .endef
    .p2align 4
weft_regs_clobber:
    weft_enter
    notq    %r9                     /* garbage unlike any check pattern of the same seed */
    rolq    $17, %r9
    weft_gpr 0x55, %rbx
    weft_gpr 0x65, %rbp
    weft_gpr 0x75, %rdi
    weft_gpr 0x15, %rsi
    weft_gpr 0x25, %r12
    weft_gpr 0x35, %r13
    weft_gpr 0x45, %r14
    weft_gpr 0x05, %r15
    weft_xmm 0x59, %xmm6
    weft_xmm 0x69, %xmm7
    weft_xmm 0x79, %xmm8
    weft_xmm 0x19, %xmm9
    weft_xmm 0x29, %xmm10
    weft_xmm 0x39, %xmm11
    weft_xmm 0x49, %xmm12
    weft_xmm 0x09, %xmm13
    weft_xmm 0x5b, %xmm14
    weft_xmm 0x6b, %xmm15
    call    weft_ctx_switch
    weft_leave
