package dev.weft;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Java coroutine: a virtual thread started by {@link Weft#go(Runnable)}
 * (or {@link #builder()}), with a result, Go-style cancellation and
 * exception propagation.
 *
 * <p>It blocks on Weft's channels and locks by parking, so thousands to
 * millions of them are cheap. An exception thrown by its body is rethrown
 * by {@link #join()} wrapped in a {@link CoroutineException}; if nobody
 * ever joins a coroutine that failed, the failure is reported through
 * {@link System.Logger} (logger {@code dev.weft}) once the coroutine's
 * handle is garbage, and nothing else is disturbed.
 *
 * <p>{@link #cancel()} interrupts the coroutine: a blocking Weft operation
 * in it then throws {@link CancelledException} (an
 * {@link InterruptedException}); JDK blocking calls see a plain interrupt.
 *
 * @param <T> the body's result type ({@link Void} for a {@link Runnable})
 */
public final class Coroutine<T> {
    private static final AtomicLong IDS = new AtomicLong();
    private static final ThreadLocal<Coroutine<?>> CURRENT = new ThreadLocal<>();
    private static final System.Logger LOG = System.getLogger("dev.weft");

    private final long id;
    private final String name;
    private final Thread thread;
    private final Outcome<T> outcome;

    /** What the body produced; kept apart from the handle for the Cleaner. */
    private static final class Outcome<T> {
        final String label;
        volatile boolean done;
        volatile boolean observed;
        volatile boolean cancelled;
        T result;
        Throwable failure;

        Outcome(String label) {
            this.label = label;
        }

        void reportIfUnobserved() {
            Throwable f = failure;
            if (done && f != null && !observed && !(f instanceof CancelledException)) {
                LOG.log(Level.WARNING, "coroutine " + label + " failed and was never joined", f);
            }
        }
    }

    private Coroutine(String name, Callable<T> body) {
        Parking.ensureStarted();
        this.id = IDS.incrementAndGet();
        this.name = name != null ? name : "coroutine-" + id;
        Outcome<T> out = new Outcome<>("#" + id + " \"" + this.name + "\"");
        this.outcome = out;
        this.thread = Thread.ofVirtual().name(this.name).unstarted(() -> {
            CURRENT.set(this);
            try {
                out.result = body.call();
            } catch (Throwable t) {
                out.failure = t;
            } finally {
                CURRENT.remove();
                out.done = true;
            }
        });
        Parking.CLEANER.register(this, out::reportIfUnobserved);
    }

    /**
     * Starts {@code body} in a new coroutine (see {@link Weft#go(Callable)}).
     */
    static <T> Coroutine<T> start(String name, Callable<T> body) {
        Objects.requireNonNull(body, "body is null");
        Coroutine<T> c = new Coroutine<>(name, body);
        c.thread.start();
        return c;
    }

    /**
     * A builder that starts coroutines with a name.
     *
     * @return a builder for a named coroutine
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a coroutine with a name. */
    public static final class Builder {
        private String name;

        private Builder() {}

        /**
         * Sets the name of the coroutines this builder starts.
         *
         * @param name the coroutine's (and its virtual thread's) name
         * @return this builder
         * @throws NullPointerException if name is null
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name is null");
            return this;
        }

        /**
         * Starts {@code body}.
         *
         * @param body what the coroutine runs
         * @return the started coroutine
         */
        public Coroutine<Void> start(Runnable body) {
            Objects.requireNonNull(body, "body is null");
            return Coroutine.start(name, () -> {
                body.run();
                return null;
            });
        }

        /**
         * Starts {@code body}; its result is what {@link #join()} returns.
         *
         * @param body what the coroutine runs
         * @param <T>  the result type
         * @return the started coroutine
         */
        public <T> Coroutine<T> start(Callable<T> body) {
            return Coroutine.start(name, body);
        }
    }

    /**
     * The coroutine's id.
     *
     * @return this coroutine's id, unique in the process, from 1
     */
    public long id() {
        return id;
    }

    /**
     * The coroutine's name (also its virtual thread's).
     *
     * @return this coroutine's name
     */
    public String name() {
        return name;
    }

    /**
     * Tells whether the body has finished, without waiting.
     *
     * @return true once the body has returned or thrown
     */
    public boolean isDone() {
        return outcome.done;
    }

    /**
     * Tells whether the coroutine was cancelled.
     *
     * @return true if {@link #cancel()} was called
     */
    public boolean isCancelled() {
        return outcome.cancelled;
    }

    /**
     * Asks the coroutine to stop: interrupts it, so that the Weft
     * operation it is blocked in (or its next one) throws
     * {@link CancelledException}. Does not wait; idempotent.
     */
    public void cancel() {
        outcome.cancelled = true;
        thread.interrupt();
    }

    /**
     * Waits for the body to end.
     *
     * @return the body's result ({@code null} for a {@link Runnable})
     * @throws CoroutineException   if the body threw (the cause)
     * @throws InterruptedException if the caller was interrupted while waiting
     * @throws IllegalStateException if called by the coroutine itself
     */
    public T join() throws InterruptedException {
        checkNotSelf();
        thread.join();
        return outcome();
    }

    /**
     * Waits at most {@code timeout} for the body to end.
     *
     * @param timeout how long to wait
     * @return the body's result
     * @throws TimeoutException     if it is still running after the timeout
     * @throws CoroutineException   if the body threw (the cause)
     * @throws InterruptedException if the caller was interrupted while waiting
     */
    public T join(Duration timeout) throws InterruptedException, TimeoutException {
        Objects.requireNonNull(timeout, "timeout is null");
        checkNotSelf();
        if (!thread.join(timeout.isNegative() ? Duration.ZERO : timeout)) {
            throw new TimeoutException("coroutine " + outcome.label + " still running after " + timeout);
        }
        return outcome();
    }

    private void checkNotSelf() {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("coroutine " + outcome.label + " cannot join itself");
        }
    }

    private T outcome() {
        outcome.observed = true;
        Throwable f = outcome.failure;
        if (f != null) {
            throw new CoroutineException("coroutine " + outcome.label + " failed: " + f, f);
        }
        return outcome.result;
    }

    /** Failure seen by join, for Scope (null if none). */
    Throwable failure() {
        outcome.observed = true;
        return outcome.failure;
    }

    Thread thread() {
        return thread;
    }

    /** The coroutine running on this thread, or null. */
    static Coroutine<?> current() {
        return CURRENT.get();
    }

    /** What a blocking operation interrupted in this thread throws. */
    static InterruptedException interruptedOrCancelled() {
        Coroutine<?> c = CURRENT.get();
        if (c != null && c.outcome.cancelled) {
            return new CancelledException("coroutine " + c.outcome.label + " was cancelled");
        }
        return new InterruptedException();
    }

    @Override
    public String toString() {
        return "Coroutine[#" + id + " " + name + (isDone() ? ", done" : "") + "]";
    }
}
