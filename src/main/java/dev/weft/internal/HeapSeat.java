package dev.weft.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The Java seat of an unbuffered {@link dev.weft.Chan} (its
 * {@link NativeChan}'s): while only Java threads have used the channel,
 * one waiting party sits here, in a field on the Java heap, and the other
 * side takes it with one compare-and-set on that same field, without a
 * native call. The first {@link dev.weft.Select} on the channel, its
 * close, or a second party waiting on the same side switches the channel
 * to its native implementation
 * (cnative/src/chan.c) for good; from then on this class only says so.
 *
 * <p>Why: on a ping-pong each hand-over is paid in cache-line transfers
 * between the two cores, and the native seat costs four on the critical
 * path (the taker reads the seat line, upgrades it with the lock, writes
 * the sitter's {@link Parking.Waiter}, which the sitter then reads
 * back). Here the sitter waits on the seat word itself and the taker
 * writes the value into that word: the taker reads the line and upgrades
 * it, the sitter reads it back, three transfers; two when a send's guess
 * (HeapSeatGuess) is right, its exchange taking the line for writing at
 * once. A Java object cannot live in native memory, so only a seat on the
 * heap can carry the value in the line the taker claims. Measured (JMH
 * W3u, README): 0.48-0.61x SynchronousQueue, from 1.01-1.09x.
 *
 * <p>The seat holds one of:
 * <ul>
 * <li>{@code null}: nobody waits;
 * <li>a {@link Sit}: a receiver ({@code value == null}) or a sender (with
 *     its value) waits, spinning or, if {@code asleep}, parked;
 * <li>any other object: a value handed to the receiver that sat, not yet
 *     picked up; only that receiver changes it (back to null);
 * <li>a {@link Kick}: the switch to native is under way and the party it
 *     names must register with the native channel and then set
 *     {@link #NATIVE};
 * <li>{@link #NATIVE}: the channel is native for good.
 * </ul>
 * Every change from a {@code Sit} is one compare-and-set, by a taker, by
 * the sitter itself (to sleep, or to leave on a timeout or an interrupt)
 * or by a switcher: exactly one of them wins, which is the whole
 * correctness argument for matching, waking and leaving. Users cannot
 * send a {@code Sit}, a {@code Kick} or {@code NATIVE}: none leaves this
 * package, so any other object in the seat is a user's value.
 *
 * <p>Why a switch, not a merge: a heap sitter is invisible to the native
 * channel, so no party may wait natively while one sits here, and the
 * other way round. Before the switch nobody uses the native channel; the
 * switcher moves the sitter (if any) there first, and nobody touches the
 * native channel until the sitter has registered with it, so a
 * {@code Select} with a default case still sees a sender that was
 * waiting. Closing goes through the same switch, so a close wakes heap
 * sitters exactly as native ones.
 */
final class HeapSeat extends HeapSeatGuess {
    // keeps the next object's fields off the guess's line
    long q0, q1, q2, q3, q4, q5, q6, q7;

    private static final VarHandle SEAT;

    static {
        try {
            SEAT = MethodHandles.lookup().findVarHandle(HeapSeatField.class, "seat", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The seat's last state: the channel is native; also what send and recv answer then. */
    static final Object NATIVE = new Object();
    /** recv's answer to a try or a timeout that got nothing. */
    static final Object NONE = new Object();
    /** recv's answer when the caller sat and was moved: it must register natively, then {@link #nativeNow}. */
    static final Object MOVED = new Object();

    static final int SENT = 0;
    static final int NOT_SENT = 1;
    static final int GO_NATIVE = 2;
    static final int SEND_MOVED = 3;

    /**
     * A party waiting in the seat; a receiver's two are made once per
     * thread ({@link #RECEIVER}). A taker reads its header and
     * fields, which {@link SitFields} keeps on the header's line, and the
     * padding after keeps the next object's writes off it.
     */
    static final class Sit extends SitFields {
        long q0, q1, q2, q3, q4, q5, q6, q7;
        /** A receiver's awake Sit: its parked twin. */
        Sit asleepTwin;

        Sit(Parking.Waiter w, Object value, boolean asleep) {
            super(w, value, asleep);
        }

        void wake() {
            if (asleep) {
                Thread t = w.thread.get();
                if (t != null) { // always: a sitter is alive
                    LockSupport.unpark(t);
                }
            }
        }
    }

    /**
     * This thread's Sits as a receiver: the same two objects for every
     * receive, so a sender's guess can name one. Here, not in the
     * {@link Parking.Waiter}: a bigger Waiter moved the select benchmark.
     */
    private static final ThreadLocal<Sit> RECEIVER = ThreadLocal.withInitial(() -> {
        Parking.Waiter w = Parking.waiter();
        Sit awake = new Sit(w, null, false);
        awake.asleepTwin = new Sit(w, null, true);
        return awake;
    });

    /** The switch to native, aimed at the sitter it replaced. */
    private static final class Kick {
        final Sit target;

        Kick(Sit target) {
            this.target = target;
        }
    }

    /**
     * Sends {@code value}: {@link #SENT}, {@link #NOT_SENT} (a try that
     * would wait, a timeout), {@link #GO_NATIVE} (make the native call) or
     * {@link #SEND_MOVED} (the native call, then {@link #nativeNow}).
     */
    int send(Object value, long deadline, boolean mayBlock) throws InterruptedException {
        Parking.Waiter w = null;
        Object s;
        Object g = guess;
        if (g != null) {
            s = SEAT.compareAndExchange(this, g, value);
            if (s == g) { // the receiver that sat last time sits again: handed value
                return SENT; // an awake Sit (see below): nobody to unpark
            }
        } else {
            s = seat;
        }
        for (int busy = 0; ; busy++, s = seat) {
            if (s instanceof Sit t) {
                if (t.value == null) {
                    if (SEAT.compareAndSet(this, t, value)) { // a receiver sits: it is handed value
                        t.wake();
                        if (!t.asleep && g != t) {
                            guess = t;
                        }
                        return SENT;
                    }
                } else if (!mayBlock) {
                    return NOT_SENT;
                } else {
                    kick(t); // a sender sits already: a queue is the native channel's job
                }
            } else if (s == null) {
                if (!mayBlock) {
                    return NOT_SENT;
                }
                if (w == null) {
                    w = Parking.waiter();
                }
                Sit me = new Sit(w, value, false);
                if (SEAT.compareAndSet(this, null, me)) {
                    Object r = await(me, w, deadline);
                    return r == MOVED ? SEND_MOVED : r == NONE ? NOT_SENT : SENT;
                }
            } else if (s == NATIVE) {
                return GO_NATIVE;
            } else if (s instanceof Kick) {
                awaitNative();
                return GO_NATIVE;
            } else if (!mayBlock) {
                return NOT_SENT; // a value in flight: the receiver is served, nobody waits
            } else {
                backOff(busy); // its receiver is about to pick it up
            }
        }
    }

    /**
     * Receives: the value, {@link #NONE} (a try that would wait, a
     * timeout), {@link #NATIVE} (make the native call) or {@link #MOVED}
     * (the native call, then {@link #nativeNow}).
     */
    Object recv(long deadline, boolean mayBlock) throws InterruptedException {
        for (int busy = 0; ; busy++) {
            Object s = seat;
            if (s instanceof Sit t) {
                if (t.value != null) {
                    if (SEAT.compareAndSet(this, t, null)) { // a sender sits: take its value
                        t.wake();
                        return t.value;
                    }
                } else if (!mayBlock) {
                    return NONE;
                } else {
                    kick(t);
                }
            } else if (s == null) {
                if (!mayBlock) {
                    return NONE;
                }
                Sit me = RECEIVER.get();
                if (SEAT.compareAndSet(this, null, me)) {
                    return await(me, me.w, deadline);
                }
            } else if (s == NATIVE) {
                return NATIVE;
            } else if (s instanceof Kick) {
                awaitNative();
                return NATIVE;
            } else if (!mayBlock) {
                return NONE;
            } else {
                backOff(busy);
            }
        }
    }

    /**
     * Switches the channel to native for good and returns once it is:
     * a select on it or its close calls this first.
     */
    void toNative() {
        guess = null;
        for (int busy = 0; ; busy++) {
            Object s = seat;
            if (s == NATIVE) {
                return;
            }
            if (s == null) {
                if (SEAT.compareAndSet(this, null, NATIVE)) {
                    return;
                }
            } else if (s instanceof Sit t) {
                kick(t);
            } else if (s instanceof Kick) {
                awaitNative();
                return;
            } else {
                backOff(busy);
            }
        }
    }

    /** True once the channel is native (the seat's last state). */
    boolean isNative() {
        return seat == NATIVE;
    }

    /** 1 if a sender (senders) or a receiver (not) sits here now, else 0 (tests). */
    int sitting(boolean senders) {
        return seat instanceof Sit t && (t.value != null) == senders ? 1 : 0;
    }

    /** A moved party has registered with the native channel: everyone may use it now. */
    void nativeNow() {
        seat = NATIVE;
    }

    /** Replaces sitter t by a Kick, and if that worked waits until t has moved. */
    private void kick(Sit t) {
        if (SEAT.compareAndSet(this, t, new Kick(t))) {
            t.wake();
            awaitNative();
        }
    }

    /** Waits for a moved sitter to register natively; it is running, or was just unparked. */
    private void awaitNative() {
        for (int busy = 0; seat != NATIVE; busy++) {
            backOff(busy);
        }
    }

    /** Waiting for another party's next step, which is under way: spin a little, then let others run. */
    private static void backOff(int busy) {
        if (busy < 64) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    /**
     * The sitter's wait: spins (the adaptive budget of {@link Parking}),
     * then parks; returns what the seat says: a receiver's value, SENT's
     * stand-in (any other object, for a sender), {@link #NONE} on a
     * timeout, {@link #MOVED} if switched to native.
     */
    private Object await(Sit me, Parking.Waiter w, long deadline) throws InterruptedException {
        int budget = Parking.spinBudget(w);
        for (int i = 0; i < budget; i++) {
            Object s = seat;
            if (s != me) {
                Parking.spinEnded(w, i);
                return settled(me, s);
            }
            Thread.onSpinWait();
        }
        Object s = seat;
        Parking.spinOutlasted(w, budget, s != me);
        if (s != me) {
            return settled(me, s);
        }
        Sit zz = me.value == null ? me.asleepTwin : new Sit(w, me.value, true);
        if (!SEAT.compareAndSet(this, me, zz)) {
            return settled(me, seat);
        }
        boolean interrupted = false;
        w.parkedTimed = deadline != Long.MAX_VALUE; // for Parking.parked (a dump, the watchdog)
        w.parkedSince = System.nanoTime() | 1;
        try {
            for (;;) {
                if (deadline != Long.MAX_VALUE) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        if (SEAT.compareAndSet(this, zz, null)) {
                            return NONE;
                        }
                        return settled(zz, seat); // taken or moved meanwhile
                    }
                    LockSupport.parkNanos(this, left);
                } else {
                    LockSupport.park(this);
                }
                if ((s = seat) != zz) {
                    return settled(zz, s);
                }
                if (Thread.interrupted()) {
                    if (SEAT.compareAndSet(this, zz, null)) {
                        throw Cancellation.interruptedOrCancelled();
                    }
                    interrupted = true; // completed meanwhile: that wins, the interrupt stays pending
                    return settled(zz, seat);
                }
            }
        } finally {
            w.parkedSince = 0;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * What replaced sitter me in the seat. For a receiver that is exactly
     * the next state (a value or a Kick aimed at it: nobody else changes
     * either); a sender's seat is free once it is taken, so a Kick seen
     * there may be aimed at a later sitter, hence the target test.
     */
    private Object settled(Sit me, Object s) {
        if (s instanceof Kick k && k.target == me) {
            return MOVED;
        }
        if (me.value == null) {
            // s is our value: only we take it out (the seat stays busy until then)
            SEAT.setRelease(this, null);
            return s;
        }
        return me.value; // a sender: taken
    }
}

/**
 * Padding before the seat: superclass fields come first in HotSpot's
 * layout, but it fills the 4 bytes after a compressed header with any
 * later field that fits, so {@code gap} takes them, or the seat would.
 */
abstract class HeapSeatPad {
    int gap;
    long p0, p1, p2, p3, p4, p5, p6, p7;
}

/** The seat word itself, between two pads ({@code gap2}: as {@code gap}, for the 4 bytes after it). */
abstract class HeapSeatField extends HeapSeatPad {
    volatile Object seat;
    int gap2;
}

/** The seat's line is written on every hand-over: keeps the guess off it. */
abstract class HeapSeatMid extends HeapSeatField {
    long m0, m1, m2, m3, m4, m5, m6, m7;
}

/** {@link HeapSeat}'s hint, on a line of its own (a class level per line: HotSpot fills gaps across levels). */
abstract class HeapSeatGuess extends HeapSeatMid {
    /**
     * The awake receiver a send took last, a racy hint read on its own
     * line (HotSpot puts it after the longs above) and written only when
     * it changes. A send first tries to hand its value straight to it:
     * one compare-and-exchange that takes the seat's line for writing at
     * once, where a read then a compare-and-set move it twice (shared,
     * then exclusive). A wrong guess costs nothing more: the exchange's
     * witness is the seat's state, read with the line already here.
     * Cleared by the switch to native. Receivers make no such guess: a
     * sitting sender's Sit is new each time.
     */
    Object guess;
    int gap3;
}

/**
 * A {@link HeapSeat.Sit}'s fields, in a superclass so that HotSpot lays
 * them out first, right after the header (it puts a class's own longs
 * before its references).
 */
abstract class SitFields {
    final Parking.Waiter w;
    /** a sender's value; null: a receiver */
    final Object value;
    /** parked, or about to: a taker must unpark it */
    final boolean asleep;

    SitFields(Parking.Waiter w, Object value, boolean asleep) {
        this.w = w;
        this.value = value;
        this.asleep = asleep;
    }
}
