/*
 * regs_x86_64_sysv_macho.S - callee-saved register check for the switch
 * (x86_64 System V, Mach-O).  Same contract, registers and instructions as
 * regs_x86_64_sysv_elf.S (see there); only the Mach-O spelling differs:
 * leading underscores, no .type/.size, no .note section.  Both functions
 * are global (external), not private: the test executable links them from
 * its own object.  The only undefined symbol is _weft_ctx_switch.
 *
 * The checked set is psABI 3.2.1's: rbx, rbp, r12-r15 (rsp is checked
 * implicitly: a wrong rsp would not return here).  MXCSR and the x87
 * control word are checked from C with fenv.h (test_switch.c).
 */
#if defined(__x86_64__)

    .section __TEXT,__text,regular,pure_instructions

    .globl  _weft_regs_check
    .p2align 4
_weft_regs_check:
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    subq    $8, %rsp                /* rsp 16-aligned before the call */
    movq    %rcx, (%rsp)            /* keep seed where the check can find it */
    /* pattern: seed * k for distinct odd k */
    movq    %rcx, %rbx
    imulq   $3, %rbx
    movq    %rcx, %rbp
    imulq   $5, %rbp
    movq    %rcx, %r12
    imulq   $7, %r12
    movq    %rcx, %r13
    imulq   $11, %r13
    movq    %rcx, %r14
    imulq   $13, %r14
    movq    %rcx, %r15
    imulq   $17, %r15
    call    _weft_ctx_switch
    movq    (%rsp), %rcx
    movq    %rcx, %rax
    imulq   $3, %rax
    cmpq    %rax, %rbx
    jne     1f
    movq    %rcx, %rax
    imulq   $5, %rax
    cmpq    %rax, %rbp
    jne     2f
    movq    %rcx, %rax
    imulq   $7, %rax
    cmpq    %rax, %r12
    jne     3f
    movq    %rcx, %rax
    imulq   $11, %rax
    cmpq    %rax, %r13
    jne     4f
    movq    %rcx, %rax
    imulq   $13, %rax
    cmpq    %rax, %r14
    jne     5f
    movq    %rcx, %rax
    imulq   $17, %rax
    cmpq    %rax, %r15
    jne     6f
    xorl    %eax, %eax
    jmp     9f
1:  movl    $1, %eax
    jmp     9f
2:  movl    $2, %eax
    jmp     9f
3:  movl    $3, %eax
    jmp     9f
4:  movl    $4, %eax
    jmp     9f
5:  movl    $5, %eax
    jmp     9f
6:  movl    $6, %eax
9:  addq    $8, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret

    .globl  _weft_regs_clobber
    .p2align 4
_weft_regs_clobber:
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    subq    $8, %rsp
    notq    %rcx
    movq    %rcx, %rbx
    movq    %rcx, %rbp
    rolq    $7, %rbp
    movq    %rcx, %r12
    rolq    $13, %r12
    movq    %rcx, %r13
    rolq    $19, %r13
    movq    %rcx, %r14
    rolq    $29, %r14
    movq    %rcx, %r15
    rolq    $37, %r15
    call    _weft_ctx_switch
    addq    $8, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret

    .subsections_via_symbols

#endif /* __x86_64__ */
