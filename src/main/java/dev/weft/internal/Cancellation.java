package dev.weft.internal;

import java.util.function.Supplier;

/**
 * What a blocking operation interrupted in the calling thread throws: a
 * {@link dev.weft.CancelledException} in a {@link dev.weft.Coroutine}
 * that was cancelled, else a plain {@link InterruptedException}.
 *
 * <p>Only {@code Coroutine} knows which threads are cancelled coroutines;
 * it installs its rule here as it is initialized, so that the waits in
 * this package ({@link Parking}, {@link HeapSeat}) throw what the API's
 * own waits throw without reaching into it. Before that no coroutine
 * exists, so none is cancelled and the plain rule is the right one.
 */
public final class Cancellation {
    private Cancellation() {}

    private static final Supplier<InterruptedException> PLAIN = InterruptedException::new;
    private static volatile Supplier<InterruptedException> rule = PLAIN;

    /**
     * Installs the rule, once (Coroutine's static initializer).
     *
     * @param r makes the exception for an interrupted wait in the calling thread
     * @throws IllegalStateException if a rule was installed already
     */
    public static synchronized void install(Supplier<InterruptedException> r) {
        if (rule != PLAIN) {
            throw new IllegalStateException("a cancellation rule is installed already");
        }
        rule = r;
    }

    /**
     * The exception an interrupted wait in the calling thread throws.
     *
     * @return a CancelledException in a cancelled coroutine, else an InterruptedException
     */
    public static InterruptedException interruptedOrCancelled() {
        return rule.get();
    }
}
