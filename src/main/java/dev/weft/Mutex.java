package dev.weft;

import dev.weft.jni.WeftJni;

import java.lang.ref.Reference;
import java.time.Duration;
import java.util.Date;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * A mutual-exclusion {@link Lock} on Weft's native mutex (Go's
 * {@code sync.Mutex}): one compare-and-swap when uncontended, and under
 * contention a FIFO hand-off to the longest waiter, so nobody starves.
 * Waiting parks the (virtual) thread; a native coroutine may hold the same
 * kind of lock.
 *
 * <p>Not reentrant, like Go's: locking it again from the thread that
 * holds it throws {@link IllegalMonitorStateException} instead of
 * deadlocking, and only the holder may {@link #unlock()}. Conditions from
 * {@link #newCondition()} are Weft's native condition variables.
 */
public final class Mutex implements Lock {
    private static final LockWord WORD = LockWord.IMPL;

    final NativeSync sync;
    /** sync.handle: the address of the native state word */
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
        Parking.ensureStarted();
        sync = new NativeSync(this, WeftJni.weft_jni_mutex_new(), "mutex", WeftJni::weft_jni_mutex_free);
        word = sync.handle;
    }

    private void checkNotHeld() {
        if (owner == Thread.currentThread()) {
            throw new IllegalMonitorStateException("Mutex is not reentrant: this thread already holds it");
        }
    }

    @Override
    public void lock() {
        checkNotHeld();
        if (!WORD.tryLock(word)) {
            int r = NativeSync.awaitUninterruptibly(this, (op, tok) -> WeftJni.weft_jni_mutex_lock(op, sync.handle, tok));
            if (r != WeftJni.WEFT_JNI_OK) {
                throw new WeftException("Mutex.lock", r);
            }
        }
        owner = Thread.currentThread();
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

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit is null");
        return tryLock(Duration.of(time, unit.toChronoUnit()));
    }

    /**
     * Waits at most {@code timeout} for the lock.
     *
     * @param timeout how long to wait
     * @return true if acquired
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean tryLock(Duration timeout) throws InterruptedException {
        checkNotHeld();
        if (Thread.interrupted()) {
            throw Coroutine.interruptedOrCancelled();
        }
        return acquire(Parking.deadline(timeout));
    }

    private boolean acquire(long deadline) throws InterruptedException {
        int r = WeftJni.WEFT_JNI_OK;
        if (!WORD.tryLock(word)) {
            r = NativeSync.await(this, (op, tok) -> WeftJni.weft_jni_mutex_lock(op, sync.handle, tok), deadline, true);
        }
        if (r == WeftJni.WEFT_JNI_ETIMEDOUT) {
            return false;
        }
        if (r != WeftJni.WEFT_JNI_OK) {
            throw new WeftException("Mutex.lock", r);
        }
        owner = Thread.currentThread();
        return true;
    }

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
        int r = NativeSync.packed(this, WeftJni.weft_jni_mutex_unlock(sync.handle));
        if (r != WeftJni.WEFT_JNI_OK) {
            throw new WeftException("Mutex.unlock", r);
        }
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
        private final NativeSync sync;

        Cond(Mutex mutex) {
            this.mutex = mutex;
            this.sync = new NativeSync(this, WeftJni.weft_jni_cond_new(), "cond", WeftJni::weft_jni_cond_free);
        }

        /** Waits; returns the native outcome; the mutex is held again on return or throw. */
        private int waitFor(long deadline, boolean interruptible) throws InterruptedException {
            if (interruptible && Thread.interrupted()) {
                throw Coroutine.interruptedOrCancelled();
            }
            mutex.releaseForWait();
            try {
                int r = NativeSync.await(this, (op, tok) -> WeftJni.weft_jni_cond_wait(op, sync.handle, mutex.sync.handle, tok),
                        deadline, interruptible);
                if (r == WeftJni.WEFT_JNI_ESTATE) {
                    throw new IllegalMonitorStateException("await without holding the Mutex");
                }
                return r;
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

        @Override
        public long awaitNanos(long nanosTimeout) throws InterruptedException {
            long start = System.nanoTime();
            long deadline = Parking.deadline(Duration.ofNanos(Math.max(0, nanosTimeout)));
            waitFor(deadline, true);
            return nanosTimeout - (System.nanoTime() - start);
        }

        @Override
        public boolean await(long time, TimeUnit unit) throws InterruptedException {
            return awaitNanos(unit.toNanos(time)) > 0;
        }

        @Override
        public boolean awaitUntil(Date deadline) throws InterruptedException {
            long ms = deadline.getTime() - System.currentTimeMillis();
            return awaitNanos(TimeUnit.MILLISECONDS.toNanos(Math.max(0, ms))) > 0;
        }

        @Override
        public void signal() {
            checkHeld();
            NativeSync.packed(this, WeftJni.weft_jni_cond_signal(sync.handle, 0));
        }

        @Override
        public void signalAll() {
            checkHeld();
            NativeSync.packed(this, WeftJni.weft_jni_cond_signal(sync.handle, 1));
        }

        private void checkHeld() {
            if (!mutex.isHeldByCurrentThread()) {
                throw new IllegalMonitorStateException("signal without holding the Mutex");
            }
        }
    }
}
