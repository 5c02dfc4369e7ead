/* test_select.c - weft_select: arguments, default, timeout, fairness,
 * NULL cases, the same channel twice, closed channels, wake-ups from
 * coroutines and threads, cancellation, many cases, and MPMC stress with
 * exact accounting where both ends select. */
#include "harness.h"
#include "chan_helpers.h"
#include "rt_helpers.h"
#include "weft.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* ---- helpers ------------------------------------------------------------ */

static weft_chan_t *mk(size_t cap)
{
    weft_chan_t *c;
    CHECK_EQ_INT(weft_chan_make(sizeof(int64_t), cap, &c), WEFT_OK);
    return c;
}

/* ---- arguments, default, timeout ------------------------------------------- */

WEFT_TEST(bad_arguments_and_empty_selects)
{
    weft_chan_t *c = mk(1);
    int64_t v = 1;
    weft_case_t k[2] = { { c, WEFT_RECV, &v, 0 }, { c, 3, &v, 0 } };
    CHECK_EQ_INT(weft_select(k, -1, 0), WEFT_EINVAL);
    CHECK_EQ_INT(weft_select(NULL, 1, 0), WEFT_EINVAL);
    CHECK_EQ_INT(weft_select(k, 2, 0), WEFT_EINVAL); /* dir 3 */
    k[1].dir = 0;
    CHECK_EQ_INT(weft_select(k, 2, 0), WEFT_EINVAL);
    k[1].dir = WEFT_SEND;
    k[1].elem = NULL;
    CHECK_EQ_INT(weft_select(k, 2, 0), WEFT_EINVAL); /* send needs a value */
    k[1].chan = NULL;
    CHECK_EQ_INT(weft_select(k, 2, 0), WEFT_EAGAIN); /* but not on a NULL channel */
    CHECK_EQ_INT(weft_select(NULL, 0, 0), WEFT_EAGAIN);
    int64_t t0 = weft_now();
    CHECK_EQ_INT(weft_select(NULL, 0, t0 + 10000000), WEFT_ETIMEDOUT);
    CHECK(weft_now() - t0 >= 10000000);
    weft_chan_release(c);
}

WEFT_TEST(default_case)
{
    weft_chan_t *a = mk(0), *b = mk(1);
    int64_t va = -1, vb = -1, out = 5;
    weft_case_t k[3] = { { a, WEFT_RECV, &va, 0 }, { b, WEFT_RECV, &vb, 0 }, { a, WEFT_SEND, &out, 0 } };
    CHECK_EQ_INT(weft_select(k, 3, 0), WEFT_EAGAIN);
    CHECK_EQ_INT(va, -1);
    CHECK_EQ_INT(vb, -1);
    int64_t x = 9;
    CHECK_EQ_INT(weft_chan_send(b, &x), WEFT_OK);
    CHECK_EQ_INT(weft_select(k, 3, 0), 1);
    CHECK_EQ_INT(vb, 9);
    CHECK_EQ_INT(k[1].closed, 0);
    CHECK_EQ_INT(weft_select(k, 3, 0), WEFT_EAGAIN);
    /* a past deadline is a timeout, not a default */
    CHECK_EQ_INT(weft_select(k, 3, 1), WEFT_ETIMEDOUT);
    weft_chan_release(a);
    weft_chan_release(b);
}

static void *timeout_select(void *arg)
{
    weft_chan_t *a = mk(0), *b = mk(4);
    int64_t v = 0, w = 1;
    weft_case_t k[3] = { { a, WEFT_RECV, &v, 0 }, { b, WEFT_RECV, &v, 0 }, { a, WEFT_SEND, &w, 0 } };
    int64_t t0 = weft_now();
    CHECK_EQ_INT(weft_select(k, 3, t0 + 20000000), WEFT_ETIMEDOUT);
    CHECK(weft_now() - t0 >= 20000000);
    CHECK_EQ_INT(nqueued_all(a) + nqueued_all(b), 0);
    weft_chan_release(a);
    weft_chan_release(b);
    return NULL;
}

WEFT_TEST(timeout_from_a_coroutine_and_a_thread)
{
    join_co(spawn(timeout_select, NULL));
    timeout_select(NULL);
    weft_shutdown();
}

/* ---- fairness ------------------------------------------------------------------ */

WEFT_TEST(fair_among_ready_cases)
{
    enum { N = 10000 };
    weft_chan_t *a = mk(1), *b = mk(1);
    int64_t v = 0;
    CHECK_EQ_INT(weft_chan_send(a, &v), WEFT_OK);
    CHECK_EQ_INT(weft_chan_send(b, &v), WEFT_OK);
    /* two ready receives (plus a NULL case that must never fire) */
    weft_case_t k[3] = { { a, WEFT_RECV, &v, 0 }, { NULL, WEFT_RECV, &v, 0 }, { b, WEFT_RECV, &v, 0 } };
    int hits[3] = { 0 };
    for (int i = 0; i < N; i++) {
        int r = weft_select(k, 3, -1);
        CHECK(r == 0 || r == 2);
        hits[r]++;
        CHECK_EQ_INT(weft_chan_send(k[r].chan, &v), WEFT_OK); /* make it ready again */
    }
    CHECK_EQ_INT(hits[1], 0);
    if (hits[0] < N * 4 / 10 || hits[2] < N * 4 / 10)
        WEFT_FAIL("unfair: %d vs %d", hits[0], hits[2]);

    /* three ready sends */
    weft_chan_t *c = mk(1);
    CHECK_EQ_INT(weft_chan_recv(a, NULL), WEFT_OK);
    CHECK_EQ_INT(weft_chan_recv(b, NULL), WEFT_OK);
    weft_case_t s[3] = { { a, WEFT_SEND, &v, 0 }, { b, WEFT_SEND, &v, 0 }, { c, WEFT_SEND, &v, 0 } };
    int sh[3] = { 0 };
    for (int i = 0; i < 3 * N; i++) {
        int r = weft_select(s, 3, 0);
        CHECK(r >= 0 && r < 3);
        sh[r]++;
        CHECK_EQ_INT(weft_chan_recv(s[r].chan, NULL), WEFT_OK);
    }
    for (int i = 0; i < 3; i++)
        if (sh[i] < N * 9 / 10 || sh[i] > N * 11 / 10)
            WEFT_FAIL("unfair sends: %d %d %d", sh[0], sh[1], sh[2]);
    weft_chan_release(a);
    weft_chan_release(b);
    weft_chan_release(c);
}

/* ---- NULL cases, the same channel twice ------------------------------------------ */

WEFT_TEST(nil_cases_never_fire)
{
    weft_chan_t *c = mk(1);
    int64_t v = 3, out = 0;
    CHECK_EQ_INT(weft_chan_send(c, &v), WEFT_OK);
    weft_case_t k[4] = { { NULL, WEFT_RECV, &out, 0 }, { NULL, WEFT_SEND, &v, 0 }, { c, WEFT_RECV, &out, 0 },
                         { NULL, WEFT_RECV, NULL, 0 } };
    for (int i = 0; i < 100; i++) {
        CHECK_EQ_INT(weft_select(k, 4, -1), 2);
        CHECK_EQ_INT(out, 3);
        CHECK_EQ_INT(weft_chan_send(c, &v), WEFT_OK);
    }
    weft_case_t nil[2] = { { NULL, WEFT_RECV, &out, 0 }, { NULL, WEFT_SEND, &v, 0 } };
    CHECK_EQ_INT(weft_select(nil, 2, 0), WEFT_EAGAIN);
    CHECK_EQ_INT(weft_select(nil, 2, weft_now() + 5000000), WEFT_ETIMEDOUT);
    weft_chan_release(c);
}

static weft_case_t *g_cases;
static int g_ncases;

static void *select_forever(void *arg)
{
    return (void *)(intptr_t)weft_select(g_cases, g_ncases, -1);
}

static void *select_arg(void *arg)
{
    weft_case_t *k = arg;
    return (void *)(intptr_t)weft_select(k, 2, -1);
}

WEFT_TEST(same_channel_twice)
{
    /* two ready receives of the one value: exactly one fires */
    weft_chan_t *b = mk(1);
    int64_t v = 11, x = -1, y = -1;
    CHECK_EQ_INT(weft_chan_send(b, &v), WEFT_OK);
    weft_case_t k[2] = { { b, WEFT_RECV, &x, 0 }, { b, WEFT_RECV, &y, 0 } };
    int r = weft_select(k, 2, 0);
    CHECK(r == 0 || r == 1);
    CHECK_EQ_INT(r == 0 ? x : y, 11);
    CHECK_EQ_INT(r == 0 ? y : x, -1);
    CHECK_EQ_INT(weft_select(k, 2, 0), WEFT_EAGAIN);
    /* recv and send on the same empty buffered channel: only the send is ready */
    weft_case_t rs[2] = { { b, WEFT_RECV, &x, 0 }, { b, WEFT_SEND, &v, 0 } };
    CHECK_EQ_INT(weft_select(rs, 2, 0), 1);
    CHECK_EQ_INT(weft_select(rs, 2, 0), 0); /* now only the receive */

    /* blocked on two receives of one unbuffered channel: one value wakes
     * exactly one case, and the other case's waiter is gone */
    weft_chan_t *u = mk(0);
    x = y = -1;
    weft_case_t k2[2] = { { u, WEFT_RECV, &x, 0 }, { u, WEFT_RECV, &y, 0 } };
    g_cases = k2;
    g_ncases = 2;
    weft_co_t *co = spawn(select_forever, NULL);
    wait_queued(u, WEFT_RECV, 2);
    v = 12;
    CHECK_EQ_INT(weft_chan_send(u, &v), WEFT_OK);
    r = (int)join_co(co);
    CHECK(r == 0 || r == 1);
    CHECK_EQ_INT(r == 0 ? x : y, 12);
    CHECK_EQ_INT(r == 0 ? y : x, -1);
    CHECK_EQ_INT(nqueued_all(u), 0);
    CHECK_EQ_INT(weft_chan_try_send(u, &v), WEFT_EAGAIN);

    /* blocked on send and receive of one unbuffered channel: a receiver
     * takes the send case, then a sender the receive case */
    int64_t out = 21, in = -1;
    weft_case_t k3[2] = { { u, WEFT_SEND, &out, 0 }, { u, WEFT_RECV, &in, 0 } };
    co = spawn(select_arg, k3);
    wait_queued(u, WEFT_SEND, 1);
    wait_queued(u, WEFT_RECV, 1);
    CHECK_EQ_INT(weft_chan_recv(u, &v), WEFT_OK);
    CHECK_EQ_INT(v, 21);
    CHECK_EQ_INT(join_co(co), 0);
    CHECK_EQ_INT(nqueued_all(u), 0);
    co = spawn(select_arg, k3);
    wait_queued(u, WEFT_RECV, 1);
    v = 22;
    CHECK_EQ_INT(weft_chan_send(u, &v), WEFT_OK);
    CHECK_EQ_INT(join_co(co), 1);
    CHECK_EQ_INT(in, 22);
    CHECK_EQ_INT(nqueued_all(u), 0);
    weft_chan_release(b);
    weft_chan_release(u);
    weft_shutdown();
}

/* ---- closed channels ------------------------------------------------------------ */

WEFT_TEST(closed_channels)
{
    weft_chan_t *a = mk(2), *b = mk(0);
    int64_t v = 4, x = -1;
    CHECK_EQ_INT(weft_chan_send(a, &v), WEFT_OK);
    CHECK_EQ_INT(weft_chan_close(a), WEFT_OK);
    weft_case_t k[2] = { { a, WEFT_RECV, &x, 0 }, { b, WEFT_RECV, &x, 0 } };
    CHECK_EQ_INT(weft_select(k, 2, -1), 0); /* the buffered value first */
    CHECK_EQ_INT(x, 4);
    CHECK_EQ_INT(k[0].closed, 0);
    CHECK_EQ_INT(weft_select(k, 2, -1), 0); /* then closed, at once */
    CHECK_EQ_INT(k[0].closed, 1);
    CHECK_EQ_INT(x, 0);
    /* a send case on a closed channel is an error, naming the case */
    weft_case_t s[2] = { { b, WEFT_RECV, &x, 0 }, { a, WEFT_SEND, &v, 0 } };
    CHECK_EQ_INT(weft_select(s, 2, 0), WEFT_ECLOSED);
    CHECK_EQ_INT(s[0].closed, 0);
    CHECK_EQ_INT(s[1].closed, 1);
    weft_chan_release(a);
    weft_chan_release(b);
}

static void *select2(void *arg)
{
    return (void *)(intptr_t)weft_select((weft_case_t *)arg, 2, -1);
}

WEFT_TEST(close_wakes_blocked_selects)
{
    weft_chan_t *a = mk(0), *b = mk(1), *never = mk(0);
    int64_t v = 1, x = -1;
    CHECK_EQ_INT(weft_chan_send(b, &v), WEFT_OK); /* b full */
    weft_case_t kr[2] = { { never, WEFT_RECV, &v, 0 }, { a, WEFT_RECV, &x, 0 } };
    weft_case_t ks[2] = { { never, WEFT_RECV, &v, 0 }, { b, WEFT_SEND, &v, 0 } };
    weft_case_t tr[2] = { { never, WEFT_RECV, &v, 0 }, { a, WEFT_RECV, NULL, 0 } };
    weft_co_t *cr = spawn(select2, kr), *cs = spawn(select2, ks);
    pthread_t t = thread(select2, tr);
    wait_queued(a, WEFT_RECV, 2);
    wait_queued(b, WEFT_SEND, 1);
    CHECK_EQ_INT(weft_chan_close(a), WEFT_OK);
    CHECK_EQ_INT(weft_chan_close(b), WEFT_OK);
    CHECK_EQ_INT(join_co(cr), 1);
    CHECK_EQ_INT(kr[1].closed, 1);
    CHECK_EQ_INT(x, 0);
    CHECK_EQ_INT(join_co(cs), WEFT_ECLOSED);
    CHECK_EQ_INT(ks[1].closed, 1);
    CHECK_EQ_INT(join_thread(t), 1);
    CHECK_EQ_INT(tr[1].closed, 1);
    CHECK_EQ_INT(nqueued_all(never), 0);
    weft_chan_release(a);
    weft_chan_release(b);
    weft_chan_release(never);
    weft_shutdown();
}

/* ---- wake-ups across kinds ---------------------------------------------------------- */

static void *send_one(void *arg)
{
    int64_t v = 77;
    return (void *)(intptr_t)weft_chan_send((weft_chan_t *)arg, &v);
}

static void *recv_one(void *arg)
{
    int64_t v = -1;
    int r = weft_chan_recv((weft_chan_t *)arg, &v);
    return (void *)(intptr_t)(r == WEFT_OK ? v : r);
}

static void *select_recv_then_send(void *arg)
{
    weft_chan_t **ch = arg;
    int64_t x = -1, out = 88;
    weft_case_t k[2] = { { ch[0], WEFT_RECV, &x, 0 }, { ch[1], WEFT_RECV, &x, 0 } };
    int r = weft_select(k, 2, -1);
    CHECK_EQ_INT(r, 1);
    CHECK_EQ_INT(x, 77);
    /* now the select is the sender: rendezvous with a blocked receiver */
    weft_case_t s[2] = { { ch[0], WEFT_SEND, &out, 0 }, { ch[1], WEFT_SEND, &out, 0 } };
    r = weft_select(s, 2, -1);
    return (void *)(intptr_t)r;
}

static void wakeups(int selector_thread, int partner_thread)
{
    weft_chan_t *ch[2] = { mk(0), mk(0) };
    pthread_t st, pt;
    memset(&st, 0, sizeof st);
    memset(&pt, 0, sizeof pt);
    weft_co_t *sc = NULL, *pc = NULL;
    if (selector_thread)
        st = thread(select_recv_then_send, ch);
    else
        sc = spawn(select_recv_then_send, ch);
    wait_queued(ch[1], WEFT_RECV, 1);
    if (partner_thread)
        pt = thread(send_one, ch[1]);
    else
        pc = spawn(send_one, ch[1]);
    CHECK_EQ_INT(partner_thread ? join_thread(pt) : join_co(pc), WEFT_OK);
    wait_queued(ch[0], WEFT_SEND, 1);
    if (partner_thread)
        pt = thread(recv_one, ch[0]);
    else
        pc = spawn(recv_one, ch[0]);
    CHECK_EQ_INT(partner_thread ? join_thread(pt) : join_co(pc), 88);
    CHECK_EQ_INT(selector_thread ? join_thread(st) : join_co(sc), 0);
    CHECK_EQ_INT(nqueued_all(ch[0]) + nqueued_all(ch[1]), 0);
    weft_chan_release(ch[0]);
    weft_chan_release(ch[1]);
}

WEFT_TEST(wakeups_between_coroutines_and_threads)
{
    wakeups(0, 0);
    wakeups(0, 1);
    wakeups(1, 0);
    wakeups(1, 1);
    weft_shutdown();
}

/* ---- cancellation ---------------------------------------------------------------- */

WEFT_TEST(cancel_a_blocked_select)
{
    weft_chan_t *a = mk(0), *b = mk(1);
    int64_t v = 0, x = 5;
    CHECK_EQ_INT(weft_chan_send(b, &v), WEFT_OK); /* b full */
    weft_case_t k[2] = { { a, WEFT_RECV, &x, 0 }, { b, WEFT_SEND, &v, 0 } };
    for (int i = 0; i < 50; i++) {
        weft_co_t *co = spawn(select2, k);
        if (i % 2) {
            wait_queued(a, WEFT_RECV, 1);
            wait_queued(b, WEFT_SEND, 1);
        }
        CHECK_EQ_INT(weft_cancel(co), WEFT_OK);
        CHECK_EQ_INT(join_co(co), WEFT_ECANCELED);
        CHECK_EQ_INT(nqueued_all(a) + nqueued_all(b), 0);
        CHECK_EQ_INT(x, 5);
    }
    weft_chan_release(a);
    weft_chan_release(b);
    weft_shutdown();
}

/* ---- many cases ------------------------------------------------------------------- */

#define MANY 40
static weft_chan_t *many[MANY];
static weft_case_t many_k[MANY];
static int64_t many_v[MANY];

WEFT_TEST(many_cases_with_duplicates)
{
    for (int i = 0; i < MANY; i++) {
        if (i % 4 == 3)
            many[i] = many[i - 1]; /* duplicates */
        else
            many[i] = mk(0);
        many_k[i] = (weft_case_t){ i % 9 == 0 ? NULL : many[i], WEFT_RECV, &many_v[i], 0 };
        many_v[i] = -1;
    }
    for (int round = 0; round < 20; round++) {
        int target = 1 + (round * 7) % (MANY - 1);
        if (target % 9 == 0)
            target++;
        g_cases = many_k;
        g_ncases = MANY;
        weft_co_t *co = spawn(select_forever, NULL);
        wait_queued(many[MANY - 1], WEFT_RECV, 2);
        int64_t v = 1000 + round;
        CHECK_EQ_INT(weft_chan_send(many[target], &v), WEFT_OK);
        int r = (int)join_co(co);
        CHECK(many_k[r].chan == many[target]);
        CHECK_EQ_INT(many_v[r], 1000 + round);
        many_v[r] = -1;
        for (int i = 0; i < MANY; i++) {
            CHECK_EQ_INT(many_v[i], -1);
            CHECK_EQ_INT(nqueued_all(many[i]), 0);
        }
    }
    for (int i = 0; i < MANY; i++)
        if (i % 4 != 3)
            weft_chan_release(many[i]);
    weft_shutdown();
}

/* ---- MPMC stress where both ends select ------------------------------------------- */

#define PER_PRODUCER 10000
#define MAXP 8

struct mpmc {
    weft_chan_t *c[2];
    int nprod;
    _Atomic int64_t count, sum;
    _Atomic unsigned char *seen;
};
static struct mpmc M;

/* Sends each value on whichever of the two channels takes it first;
 * a NULL case and a never-ready receive ride along. */
static void *producer(void *arg)
{
    int64_t p = (int64_t)(intptr_t)arg;
    weft_chan_t *never = mk(0);
    for (int64_t i = 0; i < PER_PRODUCER; i++) {
        int64_t v = p * PER_PRODUCER + i, junk;
        weft_case_t k[4] = { { M.c[0], WEFT_SEND, &v, 0 }, { NULL, WEFT_RECV, &junk, 0 },
                             { M.c[1], WEFT_SEND, &v, 0 }, { never, WEFT_RECV, &junk, 0 } };
        int r = weft_select(k, 4, -1);
        CHECK(r == 0 || r == 2);
    }
    weft_chan_release(never);
    return NULL;
}

/* Plain-send producers mixed in, to meet selecting receivers. */
static void *plain_producer(void *arg)
{
    int64_t p = (int64_t)(intptr_t)arg;
    for (int64_t i = 0; i < PER_PRODUCER; i++) {
        int64_t v = p * PER_PRODUCER + i;
        CHECK_EQ_INT(weft_chan_send(M.c[i & 1], &v), WEFT_OK);
    }
    return NULL;
}

static void account(int64_t v, int64_t *n, int64_t *s)
{
    CHECK(v >= 0 && v < (int64_t)M.nprod * PER_PRODUCER);
    if (atomic_exchange(&M.seen[v], 1))
        WEFT_FAIL("message %lld delivered twice", (long long)v);
    ++*n;
    *s += v;
}

static void *consumer(void *arg)
{
    int64_t n = 0, s = 0, a = -1, b = -1;
    weft_case_t k[2] = { { M.c[0], WEFT_RECV, &a, 0 }, { M.c[1], WEFT_RECV, &b, 0 } };
    int open = 2;
    while (open) {
        int r = weft_select(k, 2, -1);
        CHECK(r == 0 || r == 1);
        if (k[r].closed) {
            k[r].chan = NULL; /* Go's idiom: a nil channel stops that case */
            open--;
            continue;
        }
        account(r == 0 ? a : b, &n, &s);
    }
    atomic_fetch_add(&M.count, n);
    atomic_fetch_add(&M.sum, s);
    return NULL;
}

static void *plain_consumer(void *arg)
{
    int64_t n = 0, s = 0, v;
    int which = (int)(intptr_t)arg & 1;
    while (weft_chan_recv(M.c[which], &v) == WEFT_OK)
        account(v, &n, &s);
    /* drain the other one too, so nothing is stranded */
    while (weft_chan_recv(M.c[!which], &v) == WEFT_OK)
        account(v, &n, &s);
    atomic_fetch_add(&M.count, n);
    atomic_fetch_add(&M.sum, s);
    return NULL;
}

static void mpmc(size_t cap, int nprod, int ncons, int threads)
{
    M.c[0] = mk(cap);
    M.c[1] = mk(cap);
    M.nprod = nprod;
    atomic_store(&M.count, 0);
    atomic_store(&M.sum, 0);
    int64_t total = (int64_t)nprod * PER_PRODUCER;
    M.seen = calloc((size_t)total, 1);
    pthread_t pt[MAXP] = {0}, ct[MAXP] = {0}; /* = {0}: gcc -O2 cannot see the i < threads pairing */
    weft_co_t *pc[MAXP], *cc[MAXP];
    /* consumers: i < threads are plain threads; every third is a plain
     * receiver, the rest select */
    for (int i = 0; i < ncons; i++) {
        void *(*fn)(void *) = i % 3 == 2 ? plain_consumer : consumer;
        if (i < threads)
            ct[i] = thread(fn, (void *)(intptr_t)i);
        else
            cc[i] = spawn(fn, (void *)(intptr_t)i);
    }
    for (int i = 0; i < nprod; i++) {
        void *(*fn)(void *) = i % 3 == 2 ? plain_producer : producer;
        if (i < threads)
            pt[i] = thread(fn, (void *)(intptr_t)i);
        else
            pc[i] = spawn(fn, (void *)(intptr_t)i);
    }
    for (int i = 0; i < nprod; i++)
        i < threads ? (void)join_thread(pt[i]) : (void)join_co(pc[i]);
    CHECK_EQ_INT(weft_chan_close(M.c[0]), WEFT_OK);
    CHECK_EQ_INT(weft_chan_close(M.c[1]), WEFT_OK);
    for (int i = 0; i < ncons; i++)
        i < threads ? (void)join_thread(ct[i]) : (void)join_co(cc[i]);
    CHECK_EQ_INT(atomic_load(&M.count), total);
    CHECK_EQ_INT(atomic_load(&M.sum), total * (total - 1) / 2);
    for (int64_t v = 0; v < total; v++)
        if (!M.seen[v])
            WEFT_FAIL("message %lld lost", (long long)v);
    free((void *)M.seen);
    weft_chan_release(M.c[0]);
    weft_chan_release(M.c[1]);
}

WEFT_TEST(mpmc_select_unbuffered)
{
    weft_config_t cfg = { 4, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    mpmc(0, 4, 4, 2);
    mpmc(0, 6, 3, 1);
    weft_shutdown();
}

WEFT_TEST(mpmc_select_buffered)
{
    weft_config_t cfg = { 4, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    mpmc(1, 4, 4, 2);
    mpmc(32, 6, 3, 1);
    weft_shutdown();
}

WEFT_TEST(mpmc_select_one_worker)
{
    weft_config_t cfg = { 1, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    mpmc(0, 3, 3, 1);
    mpmc(8, 3, 3, 1);
    weft_shutdown();
}

WEFT_TEST_MAIN()
