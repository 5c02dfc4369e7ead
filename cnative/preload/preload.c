/*
 * preload.c - libweft-preload.so: libc's blocking calls, made inside a
 * Weft coroutine, park the coroutine on the runtime's poller (or its
 * timers) instead of blocking the worker's thread.  Linux (glibc; musl
 * untested).  Used as
 *
 *     LD_PRELOAD=/path/to/libweft-preload.so ./program
 *
 * by a program linked with libweft.so.  This library links libweft.so
 * and holds no runtime of its own: the weft_* calls below reach the one
 * runtime of the process.  (A program that linked libweft.a has a second
 * runtime in it, whose coroutines this library cannot see: every call
 * then passes straight to libc.)
 *
 * Interposed: read write readv writev recv send recvfrom sendto accept
 * accept4 connect poll select sleep usleep nanosleep getaddrinfo, and
 * glibc's _FORTIFY_SOURCE forms of them (__read_chk, __recv_chk,
 * __recvfrom_chk, __poll_chk), which fortified programs call instead.
 * Also wrapped, for bookkeeping only: socket close dup2 dup3 (the table
 * of sockets made here, below) and weft_blocking (calls inside its
 * function stay plain).  macOS would interpose the same set with
 * DYLD_INSERT_LIBRARIES and __DATA,__interpose; not built yet.
 *
 * Invariants.
 *
 *  1. A call is redirected only when it is made by a coroutine
 *     (weft_self() != NULL), not in a child after fork, not inside the
 *     function of a weft_blocking call, and not by libweft.so itself
 *     (return address inside its text: the runtime calls libc for its
 *     own purposes -- the scheduler's nap, its non-blocking sockets, the
 *     fault handler's write -- and parking there would re-enter the
 *     scheduler).  Every other call is the libc call with the same
 *     arguments and nothing else: same result, same errno.
 *
 *  2. File status flags are the program's.  O_NONBLOCK is never changed
 *     on a descriptor another process may share (an inherited stdin, a
 *     socket passed in), so a redirected call never leaves a flag the
 *     program did not set, and fcntl(F_GETFL) needs no wrapper.  A call
 *     is made non-blocking per call instead:
 *       - sockets: MSG_DONTWAIT (read/write/readv/writev on a socket are
 *         made as recv/send/recvmsg/sendmsg, which the kernel treats the
 *         same);  the call is tried first and the coroutine waits on
 *         the poller (weft_fd_wait) only after EAGAIN;
 *       - accept and non-socket descriptors (pipes, ttys, eventfds):
 *         poll-then-call.  poll(0) first; if not ready, weft_fd_wait,
 *         then the blocking libc call.  If another thread or process
 *         takes the data (or the connection) between the wait and the
 *         call, the call blocks its worker as plain libc would; the
 *         runtime's monitor then moves the worker's queue elsewhere
 *         after ~10 ms.  A write to a pipe is made in pieces of at most
 *         PIPE_BUF, each after POLLOUT, which the kernel then always has
 *         room for, so a large write parks instead of blocking;
 *       - connect on a socket this process made with socket() and has
 *         not shared by fork since: O_NONBLOCK is set for the one
 *         connect(2) call and put back at once (the connection goes on
 *         regardless; only a thread of this program reading the flags
 *         of that socket at that moment could see it), then the
 *         coroutine waits for writability.  Any
 *         other blocking-mode connect runs through weft_blocking (its
 *         worker's queue moves on; the coroutine keeps its thread).
 *     A descriptor the program set O_NONBLOCK on gets the plain call
 *     (the program handles EAGAIN; it will likely poll next, which
 *     parks).  Regular files are always "ready" to poll and are read
 *     and written by the plain call.
 *
 *  3. Blocking semantics are kept: a blocking recv returns once there is
 *     data, a blocking send returns when all bytes went out (a stream
 *     write is then several system calls), SO_RCVTIMEO/SO_SNDTIMEO are
 *     honoured (EAGAIN, or EINPROGRESS for connect, as Linux does),
 *     MSG_WAITALL on a stream waits for all bytes.  A coroutine
 *     cancelled (weft_cancel) while it waits gets -1 with errno
 *     ECANCELED; EINTR would make the usual retry loops spin.
 *
 *  4. errno is only ever read or written through get_errno/set_errno,
 *     which call __errno_location afresh.  glibc declares that function
 *     __attribute__((const)), so the compiler may compute errno's
 *     address once per function and reuse it after a park, when the
 *     coroutine may run on another worker thread: errno would be
 *     written to the old thread's slot (libgo's hooks had exactly this
 *     bug).  `errno` itself is poisoned below, so the rule cannot be
 *     broken by accident.  The same holds for the TLS flag
 *     `passthrough`: read only before a wrapper parks, written only
 *     around a call that does not park.  A redirected call that
 *     succeeds leaves errno as the program had it, as libc's does,
 *     whatever the tries and waits on the way set (kept()).
 *
 *  5. libc's functions are found lazily, with dlsym(RTLD_NEXT) on the
 *     first call of each wrapper (cached in an atomic pointer), so a
 *     wrapper works when called before any constructor has run.
 *
 * Limits.  Not interposed: recvmsg, sendmsg, ppoll, pselect, epoll_wait,
 * clock_nanosleep, gethostbyname and other resolvers, file I/O (it
 * does not block on the poller's terms anyway).  The wrappers are
 * async-signal-safe only when they do not park: a signal handler that
 * writes to a blocking pipe that is full would park inside the handler.
 */
#undef _FORTIFY_SOURCE /* the wrappers define the fortified names themselves */
#ifndef _GNU_SOURCE
#  define _GNU_SOURCE
#endif

#include "weft.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

#ifndef __GLIBC__
/* glibc passes socket addresses as a transparent union; others as a pointer */
#  define __SOCKADDR_ARG struct sockaddr *restrict
#  define __CONST_SOCKADDR_ARG const struct sockaddr *
#endif

/* ---- errno (invariant 4) ---------------------------------------------------- */

static int *(*volatile errno_location)(void) = __errno_location;

__attribute__((noinline)) static int get_errno(void)
{
    return *errno_location();
}

__attribute__((noinline)) static void set_errno(int e)
{
    *errno_location() = e;
}

#undef errno
#pragma GCC poison errno

/* ---- libc's own functions (invariant 5) ------------------------------------- */

static void die(const char *what, const char *name)
{
    /* not write(): that may be the symbol that is missing */
    char buf[160];
    size_t n = 0;
    const char *parts[] = { "libweft-preload: ", what, name, "\n" };
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        for (const char *p = parts[i]; *p && n < sizeof buf; p++)
            buf[n++] = *p;
    syscall(SYS_write, 2, buf, n);
    abort();
}

static void *real_sym(_Atomic(void *) *slot, const char *name)
{
    void *p = atomic_load_explicit(slot, memory_order_acquire);
    if (p)
        return p;
    int e = get_errno(); /* a plain call must see the errno it was called with */
    p = dlsym(RTLD_NEXT, name);
    if (!p)
        die("no next definition of ", name);
    set_errno(e);
    atomic_store_explicit(slot, p, memory_order_release);
    return p;
}

#define REAL(name) ((__typeof__(&name))real_sym(&real_##name, #name))
#define REAL_SLOT(name) static _Atomic(void *) real_##name

REAL_SLOT(read);
REAL_SLOT(write);
REAL_SLOT(readv);
REAL_SLOT(writev);
REAL_SLOT(recv);
REAL_SLOT(send);
REAL_SLOT(recvfrom);
REAL_SLOT(sendto);
REAL_SLOT(accept);
REAL_SLOT(accept4);
REAL_SLOT(connect);
REAL_SLOT(poll);
REAL_SLOT(select);
REAL_SLOT(sleep);
REAL_SLOT(usleep);
REAL_SLOT(nanosleep);
REAL_SLOT(getaddrinfo);
REAL_SLOT(socket);
REAL_SLOT(close);
REAL_SLOT(dup2);
REAL_SLOT(dup3);
REAL_SLOT(weft_blocking);

/* ---- whether to redirect (invariant 1) --------------------------------------- */

static _Atomic int forked;              /* set in a child of fork(): everything is plain libc */
static __thread int passthrough;        /* inside a weft_blocking function on this thread */

/* libweft.so's executable segment, looked up once. */
static _Atomic uintptr_t rt_lo, rt_hi;
static _Atomic int rt_looked;

static int find_segment(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    const struct link_map *lm = data;
    if (info->dlpi_addr != lm->l_addr || !info->dlpi_name || strcmp(info->dlpi_name, lm->l_name) != 0)
        return 0;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        uintptr_t a = (uintptr_t)info->dlpi_addr + ph->p_vaddr;
        if (a < lo)
            lo = a;
        if (a + ph->p_memsz > hi)
            hi = a + ph->p_memsz;
    }
    if (hi) {
        atomic_store_explicit(&rt_lo, lo, memory_order_relaxed);
        atomic_store_explicit(&rt_hi, hi, memory_order_relaxed);
    }
    return 1;
}

/* By soname, not by the address of a weft_* function: in a non-PIE
 * program that takes such an address, the canonical address is the
 * program's PLT slot, which would make the program's own calls look
 * like the runtime's. */
static void find_runtime(void)
{
    int e = get_errno();
    void *h = dlopen(WEFT_PRELOAD_RUNTIME, RTLD_LAZY | RTLD_NOLOAD);
    struct link_map *lm = NULL;
    if (h && dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm)
        dl_iterate_phdr(find_segment, lm);
    if (h)
        dlclose(h); /* drops the reference RTLD_NOLOAD took */
    set_errno(e);
    atomic_store_explicit(&rt_looked, 1, memory_order_release); /* racing lookups find the same */
}

static int from_runtime(const void *pc)
{
    if (!atomic_load_explicit(&rt_looked, memory_order_acquire))
        find_runtime();
    uintptr_t a = (uintptr_t)pc;
    return a >= atomic_load_explicit(&rt_lo, memory_order_relaxed) &&
           a < atomic_load_explicit(&rt_hi, memory_order_relaxed);
}

/* caller: the wrapper's return address.  1: handle the call here. */
static int redirect(const void *caller)
{
    if (atomic_load_explicit(&forked, memory_order_relaxed))
        return 0;
    if (!weft_self() || passthrough)
        return 0;
    return !from_runtime(caller);
}

#define CALLER __builtin_return_address(0)

/* ---- sockets this process made (invariant 2, connect) -------------------------
 *
 * A bit per descriptor below OWNED_FDS: set when socket() returns it,
 * cleared when close/dup2/dup3 end it and, for all, in the parent after
 * fork (the child shares every socket then).  A descriptor closed some
 * other way (close_range, fclose of an fdopen'd socket) keeps its bit
 * until socket() returns the number again; connect on such a number
 * while it is an unconnected socket from elsewhere would flip its flag
 * for one system call. */
#define OWNED_FDS 65536
static _Atomic uint64_t owned[OWNED_FDS / 64];

static void owned_set(int fd, int on)
{
    if (fd < 0 || fd >= OWNED_FDS)
        return;
    uint64_t bit = (uint64_t)1 << (fd & 63);
    if (on)
        atomic_fetch_or_explicit(&owned[fd >> 6], bit, memory_order_relaxed);
    else if (atomic_load_explicit(&owned[fd >> 6], memory_order_relaxed) & bit)
        atomic_fetch_and_explicit(&owned[fd >> 6], ~bit, memory_order_relaxed);
}

static int owned_get(int fd)
{
    if (fd < 0 || fd >= OWNED_FDS)
        return 0;
    return (atomic_load_explicit(&owned[fd >> 6], memory_order_relaxed) >> (fd & 63)) & 1;
}

/* ---- waiting ---------------------------------------------------------------- */

#define NO_DEADLINE_YET INT64_MIN

/* 1 if the program set O_NONBLOCK on fd, 0 if not, -1 (errno set by
 * fcntl) if fd is not open. */
static int program_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : (fl & O_NONBLOCK) != 0;
}

/* The deadline a blocking call on socket fd has from its SO_RCVTIMEO or
 * SO_SNDTIMEO (opt), counted from now; -1 for none. */
static int64_t timeo_deadline(int fd, int opt)
{
    struct timeval tv;
    socklen_t len = sizeof tv;
    if (getsockopt(fd, SOL_SOCKET, opt, &tv, &len) != 0 || (tv.tv_sec == 0 && tv.tv_usec == 0))
        return -1;
    return weft_now() + (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
}

enum { PARKED = 0, FAIL = -1, PLAIN = 1 };

/* Parks until fd is ready for ev (WEFT_READABLE / WEFT_WRITABLE).
 * PARKED: ready, try the call; FAIL: return -1, errno set (EAGAIN at
 * the deadline, as a timed-out blocking call; ECANCELED); PLAIN: the
 * poller cannot wait on fd (weft_fd_wait's WEFT_ESYS, WEFT_ENOMEM): make
 * the blocking call. */
static int park_fd(int fd, int ev, int64_t deadline)
{
    int r = weft_fd_wait(fd, ev, deadline);
    if (r > 0)
        return PARKED;
    if (r == WEFT_ETIMEDOUT || r == WEFT_ECANCELED) {
        set_errno(r == WEFT_ETIMEDOUT ? EAGAIN : ECANCELED);
        return FAIL;
    }
    return PLAIN;
}

/* After a MSG_DONTWAIT try on socket fd said EAGAIN: FAIL if the program
 * made fd non-blocking itself (errno EAGAIN, as its call would have
 * said), else park_fd with the socket's timeout, counted from the first
 * wait of the call (*deadline starts NO_DEADLINE_YET). */
static int sock_wait(int fd, int ev, int timeo_opt, int64_t *deadline)
{
    int nb = program_nonblocking(fd);
    if (nb != 0) {
        if (nb > 0)
            set_errno(EAGAIN);
        return FAIL;
    }
    if (*deadline == NO_DEADLINE_YET)
        *deadline = timeo_deadline(fd, timeo_opt);
    return park_fd(fd, ev, *deadline);
}

/* Poll-then-call (invariant 2) for a descriptor in blocking mode: PARKED
 * once fd looks ready for ev (make the blocking call), FAIL (errno set),
 * or PLAIN. */
static int ready_wait(int fd, int ev, int64_t deadline)
{
    struct pollfd p = { fd, (short)(ev == WEFT_READABLE ? POLLIN : POLLOUT), 0 };
    if (REAL(poll)(&p, 1, 0) != 0)
        return PARKED; /* ready, or poll failed: the call itself reports */
    return park_fd(fd, ev, deadline);
}

/* r, the result of a redirected call; on success with errno as the
 * program had it (e0): the tries and waits on the way may have set it,
 * and a libc call that succeeds leaves it alone. */
static long kept(long r, int e0)
{
    if (r >= 0)
        set_errno(e0);
    return r;
}

static int64_t ms_deadline(int timeout_ms)
{
    return timeout_ms < 0 ? -1 : weft_now() + (int64_t)timeout_ms * 1000000;
}

static int past(int64_t deadline)
{
    return deadline >= 0 && weft_now() >= deadline;
}

/* What is left of deadline in poll(2)'s milliseconds (rounded up). */
static int ms_left(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t left = deadline - weft_now();
    if (left <= 0)
        return 0;
    int64_t ms = (left + 999999) / 1000000;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Parks until one of fds[0..n) may be ready as poll(2) means it, or
 * the deadline passes: PARKED (the caller polls again to see which, and
 * may find none if another party took the data), FAIL (errno: EAGAIN
 * for the deadline, ECANCELED), PLAIN (could not wait: poll for real).
 *
 * One descriptor asking only for input or output: weft_fd_wait on it.
 * Otherwise a private epoll instance with each descriptor added for its
 * own events, and weft_fd_wait on that (an epoll fd is readable while
 * any of its members is ready, with the masks poll(2) uses, so no event
 * wakes us that poll would not report).  That costs epoll_create1, an
 * epoll_ctl per descriptor and a close per wait; no descriptor at all
 * is a plain sleep. */
static int wait_any(const struct pollfd *fds, nfds_t n, int64_t deadline)
{
    const short simple = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
    nfds_t live = 0, last = 0;
    for (nfds_t i = 0; i < n; i++)
        if (fds[i].fd >= 0) {
            live++;
            last = i;
        }
    if (live == 1 && fds[last].events && !(fds[last].events & ~simple)) {
        int ev = ((fds[last].events & (POLLIN | POLLRDNORM)) ? WEFT_READABLE : 0) |
                 ((fds[last].events & (POLLOUT | POLLWRNORM)) ? WEFT_WRITABLE : 0);
        return park_fd(fds[last].fd, ev, deadline);
    }
    int ep = -1, added = 0;
    if (live > 0) {
        ep = epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0)
            return PLAIN;
    }
    for (nfds_t i = 0; i < n && ep >= 0; i++) {
        if (fds[i].fd < 0)
            continue;
        /* poll's and epoll's bits have the same values on Linux; a
         * descriptor listed twice gets the union of its entries */
        struct epoll_event ev = { .events = (uint16_t)fds[i].events, .data.u64 = 0 };
        int op = EPOLL_CTL_ADD;
        for (nfds_t j = 0; j < i; j++)
            if (fds[j].fd == fds[i].fd) {
                ev.events |= (uint16_t)fds[j].events;
                op = EPOLL_CTL_MOD;
            }
        if (epoll_ctl(ep, op, fds[i].fd, &ev) == 0) {
            added++;
        } else if (get_errno() != EPERM) {
            /* EPERM: a regular file, which poll reports ready at once
             * when asked for input or output, so it was not asked for
             * any and never becomes ready; anything else: give up */
            REAL(close)(ep);
            return PLAIN;
        }
    }
    int r;
    if (added > 0) {
        r = park_fd(ep, WEFT_READABLE, deadline);
    } else {
        int s = weft_sleep(deadline < 0 ? INT64_MAX : deadline - weft_now());
        r = FAIL;
        set_errno(s == WEFT_OK ? EAGAIN : ECANCELED);
    }
    if (ep >= 0)
        REAL(close)(ep);
    return r;
}

/* ---- read, readv, recv, recvfrom ----------------------------------------------- */

/* SOCK_STREAM: MSG_WAITALL means "all n bytes" (datagrams come whole). */
static int is_stream(int fd)
{
    int type = 0;
    socklen_t len = sizeof type;
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}

/* A blocking recvfrom on a socket, in a coroutine.  again: a
 * MSG_DONTWAIT try just said EAGAIN, so wait before the first call. */
static ssize_t sock_recvfrom(int fd, void *buf, size_t n, int flags, __SOCKADDR_ARG from, socklen_t *fromlen,
                             int again)
{
    int64_t deadline = NO_DEADLINE_YET;
    int all = (flags & MSG_WAITALL) && n > 0 && is_stream(fd);
    size_t got = 0;
    for (;;) {
        if (!again) {
            ssize_t r = REAL(recvfrom)(fd, (char *)buf + got, n - got, (flags & ~MSG_WAITALL) | MSG_DONTWAIT,
                                       from, fromlen);
            if (r > 0 && all && (got += (size_t)r) < n)
                continue;
            if (r >= 0)
                return all ? (ssize_t)got : r; /* all: n bytes, or the end of the stream */
            if (get_errno() != EAGAIN)
                return got ? (ssize_t)got : -1;
        }
        int w = sock_wait(fd, WEFT_READABLE, SO_RCVTIMEO, &deadline);
        if (w == FAIL)
            return got ? (ssize_t)got : -1;
        if (w == PLAIN) {
            ssize_t r = REAL(recvfrom)(fd, (char *)buf + got, n - got, flags, from, fromlen);
            return r < 0 ? (got ? (ssize_t)got : -1) : (ssize_t)got + r;
        }
        again = 0;
    }
}

EXPORT ssize_t recvfrom(int fd, void *restrict buf, size_t n, int flags, __SOCKADDR_ARG from,
                        socklen_t *restrict fromlen)
{
    if (!redirect(CALLER) || (flags & MSG_DONTWAIT))
        return REAL(recvfrom)(fd, buf, n, flags, from, fromlen);
    int e0 = get_errno();
    return kept(sock_recvfrom(fd, buf, n, flags, from, fromlen, 0), e0);
}

EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    if (!redirect(CALLER) || (flags & MSG_DONTWAIT))
        return REAL(recv)(fd, buf, n, flags);
    int e0 = get_errno();
    return kept(sock_recvfrom(fd, buf, n, flags, NULL, NULL, 0), e0);
}

/* read on a descriptor that is not a socket, in a coroutine. */
static ssize_t fd_read(int fd, void *buf, size_t n)
{
    if (program_nonblocking(fd) != 0)
        return REAL(read)(fd, buf, n);
    if (ready_wait(fd, WEFT_READABLE, -1) == FAIL)
        return -1;
    return REAL(read)(fd, buf, n);
}

static ssize_t read_co(int fd, void *buf, size_t n)
{
    ssize_t r = REAL(recv)(fd, buf, n, MSG_DONTWAIT);
    if (r >= 0)
        return r;
    int e = get_errno();
    if (e == ENOTSOCK)
        return fd_read(fd, buf, n);
    if (e != EAGAIN)
        return -1;
    return sock_recvfrom(fd, buf, n, 0, NULL, NULL, 1);
}

static ssize_t do_read(const void *caller, int fd, void *buf, size_t n)
{
    /* n == 0: read(2) on a socket returns 0 at once; recv would take a datagram */
    if (!redirect(caller) || n == 0)
        return REAL(read)(fd, buf, n);
    int e0 = get_errno();
    return kept(read_co(fd, buf, n), e0);
}

EXPORT ssize_t read(int fd, void *buf, size_t n)
{
    return do_read(CALLER, fd, buf, n);
}

/* Total length of iov, or -1 if the kernel would refuse it (EINVAL). */
static ssize_t iov_total(const struct iovec *iov, int cnt)
{
    if (cnt < 0 || cnt > IOV_MAX)
        return -1;
    size_t t = 0;
    for (int i = 0; i < cnt; i++) {
        if (iov[i].iov_len > (size_t)SSIZE_MAX - t)
            return -1;
        t += iov[i].iov_len;
    }
    return (ssize_t)t;
}

static ssize_t readv_co(int fd, const struct iovec *iov, int cnt)
{
    int64_t deadline = NO_DEADLINE_YET;
    struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)cnt };
    int nb = MSG_DONTWAIT;
    for (;;) {
        ssize_t r = recvmsg(fd, &m, nb);
        if (r >= 0)
            return r;
        int e = get_errno();
        if (e == ENOTSOCK) {
            if (program_nonblocking(fd) == 0 && ready_wait(fd, WEFT_READABLE, -1) == FAIL)
                return -1;
            return REAL(readv)(fd, iov, cnt);
        }
        if (e != EAGAIN || !nb)
            return -1;
        int w = sock_wait(fd, WEFT_READABLE, SO_RCVTIMEO, &deadline);
        if (w == FAIL)
            return -1;
        if (w == PLAIN)
            nb = 0;
    }
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
    if (!redirect(CALLER) || iov_total(iov, cnt) <= 0)
        return REAL(readv)(fd, iov, cnt);
    int e0 = get_errno();
    return kept(readv_co(fd, iov, cnt), e0);
}

/* ---- write, writev, send, sendto ------------------------------------------------ */

/* A blocking sendto on a socket, in a coroutine: all n bytes, or the
 * count sent before an error or the timeout (-1 if none).  again: a
 * MSG_DONTWAIT try just said EAGAIN. */
static ssize_t sock_sendto(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG to,
                           socklen_t tolen, int again)
{
    int64_t deadline = NO_DEADLINE_YET;
    size_t done = 0;
    for (;;) {
        if (!again) {
            ssize_t r = REAL(sendto)(fd, (const char *)buf + done, n - done, flags | MSG_DONTWAIT, to, tolen);
            if (r >= 0 && (done += (size_t)r) >= n)
                return (ssize_t)done;
            if (r >= 0)
                continue; /* part went out: the next try says EAGAIN, or sends more */
            if (get_errno() != EAGAIN)
                return done ? (ssize_t)done : -1;
        }
        again = 0;
        int w = sock_wait(fd, WEFT_WRITABLE, SO_SNDTIMEO, &deadline);
        if (w == FAIL)
            return done ? (ssize_t)done : -1;
        if (w == PLAIN) {
            ssize_t r = REAL(sendto)(fd, (const char *)buf + done, n - done, flags, to, tolen);
            return r < 0 ? (done ? (ssize_t)done : -1) : (ssize_t)done + r;
        }
    }
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG to, socklen_t tolen)
{
    if (!redirect(CALLER) || (flags & MSG_DONTWAIT))
        return REAL(sendto)(fd, buf, n, flags, to, tolen);
    int e0 = get_errno();
    return kept(sock_sendto(fd, buf, n, flags, to, tolen, 0), e0);
}

EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    if (!redirect(CALLER) || (flags & MSG_DONTWAIT))
        return REAL(send)(fd, buf, n, flags);
    int e0 = get_errno();
    return kept(sock_sendto(fd, buf, n, flags, NULL, 0, 0), e0);
}

/* write on a descriptor that is not a socket, in a coroutine.  A FIFO
 * in blocking mode takes all n bytes before write returns; asked for
 * more than PIPE_BUF, it is fed PIPE_BUF at a time, each after POLLOUT
 * (the kernel reports POLLOUT on a pipe with a free page, PIPE_BUF
 * bytes), so the writer parks between pieces.  Writes of more than
 * PIPE_BUF are not atomic either way (POSIX). */
static ssize_t fd_write(int fd, const void *buf, size_t n)
{
    if (program_nonblocking(fd) != 0)
        return REAL(write)(fd, buf, n);
    struct stat st;
    if (n <= PIPE_BUF || fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
        if (ready_wait(fd, WEFT_WRITABLE, -1) == FAIL)
            return -1;
        return REAL(write)(fd, buf, n);
    }
    size_t done = 0;
    while (done < n) {
        size_t piece = n - done > PIPE_BUF ? PIPE_BUF : n - done;
        if (ready_wait(fd, WEFT_WRITABLE, -1) == FAIL)
            return done ? (ssize_t)done : -1;
        ssize_t r = REAL(write)(fd, (const char *)buf + done, piece);
        if (r < 0)
            return done ? (ssize_t)done : -1;
        done += (size_t)r;
    }
    return (ssize_t)done;
}

static ssize_t write_co(int fd, const void *buf, size_t n)
{
    /* send without MSG_NOSIGNAL raises SIGPIPE as write(2) does */
    ssize_t r = REAL(send)(fd, buf, n, MSG_DONTWAIT);
    if (r >= 0 && (size_t)r == n)
        return r;
    if (r >= 0) {
        ssize_t more = sock_sendto(fd, (const char *)buf + r, n - (size_t)r, 0, NULL, 0, 1);
        return more > 0 ? r + more : r;
    }
    int e = get_errno();
    if (e == ENOTSOCK)
        return fd_write(fd, buf, n);
    if (e != EAGAIN)
        return -1;
    return sock_sendto(fd, buf, n, 0, NULL, 0, 1);
}

static ssize_t do_write(const void *caller, int fd, const void *buf, size_t n)
{
    if (!redirect(caller) || n == 0)
        return REAL(write)(fd, buf, n);
    int e0 = get_errno();
    return kept(write_co(fd, buf, n), e0);
}

EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
    return do_write(CALLER, fd, buf, n);
}

/* writev on a socket in a coroutine, from iov[0] (the first try said
 * EAGAIN or sent part).  After a partial send the rest of the iovec it
 * ended in goes out with send(), then the array continues from the
 * next one, so iov is never copied or changed. */
static ssize_t sock_writev(int fd, const struct iovec *iov, int cnt, size_t total, size_t done)
{
    int64_t deadline = NO_DEADLINE_YET;
    int nb = MSG_DONTWAIT, i = 0;
    size_t off = 0; /* within iov[i] */
    for (size_t skip = done; skip > 0;) {
        size_t left = iov[i].iov_len - off;
        if (skip < left) {
            off += skip;
            skip = 0;
        } else {
            skip -= left;
            i++;
            off = 0;
        }
    }
    while (done < total) {
        ssize_t r;
        if (off) {
            r = REAL(send)(fd, (const char *)iov[i].iov_base + off, iov[i].iov_len - off, nb);
        } else {
            struct msghdr m = { .msg_iov = (struct iovec *)iov + i, .msg_iovlen = (size_t)(cnt - i) };
            r = sendmsg(fd, &m, nb);
        }
        if (r < 0) {
            if (get_errno() != EAGAIN || !nb)
                return done ? (ssize_t)done : -1;
            int w = sock_wait(fd, WEFT_WRITABLE, SO_SNDTIMEO, &deadline);
            if (w == FAIL)
                return done ? (ssize_t)done : -1;
            if (w == PLAIN)
                nb = 0;
            continue;
        }
        done += (size_t)r;
        for (size_t adv = (size_t)r; adv > 0 || (i < cnt && off == iov[i].iov_len);) {
            size_t left = iov[i].iov_len - off;
            if (adv < left) {
                off += adv;
                adv = 0;
            } else {
                adv -= left;
                i++;
                off = 0;
            }
        }
    }
    return (ssize_t)done;
}

static ssize_t writev_co(int fd, const struct iovec *iov, int cnt, ssize_t total)
{
    struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)cnt };
    ssize_t r = sendmsg(fd, &m, MSG_DONTWAIT);
    if (r == total)
        return r;
    if (r >= 0)
        return sock_writev(fd, iov, cnt, (size_t)total, (size_t)r);
    int e = get_errno();
    if (e == EAGAIN)
        return sock_writev(fd, iov, cnt, (size_t)total, 0);
    if (e != ENOTSOCK)
        return -1;
    /* not a socket: at most PIPE_BUF in one piece (atomic on a pipe);
     * more, one iovec after the other through fd_write */
    if (program_nonblocking(fd) != 0)
        return REAL(writev)(fd, iov, cnt);
    if (total <= PIPE_BUF) {
        if (ready_wait(fd, WEFT_WRITABLE, -1) == FAIL)
            return -1;
        return REAL(writev)(fd, iov, cnt);
    }
    size_t done = 0;
    for (int i = 0; i < cnt; i++) {
        if (iov[i].iov_len == 0)
            continue;
        ssize_t w = fd_write(fd, iov[i].iov_base, iov[i].iov_len);
        if (w < 0)
            return done ? (ssize_t)done : -1;
        done += (size_t)w;
        if ((size_t)w < iov[i].iov_len)
            break;
    }
    return (ssize_t)done;
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    ssize_t total = redirect(CALLER) ? iov_total(iov, cnt) : -1;
    if (total <= 0)
        return REAL(writev)(fd, iov, cnt);
    int e0 = get_errno();
    return kept(writev_co(fd, iov, cnt, total), e0);
}

/* ---- accept, connect ------------------------------------------------------------ */

static int do_accept(const void *caller, int fd, __SOCKADDR_ARG addr, socklen_t *len, int flags, int four)
{
    if (redirect(caller) && program_nonblocking(fd) == 0) {
        /* accept has no per-call non-blocking flag: poll-then-call */
        int e0 = get_errno();
        struct pollfd p = { fd, POLLIN, 0 };
        if (REAL(poll)(&p, 1, 0) == 0 && park_fd(fd, WEFT_READABLE, timeo_deadline(fd, SO_RCVTIMEO)) == FAIL)
            return -1;
        return (int)kept(four ? REAL(accept4)(fd, addr, len, flags) : REAL(accept)(fd, addr, len), e0);
    }
    return four ? REAL(accept4)(fd, addr, len, flags) : REAL(accept)(fd, addr, len);
}

EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
    return do_accept(CALLER, fd, addr, len, 0, 0);
}

EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len, int flags)
{
    return do_accept(CALLER, fd, addr, len, flags, 1);
}

struct connect_call {
    int fd;
    __CONST_SOCKADDR_ARG addr;
    socklen_t len;
    int r, err;
};

static void *connect_plain(void *arg)
{
    struct connect_call *c = arg;
    c->r = REAL(connect)(c->fd, c->addr, c->len);
    c->err = get_errno();
    return NULL;
}

/* The blocking connect, on this thread, with the worker's queue moved
 * elsewhere first. */
static int connect_blocking(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
    struct connect_call c = { fd, addr, len, -1, 0 };
    REAL(weft_blocking)(connect_plain, &c, NULL);
    set_errno(c.err);
    return c.r;
}

/* A blocking-mode connect in a coroutine; fl: fd's flags. */
static int connect_co(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len, int fl)
{
    if (!owned_get(fd))
        return connect_blocking(fd, addr, len);
    /* ours alone (table above): non-blocking for this one call */
    if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
        return connect_blocking(fd, addr, len);
    int r = REAL(connect)(fd, addr, len);
    int e = get_errno();
    fcntl(fd, F_SETFL, fl);
    if (r == 0)
        return 0;
    if (e == EAGAIN) /* a Unix socket's full backlog: no readiness to wait for */
        return connect_blocking(fd, addr, len);
    if (e != EINPROGRESS) {
        set_errno(e);
        return -1;
    }
    int w = park_fd(fd, WEFT_WRITABLE, timeo_deadline(fd, SO_SNDTIMEO));
    if (w == FAIL) {
        /* the deadline: Linux's blocking connect says EINPROGRESS and
         * the attempt goes on, as it does after a cancel */
        if (get_errno() == EAGAIN)
            set_errno(EINPROGRESS);
        return -1;
    }
    if (w == PLAIN) {
        struct pollfd p = { fd, POLLOUT, 0 };
        REAL(poll)(&p, 1, -1);
    }
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
        return -1;
    if (err) {
        set_errno(err);
        return -1;
    }
    return 0;
}

EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
    if (!redirect(CALLER))
        return REAL(connect)(fd, addr, len);
    int e0 = get_errno();
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || (fl & O_NONBLOCK)) {
        set_errno(e0); /* fcntl said EBADF: connect will say it again */
        return REAL(connect)(fd, addr, len);
    }
    return (int)kept(connect_co(fd, addr, len, fl), e0);
}

/* ---- poll, select ------------------------------------------------------------------- */

static int poll_co(struct pollfd *fds, nfds_t n, int timeout)
{
    int r = REAL(poll)(fds, n, 0);
    if (r != 0)
        return r;
    int64_t deadline = ms_deadline(timeout);
    for (;;) {
        int w = wait_any(fds, n, deadline);
        if (w == FAIL && get_errno() == ECANCELED)
            return -1;
        if (w == PLAIN)
            return REAL(poll)(fds, n, ms_left(deadline));
        r = REAL(poll)(fds, n, 0);
        if (r != 0 || w == FAIL || past(deadline))
            return r;
    }
}

static int do_poll(const void *caller, struct pollfd *fds, nfds_t n, int timeout)
{
    if (!redirect(caller) || timeout == 0)
        return REAL(poll)(fds, n, timeout);
    int e0 = get_errno();
    return (int)kept(poll_co(fds, n, timeout), e0);
}

EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    return do_poll(CALLER, fds, n, timeout);
}

static int select_co(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
    /* The results always come from select(2) itself with a zero timeout
     * (so they are exactly the kernel's); the wait in between is
     * wait_any's, on the same descriptors as pollfds. */
    fd_set in_rd = { { 0 } }, in_wr = { { 0 } }, in_ex = { { 0 } };
    if (rd)
        in_rd = *rd;
    if (wr)
        in_wr = *wr;
    if (ex)
        in_ex = *ex;
    struct timeval zero = { 0, 0 };
    int r = REAL(select)(nfds, rd, wr, ex, &zero);
    if (r != 0)
        return r;
    int64_t deadline = tv ? weft_now() + (int64_t)tv->tv_sec * 1000000000 + (int64_t)tv->tv_usec * 1000 : -1;
    struct pollfd small[64], *pfds = small;
    nfds_t n = 0;
    for (int fd = 0; fd < nfds; fd++) {
        short ev = (short)((rd && FD_ISSET(fd, &in_rd) ? POLLIN : 0) | (wr && FD_ISSET(fd, &in_wr) ? POLLOUT : 0) |
                           (ex && FD_ISSET(fd, &in_ex) ? POLLPRI : 0));
        if (!ev)
            continue;
        if (pfds == small && n == sizeof small / sizeof *small) {
            pfds = malloc(sizeof *pfds * (size_t)nfds);
            if (!pfds) { /* no memory to wait with: the plain call */
                if (rd)
                    *rd = in_rd;
                if (wr)
                    *wr = in_wr;
                if (ex)
                    *ex = in_ex;
                return REAL(select)(nfds, rd, wr, ex, tv);
            }
            memcpy(pfds, small, sizeof small);
        }
        pfds[n++] = (struct pollfd){ fd, ev, 0 };
    }
    for (;;) {
        int w = wait_any(pfds, n, deadline);
        if (rd)
            *rd = in_rd;
        if (wr)
            *wr = in_wr;
        if (ex)
            *ex = in_ex;
        if (w == FAIL && get_errno() == ECANCELED) {
            r = -1;
            break;
        }
        if (w == PLAIN) {
            struct timeval left = { 0, 0 };
            if (tv) {
                int64_t ns = deadline - weft_now();
                if (ns > 0)
                    left = (struct timeval){ (time_t)(ns / 1000000000), (suseconds_t)(ns % 1000000000 / 1000) };
            }
            r = REAL(select)(nfds, rd, wr, ex, tv ? &left : NULL);
            break;
        }
        zero = (struct timeval){ 0, 0 };
        r = REAL(select)(nfds, rd, wr, ex, &zero);
        if (r != 0 || w == FAIL || past(deadline))
            break;
    }
    if (pfds != small)
        free(pfds);
    if (tv) {
        /* Linux's select leaves the time not slept in *tv */
        int64_t ns = deadline - weft_now();
        if (ns < 0)
            ns = 0;
        *tv = (struct timeval){ (time_t)(ns / 1000000000), (suseconds_t)(ns % 1000000000 / 1000) };
    }
    return r;
}

EXPORT int select(int nfds, fd_set *restrict rd, fd_set *restrict wr, fd_set *restrict ex,
                  struct timeval *restrict tv)
{
    if (!redirect(CALLER) || nfds < 0 || nfds > FD_SETSIZE ||
        (tv && (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000 ||
                (tv->tv_sec == 0 && tv->tv_usec == 0))))
        return REAL(select)(nfds, rd, wr, ex, tv);
    int e0 = get_errno();
    return (int)kept(select_co(nfds, rd, wr, ex, tv), e0);
}

/* ---- sleep, usleep, nanosleep ---------------------------------------------------- */

/* Parks for ns; 0, or the ns not slept when the coroutine was cancelled. */
static int64_t park_sleep(int64_t ns)
{
    int64_t start = weft_now();
    if (weft_sleep(ns) == WEFT_OK)
        return 0;
    int64_t left = ns - (weft_now() - start);
    return left > 0 ? left : 1;
}

EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (!redirect(CALLER) || !req || req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000)
        return REAL(nanosleep)(req, rem); /* EFAULT / EINVAL from libc itself */
    int64_t ns = req->tv_sec > (INT64_MAX - req->tv_nsec) / 1000000000
                     ? INT64_MAX /* weft_sleep: until cancelled */
                     : (int64_t)req->tv_sec * 1000000000 + req->tv_nsec;
    int64_t left = park_sleep(ns);
    if (!left)
        return 0;
    if (rem)
        *rem = (struct timespec){ (time_t)(left / 1000000000), (long)(left % 1000000000) };
    set_errno(ECANCELED);
    return -1;
}

EXPORT int usleep(useconds_t us)
{
    if (!redirect(CALLER))
        return REAL(usleep)(us);
    if (park_sleep((int64_t)us * 1000) == 0)
        return 0;
    set_errno(ECANCELED);
    return -1;
}

EXPORT unsigned sleep(unsigned s)
{
    if (!redirect(CALLER))
        return REAL(sleep)(s);
    int64_t left = park_sleep((int64_t)s * 1000000000);
    if (!left)
        return 0;
    set_errno(ECANCELED);
    return (unsigned)((left + 999999999) / 1000000000); /* seconds not slept, as sleep(3) rounds */
}

/* ---- getaddrinfo, weft_blocking ------------------------------------------------- */

struct blocking_call {
    void *(*fn)(void *);
    void *arg;
};

/* Runs on the coroutine's thread without parking (weft_blocking's
 * contract), so the flag is set and cleared on one thread. */
static void *run_plain(void *arg)
{
    struct blocking_call *c = arg;
    int outer = passthrough;
    passthrough = 1;
    void *r = c->fn(c->arg);
    passthrough = outer;
    return r;
}

EXPORT int weft_blocking(void *(*fn)(void *), void *arg, void **result)
{
    if (!fn || atomic_load_explicit(&forked, memory_order_relaxed))
        return REAL(weft_blocking)(fn, arg, result);
    struct blocking_call c = { fn, arg };
    return REAL(weft_blocking)(run_plain, &c, result);
}

struct gai_call {
    const char *node, *service;
    const struct addrinfo *hints;
    struct addrinfo **res;
    int r, err;
};

static void *gai_plain(void *arg)
{
    struct gai_call *c = arg;
    c->r = REAL(getaddrinfo)(c->node, c->service, c->hints, c->res);
    c->err = get_errno();
    return NULL;
}

EXPORT int getaddrinfo(const char *restrict node, const char *restrict service,
                       const struct addrinfo *restrict hints, struct addrinfo **restrict res)
{
    if (!redirect(CALLER))
        return REAL(getaddrinfo)(node, service, hints, res);
    struct gai_call c = { node, service, hints, res, EAI_SYSTEM, 0 };
    struct blocking_call b = { gai_plain, &c };
    REAL(weft_blocking)(run_plain, &b, NULL);
    set_errno(c.err);
    return c.r;
}

/* ---- bookkeeping: socket, close, dup2, dup3 ----------------------------------------- */

EXPORT int socket(int domain, int type, int protocol)
{
    int fd = REAL(socket)(domain, type, protocol);
    if (fd >= 0 && !atomic_load_explicit(&forked, memory_order_relaxed))
        owned_set(fd, 1);
    return fd;
}

EXPORT int close(int fd)
{
    owned_set(fd, 0);
    return REAL(close)(fd);
}

EXPORT int dup2(int fd, int fd2)
{
    if (fd != fd2)
        owned_set(fd2, 0);
    return REAL(dup2)(fd, fd2);
}

EXPORT int dup3(int fd, int fd2, int flags)
{
    if (fd != fd2)
        owned_set(fd2, 0);
    return REAL(dup3)(fd, fd2, flags);
}

/* ---- _FORTIFY_SOURCE entry points (glibc) ------------------------------------------
 *
 * A fortified program calls these instead of read, recv, recvfrom and
 * poll; glibc's versions check the buffer and go to its internal
 * syscall wrappers, which no LD_PRELOAD can reach. */
#ifdef __GLIBC__
extern void __chk_fail(void) __attribute__((noreturn));

EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
    if (n > buflen)
        __chk_fail();
    return do_read(CALLER, fd, buf, n);
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
    if (n > buflen)
        __chk_fail();
    if (!redirect(CALLER) || (flags & MSG_DONTWAIT))
        return REAL(recv)(fd, buf, n, flags);
    int e0 = get_errno();
    return kept(sock_recvfrom(fd, buf, n, flags, NULL, NULL, 0), e0);
}

EXPORT ssize_t __recvfrom_chk(int fd, void *restrict buf, size_t n, size_t buflen, int flags,
                              __SOCKADDR_ARG from, socklen_t *restrict fromlen)
{
    if (n > buflen)
        __chk_fail();
    if (!redirect(CALLER) || (flags & MSG_DONTWAIT))
        return REAL(recvfrom)(fd, buf, n, flags, from, fromlen);
    int e0 = get_errno();
    return kept(sock_recvfrom(fd, buf, n, flags, from, fromlen, 0), e0);
}

EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
    if (fdslen / sizeof *fds < n)
        __chk_fail();
    return do_poll(CALLER, fds, n, timeout);
}
#endif

/* ---- fork ------------------------------------------------------------------------- */

/* The child has one thread and no workers: a coroutine that forked would
 * park forever, so every call there is plain libc. */
static void after_fork_child(void)
{
    atomic_store_explicit(&forked, 1, memory_order_relaxed);
}

/* The child holds every socket now: none is ours alone any more. */
static void after_fork_parent(void)
{
    for (size_t i = 0; i < sizeof owned / sizeof *owned; i++)
        atomic_store_explicit(&owned[i], 0, memory_order_relaxed);
}

__attribute__((constructor)) static void preload_init(void)
{
    pthread_atfork(NULL, after_fork_parent, after_fork_child);
}
