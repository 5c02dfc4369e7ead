package dev.weft;

import dev.weft.jni.WeftJni;

import java.lang.ref.Reference;
import java.util.function.LongUnaryOperator;

/**
 * A native lock object (mutex, rwlock, semaphore, condition, WaitGroup)
 * owned by a Java façade: freed through the {@link Reclaimer} once the
 * façade is unreachable, and waited on through {@link Parking}.
 */
final class NativeSync {
    /** A start of a native operation by the calling thread's op record: a packed result. */
    interface Start {
        long start(long op, long token);
    }

    final long handle;

    NativeSync(Object owner, long handle, String what, LongUnaryOperator free) {
        if (handle == WeftJni.WEFT_JNI_ENOMEM) {
            throw new OutOfMemoryError("weft: no memory for a " + what);
        }
        if (handle <= 0) {
            throw new WeftException("weft_jni_" + what + "_new", (int) handle);
        }
        this.handle = handle;
        Reclaimer.register(owner, () -> free.applyAsLong(handle));
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
}
