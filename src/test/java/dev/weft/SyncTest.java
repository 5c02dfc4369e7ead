package dev.weft;

import dev.weft.internal.FastPathForms;
import dev.weft.internal.LockWord;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import org.testng.annotations.Test;

public class SyncTest {

    @Test(timeOut = 10_000)
    public void mutexFastPathIsTheFfmOneOnJdk22AndUnsafesBefore() {
        // the build puts FfmLockWord in the jar's release-22 section; losing it (or
        // Unsafe's on JDK 21) silently would cost every uncontended lock a JNI call
        // and every contended one its spin (JNI: 2.3x ReentrantLock, 0.5x contended)
        FastPathForms.assertPicked(LockWord.IMPL,
                FastPathForms.expected("FfmLockWord", "UnsafeLockWord", "LockWord$Jni"));
    }

    @Test(timeOut = 60_000)
    public void mutexLosesNoUpdatesUnderContention() throws Exception {
        Mutex m = new Mutex();
        int[] counter = {0};
        int threads = 64, per = 2_000;
        WaitGroup wg = new WaitGroup();
        wg.add(threads);
        for (int t = 0; t < threads; t++) {
            Weft.go(() -> {
                for (int i = 0; i < per; i++) {
                    m.lock();
                    try {
                        counter[0]++;
                    } finally {
                        m.unlock();
                    }
                }
                wg.done();
            });
        }
        wg.await();
        assertEquals(counter[0], threads * per);
    }

    /**
     * Writers and readers of one RwLock, all contending: no writer's
     * update is lost, and no reader ever sees a write half done (two
     * fields a writer changes together) or a writer inside with it.
     */
    @Test(timeOut = 60_000)
    public void rwLockLosesNoUpdatesUnderContention() throws Exception {
        RwLock rw = new RwLock();
        long[] pair = {0, 0}; // a writer keeps pair[1] == -pair[0]
        AtomicInteger writersIn = new AtomicInteger();
        AtomicInteger torn = new AtomicInteger();
        AtomicInteger readsDone = new AtomicInteger();
        int writers = 16, readers = 48, per = 1_000;
        WaitGroup wg = new WaitGroup();
        wg.add(writers + readers);
        for (int t = 0; t < writers; t++) {
            Weft.go(() -> {
                for (int i = 0; i < per; i++) {
                    rw.writeLock().lock();
                    try {
                        writersIn.incrementAndGet();
                        long v = pair[0] + 1;
                        pair[0] = v;
                        Thread.onSpinWait();
                        pair[1] = -v;
                        writersIn.decrementAndGet();
                    } finally {
                        rw.writeLock().unlock();
                    }
                }
                wg.done();
            });
        }
        for (int t = 0; t < readers; t++) {
            Weft.go(() -> {
                for (int i = 0; i < per; i++) {
                    rw.readLock().lock();
                    try {
                        if (pair[0] != -pair[1] || writersIn.get() != 0) {
                            torn.incrementAndGet();
                        }
                        readsDone.incrementAndGet();
                    } finally {
                        rw.readLock().unlock();
                    }
                }
                wg.done();
            });
        }
        wg.await();
        assertEquals(pair[0], (long) writers * per, "lost writer updates");
        assertEquals(pair[1], -(long) writers * per);
        assertEquals(torn.get(), 0, "reads that saw a write in progress");
        assertEquals(readsDone.get(), readers * per);
        assertTrue(rw.writeLock().tryLock(), "left locked");
        rw.writeLock().unlock();
    }

    @Test(timeOut = 30_000)
    public void mutexSpinGivesUpOnALockHeldLong() throws Exception {
        // a waiter behind a holder that keeps the lock for milliseconds
        // must stop spinning (each spin that runs out halves the budget),
        // or every contended lock would burn ~26 us of a carrier for nothing
        Mutex m = new Mutex();
        boolean spins = LockWord.IMPL.peek(m.sync.word()) == LockWord.FREE;
        int before = m.spinTries();
        assertTrue(before > 0, "a new mutex starts with a spin budget");
        for (int round = 0; round < 8; round++) {
            m.lock();
            Coroutine<Void> waiter = Weft.go(() -> {
                m.lock();
                m.unlock();
            });
            // until the waiter has given up spinning and queued (the word's
            // WAITERS bit; the JNI form cannot look, and does not spin)
            long until = System.nanoTime() + 10_000_000_000L;
            do {
                Thread.sleep(1);
            } while (spins && (LockWord.IMPL.peek(m.sync.word()) & LockWord.WAITERS) == 0 && System.nanoTime() < until);
            m.unlock();
            waiter.join(Duration.ofSeconds(10));
        }
        if (spins) {
            assertEquals(m.spinTries(), 0, "the budget after 8 spins that all ran out");
        } else {
            assertEquals(m.spinTries(), before, "the JNI form cannot peek, so it never spins");
        }
        // and the mutex still works, uncontended and contended
        int[] counter = {0};
        List<Coroutine<Void>> cs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            cs.add(Weft.go(() -> {
                for (int i = 0; i < 5_000; i++) {
                    m.lock();
                    try {
                        counter[0]++;
                    } finally {
                        m.unlock();
                    }
                }
            }));
        }
        for (Coroutine<Void> c : cs) {
            c.join(Duration.ofSeconds(20));
        }
        assertEquals(counter[0], 8 * 5_000);
        assertFalse(m.isLocked());
    }

    @Test(timeOut = 30_000)
    public void mutexMisuseIsReported() throws Exception {
        Mutex m = new Mutex();
        assertThrows(IllegalMonitorStateException.class, m::unlock);
        m.lock();
        assertThrows(IllegalMonitorStateException.class, m::lock);
        Coroutine<Boolean> other = Weft.go(() -> {
            try {
                m.unlock();
                return false;
            } catch (IllegalMonitorStateException e) {
                return true;
            }
        });
        assertTrue(other.join(), "unlock by a non-owner must be refused");
        Coroutine<Boolean> timed = Weft.go(() -> m.tryLock(Duration.ofMillis(30)));
        assertFalse(timed.join());
        m.unlock();
        assertTrue(m.tryLock(10, TimeUnit.MILLISECONDS));
        m.unlock();
    }

    @Test(timeOut = 30_000)
    public void conditionsWaitAndSignal() throws Exception {
        Mutex m = new Mutex();
        Condition ready = m.newCondition();
        boolean[] flag = {false};
        Coroutine<Void> waiter = Weft.go(() -> {
            m.lock();
            try {
                while (!flag[0]) {
                    ready.awaitUninterruptibly();
                }
            } finally {
                m.unlock();
            }
        });
        Thread.sleep(30);
        m.lock();
        flag[0] = true;
        ready.signalAll();
        m.unlock();
        waiter.join();
        m.lock();
        assertFalse(ready.await(20, TimeUnit.MILLISECONDS));
        assertTrue(m.isHeldByCurrentThread());
        m.unlock();
        assertThrows(IllegalMonitorStateException.class, ready::signal);
    }

    @Test(timeOut = 30_000)
    public void rwLockReadersShareWritersExclude() throws Exception {
        RwLock rw = new RwLock();
        Lock r = rw.readLock(), w = rw.writeLock();
        r.lock();
        Coroutine<Boolean> reader = Weft.go(() -> {
            boolean ok = r.tryLock();
            if (ok) {
                r.unlock();
            }
            return ok;
        });
        assertTrue(reader.join());
        Coroutine<Boolean> writer = Weft.go(() -> w.tryLock(50, TimeUnit.MILLISECONDS));
        assertFalse(writer.join());
        r.unlock();
        w.lock();
        assertThrows(IllegalMonitorStateException.class, w::lock);
        w.unlock();
        assertThrows(IllegalMonitorStateException.class, r::unlock);
    }

    @Test(timeOut = 30_000)
    public void semaphoreBoundsConcurrency() throws Exception {
        Semaphore s = new Semaphore(3);
        AtomicInteger inside = new AtomicInteger(), max = new AtomicInteger();
        List<Coroutine<Void>> cs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            cs.add(Weft.go(() -> {
                try {
                    s.acquire();
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                int n = inside.incrementAndGet();
                max.accumulateAndGet(n, Math::max);
                Thread.yield();
                inside.decrementAndGet();
                s.release();
            }));
        }
        for (Coroutine<Void> c : cs) {
            c.join();
        }
        assertTrue(max.get() <= 3 && max.get() >= 1, "max inside " + max.get());
        assertEquals(s.availablePermits(), 3);
        assertThrows(IllegalArgumentException.class, () -> new Semaphore(-1));
    }

    @Test(timeOut = 30_000)
    public void waitGroupAndOnce() throws Exception {
        WaitGroup wg = new WaitGroup();
        assertThrows(IllegalStateException.class, wg::done);
        wg.add(1);
        assertFalse(wg.await(Duration.ofMillis(20)));
        Weft.go(wg::done);
        wg.await();
        assertEquals(wg.count(), 0);
        Once once = new Once();
        AtomicInteger runs = new AtomicInteger();
        List<Coroutine<Void>> cs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            cs.add(Weft.go(() -> once.run(runs::incrementAndGet)));
        }
        for (Coroutine<Void> c : cs) {
            c.join();
        }
        assertEquals(runs.get(), 1);
    }
}
