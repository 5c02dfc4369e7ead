package dev.weft;

import dev.weft.jni.WeftJni;

/**
 * Waits, in tests, until other threads have really blocked on a channel
 * (they are queued on it natively), so that a test of "wakes a blocked
 * receiver" does not test an unblocked one on a slow machine, as a
 * sleep before the wake-up would.
 */
final class Blocked {
    private Blocked() {}

    static final int SENDERS = 1; // WEFT_SEND
    static final int RECEIVERS = 2; // WEFT_RECV

    /** Returns once at least n parties are queued on ch's queue dir; fails after 10 s. */
    static void await(NativeChan ch, int dir, int n) throws InterruptedException {
        await(ch, null, dir, n);
    }

    /**
     * Returns once at least n parties wait to receive from ch, natively or
     * in its {@link HeapSeat}; fails after 10 s.
     */
    static void receivers(Chan<?> ch, int n) throws InterruptedException {
        await(ch.core, ch.heap, RECEIVERS, n);
    }

    /** As {@link #receivers}, for senders. */
    static void senders(Chan<?> ch, int n) throws InterruptedException {
        await(ch.core, ch.heap, SENDERS, n);
    }

    /** Parties queued on ch's queue dir plus (heap non-null) the one sitting in heap on that side. */
    private static void await(NativeChan ch, HeapSeat heap, int dir, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        long q;
        while ((q = WeftJni.weft_jni_chan_queued(ch.handle, dir)) + (heap == null ? 0 : heap.sitting(dir == SENDERS)) < n) {
            if (q < 0) {
                throw new AssertionError("weft_jni_chan_queued: " + q);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(q + " of " + n + " parties blocked after 10 s");
            }
            Thread.sleep(1); // a poll interval; the condition is what is waited for
        }
    }
}
