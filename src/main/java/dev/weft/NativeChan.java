package dev.weft;

import dev.weft.jni.WeftJni;

import java.lang.ref.Reference;

/**
 * The native channel under {@link Chan}, {@link LongChan} and
 * {@link RecordChan}: owns one reference to a {@code weft_chan_t}, dropped
 * through the {@link Reclaimer} once the Java channel is unreachable (for a
 * channel of objects, after discarding the objects still buffered in it).
 */
final class NativeChan {
    final long handle;
    final long elemSize;
    final boolean objects;
    /**
     * Unbuffered, 8-byte elements, a Chan or LongChan, and a real
     * {@link ChanSeat}: an operation first tries to take a sitter of the
     * other side off the seat from Java. Not a RecordChan: its receiver
     * reads its record from its op record, never from a hand-over.
     */
    final boolean seat;

    NativeChan(Object owner, long elemSize, int cap, boolean objects, boolean handsOver) {
        if (cap < 0) {
            throw new IllegalArgumentException("channel capacity must be >= 0, not " + cap);
        }
        Parking.ensureStarted();
        long h = WeftJni.weft_jni_chan_make(elemSize, cap);
        if (h == WeftJni.WEFT_JNI_ENOMEM) {
            throw new OutOfMemoryError("weft: no memory for a channel of capacity " + cap);
        }
        if (h <= 0) {
            throw new WeftException("weft_jni_chan_make(" + elemSize + ", " + cap + ")", (int) h);
        }
        this.handle = h;
        this.elemSize = elemSize;
        this.objects = objects;
        this.seat = handsOver && cap == 0 && elemSize == 8 && ChanSeat.IMPL.fast();
        Reclaimer.register(owner, new Release(h, objects));
    }

    private record Release(long handle, boolean objects) implements Runnable {
        @Override
        public void run() {
            if (objects) {
                // nobody can receive them any more: let the objects go
                long op = WeftJni.weft_jni_op_new(8, 0);
                if (op > 0) {
                    while ((short) WeftJni.weft_jni_chan_recv(op, handle, 0, 1) == WeftJni.WEFT_JNI_OK) {
                        Slots.drop(WeftJni.weft_jni_op_value(op));
                    }
                    WeftJni.weft_jni_op_free(op, 0);
                }
            }
            WeftJni.weft_jni_chan_release(handle);
        }
    }

    /**
     * Sends an 8-byte element; a native status (OK, ECLOSED, EAGAIN, ETIMEDOUT).
     * With {@code HAND}: this call hands over what it completes
     * ({@link Parking#handOver}) and takes its own outcome by hand, so it
     * may sit in the channel's seat (cnative/src/chan.h).
     */
    int send(Object owner, long value, long deadline, boolean mayBlock) throws InterruptedException {
        return send(owner, value, deadline, mayBlock, null);
    }

    /**
     * {@link #send}; with {@code moved} non-null the caller was moved off
     * that {@link HeapSeat} and this call registers it here first, then
     * tells the seat (whatever happens).
     */
    int send(Object owner, long value, long deadline, boolean mayBlock, HeapSeat moved) throws InterruptedException {
        // a Chan tries before it puts its object in a slot (Chan.sendSlot)
        if (seat && !objects) {
            int t = takeReceiver(owner);
            if (t > 0) {
                Parking.handSeated(t, value, null);
                return Parking.OK;
            }
        }
        Parking.Waiter w = Parking.waiter();
        w.waits = Parking.WAITS_SEND;
        try {
            int r;
            try {
                r = Parking.handOver(WeftJni.weft_jni_chan_send(w.op, handle, value,
                                (mayBlock ? 1 : 0) | WeftJni.WEFT_JNI_HAND, w.startToken()),
                        objects ? Parking.WAITS_RECV_OBJECT : Parking.WAITS_RECV, value);
            } finally {
                if (moved != null) {
                    moved.nativeNow();
                }
            }
            return r == Parking.PARKED ? Parking.await(w, deadline, true) : r;
        } finally {
            w.waits = Parking.WAITS_NONE;
            Reference.reachabilityFence(owner);
        }
    }

    /** A receiver taken off the seat ({@link #seat} only): its token, or 0. */
    int takeReceiver(Object owner) {
        try {
            return ChanSeat.IMPL.takeReceiver(handle);
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    /** A sender taken off the seat ({@link #seat} only): its token, or 0; its value in w.seatValue. */
    int takeSender(Object owner, Parking.Waiter w) {
        try {
            return ChanSeat.IMPL.takeSender(handle, w);
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    /** Receives into the waiter's op record; a native status. */
    int recv(Object owner, Parking.Waiter w, long deadline, boolean mayBlock) throws InterruptedException {
        return recv(owner, w, deadline, mayBlock, null);
    }

    /** {@link #recv}; {@code moved} as in {@link #send(Object, long, long, boolean, HeapSeat)}. */
    int recv(Object owner, Parking.Waiter w, long deadline, boolean mayBlock, HeapSeat moved) throws InterruptedException {
        if (seat && moved == null) {
            int t = takeSender(owner, w);
            if (t > 0) {
                // the value is ours by hand (object(), value()), the sender's OK is its by hand
                w.handed = true;
                if (objects) {
                    w.handObject = Slots.take(w.seatValue);
                } else {
                    w.handValue = w.seatValue;
                }
                Parking.handSeated(t, 0, null);
                return Parking.OK;
            }
        }
        w.handed = false;
        w.waits = objects ? Parking.WAITS_RECV_OBJECT
                : elemSize == 8 ? Parking.WAITS_RECV : Parking.WAITS_NONE; // records: no value to hand
        int flags = (mayBlock ? 1 : 0) | (w.waits != Parking.WAITS_NONE ? WeftJni.WEFT_JNI_HAND : 0);
        try {
            int r;
            try {
                r = Parking.handOver(WeftJni.weft_jni_chan_recv(w.op, handle, flags, w.startToken()),
                        Parking.WAITS_SEND, 0);
            } finally {
                if (moved != null) {
                    moved.nativeNow();
                }
            }
            return r == Parking.PARKED ? Parking.await(w, deadline, true) : r;
        } finally {
            w.waits = Parking.WAITS_NONE;
            Reference.reachabilityFence(owner);
        }
    }

    /** The object a successful {@link #recv} on a channel of objects received. */
    static Object object(Parking.Waiter w) {
        if (w.handed) {
            w.handed = false;
            Object o = w.handObject;
            w.handObject = null;
            return o;
        }
        return Slots.take(WeftJni.weft_jni_op_value(w.op));
    }

    /** The 8-byte element a successful {@link #recv} received. */
    static long value(Parking.Waiter w) {
        if (w.handed) {
            w.handed = false;
            return w.handValue;
        }
        return WeftJni.weft_jni_op_value(w.op);
    }

    /** Sends a record (elemSize bytes). */
    int sendBytes(Object owner, byte[] rec, long deadline, boolean mayBlock) throws InterruptedException {
        Parking.Waiter w = Parking.waiter();
        w.ensureElem(elemSize);
        WeftJni.weft_jni_op_set_bytes(w.op, rec, rec.length);
        // weft_jni_chan_send copies `value` over the element of an 8-byte channel
        long value = elemSize == 8
                ? java.nio.ByteBuffer.wrap(rec).order(java.nio.ByteOrder.nativeOrder()).getLong(0) : 0;
        try {
            // no WEFT_JNI_HAND: status() does not hand over, so a record
            // send never sits and never takes a sitter's token back
            int r = Parking.status(WeftJni.weft_jni_chan_send(w.op, handle, value, mayBlock ? 1 : 0, w.startToken()));
            return r == Parking.PARKED ? Parking.await(w, deadline, true) : r;
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    /** Go's close. @throws ChanClosedException if it already was closed */
    void close(Object owner) {
        try {
            if (Parking.status(WeftJni.weft_jni_chan_close(handle)) != WeftJni.WEFT_JNI_OK) {
                throw new ChanClosedException("close of a closed channel");
            }
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    /**
     * A receive's status: true if a value came (the caller takes it from
     * the waiter), false if none came (a try, a timeout, or closed when
     * not closedThrows); ChanClosedException if closed and closedThrows.
     */
    static boolean received(int r, boolean closedThrows, String what) {
        if (r == WeftJni.WEFT_JNI_OK) {
            return true;
        }
        if (r == WeftJni.WEFT_JNI_ECLOSED) {
            if (closedThrows) {
                throw new ChanClosedException("receive from a closed channel");
            }
            return false;
        }
        if (r == WeftJni.WEFT_JNI_EAGAIN || r == WeftJni.WEFT_JNI_ETIMEDOUT) {
            return false;
        }
        throw failure(what, r);
    }

    /**
     * What a send's status means for every channel class: true sent, false
     * not (a try that would block, a timeout); a closed channel or any
     * other failure throws.
     */
    static boolean sent(int r, String what) {
        if (r == WeftJni.WEFT_JNI_OK) {
            return true;
        }
        if (r == WeftJni.WEFT_JNI_ECLOSED) {
            throw new ChanClosedException("send on a closed channel");
        }
        if (r == WeftJni.WEFT_JNI_EAGAIN || r == WeftJni.WEFT_JNI_ETIMEDOUT) {
            return false;
        }
        throw failure(what, r);
    }

    boolean isClosed(Object owner) {
        try {
            return WeftJni.weft_jni_chan_is_closed(handle) == 1;
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    int len(Object owner) {
        try {
            return (int) WeftJni.weft_jni_chan_len(handle);
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    int cap(Object owner) {
        try {
            return (int) WeftJni.weft_jni_chan_cap(handle);
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    /** A new native reference for C code (weft_chan_release it there). */
    long retain(Object owner) {
        try {
            WeftJni.weft_jni_chan_retain(handle);
            return handle;
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    static RuntimeException failure(String what, int status) {
        return new WeftException(what, status);
    }
}
