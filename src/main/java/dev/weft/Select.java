package dev.weft;

import dev.weft.jni.WeftJni;
import org.bytedeco.javacpp.Pointer;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Go's {@code select}: waits until one of several channel operations can
 * proceed, performs exactly that one, and runs its action.
 *
 * <pre>{@code
 * Select.create()
 *       .recv(jobs, job -> handle(job))
 *       .send(results, last, () -> sent++)
 *       .timeout(Duration.ofSeconds(1), () -> System.out.println("idle"))
 *       .run();
 * }</pre>
 *
 * <p>The same semantics as the native {@code weft_select}: when several
 * cases are ready one is chosen at random (fair); a receive on a closed
 * channel fires with {@code null} (or its {@code onClosed} action); a send
 * on a closed channel throws {@link ChanClosedException}; {@link
 * #orElse(Runnable)} is the default case, taken when nothing is ready;
 * {@link #timeout(Duration, Runnable)} bounds the wait. A {@code null}
 * channel is Go's nil channel: its case is never ready (a way to switch a
 * case of a reused select off), so a select of nil cases only, with no
 * default or timeout, waits until interrupted. A channel may appear in
 * several cases. A {@code Select} may be {@link #run()} again
 * and again (a loop); it is not thread-safe. At most {@value #MAX_CASES}
 * channel cases.
 */
public final class Select {
    /** The most channel cases one select can have. */
    public static final int MAX_CASES = 64;

    private interface Case {
        NativeChan chan();
        Object owner();
        boolean isSend();
        long prepare();               // the 8-byte value to send
        void unprepare(long value);   // not fired: undo prepare
        /** Runs the action; a received object comes as {@code handed} (non-null) or as its Slots number. */
        void fire(long value, Object handed, boolean closed);
    }

    /**
     * A case on a null channel: the native select skips a NULL channel
     * (weft.h: never ready), so this case holds a place and no value.
     */
    private record Nil(boolean isSend) implements Case {
        public NativeChan chan() { return null; }
        public Object owner() { return null; }
        public long prepare() { return 0; }
        public void unprepare(long v) {}
        public void fire(long v, Object handed, boolean closed) {
            throw new AssertionError("a nil channel's case fired");
        }
    }

    private final List<Case> cases = new ArrayList<>();
    /*
     * The native call's arguments (weft_jni_select's block: n channel
     * handles, n values, n directions) in one direct buffer kept across
     * runs, passed by its address. Java arrays made JNI copy each one into
     * a fresh malloc'd block and back on every run; java.nio buffers as
     * arguments cost an IsInstanceOf, a GetDirectBufferAddress and a field
     * read each in JavaCPP's glue, a third of a select with a default on
     * four channels (143 ns). Rebuilt when cases were added since (cases
     * are never removed); this Select keeps the buffer, so the address
     * stays valid while it runs.
     */
    private ByteBuffer args;
    private long argsAddress;
    private int argCases = -1;
    private int nils; // cases on a null channel
    private Duration timeout;
    private Runnable onTimeout;
    private Runnable onDefault;

    private Select() {}

    /**
     * Starts building a select.
     *
     * @return a select with no cases yet
     */
    public static Select create() {
        return new Select();
    }

    private Select add(Case c) {
        if (cases.size() == MAX_CASES) {
            throw new IllegalStateException("a select has at most " + MAX_CASES + " channel cases");
        }
        cases.add(c);
        if (c instanceof Nil) {
            nils++;
        }
        return this;
    }

    /**
     * No case can ever fire (none, or only nil channels): the default, or
     * the timeout, or (nil cases only: Go's select blocks forever there)
     * a wait that only an interrupt or a cancel ends. The native select
     * refuses such a wait (WEFT_EDEADLK), so it is done here.
     */
    private void runWithoutChannels(long deadline, boolean nilCases) throws InterruptedException {
        if (onDefault != null) {
            onDefault.run();
            return;
        }
        if (timeout == null && !nilCases) {
            throw new IllegalStateException("a select with no cases, default or timeout would wait forever");
        }
        for (;;) {
            if (timeout == null) {
                java.util.concurrent.locks.LockSupport.park(this);
            } else {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(this, left);
            }
            if (Thread.interrupted()) {
                throw Coroutine.interruptedOrCancelled();
            }
        }
        onTimeout.run();
    }

    /**
     * A receive case; {@code onValue} gets {@code null} if the channel is
     * closed and drained.
     *
     * @param ch      the channel, or null for a case that never fires
     * @param onValue what to do with the value
     * @param <T>     element type
     * @return this select
     */
    public <T> Select recv(Chan<T> ch, Consumer<? super T> onValue) {
        return recv(ch, onValue, () -> onValue.accept(null));
    }

    /**
     * A receive case with a separate action for a closed channel.
     *
     * @param ch       the channel, or null for a case that never fires
     * @param onValue  what to do with a value
     * @param onClosed what to do if the channel is closed and drained
     * @param <T>      element type
     * @return this select
     */
    public <T> Select recv(Chan<T> ch, Consumer<? super T> onValue, Runnable onClosed) {
        Objects.requireNonNull(onValue, "action is null");
        Objects.requireNonNull(onClosed, "action is null");
        if (ch == null) {
            return add(new Nil(false));
        }
        ch.toNative(); // the native select cannot see a party in the heap seat
        return add(new Case() {
            public NativeChan chan() { return ch.core; }
            public Object owner() { return ch; }
            public boolean isSend() { return false; }
            public long prepare() { return 0; }
            public void unprepare(long v) {}
            @SuppressWarnings("unchecked")
            public void fire(long v, Object handed, boolean closed) {
                if (closed) {
                    onClosed.run();
                } else {
                    onValue.accept((T) (handed != null ? handed : Slots.take(v)));
                }
            }
        });
    }

    /**
     * A receive case on a channel of longs.
     *
     * @param ch       the channel, or null for a case that never fires
     * @param onValue  what to do with a value
     * @param onClosed what to do if the channel is closed and drained
     * @return this select
     */
    public Select recv(LongChan ch, LongConsumer onValue, Runnable onClosed) {
        Objects.requireNonNull(onValue, "action is null");
        Objects.requireNonNull(onClosed, "action is null");
        if (ch == null) {
            return add(new Nil(false));
        }
        return add(new Case() {
            public NativeChan chan() { return ch.core; }
            public Object owner() { return ch; }
            public boolean isSend() { return false; }
            public long prepare() { return 0; }
            public void unprepare(long v) {}
            public void fire(long v, Object handed, boolean closed) {
                if (closed) {
                    onClosed.run();
                } else {
                    onValue.accept(v);
                }
            }
        });
    }

    /**
     * A send case.
     *
     * @param ch     the channel, or null for a case that never fires
     * @param value  the value to send, not null
     * @param onSent what to do once it was sent
     * @param <T>    element type
     * @return this select
     */
    public <T> Select send(Chan<T> ch, T value, Runnable onSent) {
        Objects.requireNonNull(value, "Chan does not carry null");
        Objects.requireNonNull(onSent, "action is null");
        if (ch == null) {
            return add(new Nil(true));
        }
        ch.toNative();
        return add(new Case() {
            public NativeChan chan() { return ch.core; }
            public Object owner() { return ch; }
            public boolean isSend() { return true; }
            public long prepare() { return Slots.put(value); }
            public void unprepare(long v) { Slots.drop(v); }
            public void fire(long v, Object handed, boolean closed) { onSent.run(); }
        });
    }

    /**
     * A send case on a channel of longs.
     *
     * @param ch     the channel, or null for a case that never fires
     * @param value  the value
     * @param onSent what to do once it was sent
     * @return this select
     */
    public Select send(LongChan ch, long value, Runnable onSent) {
        Objects.requireNonNull(onSent, "action is null");
        if (ch == null) {
            return add(new Nil(true));
        }
        return add(new Case() {
            public NativeChan chan() { return ch.core; }
            public Object owner() { return ch; }
            public boolean isSend() { return true; }
            public long prepare() { return value; }
            public void unprepare(long v) {}
            public void fire(long v, Object handed, boolean closed) { onSent.run(); }
        });
    }

    /**
     * Gives up after {@code timeout} (from the start of each {@link #run()})
     * and runs {@code onTimeout}.
     *
     * @param timeout   how long to wait at most
     * @param onTimeout what to do then
     * @return this select
     */
    public Select timeout(Duration timeout, Runnable onTimeout) {
        this.timeout = Objects.requireNonNull(timeout, "timeout is null");
        this.onTimeout = Objects.requireNonNull(onTimeout, "action is null");
        return this;
    }

    /**
     * The default case: runs {@code onDefault} at once if no case is ready.
     *
     * @param onDefault what to do then
     * @return this select
     */
    public Select orElse(Runnable onDefault) {
        this.onDefault = Objects.requireNonNull(onDefault, "action is null");
        return this;
    }

    private void buildArgs(int n) {
        ByteBuffer b = ByteBuffer.allocateDirect(n * (2 * Long.BYTES + Integer.BYTES)).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            Case c = cases.get(i);
            b.putLong(i * Long.BYTES, c.chan() == null ? 0 : c.chan().handle);
            b.putInt(2 * n * Long.BYTES + i * Integer.BYTES, c.isSend() ? 1 : 2);
        }
        args = b;
        argsAddress = new Pointer(b).address();
        argCases = n;
    }

    private int valueAt(int n, int i) {
        return (n + i) * Long.BYTES;
    }

    /**
     * Waits for one case, performs it and runs its action (on this thread).
     *
     * @throws ChanClosedException  if the case chosen is a send on a closed channel
     * @throws InterruptedException if interrupted while waiting (no case ran)
     * @throws IllegalStateException if there is no case, default or timeout at all
     */
    public void run() throws InterruptedException {
        int n = cases.size();
        long deadline = timeout != null ? Parking.deadline(timeout) : Long.MAX_VALUE;
        if (nils == n) {
            runWithoutChannels(deadline, n > 0);
            return;
        }
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
                    (onDefault != null ? 1 : 0) | WeftJni.WEFT_JNI_HAND, w.startToken());
            r = (short) packed;
            if (r >= 0 && r != Parking.PARKED && (r & WeftJni.WEFT_JNI_SELECT_CLOSED) == 0) {
                Case c = cases.get(r);
                atOnce = true;
                Parking.completed(packed >> 16, true, !c.isSend() ? Parking.WAITS_SEND
                        : c.chan().objects ? Parking.WAITS_RECV_OBJECT : Parking.WAITS_RECV,
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
                if (i != fired && cases.get(i).isSend()) {
                    cases.get(i).unprepare(block.getLong(valueAt(n, i)));
                }
            }
            for (Case c : cases) {
                Reference.reachabilityFence(c.owner());
            }
            Reference.reachabilityFence(block); // its memory is the native call's argument
        }
        if (fired >= 0) {
            boolean closed = (r & WeftJni.WEFT_JNI_SELECT_CLOSED) != 0;
            Case c = cases.get(fired);
            if (w.selectHanded) {
                // a sender completed this receive case and handed its value
                // (Parking.handOver): the op record need not be asked
                w.selectHanded = false;
                Object o = w.handObject;
                w.handObject = null;
                c.fire(w.handValue, o, false);
            } else if (closed || c.isSend()) {
                c.fire(0, null, closed);
            } else {
                // fired in the call: weft_jni_select left the value in the block
                c.fire(atOnce ? block.getLong(valueAt(n, fired)) : WeftJni.weft_jni_op_case_value(w.op, fired),
                        null, false);
            }
        } else if (r == WeftJni.WEFT_JNI_EAGAIN) {
            onDefault.run();
        } else if (r == WeftJni.WEFT_JNI_ETIMEDOUT) {
            onTimeout.run();
        } else if (r == WeftJni.WEFT_JNI_ECLOSED) {
            throw new ChanClosedException("select: send on a closed channel");
        } else {
            throw new WeftException("Select.run", r);
        }
    }
}
