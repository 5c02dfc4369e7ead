package dev.weft;

import dev.weft.internal.Cancellation;
import dev.weft.internal.Parking;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

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
public abstract sealed class Coroutine<T> {
    /** Unnamed virtual threads; a factory, unlike a builder, is safe to share between threads. */
    private static final java.util.concurrent.ThreadFactory UNNAMED = Thread.ofVirtual().factory();
    private static final System.Logger LOG = System.getLogger("dev.weft");
    /**
     * The cancelled coroutines still running, by thread: what
     * {@link #interruptedOrCancelled()} looks up. A map of the few
     * cancelled ones instead of a ThreadLocal set by every coroutine: a
     * ThreadLocal costs each spawn a ThreadLocalMap and a WeakReference
     * entry for the GC to process. An entry is removed by whichever of
     * {@link #cancel()} and the body's end comes second (see there).
     */
    private static final ConcurrentHashMap<Thread, Coroutine<?>> CANCELLED = new ConcurrentHashMap<>();
    /**
     * Bodies running now (started and not ended), for the deadlock
     * watchdog (Watchdog): a LongAdder, whose cells spread the spawning
     * carriers' updates, so that counting costs a spawn a few ns.
     */
    static final java.util.concurrent.atomic.LongAdder RUNNING = new java.util.concurrent.atomic.LongAdder();

    static {
        // the waits in dev.weft.internal throw what this class's rule says
        Cancellation.install(Coroutine::interruptedOrCancelled);
    }

    /*
     * Few and small fields, in one object per spawn: a spawn loop keeps
     * every handle alive until its join, and a young collection copies each
     * one (W2 spawns a million before joining any: the handle's objects and
     * bytes showed up as the collector's time). Hence the handle is itself
     * the task its thread runs (Task, below: no lambda object beside it),
     * its id and name are its thread's, and one field holds the body and
     * then the outcome: 24 bytes, where it was a 32-byte handle and a
     * 16-byte task (and before that a 56-byte handle).
     */
    private final Thread thread;
    /**
     * The body (a Callable or a Runnable) until it runs, then nothing while
     * it runs, then its outcome: the result, or a {@link Failure}. Written
     * by the coroutine only; the outcome is read after {@code done} or
     * after joining the thread, either of which orders it.
     */
    private Object state;
    private volatile boolean done;
    private volatile boolean cancelled;

    /**
     * A body's failure, and the report of one nobody joined: registered
     * with the Cleaner when (and only when) the body fails with anything
     * but a CancelledException, so a spawn that succeeds costs the Cleaner
     * nothing (a PhantomReference per spawn was most of the garbage
     * collector's work in a spawn loop). It must not refer to the
     * Coroutine, whose unreachability it waits for.
     */
    private static final class Failure implements Runnable {
        final String label;
        final Throwable failure;
        volatile boolean observed;

        Failure(String label, Throwable failure) {
            this.label = label;
            this.failure = failure;
        }

        @Override
        public void run() {
            if (!observed) {
                LOG.log(Level.WARNING, "coroutine " + label + " failed and was never joined", failure);
            }
        }
    }

    /**
     * The kind of Coroutine Weft.go starts (Member is the other, a scope's):
     * the handle is the Runnable its virtual thread runs. The public type does not implement Runnable (a
     * handle is no task for users to run), and a cast one refuses to run
     * anywhere but in its own thread.
     */
    private static final class Task<T> extends Coroutine<T> implements Runnable {
        Task(String name, Object body) {
            super(name, body);
        }

        @Override
        public void run() {
            body();
        }
    }

    /**
     * A scope's member (Scope): like Task, and when its outcome is final it
     * tells the scope, so that the scope keeps no record of members that
     * have ended. A subclass of its own, so that a plain spawn's handle
     * stays one field smaller.
     */
    private static final class Member<T> extends Coroutine<T> implements Runnable {
        private final java.util.function.Consumer<Coroutine<?>> onEnd;

        Member(Object body, java.util.function.Consumer<Coroutine<?>> onEnd) {
            super(null, body);
            this.onEnd = onEnd;
        }

        @Override
        public void run() {
            body();
        }

        @Override
        void ended() {
            onEnd.accept(this);
        }
    }

    private Coroutine(String name, Object body) {
        Parking.ensureStarted();
        Watchdog.ensureStarted();
        this.state = body;
        // this is a Task (the only subclass); the thread is not started yet
        Runnable task = (Runnable) this;
        this.thread = name != null ? Thread.ofVirtual().name(name).unstarted(task) : UNNAMED.newThread(task);
    }

    /** What the coroutine's thread runs (once, and only there). */
    final void body() {
        if (Thread.currentThread() != thread) {
            throw new UnsupportedOperationException("coroutine " + label() + " runs in its own thread only");
        }
        Object b = state;
        if (b == null || done) {
            throw new IllegalStateException("coroutine " + label() + " already ran");
        }
        state = null; // the body is garbage once it has run
        RUNNING.increment();
        try {
            if (b instanceof Callable<?> c) {
                state = c.call();
            } else {
                ((Runnable) b).run();
            }
        } catch (Throwable t) {
            Failure f = new Failure(label(), t);
            state = f;
            if (!(t instanceof CancelledException)) {
                // this handle is reachable here (we are running its method)
                Parking.CLEANER.register(this, f);
            } else {
                f.observed = true; // a cancellation is no failure to report
            }
        } finally {
            RUNNING.decrement();
            done = true;
            // cancel() wrote cancelled, put, then reads done; we wrote done,
            // then read cancelled (all in one total order): if cancel() read
            // done false, its put came before our read of cancelled, which
            // sees true, and we remove; if it read done true, it removes.
            if (cancelled) {
                CANCELLED.remove(thread);
            }
            ended();
        }
    }

    /** Runs on the coroutine's thread once its outcome is final (Member). */
    void ended() {}

    /**
     * Starts {@code body} in a new coroutine (see {@link Weft#go(Callable)}).
     */
    static <T> Coroutine<T> start(String name, Callable<T> body) {
        Objects.requireNonNull(body, "body is null");
        Coroutine<T> c = new Task<>(name, body);
        c.thread.start();
        return c;
    }

    /**
     * Starts {@code body} as a scope's member: {@code onEnd} runs on the
     * member's thread once its outcome (result or failure) is final.
     */
    static <T> Coroutine<T> startMember(Callable<T> body, java.util.function.Consumer<Coroutine<?>> onEnd) {
        Objects.requireNonNull(body, "body is null");
        Coroutine<T> c = new Member<>(body, onEnd);
        c.thread.start();
        return c;
    }

    /** Starts {@code body} in a new coroutine (see {@link Weft#go(Runnable)}). */
    static Coroutine<Void> start(String name, Runnable body) {
        Objects.requireNonNull(body, "body is null");
        Coroutine<Void> c = new Task<>(name, body);
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
            return Coroutine.start(name, body);
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
     * The coroutine's id: its virtual thread's {@link Thread#threadId()},
     * so that a thread dump (where an unnamed virtual thread shows as
     * {@code #ID}) names the coroutine.
     *
     * @return this coroutine's id, unique in the process
     */
    public long id() {
        return thread.threadId();
    }

    /**
     * The coroutine's name: its virtual thread's, which is the one it was
     * built with, or {@code coroutine-ID} for an unnamed one (or one built
     * with an empty name), whose virtual thread stays unnamed as the JDK
     * leaves virtual threads (a string made per spawn cost a spawn loop
     * more than the string: see the fields); its {@link #id()} is that
     * thread's id. A body that renames its thread renames its coroutine.
     *
     * @return this coroutine's name
     */
    public String name() {
        String n = thread.getName();
        return n.isEmpty() ? "coroutine-" + id() : n;
    }

    /** For messages: {@code #ID "NAME"}. */
    private String label() {
        return "#" + id() + " \"" + name() + "\"";
    }

    /**
     * Tells whether the body has finished, without waiting.
     *
     * @return true once the body has returned or thrown
     */
    public boolean isDone() {
        return done;
    }

    /**
     * Tells whether the coroutine was cancelled.
     *
     * @return true if {@link #cancel()} was called
     */
    public boolean isCancelled() {
        return cancelled;
    }

    /**
     * Asks the coroutine to stop: interrupts it, so that the Weft
     * operation it is blocked in (or its next one) throws
     * {@link CancelledException}. Does not wait; idempotent.
     */
    public void cancel() {
        cancelled = true;
        CANCELLED.put(thread, this);
        if (done) {
            CANCELLED.remove(thread); // see body()
        }
        thread.interrupt();
    }

    /**
     * Waits for the body to end.
     *
     * @return the body's result ({@code null} for a {@link Runnable})
     * @throws CoroutineException   if the body threw (the cause)
     * @throws InterruptedException if the caller was interrupted while waiting
     *                              ({@link CancelledException} if the caller is
     *                              a coroutine that was cancelled)
     * @throws IllegalStateException if called by the coroutine itself
     */
    public T join() throws InterruptedException {
        checkNotSelf();
        try {
            thread.join();
        } catch (InterruptedException e) {
            throw interruptedOrCancelled();
        }
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
     *                              ({@link CancelledException} if the caller is
     *                              a coroutine that was cancelled)
     */
    public T join(Duration timeout) throws InterruptedException, TimeoutException {
        Objects.requireNonNull(timeout, "timeout is null");
        checkNotSelf();
        boolean ended;
        try {
            ended = thread.join(timeout.isNegative() ? Duration.ZERO : timeout);
        } catch (InterruptedException e) {
            throw interruptedOrCancelled();
        }
        if (!ended) {
            throw new TimeoutException("coroutine " + label() + " still running after " + timeout);
        }
        return outcome();
    }

    private void checkNotSelf() {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("coroutine " + label() + " cannot join itself");
        }
    }

    /** After the thread ended (joined: its writes are visible). */
    @SuppressWarnings("unchecked")
    private T outcome() {
        Throwable f = failure();
        if (f != null) {
            throw new CoroutineException("coroutine " + label() + " failed: " + f, f);
        }
        return (T) state;
    }

    /**
     * The body's failure (null if none), marked observed, for join and for
     * Scope; called once the outcome is final (the thread ended, or from
     * the member's own end).
     */
    Throwable failure() {
        if (state instanceof Failure f) {
            f.observed = true;
            return f.failure;
        }
        return null;
    }

    Thread thread() {
        return thread;
    }

    /** True while this coroutine is one of {@link #CANCELLED} (for tests). */
    boolean trackedAsCancelled() {
        return CANCELLED.get(thread) == this;
    }

    /** What a blocking operation interrupted in this thread throws. */
    static InterruptedException interruptedOrCancelled() {
        Coroutine<?> c = CANCELLED.get(Thread.currentThread());
        if (c != null) {
            return new CancelledException("coroutine " + c.label() + " was cancelled");
        }
        return new InterruptedException();
    }

    @Override
    public String toString() {
        return "Coroutine[#" + id() + " " + name() + (isDone() ? ", done" : "") + "]";
    }
}
