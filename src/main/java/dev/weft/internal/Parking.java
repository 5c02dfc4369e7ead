package dev.weft.internal;

import dev.weft.WeftException;
import dev.weft.jni.WeftJni;

import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * How a Java thread waits on Weft's native channels and locks without
 * blocking inside a native call (cnative/jni/ext.h has the native half).
 *
 * <p>Each thread that ever waits gets a {@link Waiter}: a native op record
 * (the external waiter and its element buffer) and a token, the number by
 * which native code names the thread when it completes its operation. A
 * blocking operation is one non-blocking native call that either completes
 * or queues the op record and answers {@code PARKED}; the thread then
 * parks until its token is delivered, and asks for the outcome.
 *
 * <p>Tokens reach us two ways. A native call that completes another
 * thread's wait hands the first such token back in its packed result;
 * the caller unparks that thread itself ({@link #status}). Every other
 * token (wakes caused by native coroutines, a close waking many) is
 * queued natively and delivered by one daemon platform thread,
 * {@code weft-wakes}, which blocks in {@code weft_jni_wake_wait}: a
 * platform thread may block in native code, a virtual one must not.
 *
 * <p>A waiter lives as long as its thread: a {@link Cleaner} on the thread
 * frees its op record and token once the thread is unreachable.
 */
public final class Parking {
    private Parking() {}

    static final int OK = WeftJni.WEFT_JNI_OK;
    static final int PARKED = WeftJni.WEFT_JNI_PARKED;

    /** The Cleaner of Weft's Java-side resources: waiters, and a coroutine's unobserved failure. */
    public static final Cleaner CLEANER = Cleaner.create();

    private static final ConcurrentHashMap<Integer, Waiter> BY_TOKEN = new ConcurrentHashMap<>();
    private static final AtomicInteger NEXT_TOKEN = new AtomicInteger();
    private static final ThreadLocal<Waiter> WAITER = ThreadLocal.withInitial(Waiter::new);

    static {
        Native.ensureLoaded();
        int rc = WeftJni.weft_jni_runtime_start(0);
        if (rc != OK) {
            throw new WeftException("weft_jni_runtime_start", rc);
        }
        Thread t = Thread.ofPlatform().daemon().name("weft-wakes").unstarted(Parking::drain);
        t.start();
    }

    /** Loads the library and starts the runtime and the wake thread. */
    public static void ensureStarted() {
        // the static initializer does the work
    }

    /** A thread parked on a Weft object, as {@link #parked()} saw it. */
    public record ParkedParty(Thread thread, long sinceNanos, boolean timed) {}

    /**
     * Every thread parked right now in a wait on a Weft object (channel,
     * select, lock, semaphore, cond, WaitGroup, timer): its thread, since
     * when (System.nanoTime) and whether its wait has a deadline.
     *
     * @return a snapshot, oldest wait first
     */
    public static java.util.List<ParkedParty> parked() {
        java.util.List<ParkedParty> out = new java.util.ArrayList<>();
        for (Waiter w : BY_TOKEN.values()) {
            long since = w.parkedSince;
            Thread t = w.thread.get();
            if (since != 0 && t != null && t.isAlive()) {
                out.add(new ParkedParty(t, since, w.parkedTimed));
            }
        }
        out.sort(java.util.Comparator.comparingLong(ParkedParty::sinceNanos));
        return out;
    }

    /** The calling thread's waiter (created on first use). */
    static Waiter waiter() {
        return WAITER.get();
    }

    /**
     * A thread's native op record and token. Only its thread uses
     * {@code op}; {@code delivered} is set by whoever delivers the token.
     */
    static final class Waiter {
        final int token;
        final WeakReference<Thread> thread;
        long op;
        long elemBytes;
        volatile boolean delivered;
        /**
         * Set by the owner before it parks. With delivered this is a
         * Dekker pair: the owner writes parked then reads delivered, the
         * deliverer writes delivered then reads parked (all volatile, so
         * in one total order): at least one of them sees the other's
         * write, and a deliverer that sees parked false may skip the
         * unpark because the owner will see delivered before parking.
         * Skipping it matters on a ping-pong, where the owner is usually
         * still spinning: an unpark of a running virtual thread is an
         * atomic on its (other core's) Thread object and leaves a permit
         * that makes its next park return at once.
         */
        volatile boolean parked;
        /**
         * The hand-over (see {@link #handOver}): which channel operation
         * the owner is waiting in ({@link #WAITS_NONE}, {@link #WAITS_SEND},
         * {@link #WAITS_RECV}, {@link #WAITS_RECV_OBJECT}), written by the
         * owner before its native call queues it (that call's lock release
         * orders it for the thread that completes the operation) and read
         * by that thread.
         */
        int waits;
        /** Written by the thread that completed the wait before it sets delivered; read by the owner after. */
        int handStatus = NO_HAND;
        long handValue;
        /** Like handValue, for {@link #WAITS_RECV_OBJECT}: the object itself. */
        Object handObject;
        /** Owner only: the last wait's outcome came by hand; its value is {@link #handValue}. */
        boolean handed;
        /**
         * Like handStatus for a {@link #WAITS_SELECT} wait: a sender that
         * completed one of its receive cases handed the value over
         * ({@link #handValue}, or the object in {@link #handObject}); the
         * select still asks its op record which case fired.
         */
        boolean selectHanded;
        /**
         * Owner only: a wait's outcome came by hand and the op record has
         * not been told yet. A partner that completes a wait sitting in a
         * channel's seat hands it over without touching the op record
         * (cnative/src/chan.h), which so still thinks it waits: the next
         * start says otherwise ({@link #startToken}), or the free does.
         */
        boolean tellHanded;
        /** Owner only: the value of the sender {@link ChanSeat#takeSender} took. */
        long seatValue;
        /**
         * For {@link #parked()} (Weft.dump, the deadlock watchdog): when the
         * owner parked in its current wait (System.nanoTime, 0 when it is
         * not parked) and whether that wait has a deadline. Plain fields,
         * written by the owner only around its park (not on the spin's
         * path) and read by others racily: a dump may be a moment old.
         */
        long parkedSince;
        boolean parkedTimed;
        /** spin budget of the next wait ({@link #spin}); owner only */
        int spins = FIRST_SPINS;
        /** waits since the last probe, while spins is 0; owner only */
        int sinceProbe;

        Waiter() {
            Thread self = Thread.currentThread();
            int t;
            do {
                t = NEXT_TOKEN.incrementAndGet() & 0x7fffffff;
            } while (t == 0 || BY_TOKEN.putIfAbsent(t, this) != null);
            token = t;
            thread = new WeakReference<>(self);
            op = newOp(8);
            elemBytes = 8;
            long[] holder = {op};
            int tok = t;
            Waiter me = this; // holds its thread weakly only, so the cleaner may keep it
            CLEANER.register(self, () -> {
                BY_TOKEN.remove(tok);
                WeftJni.weft_jni_op_free(holder[0], me.tellHanded ? 1 : 0);
            });
            opHolder = holder;
        }

        private final long[] opHolder;

        /** The token for the next start on op (weft_jni.h, WEFT_JNI_HANDED). */
        long startToken() {
            if (tellHanded) {
                tellHanded = false;
                return token | WeftJni.WEFT_JNI_HANDED;
            }
            return token;
        }

        /** Makes sure op can hold an element of n bytes (op is idle here). */
        void ensureElem(long n) {
            if (n <= elemBytes) {
                return;
            }
            long bigger = newOp(n);
            WeftJni.weft_jni_op_free(op, tellHanded ? 1 : 0);
            tellHanded = false;
            op = bigger;
            opHolder[0] = bigger;
            elemBytes = n;
        }

        private static long newOp(long elemBytes) {
            long h = WeftJni.weft_jni_op_new(elemBytes, NativeSelect.MAX_CASES);
            if (h <= 0) {
                throw new WeftException("weft_jni_op_new", (int) h);
            }
            return h;
        }
    }

    /** Unparks the thread named by token. */
    static void deliver(long token) {
        Waiter w = BY_TOKEN.get((int) token);
        if (w == null) {
            return; // cannot happen: a queued op keeps its thread alive
        }
        deliver(w);
    }

    private static void deliver(Waiter w) {
        w.delivered = true;
        if (!w.parked) {
            return; // Waiter.parked
        }
        Thread t = w.thread.get();
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    static final int WAITS_NONE = 0;
    static final int WAITS_SEND = 1;
    static final int WAITS_RECV = 2;
    static final int WAITS_RECV_OBJECT = 3;
    /** A {@link NativeSelect} that may be handed a receive case's value ({@link #handOver}). */
    static final int WAITS_SELECT = 4;
    static final int NO_HAND = Integer.MIN_VALUE;

    /**
     * The status of a packed result of a channel send ({@code kind}
     * WAITS_RECV: it may have completed a waiting receive, with
     * {@code value}) or receive (WAITS_SEND: a waiting send), after
     * delivering its token. If that token's thread is waiting in exactly
     * that kind of channel operation, this call's success was its
     * success: hand it the outcome (and the value) with the token, so it
     * need not ask the native op record for them. That spares the woken
     * thread two native calls and, what costs more, reading two cache
     * lines the completing thread wrote on the other core (the waiter's
     * state and the element). A select waiting with a receive case is
     * handed the value too, but still asks which case fired (its op record
     * must unlink the other cases anyway). A wait completed any other way
     * (a close, a native coroutine) is delivered as before and asks.
     *
     * <p>Callers that pass {@code WEFT_JNI_HAND} (NativeChan, and NativeSelect
     * through {@link #completed}) must come here: a wait that sat in the
     * channel's seat (cnative/src/chan.h) and whose token a {@code HAND}
     * call got back learns its outcome, and a receive its value, from this
     * hand-over only.
     */
    static int handOver(long packed, int kind, long value) {
        int r = (short) packed;
        completed(packed >> 16, r == OK, kind, value);
        return r;
    }

    /**
     * {@link #handOver}'s work on the token a call got back (0: none,
     * negative: deliver, it asks); {@code ok}: the call completed that
     * token's wait with its own operation of the mirror {@code kind}. A
     * {@link NativeSelect} whose case fired at once comes here directly: its
     * status is the case's index, not OK.
     */
    static void completed(long token, boolean ok, int kind, long value) {
        if (token < 0) {
            deliver(-token); // woken to try again, or by a close: it asks (weft_jni.h)
            return;
        }
        if (token == 0) {
            return;
        }
        Waiter w = BY_TOKEN.get((int) token);
        if (w == null) {
            return; // cannot happen: a queued op keeps its thread alive
        }
        if (ok && w.waits == kind) {
            // for an object, value is the Slots number this thread just
            // filled: empty it here and hand the object itself, so the
            // slot's line never leaves this core (NativeChan.sendObject)
            hand(w, value, kind == WAITS_RECV_OBJECT ? Slots.take(value) : null);
        } else if (ok && w.waits == WAITS_SELECT && kind != WAITS_SEND) {
            // a send that completed a select: what it sent is what the
            // receive case that fired got (chan.h), so hand it over the
            // same way; the select asks which case, and ends natively
            if (kind == WAITS_RECV_OBJECT) {
                w.handObject = Slots.take(value);
            } else {
                w.handValue = value;
            }
            w.selectHanded = true;
            deliver(w);
        } else {
            deliver(w);
        }
    }

    /**
     * Hands the outcome over to the thread a {@link ChanSeat} took off a
     * channel's seat: it sits in exactly the mirror of the caller's
     * operation, so it is not asked which (as {@link #handOver} does). A
     * receiver gets {@code value} or {@code object}; a sender just OK.
     */
    static void handSeated(int token, long value, Object object) {
        Waiter w = BY_TOKEN.get(token);
        if (w != null) { // always: a seated op keeps its thread alive
            hand(w, value, object);
        }
    }

    /** Delivers w's token with an OK outcome and, for a receive, value or (non-null) object. */
    private static void hand(Waiter w, long value, Object object) {
        if (object != null) {
            w.handObject = object;
        } else {
            w.handValue = value;
        }
        w.handStatus = OK;
        deliver(w);
    }

    /** The status of a packed result, after delivering its token (of either sign, weft_jni.h). */
    static int status(long packed) {
        long token = packed >> 16;
        if (token != 0) {
            deliver(Math.abs(token));
        }
        return (short) packed;
    }

    /**
     * The most a waiter spins before parking ({@code -Dweft.spins}; 0: never
     * spin). 1024 {@code Thread.onSpinWait()} take about 14 us on the
     * 2-core Xeon VM this was measured on.
     */
    private static final int MAX_SPINS = Math.max(0, Integer.getInteger("weft.spins", 1024));
    private static final int FIRST_SPINS = Math.min(MAX_SPINS, 256);
    /** A budget halved below this becomes 0. */
    private static final int MIN_SPINS = 64;
    /** With a budget of 0, one wait in PROBE_EVERY still spins PROBE_SPINS. */
    private static final int PROBE_EVERY = 64;
    private static final int PROBE_SPINS = Math.min(MAX_SPINS, 256);

    /**
     * After a start that answered {@code PARKED}: parks until the token is
     * delivered, the deadline passes ({@code deadline} in System.nanoTime,
     * {@code Long.MAX_VALUE}: none) or, if {@code interruptible}, the thread
     * is interrupted; then returns the operation's outcome (a native
     * status). A timeout or interrupt that loses the race to a completion
     * returns the completion's outcome (and an interrupt stays pending).
     */
    static int await(Waiter w, long deadline, boolean interruptible) throws InterruptedException {
        for (;;) {
            int r = awaitOnce(w, deadline, interruptible);
            if (r != PARKED) {
                return r;
            }
            // woken to try again (a mutex released, a buffered channel's
            // value or room) and lost: queued anew (mutex.c, chan.c)
        }
    }

    private static int awaitOnce(Waiter w, long deadline, boolean interruptible) throws InterruptedException {
        boolean interrupted = false;
        try {
            spin(w);
            while (mayPark(w)) {
                if (w.parkedSince == 0) {
                    w.parkedTimed = deadline != Long.MAX_VALUE;
                    w.parkedSince = System.nanoTime() | 1; // never 0
                }
                if (deadline != Long.MAX_VALUE) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        if (WeftJni.weft_jni_op_abort(w.op, WeftJni.WEFT_JNI_ETIMEDOUT) == 1) {
                            return status(WeftJni.weft_jni_op_result(w.op));
                        }
                        awaitDelivery(w);
                        break;
                    }
                    LockSupport.parkNanos(w, left);
                } else {
                    LockSupport.park(w);
                }
                if (Thread.interrupted()) {
                    if (interruptible && WeftJni.weft_jni_op_abort(w.op, WeftJni.WEFT_JNI_ECANCELED) == 1) {
                        status(WeftJni.weft_jni_op_result(w.op));
                        throw Cancellation.interruptedOrCancelled();
                    }
                    interrupted = true; // completed meanwhile, or not interruptible
                }
            }
            w.delivered = false;
            int hs = w.handStatus;
            if (hs != NO_HAND) {
                // handed over (handOver): the native op record left its
                // queue or seat; ext.c lets the next operation start on it
                // (told so, for a seat: tellHanded)
                w.handStatus = NO_HAND;
                w.handed = true;
                w.tellHanded = true;
                return hs;
            }
            // may be PARKED: woken to try again, lost, queued again (await loops)
            int r = status(WeftJni.weft_jni_op_result(w.op));
            if (r == WeftJni.WEFT_JNI_EAGAIN) {
                throw new IllegalStateException("weft: token delivered before its operation settled");
            }
            return r;
        } finally {
            w.parked = false;
            w.parkedSince = 0;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Spins a while before parking, adaptively, as HotSpot's monitors do:
     * spinning pays when the party that will wake us is running on another
     * carrier right now (a ping-pong: 2.3 us per round trip parked, 0.85
     * spinning), and wastes a carrier other coroutines need when it is not
     * (the demo's 1000-stage prime sieve on 2 carriers: 0.53 s parked,
     * 5.4 s with a fixed 512 spins + 8 yields). A wait the spin ended
     * doubles this thread's budget (at least to twice what it took), one
     * that parked anyway halves it; at 0 one wait in {@link #PROBE_EVERY}
     * spins a little to find out whether things changed. The JDK's
     * SynchronousQueue asks instead whether the carrier has queued work,
     * which is not public.
     *
     * <p>Why doubling: one park feeds on itself. A partner stalled past the
     * budget (its vCPU descheduled, a GC) makes this thread park; waking it
     * takes the partner microseconds, so the partner's next wait fails too,
     * and so on. When a success only kept the budget where it was, each
     * such chain halved both budgets for good and a ping-pong could settle
     * with 10-25% of its waits parked, at ~1.1 us per round trip instead of
     * ~0.65. With doubling, a few successes restore the budget: 10-150
     * parks per 100k waits. The sieve, whose waits mostly fail, stays at 0.
     */
    private static void spin(Waiter w) {
        int budget = spinBudget(w);
        for (int i = 0; i < budget; i++) {
            if (w.delivered) {
                spinEnded(w, i);
                return;
            }
            Thread.onSpinWait();
        }
        spinOutlasted(w, budget, w.delivered);
    }

    /** The spin budget of w's next wait (0: do not spin); {@link #spin} explains the policy. */
    static int spinBudget(Waiter w) {
        int budget = w.spins;
        if (budget == 0) {
            if (++w.sinceProbe < PROBE_EVERY) {
                return 0;
            }
            w.sinceProbe = 0;
            budget = PROBE_SPINS;
        }
        return budget;
    }

    /** A wait ended by the spin after i rounds: allow more, up to the cap. */
    static void spinEnded(Waiter w, int i) {
        w.spins = Math.min(MAX_SPINS, Math.max(w.spins * 2, (i + 1) * 2 + 32));
    }

    /**
     * A wait spun its whole budget: if it ended right then, double the
     * budget (up to the cap), else halve it (to 0 below {@link #MIN_SPINS}).
     */
    static void spinOutlasted(Waiter w, int budget, boolean ended) {
        if (ended) {
            w.spins = Math.min(MAX_SPINS, budget * 2);
        } else {
            w.spins = budget >> 1 >= MIN_SPINS ? budget >> 1 : 0;
        }
    }

    /**
     * The owner's half of the {@link Waiter#parked} handshake: says it
     * will park, then looks once more. False: delivered, do not park.
     */
    private static boolean mayPark(Waiter w) {
        if (w.delivered) {
            return false;
        }
        w.parked = true;
        return !w.delivered;
    }

    /** The abort lost: the completion's token is on its way; wait for it. */
    private static void awaitDelivery(Waiter w) {
        boolean interrupted = false;
        while (mayPark(w)) {
            LockSupport.park(w);
            interrupted |= Thread.interrupted();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Deadline in System.nanoTime terms for a timeout; MAX_VALUE for none:
     * {@link #deadline(long)} of its nanoseconds, saturated as
     * {@link java.util.concurrent.TimeUnit#convert(java.time.Duration)}
     * does (a negative one beyond a long's range is now, a positive one
     * none, as ChronoUnit.FOREVER's is).
     */
    public static long deadline(java.time.Duration timeout) {
        if (timeout == null) {
            throw new NullPointerException("timeout is null");
        }
        return deadline(java.util.concurrent.TimeUnit.NANOSECONDS.convert(timeout));
    }

    /**
     * Deadline in System.nanoTime terms for a timeout of {@code nanos},
     * saturated already as {@link java.util.concurrent.TimeUnit#toNanos}
     * does: zero or negative, down to Long.MIN_VALUE, is now (the wait
     * gives up at once); Long.MAX_VALUE (any unit's MAX_VALUE, saturated)
     * is none, MAX_VALUE; a shorter one whose deadline would run past a
     * long's range is the farthest, {@code MAX_VALUE - 1}, so that
     * {@code deadline - System.nanoTime()} never wraps.
     */
    public static long deadline(long nanos) {
        if (nanos == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        long now = System.nanoTime();
        if (nanos <= 0) {
            return now;
        }
        long d = now + nanos;
        return d < now || d == Long.MAX_VALUE ? Long.MAX_VALUE - 1 : d;
    }

    private static void drain() {
        long[] buf = new long[256];
        for (;;) {
            int n = WeftJni.weft_jni_wake_wait(buf, buf.length, -1);
            for (int i = 0; i < n; i++) {
                deliver(buf[i]);
            }
        }
    }
}
