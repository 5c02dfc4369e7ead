package dev.weft;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

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
 *
 * <p>Starting a member costs the same whatever the scope's size, and a
 * member that has ended leaves nothing behind in the scope: a scope may
 * start millions of coroutines over its life.
 */
public final class Scope implements AutoCloseable {
    /**
     * The members still running, for {@link #cancel()}: a slot per member,
     * added before it starts (so that its end, which removes it, cannot
     * come first) and filled with its handle once {@code go} has one.
     */
    private final Set<Slot> live = ConcurrentHashMap.newKeySet();
    /** Members started and not yet ended; close() waits for 0. */
    private final AtomicLong running = new AtomicLong();
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    /** The thread in close(), parked until running reaches 0. */
    private volatile Thread closer;
    private volatile boolean closed;
    private volatile boolean cancelled;

    private static final class Slot {
        volatile Coroutine<?> co;
    }

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
        Slot slot = new Slot();
        live.add(slot);
        running.incrementAndGet();
        Coroutine<T> c;
        try {
            c = Coroutine.startMember(() -> {
                try {
                    return body.call();
                } catch (Throwable t) {
                    if (!(t instanceof CancelledException && cancelled) && firstFailure.compareAndSet(null, t)) {
                        cancel();
                    }
                    throw t;
                }
            }, co -> ended(slot, co));
        } catch (RuntimeException | Error e) {
            live.remove(slot); // never started
            running.decrementAndGet();
            throw e;
        }
        slot.co = c;
        // cancel() writes cancelled, then reads each slot's co; we wrote co,
        // then read cancelled (volatile both): one of the two sees the other
        if (cancelled) {
            c.cancel();
        }
        return c;
    }

    /** On the member's thread, its outcome final. */
    private void ended(Slot slot, Coroutine<?> co) {
        live.remove(slot);
        co.failure(); // observed: the scope reports its first failure, close() throws it
        if (running.decrementAndGet() == 0) {
            Thread t = closer;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /** Members started and not yet ended (tests: nothing stays behind). */
    int liveMembers() {
        return live.size();
    }

    /** Cancels every coroutine of the scope (and those started later). */
    public void cancel() {
        cancelled = true;
        for (Slot s : live) {
            Coroutine<?> c = s.co;
            if (c != null) {
                c.cancel();
            }
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
        closer = Thread.currentThread();
        boolean interrupted = false;
        // running is read after closer is written (volatile both), and a
        // member's end decrements before it reads closer: whichever comes
        // second sees the other, so no unpark is lost
        while (running.get() > 0) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                interrupted = true;
                cancel();
            }
        }
        closer = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable first = firstFailure.get();
        if (first != null) {
            throw new CoroutineException("a coroutine of the scope failed: " + first, first);
        }
    }
}
