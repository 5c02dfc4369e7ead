package dev.weft;

import dev.weft.internal.NativeWaitGroup;
import dev.weft.internal.Parking;

import java.time.Duration;

/**
 * Go's {@code sync.WaitGroup}: waits for a collection of coroutines to
 * finish. {@link #add(int)} before starting each, {@link #done()} when
 * each ends, {@link #await()} until the count is zero. Shared with native
 * coroutines' {@code weft_wg_t} semantics.
 */
public final class WaitGroup {
    private final NativeWaitGroup sync;

    /** A WaitGroup with count 0. */
    public WaitGroup() {
        sync = new NativeWaitGroup(this);
    }

    /**
     * Adds {@code delta} (may be negative) to the count; at zero, every
     * waiter is released.
     *
     * @param delta the change
     * @throws IllegalStateException if the count would go negative (it is left unchanged)
     */
    public void add(int delta) {
        if (!sync.add(this, delta)) {
            throw new IllegalStateException("WaitGroup count would go negative (" + count() + " + " + delta + ")");
        }
    }

    /** {@code add(-1)}. @throws IllegalStateException if the count is already 0 */
    public void done() {
        add(-1);
    }

    /**
     * The count now, a snapshot.
     *
     * @return the current count
     */
    public long count() {
        return sync.count(this);
    }

    /**
     * Waits until the count is zero.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void await() throws InterruptedException {
        sync.await(this, Long.MAX_VALUE);
    }

    /**
     * Waits at most {@code timeout} for the count to reach zero.
     *
     * @param timeout how long to wait
     * @return true if it did, false on timeout
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean await(Duration timeout) throws InterruptedException {
        return sync.await(this, Parking.deadline(timeout));
    }
}
