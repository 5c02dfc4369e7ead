package dev.weft;

import dev.weft.jni.WeftJni;

import java.util.Objects;

/**
 * A channel of fixed-size byte records, shared with C code as a
 * {@code weft_chan_t} whose elements are {@code recordSize} bytes (a C
 * struct, say). Semantics as {@link Chan}.
 */
public final class RecordChan {
    final NativeChan core;
    private final int recordSize;

    private RecordChan(int recordSize, int cap) {
        if (recordSize <= 0 || recordSize > 65536) {
            throw new IllegalArgumentException("record size must be 1..65536 bytes, not " + recordSize);
        }
        this.recordSize = recordSize;
        core = new NativeChan(this, recordSize, cap, false, false);
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

    /**
     * Sends a copy of {@code record}, waiting for room (or, unbuffered, for
     * a receiver).
     *
     * @param record exactly {@link #recordSize()} bytes (copied)
     * @throws ChanClosedException  if closed
     * @throws InterruptedException if interrupted while waiting
     */
    public void send(byte[] record) throws InterruptedException {
        Objects.requireNonNull(record, "record is null");
        if (record.length != recordSize) {
            throw new IllegalArgumentException("record is " + record.length + " bytes, the channel carries " + recordSize);
        }
        if (!NativeChan.sent(core.sendBytes(this, record, Long.MAX_VALUE, true), "RecordChan.send")) {
            throw new IllegalStateException("a blocking send returned without sending");
        }
    }

    /**
     * Receives the next record, waiting for one.
     *
     * @return the next record, or null once closed and drained
     * @throws InterruptedException if interrupted while waiting
     */
    public byte[] recvOrNull() throws InterruptedException {
        Parking.Waiter w = Parking.waiter();
        w.ensureElem(recordSize);
        int r = core.recv(this, w, Long.MAX_VALUE, true);
        if (r == WeftJni.WEFT_JNI_ECLOSED) {
            return null;
        }
        if (r != WeftJni.WEFT_JNI_OK) {
            throw NativeChan.failure("RecordChan.recv", r);
        }
        byte[] out = new byte[recordSize];
        WeftJni.weft_jni_op_get_bytes(w.op, out, recordSize);
        return out;
    }

    /** Go's close. @throws ChanClosedException if already closed */
    public void close() {
        core.close(this);
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
