package dev.weft;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import dev.weft.jni.WeftJni;
import org.testng.annotations.Test;

public class CoroutineTest {

    @Test(timeOut = 30_000)
    public void resultsFailuresAndNames() throws Exception {
        assertEquals(Weft.go(() -> 6 * 7).join(), Integer.valueOf(42));
        Coroutine<Object> bad = Coroutine.builder().name("bad").start(() -> {
            throw new IllegalStateException("boom");
        });
        CoroutineException e = org.testng.Assert.expectThrows(CoroutineException.class, bad::join);
        assertTrue(e.getCause() instanceof IllegalStateException);
        assertEquals(bad.name(), "bad");
        assertTrue(bad.isDone() && bad.id() > 0);
        Coroutine<Void> slow = Weft.go(() -> {
            try {
                Weft.sleep(Duration.ofSeconds(10));
            } catch (InterruptedException ex) {
                // cancelled
            }
        });
        assertThrows(TimeoutException.class, () -> slow.join(Duration.ofMillis(20)));
        slow.cancel();
        slow.join();
        assertTrue(slow.isCancelled());
    }

    @Test(timeOut = 30_000)
    public void anUnnamedCoroutinesIdIsItsThreads() throws Exception {
        Coroutine<Long> c = Weft.go(() -> Thread.currentThread().threadId());
        assertEquals((long) c.join(), c.id(), "a coroutine's id is its thread's");
        assertEquals(c.name(), "coroutine-" + c.id());
        assertEquals(c.thread().getName(), "", "an unnamed coroutine's thread stays unnamed");
        Coroutine<String> named = Coroutine.builder().name("worker").start(() -> Thread.currentThread().getName());
        assertEquals(named.join(), "worker");
        Coroutine<Void> r = Coroutine.builder().name("runnable").start(() -> { });
        assertEquals(r.join(), null);
        assertEquals(r.thread().getName(), "runnable");
    }

    @Test(timeOut = 30_000)
    public void anEmptyNameIsNoNameAndARenamedThreadRenamesItsCoroutine() throws Exception {
        Coroutine<Void> empty = Coroutine.builder().name("").start(() -> { });
        empty.join();
        assertEquals(empty.name(), "coroutine-" + empty.id());
        java.util.concurrent.CountDownLatch renamed = new java.util.concurrent.CountDownLatch(1);
        Chan<String> hold = Chan.make();
        Coroutine<Void> c = Weft.go(() -> {
            Thread.currentThread().setName("renamed");
            renamed.countDown();
            hold.recv();
            return null;
        });
        renamed.await();
        assertEquals(c.name(), "renamed");
        hold.send("go");
        c.join();
    }

    @Test(timeOut = 30_000)
    public void aHandleIsNoTaskToRun() throws Exception {
        assertFalse(Runnable.class.isAssignableFrom(Coroutine.class), "the public type is no Runnable");
        Chan<String> hold = Chan.make();
        AtomicInteger runs = new AtomicInteger();
        Coroutine<Integer> c = Weft.go(() -> {
            runs.incrementAndGet();
            hold.recv();
            return 7;
        });
        // the handle happens to be its thread's task: cast, it still refuses
        // to run anywhere but in its own thread, and the coroutine is unharmed
        if ((Object) c instanceof Runnable r) {
            UnsupportedOperationException e = org.testng.Assert.expectThrows(UnsupportedOperationException.class, r::run);
            assertTrue(e.getMessage().contains("its own thread"), e.getMessage());
        }
        hold.send("go");
        assertEquals(c.join(), Integer.valueOf(7));
        assertEquals(runs.get(), 1, "the body ran once");
        // and run again from inside, after the body: refused
        Coroutine<?>[] self = new Coroutine<?>[1];
        Chan<String> ready = Chan.make();
        Coroutine<Void> again = Weft.go(() -> {
            ready.recv();
            ((Runnable) (Object) self[0]).run();
            return null;
        });
        self[0] = again;
        ready.send("go");
        CoroutineException e = org.testng.Assert.expectThrows(CoroutineException.class, again::join);
        assertTrue(e.getCause() instanceof IllegalStateException && e.getCause().getMessage().contains("already ran"),
                String.valueOf(e.getCause()));
    }

    @Test(timeOut = 30_000)
    public void aFailureNobodyJoinsIsLoggedOnceTheHandleIsGarbage() throws Exception {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.weft"); // held: JUL keeps loggers weakly
        java.util.concurrent.CountDownLatch logged = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        // A filter, not a handler: it sees the record before any handler does and keeps
        // this expected report (and its stack trace) out of the build's output; a handler
        // that only turned the parent handlers off would race with the logger's own loop.
        java.util.logging.Filter previous = jul.getFilter();
        jul.setFilter(rec -> {
            if (rec.getMessage().contains("\"unjoined-failure\"") && rec.getMessage().contains("never joined")) {
                thrown.set(rec.getThrown());
                logged.countDown();
                return false;
            }
            return previous == null || previous.isLoggable(rec);
        });
        try {
            Coroutine<Object> c = Coroutine.builder().name("unjoined-failure").start(() -> {
                throw new IllegalStateException("nobody looks");
            });
            c.thread().join(); // waits without observing the failure
            c = null;
            while (!logged.await(50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                System.gc(); // until the handle is collected and the Cleaner has run
            }
            assertTrue(thrown.get() instanceof IllegalStateException);
        } finally {
            jul.setFilter(previous);
        }
    }

    @Test(timeOut = 30_000)
    public void cancelWakesABlockedOpAndForgetsTheCoroutineOnceEnded() throws Exception {
        Chan<Integer> never = Chan.make();
        Coroutine<Boolean> blocked = Weft.go(() -> {
            try {
                never.recv();
                return false;
            } catch (CancelledException e) {
                return true;
            }
        });
        Coroutine<Void> finished = Weft.go(() -> { });
        finished.join();
        finished.cancel(); // after its end: nothing to wake, nothing kept
        assertTrue(finished.isCancelled());
        assertTrue(!finished.trackedAsCancelled());
        blocked.cancel();
        assertEquals(blocked.join(), Boolean.TRUE);
        Coroutine<Void> interruptedOnly = Weft.go(() -> {
            Thread.currentThread().interrupt(); // a plain interrupt is not a cancel
            try {
                never.recv();
                throw new AssertionError("recv returned");
            } catch (CancelledException e) {
                throw new AssertionError("a plain interrupt became a cancel", e);
            } catch (InterruptedException e) {
                // expected
            }
        });
        interruptedOnly.join();
        assertTrue(!finished.trackedAsCancelled() && !blocked.trackedAsCancelled());
    }

    @Test(timeOut = 30_000)
    public void aCoroutineCannotJoinItself() throws Exception {
        Coroutine<?>[] self = new Coroutine<?>[1];
        Chan<Boolean> go = Chan.make(1);
        self[0] = Weft.go(() -> {
            go.recv();
            try {
                self[0].join();
                return false;
            } catch (IllegalStateException e) {
                return true;
            }
        });
        go.send(true);
        assertEquals(self[0].join(), Boolean.TRUE);
    }

    @Test(timeOut = 30_000)
    public void scopeJoinsAndTheFirstFailureCancelsTheRest() throws Exception {
        AtomicInteger done = new AtomicInteger();
        try (Scope s = Scope.open()) {
            for (int i = 0; i < 10; i++) {
                s.go(done::incrementAndGet);
            }
        }
        assertEquals(done.get(), 10);
        AtomicInteger cancelled = new AtomicInteger();
        CoroutineException e = org.testng.Assert.expectThrows(CoroutineException.class, () -> {
            try (Scope s = Scope.open()) {
                for (int i = 0; i < 5; i++) {
                    s.go(() -> {
                        try {
                            Weft.sleep(Duration.ofSeconds(20));
                        } catch (CancelledException c) {
                            cancelled.incrementAndGet();
                        }
                        return null;
                    });
                }
                s.go(() -> {
                    throw new IllegalArgumentException("first failure");
                });
            }
        });
        assertEquals(e.getCause().getMessage(), "first failure");
        assertEquals(cancelled.get(), 5);
    }

    @Test(timeOut = 30_000)
    public void timersAndTickers() throws Exception {
        Timer t = new Timer(Duration.ofMillis(20));
        Instant fired = t.chan().recv(Duration.ofSeconds(5));
        assertTrue(fired != null);
        Timer stopped = new Timer(Duration.ofMillis(50));
        assertTrue(stopped.stop());
        assertEquals(stopped.chan().recv(Duration.ofMillis(100)), null);
        try (Ticker tk = new Ticker(Duration.ofMillis(5))) {
            for (int i = 0; i < 3; i++) {
                assertTrue(tk.chan().recv(Duration.ofSeconds(5)) != null);
            }
        }
    }

    @Test(timeOut = 30_000)
    public void aNativeCoroutineFeedsJavaCoroutines() throws Exception {
        LongChan ch = LongChan.make(16);
        long n = 10_000;
        long arg = WeftJni.weft_jni_test_producer_arg(ch.retainNative(), n);
        Weft.goNative(WeftJni.weft_jni_test_producer_fn(), arg);
        java.util.concurrent.atomic.AtomicLong sum = new java.util.concurrent.atomic.AtomicLong();
        try (Scope s = Scope.open()) {
            for (int i = 0; i < 4; i++) {
                s.go(() -> {
                    OptionalLong v;
                    while ((v = ch.recvOk()).isPresent()) {
                        sum.addAndGet(v.getAsLong());
                    }
                    return null;
                });
            }
        }
        assertEquals(sum.get(), n * (n + 1) / 2);
        assertTrue(ch.isClosed());
        assertThrows(IllegalArgumentException.class, () -> Weft.goNative(0, 0));
        assertThrows(UnsatisfiedLinkError.class, () -> Weft.nativeSymbol("/no/such/lib.so", "f"));
    }

    @Test(timeOut = 30_000)
    public void recordChannelsCarryBytes() throws Exception {
        RecordChan rc = RecordChan.make(12, 2);
        rc.send(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        assertThrows(IllegalArgumentException.class, () -> rc.send(new byte[3]));
        assertEquals(rc.recvOrNull()[11], 12);
        rc.close();
        assertEquals(rc.recvOrNull(), null);
        RecordChan r8 = RecordChan.make(8, 1);
        r8.send(new byte[] {8, 7, 6, 5, 4, 3, 2, 1});
        assertEquals(r8.recvOrNull()[0], 8);
    }

    @Test(timeOut = 30_000)
    public void recordChannelsHaveTheWholeChannelSurface() throws Exception {
        RecordChan rc = RecordChan.make(4, 2);
        assertEquals(rc.cap(), 2);
        assertEquals(rc.len(), 0);
        assertTrue(rc.tryRecv().isEmpty());
        assertTrue(rc.recv(Duration.ofMillis(20)).isEmpty(), "a timed receive of an empty channel");
        byte[] a = {1, 2, 3, 4};
        assertTrue(rc.trySend(a));
        a[0] = 9; // the channel holds a copy
        assertTrue(rc.send(new byte[] {5, 6, 7, 8}, Duration.ofSeconds(5)));
        assertEquals(rc.len(), 2);
        assertFalse(rc.trySend(new byte[4]), "full");
        assertFalse(rc.send(new byte[4], Duration.ofMillis(20)), "full, timed");
        assertEquals(rc.tryRecv().orElseThrow(), new byte[] {1, 2, 3, 4});
        assertEquals(rc.recv(Duration.ofSeconds(5)).orElseThrow(), new byte[] {5, 6, 7, 8});
        assertThrows(IllegalArgumentException.class, () -> rc.trySend(new byte[5]));
        assertThrows(NullPointerException.class, () -> rc.send(null, Duration.ofSeconds(1)));
        assertFalse(rc.isClosed());
        rc.send(new byte[] {4, 3, 2, 1});
        rc.close();
        assertTrue(rc.isClosed());
        assertThrows(ChanClosedException.class, () -> rc.trySend(new byte[4]));
        assertThrows(ChanClosedException.class, () -> rc.close());
        assertEquals(rc.recv(), new byte[] {4, 3, 2, 1}, "drained after the close");
        assertThrows(ChanClosedException.class, rc::recv);
        assertThrows(ChanClosedException.class, rc::tryRecv);
        assertThrows(ChanClosedException.class, () -> rc.recv(Duration.ofSeconds(1)));
        assertEquals(rc.recvOrNull(), null);

        RecordChan unbuffered = RecordChan.make(4, 0);
        assertFalse(unbuffered.trySend(new byte[4]), "nobody receives");
        Coroutine<byte[]> r = Weft.go(() -> unbuffered.recv());
        assertTrue(unbuffered.send(new byte[] {1, 1, 2, 3}, Duration.ofSeconds(10)));
        assertEquals(r.join(Duration.ofSeconds(10)), new byte[] {1, 1, 2, 3});
        assertThrows(IllegalArgumentException.class, () -> RecordChan.make(0, 1));
        assertThrows(IllegalArgumentException.class, () -> RecordChan.make(4, -1));
    }
}
