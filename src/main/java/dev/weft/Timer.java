package dev.weft;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Go's {@code time.Timer}: its {@link #chan()} receives the time once,
 * after the duration, unless {@link #stop()}ped first. Use it in a
 * {@link Select} next to other channels.
 */
public final class Timer {
    private final Chan<Instant> ch = Chan.make(1);
    private Pending pending;

    /** One start: fires unless settled first by stop. */
    private static final class Pending {
        final AtomicBoolean settled = new AtomicBoolean();
        Thread sleeper;
    }

    /**
     * Starts a timer.
     *
     * @param d after how long it fires
     */
    public Timer(Duration d) {
        start(d);
    }

    /**
     * The channel the firing time arrives on.
     *
     * @return the channel that receives the firing time
     */
    public Chan<Instant> chan() {
        return ch;
    }

    private synchronized void start(Duration d) {
        Objects.requireNonNull(d, "duration is null");
        Pending p = new Pending();
        pending = p;
        p.sleeper = Thread.ofVirtual().name("weft-timer").start(() -> {
            try {
                Weft.sleep(d);
            } catch (InterruptedException e) {
                return; // stopped
            }
            if (p.settled.compareAndSet(false, true)) {
                ch.trySend(Instant.now());
            }
        });
    }

    /**
     * Stops it from firing.
     *
     * @return true if this call stopped it, false if it had fired or been stopped already
     */
    public synchronized boolean stop() {
        Pending p = pending;
        boolean stopped = p.settled.compareAndSet(false, true);
        if (stopped) {
            p.sleeper.interrupt();
        }
        return stopped;
    }

    /**
     * Stops it and starts it again with {@code d}.
     *
     * @param d after how long it fires
     * @return true if it had been pending
     */
    public synchronized boolean reset(Duration d) {
        boolean was = stop();
        start(d);
        return was;
    }
}
