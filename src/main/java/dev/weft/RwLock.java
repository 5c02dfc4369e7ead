package dev.weft;

import dev.weft.internal.NativeRwLock;
import dev.weft.internal.Parking;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * A {@link ReadWriteLock} on Weft's native rwlock (Go's
 * {@code sync.RWMutex}): many readers or one writer; a waiting writer
 * stops new readers from entering, so writers do not starve. Not
 * reentrant. Conditions are not supported.
 */
public final class RwLock implements ReadWriteLock {
    private final NativeRwLock sync;
    private volatile Thread writer;
    private final Lock read = new View(false);
    private final Lock write = new View(true);

    /** An unlocked rwlock. */
    public RwLock() {
        sync = new NativeRwLock(this);
    }

    @Override
    public Lock readLock() {
        return read;
    }

    @Override
    public Lock writeLock() {
        return write;
    }

    private final class View implements Lock {
        private final boolean w;

        View(boolean w) {
            this.w = w;
        }

        private void check() {
            if (writer == Thread.currentThread()) {
                throw new IllegalMonitorStateException("RwLock is not reentrant: this thread holds the write lock");
            }
        }

        private void took() {
            if (w) {
                writer = Thread.currentThread();
            }
        }

        @Override
        public void lock() {
            check();
            if (!sync.tryLock(RwLock.this, w)) {
                sync.lock(RwLock.this, w);
            }
            took();
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            acquire(Long.MAX_VALUE);
        }

        private boolean acquire(long deadline) throws InterruptedException {
            check();
            if (Thread.interrupted()) {
                throw Coroutine.interruptedOrCancelled();
            }
            if (!sync.tryLock(RwLock.this, w) && !sync.lock(RwLock.this, w, deadline)) {
                return false;
            }
            took();
            return true;
        }

        @Override
        public boolean tryLock() {
            check();
            if (sync.tryLock(RwLock.this, w)) {
                took();
                return true;
            }
            return false;
        }

        /**
         * As {@link Lock#tryLock(long, TimeUnit)} says: zero or negative (down
         * to {@code Long.MIN_VALUE}) does not wait, and {@code Long.MAX_VALUE}
         * in any unit waits as long as it takes, as ReentrantReadWriteLock does.
         */
        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            return acquire(Parking.deadline(unit.toNanos(time))); // saturates, unlike Duration.of
        }

        @Override
        public void unlock() {
            if (w) {
                if (writer != Thread.currentThread()) {
                    throw new IllegalMonitorStateException("write lock not held by the calling thread");
                }
                writer = null;
            }
            sync.unlock(RwLock.this, w);
        }

        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("RwLock has no conditions; use a Mutex");
        }
    }
}
