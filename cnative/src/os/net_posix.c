/*
 * net_posix.c - the calls of os/sock.h whose form is not the same on
 * every OS, for Linux, macOS and the BSDs; and a plain thread's wait on
 * a descriptor (os/os.h).
 *
 * SIGPIPE: Linux takes MSG_NOSIGNAL per send; macOS has no such flag
 * but a per-socket SO_NOSIGPIPE, set when the socket is made.
 * Non-blocking, close-on-exec sockets: SOCK_NONBLOCK | SOCK_CLOEXEC and
 * accept4 where they exist (Linux, FreeBSD), fcntl after the fact on
 * macOS (a window in which a concurrent fork+exec inherits the fd).
 */
#include "os.h"
#include "sock.h"
#include "weft.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#  define MSG_NOSIGNAL 0 /* macOS: SO_NOSIGPIPE instead, below */
#endif

int weft_os_last_error(void)
{
    return errno;
}

int weft_os_net_init(void)
{
    return WEFT_OK;
}

static int prepare(int fd)
{
#if !defined(SOCK_NONBLOCK)
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
        return -1;
#endif
#if defined(SO_NOSIGPIPE)
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one) != 0)
        return -1;
#endif
    return 0;
}

static intptr_t prepared(int fd)
{
    if (fd >= 0 && prepare(fd) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

intptr_t weft_os_socket(int family, int type)
{
#if defined(SOCK_NONBLOCK)
    type |= SOCK_NONBLOCK | SOCK_CLOEXEC;
#endif
    return prepared(socket(family, type, 0));
}

intptr_t weft_os_accept(intptr_t fd)
{
#if defined(SOCK_NONBLOCK)
    return prepared(accept4((int)fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
#else
    return prepared(accept((int)fd, NULL, NULL));
#endif
}

int weft_os_sock_close(intptr_t fd)
{
    /* Linux and macOS release the descriptor even when close reports
     * EINTR; retrying could close a number another thread just got. */
    return close((int)fd);
}

int64_t weft_os_send(intptr_t fd, const void *buf, size_t len)
{
    return send((int)fd, buf, len, MSG_NOSIGNAL);
}

int64_t weft_os_recv(intptr_t fd, void *buf, size_t len)
{
    return recv((int)fd, buf, len, 0);
}

int64_t weft_os_sendto(intptr_t fd, const void *buf, size_t len, const struct sockaddr *to, weft_socklen_t tolen)
{
    return sendto((int)fd, buf, len, MSG_NOSIGNAL, to, tolen);
}

int64_t weft_os_recvfrom(intptr_t fd, void *buf, size_t len, struct sockaddr *from, weft_socklen_t *fromlen)
{
    return recvfrom((int)fd, buf, len, 0, from, fromlen);
}

int weft_os_shutdown(intptr_t fd, int how)
{
    int h = how == WEFT_SHUT_RD ? SHUT_RD : how == WEFT_SHUT_WR ? SHUT_WR : SHUT_RDWR;
    return shutdown((int)fd, h);
}

int weft_os_setopt_int(intptr_t fd, int level, int name, int value)
{
    return setsockopt((int)fd, level, name, &value, sizeof value);
}

int weft_os_connect_error(intptr_t fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt((int)fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return errno;
    return err;
}

int weft_os_err_kind(int err)
{
    if (err == EAGAIN || err == EWOULDBLOCK)
        return WEFT_OS_ERR_AGAIN;
    if (err == EINPROGRESS)
        return WEFT_OS_ERR_INPROGRESS;
    if (err == EINTR)
        return WEFT_OS_ERR_INTR;
    return WEFT_OS_ERR_OTHER;
}

int weft_os_err_code(int err)
{
    switch (err) {
    case ECONNREFUSED: return WEFT_ECONNREFUSED;
    case ECONNRESET:
    case EPIPE:
    case ECONNABORTED: return WEFT_ECONNRESET;
    case EADDRINUSE:   return WEFT_EADDRINUSE;
    case ETIMEDOUT:    return WEFT_ETIMEDOUT;
    case ENOMEM:
    case ENOBUFS:      return WEFT_ENOMEM;
    default:           return WEFT_ESYS;
    }
}

int weft_os_fd_poll(intptr_t fd, int events, int64_t deadline)
{
    struct pollfd p = { (int)fd, (short)(((events & WEFT_READABLE) ? POLLIN : 0) |
                                         ((events & WEFT_WRITABLE) ? POLLOUT : 0)), 0 };
    for (;;) {
        int ms = -1;
        if (deadline >= 0) {
            int64_t left = deadline - weft_now();
            if (left < 0)
                left = 0;
            int64_t m = (left + 999999) / 1000000;
            ms = m > 1000000000 ? 1000000000 : (int)m;
        }
        int r = poll(&p, 1, ms);
        if (r > 0 && (p.revents & POLLNVAL)) {
            errno = EBADF; /* not an open descriptor */
            return WEFT_ESYS;
        }
        if (r > 0) {
            int got = 0;
            if (p.revents & (POLLIN | POLLHUP | POLLERR))
                got |= WEFT_READABLE;
            if (p.revents & (POLLOUT | POLLHUP | POLLERR))
                got |= WEFT_WRITABLE;
            got &= events;
            if (got)
                return got;
            continue;
        }
        if (r < 0 && errno != EINTR)
            return WEFT_ESYS;
        if (r == 0 && deadline >= 0 && weft_now() >= deadline)
            return WEFT_ETIMEDOUT;
    }
}
