package dev.weft;

import dev.weft.jni.WeftJni;

import java.time.Duration;
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
    private final NativeSync sync;
    private volatile Thread writer;
    private final Lock read = new View(false);
    private final Lock write = new View(true);

    /** An unlocked rwlock. */
    public RwLock() {
        Parking.ensureStarted();
        sync = new NativeSync(this, WeftJni.weft_jni_rwlock_new(), "rwlock", WeftJni::weft_jni_rwlock_free);
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
        private final int iw;

        View(boolean w) {
            this.w = w;
            this.iw = w ? 1 : 0;
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
            if (WeftJni.weft_jni_rwlock_trylock(sync.handle, iw) != WeftJni.WEFT_JNI_OK) {
                int r = NativeSync.awaitUninterruptibly(RwLock.this,
                        (op, tok) -> WeftJni.weft_jni_rwlock_lock(op, sync.handle, iw, tok));
                if (r != WeftJni.WEFT_JNI_OK) {
                    throw new WeftException("RwLock.lock", r);
                }
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
            int r = WeftJni.weft_jni_rwlock_trylock(sync.handle, iw);
            if (r != WeftJni.WEFT_JNI_OK) {
                r = NativeSync.await(RwLock.this, (op, tok) -> WeftJni.weft_jni_rwlock_lock(op, sync.handle, iw, tok),
                        deadline, true);
            }
            if (r == WeftJni.WEFT_JNI_ETIMEDOUT) {
                return false;
            }
            if (r != WeftJni.WEFT_JNI_OK) {
                throw new WeftException("RwLock.lock", r);
            }
            took();
            return true;
        }

        @Override
        public boolean tryLock() {
            check();
            if (WeftJni.weft_jni_rwlock_trylock(sync.handle, iw) == WeftJni.WEFT_JNI_OK) {
                took();
                return true;
            }
            return false;
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            return acquire(Parking.deadline(Duration.of(time, unit.toChronoUnit())));
        }

        @Override
        public void unlock() {
            if (w) {
                if (writer != Thread.currentThread()) {
                    throw new IllegalMonitorStateException("write lock not held by the calling thread");
                }
                writer = null;
            }
            int r = NativeSync.packed(RwLock.this, WeftJni.weft_jni_rwlock_unlock(sync.handle, iw));
            if (r == WeftJni.WEFT_JNI_ESTATE) {
                throw new IllegalMonitorStateException("read lock not held");
            }
            if (r != WeftJni.WEFT_JNI_OK) {
                throw new WeftException("RwLock.unlock", r);
            }
        }

        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("RwLock has no conditions; use a Mutex");
        }
    }
}
