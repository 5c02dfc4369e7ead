package dev.weft.internal;

/**
 * {@link ChanSeat} through {@code sun.misc.Unsafe} ({@link UnsafeMemory}):
 * JDK 21's form, where the FFM API ({@code FfmChanSeat}'s) is still a
 * preview. The same steps as FfmChanSeat's (which says why each is
 * there): look at the seat's direction without the lock, take lock.h's
 * spinlock with an exchange or give up, empty the seat, release the lock
 * with a release store. The offsets are struct weft_chan's
 * (cnative/src/chan.h), held there by static asserts in
 * cnative/jni/jni_runtime.c.
 *
 * <p>Without it, a JDK 21 made every hand-over of a channel that left its
 * heap seat a JNI call: select4 measured 1.10× jox against 0.87× with the
 * FFM seat (README, benchmarks).
 *
 * <p>Its steps are written out here and in FfmChanSeat on purpose, as
 * {@link UnsafeLockWord}'s are (which says what sharing them cost).
 */
final class UnsafeChanSeat extends ChanSeat {
    // struct weft_chan: the spinlock word, closed, recvq, sendq, then struct chan_seat
    private static final long LOCK = 0;
    private static final long SEAT_DIR = 40;
    private static final long SEAT_TOKEN = 44;
    private static final long SEAT_VALUE = 48;
    private static final int SEND = 1; // WEFT_SEND: a sender sits
    private static final int RECV = 2; // WEFT_RECV: a receiver sits

    UnsafeChanSeat() {
        UnsafeMemory.check();
    }

    @Override
    int takeReceiver(long chan) {
        return take(chan, RECV, null);
    }

    @Override
    int takeSender(long chan, Parking.Waiter w) {
        return take(chan, SEND, w);
    }

    private static int take(long chan, int dir, Parking.Waiter w) {
        if (UnsafeMemory.getIntVolatile(chan + SEAT_DIR) != dir) {
            return 0; // a hint only: decided again under the lock
        }
        if (UnsafeMemory.getAndSetInt(chan + LOCK, 1) != 0) {
            return 0;
        }
        int token = 0;
        // no need to look at `closed`: a close empties the seat under the lock
        if (UnsafeMemory.getIntVolatile(chan + SEAT_DIR) == dir) {
            token = UnsafeMemory.getIntVolatile(chan + SEAT_TOKEN);
            if (w != null) {
                w.seatValue = UnsafeMemory.getLong(chan + SEAT_VALUE);
            }
            UnsafeMemory.putIntRelease(chan + SEAT_DIR, 0);
        }
        UnsafeMemory.putIntRelease(chan + LOCK, 0);
        return token;
    }

    @Override
    boolean fast() {
        return true;
    }
}
