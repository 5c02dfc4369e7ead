package dev.weft;

import dev.weft.internal.Probe;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

import dev.weft.jni.WeftJni;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.BitSet;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * Java coroutines and C coroutines on the two ends of the same channels, in
 * every direction: C to Java (longs in {@link CoroutineTest}, records
 * here), Java to C, and both at once through a C coroutine that echoes.
 * The C ends are the JNI library's test coroutines (weft_jni.h, "test
 * support"); a C consumer reports what it saw on a second channel, so the
 * test checks the C side's accounting exactly, not just that it ended.
 *
 * <p>Every channel reference handed to C must be released there: each test
 * ends with the native live-channel count back at its baseline once the
 * Java channels are collected, which a C coroutine that forgot a
 * {@code weft_chan_release} would keep above it.
 *
 * <p>A lost value or a lost wake-up shows as a wait that never ends: long
 * channel operations wait at most {@link #PATIENCE} and fail then;
 * {@link RecordChan} has no timed operations, so the test's own timeOut
 * is the limit there.
 */
public class InteropTest {
    /** How long one channel operation may wait before the test calls it a deadlock. */
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final int RECORD = WeftJni.WEFT_JNI_TEST_RECORD_BYTES;
    /** Java coroutines on the Java end of a channel. */
    private static final int JAVA_PARTIES = 4;
    /** A report (see weft_jni.h) is at most this many values; its channel buffers them all. */
    private static final int REPORT_CAP = 8;
    /** How long the GC may take to give back the test's channels. */
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Unbuffered (a rendezvous with C each time), one slot, and room to run ahead. */
    @DataProvider
    public static Object[][] capacities() {
        return new Object[][] {{0}, {1}, {64}};
    }

    @Test(timeOut = 90_000, dataProvider = "capacities")
    public void javaCoroutinesFeedANativeConsumer(int cap) throws Exception {
        withoutLeaks(() -> {
            long n = 20_000;
            LongChan ch = LongChan.make(cap);
            LongChan report = LongChan.make(REPORT_CAP);
            Weft.goNative(WeftJni.weft_jni_test_consumer_fn(),
                    chansArg(ch.retainNative(), report.retainNative()));
            try (Scope s = Scope.open()) {
                for (int k = 0; k < JAVA_PARTIES; k++) {
                    int first = k + 1;
                    s.go(() -> {
                        for (long v = first; v <= n; v += JAVA_PARTIES) {
                            assertTrue(ch.send(v, PATIENCE), "C took no value for " + PATIENCE);
                        }
                        return null;
                    });
                }
            }
            ch.close();
            long[] r = report(report, 3);
            assertEquals(r[2], WeftJni.WEFT_JNI_ECLOSED, "what ended the C consumer's loop");
            assertEquals(r[0], n, "values C received");
            assertEquals(r[1], n * (n + 1) / 2, "their sum");
        });
    }

    @Test(timeOut = 90_000, dataProvider = "capacities")
    public void nativeRecordsReachJavaCoroutinesExactlyOnce(int cap) throws Exception {
        withoutLeaks(() -> {
            int n = 10_000;
            RecordChan rc = RecordChan.make(RECORD, cap);
            Weft.goNative(WeftJni.weft_jni_test_record_producer_fn(),
                    WeftJni.weft_jni_test_producer_arg(rc.retainNative(), n));
            BitSet seen = new BitSet(n + 1);
            try (Scope s = Scope.open()) {
                for (int k = 0; k < JAVA_PARTIES; k++) {
                    s.go(() -> {
                        byte[] rec;
                        while ((rec = rc.recvOrNull()) != null) {
                            long index = checkedIndex(rec);
                            assertTrue(index >= 1 && index <= n, "index " + index + " out of 1.." + n);
                            synchronized (seen) {
                                assertFalse(seen.get((int) index), "record " + index + " arrived twice");
                                seen.set((int) index);
                            }
                        }
                        return null;
                    });
                }
            }
            assertEquals(seen.cardinality(), n, "records received");
            assertEquals(seen.nextClearBit(1), n + 1, "the first record missing");
            assertEquals(rc.recvOrNull(), null, "closed and drained");
        });
    }

    @Test(timeOut = 90_000, dataProvider = "capacities")
    public void javaRecordsReachANativeConsumer(int cap) throws Exception {
        withoutLeaks(() -> {
            long n = 10_000;
            RecordChan rc = RecordChan.make(RECORD, cap);
            LongChan report = LongChan.make(REPORT_CAP);
            Weft.goNative(WeftJni.weft_jni_test_record_consumer_fn(),
                    chansArg(rc.retainNative(), report.retainNative()));
            // One record damaged in each way the C side checks, so that a
            // consumer that counted every record as good would fail too.
            byte[][] damaged = {
                record(5, 26, WeftJni.weft_jni_test_record_check(5, 26)), // square wrong, check agrees
                record(7, 49, WeftJni.weft_jni_test_record_check(7, 49) ^ 1), // check wrong
                record(0, 0, 0), // what an empty receive leaves
            };
            long damagedSum = 5 + 7 + 0;
            try (Scope s = Scope.open()) {
                for (int k = 0; k < JAVA_PARTIES; k++) {
                    int first = k + 1;
                    s.go(() -> {
                        for (long i = first; i <= n; i += JAVA_PARTIES) {
                            rc.send(record(i, i * i, WeftJni.weft_jni_test_record_check(i, i * i)));
                        }
                        return null;
                    });
                }
                s.go(() -> {
                    for (byte[] d : damaged) {
                        rc.send(d);
                    }
                    return null;
                });
            }
            rc.close();
            long[] r = report(report, 4);
            assertEquals(r[3], WeftJni.WEFT_JNI_ECLOSED, "what ended the C consumer's loop");
            assertEquals(r[0], n + damaged.length, "records C received");
            assertEquals(r[1], n * (n + 1) / 2 + damagedSum, "the sum of their indexes");
            assertEquals(r[2], damaged.length, "records C found damaged");
        });
    }

    @Test(timeOut = 90_000, dataProvider = "capacities")
    public void aNativeEchoBetweenJavaSendersAndReceivers(int cap) throws Exception {
        withoutLeaks(() -> {
            int n = 20_000;
            LongChan in = LongChan.make(cap);
            LongChan out = LongChan.make(cap);
            Weft.goNative(WeftJni.weft_jni_test_echo_fn(), chansArg(in.retainNative(), out.retainNative()));
            BitSet seen = new BitSet(n + 1);
            AtomicLong echoedSum = new AtomicLong();
            try (Scope s = Scope.open()) {
                // receivers and senders at once: with cap 0 the echo takes
                // no next value until Java has received its last echo
                for (int k = 0; k < JAVA_PARTIES; k++) {
                    s.go(() -> {
                        OptionalLong w;
                        while ((w = next(out)).isPresent()) {
                            long e = w.getAsLong();
                            echoedSum.addAndGet(e);
                            assertEquals(e & 1, 1L, "echo " + e + " is not 2v+1");
                            long v = (e - 1) / 2;
                            assertTrue(v >= 1 && v <= n, "echo of " + v + ", not of 1.." + n);
                            synchronized (seen) {
                                assertFalse(seen.get((int) v), "echo of " + v + " arrived twice");
                                seen.set((int) v);
                            }
                        }
                        return null;
                    });
                }
                s.go(() -> {
                    try (Scope senders = Scope.open()) {
                        for (int k = 0; k < JAVA_PARTIES; k++) {
                            int first = k + 1;
                            senders.go(() -> {
                                for (long v = first; v <= n; v += JAVA_PARTIES) {
                                    assertTrue(in.send(v, PATIENCE), "C took no value for " + PATIENCE);
                                }
                                return null;
                            });
                        }
                    }
                    in.close();
                    return null;
                });
            }
            assertEquals(seen.cardinality(), n, "echoes received");
            assertEquals(seen.nextClearBit(1), n + 1, "the first value without an echo");
            long ln = n;
            assertEquals(echoedSum.get(), 2 * (ln * (ln + 1) / 2) + ln, "sum of the echoes");
            assertTrue(out.isClosed(), "the echo closed its output");
        });
    }

    /** The next value, or empty once c is closed and drained; fails after {@link #PATIENCE} without either. */
    private static OptionalLong next(LongChan c) throws InterruptedException {
        OptionalLong v;
        try {
            v = c.recv(PATIENCE);
        } catch (ChanClosedException closed) {
            return OptionalLong.empty();
        }
        if (v.isEmpty()) {
            fail("nothing came from C for " + PATIENCE);
        }
        return v;
    }

    /** Exactly len values from a C coroutine's report channel, which must then be closed. */
    private static long[] report(LongChan c, int len) throws InterruptedException {
        long[] r = new long[len];
        for (int i = 0; i < len; i++) {
            OptionalLong v = next(c);
            assertTrue(v.isPresent(), "the report ended after " + i + " of " + len + " values");
            r[i] = v.getAsLong();
        }
        assertThrows(ChanClosedException.class, () -> c.recv(PATIENCE));
        return r;
    }

    private static long chansArg(long ch, long out) {
        long arg = WeftJni.weft_jni_test_chans_arg(ch, out);
        if (arg == 0) {
            throw new OutOfMemoryError("weft_jni_test_chans_arg");
        }
        return arg;
    }

    private static byte[] record(long index, long square, long check) {
        return ByteBuffer.allocate(RECORD).order(ByteOrder.nativeOrder())
                .putLong(index).putLong(square).putLong(check).array();
    }

    /** The index of a test record, after checking its square and check fields. */
    private static long checkedIndex(byte[] rec) {
        assertEquals(rec.length, RECORD);
        ByteBuffer b = ByteBuffer.wrap(rec).order(ByteOrder.nativeOrder());
        long index = b.getLong(0);
        long square = b.getLong(8);
        assertEquals(square, index * index, "square of record " + index);
        assertEquals(b.getLong(16), WeftJni.weft_jni_test_record_check(index, square), "check of record " + index);
        return index;
    }

    private interface Body {
        void run() throws Exception;
    }

    /**
     * Runs body, then waits until the native channels it made are freed
     * again: the C coroutines release their references after they report
     * or close, and the Java ones go when the GC finds them unreachable
     * (body's locals are, once it returned).
     */
    private static void withoutLeaks(Body body) throws Exception {
        long base = settle(Long.MIN_VALUE);
        body.run();
        long live = settle(base);
        assertTrue(live <= base, "native channels live: " + live + ", before the test: " + base
                + " (a C coroutine kept a reference?)");
    }

    /**
     * Runs System.gc until the live channel count is at most target (or, for
     * Long.MIN_VALUE, the same over two rounds: a baseline) or the time is
     * up; the last count.
     */
    private static long settle(long target) throws InterruptedException {
        long end = System.nanoTime() + SETTLE_NANOS;
        long v = Probe.liveChannels();
        for (int same = 0; System.nanoTime() < end; ) {
            if (target != Long.MIN_VALUE ? v <= target : same >= 2) {
                break;
            }
            System.gc();
            Thread.sleep(10); // a poll interval, not an ordering: the loop re-checks
            long now = Probe.liveChannels();
            same = now == v ? same + 1 : 0;
            v = now;
        }
        return v;
    }
}
