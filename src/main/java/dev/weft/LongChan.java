package dev.weft;

import dev.weft.internal.NativeChan;
import dev.weft.internal.Parking;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * A channel of {@code long} values that Java coroutines and native C
 * coroutines share: the same {@code weft_chan_t} of 8-byte elements
 * ({@code int64_t} on the C side). Semantics as {@link Chan}.
 *
 * <p>Hand it to C with {@link #retainNative()}: the C code gets its own
 * reference, which it drops with {@code weft_chan_release}.
 */
public final class LongChan extends ChanBase {
    private LongChan(int cap) {
        super(owner -> NativeChan.ofLongs(owner, cap));
    }

    /**
     * Makes a channel of longs that buffers up to {@code capacity} values.
     *
     * @param capacity buffer size; 0 for unbuffered
     * @return a new channel of longs
     * @throws IllegalArgumentException if capacity is negative
     */
    public static LongChan make(int capacity) {
        return new LongChan(capacity);
    }

    /**
     * Sends {@code value}, waiting for room (or, unbuffered, for a receiver).
     *
     * @param value the value
     * @throws ChanClosedException  if closed
     * @throws InterruptedException if interrupted while waiting (nothing was sent)
     */
    public void send(long value) throws InterruptedException {
        core.sendLong(this, value, Long.MAX_VALUE, true);
    }

    /**
     * Sends {@code value} unless that would take longer than {@code timeout}.
     *
     * @param value   the value
     * @param timeout how long to wait at most
     * @return true if sent, false on timeout (nothing was sent)
     * @throws ChanClosedException  if closed
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean send(long value, Duration timeout) throws InterruptedException {
        return core.sendLong(this, value, Parking.deadline(timeout), true);
    }

    /**
     * Sends {@code value} only if that needs no waiting.
     *
     * @param value the value
     * @return true if sent without waiting
     * @throws ChanClosedException if closed
     */
    public boolean trySend(long value) {
        try {
            return core.sendLong(this, value, Long.MAX_VALUE, false);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Receives the next value, waiting for one.
     *
     * @return the next value
     * @throws ChanClosedException  if closed and drained
     * @throws InterruptedException if interrupted while waiting
     */
    public long recv() throws InterruptedException {
        OptionalLong v = recvOk();
        if (v.isEmpty()) {
            throw new ChanClosedException("receive from a closed channel");
        }
        return v.getAsLong();
    }

    /**
     * Receives the next value, telling "closed" apart from a value (Go's
     * {@code v, ok := <-ch}).
     *
     * @return the next value, or empty once closed and drained
     * @throws InterruptedException if interrupted while waiting
     */
    public OptionalLong recvOk() throws InterruptedException {
        return core.recvLong(this, Long.MAX_VALUE, true, false);
    }

    /**
     * Receives the next value, waiting at most {@code timeout}.
     *
     * @param timeout how long to wait; zero or negative: only if one is ready
     * @return the next value, or empty if none came in time
     * @throws ChanClosedException  if closed and drained
     * @throws InterruptedException if interrupted while waiting
     * @throws NullPointerException if timeout is null
     */
    public OptionalLong recv(Duration timeout) throws InterruptedException {
        return core.recvLong(this, Parking.deadline(timeout), true, true);
    }

    /**
     * Receives a value only if one is ready.
     *
     * @return a value if one is ready, else empty
     * @throws ChanClosedException if closed and drained
     */
    public OptionalLong tryRecv() {
        try {
            return core.recvLong(this, Long.MAX_VALUE, false, true);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A new reference to the native channel for C code: the address of its
     * {@code weft_chan_t}, valid until C calls {@code weft_chan_release}
     * on it (whatever happens to this Java object meanwhile).
     *
     * @return the {@code weft_chan_t *}, as a long
     */
    public long retainNative() {
        return core.retain(this);
    }
}
