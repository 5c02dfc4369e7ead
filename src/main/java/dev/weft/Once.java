package dev.weft;

import java.util.Objects;

/**
 * Go's {@code sync.Once}: {@link #run(Runnable)} runs its action the first
 * time only; concurrent callers wait until that first run has finished.
 * If the action throws, it counts as done (as in Go) and the exception
 * goes to the caller that ran it.
 */
public final class Once {
    private final Mutex mutex = new Mutex();
    private volatile boolean done;

    /** A Once that has not run. */
    public Once() {}

    /**
     * Runs {@code action} if this Once has not run an action yet; otherwise
     * returns at once, or, while the first action is still running in
     * another thread, waits for it to finish (not interruptibly). An action
     * that throws still counts as run; its exception goes to the caller
     * that ran it. Everything the action did happens-before the return of
     * every later {@code run} and every {@link #isDone()} that returns true.
     *
     * @param action what to run once
     * @throws NullPointerException if action is null
     */
    public void run(Runnable action) {
        Objects.requireNonNull(action, "action is null");
        if (done) {
            return;
        }
        mutex.lock();
        try {
            if (!done) {
                try {
                    action.run();
                } finally {
                    done = true;
                }
            }
        } finally {
            mutex.unlock();
        }
    }

    /**
     * Tells whether an action has run (returned or thrown) on this Once.
     *
     * @return true once an action has run
     */
    public boolean isDone() {
        return done;
    }
}
