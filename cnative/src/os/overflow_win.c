/*
 * overflow_win.c - stack-overflow reports on Windows: the OS layer of
 * fault.h.
 *
 * Which stack the handler runs on.  Windows has no sigaltstack: exception
 * dispatch (KiUserExceptionDispatcher -> RtlDispatchException -> vectored
 * handlers) runs on the stack that faulted, below the faulting rsp.  For a
 * coroutine that overflowed, that is the headroom stack_win.c keeps below
 * the usable area: when the guard page reaches it the kernel commits the
 * TEB.GuaranteedStackBytes bytes there (the switch installs the
 * coroutine's guarantee, 16 KiB) and raises STATUS_STACK_OVERFLOW, so the
 * dispatcher and this handler have that much stack.  SetThreadStackGuarantee
 * is deliberately not used: it would change the guarantee of the thread's
 * own stack too (a JVM thread's, whose guard zones the JVM manages), and
 * Windows treats the guarantee as per-fiber state anyway, which is what
 * swapping it in the switch reproduces.  So weft_fault_prepare_thread's
 * per-thread part is only the "armed" marker described below.
 *
 * What is ours.  The handler claims an exception only when a coroutine is
 * published on the faulting thread (weft_fault_set_current) and
 *   - it is STATUS_STACK_OVERFLOW and the faulting address (Windows and
 *     Wine's page-fault path pass it) or rsp lies in that coroutine's
 *     reservation, or
 *   - it is an access violation or a guard-page violation at an address in
 *     that coroutine's guard (stk->alloc .. + stk->guard): a frame that
 *     skipped the guard page, or a handler that overran the headroom.
 * Everything else returns EXCEPTION_CONTINUE_SEARCH untouched, so the
 * handlers after ours (the JVM's implicit null checks and its own stack
 * banging, SEH frames, the unhandled-exception filter) see it exactly as if
 * Weft were not there.  The handler is registered first in the vectored
 * list (AddVectoredExceptionHandler(1, ...)) because a JVM handler seeing a
 * native-code stack overflow on one of its threads may disable its yellow
 * zone and continue execution, which would run the coroutine on into the
 * headroom.  The check costs a few loads for foreign exceptions and changes
 * no state (not even GetLastError).
 *
 * Reporting.  weft_fault_format (fault.c) fills a stack buffer; WriteFile
 * puts it on the standard error handle; TerminateProcess ends the process
 * with STATUS_STACK_OVERFLOW (0xC00000FD), the exit status Windows itself
 * gives a process killed by an unhandled stack overflow, so parents and
 * crash tooling classify it correctly; the report line on stderr tells a
 * Weft-detected overflow from any other.  TerminateProcess rather than
 * abort(): abort() would run the CRT's SIGABRT machinery and possibly a
 * Windows Error Reporting dialog on an exhausted stack.
 *
 * Reading the published coroutine (fault.h's weft_running) safely.  With
 * mingw-w64 gcc, _Thread_local is emulated TLS: the first access to a
 * variable on a thread calloc()s that thread's block, which must not
 * happen inside an exception handler (the faulting thread may hold the
 * heap lock, and every foreign exception of every thread - a JVM's
 * implicit null checks included - passes through this handler first).  So
 * weft_fault_prepare_thread, which gen.c runs on each thread before its
 * first switch there, touches weft_running in ordinary context and then
 * marks the thread "armed" in a raw TLS slot (TlsAlloc once per process,
 * read straight from TEB.TlsSlots, the array TlsGetValue itself reads for
 * the first 64 slots: no allocation, no lock, no SetLastError).  The
 * handler reads weft_running only on armed threads, where emutls's access
 * is TlsGetValue bracketed by Get/SetLastError (libgcc's gthr-win32), and
 * otherwise returns at once.  A thread that never ran a coroutine has
 * nothing to report anyway.  With native TLS (clang, MSVC) the marker is
 * merely redundant.
 */
#include <windows.h>

#include "weft.h"
#include "fault.h"

/* x64 TEB: NT_TIB.Self at 0x30; TlsSlots[64] at 0x1480 (winternl.h). */
#define WEFT_TEB_SELF        0x30
#define WEFT_TEB_TLS_SLOTS   0x1480
#define WEFT_TEB_TLS_INLINE  64      /* TLS_MINIMUM_AVAILABLE */

#define WEFT_EXC_STACK_OVERFLOW   0xC00000FDu  /* STATUS_STACK_OVERFLOW */
#define WEFT_EXC_ACCESS_VIOLATION 0xC0000005u  /* STATUS_ACCESS_VIOLATION */
#define WEFT_EXC_GUARD_PAGE       0x80000001u  /* STATUS_GUARD_PAGE_VIOLATION */

static volatile DWORD weft_fault_slot = TLS_OUT_OF_INDEXES;
static INIT_ONCE weft_fault_once = INIT_ONCE_STATIC_INIT;

#if defined(__GNUC__)
static inline unsigned char *weft_teb(void)
{
    unsigned char *teb;
    __asm__ __volatile__("movq %%gs:0x30, %0" : "=r"(teb));
    return teb;
}
#else
#include <intrin.h>
static __forceinline unsigned char *weft_teb(void)
{
    return (unsigned char *)__readgsqword(WEFT_TEB_SELF);
}
#endif

/* This thread's value of the armed slot, without touching GetLastError. */
static int weft_thread_armed(void)
{
    DWORD slot = weft_fault_slot;
    if (slot == TLS_OUT_OF_INDEXES)
        return 0;
    if (slot < WEFT_TEB_TLS_INLINE)
        return ((void *volatile *)(weft_teb() + WEFT_TEB_TLS_SLOTS))[slot] != NULL;
    DWORD err = GetLastError(); /* TlsGetValue clears it on success */
    void *v = TlsGetValue(slot);
    SetLastError(err);
    return v != NULL;
}

static LONG CALLBACK weft_fault_handler(EXCEPTION_POINTERS *ep);

/* Runs once per process under weft_fault_once. */
static BOOL CALLBACK weft_fault_init(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    DWORD slot = TlsAlloc();
    if (slot == TLS_OUT_OF_INDEXES)
        return FALSE;
    weft_fault_slot = slot; /* before the handler can run */
    if (AddVectoredExceptionHandler(1, weft_fault_handler) == NULL) {
        weft_fault_slot = TLS_OUT_OF_INDEXES;
        TlsFree(slot);
        return FALSE;
    }
    return TRUE;
}

/* Precondition: called on the thread's own stack or a coroutine's, in
 * ordinary (not exception-handler) context. */
int weft_fault_prepare_thread(void)
{
    if (weft_thread_prepared)
        return WEFT_OK;
    if (!InitOnceExecuteOnce(&weft_fault_once, weft_fault_init, NULL, NULL))
        return WEFT_ENOMEM;
    /* Materialise this thread's copy of weft_running (see the top). */
    const weft_fault_info_t *volatile *running = &weft_running;
    (void)*running;
    if (!TlsSetValue(weft_fault_slot, (void *)1))
        return WEFT_ENOMEM;
    weft_thread_prepared = 1;
    return WEFT_OK;
}

static int weft_in(ULONG_PTR a, const char *lo, const char *hi)
{
    return a >= (ULONG_PTR)lo && a < (ULONG_PTR)hi;
}

/* Runs on the faulting stack; see the top of the file for what it claims. */
static LONG CALLBACK weft_fault_handler(EXCEPTION_POINTERS *ep)
{
    const EXCEPTION_RECORD *er = ep->ExceptionRecord;
    DWORD code = er->ExceptionCode;
    if (code != WEFT_EXC_STACK_OVERFLOW && code != WEFT_EXC_ACCESS_VIOLATION &&
        code != WEFT_EXC_GUARD_PAGE)
        return EXCEPTION_CONTINUE_SEARCH;
    if (!weft_thread_armed())
        return EXCEPTION_CONTINUE_SEARCH;
    const weft_fault_info_t *info = weft_fault_current();
    if (info == NULL || info->stack == NULL)
        return EXCEPTION_CONTINUE_SEARCH;
    const weft_stack_t *stk = info->stack;
    int has_addr = er->NumberParameters >= 2;
    ULONG_PTR addr = has_addr ? er->ExceptionInformation[1] : 0;
    int ours;
    if (code == WEFT_EXC_STACK_OVERFLOW)
        ours = (has_addr && weft_in(addr, stk->alloc, stk->top)) ||
               weft_in((ULONG_PTR)ep->ContextRecord->Rsp, stk->alloc, stk->top);
    else
        ours = has_addr && weft_in(addr, stk->alloc, stk->alloc + stk->guard);
    if (!ours)
        return EXCEPTION_CONTINUE_SEARCH;

    char buf[256];
    size_t n = weft_fault_format(buf, sizeof buf, info);
    if (n > sizeof buf)
        n = sizeof buf;
    HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
    if (err != NULL && err != INVALID_HANDLE_VALUE) {
        DWORD written;
        WriteFile(err, buf, (DWORD)n, &written, NULL);
    }
    TerminateProcess(GetCurrentProcess(), WEFT_EXC_STACK_OVERFLOW);
    return EXCEPTION_CONTINUE_SEARCH; /* not reached; if it were, let Windows end us */
}
