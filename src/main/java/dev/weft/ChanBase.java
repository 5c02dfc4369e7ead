package dev.weft;

import dev.weft.internal.NativeChan;

import java.util.function.Function;

/**
 * What {@link Chan}, {@link LongChan} and {@link RecordChan} have in
 * common: a native channel ({@link NativeChan}, which also holds each
 * kind's send and receive) and the operations that do not depend on the
 * element type. Package-private, so it is no type of the API: its public
 * methods are each channel class's own.
 */
abstract sealed class ChanBase permits Chan, LongChan, RecordChan {
    final NativeChan core;

    /** {@code make} gets the channel under construction: the native channel's owner, whose unreachability frees it. */
    ChanBase(Function<Object, NativeChan> make) {
        this.core = make.apply(this);
    }

    /**
     * Closes the channel (Go's {@code close}): later sends fail, receivers
     * drain what is buffered and then see it closed; every waiting party
     * wakes.
     *
     * @throws ChanClosedException if it was already closed
     */
    public void close() {
        core.close(this);
    }

    /**
     * Tells whether the channel is closed; values buffered before the close
     * may still be waiting to be received.
     *
     * @return true once {@link #close()} was called
     */
    public boolean isClosed() {
        return core.isClosed(this);
    }

    /**
     * The number of values in the buffer now (0 for an unbuffered channel),
     * a snapshot that other threads may change at once.
     *
     * @return values buffered now
     */
    public int len() {
        return core.len(this);
    }

    /**
     * The capacity the channel was made with.
     *
     * @return the buffer size (0: unbuffered)
     */
    public int cap() {
        return core.cap(this);
    }
}
