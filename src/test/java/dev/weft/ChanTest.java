package dev.weft;

import dev.weft.internal.Probe;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.testng.annotations.Test;

public class ChanTest {

    /**
     * A send that completes a waiting receive hands the object itself
     * over (the sender empties the Slots slot it filled): the receiver
     * gets that very object, and no slot keeps it.
     */
    @Test(timeOut = 30_000)
    public void aSendToAWaitingReceiverHandsTheObjectItselfAndKeepsNoSlot() throws Exception {
        Chan<Object> ch = Chan.make();
        for (int i = 0; i < 50; i++) {
            Object o = new Object();
            Coroutine<Object> r = Weft.go(() -> ch.recv());
            Blocked.receivers(ch, 1);
            ch.send(o);
            assertSame(r.join(), o);
            assertFalse(Probe.slotsHold(o), "a handed-over object still sits in a slot");
        }
    }

    @Test(timeOut = 30_000)
    public void unbufferedSendReturnsOnlyOnceTheValueWasTaken() throws Exception {
        Chan<String> ch = Chan.make();
        AtomicBoolean sent = new AtomicBoolean();
        Coroutine<Void> s = Weft.go(() -> {
            try {
                ch.send("x");
                sent.set(true);
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        Blocked.senders(ch, 1);
        assertFalse(sent.get(), "send returned before anyone received");
        assertEquals(ch.recv(), "x");
        s.join();
        assertTrue(sent.get());
    }

    @Test(timeOut = 30_000)
    public void closeDrainsBufferedValuesFirst() throws Exception {
        Chan<Integer> ch = Chan.make(3);
        ch.send(1);
        ch.send(2);
        ch.close();
        assertTrue(ch.isClosed());
        assertEquals(ch.len(), 2);
        assertEquals(ch.recv(), Integer.valueOf(1));
        assertEquals(ch.recvOk(), Optional.of(2));
        assertEquals(ch.recvOk(), Optional.empty());
        assertThrows(ChanClosedException.class, ch::recv);
        assertThrows(ChanClosedException.class, () -> ch.send(3));
        assertThrows(ChanClosedException.class, ch::close);
        assertThrows(ChanClosedException.class, ch::tryRecv);
    }

    @Test(timeOut = 30_000)
    public void closeWakesEveryBlockedReceiver() throws Exception {
        Chan<String> ch = Chan.make();
        List<Coroutine<Optional<String>>> rs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rs.add(Weft.go(ch::recvOk));
        }
        Blocked.receivers(ch, 10);
        ch.close();
        for (Coroutine<Optional<String>> r : rs) {
            assertEquals(r.join(), Optional.empty());
        }
    }

    @Test(timeOut = 30_000)
    public void tryAndTimedOperations() throws Exception {
        Chan<String> ch = Chan.make(1);
        assertNull(ch.tryRecv());
        assertTrue(ch.trySend("a"));
        assertFalse(ch.trySend("b"));
        long t0 = System.nanoTime();
        String c = new String("c");
        assertFalse(ch.send(c, Duration.ofMillis(30)));
        assertFalse(Probe.slotsHold(c), "a send that timed out still holds its object");
        assertTrue(System.nanoTime() - t0 >= 25_000_000L);
        assertEquals(ch.recv(Duration.ofMillis(30)), "a");
        assertNull(ch.recv(Duration.ofMillis(30)));
        assertEquals(ch.cap(), 1);
    }

    @Test(timeOut = 30_000)
    public void badInputIsRefusedClearly() {
        assertThrows(IllegalArgumentException.class, () -> Chan.make(-1));
        Chan<String> ch = Chan.make(1);
        NullPointerException npe = expectThrows(NullPointerException.class, () -> ch.send(null));
        assertTrue(npe.getMessage().contains("null"), npe.getMessage());
        assertThrows(NullPointerException.class, () -> ch.trySend(null));
    }

    private static <T extends Throwable> T expectThrows(Class<T> c, org.testng.Assert.ThrowingRunnable r) {
        return org.testng.Assert.expectThrows(c, r);
    }

    @Test(timeOut = 30_000)
    public void iterationAndStreamEndWhenClosedAndDrained() throws Exception {
        Chan<Integer> ch = Chan.make(4);
        Weft.go(() -> {
            try {
                for (int i = 1; i <= 100; i++) {
                    ch.send(i);
                }
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
            ch.close();
        });
        assertEquals(ch.stream().mapToInt(Integer::intValue).sum(), 5050);
        Chan<String> c2 = Chan.make(2);
        c2.send("a");
        c2.send("b");
        c2.close();
        assertEquals(c2.stream().collect(Collectors.joining()), "ab");
    }

    @Test(timeOut = 30_000)
    public void interruptWakesABlockedReceiveAndCancelThrowsCancelled() throws Exception {
        Chan<String> ch = Chan.make();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                ch.recv();
                fail("returned");
            } catch (InterruptedException e) {
                assertFalse(e instanceof CancelledException);
            }
        });
        Blocked.receivers(ch, 1);
        t.interrupt();
        t.join();
        Coroutine<Void> c = Weft.go(() -> {
            try {
                ch.send("never taken");
            } catch (InterruptedException e) {
                assertTrue(e instanceof CancelledException, e.toString());
                return;
            }
            fail("sent");
        });
        Blocked.senders(ch, 1);
        c.cancel();
        c.join();
        assertNull(ch.tryRecv(), "a cancelled send must not leave its value behind");
    }

    @Test(timeOut = 120_000)
    public void mpmcExactAccountingManyVirtualThreads() throws Exception {
        for (int cap : new int[] {0, 128}) {
            Chan<Long> ch = Chan.make(cap);
            int producers = 200, consumers = 50, per = 2_000;
            AtomicLong sum = new AtomicLong(), count = new AtomicLong();
            WaitGroup prod = new WaitGroup();
            prod.add(producers);
            List<Coroutine<Void>> cs = new ArrayList<>();
            for (int c = 0; c < consumers; c++) {
                cs.add(Weft.go(() -> {
                    for (Long v : ch) {
                        sum.addAndGet(v);
                        count.incrementAndGet();
                    }
                }));
            }
            for (int p = 0; p < producers; p++) {
                long base = (long) p * per;
                Weft.go(() -> {
                    try {
                        for (long i = 1; i <= per; i++) {
                            ch.send(base + i);
                        }
                    } catch (InterruptedException e) {
                        throw new RuntimeException(e);
                    } finally {
                        prod.done();
                    }
                });
            }
            prod.await();
            ch.close();
            for (Coroutine<Void> c : cs) {
                c.join();
            }
            long n = (long) producers * per;
            assertEquals(count.get(), n, "cap " + cap);
            assertEquals(sum.get(), n * (n + 1) / 2, "cap " + cap);
        }
    }

    @Test(timeOut = 60_000)
    public void unreachableChannelsAreReclaimed() throws Exception {
        for (int i = 0; i < 200_000; i++) {
            Chan<String> ch = Chan.make(1);
            ch.trySend("left behind");
        }
        for (int i = 0; i < 20 && Probe.slots() > 1000; i++) {
            System.gc();
            Thread.sleep(50);
        }
        assertTrue(Probe.slots() < 1000, "objects of dead channels still held: " + Probe.slots());
    }

    /**
     * A wait completed by another Java thread's send or receive gets its
     * outcome handed over (Parking.handOver) and never asks the native op
     * record, which is left settled: the thread's next operation, of any
     * kind, must start on that record all the same, and must not see the
     * handed value (a record channel reads its own bytes).
     */
    @Test(timeOut = 60_000)
    public void operationsAfterHandedOverWaitsStartNormally() throws Exception {
        Chan<Integer> ping = Chan.make();
        Chan<Integer> pong = Chan.make();
        LongChan longs = LongChan.make(0);
        RecordChan recs = RecordChan.make(8, 0);
        Mutex m = new Mutex();
        int rounds = 2000;
        Coroutine<Integer> echo = Weft.go(() -> {
            int n = 0;
            for (int i = 0; i < rounds; i++) {
                Integer v = ping.recv();
                pong.send(v);
                // after a wait that may have been handed over: other kinds
                switch (i % 4) {
                    case 0 -> longs.send(v);
                    case 1 -> recs.send(new byte[] {1, 2, 3, 4, 5, 6, 7, (byte) i});
                    case 2 -> {
                        m.lock();
                        n++;
                        m.unlock();
                    }
                    default -> {
                        int[] got = {-1};
                        Select.create().recv(ping, x -> got[0] = x).run();
                        pong.send(got[0]);
                    }
                }
            }
            return n;
        });
        int locked = 0;
        for (int i = 0; i < rounds; i++) {
            ping.send(i);
            assertEquals(pong.recv(), Integer.valueOf(i));
            switch (i % 4) {
                case 0 -> assertEquals(longs.recv(), (long) i);
                case 1 -> {
                    byte[] r = recs.recvOrNull();
                    assertEquals(r, new byte[] {1, 2, 3, 4, 5, 6, 7, (byte) i});
                }
                case 2 -> {
                    m.lock();
                    locked++;
                    m.unlock();
                }
                default -> {
                    ping.send(-i);
                    assertEquals(pong.recv(), Integer.valueOf(-i));
                }
            }
        }
        assertEquals(echo.join(Duration.ofSeconds(30)), Integer.valueOf(rounds / 4));
        assertEquals(locked, rounds / 4);
    }

    /**
     * Sitters that time out race partners that take them from Java (or
     * natively): every value is received exactly once, in order, whoever
     * wins each race; a lost timeout still gets its value.
     */
    @Test(timeOut = 120_000)
    public void timedSittersRacingTakersLoseNothing() throws Exception {
        int n = 20_000;
        Chan<Integer> objs = Chan.make();
        LongChan longs = LongChan.make(0);
        Coroutine<Void> producer = Weft.go(() -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            for (int i = 0; i < n; i++) {
                while (!objs.send(i, Duration.ofNanos(rnd.nextInt(20_000)))) {
                    // timed out (left the seat or lost the race and got taken): again
                }
                while (!longs.send(i, Duration.ofNanos(rnd.nextInt(20_000)))) {
                    // again
                }
            }
            return null;
        });
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int timeouts = 0;
        for (int i = 0; i < n; i++) {
            Integer v;
            while ((v = objs.recv(Duration.ofNanos(rnd.nextInt(20_000)))) == null) {
                timeouts++; // timed out: again
            }
            assertEquals(v, Integer.valueOf(i));
            OptionalLong l;
            while ((l = longs.recv(Duration.ofNanos(rnd.nextInt(20_000)))).isEmpty()) {
                timeouts++; // timed out: again
            }
            assertEquals(l.getAsLong(), (long) i);
        }
        producer.join(Duration.ofSeconds(60));
        assertEquals(Probe.slots(), 0, "objects left in slots");
        assertTrue(timeouts > 0, "no receive timed out: the race this test is about never happened");
    }
}
