package dev.weft;

import static org.testng.Assert.assertEquals;
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
}
