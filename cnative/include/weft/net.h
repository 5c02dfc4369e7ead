/*
 * weft/net.h - network I/O for coroutines: TCP, UDP and Unix-domain
 * sockets and a wait on any pollable descriptor.  Included by weft.h;
 * not meant to be included on its own.
 *
 * A coroutine that calls any blocking function here parks on the
 * runtime's poller (epoll on Linux, kqueue on macOS) while the socket is
 * not ready: its worker runs other coroutines meanwhile.  A plain thread
 * (no coroutine) blocks in the same calls, with the same deadlines and
 * the same wake-up on close.
 *
 * Deadlines follow the runtime's rule: absolute weft_now() nanoseconds,
 * negative for none.  A deadline already past gives WEFT_ETIMEDOUT only
 * if the call would block: what can be done at once is done.
 *
 * Every socket is non-blocking at the OS level and registered with the
 * poller once, when it is made.  Several coroutines or threads may use
 * one socket at a time (a reader and a writer, say); readers are not
 * ordered among themselves, so two readers of one stream get the bytes
 * in no defined split.  A write never raises SIGPIPE: a peer that went
 * away gives WEFT_ECONNRESET.
 *
 * weft_sock_close() wakes every party blocked on the socket with
 * WEFT_ECLOSED and then closes the descriptor, once the last call still
 * inside the socket has left it, so a racing call never touches a
 * descriptor number the OS has reused.  Calls on a socket after its close
 * returned are a use-after-free, as with free(); until the record is
 * reused for a new socket they return WEFT_ECLOSED (socket records are
 * kept for reuse, never handed back to the allocator).
 */
#ifndef WEFT_NET_H
#define WEFT_NET_H

#ifndef WEFT_H
#  error "include weft.h, not weft/net.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- error codes --------------------------------------------------------- */

#define WEFT_ECONNREFUSED (-12) /* nothing listens at that address */
#define WEFT_ECONNRESET   (-13) /* the peer reset the connection, or went away while we wrote */
#define WEFT_EADDRINUSE   (-14) /* the address is taken */
#define WEFT_ENOTFOUND    (-15) /* the host name did not resolve */
#define WEFT_ESYS         (-16) /* another OS error: weft_os_error() says which */

/* The OS error (errno on POSIX, the WSA code on Windows) behind the
 * calling coroutine's (on a plain thread: the calling thread's) last
 * WEFT_ESYS.  Kept per coroutine: it survives the coroutine moving to
 * another worker.  0 if there was none. */
WEFT_EXPORT int weft_os_error(void);

/* ---- sockets --------------------------------------------------------------- */

typedef struct weft_sock weft_sock_t; /* opaque: the descriptor and its poller state */

enum { WEFT_READABLE = 1, WEFT_WRITABLE = 2 };
enum { WEFT_SHUT_RD = 1, WEFT_SHUT_WR = 2, WEFT_SHUT_RDWR = 3 };

/* A TCP listener.  host NULL or "": every interface (IPv6 and IPv4 where
 * the OS has dual-stack sockets, else IPv4); a literal ("127.0.0.1",
 * "::1") or a name ("localhost": its first address).  port 0: an
 * ephemeral port (weft_sock_port tells which).  backlog <= 0: the OS
 * maximum (SOMAXCONN).  SO_REUSEADDR on POSIX.
 * WEFT_EINVAL: port outside 0..65535, out NULL.  WEFT_EADDRINUSE.
 * WEFT_ENOTFOUND: host did not resolve. */
WEFT_EXPORT int weft_tcp_listen(const char *host, int port, int backlog, weft_sock_t **out);

/* A Unix-domain stream listener at path (an existing socket file there
 * gives WEFT_EADDRINUSE; the caller removes it).  WEFT_EINVAL: path or
 * out NULL, path empty or too long for sockaddr_un. */
WEFT_EXPORT int weft_unix_listen(const char *path, int backlog, weft_sock_t **out);

/* The next connection on a listener.  WEFT_ETIMEDOUT, WEFT_ECANCELED,
 * WEFT_ECLOSED (the listener was closed, also while we waited),
 * WEFT_EINVAL (listener or out NULL, or not a listener). */
WEFT_EXPORT int weft_sock_accept(weft_sock_t *listener, int64_t deadline, weft_sock_t **out);

/* Connects to host:port.  The name is resolved (getaddrinfo, through
 * weft_blocking, so other coroutines keep running), and each address is
 * tried in turn until one connects or the deadline passes.
 * WEFT_EINVAL: host NULL, port outside 1..65535, out NULL.
 * WEFT_ECONNREFUSED, WEFT_ENOTFOUND, WEFT_ETIMEDOUT, WEFT_ECANCELED. */
WEFT_EXPORT int weft_tcp_connect(const char *host, int port, int64_t deadline, weft_sock_t **out);
WEFT_EXPORT int weft_unix_connect(const char *path, int64_t deadline, weft_sock_t **out);

/* Reads what is there, up to len bytes, waiting until something is.
 * > 0: bytes read; 0: end of stream (or len 0); < 0: WEFT_ETIMEDOUT,
 * WEFT_ECANCELED (no byte consumed), WEFT_ECLOSED (s was closed, also
 * while we waited), WEFT_ECONNRESET, WEFT_EINVAL (s NULL, buf NULL with
 * len > 0), WEFT_ESYS. */
WEFT_EXPORT int64_t weft_sock_read(weft_sock_t *s, void *buf, size_t len, int64_t deadline);

/* Writes all len bytes: WEFT_OK; otherwise the error (as for read), with
 * *written (may be NULL) = the bytes that went out before it. */
WEFT_EXPORT int weft_sock_write(weft_sock_t *s, const void *buf, size_t len, int64_t deadline,
                                size_t *written);

/* shutdown(2): how is WEFT_SHUT_RD, _WR or _RDWR (else WEFT_EINVAL).
 * A reader of the peer then sees end of stream. */
WEFT_EXPORT int weft_sock_shutdown(weft_sock_t *s, int how);

/* Parties blocked on s get WEFT_ECLOSED, then the OS socket is closed and
 * s freed (file comment); s is not used again.  NULL: WEFT_EINVAL; a
 * second close of the same socket: WEFT_ECLOSED. */
WEFT_EXPORT int weft_sock_close(weft_sock_t *s);

/* The local port, or < 0 (WEFT_EINVAL, WEFT_ECLOSED; a Unix socket has
 * none: WEFT_EINVAL). */
WEFT_EXPORT int weft_sock_port(const weft_sock_t *s);
/* The descriptor (POSIX fd, Windows SOCKET), or -1 for NULL.  Leave its
 * flags alone and do not close it: the socket owns it. */
WEFT_EXPORT intptr_t weft_sock_handle(const weft_sock_t *s);
/* TCP_NODELAY / SO_KEEPALIVE on (1) or off (0). */
WEFT_EXPORT int weft_sock_set_nodelay(weft_sock_t *s, int on);
WEFT_EXPORT int weft_sock_set_keepalive(weft_sock_t *s, int on);

/* Numeric host and port of the local end / the peer: host gets the
 * address as text ("127.0.0.1", "::1"; a Unix socket's path, or "" for an
 * unnamed one, with *port = 0).  hostlen >= WEFT_ADDRSTRLEN is always
 * enough for IP addresses.  WEFT_EINVAL: s, host or port NULL, hostlen
 * too small.  WEFT_ESYS: e.g. not connected. */
#define WEFT_ADDRSTRLEN 64
WEFT_EXPORT int weft_sock_local(const weft_sock_t *s, char *host, size_t hostlen, int *port);
WEFT_EXPORT int weft_sock_peer(const weft_sock_t *s, char *host, size_t hostlen, int *port);

/* ---- UDP ---------------------------------------------------------------------
 * Addresses are a host string and a port, as for TCP.  Sending to a name
 * resolves it on every call; pass a literal on a hot path. */

/* A UDP socket bound to host:port (host NULL or "": every interface;
 * port 0: ephemeral).  WEFT_EINVAL, WEFT_EADDRINUSE, WEFT_ENOTFOUND. */
WEFT_EXPORT int weft_udp_bind(const char *host, int port, weft_sock_t **out);
/* Sends one datagram of len bytes: len on success; WEFT_EINVAL (s or host
 * NULL, port outside 1..65535, buf NULL with len > 0), WEFT_ENOTFOUND,
 * WEFT_ETIMEDOUT, WEFT_ECANCELED, WEFT_ECLOSED, WEFT_ESYS (e.g. EMSGSIZE). */
WEFT_EXPORT int64_t weft_udp_sendto(weft_sock_t *s, const void *buf, size_t len, const char *host,
                                    int port, int64_t deadline);
/* Receives one datagram into buf (the rest of a longer one is dropped):
 * its length (<= len); the sender's numeric address into host (hostlen
 * >= WEFT_ADDRSTRLEN) and *port, each may be NULL.  Errors as for
 * weft_sock_read. */
WEFT_EXPORT int64_t weft_udp_recvfrom(weft_sock_t *s, void *buf, size_t len, char *host,
                                      size_t hostlen, int *port, int64_t deadline);

/* ---- any descriptor ------------------------------------------------------------ */

/* Waits until fd (POSIX: any pollable fd, e.g. a pipe; Windows: a SOCKET)
 * is ready for any of events (WEFT_READABLE | WEFT_WRITABLE); returns the
 * ready subset (> 0).  Leaves the fd's flags alone; an error or hang-up
 * on fd reports it ready for what was asked.  WEFT_EINVAL: fd < 0,
 * events 0 or unknown bits.  WEFT_ETIMEDOUT, WEFT_ECANCELED, WEFT_ESYS. */
WEFT_EXPORT int weft_fd_wait(intptr_t fd, int events, int64_t deadline);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_NET_H */
