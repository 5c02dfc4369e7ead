/*
 * overflow_posix.c - turns a guard-page hit on a coroutine stack into a
 * report naming the coroutine; every other SIGSEGV/SIGBUS goes, unchanged,
 * to the handler that was installed before Weft's.
 *
 * Why an alternate signal stack: the fault happens because the coroutine's
 * stack is exhausted, so the kernel cannot push a signal frame on it.
 * Each thread that runs coroutines gets its own sigaltstack (a process-wide
 * one would be shared by two threads faulting at once: tarantool #9222,
 * ClickHouse #14840).  A thread that already has one (installed by a
 * sanitizer, another runtime, the application) keeps it.
 *
 * Why both signals: macOS reports a touch of a PROT_NONE page as SIGBUS,
 * Linux as SIGSEGV.
 *
 * Chaining: the JVM uses SIGSEGV for implicit null checks, safepoint polls
 * and its own stack banging, and installs its handlers before a JNI library
 * like ours loads.  Our handler decides in a few loads whether the fault is
 * ours; if not it calls the previous handler with the same (sig, info,
 * ucontext), so the JVM can inspect and patch the ucontext as if it had
 * been called by the kernel.  A previous SIG_DFL/SIG_IGN disposition is
 * honoured by restoring it and returning: the faulting instruction runs
 * again and the kernel applies the default action.
 */
#include "fault.h"
#include "stack.h"
#include "weft.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__linux__) || defined(__APPLE__)
#include <ucontext.h>
#endif

#ifndef MAP_ANONYMOUS
#define MAP_ANONYMOUS MAP_ANON
#endif


static struct sigaction prev_segv, prev_bus;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static pthread_key_t altstack_key;
static int install_rc = WEFT_OK;

/* The stack pointer at the fault, when we know how to read it. */
static char *fault_sp(void *uctx)
{
    ucontext_t *uc = uctx;
    (void)uc;
#if defined(__linux__) && defined(__x86_64__)
    return (char *)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__linux__) && defined(__aarch64__)
    return (char *)uc->uc_mcontext.sp;
#elif defined(__APPLE__) && defined(__x86_64__)
    return (char *)uc->uc_mcontext->__ss.__rsp;
#elif defined(__APPLE__) && defined(__aarch64__)
    return (char *)uc->uc_mcontext->__ss.__sp;
#else
    return NULL;
#endif
}

/* A fault is an overflow of the current coroutine when the faulting
 * address is in its guard, or when the stack pointer itself has gone below
 * the usable area: a frame larger than the guard jumps over it and faults
 * further down (or, worse, lands in a writable mapping and corrupts it
 * silently: the "stack clash").  Code built with -fstack-clash-protection
 * probes every page it allocates, so it always hits the guard first; the
 * sp test catches the unprotected case when the landing spot faults.  The
 * window (1 MiB below the guard) keeps an sp that is merely somewhere else
 * (a signal handler's own stack, say) from being taken for an overflow. */
static int is_overflow(const weft_fault_info_t *f, const siginfo_t *info, void *uctx)
{
    if (!f || !f->stack)
        return 0;
    const weft_stack_t *s = f->stack;
    char *addr = info->si_addr;
    if (addr >= s->alloc && addr < s->limit)
        return 1;
    char *sp = fault_sp(uctx);
    return sp && sp < s->limit && (uintptr_t)sp >= (uintptr_t)s->alloc - ((uintptr_t)1 << 20);
}

static void chain(int sig, siginfo_t *info, void *uctx)
{
    struct sigaction *prev = sig == SIGBUS ? &prev_bus : &prev_segv;
    if (prev->sa_flags & SA_SIGINFO) {
        prev->sa_sigaction(sig, info, uctx);
        return;
    }
    if (prev->sa_handler == SIG_DFL || prev->sa_handler == SIG_IGN) {
        /* Put the old disposition back; the faulting instruction re-runs
         * and the kernel applies it.  A signal sent with kill() would not
         * re-occur by itself, so send it again. */
        sigaction(sig, prev, NULL);
        if (info->si_code <= 0)
            raise(sig);
        return;
    }
    prev->sa_handler(sig);
}

static void on_fault(int sig, siginfo_t *info, void *uctx)
{
    const weft_fault_info_t *f = weft_running;
    if (!is_overflow(f, info, uctx)) {
        chain(sig, info, uctx);
        return;
    }
    char buf[256];
    size_t n = weft_fault_format(buf, sizeof buf, f);
    ssize_t w = write(2, buf, n);
    (void)w;
    /* abort() raises SIGABRT; make sure nobody turned it into a no-op. */
    signal(SIGABRT, SIG_DFL);
    abort();
}

static void altstack_thread_exit(void *p)
{
    /* Disable before unmapping, so no signal lands on freed memory. */
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    munmap(p, (size_t)64 << 10);
}

static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (pthread_key_create(&altstack_key, altstack_thread_exit) != 0 ||
        sigaction(SIGSEGV, &sa, &prev_segv) != 0 ||
        sigaction(SIGBUS, &sa, &prev_bus) != 0)
        install_rc = WEFT_ENOMEM;
}

int weft_fault_prepare_thread(void)
{
    if (weft_thread_prepared)
        return WEFT_OK;
    pthread_once(&install_once, install);
    if (install_rc != WEFT_OK)
        return install_rc;
    stack_t old;
    if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE)) {
        weft_thread_prepared = 1; /* the thread has one already: use it */
        return WEFT_OK;
    }
    /* 64 KiB: the handler is small, but a chained handler (the JVM's)
     * may need more than MINSIGSTKSZ. */
    size_t size = (size_t)64 << 10;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return WEFT_ENOMEM;
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = p;
    ss.ss_size = size;
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(p, size);
        return WEFT_ENOMEM;
    }
    pthread_setspecific(altstack_key, p);
    weft_thread_prepared = 1;
    return WEFT_OK;
}
