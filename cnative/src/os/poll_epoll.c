/*
 * poll_epoll.c - the I/O poller on Linux (os/os.h): one epoll instance
 * for the process, sockets edge-triggered (EPOLLET) for both directions,
 * registered once when made, and an eventfd to end a blocking wait.
 *
 * Several threads may be in epoll_wait on the one instance at a time
 * (one blocking, others not: sched.c, "I/O"); an edge-triggered event
 * goes to one of them, which is all netpoll.h's records need.  The wake
 * eventfd is level-triggered and read (reset) only by a blocking wait:
 * the kernel wakes one blocked waiter when it becomes readable, and if a
 * non-blocking caller reset it first, the blocked one would find the
 * ready list empty and go back to sleep (fs/eventpoll.c's ep_poll
 * re-checks after its wake-up), so non-blocking callers leave it alone.
 */
#include "os.h"
#include "weft.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int epfd = -1;
static int wakefd = -1;
static _Atomic int wake_sent;   /* a wake is in the eventfd, not yet reset */
static _Atomic int pwait2_missing; /* epoll_pwait2 gave ENOSYS (kernel < 5.11, qemu-user) */

int weft_os_poller_open(void)
{
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        return WEFT_ESYS;
    wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakefd < 0) {
        int e = errno;
        close(epfd);
        epfd = -1;
        errno = e;
        return WEFT_ESYS;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL }; /* NULL: the wake */
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev) != 0) {
        int e = errno;
        close(wakefd);
        close(epfd);
        wakefd = epfd = -1;
        errno = e;
        return WEFT_ESYS;
    }
    return WEFT_OK;
}

int weft_os_poller_add(intptr_t fd, void *tag)
{
    /* EPOLLRDHUP: a peer's shutdown is an edge for readers even when no
     * byte comes with it */
    struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = tag };
    return epoll_ctl(epfd, EPOLL_CTL_ADD, (int)fd, &ev) == 0 ? WEFT_OK : WEFT_ESYS;
}

static uint32_t ep_events(int events)
{
    return ((events & WEFT_READABLE) ? EPOLLIN | EPOLLRDHUP : 0) | ((events & WEFT_WRITABLE) ? EPOLLOUT : 0);
}

int weft_os_poller_add_oneshot(intptr_t fd, int events, void *tag, intptr_t *dup_out)
{
    struct epoll_event ev = { .events = ep_events(events) | EPOLLONESHOT, .data.ptr = tag };
    *dup_out = -1;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, (int)fd, &ev) == 0)
        return WEFT_OK;
    if (errno != EEXIST)
        return WEFT_ESYS;
    /* Registered already (a weft socket's own fd, or another wait on the
     * same fd).  epoll keys an entry by descriptor number and open file,
     * so a duplicate descriptor gets an entry of its own. */
    int d = fcntl((int)fd, F_DUPFD_CLOEXEC, 0);
    if (d < 0)
        return WEFT_ESYS;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, d, &ev) != 0) {
        int e = errno;
        close(d);
        errno = e;
        return WEFT_ESYS;
    }
    *dup_out = d;
    return WEFT_OK;
}

void weft_os_poller_del(intptr_t fd)
{
    struct epoll_event ev = { 0 }; /* kernels before 2.6.9 want non-NULL */
    epoll_ctl(epfd, EPOLL_CTL_DEL, (int)fd, &ev);
}

void weft_os_poller_del_oneshot(intptr_t fd, intptr_t dup)
{
    if (dup >= 0) {
        weft_os_poller_del(dup);
        close((int)dup);
    } else {
        weft_os_poller_del(fd);
    }
}

static int do_wait(struct epoll_event *evs, int n, int64_t timeout_ns)
{
    if (timeout_ns == 0)
        return epoll_wait(epfd, evs, n, 0);
    if (timeout_ns > 0 && !atomic_load_explicit(&pwait2_missing, memory_order_relaxed)) {
        /* nanoseconds: a timer due in 300 us is not rounded to 1 ms */
        struct timespec ts = { (time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000) };
        int r = epoll_pwait2(epfd, evs, n, &ts, NULL);
        if (r >= 0 || errno != ENOSYS)
            return r;
        atomic_store_explicit(&pwait2_missing, 1, memory_order_relaxed);
    }
    int ms = -1;
    if (timeout_ns > 0) {
        int64_t m = (timeout_ns + 999999) / 1000000; /* round up: never wake early */
        ms = m > INT32_MAX ? INT32_MAX : (int)m;
    }
    return epoll_wait(epfd, evs, n, ms);
}

int weft_os_poller_wait(int64_t timeout_ns, void (*ready)(void *tag, int events))
{
    struct epoll_event evs[128];
    int n = do_wait(evs, 128, timeout_ns);
    if (n < 0)
        return 0; /* EINTR: the caller looks at its queues and comes back */
    int got = 0;
    for (int i = 0; i < n; i++) {
        void *tag = evs[i].data.ptr;
        uint32_t e = evs[i].events;
        if (!tag) {
            if (timeout_ns != 0) { /* file comment: only a blocking wait resets it */
                /* the flag first: a wake asked for after this store
                 * writes again, one asked for before it is this one */
                atomic_store(&wake_sent, 0);
                uint64_t v;
                ssize_t rd = read(wakefd, &v, sizeof v);
                (void)rd;
            }
            continue;
        }
        int what = 0;
        if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            what |= WEFT_READABLE;
        if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
            what |= WEFT_WRITABLE;
        ready(tag, what);
        got++;
    }
    return got;
}

void weft_os_poller_wake(void)
{
    /* one write per wake-up, however many ask for it */
    if (atomic_exchange(&wake_sent, 1))
        return;
    uint64_t one = 1;
    ssize_t w = write(wakefd, &one, sizeof one);
    (void)w;
}
