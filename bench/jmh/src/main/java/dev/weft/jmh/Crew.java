package dev.weft.jmh;

import dev.weft.Coroutine;
import dev.weft.Weft;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Long-lived virtual threads that run one batch of work per JMH invocation.
 *
 * <p>JMH calls a benchmark method on a platform thread; the parties of
 * these benchmarks must all be virtual threads, and starting them must not
 * be measured. So a {@code Crew} of {@code n} virtual threads is started
 * once per trial ({@code @Setup(Level.Trial)}); each {@link #run} hands
 * every member the same body (called with its index), waits until all have
 * returned, and rethrows the first failure. The hand-over costs a few
 * microseconds per invocation, amortised over the batch the body runs.
 *
 * <p>A member that fails or hangs fails the benchmark loudly: {@link #run}
 * gives up after {@link #TIMEOUT_S} seconds.
 */
final class Crew implements AutoCloseable {
    /** What each member runs in one invocation. */
    interface Body {
        void run(int member) throws Exception;
    }

    /** How a member is started: returns how to join it. */
    interface Starter {
        Joiner start(Runnable loop);
    }

    interface Joiner {
        void join() throws InterruptedException;
    }

    /** Members are Weft coroutines ({@code Weft.go}, virtual threads). */
    static final Starter WEFT = loop -> {
        Coroutine<Void> c = Weft.go(loop);
        return c::join;
    };

    /** Members are plain virtual threads ({@code Thread.ofVirtual()}). */
    static final Starter VTHREAD = loop -> {
        Thread t = Thread.ofVirtual().start(loop);
        return t::join;
    };

    static final long TIMEOUT_S = 120;

    private final Semaphore[] go;
    private final Joiner[] members;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    // written by run() before it releases the members (Semaphore: happens-before)
    private Body body;
    private CountDownLatch done;
    private boolean closed;

    Crew(Starter starter, int n) {
        go = new Semaphore[n];
        members = new Joiner[n];
        for (int i = 0; i < n; i++) {
            go[i] = new Semaphore(0);
        }
        for (int i = 0; i < n; i++) {
            int id = i;
            members[i] = starter.start(() -> loop(id));
        }
    }

    private void loop(int id) {
        for (;;) {
            go[id].acquireUninterruptibly();
            if (closed) {
                return;
            }
            CountDownLatch d = done;
            try {
                body.run(id);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                d.countDown();
            }
        }
    }

    /** Runs {@code b} on every member at once and waits for all of them. */
    void run(Body b) throws Exception {
        body = b;
        done = new CountDownLatch(go.length);
        for (Semaphore s : go) {
            s.release();
        }
        if (!done.await(TIMEOUT_S, TimeUnit.SECONDS)) {
            throw new IllegalStateException("crew: a batch did not finish in " + TIMEOUT_S + " s (a party is stuck)");
        }
        Throwable t = failure.getAndSet(null);
        if (t != null) {
            throw new IllegalStateException("crew: a member failed", t);
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        for (Semaphore s : go) {
            s.release();
        }
        for (Joiner j : members) {
            j.join();
        }
    }
}
