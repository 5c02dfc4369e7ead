package dev.weft.internal;

import dev.weft.ChanClosedException;
import dev.weft.WeftException;
import dev.weft.jni.WeftJni;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The native channel under {@link dev.weft.Chan}, {@link dev.weft.LongChan}
 * and {@link dev.weft.RecordChan}: owns one reference to a
 * {@code weft_chan_t}, dropped through the {@link Reclaimer} once the Java
 * channel is unreachable (for a channel of objects, after discarding the
 * objects still buffered in it).
 *
 * <p>One class for the three kinds: they differ only in how an element
 * goes in and comes out (an object through {@link Slots} or by hand, a
 * long as itself, a record through the op record's buffer), so each kind
 * has its send and receive here ({@link #sendObject}/{@link #recvObject},
 * {@link #sendLong}/{@link #recvLong}, {@link #sendRecord}/{@link #recvRecord})
 * and shares the rest: the status rules ({@link #sent}, {@link #received}),
 * close, len, cap. The API classes check arguments and shape results.
 *
 * <p>Every operation takes the Java channel ({@code owner}) and keeps it
 * reachable until the native call has returned: the Reclaimer watches
 * the Java channel, so that is what must outlive the call.
 */
public final class NativeChan {
    final long handle;
    final long elemSize;
    final boolean objects;
    /** The API class's name, for failure messages ({@code Chan.send}). */
    private final String api;
    /**
     * An unbuffered channel of objects only: the seat used while only Java
     * threads send and receive here ({@link HeapSeat}); else null.
     */
    final HeapSeat heap;
    /**
     * Unbuffered, 8-byte elements, a Chan or LongChan, and a real
     * {@link ChanSeat}: an operation first tries to take a sitter of the
     * other side off the seat from Java. Not a RecordChan: its receiver
     * reads its record from its op record, never from a hand-over.
     */
    final boolean seat;

    /**
     * A channel of Java objects ({@code Chan}): 8-byte elements, each a
     * {@link Slots} number; unbuffered, it starts in a {@link HeapSeat}.
     *
     * @param owner the Java channel, whose unreachability frees this one
     * @param cap   its capacity
     * @return the native channel
     * @throws IllegalArgumentException if cap is negative
     */
    public static NativeChan ofObjects(Object owner, int cap) {
        return new NativeChan(owner, "Chan", 8, cap, true, true);
    }

    /**
     * A channel of longs ({@code LongChan}), shared with C as int64_t elements.
     *
     * @param owner the Java channel, whose unreachability frees this one
     * @param cap   its capacity
     * @return the native channel
     * @throws IllegalArgumentException if cap is negative
     */
    public static NativeChan ofLongs(Object owner, int cap) {
        return new NativeChan(owner, "LongChan", 8, cap, false, true);
    }

    /**
     * A channel of records of {@code recordSize} bytes ({@code RecordChan}).
     *
     * @param owner      the Java channel, whose unreachability frees this one
     * @param recordSize bytes per element (checked by the caller)
     * @param cap        its capacity
     * @return the native channel
     * @throws IllegalArgumentException if cap is negative
     */
    public static NativeChan ofRecords(Object owner, int recordSize, int cap) {
        return new NativeChan(owner, "RecordChan", recordSize, cap, false, false);
    }

    private NativeChan(Object owner, String api, long elemSize, int cap, boolean objects, boolean handsOver) {
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
        this.api = api;
        this.elemSize = elemSize;
        this.objects = objects;
        this.seat = handsOver && cap == 0 && elemSize == 8 && ChanSeat.IMPL.fast();
        this.heap = objects && cap == 0 ? new HeapSeat() : null;
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
     * Switches an unbuffered channel of objects to its native
     * implementation for good (a select uses it, a close); otherwise
     * nothing to do.
     */
    void toNative() {
        if (heap != null) {
            heap.toNative();
        }
    }

    /**
     * Sends an object: through the heap seat while the channel has one,
     * else to a receiver sitting in the native seat by hand, else as a
     * {@link Slots} number through the native channel.
     *
     * @param owner    the Java channel
     * @param value    the object, not null
     * @param deadline nanoTime deadline, MAX_VALUE: none
     * @param mayBlock false: only if that needs no waiting
     * @return true if sent, false if not (a try that would wait, a timeout)
     * @throws ChanClosedException  if the channel is closed
     * @throws InterruptedException if interrupted while waiting (nothing was sent)
     */
    public boolean sendObject(Object owner, Object value, long deadline, boolean mayBlock) throws InterruptedException {
        Objects.requireNonNull(value, "Chan does not carry null (Go's zero values have no Java twin)");
        HeapSeat moved = null;
        if (heap != null) {
            int h = heap.send(value, deadline, mayBlock);
            if (h == HeapSeat.SENT) {
                return true;
            }
            if (h == HeapSeat.NOT_SENT) {
                return false;
            }
            if (h == HeapSeat.SEND_MOVED) {
                moved = heap; // register natively, then let the others in
            }
        }
        if (seat && moved == null) {
            int t = takeReceiver(owner);
            if (t > 0) {
                Parking.handSeated(t, 0, value); // the object itself: no slot
                return true;
            }
        }
        long id = Slots.put(value);
        int r;
        try {
            r = send(owner, id, deadline, mayBlock, moved);
        } catch (InterruptedException | RuntimeException e) {
            Slots.drop(id);
            throw e;
        }
        if (r != WeftJni.WEFT_JNI_OK) {
            Slots.drop(id);
        }
        return sent(r);
    }

    /**
     * Receives an object (the heap seat first while the channel has one).
     *
     * @param owner        the Java channel
     * @param deadline     nanoTime deadline, MAX_VALUE: none
     * @param mayBlock     false: only if one is ready
     * @param closedThrows a closed and drained channel throws, rather than answering null
     * @return the object, or null: none (a try, a timeout) or closed (if not closedThrows)
     * @throws ChanClosedException  if closed and drained and closedThrows
     * @throws InterruptedException if interrupted while waiting
     */
    public Object recvObject(Object owner, long deadline, boolean mayBlock, boolean closedThrows)
            throws InterruptedException {
        HeapSeat moved = null;
        if (heap != null) {
            Object v = heap.recv(deadline, mayBlock);
            if (v == HeapSeat.NONE) {
                return null;
            }
            if (v == HeapSeat.MOVED) {
                moved = heap;
            } else if (v != HeapSeat.NATIVE) {
                return v;
            }
        }
        Parking.Waiter w = Parking.waiter();
        return received(recv(owner, w, deadline, mayBlock, moved), closedThrows) ? object(w) : null;
    }

    /**
     * Sends a long.
     *
     * @param owner    the Java channel
     * @param value    the value
     * @param deadline nanoTime deadline, MAX_VALUE: none
     * @param mayBlock false: only if that needs no waiting
     * @return true if sent, false if not (a try that would wait, a timeout)
     * @throws ChanClosedException  if the channel is closed
     * @throws InterruptedException if interrupted while waiting (nothing was sent)
     */
    public boolean sendLong(Object owner, long value, long deadline, boolean mayBlock) throws InterruptedException {
        return sent(send(owner, value, deadline, mayBlock));
    }

    /**
     * Receives a long.
     *
     * @param owner        the Java channel
     * @param deadline     nanoTime deadline, MAX_VALUE: none
     * @param mayBlock     false: only if one is ready
     * @param closedThrows a closed and drained channel throws, rather than answering empty
     * @return the value, or empty: none (a try, a timeout) or closed (if not closedThrows)
     * @throws ChanClosedException  if closed and drained and closedThrows
     * @throws InterruptedException if interrupted while waiting
     */
    public OptionalLong recvLong(Object owner, long deadline, boolean mayBlock, boolean closedThrows)
            throws InterruptedException {
        Parking.Waiter w = Parking.waiter();
        return received(recv(owner, w, deadline, mayBlock), closedThrows)
                ? OptionalLong.of(value(w)) : OptionalLong.empty();
    }

    /**
     * Sends a copy of a record of exactly elemSize bytes (checked by the caller).
     *
     * @param owner    the Java channel
     * @param record   the bytes
     * @param deadline nanoTime deadline, MAX_VALUE: none
     * @param mayBlock false: only if that needs no waiting
     * @return true if sent, false if not (a try that would wait, a timeout)
     * @throws ChanClosedException  if the channel is closed
     * @throws InterruptedException if interrupted while waiting (nothing was sent)
     */
    public boolean sendRecord(Object owner, byte[] record, long deadline, boolean mayBlock) throws InterruptedException {
        return sent(sendBytes(owner, record, deadline, mayBlock));
    }

    /**
     * Receives a record, copied out of the op record into a new array.
     *
     * @param owner        the Java channel
     * @param deadline     nanoTime deadline, MAX_VALUE: none
     * @param mayBlock     false: only if one is ready
     * @param closedThrows a closed and drained channel throws, rather than answering null
     * @return the record, or null: none (a try, a timeout) or closed (if not closedThrows)
     * @throws ChanClosedException  if closed and drained and closedThrows
     * @throws InterruptedException if interrupted while waiting
     */
    public byte[] recvRecord(Object owner, long deadline, boolean mayBlock, boolean closedThrows)
            throws InterruptedException {
        Parking.Waiter w = Parking.waiter();
        w.ensureElem(elemSize);
        if (!received(recv(owner, w, deadline, mayBlock), closedThrows)) {
            return null;
        }
        byte[] out = new byte[(int) elemSize];
        WeftJni.weft_jni_op_get_bytes(w.op, out, (int) elemSize);
        return out;
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
    private int send(Object owner, long value, long deadline, boolean mayBlock, HeapSeat moved) throws InterruptedException {
        // a channel of objects tries before it puts its object in a slot (sendObject)
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
    private static Object object(Parking.Waiter w) {
        if (w.handed) {
            w.handed = false;
            Object o = w.handObject;
            w.handObject = null;
            return o;
        }
        return Slots.take(WeftJni.weft_jni_op_value(w.op));
    }

    /** The 8-byte element a successful {@link #recv} received. */
    private static long value(Parking.Waiter w) {
        if (w.handed) {
            w.handed = false;
            return w.handValue;
        }
        return WeftJni.weft_jni_op_value(w.op);
    }

    /** Sends a record (elemSize bytes). */
    private int sendBytes(Object owner, byte[] rec, long deadline, boolean mayBlock) throws InterruptedException {
        Parking.Waiter w = Parking.waiter();
        w.ensureElem(elemSize);
        WeftJni.weft_jni_op_set_bytes(w.op, rec, rec.length);
        // weft_jni_chan_send copies `value` over the element of an 8-byte channel
        long value = elemSize == 8 ? ByteBuffer.wrap(rec).order(ByteOrder.nativeOrder()).getLong(0) : 0;
        try {
            // no WEFT_JNI_HAND: status() does not hand over, so a record
            // send never sits and never takes a sitter's token back
            int r = Parking.status(WeftJni.weft_jni_chan_send(w.op, handle, value, mayBlock ? 1 : 0, w.startToken()));
            return r == Parking.PARKED ? Parking.await(w, deadline, true) : r;
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    /**
     * Go's close; an unbuffered channel of objects switches to native
     * first, so the close wakes a party waiting in the heap seat.
     *
     * @param owner the Java channel
     * @throws ChanClosedException if it already was closed
     */
    public void close(Object owner) {
        toNative();
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
    private boolean received(int r, boolean closedThrows) {
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
        throw new WeftException(api + ".recv", r);
    }

    /**
     * What a send's status means for every channel class: true sent, false
     * not (a try that would block, a timeout); a closed channel or any
     * other failure throws.
     */
    private boolean sent(int r) {
        if (r == WeftJni.WEFT_JNI_OK) {
            return true;
        }
        if (r == WeftJni.WEFT_JNI_ECLOSED) {
            throw new ChanClosedException("send on a closed channel");
        }
        if (r == WeftJni.WEFT_JNI_EAGAIN || r == WeftJni.WEFT_JNI_ETIMEDOUT) {
            return false;
        }
        throw new WeftException(api + ".send", r);
    }

    /**
     * Whether the channel is closed (buffered values may remain).
     *
     * @param owner the Java channel
     * @return true once closed
     */
    public boolean isClosed(Object owner) {
        try {
            return WeftJni.weft_jni_chan_is_closed(handle) == 1;
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    /**
     * The number of elements in the buffer now, a snapshot.
     *
     * @param owner the Java channel
     * @return elements buffered now
     */
    public int len(Object owner) {
        try {
            return (int) WeftJni.weft_jni_chan_len(handle);
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    /**
     * The capacity the channel was made with.
     *
     * @param owner the Java channel
     * @return the buffer size (0: unbuffered)
     */
    public int cap(Object owner) {
        try {
            return (int) WeftJni.weft_jni_chan_cap(handle);
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    /**
     * A new native reference for C code, which drops it with weft_chan_release.
     *
     * @param owner the Java channel
     * @return the weft_chan_t *, as a long
     */
    public long retain(Object owner) {
        try {
            WeftJni.weft_jni_chan_retain(handle);
            return handle;
        } finally {
            Reference.reachabilityFence(owner);
        }
    }
}
