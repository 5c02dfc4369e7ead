/*
 * epoll_echo.c - Weft's C peer for the echo benchmark: one thread, one
 * level-triggered epoll set, no coroutines.  Whatever a connection sends
 * is written straight back.  It is the floor an echo server built on
 * coroutines is compared against.
 *
 *   epoll_echo [PORT]   listens on 127.0.0.1:PORT (default 9101), prints
 *                       "listening PORT" once ready, serves until killed.
 *
 * Every socket is non-blocking.  A read is answered at once; should the
 * socket not take the whole reply (never seen with 64-byte messages, but
 * possible), the rest is kept and the connection waits for EPOLLOUT
 * instead of EPOLLIN until it has drained, so nothing is lost or
 * reordered.
 *
 * Build: gcc -O2 -o epoll_echo epoll_echo.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 4096
#define MAX_EVENTS 256

/* Bytes read but not yet written back, per connection (indexed by fd). */
struct pending {
    size_t off, len;
    char data[BUF_SIZE];
};

static struct pending **pend;
static size_t npend;
static int ep;

static void drop(int fd)
{
    if ((size_t)fd < npend) {
        free(pend[fd]);
        pend[fd] = NULL;
    }
    close(fd); /* also takes it out of the epoll set */
}

static void watch(int fd, unsigned events, int op)
{
    struct epoll_event ev = { .events = events, .data.fd = fd };
    if (epoll_ctl(ep, op, fd, &ev) != 0) {
        perror("epoll_ctl");
        exit(1);
    }
}

/* Writes buf[0..len) to fd; returns how much it took, or -1 if it failed. */
static ssize_t put(int fd, const char *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w > 0)
            done += (size_t)w;
        else if (w < 0 && errno == EINTR)
            continue;
        else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        else
            return -1;
    }
    return (ssize_t)done;
}

/* Keeps what fd did not take and waits for it to become writable. */
static int stash(int fd, const char *rest, size_t len)
{
    if ((size_t)fd >= npend) {
        size_t n = npend ? npend : 1024;
        while (n <= (size_t)fd)
            n *= 2;
        struct pending **p = realloc(pend, n * sizeof *p);
        if (!p)
            return -1;
        memset(p + npend, 0, (n - npend) * sizeof *p);
        pend = p, npend = n;
    }
    if (!pend[fd] && !(pend[fd] = malloc(sizeof *pend[fd])))
        return -1;
    memcpy(pend[fd]->data, rest, len);
    pend[fd]->off = 0, pend[fd]->len = len;
    watch(fd, EPOLLOUT, EPOLL_CTL_MOD);
    return 0;
}

static void readable(int fd)
{
    char buf[BUF_SIZE];
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (r <= 0) {
        drop(fd);
        return;
    }
    ssize_t w = put(fd, buf, (size_t)r);
    if (w < 0 || (w < r && stash(fd, buf + w, (size_t)(r - w)) != 0))
        drop(fd);
}

static void writable(int fd)
{
    struct pending *p = (size_t)fd < npend ? pend[fd] : NULL;
    if (!p) { /* nothing owed: back to reading */
        watch(fd, EPOLLIN, EPOLL_CTL_MOD);
        return;
    }
    ssize_t w = put(fd, p->data + p->off, p->len - p->off);
    if (w < 0) {
        drop(fd);
        return;
    }
    p->off += (size_t)w;
    if (p->off == p->len) {
        free(p);
        pend[fd] = NULL;
        watch(fd, EPOLLIN, EPOLL_CTL_MOD);
    }
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 9101;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "usage: epoll_echo [PORT]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a peer that hangs up is an EPIPE, not a death */

    int on = 1;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 1024) != 0) {
        perror("epoll_echo: listen");
        return 1;
    }
    if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        perror("epoll_create1");
        return 1;
    }
    watch(lfd, EPOLLIN, EPOLL_CTL_ADD);
    printf("listening %d\n", port);
    fflush(stdout);

    struct epoll_event evs[MAX_EVENTS];
    for (;;) {
        int k = epoll_wait(ep, evs, MAX_EVENTS, -1);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            perror("epoll_wait");
            return 1;
        }
        for (int i = 0; i < k; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) {
                /* level-triggered: one accept per wakeup, the next comes round again */
                int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0)
                    continue;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
                watch(c, EPOLLIN, EPOLL_CTL_ADD);
            } else if (evs[i].events & EPOLLOUT) {
                writable(fd);
            } else {
                readable(fd); /* EPOLLIN, or EPOLLHUP/ERR: the read reports it */
            }
        }
    }
}
