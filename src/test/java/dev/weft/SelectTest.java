package dev.weft;

import dev.weft.internal.Probe;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.testng.annotations.Test;

public class SelectTest {

    @Test(timeOut = 30_000)
    public void readyCasesAreChosenFairly() throws Exception {
        Chan<Integer> a = Chan.make(1), b = Chan.make(1);
        int[] hits = new int[2];
        int rounds = 4000;
        for (int i = 0; i < rounds; i++) {
            a.trySend(1);
            b.trySend(2);
            Select.create().recv(a, v -> hits[0]++).recv(b, v -> hits[1]++).run();
            a.tryRecv();
            b.tryRecv();
        }
        // binomial(4000, 0.5): sd ~32; 6 sd either way
        assertTrue(Math.abs(hits[0] - rounds / 2) < 200, "unfair: " + hits[0] + " vs " + hits[1]);
    }

    @Test(timeOut = 30_000)
    public void parksUntilACaseFiresAndSendCasesWork() throws Exception {
        Chan<String> in = Chan.make();
        Chan<String> out = Chan.make();
        Weft.go(() -> {
            try {
                Blocked.receivers(in, 1); // the select below parked first
                in.send("hello");
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        AtomicReference<String> got = new AtomicReference<>();
        Select.create().recv(in, got::set).recv(out, v -> got.set("wrong")).run();
        assertEquals(got.get(), "hello");
        Coroutine<String> r = Weft.go(() -> out.recv());
        AtomicInteger sent = new AtomicInteger();
        Select.create().send(out, "x", sent::incrementAndGet).run();
        assertEquals(sent.get(), 1);
        assertEquals(r.join(), "x");
        assertEquals(Probe.slots() < 1000, true);
    }

    /**
     * A send case after receive cases, in a select run many times with a
     * different value each time: the value must be the one its case
     * names (weft_jni_select's argument block puts the values after the
     * n channel handles; a wrong offset sends another case's slot).
     */
    @Test(timeOut = 30_000)
    public void aSendCaseBehindReceiveCasesSendsItsOwnValue() throws Exception {
        Chan<String> a = Chan.make(), b = Chan.make(), out = Chan.make();
        int rounds = 200;
        Coroutine<List<String>> reader = Weft.go(() -> {
            List<String> got = new java.util.ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                got.add(out.recv());
            }
            return got;
        });
        AtomicInteger sends = new AtomicInteger();
        for (int i = 0; i < rounds; i++) {
            Select.create()
                    .recv(a, v -> { throw new AssertionError("a fired: " + v); })
                    .recv(b, v -> { throw new AssertionError("b fired: " + v); })
                    .send(out, "v" + i, sends::incrementAndGet)
                    .run();
        }
        List<String> got = reader.join();
        assertEquals(sends.get(), rounds);
        for (int i = 0; i < rounds; i++) {
            assertEquals(got.get(i), "v" + i);
        }
    }

    @Test(timeOut = 30_000)
    public void timeoutDefaultAndClosedCases() throws Exception {
        Chan<String> ch = Chan.make();
        AtomicReference<String> what = new AtomicReference<>();
        long t0 = System.nanoTime();
        Select.create().recv(ch, v -> what.set("value")).timeout(Duration.ofMillis(40), () -> what.set("timeout")).run();
        assertEquals(what.get(), "timeout");
        assertTrue(System.nanoTime() - t0 >= 35_000_000L);
        Select.create().recv(ch, v -> what.set("value")).orElse(() -> what.set("default")).run();
        assertEquals(what.get(), "default");
        ch.close();
        Select.create().recv(ch, v -> what.set("value " + v), () -> what.set("closed")).run();
        assertEquals(what.get(), "closed");
        assertThrows(ChanClosedException.class, () -> Select.create().send(ch, "x", () -> {}).run());
        assertThrows(IllegalStateException.class, () -> Select.create().run());
        assertThrows(NullPointerException.class, () -> Select.create().send(ch, null, () -> {}));
    }

    /**
     * A null channel is Go's nil channel: its case never fires, whatever
     * the others do; cases on nil channels only take the default or the
     * timeout (waiting until interrupted without either: InterruptTest).
     */
    @Test(timeOut = 30_000)
    public void nilChannelCasesNeverFire() throws Exception {
        Chan<String> nil = null;
        LongChan nilLong = null;
        Chan<String> ch = Chan.make(1);
        AtomicReference<String> what = new AtomicReference<>();
        Select sel = Select.create()
                .recv(nil, v -> what.set("nil recv"))
                .send(nil, "x", () -> what.set("nil send"))
                .recv(nilLong, v -> what.set("nil long recv"), () -> what.set("nil long closed"))
                .send(nilLong, 1, () -> what.set("nil long send"))
                .recv(ch, v -> what.set("value " + v));
        for (int i = 0; i < 200; i++) {
            ch.send("v" + i);
            sel.run();
            assertEquals(what.get(), "value v" + i);
        }
        Chan<String> waiting = Chan.make();
        Coroutine<Void> sender = Weft.go(() -> {
            Blocked.receivers(waiting, 1); // the select below parked, nil cases and all
            waiting.send("late");
            return null;
        });
        Select.create().recv(nil, v -> what.set("nil recv")).recv(waiting, v -> what.set("got " + v)).run();
        assertEquals(what.get(), "got late");
        sender.join(Duration.ofSeconds(10));

        Select.create().recv(nil, v -> what.set("nil recv")).orElse(() -> what.set("default")).run();
        assertEquals(what.get(), "default");
        long t0 = System.nanoTime();
        Select.create().send(nil, "x", () -> what.set("nil send"))
                .timeout(Duration.ofMillis(40), () -> what.set("timeout")).run();
        assertEquals(what.get(), "timeout");
        assertTrue(System.nanoTime() - t0 >= 35_000_000L);
        ch.close();
        Select.create().recv(nil, v -> what.set("nil recv")).recv(ch, v -> what.set("closed " + v)).run();
        assertEquals(what.get(), "closed null");
    }

    @Test(timeOut = 30_000)
    public void aReadyFourthCaseFiresAtOnce() throws Exception {
        List<Chan<Integer>> chans = new java.util.ArrayList<>();
        AtomicInteger got = new AtomicInteger(-1);
        Select sel = Select.create();
        for (int i = 0; i < 5; i++) {
            Chan<Integer> c = Chan.make(1);
            chans.add(c);
            sel.recv(c, got::set);
        }
        chans.get(3).send(33);
        sel.run();
        assertEquals(got.get(), 33);
    }

    @Test(timeOut = 30_000)
    public void theSameChannelTwiceAndInterrupt() throws Exception {
        Chan<Integer> ch = Chan.make(1);
        ch.send(7);
        AtomicInteger got = new AtomicInteger();
        Select.create().recv(ch, got::set).recv(ch, got::set).run();
        assertEquals(got.get(), 7);
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                Select.create().recv(ch, v -> {}).run();
            } catch (InterruptedException e) {
                got.set(-1);
            }
        });
        Blocked.receivers(ch, 1);
        t.interrupt();
        t.join();
        assertEquals(got.get(), -1);
        assertTrue(ch.trySend(1), "the interrupted select left a waiter behind");
    }

    private record Msg(int from, int seq) { }

    /**
     * Every way a select takes part in a hand-over (Parking.handOver):
     * a receive case that takes a sitting sender's token back or wins a
     * queued one, a parked select that a sender completes and hands its
     * value (an object, a long), a send case that takes a sitting
     * receiver's token back and hands it the value, a parked select whose
     * send case a receiver completes. Each value arrives exactly once and
     * in its sender's order, and none is left in a slot.
     */
    @Test(timeOut = 120_000)
    public void handOversCarryEveryValueExactlyOnce() throws Exception {
        int per = 20_000;
        // receive cases: two senders on a (one sits, one queues), one each on b and l
        Chan<Msg> a = Chan.make(), b = Chan.make();
        LongChan l = LongChan.make(0);
        List<Coroutine<Void>> senders = new java.util.ArrayList<>();
        for (int p = 0; p < 3; p++) {
            Chan<Msg> ch = p < 2 ? a : b;
            int from = p;
            senders.add(Weft.go(() -> {
                for (int i = 0; i < per; i++) {
                    ch.send(new Msg(from, i));
                    if (i % 1000 == from) {
                        Thread.yield(); // let the select park now and then
                    }
                }
                return null;
            }));
        }
        senders.add(Weft.go(() -> {
            for (int i = 0; i < per; i++) {
                l.send(i);
            }
            return null;
        }));
        int[] next = new int[4];
        AtomicReference<String> wrong = new AtomicReference<>();
        java.util.function.BiConsumer<Integer, Integer> got = (from, seq) -> {
            if (seq != next[from]++ && wrong.get() == null) {
                wrong.set("sender " + from + ": " + seq + " where " + (next[from] - 1) + " was due");
            }
        };
        Select sel = Select.create()
                .recv(a, m -> got.accept(m.from(), m.seq()))
                .recv(b, m -> got.accept(m.from(), m.seq()))
                .recv(l, v -> got.accept(3, (int) v), () -> wrong.set("l closed"));
        for (int i = 0; i < 4 * per; i++) {
            sel.run();
        }
        for (Coroutine<Void> c : senders) {
            c.join(Duration.ofSeconds(30));
        }
        assertEquals(wrong.get(), null);
        assertEquals(next, new int[] {per, per, per, per});

        // send cases: one selecting sender, a receiver on each channel
        Chan<Msg> out = Chan.make();
        LongChan lout = LongChan.make(0);
        Coroutine<List<Integer>> objects = Weft.go(() -> {
            List<Integer> seen = new java.util.ArrayList<>();
            for (Msg m : out) {
                seen.add(m.seq());
            }
            return seen;
        });
        Coroutine<List<Integer>> longs = Weft.go(() -> {
            List<Integer> seen = new java.util.ArrayList<>();
            try {
                for (;;) {
                    seen.add((int) lout.recv());
                    if (seen.size() % 1000 == 0) {
                        Thread.yield();
                    }
                }
            } catch (ChanClosedException closed) {
                return seen;
            }
        });
        AtomicInteger fired = new AtomicInteger();
        for (int i = 0; i < 2 * per; i++) {
            Select.create().send(out, new Msg(9, i), fired::incrementAndGet).send(lout, i, fired::incrementAndGet).run();
        }
        out.close();
        lout.close();
        List<Integer> o = objects.join(Duration.ofSeconds(30)), g = longs.join(Duration.ofSeconds(30));
        assertEquals(fired.get(), 2 * per);
        java.util.BitSet all = new java.util.BitSet(2 * per);
        for (List<Integer> seen : List.of(o, g)) {
            for (int k = 0; k < seen.size(); k++) {
                int v = seen.get(k);
                assertTrue(!all.get(v), "value " + v + " arrived twice");
                all.set(v);
                if (k > 0 && seen.get(k - 1) > v) {
                    throw new AssertionError("out of order: " + seen.get(k - 1) + " before " + v);
                }
            }
        }
        assertEquals(all.cardinality(), 2 * per);
        assertTrue(!o.isEmpty() && !g.isEmpty(), "a send case never fired: " + o.size() + " / " + g.size());
        assertEquals(Probe.slotsCount(x -> x instanceof Msg), 0, "values left in slots");
    }
}
