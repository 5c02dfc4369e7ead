package dev.weft;

import dev.weft.internal.NativeChan;
import dev.weft.internal.Probe;

/**
 * Waits, in tests, until other threads have really blocked on a channel
 * (they are queued on it natively), so that a test of "wakes a blocked
 * receiver" does not test an unblocked one on a slow machine, as a
 * sleep before the wake-up would.
 */
public final class Blocked {
    private Blocked() {}

    public static final int SENDERS = 1; // WEFT_SEND
    public static final int RECEIVERS = 2; // WEFT_RECV

    /** Returns once at least n parties wait on ch's side dir (queued natively, or in its heap seat); fails after 10 s. */
    public static void await(NativeChan ch, int dir, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        long q;
        while ((q = Probe.waiting(ch, dir)) < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(q + " of " + n + " parties blocked after 10 s");
            }
            Thread.sleep(1); // a poll interval; the condition is what is waited for
        }
    }

    /**
     * Returns once at least n parties wait to receive from ch, natively or
     * in its heap seat; fails after 10 s.
     */
    public static void receivers(Chan<?> ch, int n) throws InterruptedException {
        await(ch.core, RECEIVERS, n);
    }

    /** As {@link #receivers}, for senders. */
    public static void senders(Chan<?> ch, int n) throws InterruptedException {
        await(ch.core, SENDERS, n);
    }
}
