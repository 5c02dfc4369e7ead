/* test_switch.c - the context switch itself (arch/ctx.h), below the
 * generator API: callee-saved registers, FP control state, stack
 * alignment, and arguments crossing the switch. */
#include "harness.h"
#include "weft.h"
#include "arch/ctx.h"
#include "stack.h"

#include <fenv.h>
#include <math.h>

/* regs_<arch>_<abi>_<format>.S */
int weft_regs_check(void **save, void *to, void *arg, uint64_t seed);
void weft_regs_clobber(void **save, void *to, void *arg, uint64_t seed);

static void *main_sp, *co_sp;
static weft_stack_t stk;

static void setup(weft_ctx_entry entry, void *ctx_arg)
{
    CHECK_EQ_INT(weft_stack_get(&stk, 256 << 10), WEFT_OK);
    co_sp = weft_ctx_make(&stk, entry, ctx_arg);
    CHECK(co_sp != NULL);
    CHECK((char *)co_sp < stk.top && (char *)co_sp > stk.limit);
}

static void teardown(void)
{
    weft_stack_put(&stk);
}

/* ---- arguments cross the switch ----------------------------------------- */

static void pingpong_entry(void *ctx_arg, void *arg)
{
    CHECK_EQ_PTR(ctx_arg, (void *)0xC0);
    uintptr_t v = (uintptr_t)arg;
    for (;;)
        v = (uintptr_t)weft_ctx_switch(&co_sp, main_sp, (void *)(v + 1));
}

WEFT_TEST(arguments_cross_and_fresh_entry_gets_both)
{
    setup(pingpong_entry, (void *)0xC0);
    for (uintptr_t i = 0; i < 100000; i++) {
        uintptr_t r = (uintptr_t)weft_ctx_switch(&main_sp, co_sp, (void *)(i * 2));
        CHECK_EQ_INT(r, i * 2 + 1);
    }
    teardown();
}

/* ---- the `ret` variant: same frames, so either resumes the other's ------- */

static void ret_pingpong_entry(void *ctx_arg, void *arg)
{
    CHECK_EQ_PTR(ctx_arg, (void *)0xC1);
    uintptr_t v = (uintptr_t)arg;
    for (;;)
        v = (uintptr_t)weft_ctx_switch_ret(&co_sp, main_sp, (void *)(v + 1));
}

WEFT_TEST(switch_ret_interoperates_with_switch)
{
    setup(ret_pingpong_entry, (void *)0xC1);
    for (uintptr_t i = 0; i < 100000; i++) {
        /* main alternates the two; the coroutine always uses the ret form */
        uintptr_t r = (uintptr_t)(i & 1 ? weft_ctx_switch(&main_sp, co_sp, (void *)(i * 2))
                                        : weft_ctx_switch_ret(&main_sp, co_sp, (void *)(i * 2)));
        CHECK_EQ_INT(r, i * 2 + 1);
    }
    teardown();
}

/* ---- callee-saved registers ------------------------------------------------ */
/* (through weft_ctx_switch; weft_ctx_switch_ret runs the same save/restore
 * code, one assembler macro, and differs only in its last instruction) */

static void clobber_entry(void *ctx_arg, void *arg)
{
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    for (;;) {
        weft_regs_clobber(&co_sp, main_sp, NULL, seed);
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    }
}

WEFT_TEST(callee_saved_registers_survive)
{
    setup(clobber_entry, NULL);
    uint64_t seed = 0x0123456789ABCDEFull;
    for (int i = 0; i < 10000; i++) {
        int bad = weft_regs_check(&main_sp, co_sp, NULL, seed | 1);
        if (bad)
            WEFT_FAIL("round %d: callee-saved register #%d (1-based, see regs_*.S) was clobbered", i, bad);
        seed = seed * 2862933555777941757ull + 3037000493ull;
    }
    teardown();
}

/* ---- FP control state belongs to each context ------------------------------ */

static int co_round_seen;
static void fp_entry(void *ctx_arg, void *arg)
{
    /* starts with the creator's mode (FE_TONEAREST) */
    co_round_seen = fegetround();
    fesetround(FE_UPWARD);
    weft_ctx_switch(&co_sp, main_sp, NULL);
    co_round_seen = fegetround(); /* still ours, whatever main did */
    volatile double x = 1.0, y = 3.0;
    volatile double up = x / y;
    fesetround(FE_DOWNWARD);
    volatile double down = x / y;
    co_round_seen = up > down ? co_round_seen : -1;
    weft_ctx_switch(&co_sp, main_sp, NULL);
    for (;;)
        weft_ctx_switch(&co_sp, main_sp, NULL);
}

WEFT_TEST(rounding_mode_is_per_context)
{
    if (weft_test_under_valgrind())
        SKIP("valgrind emulates SSE arithmetic in round-to-nearest only");
    CHECK_EQ_INT(fesetround(FE_TONEAREST), 0);
    setup(fp_entry, NULL);
    weft_ctx_switch(&main_sp, co_sp, NULL);
    CHECK_EQ_INT(co_round_seen, FE_TONEAREST);
    CHECK_EQ_INT(fegetround(), FE_TONEAREST); /* the coroutine's FE_UPWARD stayed there */
    fesetround(FE_TOWARDZERO);
    weft_ctx_switch(&main_sp, co_sp, NULL);
    CHECK_EQ_INT(co_round_seen, FE_UPWARD);
    CHECK_EQ_INT(fegetround(), FE_TOWARDZERO);
    fesetround(FE_TONEAREST);
    teardown();
}

/* ---- alignment: printf of doubles uses aligned SSE/NEON spills ------------- */

static char printed[64];
static uintptr_t frame_addr;
#ifdef _WIN32
#include <windows.h>
/* The TIB the switch maintains (switch_x86_64_ms_pe.S): on the coroutine
 * it must describe the coroutine's stack, with StackLimit at or below
 * every live frame (exception dispatch rejects frames under it) and
 * within the stack. */
static NT_TIB co_tib;
#endif
static void printf_entry(void *ctx_arg, void *arg)
{
    snprintf(printed, sizeof printed, "%f %.3e %Lf", 3.25, 1e-7, (long double)2.5);
    frame_addr = (uintptr_t)__builtin_frame_address(0);
#ifdef _WIN32
    co_tib = *(NT_TIB *)NtCurrentTeb();
#endif
    for (;;)
        weft_ctx_switch(&co_sp, main_sp, NULL);
}

WEFT_TEST(printf_on_coroutine_stack_and_alignment)
{
    setup(printf_entry, NULL);
    weft_ctx_switch(&main_sp, co_sp, NULL);
    CHECK(strcmp(printed, "3.250000 1.000e-07 2.500000") == 0);
    CHECK(frame_addr > (uintptr_t)stk.limit && frame_addr < (uintptr_t)stk.top);
    CHECK_EQ_INT(frame_addr % 16, 0);
#ifdef _WIN32
    CHECK_EQ_PTR(co_tib.StackBase, stk.top);
    CHECK((char *)co_tib.StackLimit >= stk.alloc + stk.guard &&
          (uintptr_t)co_tib.StackLimit <= frame_addr);
    NT_TIB *tib = (NT_TIB *)NtCurrentTeb(); /* the thread's own, restored */
    CHECK((char *)tib->StackLimit <= (char *)&tib && (char *)&tib < (char *)tib->StackBase);
#endif
    teardown();
}

WEFT_TEST_MAIN()
