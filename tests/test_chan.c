/* test_chan.c - channels: arguments, FIFO, close and drain, rendezvous,
 * try_ operations, deadlines, cancellation, close waking every waiter
 * (coroutines and plain threads), and MPMC stress with exact accounting
 * over plain send/recv (select's stress is in test_select.c), and the
 * live-channel count of weft_stats. */
#include "harness.h"
#include "chan_helpers.h"
#include "rt_helpers.h"
#include "weft.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* ---- helpers ------------------------------------------------------------ */

static void sleep_ms(int ms)
{
    weft_sleep((int64_t)ms * 1000000);
}

/* ---- arguments and simple semantics -------------------------------------- */

WEFT_TEST(make_and_bad_arguments)
{
    weft_chan_t *c;
    CHECK_EQ_INT(weft_chan_make(8, 0, NULL), WEFT_EINVAL);
    CHECK_EQ_INT(weft_chan_make(64 * 1024 + 1, 0, &c), WEFT_EINVAL);
    CHECK(c == NULL);
    CHECK_EQ_INT(weft_chan_make(SIZE_MAX / 4, 8, &c), WEFT_EINVAL);
    CHECK_EQ_INT(weft_chan_make(8, SIZE_MAX / 2, &c), WEFT_ENOMEM);
    CHECK_EQ_INT(weft_chan_make(64 * 1024, SIZE_MAX / 1024, &c), WEFT_ENOMEM);
    CHECK_EQ_INT(weft_chan_make(1, SIZE_MAX, &c), WEFT_ENOMEM);
    /* a zero-size element's cell still holds its 8-byte stamp (chan.h) */
    CHECK_EQ_INT(weft_chan_make(0, SIZE_MAX, &c), WEFT_ENOMEM);
    CHECK_EQ_INT(weft_chan_make(0, ((size_t)1 << 40) + 1, &c), WEFT_ENOMEM); /* past the ring's positions */
    CHECK_EQ_INT(weft_chan_make(0, (size_t)1 << 20, &c), WEFT_OK);
    CHECK_EQ_INT(weft_chan_cap(c), (size_t)1 << 20);
    CHECK_EQ_INT(weft_chan_try_send(c, NULL), WEFT_OK);
    CHECK_EQ_INT(weft_chan_len(c), 1);
    weft_chan_release(c);

    int v = 1;
    CHECK_EQ_INT(weft_chan_send(NULL, &v), WEFT_EINVAL);
    CHECK_EQ_INT(weft_chan_recv(NULL, &v), WEFT_EINVAL);
    CHECK_EQ_INT(weft_chan_send_until(NULL, &v, -1), WEFT_EINVAL);
    CHECK_EQ_INT(weft_chan_recv_until(NULL, &v, -1), WEFT_EINVAL);
    CHECK_EQ_INT(weft_chan_try_send(NULL, &v), WEFT_EINVAL);
    CHECK_EQ_INT(weft_chan_try_recv(NULL, &v), WEFT_EINVAL);
    CHECK_EQ_INT(weft_chan_close(NULL), WEFT_EINVAL);
    CHECK_EQ_INT(weft_chan_is_closed(NULL), WEFT_EINVAL);
    CHECK_EQ_INT(weft_chan_len(NULL), 0);
    CHECK_EQ_INT(weft_chan_cap(NULL), 0);
    weft_chan_release(NULL);
    weft_chan_retain(NULL);

    CHECK_EQ_INT(weft_chan_make(sizeof(int), 3, &c), WEFT_OK);
    CHECK_EQ_INT(weft_chan_cap(c), 3);
    CHECK_EQ_INT(weft_chan_elem_size(c), sizeof(int));
    CHECK_EQ_INT(weft_chan_send(c, NULL), WEFT_EINVAL); /* elem needed */
    CHECK_EQ_INT(weft_chan_is_closed(c), 0);
    CHECK_EQ_INT(weft_chan_close(c), WEFT_OK);
    CHECK_EQ_INT(weft_chan_is_closed(c), 1);
    CHECK_EQ_INT(weft_chan_close(c), WEFT_ECLOSED);
    CHECK_EQ_INT(weft_chan_send(c, &v), WEFT_ECLOSED);
    CHECK_EQ_INT(weft_chan_try_send(c, &v), WEFT_ECLOSED);
    CHECK_EQ_INT(weft_chan_send_until(c, &v, 0), WEFT_ECLOSED);
    v = 7;
    CHECK_EQ_INT(weft_chan_recv(c, &v), WEFT_ECLOSED);
    CHECK_EQ_INT(v, 0); /* zeroed, like Go's zero value */
    CHECK_EQ_INT(weft_chan_try_recv(c, &v), WEFT_ECLOSED);
    CHECK_EQ_INT(weft_chan_recv_until(c, &v, 0), WEFT_ECLOSED);
    weft_chan_retain(c);
    weft_chan_release(c);
    weft_chan_release(c); /* the last: frees (ASan would see a leak otherwise) */
}

WEFT_TEST(stats_count_live_channels_until_freed)
{
    weft_stats_t st;
    CHECK_EQ_INT(weft_stats(&st), WEFT_OK);
    uint64_t base = st.channels;
    weft_chan_t *a, *b, *z, *bad = NULL;
    CHECK_EQ_INT(weft_chan_make(8, 0, &a), WEFT_OK);
    CHECK_EQ_INT(weft_chan_make(sizeof(int), 16, &b), WEFT_OK);
    CHECK_EQ_INT(weft_chan_make(0, 4, &z), WEFT_OK);
    CHECK_EQ_INT(weft_stats(&st), WEFT_OK);
    CHECK_EQ_INT(st.channels, base + 3);
    /* a failed make counts nothing */
    CHECK_EQ_INT(weft_chan_make(64 * 1024 + 1, 0, &bad), WEFT_EINVAL);
    CHECK_EQ_INT(weft_chan_make(8, SIZE_MAX / 2, &bad), WEFT_ENOMEM);
    CHECK_EQ_INT(weft_stats(&st), WEFT_OK);
    CHECK_EQ_INT(st.channels, base + 3);
    /* a value in the buffer, a close: still the same live channel */
    int v = 5;
    CHECK_EQ_INT(weft_chan_send(b, &v), WEFT_OK);
    CHECK_EQ_INT(weft_chan_close(b), WEFT_OK);
    /* freed only when the last reference goes */
    weft_chan_retain(b);
    weft_chan_release(b);
    CHECK_EQ_INT(weft_stats(&st), WEFT_OK);
    CHECK_EQ_INT(st.channels, base + 3);
    weft_chan_release(b);
    CHECK_EQ_INT(weft_stats(&st), WEFT_OK);
    CHECK_EQ_INT(st.channels, base + 2);
    weft_chan_release(a);
    weft_chan_release(z);
    CHECK_EQ_INT(weft_stats(&st), WEFT_OK);
    CHECK_EQ_INT(st.channels, base);
}

WEFT_TEST(buffered_fifo_wraps_and_drains_after_close)
{
    weft_chan_t *c;
    CHECK_EQ_INT(weft_chan_make(sizeof(int64_t), 4, &c), WEFT_OK);
    int64_t next_in = 0, next_out = 0, v;
    for (int round = 0; round < 50; round++) { /* wraps the ring many times */
        int k = 1 + round % 4;
        for (int i = 0; i < k; i++, next_in++)
            CHECK_EQ_INT(weft_chan_try_send(c, &next_in), WEFT_OK);
        CHECK_EQ_INT(weft_chan_len(c), k);
        for (int i = 0; i < k; i++) {
            CHECK_EQ_INT(weft_chan_try_recv(c, &v), WEFT_OK);
            CHECK_EQ_INT(v, next_out);
            next_out++;
        }
    }
    for (int64_t i = 0; i < 4; i++)
        CHECK_EQ_INT(weft_chan_send(c, &i), WEFT_OK);
    CHECK_EQ_INT(weft_chan_try_send(c, &v), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_chan_close(c), WEFT_OK);
    CHECK_EQ_INT(weft_chan_len(c), 4);
    for (int64_t i = 0; i < 4; i++) {
        CHECK_EQ_INT(weft_chan_recv(c, &v), WEFT_OK);
        CHECK_EQ_INT(v, i);
    }
    CHECK_EQ_INT(weft_chan_recv(c, &v), WEFT_ECLOSED);
    CHECK_EQ_INT(weft_chan_recv(c, NULL), WEFT_ECLOSED);
    weft_chan_release(c);
}

WEFT_TEST(try_operations)
{
    weft_chan_t *u, *b;
    int v = 5;
    CHECK_EQ_INT(weft_chan_make(sizeof(int), 0, &u), WEFT_OK);
    CHECK_EQ_INT(weft_chan_make(sizeof(int), 1, &b), WEFT_OK);
    CHECK_EQ_INT(weft_chan_try_send(u, &v), WEFT_EAGAIN); /* nobody receiving */
    CHECK_EQ_INT(weft_chan_try_recv(u, &v), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_chan_try_recv(b, &v), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_chan_try_send(b, &v), WEFT_OK);
    CHECK_EQ_INT(weft_chan_try_send(b, &v), WEFT_EAGAIN);
    v = 0;
    CHECK_EQ_INT(weft_chan_try_recv(b, &v), WEFT_OK);
    CHECK_EQ_INT(v, 5);
    CHECK_EQ_INT(weft_chan_len(u), 0);
    CHECK_EQ_INT(weft_chan_len(b), 0);
    weft_chan_release(u);
    weft_chan_release(b);
}

static weft_chan_t *g_u;

static void *recv_one(void *arg)
{
    int v = -1;
    int r = weft_chan_recv(g_u, &v);
    return (void *)(intptr_t)(r == WEFT_OK ? v : r);
}

static void *send_arg(void *arg)
{
    int v = (int)(intptr_t)arg;
    return (void *)(intptr_t)weft_chan_send(g_u, &v);
}

WEFT_TEST(try_ops_meet_a_blocked_partner)
{
    CHECK_EQ_INT(weft_chan_make(sizeof(int), 0, &g_u), WEFT_OK);
    weft_co_t *co = spawn(recv_one, NULL);
    wait_queued(g_u, WEFT_RECV, 1);
    int v = 99;
    CHECK_EQ_INT(weft_chan_try_send(g_u, &v), WEFT_OK);
    CHECK_EQ_INT(join_co(co), 99);
    co = spawn(send_arg, (void *)42);
    wait_queued(g_u, WEFT_SEND, 1);
    CHECK_EQ_INT(weft_chan_try_recv(g_u, &v), WEFT_OK);
    CHECK_EQ_INT(v, 42);
    CHECK_EQ_INT(join_co(co), WEFT_OK);
    weft_chan_release(g_u);
    weft_shutdown();
}

/* ---- rendezvous ------------------------------------------------------------ */

static _Atomic int sent_returned;

static void *send_then_mark(void *arg)
{
    int v = 1234;
    int r = weft_chan_send(g_u, &v);
    atomic_store(&sent_returned, 1);
    return (void *)(intptr_t)r;
}

/* The sender must still be blocked while nobody has received, and return
 * only after the receiver has taken the value.  Both directions between a
 * coroutine and a plain thread, and coroutine to coroutine. */
static void rendezvous(int sender_is_thread)
{
    CHECK_EQ_INT(weft_chan_make(sizeof(int), 0, &g_u), WEFT_OK);
    atomic_store(&sent_returned, 0);
    pthread_t t;
    memset(&t, 0, sizeof t);
    weft_co_t *co = NULL;
    if (sender_is_thread)
        t = thread(send_then_mark, NULL);
    else
        co = spawn(send_then_mark, NULL);
    wait_queued(g_u, WEFT_SEND, 1);
    sleep_ms(30);
    CHECK_EQ_INT(atomic_load(&sent_returned), 0); /* nobody took it yet */
    int v = 0;
    CHECK_EQ_INT(weft_chan_recv(g_u, &v), WEFT_OK);
    CHECK_EQ_INT(v, 1234);
    CHECK_EQ_INT(sender_is_thread ? join_thread(t) : join_co(co), WEFT_OK);
    CHECK_EQ_INT(atomic_load(&sent_returned), 1);
    weft_chan_release(g_u);
}

WEFT_TEST(rendezvous_thread_sender_plain_receiver)
{
    rendezvous(1);
    weft_shutdown();
}

WEFT_TEST(rendezvous_coroutine_sender_plain_receiver)
{
    rendezvous(0);
    weft_shutdown();
}

static void *rendezvous_in_co(void *arg)
{
    rendezvous((int)(intptr_t)arg);
    return NULL;
}

WEFT_TEST(rendezvous_inside_coroutines)
{
    CHECK_EQ_INT(join_co(spawn(rendezvous_in_co, (void *)0)), 0);
    CHECK_EQ_INT(join_co(spawn(rendezvous_in_co, (void *)1)), 0);
    weft_shutdown();
}

/* A receiver that is already waiting gets the value copied straight into
 * its elem; a ping-pong of many round trips checks order and values. */
static weft_chan_t *g_ping, *g_pong;

static void *echo(void *arg)
{
    int64_t v;
    while (weft_chan_recv(g_ping, &v) == WEFT_OK)
        CHECK_EQ_INT(weft_chan_send(g_pong, &v), WEFT_OK);
    weft_chan_close(g_pong);
    return NULL;
}

static void ping_pong(int n, int echo_is_thread)
{
    CHECK_EQ_INT(weft_chan_make(sizeof(int64_t), 0, &g_ping), WEFT_OK);
    CHECK_EQ_INT(weft_chan_make(sizeof(int64_t), 0, &g_pong), WEFT_OK);
    pthread_t t;
    memset(&t, 0, sizeof t);
    weft_co_t *co = NULL;
    if (echo_is_thread)
        t = thread(echo, NULL);
    else
        co = spawn(echo, NULL);
    for (int64_t i = 0; i < n; i++) {
        int64_t v = -1;
        CHECK_EQ_INT(weft_chan_send(g_ping, &i), WEFT_OK);
        CHECK_EQ_INT(weft_chan_recv(g_pong, &v), WEFT_OK);
        CHECK_EQ_INT(v, i);
    }
    CHECK_EQ_INT(weft_chan_close(g_ping), WEFT_OK);
    CHECK_EQ_INT(weft_chan_recv(g_pong, NULL), WEFT_ECLOSED);
    if (echo_is_thread)
        join_thread(t);
    else
        join_co(co);
    weft_chan_release(g_ping);
    weft_chan_release(g_pong);
}

static void *ping_pong_co(void *arg)
{
    ping_pong(20000, (int)(intptr_t)arg);
    return NULL;
}

WEFT_TEST(ping_pong_every_pairing)
{
    ping_pong(5000, 0); /* thread <-> coroutine */
    ping_pong(5000, 1); /* thread <-> thread, runtime not involved */
    join_co(spawn(ping_pong_co, (void *)0)); /* coroutine <-> coroutine */
    join_co(spawn(ping_pong_co, (void *)1)); /* coroutine <-> thread */
    weft_shutdown();
}

WEFT_TEST(zero_size_elements_and_discarding_receives)
{
    weft_chan_t *c;
    CHECK_EQ_INT(weft_chan_make(0, 0, &c), WEFT_OK);
    g_u = c;
    weft_co_t *co = spawn(recv_one, NULL);
    wait_queued(c, WEFT_RECV, 1);
    CHECK_EQ_INT(weft_chan_send(c, NULL), WEFT_OK);
    CHECK_EQ_INT(join_co(co), -1); /* the receiver's int untouched: 0 bytes */
    weft_chan_release(c);

    CHECK_EQ_INT(weft_chan_make(0, 2, &c), WEFT_OK);
    CHECK_EQ_INT(weft_chan_send(c, NULL), WEFT_OK);
    CHECK_EQ_INT(weft_chan_send(c, NULL), WEFT_OK);
    CHECK_EQ_INT(weft_chan_try_send(c, NULL), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_chan_recv(c, NULL), WEFT_OK);
    CHECK_EQ_INT(weft_chan_len(c), 1);
    weft_chan_release(c);

    /* discard with a real element size, from a waiting sender */
    CHECK_EQ_INT(weft_chan_make(sizeof(int), 0, &g_u), WEFT_OK);
    co = spawn(send_arg, (void *)5);
    wait_queued(g_u, WEFT_SEND, 1);
    CHECK_EQ_INT(weft_chan_recv(g_u, NULL), WEFT_OK);
    CHECK_EQ_INT(join_co(co), WEFT_OK);
    weft_chan_release(g_u);
    weft_shutdown();
}

/* A sender blocked on a full buffer is served in FIFO order when space
 * frees up: its value goes to the tail. */
static weft_chan_t *g_b;
static void *send_to_b(void *arg)
{
    int64_t v = (int64_t)(intptr_t)arg;
    return (void *)(intptr_t)weft_chan_send(g_b, &v);
}

WEFT_TEST(blocked_senders_queue_behind_the_buffer_in_order)
{
    CHECK_EQ_INT(weft_chan_make(sizeof(int64_t), 2, &g_b), WEFT_OK);
    int64_t v;
    for (v = 0; v < 2; v++)
        CHECK_EQ_INT(weft_chan_send(g_b, &v), WEFT_OK);
    weft_co_t *cos[4];
    for (int i = 0; i < 4; i++) {
        cos[i] = spawn(send_to_b, (void *)(intptr_t)(2 + i));
        wait_queued(g_b, WEFT_SEND, i + 1);
    }
    for (int64_t i = 0; i < 6; i++) {
        CHECK_EQ_INT(weft_chan_recv(g_b, &v), WEFT_OK);
        CHECK_EQ_INT(v, i);
    }
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(join_co(cos[i]), WEFT_OK);
    CHECK_EQ_INT(weft_chan_len(g_b), 0);
    weft_chan_release(g_b);
    weft_shutdown();
}

/* ---- deadlines --------------------------------------------------------------- */

static void *timeouts(void *arg)
{
    weft_chan_t *u, *b;
    CHECK_EQ_INT(weft_chan_make(sizeof(int), 0, &u), WEFT_OK);
    CHECK_EQ_INT(weft_chan_make(sizeof(int), 1, &b), WEFT_OK);
    int v = 3;
    int64_t t0 = weft_now();
    CHECK_EQ_INT(weft_chan_recv_until(u, &v, t0 + 20000000), WEFT_ETIMEDOUT);
    CHECK(weft_now() - t0 >= 20000000);
    CHECK_EQ_INT(v, 3); /* untouched */
    t0 = weft_now();
    CHECK_EQ_INT(weft_chan_send_until(u, &v, t0 + 20000000), WEFT_ETIMEDOUT);
    CHECK(weft_now() - t0 >= 20000000);
    CHECK_EQ_INT(weft_chan_send_until(b, &v, weft_now() + 20000000), WEFT_OK); /* room */
    t0 = weft_now();
    CHECK_EQ_INT(weft_chan_send_until(b, &v, t0 + 10000000), WEFT_ETIMEDOUT);
    CHECK(weft_now() - t0 >= 10000000);
    /* a deadline in the past: no wait at all, unless it can complete */
    CHECK_EQ_INT(weft_chan_recv_until(u, &v, 0), WEFT_ETIMEDOUT);
    CHECK_EQ_INT(weft_chan_send_until(u, &v, 1), WEFT_ETIMEDOUT);
    CHECK_EQ_INT(weft_chan_recv_until(b, &v, 0), WEFT_OK);
    /* the timed-out waiters left no trace */
    CHECK_EQ_INT(nqueued(u, WEFT_RECV) + nqueued(u, WEFT_SEND), 0);
    CHECK_EQ_INT(weft_chan_try_send(u, &v), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_chan_try_recv(u, &v), WEFT_EAGAIN);
    weft_chan_release(u);
    weft_chan_release(b);
    return NULL;
}

WEFT_TEST(deadlines_from_a_coroutine_and_a_thread)
{
    join_co(spawn(timeouts, NULL));
    timeouts(NULL);
    weft_shutdown();
}

/* Many receivers with staggered deadlines on one channel while a sender
 * trickles values: every value is received exactly once, every receiver
 * either got one or timed out. */
static _Atomic int64_t got_sum, got_n, timed_out;
static void *timed_receiver(void *arg)
{
    int64_t v;
    int r = weft_chan_recv_until(g_u, &v, weft_now() + 1000000 * (1 + (intptr_t)arg % 20));
    if (r == WEFT_OK) {
        atomic_fetch_add(&got_sum, v);
        atomic_fetch_add(&got_n, 1);
    } else {
        CHECK_EQ_INT(r, WEFT_ETIMEDOUT);
        atomic_fetch_add(&timed_out, 1);
    }
    return NULL;
}

WEFT_TEST(deadlines_racing_with_senders)
{
    CHECK_EQ_INT(weft_chan_make(sizeof(int64_t), 0, &g_u), WEFT_OK);
    int64_t sent = 0, sent_sum = 0;
    for (int round = 0; round < 10; round++) {
        weft_co_t *cos[100];
        for (int i = 0; i < 100; i++)
            cos[i] = spawn(timed_receiver, (void *)(intptr_t)i);
        int64_t end = weft_now() + 25000000;
        for (int64_t v = 1; weft_now() < end; v++) {
            if (weft_chan_send_until(g_u, &v, weft_now() + 2000000) == WEFT_OK) {
                sent++;
                sent_sum += v;
            }
        }
        for (int i = 0; i < 100; i++)
            join_co(cos[i]);
    }
    CHECK_EQ_INT(atomic_load(&got_n), sent);
    CHECK_EQ_INT(atomic_load(&got_sum), sent_sum);
    CHECK_EQ_INT(atomic_load(&got_n) + atomic_load(&timed_out), 1000);
    CHECK_EQ_INT(nqueued(g_u, WEFT_RECV) + nqueued(g_u, WEFT_SEND), 0);
    weft_chan_release(g_u);
    weft_shutdown();
}

/* ---- cancellation ---------------------------------------------------------------- */

static void *recv_forever(void *arg)
{
    int64_t v = 77;
    int r = weft_chan_recv((weft_chan_t *)arg, &v);
    CHECK_EQ_INT(v, r == WEFT_ECLOSED ? 0 : 77); /* closed: zeroed; cancelled: untouched */
    return (void *)(intptr_t)r;
}

static void *send_forever(void *arg)
{
    int64_t v = 1;
    return (void *)(intptr_t)weft_chan_send((weft_chan_t *)arg, &v);
}

static void cancel_blocked(weft_chan_t *c, void *(*fn)(void *), int dir)
{
    weft_co_t *co = spawn(fn, c);
    wait_queued(c, dir, 1);
    CHECK_EQ_INT(weft_cancel(co), WEFT_OK);
    CHECK_EQ_INT(join_co(co), WEFT_ECANCELED);
    /* nothing left queued: the channel behaves as if nobody had waited */
    CHECK_EQ_INT(nqueued(c, WEFT_RECV) + nqueued(c, WEFT_SEND), 0);
}

WEFT_TEST(cancel_a_blocked_send_and_recv)
{
    weft_chan_t *u, *b;
    CHECK_EQ_INT(weft_chan_make(sizeof(int64_t), 0, &u), WEFT_OK);
    CHECK_EQ_INT(weft_chan_make(sizeof(int64_t), 1, &b), WEFT_OK);
    int64_t v = 0;
    cancel_blocked(u, recv_forever, WEFT_RECV);
    cancel_blocked(u, send_forever, WEFT_SEND);
    cancel_blocked(b, recv_forever, WEFT_RECV);
    CHECK_EQ_INT(weft_chan_send(b, &v), WEFT_OK); /* full */
    cancel_blocked(b, send_forever, WEFT_SEND);
    CHECK_EQ_INT(weft_chan_try_send(u, &v), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_chan_try_recv(u, &v), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_chan_len(b), 1);
    weft_chan_release(u);
    weft_chan_release(b);
    weft_shutdown();
}

WEFT_TEST(cancel_before_blocking_and_while_blocked)
{
    weft_chan_t *u;
    CHECK_EQ_INT(weft_chan_make(sizeof(int64_t), 0, &u), WEFT_OK);
    for (int i = 0; i < 200; i++) {
        weft_co_t *co = spawn(i % 2 ? recv_forever : send_forever, u);
        if (i % 3 == 0)
            weft_cancel(co); /* likely before it blocks */
        else if (i % 3 == 1)
            weft_yield(), weft_cancel(co);
        else {
            wait_queued(u, i % 2 ? WEFT_RECV : WEFT_SEND, 1);
            weft_cancel(co);
        }
        CHECK_EQ_INT(join_co(co), WEFT_ECANCELED);
    }
    CHECK_EQ_INT(nqueued(u, WEFT_RECV) + nqueued(u, WEFT_SEND), 0);
    weft_chan_release(u);
    weft_shutdown();
}

/* ---- close wakes every waiter ----------------------------------------------------- */

#define NWAIT 16

WEFT_TEST(close_wakes_every_waiter_coroutines_and_threads)
{
    weft_chan_t *u, *b;
    CHECK_EQ_INT(weft_chan_make(sizeof(int64_t), 0, &u), WEFT_OK);
    CHECK_EQ_INT(weft_chan_make(sizeof(int64_t), 2, &b), WEFT_OK);
    int64_t v = 0;
    CHECK_EQ_INT(weft_chan_send(b, &v), WEFT_OK);
    v = 1;
    CHECK_EQ_INT(weft_chan_send(b, &v), WEFT_OK); /* b is full */
    weft_co_t *cr[NWAIT], *cs[NWAIT];
    pthread_t tr[NWAIT / 4], ts[NWAIT / 4];
    for (int i = 0; i < NWAIT; i++) {
        cr[i] = spawn(recv_forever, u);
        cs[i] = spawn(send_forever, b);
    }
    for (int i = 0; i < NWAIT / 4; i++) {
        tr[i] = thread(recv_forever, u);
        ts[i] = thread(send_forever, b);
    }
    wait_queued(u, WEFT_RECV, NWAIT + NWAIT / 4);
    wait_queued(b, WEFT_SEND, NWAIT + NWAIT / 4);
    CHECK_EQ_INT(weft_chan_close(u), WEFT_OK);
    CHECK_EQ_INT(weft_chan_close(b), WEFT_OK);
    for (int i = 0; i < NWAIT; i++) {
        CHECK_EQ_INT(join_co(cr[i]), WEFT_ECLOSED);
        CHECK_EQ_INT(join_co(cs[i]), WEFT_ECLOSED);
    }
    for (int i = 0; i < NWAIT / 4; i++) {
        CHECK_EQ_INT(join_thread(tr[i]), WEFT_ECLOSED);
        CHECK_EQ_INT(join_thread(ts[i]), WEFT_ECLOSED);
    }
    /* the buffered values survive the close */
    CHECK_EQ_INT(weft_chan_recv(b, &v), WEFT_OK);
    CHECK_EQ_INT(v, 0);
    CHECK_EQ_INT(weft_chan_recv(b, &v), WEFT_OK);
    CHECK_EQ_INT(v, 1);
    CHECK_EQ_INT(weft_chan_recv(b, &v), WEFT_ECLOSED);
    weft_chan_release(u);
    weft_chan_release(b);
    weft_shutdown();
}

/* ---- MPMC stress with exact accounting ------------------------------------------------ */

#define PER_PRODUCER 20000
#define MAXP 8

struct mpmc {
    weft_chan_t *c;
    int nprod;
    _Atomic int64_t count, sum;
    _Atomic unsigned char *seen; /* one flag per message: exactly once */
};
static struct mpmc M;

static void *producer(void *arg)
{
    int64_t p = (int64_t)(intptr_t)arg;
    for (int64_t i = 0; i < PER_PRODUCER; i++) {
        int64_t v = p * PER_PRODUCER + i;
        CHECK_EQ_INT(weft_chan_send(M.c, &v), WEFT_OK);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    int64_t v, n = 0, s = 0;
    int r;
    while ((r = weft_chan_recv(M.c, &v)) == WEFT_OK) {
        CHECK(v >= 0 && v < (int64_t)M.nprod * PER_PRODUCER);
        if (atomic_exchange(&M.seen[v], 1))
            WEFT_FAIL("message %lld delivered twice", (long long)v);
        n++;
        s += v;
    }
    CHECK_EQ_INT(r, WEFT_ECLOSED);
    atomic_fetch_add(&M.count, n);
    atomic_fetch_add(&M.sum, s);
    return NULL;
}

/* nprod producers and ncons consumers, the first `threads` of each kind
 * plain threads, the rest coroutines. */
static void mpmc(size_t cap, int nprod, int ncons, int threads)
{
    CHECK_EQ_INT(weft_chan_make(sizeof(int64_t), cap, &M.c), WEFT_OK);
    M.nprod = nprod;
    atomic_store(&M.count, 0);
    atomic_store(&M.sum, 0);
    int64_t total = (int64_t)nprod * PER_PRODUCER;
    M.seen = calloc((size_t)total, 1);
    pthread_t pt[MAXP], ct[MAXP];
    weft_co_t *pc[MAXP], *cc[MAXP];
    for (int i = 0; i < ncons; i++) {
        if (i < threads)
            ct[i] = thread(consumer, NULL);
        else
            cc[i] = spawn(consumer, NULL);
    }
    for (int i = 0; i < nprod; i++) {
        if (i < threads)
            pt[i] = thread(producer, (void *)(intptr_t)i);
        else
            pc[i] = spawn(producer, (void *)(intptr_t)i);
    }
    for (int i = 0; i < nprod; i++)
        i < threads ? (void)join_thread(pt[i]) : (void)join_co(pc[i]);
    CHECK_EQ_INT(weft_chan_close(M.c), WEFT_OK);
    for (int i = 0; i < ncons; i++)
        i < threads ? (void)join_thread(ct[i]) : (void)join_co(cc[i]);
    CHECK_EQ_INT(atomic_load(&M.count), total);
    CHECK_EQ_INT(atomic_load(&M.sum), total * (total - 1) / 2);
    for (int64_t v = 0; v < total; v++)
        if (!M.seen[v])
            WEFT_FAIL("message %lld lost", (long long)v);
    free((void *)M.seen);
    weft_chan_release(M.c);
}

WEFT_TEST(mpmc_unbuffered_coroutines_and_threads)
{
    weft_config_t cfg = { 4, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    mpmc(0, 4, 4, 2);
    mpmc(0, 1, 6, 1);
    mpmc(0, 6, 1, 0);
    weft_shutdown();
}

WEFT_TEST(mpmc_buffered_coroutines_and_threads)
{
    weft_config_t cfg = { 4, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    mpmc(1, 4, 4, 2);
    mpmc(64, 4, 4, 1);
    mpmc(1024, 6, 2, 2);
    weft_shutdown();
}

WEFT_TEST(mpmc_one_worker)
{
    weft_config_t cfg = { 1, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    mpmc(0, 4, 4, 1);
    mpmc(16, 4, 4, 1);
    weft_shutdown();
}

WEFT_TEST_MAIN()
