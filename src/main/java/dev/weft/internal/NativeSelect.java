package dev.weft.internal;

import dev.weft.ChanClosedException;
import dev.weft.WeftException;
import dev.weft.jni.WeftJni;
import org.bytedeco.javacpp.Pointer;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The native half of a {@link dev.weft.Select}: its channel cases as
 * {@code weft_jni_select} takes them, the call, and what its answer
 * means. The Select keeps the actions and runs the one whose case this
 * says fired; a case here is only a channel, a direction and, for a send,
 * a value.
 *
 * <p>A run is one native call that either fires a case at once (a
 * receive's value back in the argument block), answers "nothing ready"
 * for a select with a default, or queues the op record on every channel
 * and answers {@code PARKED}; the thread then waits through
 * {@link Parking} and asks its op record which case fired and, for a
 * receive, its value, unless a sender handed the value over. Sends carry
 * their value in from the start: an object as a {@link Slots} number,
 * taken back out for every send case that did not fire.
 */
public final class NativeSelect {
    /** The most channel cases one select can have (the op record is made for that many). */
    public static final int MAX_CASES = 64;
    /** {@link #run}'s answer for a select with a default when no case was ready. */
    public static final int DEFAULT = -1;
    /** {@link #run}'s answer when its deadline passed first. */
    public static final int TIMEOUT = -2;

    /**
     * One case: {@code chan} null for a nil channel (the native select
     * skips a NULL channel: weft.h, never ready), {@code owner} the Java
     * channel to keep reachable, a send's value as a long or an object.
     */
    private record Case(NativeChan chan, Object owner, boolean send, long value, Object object) {
        /** The 8-byte value to send. */
        long prepare() {
            return object != null ? Slots.put(object) : value;
        }

        /** A send that did not fire: undo prepare. */
        void unprepare(long v) {
            if (object != null) {
                Slots.drop(v);
            }
        }
    }

    private final List<Case> cases = new ArrayList<>();
    private int nils; // cases on a null channel
    /*
     * The native call's arguments (weft_jni_select's block: n channel
     * handles, n values, n directions) in one direct buffer kept across
     * runs, passed by its address. Java arrays made JNI copy each one into
     * a fresh malloc'd block and back on every run; java.nio buffers as
     * arguments cost an IsInstanceOf, a GetDirectBufferAddress and a field
     * read each in JavaCPP's glue, a third of a select with a default on
     * four channels (143 ns). Rebuilt when cases were added since (cases
     * are never removed); this object keeps the buffer, so the address
     * stays valid while it runs.
     */
    private ByteBuffer args;
    private long argsAddress;
    private int argCases = -1;
    /** The last run's outcome, for the case that fired: a closed channel, and a receive's value. */
    private boolean closed;
    private long value;
    private Object object;

    /**
     * A receive case; an unbuffered channel of objects switches to native
     * for good first (the native select cannot see a party in its heap seat).
     *
     * @param chan  the native channel, or null for a case that never fires
     * @param owner the Java channel
     * @return the case's index
     * @throws IllegalStateException if there are {@link #MAX_CASES} cases already
     */
    public int recv(NativeChan chan, Object owner) {
        if (chan != null) {
            chan.toNative();
        }
        return add(new Case(chan, owner, false, 0, null));
    }

    /**
     * A send case of a long.
     *
     * @param chan  the native channel, or null for a case that never fires
     * @param owner the Java channel
     * @param value the value
     * @return the case's index
     * @throws IllegalStateException if there are {@link #MAX_CASES} cases already
     */
    public int send(NativeChan chan, Object owner, long value) {
        return add(new Case(chan, owner, true, value, null));
    }

    /**
     * A send case of an object (not null), on a channel of objects, which
     * switches to native for good first.
     *
     * @param chan  the native channel, or null for a case that never fires
     * @param owner the Java channel
     * @param value the object
     * @return the case's index
     * @throws IllegalStateException if there are {@link #MAX_CASES} cases already
     */
    public int send(NativeChan chan, Object owner, Object value) {
        if (chan != null) {
            chan.toNative();
        }
        return add(new Case(chan, owner, true, 0, value));
    }

    private int add(Case c) {
        if (cases.size() == MAX_CASES) {
            throw new IllegalStateException("a select has at most " + MAX_CASES + " channel cases");
        }
        cases.add(c);
        if (c.chan == null) {
            nils++;
        }
        return cases.size() - 1;
    }

    /**
     * Whether no case can ever fire: none at all, or only nil channels.
     * The native select refuses to wait on nothing (WEFT_EDEADLK), so the
     * caller waits itself then, without {@link #run}.
     *
     * @return true if every case (if any) is on a nil channel
     */
    public boolean noChannels() {
        return nils == cases.size();
    }

    /**
     * The number of cases.
     *
     * @return cases added so far
     */
    public int size() {
        return cases.size();
    }

    private void buildArgs(int n) {
        ByteBuffer b = ByteBuffer.allocateDirect(n * (2 * Long.BYTES + Integer.BYTES)).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            Case c = cases.get(i);
            b.putLong(i * Long.BYTES, c.chan == null ? 0 : c.chan.handle);
            b.putInt(2 * n * Long.BYTES + i * Integer.BYTES, c.send ? 1 : 2);
        }
        args = b;
        argsAddress = new Pointer(b).address();
        argCases = n;
    }

    private static int valueAt(int n, int i) {
        return (n + i) * Long.BYTES;
    }

    /**
     * Waits for one case and performs it: the index of the case that fired
     * ({@link #closed()} and {@link #takeObject()} / {@link #value()} say
     * how), or {@link #DEFAULT}, or {@link #TIMEOUT}. Not with
     * {@link #noChannels()}.
     *
     * @param withDefault answer DEFAULT at once if no case is ready
     * @param deadline    nanoTime deadline, MAX_VALUE: none
     * @return the case that fired, DEFAULT or TIMEOUT
     * @throws ChanClosedException  if the case chosen is a send on a closed channel
     * @throws InterruptedException if interrupted while waiting (no case fired)
     */
    public int run(boolean withDefault, long deadline) throws InterruptedException {
        int n = cases.size();
        if (argCases != n) {
            buildArgs(n);
        }
        ByteBuffer block = args;
        for (int i = 0; i < n; i++) {
            block.putLong(valueAt(n, i), cases.get(i).prepare());
        }
        Parking.Waiter w = Parking.waiter();
        int fired = -1;
        int r;
        boolean atOnce = false; // fired in the call: a receive's value is in the block
        w.waits = Parking.WAITS_SELECT;
        w.selectHanded = false;
        try {
            // HAND: a case that fires at once may take a sitter's token
            // back (cnative/src/chan.h, the seat), touching nothing of the
            // sitter's; its outcome (a receiver's value) then goes by hand
            long packed = WeftJni.weft_jni_select(w.op, n, argsAddress,
                    (withDefault ? 1 : 0) | WeftJni.WEFT_JNI_HAND, w.startToken());
            r = (short) packed;
            if (r >= 0 && r != Parking.PARKED && (r & WeftJni.WEFT_JNI_SELECT_CLOSED) == 0) {
                Case c = cases.get(r);
                atOnce = true;
                Parking.completed(packed >> 16, true, !c.send ? Parking.WAITS_SEND
                        : c.chan.objects ? Parking.WAITS_RECV_OBJECT : Parking.WAITS_RECV,
                        block.getLong(valueAt(n, r)));
            } else {
                r = Parking.status(packed);
            }
            if (r == Parking.PARKED) {
                r = Parking.await(w, deadline, true);
            }
            if (r >= 0) {
                fired = r & (WeftJni.WEFT_JNI_SELECT_CLOSED - 1);
            }
        } finally {
            w.waits = Parking.WAITS_NONE;
            for (int i = 0; i < n; i++) {
                if (i != fired && cases.get(i).send) {
                    cases.get(i).unprepare(block.getLong(valueAt(n, i)));
                }
            }
            for (Case c : cases) {
                Reference.reachabilityFence(c.owner);
            }
            Reference.reachabilityFence(block); // its memory is the native call's argument
        }
        if (fired >= 0) {
            closed = (r & WeftJni.WEFT_JNI_SELECT_CLOSED) != 0;
            Case c = cases.get(fired);
            if (w.selectHanded) {
                // a sender completed this receive case and handed its value
                // (Parking.handOver): the op record need not be asked
                w.selectHanded = false;
                Object o = w.handObject;
                w.handObject = null;
                received(c, w.handValue, o);
            } else if (!closed && !c.send) {
                // fired in the call: weft_jni_select left the value in the block
                received(c, atOnce ? block.getLong(valueAt(n, fired)) : WeftJni.weft_jni_op_case_value(w.op, fired),
                        null);
            }
            return fired;
        }
        if (r == WeftJni.WEFT_JNI_EAGAIN) {
            return DEFAULT;
        }
        if (r == WeftJni.WEFT_JNI_ETIMEDOUT) {
            return TIMEOUT;
        }
        if (r == WeftJni.WEFT_JNI_ECLOSED) {
            throw new ChanClosedException("select: send on a closed channel");
        }
        throw new WeftException("Select.run", r);
    }

    /** A receive case's value: an object (handed, or by its Slots number), or a long as it is. */
    private void received(Case c, long v, Object handed) {
        if (c.chan.objects) {
            object = handed != null ? handed : Slots.take(v);
        } else {
            value = v;
        }
    }

    /**
     * Whether the case the last {@link #run} fired is a receive on a
     * closed and drained channel.
     *
     * @return true if it fired because its channel is closed
     */
    public boolean closed() {
        return closed;
    }

    /**
     * The object the receive case the last {@link #run} fired received
     * (a channel of objects, not closed); this select lets go of it.
     *
     * @return the object
     */
    public Object takeObject() {
        Object o = object;
        object = null;
        return o;
    }

    /**
     * The long the receive case the last {@link #run} fired received (a
     * channel of longs, not closed).
     *
     * @return the value
     */
    public long value() {
        return value;
    }
}
