/* test_gochan.c - what Go's own channel programs check (the Go
 * repository's test/chan/ programs and runtime/chan_test.go), written for
 * Weft's API: select's fairness between cases on one channel (parked or
 * not, sending or receiving), non-blocking races, double select,
 * FIFO, zero-size elements, nil and closed channels in select, a sieve
 * pipeline and many consumers, each at one and two workers. */
#include "harness.h"
#include "chan_helpers.h"
#include "rt_helpers.h"
#include "weft.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

static void workers(int n)
{
    weft_config_t cfg = { n, 0, 0, 0 };
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
}

static weft_chan_t *mk(size_t elem, size_t cap)
{
    weft_chan_t *c;
    CHECK_EQ_INT(weft_chan_make(elem, cap, &c), WEFT_OK);
    return c;
}

/* ---- fairness between cases on the same channel (TestPseudoRandomSend) -- */

#define FAIR_N 100

struct fair {
    weft_chan_t *c;
    int parked;        /* the other side waits until the select has queued */
    int counts[2];
};

/* Go's bound: anything but more than 90% one way. */
static void check_fair(const char *what, const int counts[2])
{
    if (counts[0] > FAIR_N * 9 / 10 || counts[1] > FAIR_N * 9 / 10)
        WEFT_FAIL("%s: case 0 fired %d times, case 1 %d times of %d", what, counts[0], counts[1], FAIR_N);
}

static void *select_two_sends(void *arg)
{
    struct fair *f = arg;
    for (int i = 0; i < FAIR_N; i++) {
        int zero = 0, one = 1;
        weft_case_t cs[2] = { { f->c, WEFT_SEND, &zero, 0 }, { f->c, WEFT_SEND, &one, 0 } };
        CHECK(weft_select(cs, 2, -1) >= 0);
    }
    return NULL;
}

static void pseudo_random_send(int nworkers, int parked)
{
    workers(nworkers);
    struct fair f = { mk(sizeof(int), 0), parked, { 0, 0 } };
    weft_co_t *co = spawn(select_two_sends, &f);
    for (int i = 0; i < FAIR_N; i++) {
        if (parked)
            wait_queued(f.c, WEFT_SEND, 2); /* both cases queued: the select has parked */
        else
            weft_yield();
        int v = -1;
        CHECK_EQ_INT(weft_chan_recv(f.c, &v), WEFT_OK);
        CHECK(v == 0 || v == 1);
        f.counts[v]++;
    }
    join_co(co);
    check_fair(parked ? "parked select, two sends on one channel" : "select, two sends on one channel",
               f.counts);
    weft_chan_release(f.c);
    weft_shutdown();
}

WEFT_TEST(select_sends_on_one_channel_are_fair_parked_1_worker) { pseudo_random_send(1, 1); }
WEFT_TEST(select_sends_on_one_channel_are_fair_parked_2_workers) { pseudo_random_send(2, 1); }
WEFT_TEST(select_sends_on_one_channel_are_fair_1_worker) { pseudo_random_send(1, 0); }
WEFT_TEST(select_sends_on_one_channel_are_fair_2_workers) { pseudo_random_send(2, 0); }

static void *select_two_recvs(void *arg)
{
    struct fair *f = arg;
    for (int i = 0; i < FAIR_N; i++) {
        int a, b;
        weft_case_t cs[2] = { { f->c, WEFT_RECV, &a, 0 }, { f->c, WEFT_RECV, &b, 0 } };
        int r = weft_select(cs, 2, -1);
        CHECK(r == 0 || r == 1);
        f->counts[r]++;
    }
    return NULL;
}

static void pseudo_random_recv(int nworkers, int parked)
{
    workers(nworkers);
    struct fair f = { mk(sizeof(int), 0), parked, { 0, 0 } };
    weft_co_t *co = spawn(select_two_recvs, &f);
    for (int i = 0; i < FAIR_N; i++) {
        if (parked)
            wait_queued(f.c, WEFT_RECV, 2);
        else
            weft_yield();
        CHECK_EQ_INT(weft_chan_send(f.c, &i), WEFT_OK);
    }
    join_co(co);
    check_fair(parked ? "parked select, two receives on one channel" : "select, two receives on one channel",
               f.counts);
    weft_chan_release(f.c);
    weft_shutdown();
}

WEFT_TEST(select_recvs_on_one_channel_are_fair_parked_1_worker) { pseudo_random_recv(1, 1); }
WEFT_TEST(select_recvs_on_one_channel_are_fair_parked_2_workers) { pseudo_random_recv(2, 1); }
WEFT_TEST(select_recvs_on_one_channel_are_fair_1_worker) { pseudo_random_recv(1, 0); }
WEFT_TEST(select_recvs_on_one_channel_are_fair_2_workers) { pseudo_random_recv(2, 0); }

/* ---- non-blocking races (TestNonblockRecvRace, TestNonblockSelectRace) -- */

static void *closer(void *arg)
{
    weft_chan_close(arg);
    return NULL;
}

/* A channel holding a value and being closed: a non-blocking receive must
 * get the value or see it closed, never "would block". */
static void nonblock_recv_race(int nworkers)
{
    workers(nworkers);
    for (int i = 0; i < 2000; i++) {
        weft_chan_t *c = mk(sizeof(int), 1);
        int one = 1;
        CHECK_EQ_INT(weft_chan_send(c, &one), WEFT_OK);
        weft_co_t *co = spawn(closer, c);
        int v;
        int r = weft_chan_try_recv(c, &v);
        if (r != WEFT_OK && r != WEFT_ECLOSED)
            WEFT_FAIL("round %d: try_recv on a full channel being closed gave %d", i, r);
        join_co(co);
        weft_chan_release(c);
    }
    weft_shutdown();
}

WEFT_TEST(nonblocking_receive_races_a_close_1_worker) { nonblock_recv_race(1); }
WEFT_TEST(nonblocking_receive_races_a_close_2_workers) { nonblock_recv_race(2); }

struct two { weft_chan_t *c1, *c2; };

/* Go's goroutine: a select with default over c1 and c2 must find one of
 * them ready, whatever the other party is doing at that moment. */
static void *select_or_default(void *arg)
{
    struct two *t = arg;
    int v;
    weft_case_t cs[2] = { { t->c1, WEFT_RECV, &v, 0 }, { t->c2, WEFT_RECV, &v, 0 } };
    return (void *)(intptr_t)weft_select(cs, 2, 0);
}

/* c1 holds a value; the other party fills c2 and only then takes c1's
 * value, so at every moment one of the two is ready. */
static void nonblock_select_race(int nworkers)
{
    workers(nworkers);
    for (int i = 0; i < 2000; i++) {
        struct two t = { mk(sizeof(int), 1), mk(sizeof(int), 1) };
        int one = 1, v;
        CHECK_EQ_INT(weft_chan_send(t.c1, &one), WEFT_OK);
        weft_co_t *co = spawn(select_or_default, &t);
        CHECK_EQ_INT(weft_chan_send(t.c2, &one), WEFT_OK);
        weft_chan_try_recv(t.c1, &v);
        intptr_t r = join_co(co);
        if (r != 0 && r != 1)
            WEFT_FAIL("round %d: the select found no channel ready (%d)", i, (int)r);
        weft_chan_release(t.c1);
        weft_chan_release(t.c2);
    }
    weft_shutdown();
}

WEFT_TEST(nonblocking_selects_race_1_worker) { nonblock_select_race(1); }
WEFT_TEST(nonblocking_selects_race_2_workers) { nonblock_select_race(2); }

/* ---- double select (test/chan/doubleselect.go) ---------------------------- */

#define DS_N 20000

struct ds {
    weft_chan_t *c[4];
    weft_chan_t *out;
    weft_wg_t wg;
};

/* Sends 1..DS_N, each through whichever of the four channels is ready. */
static void *ds_sender(void *arg)
{
    struct ds *d = arg;
    for (int i = 1; i <= DS_N; i++) {
        weft_case_t cs[4];
        for (int k = 0; k < 4; k++)
            cs[k] = (weft_case_t){ d->c[k], WEFT_SEND, &i, 0 };
        CHECK(weft_select(cs, 4, -1) >= 0);
    }
    for (int k = 0; k < 4; k++)
        weft_chan_close(d->c[k]);
    return NULL;
}

/* Passes what one channel carries on to out. */
static void *ds_mux(void *arg)
{
    weft_chan_t **pair = arg;
    int v;
    while (weft_chan_recv(pair[0], &v) == WEFT_OK)
        CHECK_EQ_INT(weft_chan_send(pair[1], &v), WEFT_OK);
    return NULL;
}

/* Every value arrives exactly once: a select never takes two cases. */
static void double_select(int nworkers)
{
    workers(nworkers);
    struct ds d;
    for (int k = 0; k < 4; k++)
        d.c[k] = mk(sizeof(int), 0);
    d.out = mk(sizeof(int), 0);
    weft_chan_t *pairs[4][2];
    weft_co_t *mux[4];
    for (int k = 0; k < 4; k++) {
        pairs[k][0] = d.c[k];
        pairs[k][1] = d.out;
        mux[k] = spawn(ds_mux, pairs[k]);
    }
    weft_co_t *snd = spawn(ds_sender, &d);
    static unsigned char seen[DS_N + 1];
    memset(seen, 0, sizeof seen);
    for (int n = 0; n < DS_N; n++) {
        int v;
        CHECK_EQ_INT(weft_chan_recv(d.out, &v), WEFT_OK);
        if (v < 1 || v > DS_N || seen[v]++)
            WEFT_FAIL("value %d %s", v, v < 1 || v > DS_N ? "out of range" : "arrived twice");
    }
    join_co(snd);
    for (int k = 0; k < 4; k++)
        join_co(mux[k]);
    int v;
    CHECK_EQ_INT(weft_chan_try_recv(d.out, &v), WEFT_EAGAIN); /* nothing extra */
    for (int k = 0; k < 4; k++)
        weft_chan_release(d.c[k]);
    weft_chan_release(d.out);
    weft_shutdown();
}

WEFT_TEST(double_select_delivers_each_value_once_1_worker) { double_select(1); }
WEFT_TEST(double_select_delivers_each_value_once_2_workers) { double_select(2); }

/* ---- FIFO (test/chan/fifo.go) ---------------------------------------------- */

struct link { weft_chan_t *in, *out; int id; };

/* Waits for its turn on in, then passes it on to out (SynchFifo's chain). */
static void *fifo_link(void *arg)
{
    struct link *l = arg;
    int token;
    CHECK_EQ_INT(weft_chan_recv(l->in, &token), WEFT_OK);
    CHECK_EQ_INT(token, l->id);
    token++;
    CHECK_EQ_INT(weft_chan_send(l->out, &token), WEFT_OK);
    return NULL;
}

static void fifo(int nworkers)
{
    workers(nworkers);
    /* AsynchFifo: a buffered channel hands values back in send order */
    weft_chan_t *c = mk(sizeof(int), 10);
    for (int i = 0; i < 10; i++)
        CHECK_EQ_INT(weft_chan_send(c, &i), WEFT_OK);
    for (int i = 0; i < 10; i++) {
        int v;
        CHECK_EQ_INT(weft_chan_recv(c, &v), WEFT_OK);
        CHECK_EQ_INT(v, i);
    }
    weft_chan_release(c);
    /* SynchFifo: 100 links, each taking its turn from the one before */
    enum { N = 100 };
    weft_chan_t *ch[N + 1];
    for (int i = 0; i <= N; i++)
        ch[i] = mk(sizeof(int), 0);
    struct link links[N];
    weft_co_t *cos[N];
    for (int i = 0; i < N; i++) {
        links[i] = (struct link){ ch[i], ch[i + 1], i };
        cos[i] = spawn(fifo_link, &links[i]);
    }
    int start = 0, end;
    CHECK_EQ_INT(weft_chan_send(ch[0], &start), WEFT_OK);
    CHECK_EQ_INT(weft_chan_recv(ch[N], &end), WEFT_OK);
    CHECK_EQ_INT(end, N);
    for (int i = 0; i < N; i++)
        join_co(cos[i]);
    for (int i = 0; i <= N; i++)
        weft_chan_release(ch[i]);
    weft_shutdown();
}

WEFT_TEST(fifo_1_worker) { fifo(1); }
WEFT_TEST(fifo_2_workers) { fifo(2); }

/* ---- zero-size elements (chan struct{}) ------------------------------------- */

static void *signal_n(void *arg)
{
    for (int i = 0; i < 1000; i++)
        CHECK_EQ_INT(weft_chan_send(arg, NULL), WEFT_OK);
    weft_chan_close(arg);
    return NULL;
}

WEFT_TEST(zero_size_elements_count_like_any_other)
{
    workers(2);
    size_t caps[] = { 0, 1, 16 };
    for (size_t k = 0; k < 3; k++) {
        weft_chan_t *c = mk(0, caps[k]);
        weft_co_t *co = spawn(signal_n, c);
        int n = 0;
        while (weft_chan_recv(c, NULL) == WEFT_OK)
            n++;
        CHECK_EQ_INT(n, 1000);
        join_co(co);
        weft_chan_release(c);
    }
    /* in a select, with NULL elems */
    weft_chan_t *c = mk(0, 1);
    weft_case_t cs[2] = { { c, WEFT_SEND, NULL, 0 }, { c, WEFT_RECV, NULL, 0 } };
    CHECK_EQ_INT(weft_select(cs, 1, 0), 0);         /* the send fits */
    CHECK_EQ_INT(weft_select(cs + 1, 1, 0), 0);     /* and is received */
    CHECK_EQ_INT(weft_select(cs + 1, 1, 0), WEFT_EAGAIN);
    weft_chan_release(c);
    weft_shutdown();
}

/* ---- nil and closed channels in select (test/chan/select3.go) -------------- */

WEFT_TEST(nil_and_closed_channels_in_select)
{
    workers(2);
    int v = 1;
    /* a nil channel's cases never fire: alone they block (here: time out) */
    weft_case_t nil2[2] = { { NULL, WEFT_RECV, &v, 0 }, { NULL, WEFT_SEND, &v, 0 } };
    CHECK_EQ_INT(weft_select(nil2, 2, weft_now() + 10000000), WEFT_ETIMEDOUT);
    CHECK_EQ_INT(weft_select(nil2, 2, 0), WEFT_EAGAIN);
    /* a closed channel's receive is always ready, with the zero value */
    weft_chan_t *closed = mk(sizeof(int), 0);
    weft_chan_close(closed);
    for (int i = 0; i < 10; i++) {
        v = 99;
        weft_case_t cs[2] = { { NULL, WEFT_RECV, &v, 0 }, { closed, WEFT_RECV, &v, 0 } };
        CHECK_EQ_INT(weft_select(cs, 2, -1), 1);
        CHECK_EQ_INT(cs[1].closed, 1);
        CHECK_EQ_INT(v, 0);
    }
    /* sending on it is an error (Go panics), naming the case */
    weft_case_t snd[2] = { { NULL, WEFT_SEND, &v, 0 }, { closed, WEFT_SEND, &v, 0 } };
    CHECK_EQ_INT(weft_select(snd, 2, -1), WEFT_ECLOSED);
    CHECK_EQ_INT(snd[1].closed, 1);
    /* a closed, drained buffered channel too, after its values */
    weft_chan_t *buf = mk(sizeof(int), 2);
    int a = 7, b = 8;
    weft_chan_send(buf, &a);
    weft_chan_send(buf, &b);
    weft_chan_close(buf);
    weft_case_t rb = { buf, WEFT_RECV, &v, 0 };
    CHECK_EQ_INT(weft_select(&rb, 1, -1), 0);
    CHECK_EQ_INT(v, 7);
    CHECK_EQ_INT(weft_select(&rb, 1, -1), 0);
    CHECK_EQ_INT(v, 8);
    CHECK_EQ_INT(rb.closed, 0);
    CHECK_EQ_INT(weft_select(&rb, 1, -1), 0);
    CHECK_EQ_INT(rb.closed, 1);
    weft_chan_release(closed);
    weft_chan_release(buf);
    weft_shutdown();
}

/* ---- a sieve pipeline (test/chan/sieve1.go) ---------------------------------- */

static void *generate(void *ch)
{
    for (int i = 2;; i++)
        if (weft_chan_send(ch, &i) != WEFT_OK)
            return NULL; /* closed at the end */
}

struct filter { weft_chan_t *in, *out; int prime; };

static void *filter(void *arg)
{
    struct filter *f = arg;
    int v;
    while (weft_chan_recv(f->in, &v) == WEFT_OK)
        if (v % f->prime != 0 && weft_chan_send(f->out, &v) != WEFT_OK)
            break;
    weft_chan_close(f->in);  /* tear the chain down from the end */
    return NULL;
}

static void sieve(int nworkers)
{
    workers(nworkers);
    static const int first[25] = { 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47,
                                   53, 59, 61, 67, 71, 73, 79, 83, 89, 97 };
    weft_chan_t *ch = mk(sizeof(int), 0);
    weft_co_t *gen = spawn(generate, ch);
    struct filter fs[25];
    weft_co_t *cos[25];
    for (int i = 0; i < 25; i++) {
        int p;
        CHECK_EQ_INT(weft_chan_recv(ch, &p), WEFT_OK);
        CHECK_EQ_INT(p, first[i]);
        fs[i] = (struct filter){ ch, mk(sizeof(int), 0), p };
        cos[i] = spawn(filter, &fs[i]);
        ch = fs[i].out;
    }
    weft_chan_close(ch); /* the last filter's output: it stops, and so on back */
    for (int i = 24; i >= 0; i--)
        join_co(cos[i]);
    join_co(gen);
    weft_chan_release(fs[0].in);
    for (int i = 0; i < 25; i++)
        weft_chan_release(fs[i].out);
    weft_shutdown();
}

WEFT_TEST(sieve_pipeline_1_worker) { sieve(1); }
WEFT_TEST(sieve_pipeline_2_workers) { sieve(2); }

/* ---- many consumers (TestMultiConsumer) -------------------------------------- */

#define MC_N 10000

struct mc { weft_chan_t *q, *r; };

static void *mc_consumer(void *arg)
{
    struct mc *m = arg;
    int v;
    while (weft_chan_recv(m->q, &v) == WEFT_OK)
        CHECK_EQ_INT(weft_chan_send(m->r, &v), WEFT_OK);
    return NULL;
}

static void *mc_producer(void *arg)
{
    struct mc *m = arg;
    for (int i = 0; i < MC_N; i++)
        CHECK_EQ_INT(weft_chan_send(m->q, &i), WEFT_OK);
    weft_chan_close(m->q);
    return NULL;
}

/* Nine consumers share one queue: every value is handled by exactly one
 * of them, and the sums agree. */
static void multi_consumer(int nworkers, size_t cap)
{
    workers(nworkers);
    struct mc m = { mk(sizeof(int), cap), mk(sizeof(int), cap) };
    weft_co_t *cos[9];
    for (int i = 0; i < 9; i++)
        cos[i] = spawn(mc_consumer, &m);
    weft_co_t *prod = spawn(mc_producer, &m);
    int64_t got = 0;
    for (int n = 0; n < MC_N; n++) {
        int v;
        CHECK_EQ_INT(weft_chan_recv(m.r, &v), WEFT_OK);
        got += v;
    }
    join_co(prod);
    for (int i = 0; i < 9; i++)
        join_co(cos[i]);
    int v;
    CHECK_EQ_INT(weft_chan_try_recv(m.r, &v), WEFT_EAGAIN);
    int64_t sent = (int64_t)MC_N * (MC_N - 1) / 2;
    if (sent != got)
        WEFT_FAIL("sent a sum of %lld, received %lld", (long long)sent, (long long)got);
    weft_chan_release(m.q);
    weft_chan_release(m.r);
    weft_shutdown();
}

WEFT_TEST(multi_consumer_unbuffered_1_worker) { multi_consumer(1, 0); }
WEFT_TEST(multi_consumer_unbuffered_2_workers) { multi_consumer(2, 0); }
WEFT_TEST(multi_consumer_buffered_2_workers) { multi_consumer(2, 1000); }

WEFT_TEST_MAIN()
