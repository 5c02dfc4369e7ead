/*
 * ext_pingpong.c - the Java channel protocol without Java: two pthreads
 * ping-pong one value over two unbuffered channels through the same
 * weft_jni_* entry points Parking uses, each waiting by spinning on a
 * mailbox of its own that the completing side writes (as Parking's
 * Waiter.delivered), a completed plain channel operation handing the
 * value over (as Parking.handOver).  Beside it, the floor of this
 * machine: one cache line bounced between the same two threads.
 *
 * What it separates: if the Java ping-pong (JMH w3u) costs about what
 * this does, the time is in the native protocol's cache traffic, not in
 * Java, JNI or virtual-thread scheduling.
 *
 * Like Parking, each party passes WEFT_JNI_HAND, so a waiting party sits
 * in the channel's seat (cnative/src/chan.h), and says WEFT_JNI_HANDED
 * at its next start after an outcome came by hand; `ext_pingpong N 0`
 * leaves both out (every waiter queued), for comparison.
 *
 *   ext_pingpong N [hand]   prints ext_ns_per_roundtrip=<v> line_ns_per_roundtrip=<v>
 */
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "weft.h"
#include "weft_jni.h"

#if defined(__x86_64__)
#define relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define relax() __asm__ __volatile__("yield")
#else
#define relax() ((void)0)
#endif

/* One per party (tokens 1 and 2), on lines of their own. */
struct mailbox {
    alignas(128) _Atomic int deliveries;
    int64_t value;
    int seen;   /* the owner's: deliveries consumed */
    int handed; /* the owner's: the last outcome came by hand */
};
static struct mailbox mb[3];
static int64_t ping, pong;
static long n;
static int hand = WEFT_JNI_HAND;

/* The status of a packed result, after delivering its token (with the
 * value, Parking.handOver's way). */
static int deliver(int64_t packed, int64_t value)
{
    int64_t tok = packed >> 16;
    if (tok) {
        struct mailbox *m = &mb[tok];
        m->value = value;
        atomic_store(&m->deliveries, atomic_load_explicit(&m->deliveries, memory_order_relaxed) + 1);
    }
    return (int16_t)packed;
}

/* A parked operation's outcome: in this ping-pong every wait is
 * completed by a plain channel operation of the other party, which
 * handed the outcome over, so, as Parking does then, ask the op record
 * nothing (its next start settles it, ext.c's idle). */
static int64_t await_token(int t)
{
    struct mailbox *m = &mb[t];
    while (atomic_load(&m->deliveries) == m->seen)
        relax();
    m->seen++;
    m->handed = hand != 0;
    return m->value;
}

/* The token of a start, telling op about a hand-over it was not told of. */
static int64_t start_token(int t)
{
    int64_t tok = mb[t].handed ? t | WEFT_JNI_HANDED : t;
    mb[t].handed = 0;
    return tok;
}

static int64_t recv_value(int t, int64_t op, int64_t ch)
{
    if (deliver(weft_jni_chan_recv(op, ch, 1 | hand, start_token(t)), 0) == WEFT_JNI_PARKED)
        return await_token(t);
    return weft_jni_op_value(op);
}

static void send_value(int t, int64_t op, int64_t ch, int64_t v)
{
    if (deliver(weft_jni_chan_send(op, ch, v, 1 | hand, start_token(t)), v) == WEFT_JNI_PARKED)
        await_token(t);
}

static void *echo(void *arg)
{
    int64_t op = weft_jni_op_new(8, 0);
    (void)arg;
    for (long i = 0; i < n; i++)
        send_value(2, op, pong, recv_value(2, op, ping));
    weft_jni_op_free(op, mb[2].handed);
    return NULL;
}

static alignas(128) _Atomic long line;

static void *line_echo(void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        while (atomic_load_explicit(&line, memory_order_acquire) != 2 * i + 1)
            relax();
        atomic_store_explicit(&line, 2 * i + 2, memory_order_release);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    n = argc > 1 ? atol(argv[1]) : 1000000;
    if (argc > 2 && atoi(argv[2]) == 0)
        hand = 0;
    if (n <= 0 || weft_jni_runtime_start(1) != WEFT_JNI_OK)
        return 2;
    ping = weft_jni_chan_make(8, 0);
    pong = weft_jni_chan_make(8, 0);
    int64_t op = weft_jni_op_new(8, 0);
    if (ping <= 0 || pong <= 0 || op <= 0)
        return 2;

    pthread_t t;
    pthread_create(&t, NULL, echo, NULL);
    int64_t t0 = weft_now();
    for (long i = 0; i < n; i++) {
        send_value(1, op, ping, i);
        if (recv_value(1, op, pong) != i)
            return 3;
    }
    int64_t ext = weft_now() - t0;
    pthread_join(t, NULL);

    pthread_create(&t, NULL, line_echo, NULL);
    t0 = weft_now();
    for (long i = 0; i < n; i++) {
        atomic_store_explicit(&line, 2 * i + 1, memory_order_release);
        while (atomic_load_explicit(&line, memory_order_acquire) != 2 * i + 2)
            relax();
    }
    int64_t bounce = weft_now() - t0;
    pthread_join(t, NULL);

    weft_jni_op_free(op, mb[1].handed);
    weft_jni_chan_release(ping);
    weft_jni_chan_release(pong);
    printf("ext_ns_per_roundtrip=%.1f line_ns_per_roundtrip=%.1f\n", (double)ext / n, (double)bounce / n);
    return 0;
}
