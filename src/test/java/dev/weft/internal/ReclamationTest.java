package dev.weft.internal;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

import dev.weft.Chan;
import dev.weft.Coroutine;
import dev.weft.LongChan;
import dev.weft.Mutex;
import dev.weft.RecordChan;
import dev.weft.RwLock;
import dev.weft.Semaphore;
import dev.weft.WaitGroup;
import dev.weft.Weft;

import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.function.LongSupplier;
import org.testng.annotations.Test;

/**
 * Unreachable channels and locks give their native objects back, measured
 * natively: {@code weft_stats}' live counts ({@link Native#liveChannels()},
 * {@link Native#liveSyncObjects()}), not Java-side bookkeeping. Nothing
 * here is closed or freed by hand.
 *
 * <p>Two properties: after the loop and a few System.gc rounds the count is
 * back at its baseline (nothing leaks), and while the loop runs it stays
 * far below the number made (freeing keeps pace with making, see
 * {@link Reclaimer}). For the second the loop collects every
 * {@link #GC_EVERY} objects, because Weft can only free what the GC has
 * found unreachable, and when the GC runs on its own depends on the heap:
 * in a JVM with a default heap on this 23 GB machine a million channels
 * were all garbage before a first collection; with a young generation of a
 * few MB, survivor overflow promoted the phantom references together with
 * their referents, which then wait for a full collection. Collecting on a
 * fixed schedule makes the peak measure Weft's part, which should be about
 * one interval's worth. Measured (2 cores, this JVM): channels peak
 * 90-101k of 1M, locks 121-171k of 1.2M native objects; with the JDK
 * Cleaner the Reclaimer replaced, 99-177k and 197-494k.
 */
public class ReclamationTest {
    private static final int CHANNELS = 1_000_000;
    private static final int SYNCS = 1_000_000;
    /** Channels or locks made between two System.gc calls. */
    private static final int GC_EVERY = 100_000;
    /** Objects that may still be alive at the end: the last ones a frame may hold. */
    private static final long FINAL_SLACK = 16;
    /** How long the loop waits for the Cleaner at each System.gc (catchUp). */
    private static final long CATCH_UP_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How long the final System.gc rounds may take. */
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Runs System.gc until probe() is at most target or the time is up; the last value. */
    private static long settle(LongSupplier probe, long target) throws InterruptedException {
        long end = System.nanoTime() + SETTLE_NANOS;
        long v = probe.getAsLong();
        while (v > target && System.nanoTime() < end) {
            System.gc();
            Thread.sleep(10); // a poll interval, not an ordering: the loop re-checks
            v = probe.getAsLong();
        }
        return v;
    }

    /** The count once earlier garbage is collected as far as it goes (the same over two gc rounds). */
    /**
     * A collection, then a bounded wait for the Cleaner to free what it
     * found: the objects of every batch but the last one made.  The Cleaner
     * is one platform thread; on a machine whose other core is taken it
     * can fall a batch or two behind a loop that only allocates, and the
     * pile-up bound below would then measure the CPU, not whether Weft
     * frees its objects while the program runs.  Objects that are never
     * freed still fail the bound: the wait gives up after
     * {@link #CATCH_UP_NANOS}.
     */
    private static void catchUp(LongSupplier probe, long base, long made) throws InterruptedException {
        System.gc();
        long end = System.nanoTime() + CATCH_UP_NANOS;
        long keep = base + Math.min(made, GC_EVERY) * 6 / 5 + FINAL_SLACK;
        while (probe.getAsLong() > keep && System.nanoTime() < end) {
            Thread.sleep(5);
        }
    }

    private static long baseline(LongSupplier probe) throws InterruptedException {
        long v = probe.getAsLong();
        for (int round = 0, same = 0; round < 50 && same < 2; round++) {
            System.gc();
            Thread.sleep(10);
            long now = probe.getAsLong();
            same = now == v ? same + 1 : 0;
            v = now;
        }
        return v;
    }

    @Test(timeOut = 90_000)
    public void aMillionShortLivedChannelsLeaveNoNativeChannelsBehind() throws Exception {
        LongSupplier live = Native::liveChannels;
        long base = baseline(live);
        long slotsBase = Slots.size();
        long t0 = System.nanoTime();
        long peak = 0;
        long sum = 0;
        byte[] rec = new byte[16];
        for (int i = 0; i < CHANNELS; i++) {
            switch (i & 7) {
                case 0 -> {
                    Chan<String> ch = Chan.make(); // unbuffered, mostly unused
                    if ((i & 1023) == 0) { // now and then a rendezvous with a coroutine
                        Callable<String> recv = ch::recv;
                        Coroutine<String> r = Weft.go(recv);
                        ch.send("r" + i);
                        assertEquals(r.join(), "r" + i);
                    }
                }
                case 1 -> {
                    Chan<Integer> ch = Chan.make(1);
                    assertTrue(ch.trySend(i));
                    sum += ch.tryRecv();
                }
                case 2 -> LongChan.make(0);
                case 3 -> {
                    LongChan ch = LongChan.make(4);
                    assertTrue(ch.trySend(i) && ch.trySend(-i));
                    OptionalLong a = ch.tryRecv();
                    sum += a.orElseThrow() + ch.tryRecv().orElseThrow();
                }
                case 4 -> Chan.make(16);
                case 5 -> {
                    RecordChan ch = RecordChan.make(rec.length, 2);
                    rec[0] = (byte) i;
                    ch.send(rec);
                    byte[] got = ch.recvOrNull();
                    assertNotNull(got);
                    assertEquals(got[0], (byte) i);
                }
                case 6 -> {
                    Chan<String> ch = Chan.make(2);
                    if ((i & 63) == 6) {
                        assertTrue(ch.trySend("left behind")); // freeing drains it first
                    }
                }
                default -> {
                    LongChan ch = LongChan.make(1);
                    assertTrue(ch.trySend(i));
                    sum += ch.recv();
                }
            }
            if ((i & 1023) == 0) {
                peak = Math.max(peak, live.getAsLong() - base);
            }
            if (i % GC_EVERY == GC_EVERY - 1) {
                catchUp(live, base, i + 1);
            }
        }
        long loopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        long afterLoop = live.getAsLong() - base;
        peak = Math.max(peak, afterLoop);
        long t1 = System.nanoTime();
        long last = settle(live, base + FINAL_SLACK) - base;
        long settleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1);
        long slots = settle(Slots::size, slotsBase + FINAL_SLACK) - slotsBase;
        String report = String.format("%d channels in %d ms; live native channels above the baseline %d: "
                + "peak %d, after the loop %d, %d after %d ms of gc rounds; message slots held %d",
                CHANNELS, loopMs, base, peak, afterLoop, last, settleMs, slots);
        System.out.println("ReclamationTest: " + report);
        // i = 8k+1 and 8k+7 come back (8k+3 sends i and -i): the sum of 16k+8 over k < m is 8m^2
        long m = CHANNELS / 8;
        assertEquals(sum, 8 * m * m, "values received");
        assertTrue(last <= FINAL_SLACK, "native channels still alive after gc: " + report);
        assertTrue(slots <= FINAL_SLACK, "objects of dead channels still held: " + report);
        assertTrue(peak < CHANNELS / 4, "native channels piled up while the loop ran: " + report);
    }

    @Test(timeOut = 90_000)
    public void shortLivedLocksLeaveNoNativeSyncObjectsBehind() throws Exception {
        LongSupplier live = Native::liveSyncObjects;
        long base = baseline(live);
        long peak = 0;
        for (int i = 0; i < SYNCS; i++) {
            switch (i % 5) {
                case 0 -> {
                    Mutex m = new Mutex();
                    m.lock();
                    m.unlock();
                }
                case 1 -> {
                    RwLock rw = new RwLock();
                    rw.readLock().lock();
                    rw.readLock().unlock();
                }
                case 2 -> {
                    Semaphore s = new Semaphore(1);
                    assertTrue(s.tryAcquire());
                    s.release();
                }
                case 3 -> {
                    WaitGroup wg = new WaitGroup();
                    wg.add(1);
                    wg.done();
                    wg.await();
                }
                default -> {
                    Mutex m = new Mutex(); // with its condition: two native objects
                    Condition c = m.newCondition();
                    m.lock();
                    c.signalAll(); // nobody waits: a no-op, but a native call on it
                    m.unlock();
                }
            }
            if ((i & 1023) == 0) {
                peak = Math.max(peak, live.getAsLong() - base);
            }
            if (i % GC_EVERY == GC_EVERY - 1) {
                catchUp(live, base, i + 1);
            }
        }
        long afterLoop = live.getAsLong() - base;
        peak = Math.max(peak, afterLoop);
        long last = settle(live, base + FINAL_SLACK) - base;
        String report = String.format("%d locks (%d native objects); live native sync objects above the "
                + "baseline %d: peak %d, after the loop %d, %d after gc rounds",
                SYNCS, SYNCS / 5 * 6, base, peak, afterLoop, last);
        System.out.println("ReclamationTest: " + report);
        assertTrue(last <= FINAL_SLACK, "native sync objects still alive after gc: " + report);
        assertTrue(peak < SYNCS * 6 / 5 / 4, "native sync objects piled up while the loop ran: " + report);
    }
}
