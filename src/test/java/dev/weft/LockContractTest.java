package dev.weft;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

import dev.weft.internal.FastPathForms;
import dev.weft.internal.LockWord;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * The contracts of {@link Lock}, {@link ReadWriteLock} and
 * {@link Condition} that Weft's {@link Mutex}, {@link RwLock} and
 * {@link Mutex#newCondition()} claim, written from the Javadoc of
 * java.util.concurrent.locks: timed and interruptible acquisition, lock()
 * not interruptible, IllegalMonitorStateException for a non-holder,
 * readers sharing and writers excluding, await releasing and reacquiring
 * the lock, signal and signalAll, interrupts in await, and the
 * spurious-wake-tolerant loops the Condition Javadoc prescribes (so that
 * a wake-up without a signal, which the contract allows, never fails a
 * test). Each test runs against Weft and against the JDK's class
 * (ReentrantLock, ReentrantReadWriteLock), which checks the test itself.
 * What differs by design (Weft's locks are not reentrant) is tested for
 * Weft alone.
 *
 * <p>Time is only ever a lower bound here ("false once the time has
 * elapsed", "still waiting after 50 ms"), never a target.
 *
 * <p>Runs in whichever lock-word form this JVM picked (FFM, Unsafe, JNI);
 * CI runs it in each ({@link #runsInThePickedForm}).
 */
public class LockContractTest {

    private static final long WATCH_MS = 50;

    /** An implementation under test, named for the test report. */
    record Impl<T>(String name, Supplier<T> make, Predicate<Lock> heldByMe) {
        @Override
        public String toString() {
            return name;
        }
    }

    @DataProvider
    public static Object[][] locks() {
        return new Object[][] {
            {new Impl<Lock>("Mutex", Mutex::new, l -> ((Mutex) l).isHeldByCurrentThread())},
            {new Impl<Lock>("ReentrantLock", ReentrantLock::new, l -> ((ReentrantLock) l).isHeldByCurrentThread())},
        };
    }

    @DataProvider
    public static Object[][] rwlocks() {
        return new Object[][] {
            {new Impl<ReadWriteLock>("RwLock", RwLock::new, null)},
            {new Impl<ReadWriteLock>("ReentrantReadWriteLock", ReentrantReadWriteLock::new, null)},
        };
    }

    // ---- helpers ---------------------------------------------------------------

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** A thread that runs body; its failure, if any, is rethrown by {@link #join()}. */
    static final class Party {
        final Thread thread;
        final AtomicReference<Throwable> failed = new AtomicReference<>();

        Party(String name, ThrowingRunnable body) {
            thread = Thread.ofPlatform().daemon().name(name).start(() -> {
                try {
                    body.run();
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
        }

        /** Returns once it is parked (not spinning) or ended; fails after 10 s. */
        Party parked() throws InterruptedException {
            long until = System.nanoTime() + 10_000_000_000L;
            for (;;) {
                Thread.State s = thread.getState();
                if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.TERMINATED) {
                    return this;
                }
                assertTrue(System.nanoTime() < until, thread.getName() + " never parked: " + s);
                Thread.sleep(1); // a poll interval
            }
        }

        /** Still waiting a while later: parked, and not ended after WATCH_MS. */
        void stillWaits(String what) throws InterruptedException {
            parked();
            Thread.sleep(WATCH_MS);
            assertTrue(thread.isAlive(), what + ": it stopped waiting");
            assertNull(failed.get(), what);
        }

        void join() throws Exception {
            thread.join(10_000);
            assertFalse(thread.isAlive(), thread.getName() + " did not end");
            if (failed.get() instanceof Exception e) {
                throw e;
            }
            if (failed.get() instanceof Error e) {
                throw e;
            }
        }
    }

    /** Holds lock on another thread until the returned latch is counted down (then join the party). */
    static Party hold(Lock lock, CountDownLatch letGo) throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        Party p = new Party("holder", () -> {
            lock.lock();
            try {
                held.countDown();
                letGo.await();
            } finally {
                lock.unlock();
            }
        });
        assertTrue(held.await(10, TimeUnit.SECONDS), "the holder never took the lock");
        return p;
    }

    /** Whether some other thread could take lock right now (tried and, if so, given back, on another thread). */
    static boolean freeForOthers(Lock lock) throws Exception {
        boolean[] got = new boolean[1];
        Party p = new Party("prober", () -> {
            if (lock.tryLock()) {
                got[0] = true;
                lock.unlock();
            }
        });
        p.join();
        return got[0];
    }

    @Test(timeOut = 10_000)
    public void runsInThePickedForm() {
        FastPathForms.assertPicked(LockWord.IMPL,
                FastPathForms.expected("FfmLockWord", "UnsafeLockWord", "LockWord$Jni"));
    }

    // ---- Lock ---------------------------------------------------------------------

    /** tryLock(): "Acquires the lock only if it is free at the time of invocation." */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void tryLockTakesOnlyAFreeLock(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        assertTrue(freeForOthers(l));
        assertTrue(l.tryLock());
        assertTrue(impl.heldByMe().test(l));
        assertFalse(freeForOthers(l), "held: another thread's tryLock fails");
        l.unlock();
        assertFalse(impl.heldByMe().test(l));
        assertTrue(freeForOthers(l), "released: another thread's tryLock succeeds");
    }

    /** tryLock(time, unit): "If the specified waiting time elapses then the value false is returned." */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void timedTryLockGivesUpOnceItsTimeHasElapsed(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        CountDownLatch letGo = new CountDownLatch(1);
        Party h = hold(l, letGo);
        try {
            for (long ms : new long[] {0, 1, 20}) {
                long t0 = System.nanoTime();
                assertFalse(l.tryLock(ms, TimeUnit.MILLISECONDS));
                assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(ms),
                        "returned false before " + ms + " ms had elapsed");
                assertFalse(impl.heldByMe().test(l));
            }
        } finally {
            letGo.countDown();
            h.join();
        }
        assertTrue(l.tryLock(0, TimeUnit.NANOSECONDS), "free: a zero wait takes it");
        l.unlock();
    }

    /** tryLock(time, unit) of a free lock returns true at once, whatever the time. */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void timedTryLockOfAFreeLockSucceeds(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        for (long t : new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE}) {
            for (TimeUnit u : TimeUnit.values()) {
                assertTrue(l.tryLock(t, u), t + " " + u);
                l.unlock();
            }
        }
    }

    /** lock(): "the current thread becomes disabled ... until the lock has been acquired." */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void lockWaitsForTheHolder(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        CountDownLatch letGo = new CountDownLatch(1);
        Party h = hold(l, letGo);
        AtomicInteger got = new AtomicInteger();
        Party w = new Party("waiter", () -> {
            l.lock();
            try {
                got.incrementAndGet();
            } finally {
                l.unlock();
            }
        });
        w.stillWaits("lock() of a held lock");
        assertEquals(got.get(), 0);
        letGo.countDown();
        h.join();
        w.join();
        assertEquals(got.get(), 1);
    }

    /** lock() is not interruptible: an interrupt leaves it waiting, and pending when it returns. */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void lockIsNotInterruptible(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        CountDownLatch letGo = new CountDownLatch(1);
        Party h = hold(l, letGo);
        boolean[] stillInterrupted = new boolean[1];
        Party w = new Party("waiter", () -> {
            l.lock();
            stillInterrupted[0] = Thread.interrupted();
            l.unlock();
        });
        w.parked();
        w.thread.interrupt();
        w.stillWaits("lock() interrupted");
        letGo.countDown();
        h.join();
        w.join();
        assertTrue(stillInterrupted[0], "the interrupt is still pending after lock()");
    }

    /** lockInterruptibly(): "If the current thread has its interrupted status set on entry ... InterruptedException ... and the interrupted status is cleared." */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void lockInterruptiblyThrowsWhenInterruptedOnEntry(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, l::lockInterruptibly);
        assertFalse(Thread.interrupted(), "the interrupted status is cleared");
        assertFalse(impl.heldByMe().test(l), "not acquired");
        assertTrue(freeForOthers(l));
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> l.tryLock(1, TimeUnit.HOURS));
        assertFalse(Thread.interrupted());
        assertTrue(freeForOthers(l), "a timed tryLock interrupted on entry does not acquire either");
    }

    /** lockInterruptibly() and tryLock(time, unit): an interrupt while waiting throws, and the lock is not acquired. */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void interruptibleWaitsThrowWhenInterruptedWhileWaiting(Impl<Lock> impl) throws Exception {
        for (boolean timed : new boolean[] {false, true}) {
            Lock l = impl.make().get();
            CountDownLatch letGo = new CountDownLatch(1);
            Party h = hold(l, letGo);
            AtomicReference<String> outcome = new AtomicReference<>();
            Party w = new Party("waiter", () -> {
                try {
                    if (timed) {
                        outcome.set("tryLock returned " + l.tryLock(Long.MAX_VALUE, TimeUnit.DAYS));
                    } else {
                        l.lockInterruptibly();
                        outcome.set("acquired");
                    }
                } catch (InterruptedException e) {
                    outcome.set(Thread.currentThread().isInterrupted() ? "thrown, still interrupted" : "thrown");
                }
            });
            w.stillWaits(timed ? "tryLock(MAX_VALUE, DAYS)" : "lockInterruptibly()");
            w.thread.interrupt();
            w.join();
            assertEquals(outcome.get(), "thrown", timed ? "tryLock(MAX_VALUE, DAYS)" : "lockInterruptibly()");
            letGo.countDown();
            h.join();
            assertTrue(freeForOthers(l), "the interrupted waiter did not keep the lock");
        }
    }

    /** unlock(): IllegalMonitorStateException for a thread that does not hold it (the JDK's and Weft's rule). */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void unlockByANonHolderThrows(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        assertThrows(IllegalMonitorStateException.class, l::unlock);
        CountDownLatch letGo = new CountDownLatch(1);
        Party h = hold(l, letGo);
        try {
            assertThrows(IllegalMonitorStateException.class, l::unlock);
            assertFalse(l.tryLock(), "still held by the holder");
        } finally {
            letGo.countDown();
            h.join();
        }
        assertTrue(freeForOthers(l));
    }

    /** Mutual exclusion, and the memory effects of a monitor: no update lost between holders. */
    @Test(dataProvider = "locks", timeOut = 60_000)
    public void holdersExcludeEachOther(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        int[] counter = {0};
        int[] inside = {0};
        List<Party> ps = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int mode = t;
            ps.add(new Party("worker" + t, () -> {
                for (int i = 0; i < 5_000; i++) {
                    switch (mode) {
                        case 0 -> l.lock();
                        case 1 -> l.lockInterruptibly();
                        case 2 -> assertTrue(l.tryLock(1, TimeUnit.MINUTES));
                        default -> {
                            while (!l.tryLock()) {
                                Thread.onSpinWait();
                            }
                        }
                    }
                    try {
                        assertEquals(++inside[0], 1, "two holders at once");
                        counter[0]++;
                        inside[0]--;
                    } finally {
                        l.unlock();
                    }
                }
            }));
        }
        for (Party p : ps) {
            p.join();
        }
        assertEquals(counter[0], 4 * 5_000);
    }

    /** Weft's locks are not reentrant (as Go's): a holder locking again is told so, not deadlocked. */
    @Test(timeOut = 30_000)
    public void mutexIsNotReentrant() throws Exception {
        Mutex m = new Mutex();
        m.lock();
        try {
            assertThrows(IllegalMonitorStateException.class, m::lock);
            assertThrows(IllegalMonitorStateException.class, m::tryLock);
            assertThrows(IllegalMonitorStateException.class, m::lockInterruptibly);
            assertThrows(IllegalMonitorStateException.class, () -> m.tryLock(Long.MIN_VALUE, TimeUnit.DAYS));
            assertThrows(IllegalMonitorStateException.class, () -> m.tryLock(Long.MAX_VALUE, TimeUnit.DAYS));
            assertTrue(m.isHeldByCurrentThread(), "still held once");
        } finally {
            m.unlock();
        }
        assertThrows(IllegalMonitorStateException.class, m::unlock);
    }

    // ---- Condition ------------------------------------------------------------------

    interface Await {
        void on(Condition c) throws Exception;
    }

    /** Every await and signal method. */
    private static final List<Await> ALL = List.of(
            Condition::await, Condition::awaitUninterruptibly, c -> c.awaitNanos(1_000_000),
            c -> c.awaitNanos(Long.MIN_VALUE), c -> c.await(1, TimeUnit.MILLISECONDS),
            c -> c.await(Long.MAX_VALUE, TimeUnit.DAYS), c -> c.awaitUntil(new Date(0)),
            c -> c.awaitUntil(new Date(Long.MAX_VALUE)), Condition::signal, Condition::signalAll);

    /** "the current thread is assumed to hold the lock ... IllegalMonitorStateException" (both JDK and Weft throw). */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void conditionMethodsWithoutTheLockThrow(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        Condition c = l.newCondition();
        for (Await a : ALL) {
            assertThrows(IllegalMonitorStateException.class, () -> a.on(c));
        }
        CountDownLatch letGo = new CountDownLatch(1);
        Party h = hold(l, letGo);
        try {
            for (Await a : ALL) {
                assertThrows(IllegalMonitorStateException.class, () -> a.on(c)); // held, but by another
            }
        } finally {
            letGo.countDown();
            h.join();
        }
        assertTrue(freeForOthers(l));
    }

    /** await: "The lock associated with this Condition is atomically released ... must re-acquire the lock" before returning. */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void awaitReleasesTheLockAndHoldsItAgainOnReturn(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        Condition c = l.newCondition();
        boolean[] ready = {false};
        boolean[] heldAfter = {false};
        Party w = new Party("waiter", () -> {
            l.lock();
            try {
                while (!ready[0]) {
                    c.await();
                }
                heldAfter[0] = impl.heldByMe().test(l);
            } finally {
                l.unlock();
            }
        });
        w.parked();
        assertTrue(l.tryLock(10, TimeUnit.SECONDS), "the waiter released the lock in await");
        try {
            ready[0] = true;
            c.signal();
            Thread.sleep(WATCH_MS);
            assertTrue(w.thread.isAlive(), "returned from await without the lock");
        } finally {
            l.unlock();
        }
        w.join();
        assertTrue(heldAfter[0]);
    }

    /**
     * signal wakes one waiter, signalAll all of them; in the loop the
     * Condition Javadoc prescribes (a wake-up without a signal just waits
     * again), each signal lets exactly one waiter through.
     */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void signalLetsOneThroughAndSignalAllEvery(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        Condition c = l.newCondition();
        int[] permits = {0};
        AtomicInteger through = new AtomicInteger();
        int n = 4;
        List<Party> ps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int kind = i;
            ps.add(new Party("waiter" + i, () -> {
                l.lock();
                try {
                    while (permits[0] == 0) {
                        switch (kind) {
                            case 0 -> c.await();
                            case 1 -> c.awaitUninterruptibly();
                            case 2 -> c.awaitNanos(Long.MAX_VALUE);
                            default -> c.await(Long.MAX_VALUE, TimeUnit.DAYS);
                        }
                    }
                    permits[0]--;
                    through.incrementAndGet();
                } finally {
                    l.unlock();
                }
            }));
        }
        for (Party p : ps) {
            p.parked();
        }
        l.lock();
        try {
            c.signal(); // no permit: whoever wakes waits again
        } finally {
            l.unlock();
        }
        Thread.sleep(WATCH_MS);
        assertEquals(through.get(), 0);
        l.lock();
        try {
            permits[0]++;
            c.signal();
        } finally {
            l.unlock();
        }
        long until = System.nanoTime() + 10_000_000_000L;
        while (through.get() < 1) {
            assertTrue(System.nanoTime() < until, "signal woke nobody");
            Thread.sleep(1);
        }
        Thread.sleep(WATCH_MS);
        assertEquals(through.get(), 1, "one permit, one waiter through");
        l.lock();
        try {
            permits[0] += n - 1;
            c.signalAll();
        } finally {
            l.unlock();
        }
        for (Party p : ps) {
            p.join();
        }
        assertEquals(through.get(), n);
    }

    /** A signal with no waiter is not remembered: a later timed await times out. */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void aSignalWithNobodyWaitingIsLost(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        Condition c = l.newCondition();
        l.lock();
        try {
            c.signal();
            c.signalAll();
            // the Javadoc's loop: awaitNanos until no time remains, however often it wakes
            long t0 = System.nanoTime();
            long left = TimeUnit.MILLISECONDS.toNanos(20);
            while (left > 0) {
                long before = left;
                left = c.awaitNanos(left);
                assertTrue(left <= before, "awaitNanos answered more than it was given");
            }
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(20), "no time remained too soon");
            assertTrue(impl.heldByMe().test(l));
            // awaitUntil: false once the deadline has passed
            Date deadline = new Date(System.currentTimeMillis() + 20);
            while (c.awaitUntil(deadline)) {
                // woken without a signal: wait again
            }
            assertTrue(System.currentTimeMillis() >= deadline.getTime(), "awaitUntil gave up before its deadline");
            // await(time, unit): false, at the earliest once the time has elapsed
            long t1 = System.nanoTime();
            boolean signalled = c.await(20, TimeUnit.MILLISECONDS); // true only if woken without a signal
            if (!signalled) {
                assertTrue(System.nanoTime() - t1 >= TimeUnit.MILLISECONDS.toNanos(20), "await gave up early");
            }
        } finally {
            l.unlock();
        }
    }

    /** awaitNanos signalled in time: an estimate of what is left, in (0, nanosTimeout]. */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void awaitNanosAnswersWhatIsLeft(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        Condition c = l.newCondition();
        long given = TimeUnit.HOURS.toNanos(1);
        long[] left = {0};
        boolean[] go = {false};
        Party w = new Party("waiter", () -> {
            l.lock();
            try {
                long n = given;
                while (!go[0] && n > 0) {
                    n = c.awaitNanos(n);
                }
                left[0] = n;
            } finally {
                l.unlock();
            }
        });
        w.parked();
        l.lock();
        try {
            go[0] = true;
            c.signal();
        } finally {
            l.unlock();
        }
        w.join();
        assertTrue(left[0] > 0 && left[0] <= given, "left " + left[0] + " of " + given);
    }

    /** await: interrupted while waiting, InterruptedException, with the lock held again when it is thrown. */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void awaitInterruptedThrowsHoldingTheLock(Impl<Lock> impl) throws Exception {
        List<Await> interruptible = List.of(Condition::await, c -> c.awaitNanos(Long.MAX_VALUE),
                c -> c.await(Long.MAX_VALUE, TimeUnit.DAYS), c -> c.awaitUntil(new Date(Long.MAX_VALUE)));
        for (int i = 0; i < interruptible.size(); i++) {
            Await a = interruptible.get(i);
            Lock l = impl.make().get();
            Condition c = l.newCondition();
            AtomicReference<String> outcome = new AtomicReference<>();
            Party w = new Party("waiter", () -> {
                l.lock();
                try {
                    for (;;) {
                        a.on(c); // nobody signals: a wake-up without one waits again
                    }
                } catch (InterruptedException e) {
                    outcome.set(impl.heldByMe().test(l) ? "thrown, held" : "thrown, not held");
                } finally {
                    l.unlock();
                }
            });
            w.stillWaits("await #" + i);
            w.thread.interrupt();
            w.join();
            assertEquals(outcome.get(), "thrown, held", "await #" + i);
            assertTrue(freeForOthers(l));
            // interrupted on entry: thrown at once, the lock still held
            l.lock();
            try {
                Thread.currentThread().interrupt();
                assertThrows(InterruptedException.class, () -> a.on(c));
                assertFalse(Thread.interrupted());
                assertTrue(impl.heldByMe().test(l));
            } finally {
                l.unlock();
            }
        }
    }

    /** awaitUninterruptibly: an interrupt does not end it; a signal does, with the interrupt still pending. */
    @Test(dataProvider = "locks", timeOut = 30_000)
    public void awaitUninterruptiblyIgnoresInterrupts(Impl<Lock> impl) throws Exception {
        Lock l = impl.make().get();
        Condition c = l.newCondition();
        boolean[] go = {false};
        boolean[] interrupted = {false};
        Party w = new Party("waiter", () -> {
            l.lock();
            try {
                while (!go[0]) {
                    c.awaitUninterruptibly();
                }
                interrupted[0] = Thread.currentThread().isInterrupted();
            } finally {
                l.unlock();
            }
        });
        w.parked();
        w.thread.interrupt();
        w.stillWaits("awaitUninterruptibly interrupted");
        l.lock();
        try {
            go[0] = true;
            c.signal();
        } finally {
            l.unlock();
        }
        w.join();
        assertTrue(interrupted[0], "the interrupt is still pending");
    }

    /**
     * The Condition Javadoc's BoundedBuffer: two conditions of one lock,
     * producers and consumers in await loops; every item gets through
     * exactly once.
     */
    @Test(dataProvider = "locks", timeOut = 60_000)
    public void theJavadocsBoundedBuffer(Impl<Lock> impl) throws Exception {
        Lock lock = impl.make().get();
        Condition notFull = lock.newCondition();
        Condition notEmpty = lock.newCondition();
        long[] items = new long[4];
        int[] state = new int[3]; // putptr, takeptr, count
        int producers = 3, consumers = 3, per = 3_000;
        AtomicInteger sumTaken = new AtomicInteger();
        List<Party> ps = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            ps.add(new Party("producer" + p, () -> {
                for (int i = 1; i <= per; i++) {
                    lock.lock();
                    try {
                        while (state[2] == items.length) {
                            notFull.await();
                        }
                        items[state[0]] = i;
                        if (++state[0] == items.length) {
                            state[0] = 0;
                        }
                        ++state[2];
                        notEmpty.signal();
                    } finally {
                        lock.unlock();
                    }
                }
            }));
        }
        for (int q = 0; q < consumers; q++) {
            ps.add(new Party("consumer" + q, () -> {
                for (int i = 0; i < per; i++) {
                    long x;
                    lock.lock();
                    try {
                        while (state[2] == 0) {
                            notEmpty.await(Long.MAX_VALUE, TimeUnit.DAYS);
                        }
                        x = items[state[1]];
                        if (++state[1] == items.length) {
                            state[1] = 0;
                        }
                        --state[2];
                        notFull.signal();
                    } finally {
                        lock.unlock();
                    }
                    sumTaken.addAndGet((int) x);
                }
            }));
        }
        for (Party p : ps) {
            p.join();
        }
        assertEquals(sumTaken.get(), producers * (per * (per + 1) / 2));
        assertEquals(state[2], 0);
    }

    // ---- ReadWriteLock -------------------------------------------------------------------

    /** "The read lock may be held simultaneously by multiple reader threads, so long as there are no writers." */
    @Test(dataProvider = "rwlocks", timeOut = 30_000)
    public void readersShareAndWritersExclude(Impl<ReadWriteLock> impl) throws Exception {
        ReadWriteLock rw = impl.make().get();
        CountDownLatch letGo = new CountDownLatch(1);
        Party reader = hold(rw.readLock(), letGo);
        try {
            assertTrue(rw.readLock().tryLock(), "a second reader enters");
            rw.readLock().unlock();
            assertTrue(rw.readLock().tryLock(0, TimeUnit.SECONDS));
            rw.readLock().unlock();
            assertFalse(rw.writeLock().tryLock(), "no writer while a reader holds it");
            assertFalse(rw.writeLock().tryLock(Long.MIN_VALUE, TimeUnit.DAYS));
            long t0 = System.nanoTime();
            assertFalse(rw.writeLock().tryLock(20, TimeUnit.MILLISECONDS));
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(20));
        } finally {
            letGo.countDown();
            reader.join();
        }
        CountDownLatch letGo2 = new CountDownLatch(1);
        Party writer = hold(rw.writeLock(), letGo2);
        try {
            assertFalse(rw.readLock().tryLock(), "no reader while a writer holds it");
            assertFalse(rw.writeLock().tryLock(), "no second writer");
            long t0 = System.nanoTime();
            assertFalse(rw.readLock().tryLock(20, TimeUnit.MILLISECONDS));
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(20));
            assertFalse(rw.writeLock().tryLock(0, TimeUnit.DAYS));
        } finally {
            letGo2.countDown();
            writer.join();
        }
        assertTrue(rw.writeLock().tryLock(Long.MAX_VALUE, TimeUnit.NANOSECONDS), "free again");
        rw.writeLock().unlock();
    }

    /** A waiting writer gets in once the readers leave; a waiting reader once the writer does. */
    @Test(dataProvider = "rwlocks", timeOut = 30_000)
    public void waitersGetInWhenTheHoldersLeave(Impl<ReadWriteLock> impl) throws Exception {
        ReadWriteLock rw = impl.make().get();
        for (boolean writerWaits : new boolean[] {true, false}) {
            Lock held = writerWaits ? rw.readLock() : rw.writeLock();
            Lock wanted = writerWaits ? rw.writeLock() : rw.readLock();
            CountDownLatch letGo = new CountDownLatch(1);
            Party h = hold(held, letGo);
            AtomicInteger got = new AtomicInteger();
            Party w = new Party("waiter", () -> {
                wanted.lock();
                try {
                    got.incrementAndGet();
                } finally {
                    wanted.unlock();
                }
            });
            w.stillWaits(writerWaits ? "writer behind a reader" : "reader behind a writer");
            assertEquals(got.get(), 0);
            letGo.countDown();
            h.join();
            w.join();
            assertEquals(got.get(), 1);
        }
    }

    /** Both views' interruptible waits: interrupted on entry or while waiting, InterruptedException, nothing acquired. */
    @Test(dataProvider = "rwlocks", timeOut = 30_000)
    public void viewsWaitInterruptibly(Impl<ReadWriteLock> impl) throws Exception {
        ReadWriteLock rw = impl.make().get();
        for (Lock view : List.of(rw.readLock(), rw.writeLock())) {
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, view::lockInterruptibly);
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> view.tryLock(Long.MAX_VALUE, TimeUnit.DAYS));
            assertFalse(Thread.interrupted());
        }
        CountDownLatch letGo = new CountDownLatch(1);
        Party h = hold(rw.writeLock(), letGo);
        for (Lock view : List.of(rw.readLock(), rw.writeLock())) {
            for (boolean timed : new boolean[] {false, true}) {
                AtomicReference<String> outcome = new AtomicReference<>();
                Party w = new Party("waiter", () -> {
                    try {
                        if (timed) {
                            outcome.set("returned " + view.tryLock(Long.MAX_VALUE, TimeUnit.DAYS));
                        } else {
                            view.lockInterruptibly();
                            outcome.set("acquired");
                        }
                    } catch (InterruptedException e) {
                        outcome.set("thrown");
                    }
                });
                w.stillWaits("an interruptible wait behind a writer");
                w.thread.interrupt();
                w.join();
                assertEquals(outcome.get(), "thrown");
            }
        }
        letGo.countDown();
        h.join();
        assertTrue(rw.writeLock().tryLock(), "the interrupted waiters left nothing held");
        rw.writeLock().unlock();
    }

    /** unlock of a side not held: IllegalMonitorStateException; the read view has no conditions. */
    @Test(dataProvider = "rwlocks", timeOut = 30_000)
    public void unlockingWhatIsNotHeldThrows(Impl<ReadWriteLock> impl) throws Exception {
        ReadWriteLock rw = impl.make().get();
        assertThrows(IllegalMonitorStateException.class, () -> rw.readLock().unlock());
        assertThrows(IllegalMonitorStateException.class, () -> rw.writeLock().unlock());
        CountDownLatch letGo = new CountDownLatch(1);
        Party h = hold(rw.writeLock(), letGo);
        try {
            assertThrows(IllegalMonitorStateException.class, () -> rw.writeLock().unlock());
            assertFalse(rw.readLock().tryLock(), "the holder still holds it");
        } finally {
            letGo.countDown();
            h.join();
        }
        assertThrows(UnsupportedOperationException.class, () -> rw.readLock().newCondition());
    }

    /** Writers exclude each other and readers: readers never see a write half done. */
    @Test(dataProvider = "rwlocks", timeOut = 60_000)
    public void readersNeverSeeAWriteHalfDone(Impl<ReadWriteLock> impl) throws Exception {
        ReadWriteLock rw = impl.make().get();
        long[] pair = {0, 0};
        List<Party> ps = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            boolean timed = t == 1;
            ps.add(new Party("writer" + t, () -> {
                for (int i = 0; i < 3_000; i++) {
                    if (timed) {
                        assertTrue(rw.writeLock().tryLock(1, TimeUnit.MINUTES));
                    } else {
                        rw.writeLock().lock();
                    }
                    try {
                        pair[0]++;
                        Thread.onSpinWait();
                        pair[1]++;
                    } finally {
                        rw.writeLock().unlock();
                    }
                }
            }));
            ps.add(new Party("reader" + t, () -> {
                for (int i = 0; i < 3_000; i++) {
                    if (timed) {
                        assertTrue(rw.readLock().tryLock(1, TimeUnit.MINUTES));
                    } else {
                        rw.readLock().lockInterruptibly();
                    }
                    try {
                        assertEquals(pair[0], pair[1], "a write half done");
                    } finally {
                        rw.readLock().unlock();
                    }
                }
            }));
        }
        for (Party p : ps) {
            p.join();
        }
        assertEquals(pair[0], 6_000);
    }

    /** RwLock is not reentrant: the writer taking either side again is told so. */
    @Test(timeOut = 30_000)
    public void rwLockIsNotReentrantForItsWriter() throws Exception {
        RwLock rw = new RwLock();
        rw.writeLock().lock();
        try {
            assertThrows(IllegalMonitorStateException.class, () -> rw.writeLock().tryLock());
            assertThrows(IllegalMonitorStateException.class, () -> rw.readLock().tryLock(Long.MAX_VALUE, TimeUnit.DAYS));
            assertThrows(IllegalMonitorStateException.class, () -> rw.readLock().lockInterruptibly());
        } finally {
            rw.writeLock().unlock();
        }
        assertThrows(UnsupportedOperationException.class, () -> rw.writeLock().newCondition());
    }
}
