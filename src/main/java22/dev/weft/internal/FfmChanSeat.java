package dev.weft.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * {@link ChanSeat} through the FFM API: the channel's first line read and
 * written with VarHandles on one constant segment spanning the address
 * space, the handle being the offset ({@link FfmLockWord} says why). The
 * offsets are struct weft_chan's (cnative/src/chan.h), held there by
 * static asserts in cnative/jni/jni_runtime.c.
 *
 * <p>The lock is lock.h's spinlock: an exchange takes it (on x86 a
 * {@code xchg}, a full barrier; elsewhere at least acquire), a release
 * store frees it, so what the sitter wrote under it is visible here and
 * what is written here is visible to the next holder. A busy lock is not
 * waited for: the native call that follows does that.
 *
 * <p>Each try first reads the seat's direction without the lock and goes
 * no further unless the other side sits. Half the tries find nobody (in
 * a ping-pong, the party that arrives first and will sit), and an
 * exchange there took the line from the partner for writing only to
 * make the native call that follows: without the look first, the
 * ping-pong got slower than with no fast path at all (818-895 ns per
 * round trip against 726-784).
 *
 * <p>In the jar's release-22 section ({@code META-INF/versions/22}),
 * compiled with release 22 whatever JDK builds, and loaded by name
 * ({@link FastPath}) on a 22+ JVM only.
 */
final class FfmChanSeat extends ChanSeat {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    // reinterpret is restricted (javac's lint "restricted"): used on purpose, the one segment
    // over the address space that the native handles are offsets into; the JVM's own
    // warning at run time is what --enable-native-access (README) answers
    @SuppressWarnings("restricted")
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    // struct weft_chan: the spinlock word, closed, recvq, sendq, then struct chan_seat
    private static final long LOCK = 0;
    private static final long SEAT_DIR = 40;
    private static final long SEAT_TOKEN = 44;
    private static final long SEAT_VALUE = 48;
    private static final int SEND = 1; // WEFT_SEND: a sender sits
    private static final int RECV = 2; // WEFT_RECV: a receiver sits

    @Override
    int takeReceiver(long chan) {
        return take(chan, RECV, null);
    }

    @Override
    int takeSender(long chan, Parking.Waiter w) {
        return take(chan, SEND, w);
    }

    private static int take(long chan, int dir, Parking.Waiter w) {
        if ((int) INT.getOpaque(ALL, chan + SEAT_DIR) != dir) {
            return 0; // a hint only: decided again under the lock
        }
        if ((int) INT.getAndSet(ALL, chan + LOCK, 1) != 0) {
            return 0;
        }
        int token = 0;
        // no need to look at `closed`: a close empties the seat under the lock
        if ((int) INT.get(ALL, chan + SEAT_DIR) == dir) {
            token = (int) INT.get(ALL, chan + SEAT_TOKEN);
            if (w != null) {
                w.seatValue = (long) LONG.get(ALL, chan + SEAT_VALUE);
            }
            INT.set(ALL, chan + SEAT_DIR, 0);
        }
        INT.setRelease(ALL, chan + LOCK, 0);
        return token;
    }

    @Override
    boolean fast() {
        return true;
    }
}
