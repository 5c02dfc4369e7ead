/*
 * mutex.c - weft_mutex_t: one CAS each way when uncontended; under
 * contention Go's two modes (sync/mutex.go): normal, where a released
 * mutex is free for whoever comes first and one woken waiter competes
 * for it, and starvation, where it is handed to the first waiter.
 *
 * Why not always hand over (as this file did first): a hand-off makes
 * every contended unlock a wake-up and a context switch, and nobody can
 * take the mutex meanwhile.  With 4 virtual threads incrementing a
 * counter that cost 20x ReentrantLock's throughput, which lets a running
 * thread re-take a lock it just released.  Normal mode gives that back;
 * starvation mode bounds how long a waiter can be overtaken.
 *
 * m->state bits:
 *   M_LOCKED    held.
 *   M_WAITERS   the queue may be non-empty: unlock must take the slow
 *               path.  Set and cleared under m->lock only.
 *   M_WOKEN     a waiter was taken off the queue and told to retry
 *               (WEFT_WAKE_RETRY); until it has, unlocks wake nobody
 *               else (one waiter at a time competes, as in Go).  Set by
 *               the unlocker under m->lock; cleared by that waiter,
 *               under m->lock or, once it holds m, by spin_woken.
 *   M_STARVING  hand-off mode: newcomers may not take a free-looking
 *               mutex (it is never free in this mode: unlock hands it
 *               over).  Entered when the first waiter has been queued
 *               for more than weft_mutex_starve_ns (1 ms), seen by a
 *               slow unlock or by that waiter losing a retry; left by
 *               the hand-off after which the first waiter has waited
 *               less than that, or none is left.  Under m->lock.
 *
 * Fast paths, without m->lock (here and in Java's dev.weft.LockWord,
 * which CASes the same word, weft_jni.h): lock is the barging CAS below;
 * unlock is a CAS clearing M_LOCKED when there is nobody to wake (no
 * M_WAITERS, or M_WOKEN already set) and not M_STARVING.  Otherwise
 * unlock takes m->lock: the slow path below.
 *
 * Taking the mutex ("barging") is a CAS setting M_LOCKED from any state
 * with neither M_LOCKED nor M_STARVING, with or without m->lock.  A
 * locker that fails queues itself under m->lock, and sets M_WAITERS by a
 * CAS from the state it saw, so a racing release either came first (the
 * locker sees the mutex free and barges) or sees M_WAITERS and goes slow
 * (it needs m->lock, which the locker holds until it has stopped).  So
 * no waiter ever sits on a queue that no unlock will look at.
 *
 * The unlocker holds the mutex, so while it holds m->lock too nobody else
 * can change the state: M_LOCKED cannot be taken, and the other bits
 * change under m->lock.  It pops the first waiter and claims it (one CAS
 * on the waiter; a lost claim means a timeout or a cancel won that
 * waiter, which then unlinks itself: try the next).  In starvation mode
 * it resumes the claimed waiter with WEFT_WAKE_OK, the state staying
 * locked: the waiter returns owning m.  In normal mode it clears
 * M_LOCKED, sets M_WOKEN and resumes it with WEFT_WAKE_RETRY: the waiter
 * clears M_WOKEN and tries again; if it loses to a newcomer it queues
 * again at the front, keeping the time it first queued, so starvation
 * mode starts 1 ms after its first wait.  A woken waiter always
 * comes back (a coroutine or thread loops here; an external waiter's
 * retry runs in weft_mutex_retry_ext, which ext.c's result step calls
 * before it reports anything), so M_WOKEN is never left set.
 */
#include "sync.h"
#include "weft.h"

SYNC_SAME_SIZE(weft_mutex_t, weft_mutex);
SYNC_SAME_OFFSET(weft_mutex_t, state_, weft_mutex, state);
SYNC_SAME_OFFSET(weft_mutex_t, lock_, weft_mutex, lock);
SYNC_SAME_OFFSET(weft_mutex_t, q_, weft_mutex, q);

enum { M_LOCKED = 1, M_WAITERS = 2, M_WOKEN = 4, M_STARVING = 8 };

/* Go's starvationThresholdNs; a variable so tests can pin either mode */
int64_t weft_mutex_starve_ns = 1000000;

/* Spins before queueing, only while nobody waits (so spinning never
 * overtakes a queued party).  Short: a holder on the same worker cannot
 * run while we spin. */
#define MUTEX_SPINS 4
#define MUTEX_SPIN_PAUSES 30

/* Tries of an external waiter woken to compete (WEFT_WAKE_RETRY) on the
 * word itself, before it competes under m->lock; see spin_woken. */
#define MUTEX_WOKEN_SPINS 64

static struct weft_mutex *impl(weft_mutex_t *m)
{
    return (struct weft_mutex *)(void *)m;
}

int weft_mutex_init(weft_mutex_t *m)
{
    if (!m)
        return WEFT_EINVAL;
    weft_mutex_t z = WEFT_MUTEX_INIT;
    *m = z;
    return WEFT_OK;
}

static inline int try_fast(struct weft_mutex *m)
{
    int expect = 0;
    return atomic_compare_exchange_strong_explicit(&m->state, &expect, M_LOCKED,
                                                   memory_order_acquire, memory_order_relaxed);
}

/* Takes m if it is free and not in starvation mode. */
static inline int try_barge(struct weft_mutex *m)
{
    int s = atomic_load_explicit(&m->state, memory_order_relaxed);
    while (!(s & (M_LOCKED | M_STARVING)))
        if (atomic_compare_exchange_weak_explicit(&m->state, &s, s | M_LOCKED,
                                                  memory_order_acquire, memory_order_relaxed))
            return 1;
    return 0;
}

/* The woken waiter's spin (Go's: a woken goroutine spins before it
 * queues again).  While it looks, M_WOKEN stays set, so unlocks release
 * on their fast path and wake nobody else.  Without it, a holder that
 * releases and re-takes m in a loop (normal mode's point: a running
 * thread keeps the lock it just released) made its woken waiter lose
 * the retry under m->lock almost every time and queue again, and the
 * holder's next unlock had to wake it again: one slow unlock, retry and
 * re-queue per ~20 lock operations with 4-64 Java threads on one Mutex.
 * An external waiter runs this inside its result call (a JNI call from a
 * virtual thread): at most MUTEX_WOKEN_SPINS x MUTEX_SPIN_PAUSES pauses,
 * some tens of microseconds, on its carrier.
 *
 * Takes m by the barging CAS (never in starvation mode) and then clears
 * M_WOKEN without m->lock.  That is safe because we hold m: the only
 * plain stores to m->state are the holder's (unlock's slow path), every
 * other writer uses a CAS or fetch-and, so neither our clear nor theirs
 * can be lost.  M_WAITERS stays as it is, even if we were the last one
 * queued: a stale M_WAITERS only sends the next unlock down its slow
 * path, which finds the queue empty and clears it.  1: m is ours. */
static int spin_woken(struct weft_mutex *m)
{
    for (int i = 0; i < MUTEX_WOKEN_SPINS; i++) {
        int s = atomic_load_explicit(&m->state, memory_order_relaxed);
        if (s & M_STARVING)
            return 0; /* handed over in order now: queue under m->lock */
        if (!(s & M_LOCKED) &&
            atomic_compare_exchange_weak_explicit(&m->state, &s, s | M_LOCKED,
                                                  memory_order_acquire, memory_order_relaxed)) {
            atomic_fetch_and_explicit(&m->state, ~M_WOKEN, memory_order_relaxed);
            return 1;
        }
        for (int j = 0; j < MUTEX_SPIN_PAUSES; j++)
            weft_cpu_relax();
    }
    return 0;
}

/* With m->lock held and nobody queued any more: nothing for unlock to
 * look at, and no reason to stay in starvation mode. */
static void queue_emptied(struct weft_mutex *m)
{
    atomic_fetch_and_explicit(&m->state, ~(M_WAITERS | M_STARVING), memory_order_relaxed);
}

/* With m->lock held: take m (1; M_WAITERS and M_STARVING cleared if
 * nobody is queued any more) or mark it M_WAITERS so the holder's unlock
 * will look at the queue (0; the caller queues).  retry: the caller is
 * the woken waiter, which clears M_WOKEN either way. */
static int take_or_announce(struct weft_mutex *m, int retry, int64_t since)
{
    if (retry)
        atomic_fetch_and_explicit(&m->state, ~M_WOKEN, memory_order_relaxed);
    /* a woken waiter that has waited too long turns on hand-off (Go's
     * waiter does the same): unlocks that found someone already woken
     * released m without looking at the queue's age */
    int starve = retry && weft_now() - since > weft_mutex_starve_ns ? M_STARVING : 0;
    int s = atomic_load_explicit(&m->state, memory_order_relaxed);
    for (;;) {
        if (!(s & (M_LOCKED | M_STARVING))) {
            if (atomic_compare_exchange_weak_explicit(&m->state, &s, s | M_LOCKED,
                                                      memory_order_acquire, memory_order_relaxed)) {
                if (weft_waitq_empty(&m->q))
                    queue_emptied(m); /* a retrying waiter may have been the last */
                return 1;
            }
        } else if ((s & M_WAITERS) && (s & M_STARVING) >= starve) {
            return 0;
        } else if (atomic_compare_exchange_weak_explicit(&m->state, &s, s | M_WAITERS | starve,
                                                         memory_order_relaxed, memory_order_relaxed)) {
            return 0;
        }
    }
}

/* With m->lock held: queue w, at the front if it is a waiter coming back
 * from a retry (it keeps its place and its first-queued time). */
static void enqueue(struct weft_mutex *m, weft_waiter_t *w, int retry)
{
    if (!retry)
        w->since = weft_now();
    if (retry)
        weft_waitq_push_front(&m->q, w);
    else
        weft_waitq_push(&m->q, w);
}

/* Step 3, for a waiter that timed out or was cancelled: unlink it
 * (unless an unlocker popped it and lost the claim). */
static void unqueue(struct weft_mutex *m, weft_waiter_t *w)
{
    weft_spin_lock(&m->lock);
    weft_waitq_remove(&m->q, w);
    if (weft_waitq_empty(&m->q))
        queue_emptied(m);
    weft_spin_unlock(&m->lock);
}

/* The contended path.  nocancel: weft_cond_wait's relock. */
static int lock_slow(struct weft_mutex *m, int64_t deadline, int nocancel)
{
    for (int i = 0; i < MUTEX_SPINS; i++) {
        if (atomic_load_explicit(&m->state, memory_order_relaxed) & ~M_LOCKED)
            break; /* waiters, or starving: queue behind them */
        for (int j = 0; j < MUTEX_SPIN_PAUSES; j++)
            weft_cpu_relax();
        if (try_barge(m))
            return WEFT_OK;
    }
    weft_waiter_t w;
    int64_t since = 0;
    for (int retry = 0;; retry = 1) {
        weft_spin_lock(&m->lock);
        if (take_or_announce(m, retry, since)) {
            weft_spin_unlock(&m->lock);
            return WEFT_OK;
        }
        weft_waiter_init(&w, "mutex", m);
        w.nocancel = nocancel;
        w.since = since;
        enqueue(m, &w, retry);
        since = w.since;
        int r = weft_waiter_park(&w, &m->lock, deadline);
        if (r == WEFT_WAKE_OK)
            return WEFT_OK; /* handed over: we own m */
        if (r != WEFT_WAKE_RETRY) {
            unqueue(m, &w);
            return r;
        }
    }
}

/* External waiters (wait.h): WEFT_OK (w's owner holds m now) or
 * WEFT_EXT_PARKED (w queued; the unlock that wins it notifies). */
int weft_mutex_lock_ext(struct weft_mutex *m, weft_waiter_t *w)
{
    if (try_fast(m))
        return WEFT_OK;
    weft_spin_lock(&m->lock);
    if (take_or_announce(m, 0, 0)) {
        weft_spin_unlock(&m->lock);
        return WEFT_OK;
    }
    enqueue(m, w, 0);
    weft_spin_unlock(&m->lock);
    return WEFT_EXT_PARKED;
}

/* An external waiter woken with WEFT_WAKE_RETRY: take m (WEFT_OK; by
 * spin_woken, or under m->lock) or queue w again at the front, pending
 * once more (WEFT_EXT_PARKED). */
int weft_mutex_retry_ext(struct weft_mutex *m, weft_waiter_t *w)
{
    if (spin_woken(m))
        return WEFT_OK;
    weft_spin_lock(&m->lock);
    if (take_or_announce(m, 1, w->since)) {
        weft_spin_unlock(&m->lock);
        return WEFT_OK;
    }
    /* nobody else can touch w while it is off every queue */
    atomic_store_explicit(&w->state, WEFT_WAIT_PENDING, memory_order_relaxed);
    enqueue(m, w, 1);
    weft_spin_unlock(&m->lock);
    return WEFT_EXT_PARKED;
}

void weft_mutex_unqueue_ext(struct weft_mutex *m, weft_waiter_t *w)
{
    unqueue(m, w);
}

int weft_mutex_lock_until(weft_mutex_t *mu, int64_t deadline)
{
    if (!mu)
        return WEFT_EINVAL;
    struct weft_mutex *m = impl(mu);
    if (__builtin_expect(try_fast(m), 1))
        return WEFT_OK;
    return lock_slow(m, deadline < 0 ? -1 : deadline, 0);
}

int weft_mutex_lock(weft_mutex_t *m)
{
    return weft_mutex_lock_until(m, -1);
}

int weft_mutex_lock_nocancel(struct weft_mutex *m)
{
    if (try_fast(m))
        return WEFT_OK;
    return lock_slow(m, -1, 1);
}

int weft_mutex_trylock(weft_mutex_t *m)
{
    if (!m)
        return WEFT_EINVAL;
    return try_barge(impl(m)) ? WEFT_OK : WEFT_EAGAIN;
}

int weft_mutex_unlock(weft_mutex_t *mu)
{
    if (!mu)
        return WEFT_EINVAL;
    struct weft_mutex *m = impl(mu);

    /* Fast path: release without m->lock when there is nobody to wake:
     * none queued, or one already woken (it will come back and queue
     * again if it loses, and that changes the word, failing this CAS).
     * Not in starvation mode, where m goes to the first waiter. */
    int s = M_LOCKED;
    if (__builtin_expect(atomic_compare_exchange_strong_explicit(
                             &m->state, &s, 0, memory_order_release, memory_order_relaxed),
                         1))
        return WEFT_OK;
    for (;;) {
        if (!(s & M_LOCKED))
            return WEFT_ESTATE;
        if ((s & M_STARVING) || ((s & M_WAITERS) && !(s & M_WOKEN)))
            break;
        if (atomic_compare_exchange_weak_explicit(&m->state, &s, s & ~M_LOCKED,
                                                  memory_order_release, memory_order_relaxed))
            return WEFT_OK;
    }

    weft_spin_lock(&m->lock);
    s = atomic_load_explicit(&m->state, memory_order_relaxed);
    if (!(s & M_LOCKED)) { /* a double unlock raced us */
        weft_spin_unlock(&m->lock);
        return WEFT_ESTATE;
    }
    weft_waiter_t *w;
    int64_t now = weft_now();
    while ((w = m->q.head)) {
        /* starvation mode, entered when the first waiter waited too long */
        int starving = (s & M_STARVING) || now - w->since > weft_mutex_starve_ns;
        if (!starving && (s & M_WOKEN))
            break; /* one woken waiter competes at a time */
        weft_waitq_pop(&m->q);
        if (!weft_waiter_claim(w))
            continue; /* it timed out or was cancelled: it unlinks itself */
        int rest = weft_waitq_empty(&m->q) ? 0 : M_WAITERS;
        if (starving) {
            /* hand over: m stays locked, now by w.  Stay in hand-off
             * mode only while the next in line has waited too long too:
             * a hand-off costs a wake-up, so a long queue of recent
             * waiters goes back to normal mode (Go's rule, there checked
             * by the waiter that received the mutex) */
            int still = rest && now - m->q.head->since > weft_mutex_starve_ns ? M_STARVING : 0;
            atomic_store_explicit(&m->state, M_LOCKED | (s & M_WOKEN) | rest | still,
                                  memory_order_relaxed);
            weft_spin_unlock(&m->lock);
            /* resume's release store orders our critical section before
             * the new owner's; w cannot return before it (CLAIMED) */
            weft_waiter_resume(w, WEFT_WAKE_OK);
        } else {
            atomic_store_explicit(&m->state, M_WOKEN | rest, memory_order_release);
            weft_spin_unlock(&m->lock);
            weft_waiter_resume(w, WEFT_WAKE_RETRY);
        }
        return WEFT_OK;
    }
    /* nobody to wake (none queued, or one already woken): release */
    int rest = weft_waitq_empty(&m->q) ? 0 : M_WAITERS;
    atomic_store_explicit(&m->state, (s & M_WOKEN) | rest, memory_order_release);
    weft_spin_unlock(&m->lock);
    return WEFT_OK;
}

int weft_mutex_destroy(weft_mutex_t *mu)
{
    if (!mu)
        return WEFT_EINVAL;
    struct weft_mutex *m = impl(mu);
    weft_spin_lock(&m->lock);
    int busy = atomic_load_explicit(&m->state, memory_order_relaxed) != 0 ||
               !weft_waitq_empty(&m->q);
    weft_spin_unlock(&m->lock);
    return busy ? WEFT_ESTATE : WEFT_OK;
}
