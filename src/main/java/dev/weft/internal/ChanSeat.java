package dev.weft.internal;

/**
 * The Java half of an unbuffered 8-byte channel's native seat (used by a
 * {@link dev.weft.LongChan}, and by a {@link dev.weft.Chan} once it left
 * its {@link HeapSeat}) (cnative/src/chan.h,
 * "the seat"): a Java party that finds the other side sitting there takes
 * the sitter itself, under the channel's spinlock, without a native call,
 * then hands the outcome over ({@link Parking#handSeated}). The sitter sat
 * with {@code WEFT_JNI_HAND}, so taking its token is all the native call
 * would have done for a Java caller (chan_seat_take). Anything else (nobody
 * of that side sitting, the lock busy) answers 0 and the caller makes the
 * native call, which does everything else as before.
 *
 * <p>What it saves is Java's share of a hand-off, not a cache line: the
 * JNI call (its two thread-state transitions), the {@code Slots} put and
 * take of a {@code Chan}'s object, and the receiver's native read of the
 * value. Measured on the unbuffered ping-pong (6 alternated runs of an
 * in-process harness, medians): 586-694 ns per round trip against
 * 653-794 without, 0.91-1.13x {@code SynchronousQueue} against
 * 1.08-1.28x; JMH w3u 1.03x against 1.10-1.23x.
 *
 * <p>On a 22+ JVM this is {@code FfmChanSeat} (the FFM API, final in 22;
 * {@code -Dweft.ffm=false} turns it off); on 21 {@link UnsafeChanSeat};
 * without either ({@code -Dweft.unsafe=false} too) there is no fast path
 * ({@link FastPath} picks).
 */
abstract class ChanSeat {
    /**
     * Takes a sitting receiver off the seat of unbuffered channel
     * {@code chan} (its handle): the receiver's token, or 0.
     */
    abstract int takeReceiver(long chan);

    /**
     * Takes a sitting sender off the seat: the sender's token, or 0. Its
     * value goes to {@code w.seatValue} ({@code w}: the caller's own).
     */
    abstract int takeSender(long chan, Parking.Waiter w);

    /** False: every call answers 0 (callers skip it). */
    abstract boolean fast();

    static final ChanSeat IMPL = FastPath.pick(ChanSeat.class, "FfmChanSeat", UnsafeChanSeat::new, None::new,
            "the channel seat");

    /** The JNI form: no fast path (every hand-over is a native call). */
    static final class None extends ChanSeat {
        @Override
        int takeReceiver(long chan) {
            return 0;
        }

        @Override
        int takeSender(long chan, Parking.Waiter w) {
            return 0;
        }

        @Override
        boolean fast() {
            return false;
        }
    }
}
