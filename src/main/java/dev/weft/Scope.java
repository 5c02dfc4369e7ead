package dev.weft;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Structured spawning: coroutines started in a scope are joined when it
 * closes, and the first one to fail cancels the others; {@link #close()}
 * then rethrows that failure.
 *
 * <pre>{@code
 * try (Scope s = Scope.open()) {
 *     s.go(() -> fetch(a));
 *     s.go(() -> fetch(b));
 * } // both done here; if one threw, the other was cancelled and this throws
 * }</pre>
 */
public final class Scope implements AutoCloseable {
    private final List<Coroutine<?>> members = new CopyOnWriteArrayList<>();
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    private volatile boolean closed;
    private volatile boolean cancelled;

    private Scope() {}

    /**
     * Opens a scope with no coroutines in it yet.
     *
     * @return a new, empty scope
     */
    public static Scope open() {
        return new Scope();
    }

    /**
     * Starts {@code body} in the scope.
     *
     * @param body what it runs
     * @return the coroutine
     * @throws IllegalStateException if the scope is closed
     */
    public Coroutine<Void> go(Runnable body) {
        Objects.requireNonNull(body, "body is null");
        return go(() -> {
            body.run();
            return null;
        });
    }

    /**
     * Starts {@code body} in the scope.
     *
     * @param body what it runs
     * @param <T>  its result type
     * @return the coroutine
     * @throws IllegalStateException if the scope is closed
     */
    public <T> Coroutine<T> go(Callable<T> body) {
        Objects.requireNonNull(body, "body is null");
        if (closed) {
            throw new IllegalStateException("scope is closed");
        }
        Coroutine<T> c = Coroutine.start(null, () -> {
            try {
                return body.call();
            } catch (Throwable t) {
                if (!(t instanceof CancelledException && cancelled) && firstFailure.compareAndSet(null, t)) {
                    cancel();
                }
                throw t;
            }
        });
        members.add(c);
        if (cancelled) {
            c.cancel();
        }
        return c;
    }

    /** Cancels every coroutine of the scope (and those started later). */
    public void cancel() {
        cancelled = true;
        for (Coroutine<?> c : members) {
            c.cancel();
        }
    }

    /**
     * Waits for every coroutine of the scope. If the caller is interrupted
     * meanwhile, the scope is cancelled, still waited for, and the interrupt
     * stays set.
     *
     * @throws CoroutineException with the first failure, if any coroutine failed
     *                            (other than by the scope's own cancellation)
     */
    @Override
    public void close() {
        closed = true;
        boolean interrupted = false;
        for (Coroutine<?> c : members) {
            for (;;) {
                try {
                    c.thread().join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    cancel();
                }
            }
            c.failure(); // observed: the scope reports it
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable f = firstFailure.get();
        if (f != null) {
            throw new CoroutineException("a coroutine of the scope failed: " + f, f);
        }
    }
}
