package dev.weft;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

import dev.weft.internal.FastPathForms;
import dev.weft.internal.LockWord;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * Timeouts at the extremes, the JDK as the oracle: every timed method of
 * the API, given the values JSR-166's tests use (Long.MIN_VALUE, -1, 0, 1,
 * a few ms, Long.MAX_VALUE in every TimeUnit, and the matching Durations
 * down to ChronoUnit.FOREVER's and its negation), answers what its JDK
 * counterpart answers (ReentrantLock, ReentrantReadWriteLock,
 * java.util.concurrent.Semaphore, CountDownLatch, ReentrantLock's
 * ConditionObject, ArrayBlockingQueue / SynchronousQueue for channels,
 * Thread.join and Thread.sleep): the same value or exception type, with
 * the resource free, and with it held by another thread, where a timeout
 * of at most a few ms gives up without waiting for the holder and a long
 * one (a second and up, "forever") keeps waiting (both still wait after
 * 50 ms, checked as "not returned yet", never as a time target) and then
 * succeeds when the holder lets go.
 *
 * <p>Runs in whichever lock-word / channel-seat form this JVM picked
 * (FFM, Unsafe, JNI); CI runs it in each ({@link #runsInThePickedForm}).
 */
public class TimeoutExtremesTest {

    /** How long a "long" wait is watched before the holder lets go: a wait of at most SHORT would have ended. */
    private static final long WATCH_MS = 50;

    // ---- the tables --------------------------------------------------------

    /** What a timeout of this many nanoseconds must do against a held resource. */
    enum Kind {
        /** zero or negative: do not wait */
        NOW,
        /** at most a few ms: give up long before the holder lets go */
        SHORT,
        /** a second or more, up to "forever": wait for the holder */
        LONG;

        static Kind of(long nanos) {
            return nanos <= 0 ? NOW : nanos <= 20_000_000L ? SHORT : LONG;
        }
    }

    /** A timeout in both forms: (value, unit), or a Duration only (unit null). */
    static final class T {
        final long value;
        final TimeUnit unit;
        final Duration duration;

        T(long value, TimeUnit unit, Duration duration) {
            this.value = value;
            this.unit = unit;
            this.duration = duration;
        }

        /** The JDK's own (saturating) conversion. */
        long nanos() {
            return unit != null ? unit.toNanos(value) : TimeUnit.NANOSECONDS.convert(duration);
        }

        Kind kind() {
            return Kind.of(nanos());
        }

        @Override
        public String toString() {
            return (unit != null ? value + " " + unit + " / " : "") + duration;
        }
    }

    static final long[] VALUES = {Long.MIN_VALUE, -1, 0, 1, 5, Long.MAX_VALUE};

    /** Duration.of(v, unit), saturated where it cannot be represented (as TimeUnit saturates). */
    static Duration durationOf(long v, TimeUnit unit) {
        try {
            return Duration.of(v, unit.toChronoUnit());
        } catch (ArithmeticException e) {
            return v < 0 ? Duration.ofSeconds(Long.MIN_VALUE) : Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);
        }
    }

    /** Every value in every unit. */
    static List<T> unitTable() {
        List<T> out = new ArrayList<>();
        for (TimeUnit u : TimeUnit.values()) {
            for (long v : VALUES) {
                out.add(new T(v, u, durationOf(v, u)));
            }
        }
        return out;
    }

    /** The unit table's Durations, and those only a Duration has. */
    static List<T> durationTable() {
        List<T> out = unitTable();
        Duration forever = ChronoUnit.FOREVER.getDuration();
        for (Duration d : List.of(forever, forever.negated(), Duration.ofSeconds(Long.MIN_VALUE),
                Duration.ofSeconds(Long.MAX_VALUE, 999_999_999), Duration.ofDays(-1), Duration.ofNanos(-1),
                Duration.ofMillis(-5), Duration.ZERO, Duration.ofMillis(3), Duration.ofSeconds(Long.MAX_VALUE),
                Duration.ofNanos(Long.MAX_VALUE).plusNanos(1), Duration.ofNanos(Long.MIN_VALUE).minusNanos(1))) {
            out.add(new T(0, null, d));
        }
        return out;
    }

    // ---- one side of a differential pair -------------------------------------

    interface Call {
        Object call() throws Exception;
    }

    /**
     * A resource and its timed call, Weft's or the JDK's: {@link #free()}
     * makes the call succeed at once, {@link #block()} makes it wait until
     * {@link #release()} (run on another thread than the call).
     */
    interface Side {
        default void free() throws Exception {}

        void block() throws Exception;

        void release() throws Exception;

        /** After a call that did not wait for {@link #release()}: lets go of what block() took (a partner that never comes: nothing). */
        default void abandon() throws Exception {
            release();
        }

        /** The call under test; its answer as a value comparable across the pair. */
        Object call(T t) throws Exception;
    }

    /** A Weft side and its JDK oracle, and what a successful call answers. */
    static final class Pair {
        final String name;
        final Supplier<Side> weft;
        final Supplier<Side> jdk;
        final Object success;
        final Object timedOut;
        /** whether the call throws InterruptedException when called interrupted, free or not (Lock, Semaphore) */
        final boolean checksInterrupt;

        Pair(String name, Supplier<Side> weft, Supplier<Side> jdk, Object success, Object timedOut,
                boolean checksInterrupt) {
            this.name = name;
            this.weft = weft;
            this.jdk = jdk;
            this.success = success;
            this.timedOut = timedOut;
            this.checksInterrupt = checksInterrupt;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** What a call did: returned a value, or threw an exception of a class. */
    record Outcome(Object value, Class<?> thrown) {
        static Outcome of(Call c) {
            try {
                return new Outcome(c.call(), null);
            } catch (Throwable e) {
                return new Outcome(null, e instanceof InterruptedException ? InterruptedException.class : e.getClass());
            }
        }

        static Outcome value(Object v) {
            return new Outcome(v, null);
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** A thread that takes a resource (a lock, which only its holder may release) and holds it until told. */
    static final class Holder {
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch go = new CountDownLatch(1);
        private final AtomicReference<Throwable> failed = new AtomicReference<>();
        private final Thread thread;

        Holder(ThrowingRunnable take, ThrowingRunnable give) throws InterruptedException {
            thread = Thread.ofPlatform().daemon().name("holder").start(() -> {
                try {
                    take.run();
                    held.countDown();
                    go.await();
                    give.run();
                } catch (Throwable e) {
                    failed.set(e);
                    held.countDown();
                }
            });
            assertTrue(held.await(10, TimeUnit.SECONDS), "the holder never took it");
            check();
        }

        void release() throws Exception {
            go.countDown();
            thread.join(10_000);
            assertFalse(thread.isAlive(), "the holder never let go");
            check();
        }

        private void check() {
            if (failed.get() != null) {
                throw new AssertionError("the holder failed", failed.get());
            }
        }
    }

    /** A side on a lock: held by a Holder thread; the call is a timed tryLock of callSide. */
    static Side lockSide(Lock holderSide, Lock callSide, boolean duration) {
        return new LockSide(holderSide, callSide, duration);
    }

    static final class LockSide implements Side {
        final Lock holderSide;
        final Lock callSide;
        /** call Mutex.tryLock(Duration) (the JDK: tryLock of its nanoseconds), not tryLock(long, TimeUnit) */
        final boolean duration;
        Holder h;

        LockSide(Lock holderSide, Lock callSide, boolean duration) {
            this.holderSide = holderSide;
            this.callSide = callSide;
            this.duration = duration;
        }

        @Override
        public void block() throws Exception {
            h = new Holder(holderSide::lock, holderSide::unlock);
        }

        @Override
        public void release() throws Exception {
            h.release();
        }

        @Override
        public Object call(T t) throws Exception {
            if (!duration) {
                return callSide.tryLock(t.value, t.unit);
            }
            if (callSide instanceof Mutex m) {
                return m.tryLock(t.duration);
            }
            return callSide.tryLock(t.nanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** A side that starts a thread doing {@code party} and returns once it is parked (a ready partner). */
    static Thread partner(ThrowingRunnable party) throws InterruptedException {
        Thread t = Thread.ofPlatform().daemon().name("partner").start(() -> {
            try {
                party.run();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        awaitParked(t);
        return t;
    }

    /** Returns once t is parked (WAITING or TIMED_WAITING, not spinning), or has ended; fails after 10 s. */
    static void awaitParked(Thread t) throws InterruptedException {
        long until = System.nanoTime() + 10_000_000_000L;
        for (;;) {
            Thread.State s = t.getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.TERMINATED) {
                return;
            }
            assertTrue(System.nanoTime() < until, t + " never parked: " + s);
            Thread.sleep(1); // a poll interval, not a time target
        }
    }

    // ---- the pairs -------------------------------------------------------------

    @DataProvider
    public static Object[][] lockRows() {
        List<Pair> pairs = List.of(
                new Pair("Mutex.tryLock(long, TimeUnit) / ReentrantLock", () -> {
                    Mutex m = new Mutex();
                    return lockSide(m, m, false);
                }, () -> {
                    ReentrantLock l = new ReentrantLock();
                    return lockSide(l, l, false);
                }, true, false, true),
                new Pair("RwLock.readLock().tryLock(long, TimeUnit) against a writer / ReentrantReadWriteLock", () -> {
                    RwLock l = new RwLock();
                    return lockSide(l.writeLock(), l.readLock(), false);
                }, () -> {
                    ReentrantReadWriteLock l = new ReentrantReadWriteLock();
                    return lockSide(l.writeLock(), l.readLock(), false);
                }, true, false, true),
                new Pair("RwLock.writeLock().tryLock(long, TimeUnit) against a writer / ReentrantReadWriteLock", () -> {
                    RwLock l = new RwLock();
                    return lockSide(l.writeLock(), l.writeLock(), false);
                }, () -> {
                    ReentrantReadWriteLock l = new ReentrantReadWriteLock();
                    return lockSide(l.writeLock(), l.writeLock(), false);
                }, true, false, true),
                new Pair("RwLock.writeLock().tryLock(long, TimeUnit) against a reader / ReentrantReadWriteLock", () -> {
                    RwLock l = new RwLock();
                    return lockSide(l.readLock(), l.writeLock(), false);
                }, () -> {
                    ReentrantReadWriteLock l = new ReentrantReadWriteLock();
                    return lockSide(l.readLock(), l.writeLock(), false);
                }, true, false, true));
        return rows(pairs, unitTable());
    }

    @DataProvider
    public static Object[][] durationRows() {
        List<Pair> pairs = List.of(
                new Pair("Mutex.tryLock(Duration) / ReentrantLock", () -> {
                    Mutex m = new Mutex();
                    return lockSide(m, m, true);
                }, () -> {
                    ReentrantLock l = new ReentrantLock();
                    return lockSide(l, l, true);
                }, true, false, true),
                new Pair("Semaphore.tryAcquire(Duration) / java.util.concurrent.Semaphore", () -> new Side() {
                    final Semaphore s = new Semaphore(1);

                    @Override
                    public void block() {
                        assertTrue(s.tryAcquire());
                    }

                    @Override
                    public void release() {
                        s.release();
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return s.tryAcquire(t.duration);
                    }
                }, () -> new Side() {
                    final java.util.concurrent.Semaphore s = new java.util.concurrent.Semaphore(1);

                    @Override
                    public void block() {
                        assertTrue(s.tryAcquire());
                    }

                    @Override
                    public void release() {
                        s.release();
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return s.tryAcquire(t.nanos(), TimeUnit.NANOSECONDS);
                    }
                }, true, false, true),
                new Pair("WaitGroup.await(Duration) / CountDownLatch", () -> new Side() {
                    final WaitGroup wg = new WaitGroup();

                    @Override
                    public void block() {
                        wg.add(1);
                    }

                    @Override
                    public void release() {
                        wg.done();
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return wg.await(t.duration);
                    }
                }, () -> new Side() {
                    volatile CountDownLatch latch = new CountDownLatch(0);

                    @Override
                    public void block() {
                        latch = new CountDownLatch(1);
                    }

                    @Override
                    public void release() {
                        latch.countDown();
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return latch.await(t.nanos(), TimeUnit.NANOSECONDS);
                    }
                }, true, false, false),
                new Pair("Chan(1).send(Duration) / ArrayBlockingQueue(1).offer", () -> new Side() {
                    final Chan<String> ch = Chan.make(1);

                    @Override
                    public void block() {
                        assertTrue(ch.trySend("full"));
                    }

                    @Override
                    public void release() throws Exception {
                        assertEquals(ch.recv(), "full");
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return ch.send("x", t.duration);
                    }
                }, () -> new Side() {
                    final ArrayBlockingQueue<String> q = new ArrayBlockingQueue<>(1);

                    @Override
                    public void block() {
                        assertTrue(q.offer("full"));
                    }

                    @Override
                    public void release() throws Exception {
                        assertEquals(q.take(), "full");
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return q.offer("x", t.nanos(), TimeUnit.NANOSECONDS);
                    }
                }, true, false, false),
                new Pair("Chan(1).recv(Duration) / ArrayBlockingQueue(1).poll", () -> new Side() {
                    final Chan<String> ch = Chan.make(1);

                    @Override
                    public void free() {
                        assertTrue(ch.trySend("x"));
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void release() throws Exception {
                        ch.send("x");
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return ch.recv(t.duration);
                    }
                }, () -> new Side() {
                    final ArrayBlockingQueue<String> q = new ArrayBlockingQueue<>(1);

                    @Override
                    public void free() {
                        assertTrue(q.offer("x"));
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void release() throws Exception {
                        q.put("x");
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return q.poll(t.nanos(), TimeUnit.NANOSECONDS);
                    }
                }, "x", null, false),
                new Pair("Chan().send(Duration) / SynchronousQueue.offer", () -> new Side() {
                    final Chan<String> ch = Chan.make();

                    @Override
                    public void free() throws Exception {
                        partner(ch::recv);
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void abandon() {}

                    @Override
                    public void release() {
                        Thread.ofPlatform().daemon().start(() -> {
                            try {
                                ch.recv();
                            } catch (InterruptedException e) {
                                throw new RuntimeException(e);
                            }
                        });
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return ch.send("x", t.duration);
                    }
                }, () -> new Side() {
                    final SynchronousQueue<String> q = new SynchronousQueue<>();

                    @Override
                    public void free() throws Exception {
                        partner(q::take);
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void abandon() {}

                    @Override
                    public void release() {
                        Thread.ofPlatform().daemon().start(() -> {
                            try {
                                q.take();
                            } catch (InterruptedException e) {
                                throw new RuntimeException(e);
                            }
                        });
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return q.offer("x", t.nanos(), TimeUnit.NANOSECONDS);
                    }
                }, true, false, false),
                new Pair("Chan().recv(Duration) / SynchronousQueue.poll", () -> new Side() {
                    final Chan<String> ch = Chan.make();

                    @Override
                    public void free() throws Exception {
                        partner(() -> ch.send("x"));
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void abandon() {}

                    @Override
                    public void release() {
                        Thread.ofPlatform().daemon().start(() -> {
                            try {
                                ch.send("x");
                            } catch (InterruptedException e) {
                                throw new RuntimeException(e);
                            }
                        });
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return ch.recv(t.duration);
                    }
                }, () -> new Side() {
                    final SynchronousQueue<String> q = new SynchronousQueue<>();

                    @Override
                    public void free() throws Exception {
                        partner(() -> q.put("x"));
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void abandon() {}

                    @Override
                    public void release() {
                        Thread.ofPlatform().daemon().start(() -> {
                            try {
                                q.put("x");
                            } catch (InterruptedException e) {
                                throw new RuntimeException(e);
                            }
                        });
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return q.poll(t.nanos(), TimeUnit.NANOSECONDS);
                    }
                }, "x", null, false),
                new Pair("LongChan(1).send(Duration) / ArrayBlockingQueue(1).offer", () -> new Side() {
                    final LongChan ch = LongChan.make(1);

                    @Override
                    public void block() {
                        assertTrue(ch.trySend(-1));
                    }

                    @Override
                    public void release() throws Exception {
                        assertEquals(ch.recv(), -1L);
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return ch.send(7, t.duration);
                    }
                }, () -> new Side() {
                    final ArrayBlockingQueue<Long> q = new ArrayBlockingQueue<>(1);

                    @Override
                    public void block() {
                        assertTrue(q.offer(-1L));
                    }

                    @Override
                    public void release() throws Exception {
                        assertEquals((long) q.take(), -1L);
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return q.offer(7L, t.nanos(), TimeUnit.NANOSECONDS);
                    }
                }, true, false, false),
                new Pair("LongChan(1).recv(Duration) / ArrayBlockingQueue(1).poll", () -> new Side() {
                    final LongChan ch = LongChan.make(1);

                    @Override
                    public void free() {
                        assertTrue(ch.trySend(7));
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void release() throws Exception {
                        ch.send(7);
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        OptionalLong v = ch.recv(t.duration);
                        return v.isPresent() ? v.getAsLong() : null;
                    }
                }, () -> new Side() {
                    final ArrayBlockingQueue<Long> q = new ArrayBlockingQueue<>(1);

                    @Override
                    public void free() {
                        assertTrue(q.offer(7L));
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void release() throws Exception {
                        q.put(7L);
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return q.poll(t.nanos(), TimeUnit.NANOSECONDS);
                    }
                }, 7L, null, false),
                new Pair("RecordChan(8, 1).send(Duration) / ArrayBlockingQueue(1).offer", () -> new Side() {
                    final RecordChan ch = RecordChan.make(8, 1);

                    @Override
                    public void block() {
                        assertTrue(ch.trySend(new byte[8]));
                    }

                    @Override
                    public void release() throws Exception {
                        assertNotNull(ch.recv());
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return ch.send(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, t.duration);
                    }
                }, () -> new Side() {
                    final ArrayBlockingQueue<byte[]> q = new ArrayBlockingQueue<>(1);

                    @Override
                    public void block() {
                        assertTrue(q.offer(new byte[8]));
                    }

                    @Override
                    public void release() throws Exception {
                        assertNotNull(q.take());
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return q.offer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, t.nanos(), TimeUnit.NANOSECONDS);
                    }
                }, true, false, false),
                new Pair("RecordChan(8, 1).recv(Duration) / ArrayBlockingQueue(1).poll", () -> new Side() {
                    final RecordChan ch = RecordChan.make(8, 1);

                    @Override
                    public void free() {
                        assertTrue(ch.trySend(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void release() throws Exception {
                        ch.send(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        Optional<byte[]> v = ch.recv(t.duration);
                        return v.map(Arrays::toString).orElse(null);
                    }
                }, () -> new Side() {
                    final ArrayBlockingQueue<byte[]> q = new ArrayBlockingQueue<>(1);

                    @Override
                    public void free() {
                        assertTrue(q.offer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void release() throws Exception {
                        q.put(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        byte[] v = q.poll(t.nanos(), TimeUnit.NANOSECONDS);
                        return v == null ? null : Arrays.toString(v);
                    }
                }, "[1, 2, 3, 4, 5, 6, 7, 8]", null, false),
                new Pair("Select.recv(Chan(1)).timeout(Duration) / ArrayBlockingQueue(1).poll", () -> new Side() {
                    final Chan<String> ch = Chan.make(1);

                    @Override
                    public void free() {
                        assertTrue(ch.trySend("x"));
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void release() throws Exception {
                        ch.send("x");
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        Object[] got = new Object[1];
                        Select.create().recv(ch, v -> got[0] = v).timeout(t.duration, () -> got[0] = "timeout").run();
                        return got[0];
                    }
                }, () -> new Side() {
                    final ArrayBlockingQueue<String> q = new ArrayBlockingQueue<>(1);

                    @Override
                    public void free() {
                        assertTrue(q.offer("x"));
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void release() throws Exception {
                        q.put("x");
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        String v = q.poll(t.nanos(), TimeUnit.NANOSECONDS);
                        return v == null ? "timeout" : v;
                    }
                }, "x", "timeout", false),
                new Pair("Select.send(Chan()).timeout(Duration) / SynchronousQueue.offer", () -> new Side() {
                    final Chan<String> ch = Chan.make();

                    @Override
                    public void free() throws Exception {
                        partner(ch::recv);
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void abandon() {}

                    @Override
                    public void release() {
                        Thread.ofPlatform().daemon().start(() -> {
                            try {
                                ch.recv();
                            } catch (InterruptedException e) {
                                throw new RuntimeException(e);
                            }
                        });
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        Object[] got = new Object[1];
                        Select.create().send(ch, "x", () -> got[0] = true).timeout(t.duration, () -> got[0] = false).run();
                        return got[0];
                    }
                }, () -> new Side() {
                    final SynchronousQueue<String> q = new SynchronousQueue<>();

                    @Override
                    public void free() throws Exception {
                        partner(q::take);
                    }

                    @Override
                    public void block() {}

                    @Override
                    public void abandon() {}

                    @Override
                    public void release() {
                        Thread.ofPlatform().daemon().start(() -> {
                            try {
                                q.take();
                            } catch (InterruptedException e) {
                                throw new RuntimeException(e);
                            }
                        });
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return q.offer("x", t.nanos(), TimeUnit.NANOSECONDS);
                    }
                }, true, false, false),
                new Pair("Coroutine.join(Duration) / Thread.join(Duration)", () -> new Side() {
                    final CountDownLatch gate = new CountDownLatch(1);
                    Coroutine<Void> c;

                    @Override
                    public void free() throws Exception {
                        c = Weft.go(() -> {});
                        c.join();
                    }

                    @Override
                    public void block() {
                        c = Weft.go(() -> {
                            gate.await();
                            return null;
                        });
                    }

                    @Override
                    public void release() {
                        gate.countDown();
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        try {
                            c.join(t.duration);
                            return true;
                        } catch (TimeoutException e) {
                            return false;
                        }
                    }
                }, () -> new Side() {
                    final CountDownLatch gate = new CountDownLatch(1);
                    Thread th;

                    @Override
                    public void free() throws Exception {
                        th = Thread.ofVirtual().start(() -> {});
                        th.join();
                    }

                    @Override
                    public void block() {
                        th = Thread.ofVirtual().start(() -> {
                            try {
                                gate.await();
                            } catch (InterruptedException e) {
                                throw new RuntimeException(e);
                            }
                        });
                    }

                    @Override
                    public void release() {
                        gate.countDown();
                    }

                    @Override
                    public Object call(T t) throws Exception {
                        return th.join(t.duration);
                    }
                }, true, false, false));
        return rows(pairs, durationTable());
    }

    private static Object[][] rows(List<Pair> pairs, List<T> table) {
        List<Object[]> out = new ArrayList<>();
        for (Pair p : pairs) {
            for (T t : table) {
                out.add(new Object[] {p, t});
            }
        }
        return out.toArray(Object[][]::new);
    }

    // ---- the differential tests --------------------------------------------------

    @Test(timeOut = 10_000)
    public void runsInThePickedForm() {
        // CI runs this class in each form: FFM (JDK 22+), -Dweft.ffm=false (Unsafe),
        // -Dweft.ffm=false -Dweft.unsafe=false (JNI); the output names which one ran
        FastPathForms.assertPicked(LockWord.IMPL,
                FastPathForms.expected("FfmLockWord", "UnsafeLockWord", "LockWord$Jni"));
    }

    /** Free: every timeout, however extreme, succeeds at once, as in the JDK. */
    @Test(dataProvider = "lockRows", timeOut = 30_000)
    public void freeLock(Pair p, T t) throws Exception {
        free(p, t);
    }

    @Test(dataProvider = "durationRows", timeOut = 30_000)
    public void freeDuration(Pair p, T t) throws Exception {
        free(p, t);
    }

    /** Held by another thread: NOW and SHORT give up (the holder waits for them), LONG waits for the holder. */
    @Test(dataProvider = "lockRows", timeOut = 30_000)
    public void heldLock(Pair p, T t) throws Exception {
        held(p, t);
    }

    @Test(dataProvider = "durationRows", timeOut = 30_000)
    public void heldDuration(Pair p, T t) throws Exception {
        held(p, t);
    }

    /** Interrupted first: a Lock's and a Semaphore's timed acquire throw, free or held, whatever the timeout. */
    @Test(dataProvider = "lockRows", timeOut = 30_000)
    public void interruptedLock(Pair p, T t) throws Exception {
        interrupted(p, t);
    }

    @Test(dataProvider = "durationRows", timeOut = 30_000)
    public void interruptedDuration(Pair p, T t) throws Exception {
        interrupted(p, t);
    }

    /** A null unit: NullPointerException from both, free or held (and a null Duration from Weft). */
    @Test(dataProvider = "lockRows", timeOut = 30_000)
    public void nullUnit(Pair p, T t) throws Exception {
        LockSide w = (LockSide) p.weft.get();
        LockSide j = (LockSide) p.jdk.get();
        for (boolean block : new boolean[] {false, true}) {
            if (block) {
                w.block();
                j.block();
            }
            Outcome ow = Outcome.of(() -> w.callSide.tryLock(t.value, null));
            Outcome oj = Outcome.of(() -> j.callSide.tryLock(t.value, null));
            assertEquals(ow, oj, p + " " + t.value + " null");
            assertEquals(ow.thrown(), NullPointerException.class);
            if (w.callSide instanceof Mutex m) {
                assertEquals(Outcome.of(() -> m.tryLock(null)).thrown(), NullPointerException.class);
            }
            if (block) {
                w.release();
                j.release();
            }
        }
    }

    private static void free(Pair p, T t) throws Exception {
        Side w = p.weft.get();
        Side j = p.jdk.get();
        w.free();
        j.free();
        Outcome ow = Outcome.of(() -> w.call(t));
        Outcome oj = Outcome.of(() -> j.call(t));
        assertEquals(ow, oj, p + " free, " + t + ": Weft vs JDK");
        assertEquals(oj, Outcome.value(p.success), p + " free, " + t + ": the JDK oracle itself");
    }

    private static void held(Pair p, T t) throws Exception {
        Side w = p.weft.get();
        Side j = p.jdk.get();
        w.block();
        j.block();
        if (t.kind() != Kind.LONG) {
            // the holder lets go only after both calls returned: they must not wait for it
            Outcome ow = Outcome.of(() -> w.call(t));
            Outcome oj = Outcome.of(() -> j.call(t));
            w.abandon();
            j.abandon();
            assertEquals(ow, oj, p + " held, " + t + ": Weft vs JDK");
            assertEquals(oj, Outcome.value(p.timedOut), p + " held, " + t + ": the JDK oracle itself");
            return;
        }
        AtomicReference<Outcome> rw = new AtomicReference<>();
        AtomicReference<Outcome> rj = new AtomicReference<>();
        Thread tw = Thread.ofPlatform().daemon().name("weft-call").start(() -> rw.set(Outcome.of(() -> w.call(t))));
        Thread tj = Thread.ofPlatform().daemon().name("jdk-call").start(() -> rj.set(Outcome.of(() -> j.call(t))));
        awaitParked(tw);
        awaitParked(tj);
        Thread.sleep(WATCH_MS);
        // both still waiting: neither took the long (or "forever") timeout for "now"
        assertNull(rw.get(), p + " held, " + t + ": Weft gave up early");
        assertNull(rj.get(), p + " held, " + t + ": the JDK gave up early");
        w.release();
        j.release();
        tw.join(10_000);
        tj.join(10_000);
        assertFalse(tw.isAlive(), p + " held, " + t + ": Weft still waits after the release");
        assertFalse(tj.isAlive(), p + " held, " + t + ": the JDK still waits after the release");
        assertEquals(rw.get(), rj.get(), p + " held, " + t + ": Weft vs JDK");
        assertEquals(rj.get(), Outcome.value(p.success), p + " held, " + t + ": the JDK oracle itself");
    }

    private static void interrupted(Pair p, T t) throws Exception {
        for (boolean block : new boolean[] {false, true}) {
            Side w = p.weft.get();
            Side j = p.jdk.get();
            if (block) {
                w.block();
                j.block();
            } else {
                w.free();
                j.free();
            }
            Thread.currentThread().interrupt();
            Outcome ow = Outcome.of(() -> w.call(t));
            boolean wStill = Thread.interrupted();
            Thread.currentThread().interrupt();
            Outcome oj = Outcome.of(() -> j.call(t));
            boolean jStill = Thread.interrupted();
            if (block) {
                w.abandon();
                j.abandon();
            }
            String what = p + (block ? " held" : " free") + ", interrupted, " + t;
            if (p.checksInterrupt) {
                assertEquals(ow, oj, what + ": Weft vs JDK");
                assertEquals(oj.thrown(), InterruptedException.class, what + ": the JDK oracle itself");
                assertEquals(wStill, jStill, what + ": interrupt status after");
            } else {
                // not part of this class's contract (a channel that is ready does not look at
                // the interrupt): only no wrap-around and no other exception
                assertTrue(ow.thrown() == null || ow.thrown() == InterruptedException.class, what + ": " + ow);
            }
        }
    }

    // ---- conditions ------------------------------------------------------------------

    @DataProvider
    public static Object[][] nanosRows() {
        List<Object[]> out = new ArrayList<>();
        for (long n : new long[] {Long.MIN_VALUE, Long.MIN_VALUE + 1, -1_000_000, -1, 0, 1, 1_000, 5_000_000,
                1_000_000_000, Long.MAX_VALUE - 1, Long.MAX_VALUE}) {
            out.add(new Object[] {n});
        }
        return out.toArray(Object[][]::new);
    }

    @DataProvider
    public static Object[][] unitRows() {
        return unitTable().stream().map(t -> new Object[] {t}).toArray(Object[][]::new);
    }

    @DataProvider
    public static Object[][] dateRows() {
        long now = System.currentTimeMillis();
        List<Object[]> out = new ArrayList<>();
        for (long at : new long[] {Long.MIN_VALUE, -1, 0, now - 1_000, now + 3, now + 3_600_000, Long.MAX_VALUE}) {
            out.add(new Object[] {at});
        }
        return out.toArray(Object[][]::new);
    }

    /** A timed wait of a condition, and its answer. */
    interface CondCall {
        Object call(Condition c) throws Exception;
    }

    /**
     * awaitNanos's answer, as far as the contract fixes it: "expired" (at
     * most min(nanosTimeout, 0): the JDK answers nanosTimeout minus the
     * time waited, or Long.MIN_VALUE, never more than nanosTimeout), or
     * "left" (signalled with time to spare: in (0, nanosTimeout]). The
     * exact number is the clock's.
     */
    static String classify(long answer, long nanosTimeout) {
        if (answer <= 0 && answer <= nanosTimeout) { // MIN_VALUE is, whatever nanosTimeout
            return nanosTimeout == Long.MIN_VALUE && answer != Long.MIN_VALUE
                    ? "expired, but not MIN_VALUE: " + answer : "expired";
        }
        if (answer > 0 && answer <= nanosTimeout) {
            return "left";
        }
        return "out of contract: " + answer + " for " + nanosTimeout;
    }

    @Test(dataProvider = "nanosRows", timeOut = 30_000)
    public void awaitNanos(long n) throws Exception {
        conditionDifferential(c -> classify(c.awaitNanos(n), n), Kind.of(n), "expired", "left",
                "awaitNanos(" + n + ")");
        // awaitNanos(MIN_VALUE) answers MIN_VALUE exactly, as ReentrantLock's does (it used to wrap)
        if (n == Long.MIN_VALUE) {
            Mutex m = new Mutex();
            Condition c = m.newCondition();
            m.lock();
            try {
                assertEquals(c.awaitNanos(Long.MIN_VALUE), Long.MIN_VALUE);
            } finally {
                m.unlock();
            }
        }
    }

    @Test(dataProvider = "unitRows", timeOut = 30_000)
    public void awaitTimeUnit(T t) throws Exception {
        conditionDifferential(c -> c.await(t.value, t.unit), t.kind(), false, true, "await(" + t + ")");
    }

    @Test(dataProvider = "unitRows", timeOut = 30_000)
    public void awaitNanosOfUnit(T t) throws Exception {
        long n = t.nanos();
        conditionDifferential(c -> classify(c.awaitNanos(n), n), t.kind(), "expired", "left",
                "awaitNanos(" + t + ")");
    }

    @Test(dataProvider = "dateRows", timeOut = 30_000)
    public void awaitUntil(long at) throws Exception {
        long left = at - System.currentTimeMillis();
        Kind k = at <= System.currentTimeMillis() ? Kind.NOW : left <= 20 ? Kind.SHORT : Kind.LONG;
        conditionDifferential(c -> c.awaitUntil(new Date(at)), k, false, true, "awaitUntil(" + at + ")");
    }

    /**
     * Mutex's condition against ReentrantLock's: not signalled, NOW and
     * SHORT time out with {@code timedOut}; LONG waits (still after 50 ms)
     * until signalled, then answers {@code signalled}; without the lock,
     * IllegalMonitorStateException; interrupted first, InterruptedException
     * with the lock still held.
     */
    private static void conditionDifferential(CondCall call, Kind kind, Object timedOut, Object signalled, String what)
            throws Exception {
        Mutex m = new Mutex();
        Condition wc = m.newCondition();
        ReentrantLock l = new ReentrantLock();
        Condition jc = l.newCondition();

        // without the lock
        Outcome ow = Outcome.of(() -> call.call(wc));
        Outcome oj = Outcome.of(() -> call.call(jc));
        assertEquals(ow, oj, what + " without the lock: Weft vs JDK");
        assertEquals(oj.thrown(), IllegalMonitorStateException.class, what + ": the JDK oracle itself");

        // interrupted first, holding the lock
        m.lock();
        l.lock();
        try {
            Thread.currentThread().interrupt();
            ow = Outcome.of(() -> call.call(wc));
            Thread.currentThread().interrupt();
            oj = Outcome.of(() -> call.call(jc));
            Thread.interrupted();
            assertEquals(ow, oj, what + " interrupted: Weft vs JDK");
            assertEquals(oj.thrown(), InterruptedException.class, what + " interrupted: the JDK oracle itself");
            assertTrue(m.isHeldByCurrentThread(), what + " interrupted: the Mutex is still held");
        } finally {
            m.unlock();
            l.unlock();
        }

        if (kind != Kind.LONG) {
            m.lock();
            l.lock();
            try {
                ow = Outcome.of(() -> call.call(wc));
                assertTrue(m.isHeldByCurrentThread(), what + ": the Mutex is held again after the timeout");
                oj = Outcome.of(() -> call.call(jc));
            } finally {
                m.unlock();
                l.unlock();
            }
            assertEquals(ow, oj, what + " unsignalled: Weft vs JDK");
            assertEquals(oj, Outcome.value(timedOut), what + " unsignalled: the JDK oracle itself");
            return;
        }
        AtomicReference<Outcome> rw = new AtomicReference<>();
        AtomicReference<Outcome> rj = new AtomicReference<>();
        Thread tw = Thread.ofPlatform().daemon().name("weft-await").start(() -> {
            m.lock();
            try {
                rw.set(Outcome.of(() -> call.call(wc)));
                if (!m.isHeldByCurrentThread()) {
                    rw.set(new Outcome("the Mutex is not held after the wait", null));
                }
            } finally {
                m.unlock();
            }
        });
        Thread tj = Thread.ofPlatform().daemon().name("jdk-await").start(() -> {
            l.lock();
            try {
                rj.set(Outcome.of(() -> call.call(jc)));
            } finally {
                l.unlock();
            }
        });
        awaitParked(tw);
        awaitParked(tj);
        Thread.sleep(WATCH_MS);
        assertNull(rw.get(), what + ": Weft gave up early");
        assertNull(rj.get(), what + ": the JDK gave up early");
        m.lock();
        try {
            wc.signal();
        } finally {
            m.unlock();
        }
        l.lock();
        try {
            jc.signal();
        } finally {
            l.unlock();
        }
        tw.join(10_000);
        tj.join(10_000);
        assertFalse(tw.isAlive(), what + ": Weft still waits after the signal");
        assertFalse(tj.isAlive(), what + ": the JDK still waits after the signal");
        assertEquals(rw.get(), rj.get(), what + " signalled: Weft vs JDK");
        assertEquals(rj.get(), Outcome.value(signalled), what + " signalled: the JDK oracle itself");
    }

    // ---- sleep, Timer, Ticker ---------------------------------------------------------

    @DataProvider
    public static Object[][] durations() {
        return durationTable().stream().map(t -> new Object[] {t}).toArray(Object[][]::new);
    }

    /** Weft.sleep against Thread.sleep: NOW and SHORT return, LONG sleeps until interrupted. */
    @Test(dataProvider = "durations", timeOut = 30_000)
    public void sleep(T t) throws Exception {
        if (t.kind() != Kind.LONG) {
            assertEquals(Outcome.of(() -> {
                Weft.sleep(t.duration);
                return "slept";
            }), Outcome.of(() -> {
                Thread.sleep(t.duration);
                return "slept";
            }), "sleep(" + t + ")");
            return;
        }
        AtomicReference<Outcome> rw = new AtomicReference<>();
        AtomicReference<Outcome> rj = new AtomicReference<>();
        Thread tw = Thread.ofPlatform().daemon().start(() -> rw.set(Outcome.of(() -> {
            Weft.sleep(t.duration);
            return "slept";
        })));
        Thread tj = Thread.ofPlatform().daemon().start(() -> rj.set(Outcome.of(() -> {
            Thread.sleep(t.duration);
            return "slept";
        })));
        awaitParked(tw);
        awaitParked(tj);
        Thread.sleep(WATCH_MS);
        assertNull(rw.get(), "Weft.sleep(" + t + ") ended early");
        assertNull(rj.get(), "Thread.sleep(" + t + ") ended early");
        tw.interrupt();
        tj.interrupt();
        tw.join(10_000);
        tj.join(10_000);
        assertEquals(rw.get(), rj.get(), "sleep(" + t + ") interrupted");
        assertEquals(rj.get().thrown(), InterruptedException.class);
    }

    /** A Timer of any Duration: NOW and SHORT fire, LONG does not (yet) and stops. */
    @Test(dataProvider = "durations", timeOut = 30_000)
    public void timer(T t) throws Exception {
        Timer timer = new Timer(t.duration);
        if (t.kind() != Kind.LONG) {
            assertNotNull(timer.chan().recv(Duration.ofSeconds(10)), "Timer(" + t + ") never fired");
            assertFalse(timer.stop(), "Timer(" + t + ") fired: nothing to stop");
        } else {
            assertNull(timer.chan().recv(Duration.ofMillis(WATCH_MS)), "Timer(" + t + ") fired");
            assertTrue(timer.stop(), "Timer(" + t + ") is stopped while pending");
        }
        // reset to the extreme, then to 0: a pending long one is stopped, the new one fires
        timer.reset(t.duration);
        timer.reset(Duration.ZERO);
        assertNotNull(timer.chan().recv(Duration.ofSeconds(10)), "Timer reset to 0 never fired");
    }

    /**
     * A Ticker of a period past a long's nanoseconds (292 years and up,
     * FOREVER) neither ticks nor dies of an ArithmeticException in its thread;
     * reset to such a period, it stops ticking the same way.
     */
    @Test(timeOut = 30_000)
    public void tickerOfTheLongestPeriods() throws Exception {
        List<Throwable> died = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((th, e) -> died.add(e));
        try {
            for (Duration d : List.of(ChronoUnit.FOREVER.getDuration(), Duration.ofSeconds(Long.MAX_VALUE),
                    Duration.ofNanos(Long.MAX_VALUE), durationOf(Long.MAX_VALUE, TimeUnit.DAYS))) {
                try (Ticker tk = new Ticker(d)) {
                    assertNull(tk.chan().recv(Duration.ofMillis(WATCH_MS)), "Ticker(" + d + ") ticked");
                }
                Ticker tk = new Ticker(Duration.ofMillis(1));
                try {
                    assertNotNull(tk.chan().recv(Duration.ofSeconds(10)), "a 1 ms ticker never ticked");
                    tk.reset(d);
                    // what the old period had sent or had due (the buffered tick, the one being
                    // slept for), and then nothing: ticks that kept coming would pass 2
                    int after = 0;
                    while (tk.chan().recv(Duration.ofMillis(WATCH_MS)) != null) {
                        assertTrue(++after <= 2, "Ticker reset to " + d + " kept ticking");
                    }
                } finally {
                    tk.stop();
                }
            }
            for (Duration d : List.of(ChronoUnit.FOREVER.getDuration().negated(), Duration.ZERO, Duration.ofNanos(-1))) {
                assertThrows(IllegalArgumentException.class, () -> new Ticker(d));
            }
            Thread.sleep(WATCH_MS);
            assertTrue(died.isEmpty(), "a ticker thread died: " + died);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }
}
