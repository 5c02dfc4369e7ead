/*
 * chan_helpers.h - looking inside a channel from the tests: how many
 * parties wait on each end (chan.h's queues), to know when a party has
 * really blocked before the test acts on it.
 */
#ifndef WEFT_TEST_CHAN_HELPERS_H
#define WEFT_TEST_CHAN_HELPERS_H

#include "harness.h"
#include "weft.h"
#include "chan.h" /* internal: the queues */

/* Parties queued on c's dir end (a select's case counts as one). */
static inline int nqueued(weft_chan_t *c, int dir)
{
    int n = 0;
    weft_spin_lock(&c->lock);
    for (weft_waiter_t *w = (dir == WEFT_RECV ? c->recvq : c->sendq).head; w; w = w->next)
        n++;
    weft_spin_unlock(&c->lock);
    return n;
}

static inline int nqueued_all(weft_chan_t *c)
{
    return nqueued(c, WEFT_RECV) + nqueued(c, WEFT_SEND);
}

/* Waits (up to 5 s) until n parties are queued on c's dir end. */
static inline void wait_queued(weft_chan_t *c, int dir, int n)
{
    int64_t end = weft_now() + 5000000000LL;
    while (nqueued(c, dir) != n) {
        if (weft_now() > end)
            WEFT_FAIL("expected %d waiters on %s, have %d", n, dir == WEFT_RECV ? "recvq" : "sendq",
                      nqueued(c, dir));
        weft_sleep(100000);
    }
}

#endif /* WEFT_TEST_CHAN_HELPERS_H */
