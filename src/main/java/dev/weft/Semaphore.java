package dev.weft;

import dev.weft.internal.NativeSemaphore;
import dev.weft.internal.Parking;

import java.time.Duration;

/**
 * A counting semaphore on Weft's native one: FIFO hand-off of released
 * permits to waiters, waiting by parking.
 */
public final class Semaphore {
    private final NativeSemaphore sync;

    /**
     * Creates a semaphore holding {@code permits} permits.
     *
     * @param permits initial permits, at least 0
     * @throws IllegalArgumentException if permits is negative
     */
    public Semaphore(long permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits must be >= 0, not " + permits);
        }
        sync = new NativeSemaphore(this, permits);
    }

    /**
     * Takes a permit, waiting for one.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void acquire() throws InterruptedException {
        if (!acquire(Long.MAX_VALUE)) {
            throw new IllegalStateException("unreachable");
        }
    }

    /**
     * Takes a permit, waiting for one at most {@code timeout}.
     *
     * @param timeout how long to wait at most
     * @return true if a permit was taken
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean tryAcquire(Duration timeout) throws InterruptedException {
        return acquire(Parking.deadline(timeout));
    }

    private boolean acquire(long deadline) throws InterruptedException {
        if (Thread.interrupted()) {
            throw Coroutine.interruptedOrCancelled();
        }
        return sync.acquire(this, deadline);
    }

    /**
     * Takes a permit only if one is free now.
     *
     * @return true if a permit was taken without waiting
     */
    public boolean tryAcquire() {
        return sync.tryAcquire(this);
    }

    /** Returns a permit (to the longest waiter, if any). */
    public void release() {
        sync.release(this);
    }

    /**
     * The number of free permits now, a snapshot.
     *
     * @return permits available now (0 while anyone waits)
     */
    public long availablePermits() {
        return Math.max(0, sync.value(this));
    }
}
