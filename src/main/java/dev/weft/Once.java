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
     * @param action what to run once
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

    /** @return true once an action has run */
    public boolean isDone() {
        return done;
    }
}
