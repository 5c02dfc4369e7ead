package dev.weft;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;
import static org.testng.Assert.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * Every blocking operation of the API, woken by {@code Thread.interrupt()}
 * (it throws {@link InterruptedException}) and by {@link Coroutine#cancel()}
 * ({@link CancelledException}) while it is parked, and the object it
 * waited on checked afterwards: the woken party took nothing, left
 * nothing queued, and the object still works.
 */
public class InterruptTest {
    private static final Duration LONG = Duration.ofHours(1);

    /** A blocking call and what must hold once it was woken without completing. */
    private record Kind(Blocking call, Check after) {}

    private interface Blocking {
        void call() throws Exception;
    }

    private interface Check {
        void run() throws Exception;
    }

    private interface Setup {
        Kind make() throws Exception;
    }

    /* Setups run on the test thread, so locks they take are the test thread's. */
    private static final Map<String, Setup> KINDS = new LinkedHashMap<>();

    private static void kind(String name, Setup s) {
        KINDS.put(name, s);
    }

    static {
        // ---- channels of objects
        kind("Chan.recv, unbuffered (heap seat)", () -> {
            Chan<String> ch = Chan.make();
            return new Kind(ch::recv, () -> noReceiverLeft(ch));
        });
        kind("Chan.send, unbuffered (heap seat)", () -> {
            Chan<String> ch = Chan.make();
            return new Kind(() -> ch.send("lost"), () -> noSenderLeft(ch));
        });
        kind("Chan.recv, unbuffered (native)", () -> {
            Chan<String> ch = Chan.make();
            Select.create().recv(ch, v -> fail("nothing was sent")).orElse(() -> {}).run(); // switches it
            return new Kind(ch::recv, () -> noReceiverLeft(ch));
        });
        kind("Chan.send, unbuffered (native)", () -> {
            Chan<String> ch = Chan.make();
            Select.create().recv(ch, v -> fail("nothing was sent")).orElse(() -> {}).run();
            return new Kind(() -> ch.send("lost"), () -> noSenderLeft(ch));
        });
        kind("Chan.recvOk", () -> {
            Chan<String> ch = Chan.make();
            return new Kind(ch::recvOk, () -> noReceiverLeft(ch));
        });
        kind("Chan.recv(Duration)", () -> {
            Chan<String> ch = Chan.make();
            return new Kind(() -> ch.recv(LONG), () -> noReceiverLeft(ch));
        });
        kind("Chan.send(Duration)", () -> {
            Chan<String> ch = Chan.make();
            return new Kind(() -> ch.send("lost", LONG), () -> noSenderLeft(ch));
        });
        kind("Chan.recv, buffered and empty", () -> {
            Chan<String> ch = Chan.make(4);
            return new Kind(ch::recv, () -> {
                assertTrue(ch.trySend("kept"));
                assertEquals(ch.tryRecv(), "kept");
            });
        });
        kind("Chan.send, buffered and full", () -> {
            Chan<String> ch = Chan.make(2);
            ch.send("a");
            ch.send("b");
            return new Kind(() -> ch.send("lost"), () -> {
                assertEquals(ch.len(), 2);
                assertEquals(ch.tryRecv(), "a");
                assertEquals(ch.tryRecv(), "b");
                assertNull(ch.tryRecv(), "the woken sender's value went in");
            });
        });
        kind("Chan iteration", () -> {
            Chan<String> ch = Chan.make();
            return new Kind(() -> {
                try {
                    for (String s : ch) {
                        fail("nothing was sent: " + s);
                    }
                } catch (CancellationException e) {
                    assertTrue(Thread.interrupted(), "the iteration leaves the interrupt set");
                    throw (Exception) e.getCause();
                }
            }, () -> noReceiverLeft(ch));
        });
        // ---- channels shared with C
        kind("LongChan.recv", () -> {
            LongChan ch = LongChan.make(0);
            return new Kind(ch::recv, () -> {
                assertFalse(ch.trySend(7), "a woken receiver stayed queued");
                assertTrue(ch.tryRecv().isEmpty());
            });
        });
        kind("LongChan.send, full", () -> {
            LongChan ch = LongChan.make(1);
            ch.send(1);
            return new Kind(() -> ch.send(2), () -> {
                assertEquals(ch.tryRecv().getAsLong(), 1);
                assertTrue(ch.tryRecv().isEmpty(), "the woken sender's value went in");
            });
        });
        kind("LongChan.recv(Duration)", () -> {
            LongChan ch = LongChan.make(0);
            return new Kind(() -> ch.recv(LONG), () -> assertFalse(ch.trySend(7)));
        });
        kind("RecordChan.recvOrNull", () -> {
            RecordChan ch = RecordChan.make(8, 0);
            return new Kind(ch::recvOrNull, () -> {
                ch.close();
                assertNull(ch.recvOrNull());
            });
        });
        kind("RecordChan.send, full", () -> {
            RecordChan ch = RecordChan.make(8, 1);
            ch.send(new byte[] {1, 0, 0, 0, 0, 0, 0, 0});
            return new Kind(() -> ch.send(new byte[] {2, 0, 0, 0, 0, 0, 0, 0}), () -> {
                ch.close();
                assertEquals(ch.recvOrNull()[0], 1);
                assertNull(ch.recvOrNull(), "the woken sender's record went in");
            });
        });
        kind("RecordChan.recv(Duration)", () -> {
            RecordChan ch = RecordChan.make(8, 0);
            return new Kind(() -> ch.recv(LONG), () -> assertFalse(ch.trySend(new byte[8]), "a woken receiver stayed queued"));
        });
        kind("RecordChan.send(Duration), full", () -> {
            RecordChan ch = RecordChan.make(8, 1);
            ch.send(new byte[] {1, 0, 0, 0, 0, 0, 0, 0});
            return new Kind(() -> ch.send(new byte[] {2, 0, 0, 0, 0, 0, 0, 0}, LONG), () -> {
                assertEquals(ch.tryRecv().orElseThrow()[0], 1);
                assertTrue(ch.tryRecv().isEmpty(), "the woken sender's record went in");
            });
        });
        // ---- select
        kind("Select.run", () -> {
            Chan<String> in = Chan.make();
            Chan<String> out = Chan.make();
            Select s = Select.create().recv(in, v -> fail("nothing was sent")).send(out, "lost", () -> fail("nobody received"));
            return new Kind(s::run, () -> {
                noReceiverLeft(in);
                noSenderLeft(out);
            });
        });
        kind("Select.run with a timeout", () -> {
            Chan<String> in = Chan.make();
            Select s = Select.create().recv(in, v -> fail("nothing was sent")).timeout(LONG, () -> fail("timed out"));
            return new Kind(s::run, () -> noReceiverLeft(in));
        });
        kind("Select.run, nil channels only", () -> {
            Chan<String> nil = null;
            Select s = Select.create().recv(nil, v -> fail("a nil case fired")).send(nil, "x", () -> fail("a nil case fired"));
            return new Kind(s::run, () -> {});
        });
        // ---- locks
        kind("Mutex.lockInterruptibly", () -> {
            Mutex m = held(new Mutex());
            return new Kind(m::lockInterruptibly, () -> freeAgain(m));
        });
        kind("Mutex.tryLock(Duration)", () -> {
            Mutex m = held(new Mutex());
            return new Kind(() -> m.tryLock(LONG), () -> freeAgain(m));
        });
        kind("Mutex.tryLock(long, TimeUnit)", () -> {
            Mutex m = held(new Mutex());
            return new Kind(() -> m.tryLock(1, TimeUnit.HOURS), () -> freeAgain(m));
        });
        kind("Condition.await", () -> {
            Mutex m = new Mutex();
            Condition c = m.newCondition();
            return new Kind(() -> awaitHolding(m, c::await), () -> assertFalse(m.isLocked()));
        });
        kind("Condition.awaitNanos", () -> {
            Mutex m = new Mutex();
            Condition c = m.newCondition();
            return new Kind(() -> awaitHolding(m, () -> c.awaitNanos(LONG.toNanos())), () -> assertFalse(m.isLocked()));
        });
        kind("RwLock write lockInterruptibly, read held", () -> {
            RwLock rw = new RwLock();
            rw.readLock().lock();
            return new Kind(() -> rw.writeLock().lockInterruptibly(), () -> {
                rw.readLock().unlock();
                assertTrue(rw.writeLock().tryLock(), "the woken writer holds or blocks the lock");
                rw.writeLock().unlock();
            });
        });
        kind("RwLock read lockInterruptibly, write held", () -> {
            RwLock rw = new RwLock();
            rw.writeLock().lock();
            return new Kind(() -> rw.readLock().lockInterruptibly(), () -> {
                rw.writeLock().unlock();
                assertTrue(rw.writeLock().tryLock(), "the woken reader holds or blocks the lock");
                rw.writeLock().unlock();
            });
        });
        kind("RwLock write tryLock(long, TimeUnit)", () -> {
            RwLock rw = new RwLock();
            rw.writeLock().lock();
            return new Kind(() -> rw.writeLock().tryLock(1, TimeUnit.HOURS), () -> {
                rw.writeLock().unlock();
                assertTrue(rw.readLock().tryLock());
                rw.readLock().unlock();
            });
        });
        kind("Semaphore.acquire", () -> {
            Semaphore s = new Semaphore(0);
            return new Kind(s::acquire, () -> permitKept(s));
        });
        kind("Semaphore.tryAcquire(Duration)", () -> {
            Semaphore s = new Semaphore(0);
            return new Kind(() -> s.tryAcquire(LONG), () -> permitKept(s));
        });
        kind("WaitGroup.await", () -> {
            WaitGroup wg = new WaitGroup();
            wg.add(1);
            return new Kind(wg::await, () -> {
                wg.done();
                assertTrue(wg.await(Duration.ofSeconds(10)));
            });
        });
        kind("WaitGroup.await(Duration)", () -> {
            WaitGroup wg = new WaitGroup();
            wg.add(1);
            return new Kind(() -> wg.await(LONG), () -> {
                wg.done();
                assertTrue(wg.await(Duration.ofSeconds(10)));
            });
        });
        // ---- time and coroutines
        kind("Weft.sleep", () -> new Kind(() -> Weft.sleep(LONG), () -> {}));
        kind("Ticker's channel", () -> {
            Ticker t = new Ticker(LONG);
            return new Kind(() -> t.chan().recv(), t::close);
        });
        kind("Timer's channel", () -> {
            Timer t = new Timer(LONG);
            return new Kind(() -> t.chan().recv(), () -> assertTrue(t.stop(), "the timer had not fired"));
        });
        kind("Coroutine.join", () -> {
            Chan<String> gate = Chan.make();
            Coroutine<String> other = Weft.go(() -> gate.recv());
            return new Kind(other::join, () -> joinsNormally(gate, other));
        });
        kind("Coroutine.join(Duration)", () -> {
            Chan<String> gate = Chan.make();
            Coroutine<String> other = Weft.go(() -> gate.recv());
            return new Kind(() -> other.join(LONG), () -> joinsNormally(gate, other));
        });
    }

    @DataProvider
    public Object[][] kinds() {
        List<Object[]> rows = new ArrayList<>();
        for (String k : KINDS.keySet()) {
            rows.add(new Object[] {k, false});
            rows.add(new Object[] {k, true});
        }
        return rows.toArray(new Object[0][]);
    }

    @Test(dataProvider = "kinds", timeOut = 30_000)
    public void aParkedCallWakesAndLeavesItsObjectWorking(String name, boolean cancel) throws Exception {
        Kind k = KINDS.get(name).make();
        Coroutine<Void> c = Weft.go(() -> {
            k.call().call();
            return null;
        });
        awaitParked(c.thread(), name);
        if (cancel) {
            c.cancel();
        } else {
            c.thread().interrupt();
        }
        CoroutineException e = expectThrows(CoroutineException.class, c::join);
        assertEquals(e.getCause().getClass(), cancel ? CancelledException.class : InterruptedException.class,
                name + " threw " + e.getCause());
        k.after().run();
    }

    /* Interrupted or cancelled before the call: it throws at once (the interrupt is not lost). */
    @Test(dataProvider = "kinds", timeOut = 30_000)
    public void anInterruptBeforeTheCallIsNotLost(String name, boolean cancel) throws Exception {
        Kind k = KINDS.get(name).make();
        AtomicBoolean go = new AtomicBoolean();
        Coroutine<Void> c = Weft.go(() -> {
            while (!go.get()) {
                Thread.onSpinWait(); // not a Weft wait: leaves the interrupt for the call
            }
            k.call().call();
            return null;
        });
        if (cancel) {
            c.cancel();
        } else {
            c.thread().interrupt();
        }
        go.set(true);
        CoroutineException e = expectThrows(CoroutineException.class, c::join);
        assertEquals(e.getCause().getClass(), cancel ? CancelledException.class : InterruptedException.class,
                name + " threw " + e.getCause());
        k.after().run();
    }

    /* Lock.lock(), awaitUninterruptibly: an interrupt does not end the wait and stays set. */
    @Test(timeOut = 30_000)
    public void uninterruptibleWaitsKeepTheInterrupt() throws Exception {
        Mutex m = held(new Mutex());
        RwLock rw = new RwLock();
        rw.writeLock().lock();
        Mutex cm = new Mutex();
        Condition cond = cm.newCondition();
        AtomicBoolean signalled = new AtomicBoolean();
        List<Coroutine<Boolean>> waiters = List.of(
                Weft.go(() -> {
                    m.lock();
                    m.unlock();
                    return Thread.interrupted();
                }),
                Weft.go(() -> {
                    rw.readLock().lock();
                    rw.readLock().unlock();
                    return Thread.interrupted();
                }),
                Weft.go(() -> {
                    cm.lock();
                    try {
                        while (!signalled.get()) {
                            cond.awaitUninterruptibly();
                        }
                    } finally {
                        cm.unlock();
                    }
                    return Thread.interrupted();
                }));
        for (Coroutine<Boolean> w : waiters) {
            awaitParked(w.thread(), w.toString());
            w.thread().interrupt();
        }
        Thread.sleep(50); // give a (wrong) wake-up the time to show
        for (Coroutine<Boolean> w : waiters) {
            assertFalse(w.isDone(), w + " stopped waiting on an interrupt");
        }
        m.unlock();
        rw.writeLock().unlock();
        cm.lock();
        signalled.set(true);
        cond.signalAll();
        cm.unlock();
        for (Coroutine<Boolean> w : waiters) {
            assertTrue(w.join(Duration.ofSeconds(10)), w + " lost its interrupt");
        }
    }

    /* Scope.close waits for its members even when interrupted: it cancels them instead. */
    @Test(timeOut = 30_000)
    public void anInterruptedScopeCloseCancelsItsMembers() throws Exception {
        Chan<String> never = Chan.make();
        Coroutine<Boolean> closer = Weft.go(() -> {
            Scope s = Scope.open();
            s.go(() -> {
                never.recv();
                return null;
            });
            s.close(); // the member ended by cancellation: no failure to rethrow
            return Thread.interrupted();
        });
        awaitParked(closer.thread(), "Scope.close");
        closer.thread().interrupt();
        assertTrue(closer.join(Duration.ofSeconds(10)), "close returned without the interrupt set");
        noReceiverLeft(never);
    }

    // ---- helpers

    /** Waits until t parks (after its spin); fails after 10 s. */
    private static void awaitParked(Thread t, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        Thread.State s;
        while ((s = t.getState()) != Thread.State.WAITING && s != Thread.State.TIMED_WAITING) {
            if (s == Thread.State.TERMINATED || System.nanoTime() > deadline) {
                fail(what + " did not block (" + s + ")");
            }
            Thread.sleep(1);
        }
    }

    private static void noReceiverLeft(Chan<String> ch) throws Exception {
        assertFalse(ch.trySend("x"), "a woken receiver stayed queued");
        Coroutine<Void> s = Weft.go(() -> {
            ch.send("v");
            return null;
        });
        assertEquals(ch.recv(Duration.ofSeconds(10)), "v");
        s.join(Duration.ofSeconds(10));
    }

    private static void noSenderLeft(Chan<String> ch) throws Exception {
        assertNull(ch.tryRecv(), "a woken sender's value went through");
        Coroutine<String> r = Weft.go(() -> ch.recv());
        assertTrue(ch.send("v", Duration.ofSeconds(10)));
        assertEquals(r.join(Duration.ofSeconds(10)), "v");
    }

    private static Mutex held(Mutex m) {
        m.lock();
        return m;
    }

    /* m held by the test thread: the woken waiter neither holds it nor stays queued for it */
    private static void freeAgain(Mutex m) throws Exception {
        m.unlock();
        assertTrue(m.tryLock(), "the woken waiter took the lock");
        m.unlock();
        Coroutine<Void> other = Weft.go(() -> {
            m.lock();
            m.unlock();
        });

        other.join(Duration.ofSeconds(10));
        assertFalse(m.isLocked());
    }

    /* Condition.await's contract: the lock is held again when it throws */
    private static void awaitHolding(Mutex m, Blocking await) throws Exception {
        m.lock();
        try {
            await.call();
        } finally {
            assertTrue(m.isHeldByCurrentThread(), "await threw without the lock held again");
            m.unlock();
        }
    }

    private static void permitKept(Semaphore s) {
        assertEquals(s.availablePermits(), 0);
        s.release();
        assertTrue(s.tryAcquire(), "the woken waiter took the permit released after it");
        assertEquals(s.availablePermits(), 0);
    }

    private static void joinsNormally(Chan<String> gate, Coroutine<String> other) throws Exception {
        assertFalse(other.isDone());
        gate.send("done");
        assertSame(other.join(Duration.ofSeconds(10)), "done");
    }
}
