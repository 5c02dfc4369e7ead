/* test_ext.c - external waiters (ext.h) through the Java-facing ABI
 * (weft_jni.h): the protocol the Java layer uses, exercised by plain
 * threads that stand in for Java threads.  A "jthread" parks on its own
 * condition variable until its token is delivered, either straight from
 * a packed result or by a drainer thread that empties the wake queue, as
 * dev.weft does with LockSupport. */
#include "harness.h"
#include "rt_helpers.h"
#include "weft.h"
#include "weft_jni.h"
#include "ext.h"
#include "chan.h"
#include "sync.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* ---- a stand-in for the Java side ----------------------------------------- */

#define MAXJ 64

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int delivered;
    int64_t op; /* its op record */
} jthread_t;

static jthread_t jt[MAXJ];
static _Atomic int delivered_total;

/* a stand-in that hands outcomes over (the seat, below): what it was
 * handed, and whether its op record is still to be told */
#define NO_HAND (-1000000)
static int hand_status[MAXJ];
static int64_t hand_value[MAXJ];
static int tell_handed[MAXJ];

static void jt_init(int n)
{
    for (int i = 0; i < n; i++) {
        pthread_mutex_init(&jt[i].mu, NULL);
        pthread_cond_init(&jt[i].cv, NULL);
        jt[i].delivered = 0;
        jt[i].op = weft_jni_op_new(8, 8);
        CHECK(jt[i].op > 0);
        hand_status[i] = NO_HAND;
        tell_handed[i] = 0;
    }
}

static void deliver(int64_t token)
{
    CHECK(token >= 1 && token <= MAXJ);
    jthread_t *j = &jt[token - 1];
    pthread_mutex_lock(&j->mu);
    j->delivered++;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    atomic_fetch_add(&delivered_total, 1);
}

/* weft_jni_select's argument block (weft_jni.h): n channels, n values,
 * n directions, in one buffer that outlives the call. */
static int64_t select_args(int n, const int64_t *chans, const int *dirs, const int64_t *vals)
{
    static int64_t block[3 * 8];
    CHECK(n <= 8);
    for (int i = 0; i < n; i++) {
        block[i] = chans[i];
        block[n + i] = vals[i];
        ((int *)(block + 2 * n))[i] = dirs[i];
    }
    return (int64_t)(intptr_t)block;
}

/* A packed result: deliver its token (negative: the owner must ask, it
 * was not handed this call's own value; weft_jni.h), return its status. */
static int unpack(int64_t p)
{
    int64_t tok = p >> 16;
    if (tok)
        deliver(tok < 0 ? -tok : tok);
    return (int16_t)(p & 0xffff);
}

/* jthread i's outcome (packed: asking may wake another party). */
static int result(int i)
{
    return unpack(weft_jni_op_result(jt[i].op));
}

/* After a start that returned `status` for jthread i: wait for the
 * token if parked, then the outcome. */
static int settle(int i, int status)
{
    if (status != WEFT_JNI_PARKED)
        return status;
    jthread_t *j = &jt[i];
    int r;
    do { /* PARKED: woken to try again, lost, queued again */
        pthread_mutex_lock(&j->mu);
        while (!j->delivered)
            pthread_cond_wait(&j->cv, &j->mu);
        j->delivered--;
        pthread_mutex_unlock(&j->mu);
        r = result(i);
    } while (r == WEFT_JNI_PARKED);
    CHECK(r != WEFT_JNI_EAGAIN);
    return r;
}

static _Atomic int drainer_stop;

static void *drainer(void *arg)
{
    (void)arg;
    int64_t buf[16];
    while (!atomic_load(&drainer_stop)) {
        int n = weft_jni_wake_wait(buf, 16, 100 * 1000000LL);
        for (int i = 0; i < n; i++)
            deliver(buf[i]);
    }
    return NULL;
}

static pthread_t drainer_start(void)
{
    atomic_store(&drainer_stop, 0);
    return thread(drainer, NULL);
}

static void drainer_stop_join(pthread_t t)
{
    atomic_store(&drainer_stop, 1);
    weft_jni_wake_interrupt();
    join_thread(t);
}

static int64_t tok(int i)
{
    return i + 1;
}

/* ---- channels --------------------------------------------------------------- */

static int64_t chan_h;

static void *co_send_42(void *arg)
{
    int64_t v = (int64_t)(intptr_t)arg;
    weft_sleep(2 * 1000000);
    CHECK_EQ_INT(weft_chan_send((weft_chan_t *)(intptr_t)chan_h, &v), WEFT_OK);
    return NULL;
}

WEFT_TEST(recv_parks_and_a_coroutine_completes_it_through_the_wake_queue)
{
    jt_init(1);
    pthread_t d = drainer_start();
    chan_h = weft_jni_chan_make(8, 0);
    CHECK(chan_h > 0);
    int r = unpack(weft_jni_chan_recv(jt[0].op, chan_h, 1, tok(0)));
    CHECK_EQ_INT(r, WEFT_JNI_PARKED); /* nobody sends yet */
    weft_co_t *co = spawn(co_send_42, (void *)42);
    CHECK_EQ_INT(settle(0, r), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_op_value(jt[0].op), 42);
    join_co(co);
    drainer_stop_join(d);
    CHECK_EQ_INT(weft_jni_chan_release(chan_h), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_op_free(jt[0].op, 0), WEFT_JNI_OK);
    weft_shutdown();
}

struct recv_arg {
    int i;
    int64_t ch;
    int status;
    int64_t value;
};

static void *jt_recv(void *p)
{
    struct recv_arg *a = p;
    a->status = settle(a->i, unpack(weft_jni_chan_recv(jt[a->i].op, a->ch, 1, tok(a->i))));
    a->value = weft_jni_op_value(jt[a->i].op);
    return NULL;
}

/* until n receivers are queued on ch (however slow the machine) */
static void wait_queued(int64_t ch, int n)
{
    int64_t deadline = weft_now() + 30 * 1000000000LL;
    while (weft_chan_queued((weft_chan_t *)(intptr_t)ch, WEFT_RECV) < (size_t)n && weft_now() < deadline)
        weft_sleep(1000000);
    CHECK_EQ_INT(weft_chan_queued((weft_chan_t *)(intptr_t)ch, WEFT_RECV), n);
}

WEFT_TEST(a_java_sender_gets_the_parked_receivers_token_back_directly)
{
    jt_init(2);
    int64_t ch = weft_jni_chan_make(8, 0);
    struct recv_arg a = { 0, ch, 99, 0 };
    pthread_t t = thread(jt_recv, &a);
    wait_queued(ch, 1);
    int64_t p = weft_jni_chan_send(jt[1].op, ch, 7, 1, tok(1));
    CHECK_EQ_INT((int16_t)(p & 0xffff), WEFT_JNI_OK);
    CHECK_EQ_INT(p >> 16, tok(0)); /* the receiver's token, handed back */
    deliver(p >> 16);
    join_thread(t);
    CHECK_EQ_INT(a.status, WEFT_JNI_OK);
    CHECK_EQ_INT(a.value, 7);
    CHECK_EQ_INT(weft_ext_wake_pending(), 0);
    weft_jni_chan_release(ch);
    weft_shutdown();
}

WEFT_TEST(abort_unqueues_a_parked_receive)
{
    jt_init(2);
    int64_t ch = weft_jni_chan_make(8, 0);
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[0].op, ch, 1, tok(0))), WEFT_JNI_PARKED);
    CHECK_EQ_INT(weft_jni_op_abort(jt[0].op, WEFT_JNI_ETIMEDOUT), 1);
    CHECK_EQ_INT(result(0), WEFT_JNI_ETIMEDOUT);
    /* nobody waits any more: a try-send cannot complete */
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[1].op, ch, 1, 0, tok(1))), WEFT_JNI_EAGAIN);
    /* and the op record is reusable */
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[0].op, ch, 0, tok(0))), WEFT_JNI_EAGAIN);
    CHECK_EQ_INT(weft_jni_op_free(jt[0].op, 0), WEFT_JNI_OK);
    weft_jni_chan_release(ch);
    weft_shutdown();
}

WEFT_TEST(abort_after_completion_loses_and_the_value_is_kept)
{
    jt_init(2);
    int64_t ch = weft_jni_chan_make(8, 0);
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[0].op, ch, 1, tok(0))), WEFT_JNI_PARKED);
    CHECK_EQ_INT(weft_jni_op_free(jt[0].op, 0), WEFT_JNI_EBUSY); /* queued: not freed */
    int64_t p = weft_jni_chan_send(jt[1].op, ch, 5, 1, tok(1));
    CHECK_EQ_INT((int16_t)(p & 0xffff), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_op_abort(jt[0].op, WEFT_JNI_ECANCELED), 0); /* too late */
    CHECK_EQ_INT(result(0), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_op_value(jt[0].op), 5);
    weft_jni_chan_release(ch);
    weft_shutdown();
}

/* Java's Parking may learn a channel operation's outcome from the thread
 * that completed it and never ask for the result: the next operation on
 * the op record (or freeing it) finishes the settled one.  An operation
 * still queued, or settled some other way than by its channel, does not
 * count as finished. */
WEFT_TEST(a_settled_channel_op_needs_no_result_call_before_the_next)
{
    jt_init(2);
    int64_t ch = weft_jni_chan_make(8, 0);
    int64_t m = weft_jni_mutex_new();
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[0].op, ch, 1, tok(0))), WEFT_JNI_PARKED);
    /* still queued: no second operation on this record */
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[0].op, ch, 1, tok(0))), WEFT_JNI_EBUSY);
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[1].op, ch, 11, 1, tok(1))), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_op_value(jt[0].op), 11);
    /* settled by the send: a mutex lock may start on the record at once */
    CHECK_EQ_INT(unpack(weft_jni_mutex_lock(jt[0].op, m, tok(0))), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_mutex_unlock(m)), WEFT_JNI_OK);
    /* and a send settled by a receiver, then freeing the record */
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[0].op, ch, 12, 1, tok(0))), WEFT_JNI_PARKED);
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[1].op, ch, 1, tok(1))), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_op_value(jt[1].op), 12);
    CHECK_EQ_INT(weft_jni_op_free(jt[0].op, 0), WEFT_JNI_OK);
    jt[0].op = 0;
    CHECK_EQ_INT(weft_jni_mutex_free(m), WEFT_JNI_OK);
    weft_jni_chan_release(ch);
    weft_shutdown();
}

WEFT_TEST(close_wakes_every_parked_java_receiver)
{
    jt_init(4);
    pthread_t d = drainer_start();
    int64_t ch = weft_jni_chan_make(8, 0);
    struct recv_arg a[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        a[i] = (struct recv_arg){ i, ch, 99, -1 };
        t[i] = thread(jt_recv, &a[i]);
    }
    wait_queued(ch, 3);
    CHECK_EQ_INT(unpack(weft_jni_chan_close(ch)), WEFT_JNI_OK);
    for (int i = 0; i < 3; i++) {
        join_thread(t[i]);
        CHECK_EQ_INT(a[i].status, WEFT_JNI_ECLOSED);
        CHECK_EQ_INT(a[i].value, 0);
    }
    CHECK_EQ_INT(unpack(weft_jni_chan_close(ch)), WEFT_JNI_ECLOSED);
    drainer_stop_join(d);
    weft_jni_chan_release(ch);
    weft_shutdown();
}

static void *co_recv_one(void *arg)
{
    int64_t v = 0;
    CHECK_EQ_INT(weft_chan_recv((weft_chan_t *)arg, &v), WEFT_OK);
    return (void *)(intptr_t)v;
}

WEFT_TEST(a_java_send_parks_until_a_coroutine_receives)
{
    jt_init(1);
    pthread_t d = drainer_start();
    int64_t ch = weft_jni_chan_make(8, 0);
    int r = unpack(weft_jni_chan_send(jt[0].op, ch, 1234, 1, tok(0)));
    CHECK_EQ_INT(r, WEFT_JNI_PARKED); /* unbuffered, nobody receives yet */
    weft_co_t *co = spawn(co_recv_one, (void *)(intptr_t)ch);
    CHECK_EQ_INT(settle(0, r), WEFT_JNI_OK);
    CHECK_EQ_INT((intptr_t)join_co(co), 1234);
    drainer_stop_join(d);
    weft_jni_chan_release(ch);
    weft_shutdown();
}

WEFT_TEST(select_parks_and_the_case_that_fires_reports_its_value)
{
    jt_init(2);
    pthread_t d = drainer_start();
    int64_t a = weft_jni_chan_make(8, 0), b = weft_jni_chan_make(8, 0);
    int64_t chans[2] = { a, b };
    int dirs[2] = { WEFT_RECV, WEFT_RECV };
    int64_t vals[2] = { 0, 0 };
    int r = unpack(weft_jni_select(jt[0].op, 2, select_args(2, chans, dirs, vals), 0, tok(0)));
    CHECK_EQ_INT(r, WEFT_JNI_PARKED);
    chan_h = b;
    weft_co_t *co = spawn(co_send_42, (void *)77);
    CHECK_EQ_INT(settle(0, r), 1);
    CHECK_EQ_INT(weft_jni_op_case_value(jt[0].op, 1), 77);
    join_co(co);
    /* both case waiters are gone: neither channel has a receiver now */
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[1].op, a, 1, 0, tok(1))), WEFT_JNI_EAGAIN);
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[1].op, b, 1, 0, tok(1))), WEFT_JNI_EAGAIN);
    /* default case, and a receive case on a closed channel */
    CHECK_EQ_INT(unpack(weft_jni_select(jt[0].op, 2, select_args(2, chans, dirs, vals), 1, tok(0))), WEFT_JNI_EAGAIN);
    unpack(weft_jni_chan_close(a));
    CHECK_EQ_INT(unpack(weft_jni_select(jt[0].op, 2, select_args(2, chans, dirs, vals), 0, tok(0))),
                 0 | WEFT_JNI_SELECT_CLOSED);
    /* a select that could never fire is refused */
    CHECK_EQ_INT(unpack(weft_jni_select(jt[0].op, 0, select_args(0, chans, dirs, vals), 0, tok(0))), WEFT_JNI_EDEADLK);
    drainer_stop_join(d);
    weft_jni_chan_release(a);
    weft_jni_chan_release(b);
    weft_shutdown();
}

/* An op record that last ran a select whose receive case saw a close
 * reports a later plain receive with the plain status, not the select's
 * "closed" flag. */
/* A buffered channel's ring is used without the lock; parties that
 * wait are served by whoever changes the ring next (chan.h): a waiting
 * receiver gets the value moved out for it, a waiting sender's value goes
 * in behind what is buffered.  Neither is this call's own value handed
 * over, so the tokens come back negative and the owners ask.  Driven step
 * by step: nothing runs between these calls. */
WEFT_TEST(buffered_channel_serves_parked_java_parties_in_order)
{
    jt_init(3);
    int64_t ch = weft_jni_chan_make(8, 2);
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[0].op, ch, 1, tok(0))), WEFT_JNI_PARKED);
    int64_t p = weft_jni_chan_send(jt[1].op, ch, 11, 1, tok(1));
    CHECK_EQ_INT((int16_t)(p & 0xffff), WEFT_JNI_OK);
    CHECK_EQ_INT(p >> 16, -tok(0)); /* served from the ring: asks */
    CHECK_EQ_INT(result(0), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_op_value(jt[0].op), 11);
    CHECK_EQ_INT(weft_jni_chan_len(ch), 0);

    /* full: two senders wait, in order, behind the two buffered values */
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[1].op, ch, 1, 1, tok(1))), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[1].op, ch, 2, 1, tok(1))), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[1].op, ch, 3, 1, tok(1))), WEFT_JNI_PARKED);
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[2].op, ch, 4, 1, tok(2))), WEFT_JNI_PARKED);
    CHECK_EQ_INT(weft_jni_chan_len(ch), 2);
    for (int64_t v = 1; v <= 4; v++) {
        p = weft_jni_chan_recv(jt[0].op, ch, 1, tok(0));
        CHECK_EQ_INT((int16_t)(p & 0xffff), WEFT_JNI_OK);
        CHECK_EQ_INT(weft_jni_op_value(jt[0].op), v);
        if (v <= 2) {
            /* this receive made room: the next waiting sender's value
             * went in behind the buffered ones */
            CHECK_EQ_INT(p >> 16, -tok((int)v));
            CHECK_EQ_INT(result((int)v), WEFT_JNI_OK);
        } else {
            CHECK_EQ_INT(p >> 16, 0);
        }
    }
    CHECK_EQ_INT(weft_jni_chan_len(ch), 0);

    /* close tells waiting parties to try again: a receiver finds the
     * channel closed and drained, a sender finds it closed */
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[0].op, ch, 1, tok(0))), WEFT_JNI_PARKED);
    p = weft_jni_chan_close(ch);
    CHECK_EQ_INT(p >> 16, -tok(0));
    CHECK_EQ_INT(result(0), WEFT_JNI_ECLOSED);
    int64_t full = weft_jni_chan_make(8, 1);
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[1].op, full, 5, 1, tok(1))), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[1].op, full, 6, 1, tok(1))), WEFT_JNI_PARKED);
    p = weft_jni_chan_close(full);
    CHECK_EQ_INT(p >> 16, -tok(1));
    CHECK_EQ_INT(result(1), WEFT_JNI_ECLOSED);
    /* what was buffered before the close is still received */
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[0].op, full, 1, tok(0))), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_op_value(jt[0].op), 5);
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[0].op, full, 1, tok(0))), WEFT_JNI_ECLOSED);
    CHECK_EQ_INT(weft_ext_wake_pending(), 0);
    weft_jni_chan_release(ch);
    weft_jni_chan_release(full);
    weft_shutdown();
}

/* A select parked on a buffered channel is served like a receiver: the
 * value is moved into its case, and it reports that case. */
WEFT_TEST(buffered_channel_serves_a_parked_java_select)
{
    jt_init(2);
    int64_t a = weft_jni_chan_make(8, 4), b = weft_jni_chan_make(8, 0);
    int64_t chans[2] = { a, b };
    int dirs[2] = { WEFT_RECV, WEFT_RECV };
    int64_t vals[2] = { 0, 0 };
    CHECK_EQ_INT(unpack(weft_jni_select(jt[0].op, 2, select_args(2, chans, dirs, vals), 0, tok(0))),
                 WEFT_JNI_PARKED);
    int64_t p = weft_jni_chan_send(jt[1].op, a, 42, 1, tok(1));
    CHECK_EQ_INT((int16_t)(p & 0xffff), WEFT_JNI_OK);
    CHECK_EQ_INT(p >> 16, -tok(0));
    CHECK_EQ_INT(result(0), 0);
    CHECK_EQ_INT(weft_jni_op_case_value(jt[0].op, 0), 42);
    CHECK_EQ_INT(weft_jni_chan_len(a), 0);
    /* nothing of the select is left queued: b's send finds no receiver */
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[1].op, b, 1, 0, tok(1))), WEFT_JNI_EAGAIN);
    weft_jni_chan_release(a);
    weft_jni_chan_release(b);
    weft_shutdown();
}

WEFT_TEST(a_reused_op_record_forgets_its_last_select)
{
    jt_init(2);
    int64_t a = weft_jni_chan_make(8, 0), b = weft_jni_chan_make(8, 0);
    int64_t chans[1] = { a };
    int dirs[1] = { WEFT_RECV };
    int64_t vals[1] = { 0 };
    CHECK_EQ_INT(unpack(weft_jni_select(jt[0].op, 1, select_args(1, chans, dirs, vals), 0, tok(0))), WEFT_JNI_PARKED);
    int64_t p = weft_jni_chan_close(a);
    CHECK_EQ_INT(p >> 16, -tok(0)); /* negative: not handed a value; it asks */
    CHECK_EQ_INT(result(0), 0 | WEFT_JNI_SELECT_CLOSED);
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[0].op, b, 1, tok(0))), WEFT_JNI_PARKED);
    p = weft_jni_chan_send(jt[1].op, b, 9, 1, tok(1));
    CHECK_EQ_INT(p >> 16, tok(0));
    CHECK_EQ_INT(result(0), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_op_value(jt[0].op), 9);
    weft_jni_chan_release(a);
    weft_jni_chan_release(b);
    weft_shutdown();
}

/* A select whose fourth case (index 3) is ready fires it at once: the
 * answer must not be mistaken for "parked". */
WEFT_TEST(select_index_three_is_not_parked)
{
    jt_init(1);
    int64_t chans[5];
    int dirs[5];
    int64_t vals[5] = { 0 };
    for (int i = 0; i < 5; i++) {
        chans[i] = weft_jni_chan_make(8, 1);
        dirs[i] = WEFT_RECV;
    }
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[0].op, chans[3], 33, 0, tok(0))), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_select(jt[0].op, 5, select_args(5, chans, dirs, vals), 0, tok(0))), 3);
    CHECK_EQ_INT(weft_jni_op_case_value(jt[0].op, 3), 33);
    CHECK(WEFT_JNI_PARKED > 4096 && WEFT_JNI_PARKED < WEFT_JNI_SELECT_CLOSED);
    for (int i = 0; i < 5; i++)
        weft_jni_chan_release(chans[i]);
    weft_shutdown();
}

/* ---- locks ------------------------------------------------------------------ */

WEFT_TEST(mutex_hands_over_to_a_parked_java_locker)
{
    jt_init(2);
    int64_t m = weft_jni_mutex_new();
    CHECK(m > 0);
    /* normal mode only: under valgrind the wait below can outlast the
     * starvation threshold, and a starving waiter is handed the lock
     * (WEFT_WAKE_OK, a positive token) instead of woken to compete */
    weft_mutex_starve_ns = INT64_MAX / 2;
    CHECK_EQ_INT(unpack(weft_jni_mutex_lock(jt[0].op, m, tok(0))), WEFT_JNI_OK);
    int r = unpack(weft_jni_mutex_lock(jt[1].op, m, tok(1)));
    CHECK_EQ_INT(r, WEFT_JNI_PARKED);
    int64_t p = weft_jni_mutex_unlock(m);
    CHECK_EQ_INT((int16_t)(p & 0xffff), WEFT_JNI_OK);
    CHECK_EQ_INT(p >> 16, -tok(1)); /* woken to compete: it asks */
    CHECK_EQ_INT(result(1), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_mutex_trylock(m), WEFT_JNI_EAGAIN); /* jthread 1 owns it */
    CHECK_EQ_INT(weft_jni_mutex_free(m), WEFT_JNI_ESTATE); /* held: not freed */
    CHECK_EQ_INT(unpack(weft_jni_mutex_unlock(m)), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_mutex_unlock(m)), WEFT_JNI_ESTATE);
    /* a parked locker that gives up leaves the mutex usable */
    CHECK_EQ_INT(unpack(weft_jni_mutex_lock(jt[0].op, m, tok(0))), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_mutex_lock(jt[1].op, m, tok(1))), WEFT_JNI_PARKED);
    CHECK_EQ_INT(weft_jni_op_abort(jt[1].op, WEFT_JNI_ECANCELED), 1);
    CHECK_EQ_INT(result(1), WEFT_JNI_ECANCELED);
    int64_t p2 = weft_jni_mutex_unlock(m);
    CHECK_EQ_INT(p2, WEFT_JNI_OK); /* nobody to hand to, no token */
    CHECK_EQ_INT(weft_jni_mutex_free(m), WEFT_JNI_OK);
    weft_mutex_starve_ns = 1000000;
    weft_shutdown();
}

/* Go's two modes (mutex.c), driven step by step: nothing runs between
 * these calls, so who may take the mutex when is exact. */
WEFT_TEST(mutex_wakes_a_java_locker_to_compete_and_hands_over_once_it_starves)
{
    jt_init(3);
    int64_t m = weft_jni_mutex_new();
    CHECK(m > 0);
    weft_mutex_starve_ns = INT64_MAX / 2; /* normal mode only */

    /* normal mode: unlock frees m and wakes the first waiter to compete */
    CHECK_EQ_INT(unpack(weft_jni_mutex_lock(jt[0].op, m, tok(0))), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_mutex_lock(jt[1].op, m, tok(1))), WEFT_JNI_PARKED);
    int64_t p = weft_jni_mutex_unlock(m);
    CHECK_EQ_INT((int16_t)(p & 0xffff), WEFT_JNI_OK);
    CHECK_EQ_INT(p >> 16, -tok(1)); /* woken to compete, not handed the lock: it asks */
    CHECK_EQ_INT(weft_jni_mutex_trylock(m), WEFT_JNI_OK); /* a running party barges in */
    CHECK_EQ_INT(result(1), WEFT_JNI_PARKED); /* lost: queued again */
    p = weft_jni_mutex_unlock(m);
    CHECK_EQ_INT(p >> 16, -tok(1)); /* woken again */
    CHECK_EQ_INT(result(1), WEFT_JNI_OK); /* and won */
    CHECK_EQ_INT(weft_jni_mutex_trylock(m), WEFT_JNI_EAGAIN);
    CHECK_EQ_INT(weft_jni_mutex_unlock(m), WEFT_JNI_OK); /* nobody queued: no token */

    /* one woken waiter at a time: while jt1 has not come back, unlocks
     * wake nobody else */
    CHECK_EQ_INT(unpack(weft_jni_mutex_lock(jt[0].op, m, tok(0))), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_mutex_lock(jt[1].op, m, tok(1))), WEFT_JNI_PARKED);
    CHECK_EQ_INT(unpack(weft_jni_mutex_lock(jt[2].op, m, tok(2))), WEFT_JNI_PARKED);
    CHECK_EQ_INT(weft_jni_mutex_unlock(m) >> 16, -tok(1));
    CHECK_EQ_INT(weft_jni_mutex_trylock(m), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_mutex_unlock(m), WEFT_JNI_OK); /* jt2 not woken */
    CHECK_EQ_INT(result(1), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_mutex_unlock(m) >> 16, -tok(2));
    CHECK_EQ_INT(result(2), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_mutex_unlock(m), WEFT_JNI_OK);

    /* starvation mode (any wait counts as too long): handed over, so
     * nobody can barge in between */
    weft_mutex_starve_ns = -1;
    CHECK_EQ_INT(unpack(weft_jni_mutex_lock(jt[0].op, m, tok(0))), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_mutex_lock(jt[1].op, m, tok(1))), WEFT_JNI_PARKED);
    CHECK_EQ_INT(unpack(weft_jni_mutex_lock(jt[2].op, m, tok(2))), WEFT_JNI_PARKED);
    CHECK_EQ_INT(weft_jni_mutex_unlock(m) >> 16, tok(1));
    CHECK_EQ_INT(weft_jni_mutex_trylock(m), WEFT_JNI_EAGAIN);
    CHECK_EQ_INT(result(1), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_mutex_unlock(m) >> 16, tok(2));
    CHECK_EQ_INT(weft_jni_mutex_trylock(m), WEFT_JNI_EAGAIN);
    CHECK_EQ_INT(result(2), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_mutex_unlock(m), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_mutex_trylock(m), WEFT_JNI_OK); /* queue empty: mode left */
    CHECK_EQ_INT(weft_jni_mutex_unlock(m), WEFT_JNI_OK);

    weft_mutex_starve_ns = 1000000;
    CHECK_EQ_INT(weft_jni_mutex_free(m), WEFT_JNI_OK);
    weft_shutdown();
}

WEFT_TEST(sem_wg_cond_rwlock_wake_parked_java_waiters)
{
    jt_init(3);
    /* semaphore */
    int64_t s = weft_jni_sem_new(1);
    CHECK_EQ_INT(unpack(weft_jni_sem_acquire(jt[0].op, s, tok(0))), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_sem_acquire(jt[1].op, s, tok(1))), WEFT_JNI_PARKED);
    int64_t p = weft_jni_sem_release(s);
    CHECK_EQ_INT(p >> 16, tok(1));
    CHECK_EQ_INT(result(1), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_sem_value(s), 0);
    unpack(weft_jni_sem_release(s));
    CHECK_EQ_INT(weft_jni_sem_free(s), WEFT_JNI_OK);

    /* WaitGroup */
    int64_t wg = weft_jni_wg_new();
    CHECK_EQ_INT(unpack(weft_jni_wg_add(wg, 2)), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_wg_wait(jt[0].op, wg, tok(0))), WEFT_JNI_PARKED);
    CHECK_EQ_INT(weft_jni_wg_add(wg, -1), WEFT_JNI_OK);
    p = weft_jni_wg_add(wg, -1);
    CHECK_EQ_INT(p >> 16, tok(0));
    CHECK_EQ_INT(result(0), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_wg_add(wg, -1)), WEFT_JNI_EINVAL); /* negative count */
    CHECK_EQ_INT(weft_jni_wg_free(wg), WEFT_JNI_OK);

    /* condition: wait releases the mutex; signal wakes */
    int64_t m = weft_jni_mutex_new(), c = weft_jni_cond_new();
    CHECK_EQ_INT(unpack(weft_jni_mutex_lock(jt[0].op, m, tok(0))), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_cond_wait(jt[0].op, c, m, tok(0))), WEFT_JNI_PARKED);
    CHECK_EQ_INT(weft_jni_mutex_trylock(m), WEFT_JNI_OK); /* released by the wait */
    p = weft_jni_cond_signal(c, 0);
    CHECK_EQ_INT(p >> 16, tok(0));
    CHECK_EQ_INT(result(0), WEFT_JNI_OK);
    unpack(weft_jni_mutex_unlock(m));
    /* a wait without holding the mutex is refused and leaves nothing queued */
    CHECK_EQ_INT(unpack(weft_jni_cond_wait(jt[0].op, c, m, tok(0))), WEFT_JNI_ESTATE);
    CHECK_EQ_INT(weft_jni_cond_free(c), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_mutex_free(m), WEFT_JNI_OK);

    /* rwlock: two readers in, a writer parks until both leave */
    int64_t rw = weft_jni_rwlock_new();
    CHECK_EQ_INT(unpack(weft_jni_rwlock_lock(jt[0].op, rw, 0, tok(0))), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_rwlock_lock(jt[1].op, rw, 0, tok(1))), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack(weft_jni_rwlock_lock(jt[2].op, rw, 1, tok(2))), WEFT_JNI_PARKED);
    CHECK_EQ_INT(unpack(weft_jni_rwlock_unlock(rw, 0)), WEFT_JNI_OK);
    p = weft_jni_rwlock_unlock(rw, 0);
    CHECK_EQ_INT(p >> 16, tok(2));
    CHECK_EQ_INT(result(2), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_rwlock_trylock(rw, 0), WEFT_JNI_EAGAIN);
    unpack(weft_jni_rwlock_unlock(rw, 1));
    CHECK_EQ_INT(weft_jni_rwlock_free(rw), WEFT_JNI_OK);
    weft_shutdown();
}

/* ---- stress: Java-like threads and coroutines on one channel ----------------- */

#define PRODUCERS 4
#define CONSUMERS 4
#define PER_PRODUCER 20000

static _Atomic long long consumed_sum;
static _Atomic long consumed_n;

static void *co_producer(void *arg)
{
    int64_t base = (int64_t)(intptr_t)arg * PER_PRODUCER;
    for (int64_t i = 1; i <= PER_PRODUCER; i++) {
        int64_t v = base + i;
        CHECK_EQ_INT(weft_chan_send((weft_chan_t *)(intptr_t)chan_h, &v), WEFT_OK);
    }
    return NULL;
}

static void *jt_consumer(void *arg)
{
    int i = (int)(intptr_t)arg;
    for (;;) {
        int r = settle(i, unpack(weft_jni_chan_recv(jt[i].op, chan_h, 1, tok(i))));
        if (r == WEFT_JNI_ECLOSED)
            return NULL;
        CHECK_EQ_INT(r, WEFT_JNI_OK);
        atomic_fetch_add(&consumed_sum, weft_jni_op_value(jt[i].op));
        atomic_fetch_add(&consumed_n, 1);
    }
}

static void *jt_producer(void *arg)
{
    int i = (int)(intptr_t)arg;
    int64_t base = (int64_t)(i - CONSUMERS + PRODUCERS / 2) * PER_PRODUCER; /* after the coroutines' */
    for (int64_t k = 1; k <= PER_PRODUCER; k++)
        CHECK_EQ_INT(settle(i, unpack(weft_jni_chan_send(jt[i].op, chan_h, base + k, 1, tok(i)))), WEFT_JNI_OK);
    return NULL;
}

/* consumer/producer: the stand-in Java threads' bodies (thread i) */
static void mpmc(int64_t cap, void *(*consumer)(void *), void *(*producer)(void *))
{
    jt_init(CONSUMERS + PRODUCERS);
    pthread_t d = drainer_start();
    chan_h = weft_jni_chan_make(8, cap);
    atomic_store(&consumed_sum, 0);
    atomic_store(&consumed_n, 0);
    pthread_t cons[CONSUMERS], prod[PRODUCERS];
    for (int i = 0; i < CONSUMERS; i++)
        cons[i] = thread(consumer, (void *)(intptr_t)i);
    /* half the producers are coroutines, half stand-in Java threads */
    weft_co_t *cp[PRODUCERS / 2];
    for (int i = 0; i < PRODUCERS / 2; i++)
        cp[i] = spawn(co_producer, (void *)(intptr_t)i);
    for (int i = 0; i < PRODUCERS / 2; i++)
        prod[i] = thread(producer, (void *)(intptr_t)(CONSUMERS + i));
    for (int i = 0; i < PRODUCERS / 2; i++)
        join_co(cp[i]);
    for (int i = 0; i < PRODUCERS / 2; i++)
        join_thread(prod[i]);
    unpack(weft_jni_chan_close(chan_h));
    for (int i = 0; i < CONSUMERS; i++)
        join_thread(cons[i]);
    long long n = (long long)PRODUCERS * PER_PRODUCER;
    CHECK_EQ_INT(atomic_load(&consumed_n), n);
    CHECK_EQ_INT(atomic_load(&consumed_sum), n * (n + 1) / 2);
    drainer_stop_join(d);
    weft_jni_chan_release(chan_h);
    weft_shutdown();
}

WEFT_TEST(mpmc_unbuffered_java_and_coroutines_exact_accounting)
{
    mpmc(0, jt_consumer, jt_producer);
}

WEFT_TEST(mpmc_buffered_java_and_coroutines_exact_accounting)
{
    mpmc(64, jt_consumer, jt_producer);
}

/* ---- the seat (chan.h): Java parties that hand outcomes over ------------------
 * A stand-in that passes WEFT_JNI_HAND does what Parking does: a positive
 * token a call of its own gets back completed that thread's wait, and it
 * hands the outcome (and a send's value) over with the token; a thread
 * whose outcome came by hand says so at its next start. */

/* Parking.completed: the token t a call got back; ok: that call's own
 * operation completed t's wait, so hand it OK and value, then deliver */
static void completed(int64_t t, int ok, int64_t value)
{
    if (t > 0 && ok) {
        jthread_t *j = &jt[t - 1];
        pthread_mutex_lock(&j->mu); /* deliver's lock publishes these too */
        hand_value[t - 1] = value;
        hand_status[t - 1] = WEFT_JNI_OK;
        pthread_mutex_unlock(&j->mu);
    }
    if (t)
        deliver(t < 0 ? -t : t);
}

/* Parking.handOver: value is what this call sent (0 for a receive) */
static int unpack_hand(int64_t p, int64_t value)
{
    int status = (int16_t)(p & 0xffff);
    completed(p >> 16, status == WEFT_JNI_OK, value);
    return status;
}

/* the token for i's next start (Parking.Waiter.startToken) */
static int64_t start_tok(int i)
{
    int64_t t = tok(i) | (tell_handed[i] ? WEFT_JNI_HANDED : 0);
    tell_handed[i] = 0;
    return t;
}

/* settle, taking an outcome that came by hand; *value: a receive's value */
static int settle_hand(int i, int status, int64_t *value)
{
    if (status != WEFT_JNI_PARKED) {
        if (value)
            *value = weft_jni_op_value(jt[i].op);
        return status;
    }
    jthread_t *j = &jt[i];
    pthread_mutex_lock(&j->mu);
    while (!j->delivered)
        pthread_cond_wait(&j->cv, &j->mu);
    j->delivered--;
    int hs = hand_status[i];
    hand_status[i] = NO_HAND;
    int64_t hv = hand_value[i];
    pthread_mutex_unlock(&j->mu);
    if (hs != NO_HAND) {
        tell_handed[i] = 1;
        if (value)
            *value = hv;
        return hs;
    }
    int r = result(i);
    if (r == WEFT_JNI_PARKED)
        r = settle(i, r); /* woken to try again and queued anew: wait again */
    CHECK(r != WEFT_JNI_EAGAIN);
    if (value)
        *value = weft_jni_op_value(jt[i].op);
    return r;
}

static weft_chan_t *C(int64_t h)
{
    return (weft_chan_t *)(intptr_t)h;
}

WEFT_TEST(a_java_party_sits_and_a_java_partner_hands_it_over)
{
    jt_init(2);
    int64_t ch = weft_jni_chan_make(8, 0);
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_recv(jt[0].op, ch, 1 | WEFT_JNI_HAND, start_tok(0)), 0),
                 WEFT_JNI_PARKED);
    CHECK_EQ_INT(C(ch)->seat.dir, WEFT_RECV);
    CHECK_EQ_INT(weft_chan_queued(C(ch), WEFT_RECV), 1); /* the sitter counts */
    int64_t p = weft_jni_chan_send(jt[1].op, ch, 7, 1 | WEFT_JNI_HAND, start_tok(1));
    CHECK_EQ_INT((int16_t)(p & 0xffff), WEFT_JNI_OK);
    CHECK_EQ_INT(p >> 16, tok(0)); /* the sitter's token, from the seat */
    CHECK_EQ_INT(C(ch)->seat.dir, 0);
    /* nothing of the sitter's was touched: its op record still waits */
    CHECK_EQ_INT(weft_ext_settled((weft_ext_t *)(intptr_t)jt[0].op), 0);
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[0].op, ch, 0, tok(0))), WEFT_JNI_EBUSY);
    int64_t v = 0;
    CHECK_EQ_INT(unpack_hand(p, 7), WEFT_JNI_OK);
    CHECK_EQ_INT(settle_hand(0, WEFT_JNI_PARKED, &v), WEFT_JNI_OK);
    CHECK_EQ_INT(v, 7);
    /* told at the next start, the record is free again; a sitting sender */
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_send(jt[0].op, ch, 8, 1 | WEFT_JNI_HAND, start_tok(0)), 8),
                 WEFT_JNI_PARKED);
    CHECK_EQ_INT(C(ch)->seat.dir, WEFT_SEND);
    p = weft_jni_chan_recv(jt[1].op, ch, 1 | WEFT_JNI_HAND, start_tok(1));
    CHECK_EQ_INT(p >> 16, tok(0));
    CHECK_EQ_INT(unpack_hand(p, 0), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_op_value(jt[1].op), 8); /* from the seat */
    CHECK_EQ_INT(settle_hand(0, WEFT_JNI_PARKED, NULL), WEFT_JNI_OK);
    /* a record that ended by hand is freed with handed = 1, not before */
    CHECK_EQ_INT(weft_jni_op_free(jt[0].op, 0), WEFT_JNI_EBUSY);
    CHECK_EQ_INT(weft_jni_op_free(jt[0].op, 1), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_ext_wake_pending(), 0);
    weft_jni_chan_release(ch);
    weft_shutdown();
}

WEFT_TEST(a_sitter_completed_by_a_coroutine_or_a_select_asks_its_op_record)
{
    jt_init(2);
    pthread_t d = drainer_start();
    chan_h = weft_jni_chan_make(8, 0);
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_recv(jt[0].op, chan_h, 1 | WEFT_JNI_HAND, start_tok(0)), 0),
                 WEFT_JNI_PARKED);
    CHECK_EQ_INT(C(chan_h)->seat.dir, WEFT_RECV);
    weft_co_t *co = spawn(co_send_42, (void *)42);
    int64_t v = 0;
    CHECK_EQ_INT(settle_hand(0, WEFT_JNI_PARKED, &v), WEFT_JNI_OK);
    CHECK_EQ_INT(v, 42);
    join_co(co);
    /* a select's receive takes a sitting sender's value */
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_send(jt[0].op, chan_h, 9, 1 | WEFT_JNI_HAND, start_tok(0)), 9),
                 WEFT_JNI_PARKED);
    int64_t chans[1] = { chan_h }, vals[1] = { 0 };
    int dirs[1] = { WEFT_RECV };
    int r = unpack(weft_jni_select(jt[1].op, 1, select_args(1, chans, dirs, vals), 0, tok(1)));
    CHECK_EQ_INT(r, 0);
    CHECK_EQ_INT(weft_jni_op_case_value(jt[1].op, 0), 9);
    CHECK_EQ_INT(settle_hand(0, WEFT_JNI_PARKED, NULL), WEFT_JNI_OK);
    drainer_stop_join(d);
    weft_jni_chan_release(chan_h);
    weft_shutdown();
}

/* Select.run's hand-over: the token a case that fired at once got back
 * is handed OK (and a send case's value), as unpack_hand does for a
 * plain call; the status is the case's index */
static int select_hand(int64_t p, int64_t value)
{
    int r = (int16_t)(p & 0xffff);
    completed(p >> 16, r >= 0 && r < WEFT_JNI_PARKED, value);
    return r;
}

/* A select that hands over (WEFT_JNI_HAND, as Java's Select does) takes a
 * sitter's token back like a plain operation: the sitter's op record is
 * not touched, a sitting sender's value is the case's, and a sitting
 * receiver gets the send case's value by hand only. */
WEFT_TEST(a_select_that_hands_over_takes_a_sitters_token_back)
{
    jt_init(3);
    int64_t ch = weft_jni_chan_make(8, 0);
    int64_t chans[2] = { ch, ch }, vals[2] = { 0, 0 };
    int dirs[2] = { WEFT_RECV, WEFT_RECV };
    /* a sitting sender, taken by a receive case */
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_send(jt[0].op, ch, 9, 1 | WEFT_JNI_HAND, start_tok(0)), 9),
                 WEFT_JNI_PARKED);
    CHECK_EQ_INT(C(ch)->seat.dir, WEFT_SEND);
    int64_t p = weft_jni_select(jt[1].op, 1, select_args(1, chans, dirs, vals), WEFT_JNI_HAND, start_tok(1));
    CHECK_EQ_INT((int16_t)(p & 0xffff), 0);
    CHECK_EQ_INT(p >> 16, tok(0));
    CHECK_EQ_INT(C(ch)->seat.dir, 0);
    CHECK_EQ_INT(weft_ext_settled((weft_ext_t *)(intptr_t)jt[0].op), 0);
    CHECK_EQ_INT(weft_jni_op_case_value(jt[1].op, 0), 9);
    CHECK_EQ_INT(select_hand(p, 0), 0);
    CHECK_EQ_INT(settle_hand(0, WEFT_JNI_PARKED, NULL), WEFT_JNI_OK);
    /* a sitting receiver, taken by a send case: its value comes by hand */
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_recv(jt[0].op, ch, 1 | WEFT_JNI_HAND, start_tok(0)), 0),
                 WEFT_JNI_PARKED);
    CHECK_EQ_INT(C(ch)->seat.dir, WEFT_RECV);
    dirs[1] = WEFT_SEND;
    vals[1] = 5;
    int64_t chans2[2] = { 0, ch }; /* case 0: a nil channel, never ready */
    p = weft_jni_select(jt[1].op, 2, select_args(2, chans2, dirs, vals), WEFT_JNI_HAND, start_tok(1));
    CHECK_EQ_INT((int16_t)(p & 0xffff), 1);
    CHECK_EQ_INT(p >> 16, tok(0));
    CHECK_EQ_INT(weft_ext_settled((weft_ext_t *)(intptr_t)jt[0].op), 0);
    CHECK_EQ_INT(select_hand(p, 5), 1);
    int64_t v = 0;
    CHECK_EQ_INT(settle_hand(0, WEFT_JNI_PARKED, &v), WEFT_JNI_OK);
    CHECK_EQ_INT(v, 5);
    /* a queued (not sitting) sender is won through its op record, as
     * without HAND: its token comes back as well and it asks or is handed */
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_send(jt[0].op, ch, 11, 1 | WEFT_JNI_HAND, start_tok(0)), 11),
                 WEFT_JNI_PARKED);
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_send(jt[2].op, ch, 12, 1 | WEFT_JNI_HAND, start_tok(2)), 12),
                 WEFT_JNI_PARKED);
    CHECK_EQ_INT(weft_chan_queued(C(ch), WEFT_SEND), 2);
    dirs[1] = WEFT_RECV;
    p = weft_jni_select(jt[1].op, 1, select_args(1, chans, dirs, vals), WEFT_JNI_HAND, start_tok(1));
    CHECK_EQ_INT(p >> 16, tok(0)); /* the sitter is the oldest */
    CHECK_EQ_INT(weft_jni_op_case_value(jt[1].op, 0), 11);
    CHECK_EQ_INT(select_hand(p, 0), 0);
    CHECK_EQ_INT(settle_hand(0, WEFT_JNI_PARKED, NULL), WEFT_JNI_OK);
    p = weft_jni_select(jt[1].op, 1, select_args(1, chans, dirs, vals), WEFT_JNI_HAND, start_tok(1));
    CHECK_EQ_INT(p >> 16, tok(2));
    CHECK_EQ_INT(weft_ext_settled((weft_ext_t *)(intptr_t)jt[2].op), 1); /* queued: won natively */
    CHECK_EQ_INT(weft_jni_op_case_value(jt[1].op, 0), 12);
    CHECK_EQ_INT(select_hand(p, 0), 0);
    CHECK_EQ_INT(settle_hand(2, WEFT_JNI_PARKED, NULL), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_chan_queued(C(ch), WEFT_SEND), 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(weft_jni_op_free(jt[i].op, tell_handed[i]), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_ext_wake_pending(), 0);
    weft_jni_chan_release(ch);
    weft_shutdown();
}

WEFT_TEST(close_and_abort_end_a_sitters_wait)
{
    jt_init(3);
    pthread_t d = drainer_start();
    int64_t ch = weft_jni_chan_make(8, 0);
    /* abort wins: the seat is empty again, nobody can complete the wait */
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_recv(jt[0].op, ch, 1 | WEFT_JNI_HAND, start_tok(0)), 0),
                 WEFT_JNI_PARKED);
    CHECK_EQ_INT(weft_jni_op_abort(jt[0].op, WEFT_JNI_ETIMEDOUT), 1);
    CHECK_EQ_INT(result(0), WEFT_JNI_ETIMEDOUT);
    CHECK_EQ_INT(C(ch)->seat.dir, 0);
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[1].op, ch, 1, 0 | WEFT_JNI_HAND, start_tok(1))), WEFT_JNI_EAGAIN);
    /* a try never sits */
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[0].op, ch, 0 | WEFT_JNI_HAND, start_tok(0))), WEFT_JNI_EAGAIN);
    CHECK_EQ_INT(C(ch)->seat.dir, 0);
    /* abort loses to a partner that took the token back */
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_recv(jt[0].op, ch, 1 | WEFT_JNI_HAND, start_tok(0)), 0),
                 WEFT_JNI_PARKED);
    int64_t p = weft_jni_chan_send(jt[1].op, ch, 5, 1 | WEFT_JNI_HAND, start_tok(1));
    CHECK_EQ_INT(weft_jni_op_abort(jt[0].op, WEFT_JNI_ECANCELED), 0);
    int64_t v = 0;
    CHECK_EQ_INT(unpack_hand(p, 5), WEFT_JNI_OK);
    CHECK_EQ_INT(settle_hand(0, WEFT_JNI_PARKED, &v), WEFT_JNI_OK);
    CHECK_EQ_INT(v, 5);
    /* close: a sitting receiver (its element zeroed) and a queued one behind it */
    signed char ff[8] = { -1, -1, -1, -1, -1, -1, -1, -1 };
    CHECK_EQ_INT(weft_jni_op_set_bytes(jt[0].op, ff, 8), WEFT_JNI_OK);
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_recv(jt[0].op, ch, 1 | WEFT_JNI_HAND, start_tok(0)), 0),
                 WEFT_JNI_PARKED);
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_recv(jt[2].op, ch, 1 | WEFT_JNI_HAND, start_tok(2)), 0),
                 WEFT_JNI_PARKED);
    CHECK_EQ_INT(weft_chan_queued(C(ch), WEFT_RECV), 2);
    CHECK_EQ_INT(unpack(weft_jni_chan_close(ch)), WEFT_JNI_OK);
    CHECK_EQ_INT(settle_hand(0, WEFT_JNI_PARKED, &v), WEFT_JNI_ECLOSED);
    CHECK_EQ_INT(v, 0);
    CHECK_EQ_INT(settle_hand(2, WEFT_JNI_PARKED, NULL), WEFT_JNI_ECLOSED);
    CHECK_EQ_INT(C(ch)->seat.dir, 0);
    drainer_stop_join(d);
    weft_jni_chan_release(ch);
    weft_shutdown();
}

WEFT_TEST(the_sitter_is_served_first_and_only_8_byte_unbuffered_channels_seat)
{
    jt_init(3);
    int64_t ch = weft_jni_chan_make(8, 0);
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_recv(jt[0].op, ch, 1 | WEFT_JNI_HAND, start_tok(0)), 0),
                 WEFT_JNI_PARKED);
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_recv(jt[1].op, ch, 1 | WEFT_JNI_HAND, start_tok(1)), 0),
                 WEFT_JNI_PARKED); /* the seat is taken: queued */
    int64_t p = weft_jni_chan_send(jt[2].op, ch, 1, 1 | WEFT_JNI_HAND, start_tok(2));
    CHECK_EQ_INT(p >> 16, tok(0)); /* first come, first served */
    CHECK_EQ_INT(unpack_hand(p, 1), WEFT_JNI_OK);
    CHECK_EQ_INT(settle_hand(0, WEFT_JNI_PARKED, NULL), WEFT_JNI_OK);
    p = weft_jni_chan_send(jt[2].op, ch, 2, 1 | WEFT_JNI_HAND, start_tok(2));
    CHECK_EQ_INT(p >> 16, tok(1));
    int64_t v = 0;
    CHECK_EQ_INT(unpack_hand(p, 2), WEFT_JNI_OK);
    CHECK_EQ_INT(settle_hand(1, WEFT_JNI_PARKED, &v), WEFT_JNI_OK);
    CHECK_EQ_INT(v, 2);
    /* buffered, or records: the queue, as before */
    int64_t buf = weft_jni_chan_make(8, 1), rec = weft_jni_chan_make(8 + 1, 0);
    weft_jni_op_free(jt[0].op, 1);
    jt[0].op = weft_jni_op_new(16, 0);
    tell_handed[0] = 0;
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_recv(jt[0].op, buf, 1 | WEFT_JNI_HAND, start_tok(0)), 0),
                 WEFT_JNI_PARKED);
    CHECK_EQ_INT(weft_chan_queued(C(buf), WEFT_RECV), 1);
    CHECK_EQ_INT(weft_jni_op_abort(jt[0].op, WEFT_JNI_ETIMEDOUT), 1);
    CHECK_EQ_INT(result(0), WEFT_JNI_ETIMEDOUT);
    CHECK_EQ_INT(unpack_hand(weft_jni_chan_recv(jt[0].op, rec, 1 | WEFT_JNI_HAND, start_tok(0)), 0),
                 WEFT_JNI_PARKED);
    CHECK_EQ_INT(C(rec)->seat.dir, 0);
    CHECK_EQ_INT(weft_chan_queued(C(rec), WEFT_RECV), 1);
    CHECK_EQ_INT(weft_jni_op_abort(jt[0].op, WEFT_JNI_ETIMEDOUT), 1);
    CHECK_EQ_INT(result(0), WEFT_JNI_ETIMEDOUT);
    weft_jni_chan_release(ch);
    weft_jni_chan_release(buf);
    weft_jni_chan_release(rec);
    weft_shutdown();
}

/* stress: Java-like parties that hand over, and coroutines, on one
 * unbuffered channel: every value arrives exactly once */
static void *jt_consumer_hand(void *arg)
{
    int i = (int)(intptr_t)arg;
    for (;;) {
        int64_t v = 0;
        int r = settle_hand(i, unpack_hand(weft_jni_chan_recv(jt[i].op, chan_h, 1 | WEFT_JNI_HAND, start_tok(i)), 0),
                            &v);
        if (r == WEFT_JNI_ECLOSED)
            return NULL;
        CHECK_EQ_INT(r, WEFT_JNI_OK);
        atomic_fetch_add(&consumed_sum, v);
        atomic_fetch_add(&consumed_n, 1);
    }
}

static void *jt_producer_hand(void *arg)
{
    int i = (int)(intptr_t)arg;
    int64_t base = (int64_t)(i - CONSUMERS + PRODUCERS / 2) * PER_PRODUCER;
    for (int64_t k = 1; k <= PER_PRODUCER; k++) {
        int64_t v = base + k;
        int r = unpack_hand(weft_jni_chan_send(jt[i].op, chan_h, v, 1 | WEFT_JNI_HAND, start_tok(i)), v);
        CHECK_EQ_INT(settle_hand(i, r, NULL), WEFT_JNI_OK);
    }
    return NULL;
}

WEFT_TEST(mpmc_unbuffered_with_seats_exact_accounting)
{
    mpmc(0, jt_consumer_hand, jt_producer_hand);
}

WEFT_TEST(live_counts_follow_make_and_free)
{
    weft_stats_t st;
    int64_t chans = weft_jni_chan_live(), syncs = weft_jni_sync_live();
    CHECK_EQ_INT(weft_stats(&st), WEFT_OK);
    CHECK_EQ_INT(st.channels, chans);
    CHECK_EQ_INT(st.java_sync, syncs);

    int64_t ch = weft_jni_chan_make(8, 0);
    int64_t m = weft_jni_mutex_new(), rw = weft_jni_rwlock_new(), s = weft_jni_sem_new(1);
    int64_t c = weft_jni_cond_new(), wg = weft_jni_wg_new();
    CHECK(ch > 0 && m > 0 && rw > 0 && s > 0 && c > 0 && wg > 0);
    CHECK_EQ_INT(weft_jni_chan_live(), chans + 1);
    CHECK_EQ_INT(weft_jni_sync_live(), syncs + 5);
    CHECK_EQ_INT(weft_stats(&st), WEFT_OK);
    CHECK_EQ_INT(st.channels, chans + 1);
    CHECK_EQ_INT(st.java_sync, syncs + 5);
    CHECK_EQ_INT(weft_jni_sem_new(-1), WEFT_JNI_EINVAL); /* a failed _new counts nothing */
    CHECK_EQ_INT(weft_jni_sync_live(), syncs + 5);

    /* a free that is refused frees nothing and counts nothing */
    CHECK_EQ_INT(weft_jni_mutex_trylock(m), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_mutex_free(m), WEFT_JNI_ESTATE);
    CHECK_EQ_INT(weft_jni_sync_live(), syncs + 5);
    CHECK_EQ_INT(unpack(weft_jni_mutex_unlock(m)), WEFT_JNI_OK);

    CHECK_EQ_INT(weft_jni_mutex_free(m), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_rwlock_free(rw), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_sem_free(s), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_cond_free(c), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_sync_live(), syncs + 1);
    CHECK_EQ_INT(weft_jni_wg_free(wg), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_sync_live(), syncs);
    CHECK_EQ_INT(weft_jni_chan_release(ch), WEFT_JNI_OK);
    CHECK_EQ_INT(weft_jni_chan_live(), chans);
}

WEFT_TEST(bad_arguments)
{
    jt_init(1);
    CHECK_EQ_INT(weft_jni_op_new(-1, 0), WEFT_JNI_EINVAL);
    CHECK_EQ_INT(weft_jni_op_new(8, -1), WEFT_JNI_EINVAL);
    CHECK_EQ_INT(weft_jni_chan_make(8, -1), WEFT_JNI_EINVAL);
    CHECK_EQ_INT(weft_jni_chan_make(1 << 20, 1), WEFT_JNI_EINVAL);
    CHECK_EQ_INT(weft_jni_chan_make(8, INT64_MAX / 2), WEFT_JNI_ENOMEM);
    int64_t ch = weft_jni_chan_make(8, 1);
    CHECK_EQ_INT(unpack(weft_jni_chan_recv(jt[0].op, ch, 1, 0)), WEFT_JNI_EINVAL); /* token 0 */
    /* a record bigger than the op's element */
    int64_t big = weft_jni_chan_make(64, 1);
    CHECK_EQ_INT(unpack(weft_jni_chan_send(jt[0].op, big, 0, 1, tok(0))), WEFT_JNI_EINVAL);
    CHECK_EQ_INT(weft_jni_op_abort(jt[0].op, WEFT_JNI_ETIMEDOUT), 0); /* nothing queued */
    CHECK_EQ_INT(result(0), WEFT_JNI_EINVAL);
    CHECK_EQ_INT(weft_jni_go(0, 0), WEFT_JNI_EINVAL);
    CHECK_EQ_INT(weft_jni_dlsym("/nonexistent/libnothing.so", "x"), 0);
    CHECK(weft_jni_dlerror()[0] != 0);
    weft_jni_chan_release(ch);
    weft_jni_chan_release(big);
    weft_shutdown();
}

WEFT_TEST_MAIN()
