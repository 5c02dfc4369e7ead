package dev.weft;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Go's {@code time.Ticker}: its {@link #chan()} receives the time every
 * period. A slow receiver misses ticks rather than piling them up (the
 * channel holds one). {@link #stop()} ends it.
 */
public final class Ticker implements AutoCloseable {
    private final Chan<Instant> ch = Chan.make(1);
    private final Thread ticker;
    private volatile Duration period;

    /**
     * Starts a ticker whose first tick comes one period from now.
     *
     * @param period time between ticks, positive
     * @throws IllegalArgumentException if period is not positive
     */
    public Ticker(Duration period) {
        check(period);
        this.period = period;
        ticker = Thread.ofVirtual().name("weft-ticker").start(this::loop);
    }

    private static void check(Duration period) {
        Objects.requireNonNull(period, "period is null");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("ticker period must be positive, not " + period);
        }
    }

    /**
     * The period in nanoseconds, saturated (TimeUnit.convert): a period past
     * a long's nanoseconds (292 years, ChronoUnit.FOREVER's) is
     * Long.MAX_VALUE, as good as never, not an ArithmeticException.
     */
    private long periodNanos() {
        return TimeUnit.NANOSECONDS.convert(period);
    }

    private void loop() {
        // nanoTime arithmetic: compare by differences only, so that a sum
        // that wraps (a period near Long.MAX_VALUE) still counts right
        long next = System.nanoTime() + periodNanos();
        try {
            for (;;) {
                long left = next - System.nanoTime();
                if (left > 0) {
                    Weft.sleep(Duration.ofNanos(left));
                }
                ch.trySend(Instant.now());
                long now = System.nanoTime();
                long p = periodNanos();
                // fell behind: skip, don't burst
                next = next + p - now < 0 ? now + p : next + p;
            }
        } catch (InterruptedException e) {
            // stopped
        }
    }

    /**
     * The channel the ticks arrive on (one is kept if nobody receives it).
     *
     * @return the channel of ticks
     */
    public Chan<Instant> chan() {
        return ch;
    }

    /**
     * Changes the period from the next tick on.
     *
     * @param period the new period, positive
     */
    public void reset(Duration period) {
        check(period);
        this.period = period;
    }

    /** Stops the ticks (no more are sent; the channel is not closed, as in Go). */
    public void stop() {
        ticker.interrupt();
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }
}
