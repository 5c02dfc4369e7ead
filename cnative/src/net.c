/*
 * net.c - sockets for coroutines and threads (weft/net.h): TCP, UDP,
 * Unix-domain streams, and weft_fd_wait.
 *
 * Every operation is "try the call, and on would-block wait on the
 * socket's readiness record and try again" (netpoll.h); the descriptor is
 * non-blocking from its first moment (os/sock.h), so a call never blocks
 * a worker's thread.
 *
 * Close against calls in progress.  A socket counts the calls inside it
 * (`refs`, plus one for being open); weft_sock_close sets CLOSED in the
 * same word, wakes every waiter (WEFT_ECLOSED), and drops the open
 * reference; whoever drops the last one takes the descriptor out of the
 * poller, closes it and frees the socket.  A call enters only while
 * CLOSED is clear, so no call uses the descriptor number after the OS
 * may have handed it to someone else, and a waiter never wakes into a
 * freed socket.  (Go's fdMutex does the same with more states.)
 *
 * Socket records, like readiness records, go back to a pool rather than
 * to malloc, so a second weft_sock_close (or any call) on a closed
 * socket finds CLOSED and says WEFT_ECLOSED instead of touching freed
 * memory, as long as the record has not been reused for a new socket.
 */
#include "os/os.h"
#include "os/sock.h"
#include "net.h"
#include "netpoll.h"
#include "runtime.h"

#include <stdlib.h>
#include <string.h>

enum { K_LISTENER = 1, K_STREAM, K_DGRAM };

#define CLOSED (1 << 30)

struct weft_sock {
    weft_pd_t *pd;         /* its readiness record (netpoll.c's pool) */
    struct weft_sock *free_next; /* the pool's, under pool_lock */
    intptr_t fd;
    _Atomic int refs;      /* calls inside + 1 while open; | CLOSED once closed */
    int kind;              /* K_* */
    int family;            /* AF_INET, AF_INET6, AF_UNIX */
};

/* ---- errors ------------------------------------------------------------- */

/* The WEFT_E* code for the calling thread's last OS error. */
static int os_fail(void)
{
    int e = weft_os_last_error();
    int code = weft_os_err_code(e);
    return code == WEFT_ESYS ? weft_poll_sys_error(e) : code;
}

/* ---- life cycle ------------------------------------------------------------ */

#define SOCK_CHUNK 64

static weft_spin_t pool_lock = WEFT_SPIN_INIT;
static weft_sock_t *free_socks;

static weft_sock_t *sock_alloc(void)
{
    weft_spin_lock(&pool_lock);
    if (!free_socks) {
        weft_sock_t *c = calloc(SOCK_CHUNK, sizeof *c); /* never freed: file comment */
        if (!c) {
            weft_spin_unlock(&pool_lock);
            return NULL;
        }
        for (int i = SOCK_CHUNK - 1; i >= 0; i--) {
            atomic_init(&c[i].refs, CLOSED);
            c[i].free_next = free_socks;
            free_socks = &c[i];
        }
    }
    weft_sock_t *s = free_socks;
    free_socks = s->free_next;
    weft_spin_unlock(&pool_lock);
    return s;
}

static void sock_free(weft_sock_t *s)
{
    /* refs stays CLOSED | 0: a late call on it enters nothing */
    weft_spin_lock(&pool_lock);
    s->free_next = free_socks;
    free_socks = s;
    weft_spin_unlock(&pool_lock);
}

static int enter(weft_sock_t *s)
{
    int v = atomic_load_explicit(&s->refs, memory_order_relaxed);
    do {
        if (v & CLOSED)
            return 0;
    } while (!atomic_compare_exchange_weak_explicit(&s->refs, &v, v + 1, memory_order_acquire,
                                                    memory_order_relaxed));
    return 1;
}

static void leave(weft_sock_t *s)
{
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != (CLOSED | 1))
        return;
    /* the last one out: nobody can enter (CLOSED) and nobody is inside */
    weft_os_poller_del(s->fd);
    weft_os_sock_close(s->fd);
    weft_pd_free(s->pd);
    sock_free(s);
    weft_stats_sockets(-1);
}

/* Wraps a fresh non-blocking descriptor; closes it on failure. */
static int sock_new(intptr_t fd, int kind, int family, weft_sock_t **out)
{
    int r = weft_poll_start();
    weft_sock_t *s = r == WEFT_OK ? sock_alloc() : NULL;
    weft_pd_t *pd = s ? weft_pd_alloc(0) : NULL;
    if (!pd) {
        if (s)
            sock_free(s);
        weft_os_sock_close(fd);
        return r == WEFT_OK ? WEFT_ENOMEM : r;
    }
    s->pd = pd;
    s->fd = fd;
    s->kind = kind;
    s->family = family;
    if (weft_os_poller_add(fd, pd) != WEFT_OK) {
        r = os_fail();
        weft_pd_free(pd);
        sock_free(s);
        weft_os_sock_close(fd);
        return r;
    }
    weft_stats_sockets(1);
    /* last: opens it to calls (release: the fields above come first) */
    atomic_store_explicit(&s->refs, 1, memory_order_release);
    *out = s;
    return WEFT_OK;
}

int weft_sock_close(weft_sock_t *s)
{
    if (!s)
        return WEFT_EINVAL;
    int v = atomic_fetch_or_explicit(&s->refs, CLOSED, memory_order_acq_rel);
    if (v & CLOSED)
        return WEFT_ECLOSED;
    weft_pd_close(s->pd);
    leave(s); /* the open reference */
    return WEFT_OK;
}

/* Waits for a direction of s; WEFT_OK: try again. */
static int wait_dir(weft_sock_t *s, int dir, int64_t deadline, const char *what)
{
    return weft_pd_wait(s->pd, dir, deadline, what, s);
}

/* ---- names --------------------------------------------------------------------- */

struct resolve_req {
    const char *host;
    char port[8];
    struct addrinfo hints;
    struct addrinfo *res;
    int rc;
};

static void *resolve_call(void *arg)
{
    struct resolve_req *q = arg;
    q->rc = getaddrinfo(q->host, q->port, &q->hints, &q->res);
    return NULL;
}

static int gai_code(int rc)
{
    switch (rc) {
    case 0:
        return WEFT_OK;
#ifdef EAI_MEMORY
    case EAI_MEMORY:
        return WEFT_ENOMEM;
#endif
#ifdef EAI_SYSTEM
    case EAI_SYSTEM:
        return os_fail();
#endif
    default: /* EAI_NONAME, EAI_AGAIN, EAI_FAIL, EAI_NODATA, EAI_SERVICE... */
        return WEFT_ENOTFOUND;
    }
}

/* getaddrinfo for host:port.  A literal address is parsed here; a name
 * is looked up through weft_blocking (the resolver may wait for a DNS
 * server), so other coroutines keep running. */
static int resolve(const char *host, int port, int socktype, int passive, struct addrinfo **res)
{
    struct resolve_req q;
    memset(&q, 0, sizeof q);
    q.host = host && *host ? host : NULL;
    snprintf(q.port, sizeof q.port, "%d", port);
    q.hints.ai_socktype = socktype;
    q.hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    q.hints.ai_family = AF_UNSPEC;
    struct addrinfo numeric = q.hints;
    numeric.ai_flags |= AI_NUMERICHOST;
    if (q.host && getaddrinfo(q.host, q.port, &numeric, &q.res) == 0) {
        *res = q.res;
        return WEFT_OK;
    }
    q.res = NULL;
    weft_blocking(resolve_call, &q, NULL);
    *res = q.res;
    return gai_code(q.rc);
}

/* Text for an address: numeric host (an IPv4-mapped IPv6 address as the
 * IPv4 one) and port; a Unix socket's path with port 0. */
static int addr_text(const struct sockaddr_storage *ss, weft_socklen_t len, char *host, size_t hostlen,
                     int *port)
{
    if (ss->ss_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)ss;
        size_t off = offsetof(struct sockaddr_un, sun_path);
        size_t n = (size_t)len > off ? strnlen(un->sun_path, (size_t)len - off) : 0;
        if (n + 1 > hostlen)
            return WEFT_EINVAL;
        memcpy(host, un->sun_path, n);
        host[n] = 0;
        *port = 0;
        return WEFT_OK;
    }
    struct sockaddr_storage v4;
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)ss;
        static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (memcmp(a6->sin6_addr.s6_addr, mapped, 12) == 0) {
            struct sockaddr_in *a4 = (struct sockaddr_in *)&v4;
            memset(&v4, 0, sizeof v4);
            a4->sin_family = AF_INET;
            a4->sin_port = a6->sin6_port;
            memcpy(&a4->sin_addr, a6->sin6_addr.s6_addr + 12, 4);
            ss = &v4;
            len = sizeof *a4;
        }
    }
    char serv[16];
    if (getnameinfo((const struct sockaddr *)ss, len, host, (weft_socklen_t)hostlen, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return WEFT_EINVAL; /* hostlen too small: the only failure for a numeric form */
    *port = atoi(serv);
    return WEFT_OK;
}

/* ---- listeners ------------------------------------------------------------------ */

static int listen_on(const struct sockaddr *a, weft_socklen_t alen, int family, int type, int backlog,
                     int v6only, int kind, weft_sock_t **out)
{
    intptr_t fd = weft_os_socket(family, type);
    if (fd < 0)
        return os_fail();
    if (family != AF_UNIX)
        weft_os_setopt_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (family == AF_INET6 && v6only >= 0)
        weft_os_setopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only);
    if (bind(fd, a, alen) != 0 ||
        (kind == K_LISTENER && listen(fd, backlog <= 0 ? SOMAXCONN : backlog) != 0)) {
        int r = os_fail();
        weft_os_sock_close(fd);
        return r;
    }
    return sock_new(fd, kind, family, out);
}

/* Binds a TCP listener or a UDP socket to host:port. */
static int bind_inet(const char *host, int port, int type, int backlog, int kind, weft_sock_t **out)
{
    if (!out || port < 0 || port > 65535)
        return WEFT_EINVAL;
    *out = NULL;
    int r = weft_os_net_init();
    if (r != WEFT_OK)
        return os_fail();
    if (!host || !*host) {
        /* every interface: IPv6 with IPv4 mapped in where the OS has
         * dual-stack sockets, else IPv4 alone */
        struct sockaddr_in6 a6;
        memset(&a6, 0, sizeof a6);
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((unsigned short)port);
        a6.sin6_addr = in6addr_any;
        r = listen_on((struct sockaddr *)&a6, sizeof a6, AF_INET6, type, backlog, 0, kind, out);
        if (r != WEFT_ESYS)
            return r;
        struct sockaddr_in a4;
        memset(&a4, 0, sizeof a4);
        a4.sin_family = AF_INET;
        a4.sin_port = htons((unsigned short)port);
        a4.sin_addr.s_addr = htonl(INADDR_ANY);
        return listen_on((struct sockaddr *)&a4, sizeof a4, AF_INET, type, backlog, -1, kind, out);
    }
    struct addrinfo *ai;
    if ((r = resolve(host, port, type, 1, &ai)) != WEFT_OK)
        return r;
    r = listen_on(ai->ai_addr, (weft_socklen_t)ai->ai_addrlen, ai->ai_family, type, backlog, -1, kind, out);
    freeaddrinfo(ai);
    return r;
}

int weft_tcp_listen(const char *host, int port, int backlog, weft_sock_t **out)
{
    return bind_inet(host, port, SOCK_STREAM, backlog, K_LISTENER, out);
}

int weft_udp_bind(const char *host, int port, weft_sock_t **out)
{
    return bind_inet(host, port, SOCK_DGRAM, 0, K_DGRAM, out);
}

static int unix_addr(const char *path, struct sockaddr_un *un)
{
    if (!path || !*path || strlen(path) >= sizeof un->sun_path)
        return WEFT_EINVAL;
    memset(un, 0, sizeof *un);
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, path, strlen(path));
    return WEFT_OK;
}

int weft_unix_listen(const char *path, int backlog, weft_sock_t **out)
{
    struct sockaddr_un un;
    if (!out || unix_addr(path, &un) != WEFT_OK)
        return WEFT_EINVAL;
    *out = NULL;
    if (weft_os_net_init() != WEFT_OK)
        return os_fail();
    return listen_on((struct sockaddr *)&un, sizeof un, AF_UNIX, SOCK_STREAM, backlog, -1, K_LISTENER, out);
}

int weft_sock_try_accept(weft_sock_t *l, weft_sock_t **out)
{
    for (;;) {
        intptr_t fd = weft_os_accept(l->fd);
        if (fd >= 0)
            return sock_new(fd, K_STREAM, l->family, out);
        int e = weft_os_last_error();
        int k = weft_os_err_kind(e);
        if (k == WEFT_OS_ERR_INTR || weft_os_err_code(e) == WEFT_ECONNRESET)
            continue; /* a connection reset before we took it: take the next */
        return k == WEFT_OS_ERR_AGAIN ? WEFT_EAGAIN : os_fail();
    }
}

int weft_sock_accept(weft_sock_t *l, int64_t deadline, weft_sock_t **out)
{
    if (!l || !out || l->kind != K_LISTENER)
        return WEFT_EINVAL;
    *out = NULL;
    if (!enter(l))
        return WEFT_ECLOSED;
    int r;
    while ((r = weft_sock_try_accept(l, out)) == WEFT_EAGAIN &&
           (r = wait_dir(l, WEFT_PD_READ, deadline, "sock accept")) == WEFT_OK) {
    }
    leave(l);
    return r;
}

/* ---- connecting ------------------------------------------------------------------ */

/* One address: WEFT_OK with *out, or the error. */
static int connect_one(const struct sockaddr *a, weft_socklen_t alen, int family, int64_t deadline,
                       weft_sock_t **out)
{
    intptr_t fd = weft_os_socket(family, SOCK_STREAM);
    if (fd < 0)
        return os_fail();
    int started = connect(fd, a, alen);
    int e = started == 0 ? 0 : weft_os_last_error();
    int k = started == 0 ? 0 : weft_os_err_kind(e);
    if (started != 0 && k != WEFT_OS_ERR_INPROGRESS && k != WEFT_OS_ERR_AGAIN && k != WEFT_OS_ERR_INTR) {
        int r = os_fail();
        weft_os_sock_close(fd);
        return r;
    }
    weft_sock_t *s;
    int r = sock_new(fd, K_STREAM, family, &s);
    if (r != WEFT_OK)
        return r;
    if (started != 0) {
        /* under way: writable once it is decided (an edge: the socket
         * was registered after connect started, and epoll reports the
         * state a descriptor is already in when it is added) */
        for (;;) {
            r = wait_dir(s, WEFT_PD_WRITE, deadline, "sock connect");
            if (r != WEFT_OK)
                break;
            int err = weft_os_connect_error(fd);
            if (err == 0) {
                /* a spurious edge leaves it in progress: getpeername tells */
                struct sockaddr_storage peer;
                weft_socklen_t plen = sizeof peer;
                if (getpeername(fd, (struct sockaddr *)&peer, &plen) == 0)
                    break;
                continue;
            }
            int c = weft_os_err_code(err);
            r = c == WEFT_ESYS ? weft_poll_sys_error(err) : c;
            break;
        }
        if (r != WEFT_OK) {
            weft_sock_close(s);
            return r;
        }
    }
    *out = s;
    return WEFT_OK;
}

int weft_tcp_connect(const char *host, int port, int64_t deadline, weft_sock_t **out)
{
    if (!host || !out || port < 1 || port > 65535)
        return WEFT_EINVAL;
    *out = NULL;
    if (weft_os_net_init() != WEFT_OK)
        return os_fail();
    struct addrinfo *res;
    int r = resolve(host, port, SOCK_STREAM, 0, &res);
    if (r != WEFT_OK)
        return r;
    r = WEFT_ENOTFOUND;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        r = connect_one(ai->ai_addr, (weft_socklen_t)ai->ai_addrlen, ai->ai_family, deadline, out);
        /* the deadline and a cancel are for the whole call, not one address */
        if (r == WEFT_OK || r == WEFT_ETIMEDOUT || r == WEFT_ECANCELED)
            break;
    }
    freeaddrinfo(res);
    return r;
}

int weft_unix_connect(const char *path, int64_t deadline, weft_sock_t **out)
{
    struct sockaddr_un un;
    if (!out || unix_addr(path, &un) != WEFT_OK)
        return WEFT_EINVAL;
    *out = NULL;
    if (weft_os_net_init() != WEFT_OK)
        return os_fail();
    return connect_one((struct sockaddr *)&un, sizeof un, AF_UNIX, deadline, out);
}

/* ---- streams ------------------------------------------------------------------------ */

/* The result of a failed call: WEFT_EAGAIN to wait, 0 to retry (a
 * signal), or the error. */
static int failed(void)
{
    int k = weft_os_err_kind(weft_os_last_error());
    return k == WEFT_OS_ERR_INTR ? 0 : k == WEFT_OS_ERR_AGAIN ? WEFT_EAGAIN : os_fail();
}

int weft_sock_enter(weft_sock_t *s)
{
    return enter(s);
}

void weft_sock_leave(weft_sock_t *s)
{
    leave(s);
}

weft_pd_t *weft_sock_pd(weft_sock_t *s)
{
    return s->pd;
}

int64_t weft_sock_try_read(weft_sock_t *s, void *buf, size_t len)
{
    for (;;) {
        int64_t r = weft_os_recv(s->fd, buf, len);
        if (r >= 0 || (r = failed()) != 0)
            return r;
    }
}

int64_t weft_sock_try_write(weft_sock_t *s, const void *buf, size_t len)
{
    for (;;) {
        int64_t r = weft_os_send(s->fd, buf, len);
        if (r >= 0 || (r = failed()) != 0)
            return r;
    }
}

int64_t weft_sock_read(weft_sock_t *s, void *buf, size_t len, int64_t deadline)
{
    if (!s || (!buf && len > 0))
        return WEFT_EINVAL;
    if (!enter(s))
        return WEFT_ECLOSED;
    int64_t r;
    while ((r = weft_sock_try_read(s, buf, len)) == WEFT_EAGAIN &&
           (r = wait_dir(s, WEFT_PD_READ, deadline, "sock read")) == WEFT_OK) {
    }
    leave(s);
    return r;
}

int weft_sock_write(weft_sock_t *s, const void *buf, size_t len, int64_t deadline, size_t *written)
{
    size_t done = 0;
    int r = WEFT_OK;
    if (!s || (!buf && len > 0))
        r = WEFT_EINVAL;
    else if (!enter(s))
        r = WEFT_ECLOSED;
    else {
        while (done < len) {
            int64_t n = weft_sock_try_write(s, (const char *)buf + done, len - done);
            if (n >= 0) {
                done += (size_t)n;
                continue;
            }
            if (n != WEFT_EAGAIN || (r = wait_dir(s, WEFT_PD_WRITE, deadline, "sock write")) != WEFT_OK) {
                if (n != WEFT_EAGAIN)
                    r = (int)n;
                break;
            }
        }
        leave(s);
    }
    if (written)
        *written = done;
    return r;
}

int weft_sock_shutdown(weft_sock_t *s, int how)
{
    if (!s || how < WEFT_SHUT_RD || how > WEFT_SHUT_RDWR)
        return WEFT_EINVAL;
    if (!enter(s))
        return WEFT_ECLOSED;
    int r = weft_os_shutdown(s->fd, how) == 0 ? WEFT_OK : os_fail();
    leave(s);
    return r;
}

/* ---- datagrams ------------------------------------------------------------------------ */

int64_t weft_udp_sendto(weft_sock_t *s, const void *buf, size_t len, const char *host, int port,
                        int64_t deadline)
{
    if (!s || !host || (!buf && len > 0) || port < 1 || port > 65535 || s->kind != K_DGRAM)
        return WEFT_EINVAL;
    struct addrinfo *res;
    int r = resolve(host, port, SOCK_DGRAM, 0, &res);
    if (r != WEFT_OK)
        return r;
    /* the first address of the socket's family (a v6 socket takes v4 as mapped) */
    struct addrinfo *ai = res;
    for (struct addrinfo *p = res; p; p = p->ai_next)
        if (p->ai_family == s->family) {
            ai = p;
            break;
        }
    struct sockaddr_in6 mapped;
    const struct sockaddr *to = ai->ai_addr;
    weft_socklen_t tolen = (weft_socklen_t)ai->ai_addrlen;
    if (s->family == AF_INET6 && ai->ai_family == AF_INET) {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)ai->ai_addr;
        memset(&mapped, 0, sizeof mapped);
        mapped.sin6_family = AF_INET6;
        mapped.sin6_port = a4->sin_port;
        mapped.sin6_addr.s6_addr[10] = mapped.sin6_addr.s6_addr[11] = 0xff;
        memcpy(mapped.sin6_addr.s6_addr + 12, &a4->sin_addr, 4);
        to = (const struct sockaddr *)&mapped;
        tolen = sizeof mapped;
    }
    int64_t n;
    if (!enter(s)) {
        freeaddrinfo(res);
        return WEFT_ECLOSED;
    }
    for (;;) {
        n = weft_os_sendto(s->fd, buf, len, to, tolen);
        if (n >= 0 || ((n = failed()) != 0 && n != WEFT_EAGAIN))
            break;
        if (n == WEFT_EAGAIN && (n = wait_dir(s, WEFT_PD_WRITE, deadline, "udp send")) != WEFT_OK)
            break;
    }
    leave(s);
    freeaddrinfo(res);
    return n;
}

int64_t weft_udp_try_recvfrom(weft_sock_t *s, void *buf, size_t len, char *host, size_t hostlen, int *port)
{
    struct sockaddr_storage from;
    weft_socklen_t flen;
    int64_t n;
    do {
        flen = sizeof from;
        n = weft_os_recvfrom(s->fd, buf, len, (struct sockaddr *)&from, &flen);
    } while (n < 0 && (n = failed()) == 0);
    if (n >= 0 && (host || port)) {
        char h[WEFT_ADDRSTRLEN];
        int p = 0;
        if (addr_text(&from, flen, h, sizeof h, &p) != WEFT_OK)
            h[0] = 0;
        if (host && hostlen > strlen(h))
            memcpy(host, h, strlen(h) + 1);
        if (port)
            *port = p;
    }
    return n;
}

int64_t weft_udp_recvfrom(weft_sock_t *s, void *buf, size_t len, char *host, size_t hostlen, int *port,
                          int64_t deadline)
{
    if (!s || (!buf && len > 0) || s->kind != K_DGRAM || (host && hostlen < WEFT_ADDRSTRLEN))
        return WEFT_EINVAL;
    if (!enter(s))
        return WEFT_ECLOSED;
    int64_t n;
    while ((n = weft_udp_try_recvfrom(s, buf, len, host, hostlen, port)) == WEFT_EAGAIN &&
           (n = wait_dir(s, WEFT_PD_READ, deadline, "udp receive")) == WEFT_OK) {
    }
    leave(s);
    return n;
}

/* ---- options and names --------------------------------------------------------------- */

int weft_sock_port(const weft_sock_t *cs)
{
    weft_sock_t *s = (weft_sock_t *)cs;
    if (!s)
        return WEFT_EINVAL;
    if (s->family == AF_UNIX)
        return WEFT_EINVAL;
    char host[WEFT_ADDRSTRLEN];
    int port;
    int r = weft_sock_local(s, host, sizeof host, &port);
    return r == WEFT_OK ? port : r;
}

intptr_t weft_sock_handle(const weft_sock_t *s)
{
    return s ? s->fd : -1;
}

static int set_opt(weft_sock_t *s, int level, int name, int on)
{
    if (!s || (on != 0 && on != 1))
        return WEFT_EINVAL;
    if (!enter(s))
        return WEFT_ECLOSED;
    int r = weft_os_setopt_int(s->fd, level, name, on) == 0 ? WEFT_OK : os_fail();
    leave(s);
    return r;
}

int weft_sock_set_nodelay(weft_sock_t *s, int on)
{
    if (s && s->family == AF_UNIX)
        return WEFT_EINVAL; /* no Nagle on a Unix socket */
    return set_opt(s, IPPROTO_TCP, TCP_NODELAY, on);
}

int weft_sock_set_keepalive(weft_sock_t *s, int on)
{
    return set_opt(s, SOL_SOCKET, SO_KEEPALIVE, on);
}

static int name_of(const weft_sock_t *cs, int peer, char *host, size_t hostlen, int *port)
{
    weft_sock_t *s = (weft_sock_t *)cs;
    if (!s || !host || !port || hostlen == 0)
        return WEFT_EINVAL;
    if (!enter(s))
        return WEFT_ECLOSED;
    struct sockaddr_storage ss;
    weft_socklen_t len = sizeof ss;
    int r = (peer ? getpeername(s->fd, (struct sockaddr *)&ss, &len)
                  : getsockname(s->fd, (struct sockaddr *)&ss, &len)) == 0
                ? addr_text(&ss, len, host, hostlen, port)
                : os_fail();
    leave(s);
    return r;
}

int weft_sock_local(const weft_sock_t *s, char *host, size_t hostlen, int *port)
{
    return name_of(s, 0, host, hostlen, port);
}

int weft_sock_peer(const weft_sock_t *s, char *host, size_t hostlen, int *port)
{
    return name_of(s, 1, host, hostlen, port);
}

/* ---- any descriptor -------------------------------------------------------------------- */

int weft_fd_wait(intptr_t fd, int events, int64_t deadline)
{
    if (fd < 0 || events == 0 || (events & ~(WEFT_READABLE | WEFT_WRITABLE)))
        return WEFT_EINVAL;
    if (!weft_co_current()) {
        int r = weft_os_fd_poll(fd, events, deadline);
        return r == WEFT_ESYS ? os_fail() : r;
    }
    int r = weft_poll_start();
    if (r != WEFT_OK)
        return r;
    weft_pd_t *pd = weft_pd_alloc(1);
    if (!pd)
        return WEFT_ENOMEM;
    intptr_t dup;
    /* level-triggered: an fd ready already is reported at once */
    if (weft_os_poller_add_oneshot(fd, events, pd, &dup) != WEFT_OK) {
        r = os_fail();
        weft_pd_free(pd);
        return r;
    }
    r = weft_pd_wait(pd, WEFT_PD_READ, deadline, "fd wait", (void *)fd);
    weft_os_poller_del_oneshot(fd, dup);
    if (r == WEFT_OK) {
        weft_spin_lock(&pd->lock);
        r = pd->revents & events;
        weft_spin_unlock(&pd->lock);
        if (!r)
            r = events; /* an error or hang-up: ready for what was asked */
    }
    weft_pd_free(pd);
    return r;
}
