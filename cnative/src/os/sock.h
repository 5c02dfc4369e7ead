/*
 * os/sock.h - the socket layer under net.c (internal): the BSD socket
 * calls every OS has (socket addresses, bind, listen, connect,
 * getaddrinfo, getsockname, setsockopt), from the OS's own headers, and
 * the few calls whose form differs, as weft_os_* (net_posix.c,
 * net_win.c).  Descriptors travel as intptr_t: a POSIX fd or a Windows
 * SOCKET.  Functions returning a descriptor or a count give -1 on
 * failure, with the error for weft_os_last_error (os/os.h).
 */
#ifndef WEFT_OS_SOCK_H
#define WEFT_OS_SOCK_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  include <winsock2.h>
#  include <ws2tcpip.h>
#  include <afunix.h>
typedef int weft_socklen_t;
#else
#  include <netdb.h>
#  include <netinet/in.h>
#  include <netinet/tcp.h>
#  include <sys/socket.h>
#  include <sys/un.h>
typedef socklen_t weft_socklen_t;
#endif

/* Once per process before the first socket (WSAStartup); WEFT_OK or WEFT_ESYS. */
int weft_os_net_init(void);

/* A socket that never blocks, is not inherited by child processes and
 * never raises SIGPIPE. */
intptr_t weft_os_socket(int family, int type);
/* The next connection, made like weft_os_socket's. */
intptr_t weft_os_accept(intptr_t fd);
int weft_os_sock_close(intptr_t fd);
/* -1 on failure; a write to a peer that went away fails (EPIPE), no signal */
int64_t weft_os_send(intptr_t fd, const void *buf, size_t len);
int64_t weft_os_recv(intptr_t fd, void *buf, size_t len);
int64_t weft_os_sendto(intptr_t fd, const void *buf, size_t len, const struct sockaddr *to, weft_socklen_t tolen);
int64_t weft_os_recvfrom(intptr_t fd, void *buf, size_t len, struct sockaddr *from, weft_socklen_t *fromlen);
int weft_os_shutdown(intptr_t fd, int how); /* WEFT_SHUT_*; 0 or -1 */
int weft_os_setopt_int(intptr_t fd, int level, int name, int value); /* 0 or -1 */
/* The pending error of a non-blocking connect (SO_ERROR), 0 if none. */
int weft_os_connect_error(intptr_t fd);

/* What an OS error code means to net.c. */
enum {
    WEFT_OS_ERR_OTHER = 0,
    WEFT_OS_ERR_AGAIN,      /* would block (EAGAIN, EWOULDBLOCK) */
    WEFT_OS_ERR_INPROGRESS, /* a non-blocking connect is under way */
    WEFT_OS_ERR_INTR,       /* interrupted by a signal: try again */
};
int weft_os_err_kind(int err);
/* The WEFT_E* code for an OS error: WEFT_ECONNREFUSED, WEFT_ECONNRESET
 * (also a broken pipe), WEFT_EADDRINUSE, WEFT_ETIMEDOUT, WEFT_ENOMEM,
 * or WEFT_ESYS for anything else. */
int weft_os_err_code(int err);

#endif /* WEFT_OS_SOCK_H */
