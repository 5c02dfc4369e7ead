package dev.weft;

import dev.weft.internal.Native;
import dev.weft.internal.Parking;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;

/**
 * Java's "all goroutines are asleep": a daemon thread that warns, through
 * {@link System.Logger} {@code dev.weft}, when every running Weft
 * coroutine is parked on a Weft object with no deadline and nothing has
 * moved for a while. Code outside Weft (a plain thread, a JDK queue) could
 * still wake them, so it warns, once per stuck state, and never interferes.
 *
 * <p>{@code -Dweft.deadlock=off} turns it off, {@code warn} (the default)
 * warns after 5 s, a number of seconds sets that threshold.
 */
final class Watchdog {
    private Watchdog() {}

    private static final System.Logger LOG = System.getLogger("dev.weft");
    static final String MESSAGE =
            "weft: every coroutine is parked on Weft objects and nothing can wake them - possible deadlock";

    private static final long THRESHOLD_NS = threshold(System.getProperty("weft.deadlock", "warn"));

    static {
        if (THRESHOLD_NS > 0) {
            Thread t = Thread.ofPlatform().daemon().name("weft-watchdog").unstarted(Watchdog::run);
            t.start();
        }
    }

    /** Starts the watchdog (once, with the runtime), if it is on. */
    static void ensureStarted() {
        // the static initializer does the work
    }

    private static long threshold(String v) {
        String s = v.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("off") || s.equals("false")) {
            return 0;
        }
        if (s.equals("warn") || s.isEmpty()) {
            return 5_000_000_000L;
        }
        try {
            double secs = Double.parseDouble(s);
            return secs > 0 ? (long) (secs * 1e9) : 0;
        } catch (NumberFormatException e) {
            LOG.log(Level.WARNING, "weft.deadlock=" + v + ": expected off, warn or a number of seconds; using 5 s");
            return 5_000_000_000L;
        }
    }

    /** What is stuck: the parked parties' threads and since when, and the native switch count. */
    private record State(List<Long> ids, List<Long> since, long nativeSwitches) {}

    private static void run() {
        State reported = null;
        long tick = Math.max(50_000_000L, Math.min(1_000_000_000L, THRESHOLD_NS / 5));
        for (;;) {
            try {
                Thread.sleep(java.time.Duration.ofNanos(tick));
            } catch (InterruptedException e) {
                return;
            }
            State s = stuck();
            if (s == null || s.equals(reported)) {
                continue;
            }
            reported = s;
            LOG.log(Level.WARNING, MESSAGE + "\n" + Weft.dump());
        }
    }

    /**
     * The stuck state, or null if something can still move: every running
     * coroutine parked (none running, none parked with a deadline), for at
     * least the threshold, and no native coroutine switched meanwhile.
     */
    private static State stuck() {
        List<Parking.ParkedParty> parked = Parking.parked();
        if (parked.isEmpty()) {
            return null;
        }
        long now = System.nanoTime();
        long coroutines = 0;
        List<Long> ids = new ArrayList<>(), since = new ArrayList<>();
        for (Parking.ParkedParty p : parked) {
            if (p.timed() || now - p.sinceNanos() < THRESHOLD_NS) {
                return null; // a timer will move it, or it has not waited long
            }
            coroutines += p.thread().isVirtual() ? 1 : 0;
            ids.add(p.thread().threadId());
            since.add(p.sinceNanos());
        }
        // A running coroutine that is not parked on Weft could still wake the
        // others (it computes, sleeps, or waits on something of the JDK's).
        // Virtual threads parked on Weft that are no Weft coroutine count as
        // parked parties too, so more parked than running is no sign of life.
        if (Coroutine.RUNNING.sum() > coroutines) {
            return null;
        }
        long sw = Native.switches();
        State s = new State(ids, since, sw);
        // the native side must not have moved over the threshold either
        return nativeQuiet(sw) ? s : null;
    }

    private static long lastSwitches = -1;
    private static long quietSince;

    private static boolean nativeQuiet(long sw) {
        long now = System.nanoTime();
        if (sw != lastSwitches) {
            lastSwitches = sw;
            quietSince = now;
            return false;
        }
        return now - quietSince >= THRESHOLD_NS;
    }
}
