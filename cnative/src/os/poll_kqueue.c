/*
 * poll_kqueue.c - the I/O poller on macOS and the BSDs (os/os.h): one
 * kqueue for the process, each socket registered once with an EVFILT_READ
 * and an EVFILT_WRITE filter, both EV_CLEAR (edge-triggered: a filter
 * reports once per change of state, as EPOLLET does), and a pipe to end a
 * blocking wait.
 *
 * As in poll_epoll.c, the wake pipe is level-triggered and drained only
 * by a blocking wait, so a non-blocking poll in another thread cannot take
 * the wake meant for the thread that blocks.
 *
 * A kqueue keys its filters by (descriptor, filter), and EV_ADD on a key
 * that exists modifies it, udata included: weft_fd_wait on a socket's own
 * descriptor would steal the socket's registration.  So its one-shot
 * registrations always go on a duplicate descriptor (closing the
 * duplicate removes them), never on the caller's.
 */
#include "os.h"
#include "weft.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/event.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int kq = -1;
static int wake_rd = -1, wake_wr = -1;
static _Atomic int wake_sent; /* a byte is in the pipe, not yet drained */

static int cloexec_nonblock(int fd)
{
    return fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 ? 0
                                                                                                          : -1;
}

int weft_os_poller_open(void)
{
    int p[2] = { -1, -1 };
    kq = kqueue();
    if (kq < 0 || fcntl(kq, F_SETFD, FD_CLOEXEC) != 0 || pipe(p) != 0 || cloexec_nonblock(p[0]) != 0 ||
        cloexec_nonblock(p[1]) != 0)
        goto fail;
    struct kevent ev;
    EV_SET(&ev, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL); /* NULL: the wake; level-triggered */
    if (kevent(kq, &ev, 1, NULL, 0, NULL) != 0)
        goto fail;
    wake_rd = p[0];
    wake_wr = p[1];
    return WEFT_OK;
fail:;
    int e = errno;
    if (p[0] >= 0) {
        close(p[0]);
        close(p[1]);
    }
    if (kq >= 0)
        close(kq);
    kq = -1;
    errno = e;
    return WEFT_ESYS;
}

int weft_os_poller_add(intptr_t fd, void *tag)
{
    struct kevent ev[2];
    EV_SET(&ev[0], (uintptr_t)fd, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, tag);
    EV_SET(&ev[1], (uintptr_t)fd, EVFILT_WRITE, EV_ADD | EV_CLEAR, 0, 0, tag);
    return kevent(kq, ev, 2, NULL, 0, NULL) == 0 ? WEFT_OK : WEFT_ESYS;
}

int weft_os_poller_add_oneshot(intptr_t fd, int events, void *tag, intptr_t *dup_out)
{
    *dup_out = -1;
    int d = fcntl((int)fd, F_DUPFD_CLOEXEC, 0); /* file comment: never the caller's descriptor */
    if (d < 0)
        return WEFT_ESYS;
    struct kevent ev[2];
    int n = 0;
    if (events & WEFT_READABLE)
        EV_SET(&ev[n++], (uintptr_t)d, EVFILT_READ, EV_ADD | EV_ONESHOT, 0, 0, tag);
    if (events & WEFT_WRITABLE)
        EV_SET(&ev[n++], (uintptr_t)d, EVFILT_WRITE, EV_ADD | EV_ONESHOT, 0, 0, tag);
    if (kevent(kq, ev, n, NULL, 0, NULL) != 0) {
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
    /* one at a time: a filter that is gone already (EV_ONESHOT fired)
     * must not keep the other from being deleted */
    struct kevent ev;
    EV_SET(&ev, (uintptr_t)fd, EVFILT_READ, EV_DELETE, 0, 0, NULL);
    kevent(kq, &ev, 1, NULL, 0, NULL);
    EV_SET(&ev, (uintptr_t)fd, EVFILT_WRITE, EV_DELETE, 0, 0, NULL);
    kevent(kq, &ev, 1, NULL, 0, NULL);
}

void weft_os_poller_del_oneshot(intptr_t fd, intptr_t dup)
{
    (void)fd;
    if (dup >= 0)
        close((int)dup); /* its filters go with it */
}

int weft_os_poller_wait(int64_t timeout_ns, void (*ready)(void *tag, int events))
{
    struct kevent evs[128];
    struct timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000);
        ts.tv_nsec = (long)(timeout_ns % 1000000000);
        tsp = &ts;
    }
    int n = kevent(kq, NULL, 0, evs, 128, tsp);
    if (n < 0)
        return 0; /* EINTR: the caller looks at its queues and comes back */
    int got = 0;
    for (int i = 0; i < n; i++) {
        void *tag = (void *)evs[i].udata;
        if (!tag) {
            if (timeout_ns != 0) { /* file comment: only a blocking wait drains it */
                atomic_store(&wake_sent, 0); /* first: see poll_epoll.c */
                char buf[64];
                while (read(wake_rd, buf, sizeof buf) > 0) {
                }
            }
            continue;
        }
        int what = evs[i].filter == EVFILT_READ ? WEFT_READABLE : WEFT_WRITABLE;
        if (evs[i].flags & (EV_EOF | EV_ERROR))
            what = WEFT_READABLE | WEFT_WRITABLE;
        ready(tag, what);
        got++;
    }
    return got;
}

void weft_os_poller_wake(void)
{
    if (atomic_exchange(&wake_sent, 1))
        return;
    char one = 1;
    ssize_t w = write(wake_wr, &one, 1);
    (void)w;
}
