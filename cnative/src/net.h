/*
 * net.h - what a binding needs of net.c beyond weft/net.h (internal): the
 * two halves of a socket operation around a wait the binding does itself
 * (Java's virtual threads park on the Java side; cnative/jni/ext.c).
 *
 *   if (!weft_sock_enter(s)) -> closed
 *   loop: r = weft_sock_try_read(s, ...)         never blocks
 *         if r != WEFT_EAGAIN: done
 *         weft_pd_wait_ext(weft_sock_pd(s), WEFT_PD_READ, w) -> WEFT_OK:
 *             try again; WEFT_ECLOSED: done; WEFT_EXT_PARKED: park until
 *             w's notify ran or give up, then weft_pd_ext_end, try again
 *             (or stop on a timeout or an interrupt)
 *   weft_sock_leave(s)
 *
 * Entering holds the socket open against a concurrent weft_sock_close (it
 * still wakes the waiter; the descriptor is closed once the last party
 * left), exactly as net.c's own calls do.
 */
#ifndef WEFT_NET_INTERNAL_H
#define WEFT_NET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "netpoll.h"
#include "weft.h"

/* 1: entered (the socket stays open for this call); 0: it is closed. */
int weft_sock_enter(weft_sock_t *s);
void weft_sock_leave(weft_sock_t *s);
weft_pd_t *weft_sock_pd(weft_sock_t *s);

/* One attempt each, for an entered socket: as weft/net.h's forms, with
 * WEFT_EAGAIN where they would wait.  try_write writes what fits (> 0
 * bytes, or WEFT_EAGAIN); try_accept's *out is a new socket. */
int64_t weft_sock_try_read(weft_sock_t *s, void *buf, size_t len);
int64_t weft_sock_try_write(weft_sock_t *s, const void *buf, size_t len);
int weft_sock_try_accept(weft_sock_t *l, weft_sock_t **out);
int64_t weft_udp_try_recvfrom(weft_sock_t *s, void *buf, size_t len, char *host, size_t hostlen, int *port);

#endif /* WEFT_NET_INTERNAL_H */
