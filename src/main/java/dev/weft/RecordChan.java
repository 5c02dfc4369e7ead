package dev.weft;

import dev.weft.internal.NativeChan;
import dev.weft.internal.Parking;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A channel of fixed-size byte records, shared with C code as a
 * {@code weft_chan_t} whose elements are {@code recordSize} bytes (a C
 * struct, say). Semantics as {@link Chan}; every record is copied in and
 * out, so the arrays a caller passes or gets are its own.
 */
public final class RecordChan extends ChanBase {
    private final int recordSize;

    private RecordChan(int recordSize, int cap) {
        super(owner -> NativeChan.ofRecords(owner, checkSize(recordSize), cap));
        this.recordSize = recordSize;
    }

    private static int checkSize(int recordSize) {
        if (recordSize <= 0 || recordSize > 65536) {
            throw new IllegalArgumentException("record size must be 1..65536 bytes, not " + recordSize);
        }
        return recordSize;
    }

    /**
     * Makes a channel of records of {@code recordSize} bytes that buffers
     * up to {@code capacity} of them.
     *
     * @param recordSize bytes per record (1..65536)
     * @param capacity   buffer size; 0 for unbuffered
     * @return a new channel
     */
    public static RecordChan make(int recordSize, int capacity) {
        return new RecordChan(recordSize, capacity);
    }

    /**
     * The size of every record this channel carries.
     *
     * @return bytes per record
     */
    public int recordSize() {
        return recordSize;
    }

    private void check(byte[] record) {
        Objects.requireNonNull(record, "record is null");
        if (record.length != recordSize) {
            throw new IllegalArgumentException("record is " + record.length + " bytes, the channel carries " + recordSize);
        }
    }

    /**
     * Sends a copy of {@code record}, waiting for room (or, unbuffered, for
     * a receiver).
     *
     * @param record exactly {@link #recordSize()} bytes (copied)
     * @throws ChanClosedException  if closed
     * @throws InterruptedException if interrupted while waiting (nothing was sent)
     */
    public void send(byte[] record) throws InterruptedException {
        check(record);
        if (!core.sendRecord(this, record, Long.MAX_VALUE, true)) {
            throw new IllegalStateException("a blocking send returned without sending");
        }
    }

    /**
     * Sends a copy of {@code record} unless that would take longer than
     * {@code timeout}.
     *
     * @param record  exactly {@link #recordSize()} bytes (copied)
     * @param timeout how long to wait at most
     * @return true if sent, false on timeout (nothing was sent)
     * @throws ChanClosedException  if closed
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean send(byte[] record, Duration timeout) throws InterruptedException {
        check(record);
        return core.sendRecord(this, record, Parking.deadline(timeout), true);
    }

    /**
     * Sends a copy of {@code record} only if that needs no waiting.
     *
     * @param record exactly {@link #recordSize()} bytes (copied)
     * @return true if sent without waiting
     * @throws ChanClosedException if closed
     */
    public boolean trySend(byte[] record) {
        check(record);
        try {
            return core.sendRecord(this, record, Long.MAX_VALUE, false);
        } catch (InterruptedException e) {
            throw new AssertionError("a try never waits", e);
        }
    }

    /**
     * Receives the next record, waiting for one.
     *
     * @return the next record (a new array)
     * @throws ChanClosedException  if closed and drained
     * @throws InterruptedException if interrupted while waiting
     */
    public byte[] recv() throws InterruptedException {
        byte[] r = recvOrNull();
        if (r == null) {
            throw new ChanClosedException("receive from a closed channel");
        }
        return r;
    }

    /**
     * Receives the next record, waiting for one; {@code null} tells
     * "closed and drained" apart from a record (Go's {@code v, ok := <-ch}).
     *
     * @return the next record (a new array), or null once closed and drained
     * @throws InterruptedException if interrupted while waiting
     */
    public byte[] recvOrNull() throws InterruptedException {
        return core.recvRecord(this, Long.MAX_VALUE, true, false);
    }

    /**
     * Receives the next record, waiting at most {@code timeout}.
     *
     * @param timeout how long to wait; zero or negative: only if one is ready
     * @return the next record, or empty if none came in time
     * @throws ChanClosedException  if closed and drained
     * @throws InterruptedException if interrupted while waiting
     */
    public Optional<byte[]> recv(Duration timeout) throws InterruptedException {
        return Optional.ofNullable(core.recvRecord(this, Parking.deadline(timeout), true, true));
    }

    /**
     * Receives a record only if one is ready.
     *
     * @return a record if one is ready, else empty
     * @throws ChanClosedException if closed and drained
     */
    public Optional<byte[]> tryRecv() {
        try {
            return Optional.ofNullable(core.recvRecord(this, Long.MAX_VALUE, false, true));
        } catch (InterruptedException e) {
            throw new AssertionError("a try never waits", e);
        }
    }

    /**
     * A new reference to the native channel for C code, as
     * {@link LongChan#retainNative()}.
     *
     * @return a new native reference for C code (see {@link LongChan#retainNative()})
     */
    public long retainNative() {
        return core.retain(this);
    }
}
