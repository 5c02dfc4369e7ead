package dev.weft;

import dev.weft.internal.LockWord;
import dev.weft.internal.NativeCond;
import dev.weft.internal.NativeMutex;
import dev.weft.internal.Parking;

import java.lang.ref.Reference;
import java.time.Duration;
import java.util.Date;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * A mutual-exclusion {@link Lock} on Weft's native mutex (Go's
 * {@code sync.Mutex}): one compare-and-swap when uncontended; under
 * contention a short adaptive spin, then a FIFO queue whose first thread
 * competes with newcomers, until one has waited more than a millisecond:
 * then the lock is handed over in queue order, so nobody starves. Waiting
 * parks the (virtual) thread; a native coroutine may hold the same kind of
 * lock.
 *
 * <p>Not reentrant, like Go's: locking it again from the thread that
 * holds it throws {@link IllegalMonitorStateException} instead of
 * deadlocking, and only the holder may {@link #unlock()}. Conditions from
 * {@link #newCondition()} are Weft's native condition variables.
 */
public final class Mutex implements Lock {
    private static final LockWord WORD = LockWord.IMPL;

    final NativeMutex sync;
    /** sync.word(): the address of the native state word, here to spare the fast path a load */
    private final long word;
    /**
     * The holder, for the reentrancy and ownership checks. Plain: a
     * thread only ever compares it with itself, and it reads its own last
     * write (set after acquiring, cleared before releasing: the release
     * orders the clear before the next holder's set). isLocked() reads it
     * racily, as a snapshot.
     */
    private Thread owner;

    /** An unlocked mutex. */
    public Mutex() {
        sync = new NativeMutex(this);
        word = sync.word();
    }

    private void checkNotHeld() {
        if (owner == Thread.currentThread()) {
            throw new IllegalMonitorStateException("Mutex is not reentrant: this thread already holds it");
        }
    }

    @Override
    public void lock() {
        checkNotHeld();
        if (!WORD.tryLock(word) && !spinLock()) {
            sync.lock(this);
        }
        owner = Thread.currentThread();
    }

    /** Pauses per look at the word while spinning (Go's active_spin_cnt): ~0.4 us here. */
    private static final int SPIN_PAUSES = 30;
    /** The most looks one spin takes (~26 us), and what a spin that failed leaves. */
    private static final int MAX_SPIN_TRIES = 64;
    private static final int MIN_SPIN_TRIES = 4;
    /** With a budget of 0, one contended lock in PROBE_EVERY still spins PROBE_TRIES. */
    private static final int PROBE_EVERY = 64;
    private static final int PROBE_TRIES = 8;

    /**
     * The spin budget of the next contended lock, in looks. Per mutex, like
     * HotSpot's per-monitor spin duration: whether spinning pays depends on
     * how long this lock is held. Read and written racily by the threads
     * that contend: it is a hint, and a lost update only costs one spin
     * more or less. Written only when it changes, so a steady budget does
     * not make the line it shares with {@link #owner} bounce.
     */
    private int spinTries = MIN_SPIN_TRIES * 4;
    /** Contended locks since the last probe, while spinTries is 0; racy too. */
    private int sinceProbe;

    /**
     * Waits for a held mutex on its word before queueing natively, while
     * nobody is queued (so a spinner never overtakes a queued thread, the
     * rule of mutex.c's own spin) and not in hand-off mode. True: the
     * caller holds the mutex.
     *
     * <p>Why: with a short critical section, a thread that queues and parks
     * costs the holder a native unlock and an unpark, and itself a wake-up
     * of microseconds, only to find the lock taken again; and a second
     * carrier that runs nothing but wake-ups makes the lock's line bounce
     * every few operations. Spinning where the holder is running lets the
     * holder run on and takes the lock in one of its gaps. JMH's contended
     * benchmark (4 / 64 virtual threads on 2 carriers): 0.85x / 0.95x
     * ReentrantLock without it, 1.43x / 1.35x with it. Adaptive, like
     * {@link Parking}'s spin: a success doubles the budget (up to
     * {@link #MAX_SPIN_TRIES}), a spin that ran out halves it, down to 0,
     * where only a probe now and then spins, so a lock held long (or by a
     * thread that is not running) costs its waiters no carrier time.
     *
     * <p>Only with the FFM word ({@link LockWord#peek}); through JNI each
     * look would be a native call, and the JNI form does not spin.
     */
    private boolean spinLock() {
        int budget = spinTries;
        if (budget == 0) {
            if (++sinceProbe % PROBE_EVERY != 0) {
                return false;
            }
            budget = PROBE_TRIES;
        }
        for (int i = 0; i < budget; i++) {
            for (int j = 0; j < SPIN_PAUSES; j++) {
                Thread.onSpinWait();
            }
            int s = WORD.peek(word);
            if (s != LockWord.FREE && s != LockWord.LOCKED) {
                return false; // queued waiters, a woken one, hand-off mode, or no peeking: queue
            }
            if (s == LockWord.FREE && WORD.tryLock(word)) {
                setSpinTries(Math.min(MAX_SPIN_TRIES, Math.max(budget * 2, 2 * i + MIN_SPIN_TRIES)));
                return true;
            }
        }
        setSpinTries(budget >> 1 >= MIN_SPIN_TRIES ? budget >> 1 : 0);
        return false;
    }

    private void setSpinTries(int tries) {
        if (spinTries != tries) {
            spinTries = tries;
        }
    }

    /** The current spin budget, in looks (tests). */
    int spinTries() {
        return spinTries;
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        checkNotHeld();
        if (Thread.interrupted()) {
            throw Coroutine.interruptedOrCancelled();
        }
        if (!acquire(Long.MAX_VALUE)) {
            throw new IllegalStateException("unreachable");
        }
    }

    @Override
    public boolean tryLock() {
        checkNotHeld();
        if (WORD.tryLock(word)) {
            owner = Thread.currentThread();
            return true;
        }
        return false;
    }

    /**
     * Waits at most {@code time} for the lock, as {@link Lock#tryLock(long, TimeUnit)}
     * says: zero or negative (down to {@code Long.MIN_VALUE}) does not wait,
     * and a time too long for a long's nanoseconds ({@code Long.MAX_VALUE}
     * in any unit) waits as long as it takes, as ReentrantLock does.
     */
    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit is null");
        return tryLockNanos(unit.toNanos(time)); // saturates, unlike Duration.of
    }

    /**
     * Waits at most {@code timeout} for the lock: zero or negative does not
     * wait; one beyond a long's nanoseconds (ChronoUnit.FOREVER's) waits
     * as long as it takes.
     *
     * @param timeout how long to wait
     * @return true if acquired
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean tryLock(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout is null");
        return tryLockNanos(TimeUnit.NANOSECONDS.convert(timeout)); // saturates
    }

    private boolean tryLockNanos(long nanos) throws InterruptedException {
        checkNotHeld();
        if (Thread.interrupted()) {
            throw Coroutine.interruptedOrCancelled();
        }
        return acquire(Parking.deadline(nanos));
    }

    private boolean acquire(long deadline) throws InterruptedException {
        if (!WORD.tryLock(word) && !(spinFits(deadline) && spinLock()) && !sync.lock(this, deadline)) {
            return false;
        }
        owner = Thread.currentThread();
        return true;
    }

    /** A spin may overshoot a deadline by its length: only spin for one that leaves room. */
    private static boolean spinFits(long deadline) {
        return deadline == Long.MAX_VALUE || deadline - System.nanoTime() > SPIN_FITS_NS;
    }

    /** Twice the longest spin. */
    private static final long SPIN_FITS_NS = 50_000;

    /**
     * @throws IllegalMonitorStateException if the calling thread does not hold it
     */
    @Override
    public void unlock() {
        if (owner != Thread.currentThread()) {
            throw new IllegalMonitorStateException(owner == null
                    ? "unlock of an unlocked Mutex" : "Mutex held by " + owner + ", not by the calling thread");
        }
        owner = null;
        if (WORD.tryUnlock(word)) {
            Reference.reachabilityFence(this); // the Reclaimer frees the word
            return;
        }
        sync.unlock(this);
    }

    /**
     * Tells whether some thread holds the mutex, a snapshot (for
     * monitoring, not for synchronisation).
     *
     * @return true if some thread holds it
     */
    public boolean isLocked() {
        return owner != null;
    }

    /**
     * Tells whether the calling thread holds the mutex.
     *
     * @return true if the calling thread holds it
     */
    public boolean isHeldByCurrentThread() {
        return owner == Thread.currentThread();
    }

    /** Gives the lock up for a condition wait (the native side releases it). */
    void releaseForWait() {
        if (owner != Thread.currentThread()) {
            throw new IllegalMonitorStateException("await without holding the Mutex");
        }
        owner = null;
    }

    /** Takes it back after a condition wait, whatever ended the wait. */
    void reacquireAfterWait() {
        lock();
    }

    /** @return a new condition bound to this mutex (Weft's native condition variable) */
    @Override
    public Condition newCondition() {
        return new Cond(this);
    }

    /** The native condition variable behind {@link Mutex#newCondition()}. */
    private static final class Cond implements Condition {
        private final Mutex mutex;
        private final NativeCond sync;

        Cond(Mutex mutex) {
            this.mutex = mutex;
            this.sync = new NativeCond(this);
        }

        /**
         * Waits; the mutex is held again on return or throw. False: the
         * deadline passed first (a signal that comes as it passes may
         * count either way, as in ReentrantLock's conditions).
         */
        private boolean waitFor(long deadline, boolean interruptible) throws InterruptedException {
            if (interruptible && Thread.interrupted()) {
                throw Coroutine.interruptedOrCancelled();
            }
            mutex.releaseForWait();
            try {
                return sync.await(this, mutex.sync, deadline, interruptible);
            } finally {
                mutex.reacquireAfterWait();
            }
        }

        @Override
        public void await() throws InterruptedException {
            waitFor(Long.MAX_VALUE, true);
        }

        @Override
        public void awaitUninterruptibly() {
            try {
                waitFor(Long.MAX_VALUE, false);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        /**
         * As ReentrantLock's conditions do: a timeout of zero or less (down
         * to {@code Long.MIN_VALUE}) does not wait and answers at most
         * {@code nanosTimeout}; the answer never exceeds
         * {@code nanosTimeout} and does not wrap ({@code Long.MIN_VALUE}
         * where {@code nanosTimeout} minus the time waited would).
         */
        @Override
        public long awaitNanos(long nanosTimeout) throws InterruptedException {
            long nanos = Math.max(0, nanosTimeout);
            long start = System.nanoTime();
            waitFor(Parking.deadline(nanos), true);
            // both >= 0: no wrap; ReentrantLock's rule for what it answers
            long remaining = nanos - (System.nanoTime() - start);
            return remaining <= nanosTimeout ? remaining : Long.MIN_VALUE;
        }

        /** False if the time (saturated: Long.MAX_VALUE in any unit waits as long as it takes) passed unsignalled. */
        @Override
        public boolean await(long time, TimeUnit unit) throws InterruptedException {
            return waitFor(Parking.deadline(unit.toNanos(time)), true);
        }

        /** False if the deadline passed unsignalled; one in the past does not wait. */
        @Override
        public boolean awaitUntil(Date deadline) throws InterruptedException {
            long at = deadline.getTime();
            long now = System.currentTimeMillis();
            long ms = at <= now ? 0 : at - now < 0 ? Long.MAX_VALUE : at - now;
            return waitFor(Parking.deadline(TimeUnit.MILLISECONDS.toNanos(ms)), true);
        }

        @Override
        public void signal() {
            checkHeld();
            sync.signal(this, false);
        }

        @Override
        public void signalAll() {
            checkHeld();
            sync.signal(this, true);
        }

        private void checkHeld() {
            if (!mutex.isHeldByCurrentThread()) {
                throw new IllegalMonitorStateException("signal without holding the Mutex");
            }
        }
    }
}
