package dev.weft.internal;

import dev.weft.WeftException;
import dev.weft.jni.WeftJni;

import java.lang.ref.Reference;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

/**
 * A native lock object (mutex, condition, rwlock, semaphore, WaitGroup)
 * owned by a Java façade in {@code dev.weft}: made as the façade is,
 * freed through the {@link Reclaimer} once the façade is unreachable, and
 * waited on through {@link Parking}. One subclass per kind holds that
 * kind's native calls and what their outcomes mean.
 *
 * <p>Every operation takes the façade ({@code owner}) and keeps it
 * reachable until the native call has returned: the Reclaimer watches the
 * façade, not this object, so that is what must outlive the call.
 */
abstract class NativeSync {
    /** A start of a native operation by the calling thread's op record: a packed result. */
    interface Start {
        long start(long op, long token);
    }

    final long handle;

    /** Starts the runtime, makes the object ({@code make}: a handle or an error), registers its free. */
    NativeSync(Object owner, LongSupplier make, String what, LongUnaryOperator free) {
        Parking.ensureStarted();
        long h = make.getAsLong();
        if (h == WeftJni.WEFT_JNI_ENOMEM) {
            throw new OutOfMemoryError("weft: no memory for a " + what);
        }
        if (h <= 0) {
            throw new WeftException("weft_jni_" + what + "_new", (int) h);
        }
        this.handle = h;
        Reclaimer.register(owner, () -> free.applyAsLong(h));
    }

    /**
     * Runs a start and, if it parked, waits (deadline in nanoTime terms,
     * MAX_VALUE: none). Returns the native outcome.
     */
    static int await(Object owner, Start start, long deadline, boolean interruptible) throws InterruptedException {
        Parking.Waiter w = Parking.waiter();
        try {
            int r = Parking.status(start.start(w.op, w.startToken()));
            return r == Parking.PARKED ? Parking.await(w, deadline, interruptible) : r;
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    /** The same, for a wait that ignores interrupts (the interrupt stays pending). */
    static int awaitUninterruptibly(Object owner, Start start) {
        try {
            return await(owner, start, Long.MAX_VALUE, false);
        } catch (InterruptedException e) {
            throw new AssertionError("an uninterruptible wait threw", e);
        }
    }

    /** A packed result whose status must be OK; its token delivered. */
    static int packed(Object owner, long packedResult) {
        Reference.reachabilityFence(owner);
        return Parking.status(packedResult);
    }

    /**
     * An interruptible wait to acquire: true once acquired, false if the
     * deadline passed first; any other outcome is a {@link WeftException}
     * naming {@code what}.
     */
    static boolean acquire(Object owner, Start start, long deadline, String what) throws InterruptedException {
        int r = await(owner, start, deadline, true);
        if (r == WeftJni.WEFT_JNI_ETIMEDOUT) {
            return false;
        }
        if (r != WeftJni.WEFT_JNI_OK) {
            throw new WeftException(what, r);
        }
        return true;
    }

    /** An uninterruptible wait to acquire; any outcome but OK is a {@link WeftException} naming {@code what}. */
    static void acquireUninterruptibly(Object owner, Start start, String what) {
        int r = awaitUninterruptibly(owner, start);
        if (r != WeftJni.WEFT_JNI_OK) {
            throw new WeftException(what, r);
        }
    }

    /** A packed result that must be OK, else a {@link WeftException} naming {@code what}. */
    static void ok(Object owner, long packedResult, String what) {
        int r = packed(owner, packedResult);
        if (r != WeftJni.WEFT_JNI_OK) {
            throw new WeftException(what, r);
        }
    }

    /** A plain (unpacked) status, OK or not, with the owner kept reachable through the call that made it. */
    static boolean isOk(Object owner, int status) {
        Reference.reachabilityFence(owner);
        return status == WeftJni.WEFT_JNI_OK;
    }
}
