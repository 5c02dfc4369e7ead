/*
 * ci/cross/kqueue-api/sys/event.h - the kqueue API as macOS documents it
 * (kqueue(2): struct kevent, EV_SET, the filter and flag values of
 * <sys/event.h> in Apple's XNU sources), for checking on Linux that
 * cnative/src/os/poll_kqueue.c compiles against it (ci/cross/macho-check.sh).
 * Declarations only: nothing here runs.
 */
#ifndef WEFT_CHECK_SYS_EVENT_H
#define WEFT_CHECK_SYS_EVENT_H

#include <stdint.h>
#include <time.h>

struct kevent {
    uintptr_t ident;
    int16_t filter;
    uint16_t flags;
    uint32_t fflags;
    intptr_t data;
    void *udata;
};

#define EVFILT_READ  (-1)
#define EVFILT_WRITE (-2)

#define EV_ADD     0x0001
#define EV_DELETE  0x0002
#define EV_ONESHOT 0x0010
#define EV_CLEAR   0x0020
#define EV_ERROR   0x4000
#define EV_EOF     0x8000

#define EV_SET(kevp, a, b, c, d, e, f) do {  \
        struct kevent *kevp_ = (kevp);        \
        kevp_->ident = (a);                   \
        kevp_->filter = (int16_t)(b);         \
        kevp_->flags = (uint16_t)(c);         \
        kevp_->fflags = (d);                  \
        kevp_->data = (e);                    \
        kevp_->udata = (f);                   \
    } while (0)

int kqueue(void);
int kevent(int kq, const struct kevent *changelist, int nchanges, struct kevent *eventlist, int nevents,
           const struct timespec *timeout);

#endif
