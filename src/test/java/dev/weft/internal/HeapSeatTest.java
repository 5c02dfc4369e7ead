package dev.weft.internal;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;
import static org.testng.Assert.fail;

import dev.weft.ApiAccess;
import dev.weft.Blocked;
import dev.weft.Chan;
import dev.weft.ChanClosedException;
import dev.weft.Coroutine;
import dev.weft.CoroutineException;
import dev.weft.Select;
import dev.weft.Weft;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.testng.annotations.Test;

/**
 * The heap seat of an unbuffered {@link Chan} ({@link HeapSeat}) and its
 * switch to the native channel: every way out of the seat (taken, timed
 * out, interrupted, moved by a Select, a close or a second waiter) keeps
 * Go's semantics and loses nothing.
 */
public class HeapSeatTest {
    private static HeapSeat heap(Chan<?> ch) {
        return ApiAccess.core(ch).heap;
    }

    private static void awaitSitting(Chan<?> ch, boolean senders) throws InterruptedException {
        if (senders) {
            Blocked.senders(ch, 1);
        } else {
            Blocked.receivers(ch, 1);
        }
        assertEquals(heap(ch).sitting(senders), 1, "not waiting in the heap seat");
        assertFalse(heap(ch).isNative());
    }

    @Test(timeOut = 60_000)
    public void aSelectWithADefaultStillSeesAPartyWaitingInTheHeapSeat() throws Exception {
        for (int i = 0; i < 20; i++) {
            Chan<String> ch = Chan.make();
            Coroutine<Void> s = Weft.go(() -> {
                ch.send("v");
                return null;
            });
            awaitSitting(ch, true);
            AtomicReference<String> got = new AtomicReference<>();
            Select.create().recv(ch, got::set).orElse(() -> fail("default taken while a sender waited")).run();
            assertEquals(got.get(), "v");
            s.join(Duration.ofSeconds(10));
            assertTrue(heap(ch).isNative());

            Chan<String> out = Chan.make();
            Coroutine<String> r = Weft.go(() -> out.recv());
            awaitSitting(out, false);
            boolean[] sent = {false};
            Select.create().send(out, "w", () -> sent[0] = true).orElse(() -> fail("default taken while a receiver waited")).run();
            assertTrue(sent[0]);
            assertEquals(r.join(Duration.ofSeconds(10)), "w");
        }
    }

    @Test(timeOut = 60_000)
    public void closeWakesPartiesWaitingInTheHeapSeat() throws Exception {
        Chan<String> ch = Chan.make();
        Coroutine<Optional<String>> r = Weft.go(() -> ch.recvOk());
        awaitSitting(ch, false);
        ch.close();
        assertEquals(r.join(Duration.ofSeconds(10)), Optional.empty());
        assertTrue(ch.isClosed());
        assertThrows(ChanClosedException.class, () -> ch.send("late"));

        Chan<String> ch2 = Chan.make();
        Coroutine<Void> s = Weft.go(() -> {
            ch2.send("never received");
            return null;
        });
        awaitSitting(ch2, true);
        ch2.close();
        CoroutineException e = expectThrows(CoroutineException.class, () -> s.join(Duration.ofSeconds(10)));
        assertTrue(e.getCause() instanceof ChanClosedException, e.toString());
        assertEquals(ch2.recvOk(), Optional.empty(), "a refused send left its value behind");
        assertFalse(Slots.holds("never received"), "a refused send left its value in a slot");
    }

    /**
     * A second receiver moves the first to the native channel before it
     * queues there itself: the first in keeps its place and gets the first
     * value.
     */
    @Test(timeOut = 60_000)
    public void aSecondWaiterMovesTheFirstToTheNativeChannelAheadOfItself() throws Exception {
        for (int i = 0; i < 20; i++) {
            Chan<String> ch = Chan.make();
            Coroutine<String> first = Weft.go(() -> ch.recv());
            awaitSitting(ch, false);
            Coroutine<String> second = Weft.go(() -> ch.recv());
            Blocked.receivers(ch, 2);
            assertTrue(heap(ch).isNative());
            ch.send("a");
            ch.send("b");
            assertEquals(first.join(Duration.ofSeconds(10)), "a");
            assertEquals(second.join(Duration.ofSeconds(10)), "b");
        }
        Chan<Integer> ch = Chan.make();
        Coroutine<Void> s1 = Weft.go(() -> {
            ch.send(1);
            return null;
        });
        awaitSitting(ch, true);
        Coroutine<Void> s2 = Weft.go(() -> {
            ch.send(2);
            return null;
        });
        Blocked.senders(ch, 2);
        assertEquals(ch.recv(), Integer.valueOf(1));
        assertEquals(ch.recv(), Integer.valueOf(2));
        s1.join(Duration.ofSeconds(10));
        s2.join(Duration.ofSeconds(10));
    }

    @Test(timeOut = 60_000)
    public void aTimeoutOrAnInterruptLeavesTheHeapSeatEmpty() throws Exception {
        Chan<String> ch = Chan.make();
        assertNull(ch.recv(Duration.ofMillis(20)));
        assertFalse(ch.send("x", Duration.ofMillis(20)));
        assertEquals(heap(ch).sitting(true) + heap(ch).sitting(false), 0);
        assertFalse(heap(ch).isNative(), "a timeout switched the channel");
        assertFalse(ch.trySend("x"), "a timed-out receiver still looked like one");
        assertNull(ch.tryRecv(), "a timed-out sender left its value");

        Thread t = Thread.ofVirtual().start(() -> {
            try {
                ch.recv();
                fail("returned");
            } catch (InterruptedException expected) {
                // the seat must be left empty
            }
        });
        awaitSitting(ch, false);
        t.interrupt();
        t.join(10_000);
        assertFalse(t.isAlive());
        assertFalse(ch.trySend("y"), "an interrupted receiver still sits");
        Coroutine<String> r = Weft.go(() -> ch.recv());
        ch.send("z");
        assertEquals(r.join(Duration.ofSeconds(10)), "z");
        assertFalse(heap(ch).isNative());
    }

    @Test(timeOut = 60_000)
    public void trySendAndTryRecvTakeAPartyWaitingInTheHeapSeat() throws Exception {
        Chan<String> ch = Chan.make();
        Coroutine<String> r = Weft.go(() -> ch.recv());
        awaitSitting(ch, false);
        assertTrue(ch.trySend("to the receiver"));
        assertEquals(r.join(Duration.ofSeconds(10)), "to the receiver");
        Coroutine<Void> s = Weft.go(() -> {
            ch.send("from the sender");
            return null;
        });
        awaitSitting(ch, true);
        assertEquals(ch.tryRecv(), "from the sender");
        s.join(Duration.ofSeconds(10));
        assertFalse(heap(ch).isNative());
    }

    /**
     * A stream from one producer to one consumer, switched to native at a
     * random moment by a Select that may itself take a value: every value
     * arrives exactly once, the consumer's in the order sent.
     */
    private record Msg(int i) { }

    @Test(timeOut = 120_000)
    public void aSwitchUnderTrafficLosesNothing() throws Exception {
        int n = 20_000;
        for (int round = 0; round < 40; round++) {
            Chan<Msg> ch = Chan.make();
            Coroutine<Void> p = Weft.go(() -> {
                for (int i = 0; i < n; i++) {
                    ch.send(new Msg(i));
                }
                return null;
            });
            java.util.Queue<Msg> stolen = new java.util.concurrent.ConcurrentLinkedQueue<>();
            int delayUs = ThreadLocalRandom.current().nextInt(2_000);
            Coroutine<Void> switcher = Weft.go(() -> {
                long until = System.nanoTime() + delayUs * 1_000L;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                Select.create().recv(ch, stolen::add).orElse(() -> { }).run();
                return null;
            });
            long seen = 0;
            int last = -1;
            java.util.BitSet got = new java.util.BitSet(n);
            while (seen + stolen.size() < n) {
                Msg m = ch.recv(Duration.ofMillis(50));
                if (m == null) {
                    if (switcher.isDone() && p.isDone()) {
                        break;
                    }
                    continue;
                }
                assertTrue(m.i() > last, "out of order: " + m.i() + " after " + last);
                last = m.i();
                got.set(m.i());
                seen++;
            }
            switcher.join(Duration.ofSeconds(10));
            p.join(Duration.ofSeconds(10));
            for (Msg m : stolen) {
                assertFalse(got.get(m.i()), "value " + m.i() + " received twice");
                got.set(m.i());
            }
            assertEquals(got.cardinality(), n, "values lost (round " + round + ")");
            assertTrue(heap(ch).isNative());
        }
        assertEquals(Slots.count(o -> o instanceof Msg), 0, "values left in slots");
    }
}
