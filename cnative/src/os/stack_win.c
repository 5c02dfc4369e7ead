/*
 * stack_win.c - coroutine stacks on Windows: the OS layer of stack.h.
 *
 * A coroutine stack is laid out like a thread stack, so that the kernel's
 * own machinery grows it and detects its overflow, driven by the TEB
 * fields the switch installs (switch_x86_64_ms_pe.S):
 *
 *   alloc                                                                top
 *   | last | headroom (guarantee) | slack | usable ... | PAGE_GUARD | commit |
 *   |<------------- stk->guard ---------->|<-------------- usable ---------->|
 *     reserved, never committed by us       reserved; the top page is
 *                                           committed, the one below it is
 *                                           committed PAGE_GUARD
 *
 * Invariants, for every stack this file hands out:
 *  - The whole range [alloc, top) is one MEM_RESERVE, PAGE_READWRITE
 *    reservation (so DeallocationStack = alloc is its allocation base, as
 *    for a thread).
 *  - Initially exactly the top page is committed read-write and the page
 *    below it is committed PAGE_READWRITE | PAGE_GUARD; stk->limit is the
 *    lowest committed non-guard byte (top - 1 page), the value the TEB's
 *    StackLimit must start with.  Note that stk->limit is therefore NOT the
 *    bottom of the usable area on Windows (ctx.h's generic meaning); the
 *    usable size is stk->usable.
 *  - Growth: when code touches the guard page, the kernel (MmAccessFault ->
 *    MiCheckForUserStackOverflow; in Wine, virtual_handle_fault ->
 *    grow_thread_stack) sees that the address lies between the TEB's
 *    DeallocationStack and StackBase, commits it, moves the guard page down
 *    and lowers StackLimit.  No Weft code runs.
 *  - Overflow: when the guard would move into the bottom `last page +
 *    guarantee` of the reservation, the kernel instead commits the
 *    guarantee area (without PAGE_GUARD) and raises STATUS_STACK_OVERFLOW
 *    on the faulting stack.  The guarantee is TEB.GuaranteedStackBytes,
 *    which the switch sets per coroutine to stk->guard - 2 pages (the
 *    headroom below).  overflow_win.c's vectored handler then runs on that
 *    headroom, writes the report and ends the process.
 *  - The last page is never committed: a touch of it (a frame skipping the
 *    whole guard, or a handler overrunning the headroom) is an access
 *    violation at an address inside stk->guard, which overflow_win.c also
 *    reports.
 *
 * Sizes: the headroom is WEFT_WIN_HEADROOM (16 KiB).  Exception dispatch
 * pushes a CONTEXT (1232 bytes) plus the XSAVE area (about 1 KiB with AVX,
 * about 2.7 KiB with AVX-512), the EXCEPTION_RECORD and the dispatcher's
 * frames (KiUserExceptionDispatcher, RtlDispatchException, the vectored
 * handler list) before our handler runs; the handler itself needs a few
 * hundred bytes plus WriteFile/TerminateProcess.  The system default (one
 * or two pages) is too tight for that with AVX-512, which is why the switch
 * installs a larger guarantee.  The slack page absorbs the difference in
 * where exactly Windows and Wine put the overflow point (Windows: when the
 * guard page would be within a page of the guarantee area; Wine: when it
 * enters it), so the caller always gets at least `usable` bytes.  Reserved
 * address space per stack is usable + 24 KiB, rounded by the system to its
 * 64 KiB allocation granularity; committed memory grows only as the stack
 * is used (plus one guard page and, after growth, the guard region the
 * kernel keeps below the committed part).
 *
 * Reuse.  A stack that ran before (stack.c's pool) has more pages
 * committed than a fresh one and its guard page lower down.  Its TEB
 * StackLimit must then start at that lower committed end: never below it
 * (MSVC's __chkstk skips probing above StackLimit, so a big frame would
 * jump the guard page: DynamoRIO #1102), and not above it either, because
 * exception dispatch (RtlDispatchException) and RtlUnwindEx - which
 * mingw's longjmp uses - treat every frame below StackLimit as a corrupt
 * stack (EXCEPTION_STACK_INVALID / STATUS_BAD_STACK).  Only the kernel
 * moves StackLimit, and only when it moves the guard page, so a stale
 * high value would stay wrong for the coroutine's whole life.
 * weft_os_stack_recycle finds the committed end with two VirtualQuery
 * calls and stores it in stk->limit; stack.c must call it on every stack
 * it takes from the pool (stack.h).
 */
#include <windows.h>

#include "weft.h"
#include "stack.h"

#define WEFT_WIN_LAST_PAGES   1                 /* never committed */
#define WEFT_WIN_HEADROOM     ((size_t)16 * 1024) /* TEB.GuaranteedStackBytes while on the stack */
#define WEFT_WIN_SLACK_PAGES  1

static volatile size_t weft_page_size_cache;

size_t weft_os_page_size(void)
{
    size_t ps = weft_page_size_cache;
    if (ps == 0) {
        SYSTEM_INFO si;
        GetSystemInfo(&si);
        ps = si.dwPageSize;
        weft_page_size_cache = ps; /* benign race: every thread stores the same value */
    }
    return ps;
}

/* Guard bytes below the usable area: last page + headroom + slack.  The
 * switch derives the coroutine's guarantee as guard - 2 pages, i.e. the
 * headroom; keep both in step (switch_x86_64_ms_pe.S, weft_ctx_make). */
static size_t weft_win_guard_size(size_t page)
{
    size_t headroom = (WEFT_WIN_HEADROOM + page - 1) & ~(page - 1);
    return (WEFT_WIN_LAST_PAGES + WEFT_WIN_SLACK_PAGES) * page + headroom;
}

int weft_os_stack_alloc(weft_stack_t *stk, size_t usable)
{
    size_t page = weft_os_page_size();
    if (usable == 0 || (usable & (page - 1)) != 0)
        return WEFT_EINVAL;
    size_t guard = weft_win_guard_size(page);
    if (usable > (size_t)-1 - guard)
        return WEFT_ENOMEM;
    size_t reserved = usable + guard;

    /* Reserved PAGE_READWRITE like a thread stack (RtlCreateUserStack):
     * Wine's stack growth adds COMMITTED|GUARD to the reservation's own
     * protection, so a PAGE_NOACCESS reservation would grow into
     * no-access guard pages.  Uncommitted pages fault either way. */
    char *base = VirtualAlloc(NULL, reserved, MEM_RESERVE, PAGE_READWRITE);
    if (base == NULL)
        return WEFT_ENOMEM;
    char *top = base + reserved;
    /* The top page, then the guard page just below it (always inside the
     * reservation above the last page: usable >= 1 page, and the slack
     * page is there for the guard when usable is a single page). */
    if (VirtualAlloc(top - page, page, MEM_COMMIT, PAGE_READWRITE) == NULL ||
        VirtualAlloc(top - 2 * page, page, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD) == NULL) {
        VirtualFree(base, 0, MEM_RELEASE);
        return WEFT_ENOMEM;
    }
    stk->top = top;
    stk->limit = top - page;
    stk->alloc = base;
    stk->usable = usable;
    stk->reserved = reserved;
    stk->guard = guard;
    stk->valgrind_id = 0;
    return WEFT_OK;
}

/* 3 (reserved, uncommitted address space: no per-stack kernel object
 * beyond the reservation's VAD) on Windows.  Under Wine every reservation
 * and every run of pages with one protection is a Linux mapping, so the
 * number of live stacks is bounded by vm.max_map_count as with mprotect'ed
 * guards: 1 there.  Wine is recognised by ntdll's wine_get_version export. */
int weft_os_stack_guard_kind(void)
{
    static volatile int kind;
    int k = kind;
    if (k == 0) {
        HMODULE ntdll = GetModuleHandleA("ntdll.dll");
        k = ntdll != NULL && GetProcAddress(ntdll, "wine_get_version") != NULL ? 1 : 3;
        kind = k; /* benign race: every thread computes the same value */
    }
    return k;
}

/* Precondition: stk came from weft_os_stack_alloc and is not running.
 * Layout from alloc upwards: the reserved run (last page, headroom, what
 * is left of the usable area), the guard page, the committed pages. */
void weft_os_stack_recycle(weft_stack_t *stk)
{
    MEMORY_BASIC_INFORMATION mbi;
    if (VirtualQuery(stk->alloc, &mbi, sizeof mbi) == 0 || mbi.State != MEM_RESERVE)
        return;
    char *p = (char *)mbi.BaseAddress + mbi.RegionSize;
    if (p >= stk->top || VirtualQuery(p, &mbi, sizeof mbi) == 0 || mbi.State != MEM_COMMIT)
        return;
    if (mbi.Protect & PAGE_GUARD)
        p = (char *)mbi.BaseAddress + mbi.RegionSize;
    if (p < stk->top)
        stk->limit = p;
}

void weft_os_stack_free(weft_stack_t *stk)
{
    if (stk->alloc != NULL)
        VirtualFree(stk->alloc, 0, MEM_RELEASE);
    stk->top = stk->limit = stk->alloc = NULL;
}
