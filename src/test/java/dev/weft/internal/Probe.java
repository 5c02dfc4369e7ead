package dev.weft.internal;

import dev.weft.jni.WeftJni;

import java.util.function.Predicate;

/**
 * What the tests in {@code dev.weft} observe of the internals (objects
 * parked in {@link Slots}, native objects alive, parties waiting on a
 * channel), without reaching into package-private code.
 */
public final class Probe {
    private Probe() {}

    /** Objects in flight through native channels ({@link Slots#size()}). */
    public static int slots() {
        return Slots.size();
    }

    /** Whether some slot holds {@code o}. */
    public static boolean slotsHold(Object o) {
        return Slots.holds(o);
    }

    /** Slots holding an object that {@code which} accepts. */
    public static int slotsCount(Predicate<Object> which) {
        return Slots.count(which);
    }

    /** Native channels alive in the process ({@link Native#liveChannels()}). */
    public static long liveChannels() {
        return Native.liveChannels();
    }

    /** Native generators opened by Java and not yet freed ({@link NativeGenerator#liveCount()}). */
    public static long liveGenerators() {
        return NativeGenerator.liveCount();
    }

    /**
     * Parties queued natively on {@code ch}'s queue {@code dir} (1 senders,
     * 2 receivers), plus the one sitting on that side in its heap seat, if
     * it has one.
     */
    public static long waiting(NativeChan ch, int dir) {
        long q = WeftJni.weft_jni_chan_queued(ch.handle, dir);
        if (q < 0) {
            throw new AssertionError("weft_jni_chan_queued: " + q);
        }
        return q + (ch.heap == null ? 0 : ch.heap.sitting(dir == 1));
    }
}
