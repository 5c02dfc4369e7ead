package dev.weft;

import dev.weft.internal.Probe;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import dev.weft.jni.WeftJni;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.testng.annotations.Test;

public class NativeSequenceTest {

    private static List<Long> drain(NativeSequence s) {
        List<Long> out = new ArrayList<>();
        while (s.hasNext()) {
            out.add(s.nextLong());
        }
        return out;
    }

    @Test(timeOut = 30_000)
    public void fibonacciYieldsTheRightValuesAndFinishes() {
        try (NativeSequence s = NativeSequence.fibonacci(12)) {
            assertEquals(drain(s), List.of(0L, 1L, 1L, 2L, 3L, 5L, 8L, 13L, 21L, 34L, 55L, 89L));
            assertFalse(s.hasNext());
            assertFalse(s.hasNext()); // stays finished
            assertThrows(NoSuchElementException.class, s::nextLong);
        }
    }

    @Test(timeOut = 30_000)
    public void fibonacciUpToTheLargestLong() {
        try (NativeSequence s = NativeSequence.fibonacci(NativeSequence.FIBONACCI_MAX)) {
            long a = 0, b = 1, n = 0;
            while (s.hasNext()) {
                assertEquals(s.nextLong(), a, "F(" + n + ")");
                long c = b + a;
                a = b;
                b = c;
                n++;
            }
            assertEquals(n, 93);
        }
        try (NativeSequence s = NativeSequence.fibonacci(NativeSequence.FIBONACCI_MAX)) {
            long last = -1;
            for (long v : (Iterable<Long>) () -> s) {
                last = v;
            }
            assertEquals(last, 7540113804746346429L); // F(92)
        }
    }

    @Test(timeOut = 30_000)
    public void nestedYieldsFromDeepInsideTheCStack() {
        int depth = 20_000; // 20k live C frames on the generator's stack at the deepest yield
        try (NativeSequence s = NativeSequence.nested(depth)) {
            assertTrue(s.stackSize() >= depth * 256L, "stack " + s.stackSize());
            for (long k = 1; k <= depth; k++) {
                assertEquals(s.nextLong(), k);
            }
            assertFalse(s.hasNext());
        }
    }

    @Test(timeOut = 30_000)
    public void emptySequences() {
        try (NativeSequence s = NativeSequence.fibonacci(0)) {
            assertFalse(s.hasNext());
        }
        try (NativeSequence s = NativeSequence.nested(0)) {
            assertFalse(s.hasNext());
        }
    }

    @Test(timeOut = 30_000)
    public void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> NativeSequence.fibonacci(-1));
        assertThrows(IllegalArgumentException.class, () -> NativeSequence.fibonacci(94));
        assertThrows(IllegalArgumentException.class, () -> NativeSequence.nested(NativeSequence.NESTED_MAX + 1));
        // the native layer checks too (the Java checks above are only the friendlier message)
        assertEquals(WeftJni.weft_jni_seq_open(WeftJni.WEFT_JNI_SEQ_FIBONACCI, 94, 0), (long) WeftJni.WEFT_JNI_EINVAL);
        assertEquals(WeftJni.weft_jni_seq_open(12345, 1, 0), (long) WeftJni.WEFT_JNI_EINVAL);
        assertEquals(WeftJni.weft_jni_seq_open(WeftJni.WEFT_JNI_SEQ_NESTED, 10_000, 4096), (long) WeftJni.WEFT_JNI_EINVAL);
        assertEquals(WeftJni.weft_jni_seq_next(0, new long[1]), WeftJni.WEFT_JNI_EINVAL);
        assertEquals(WeftJni.weft_jni_seq_close(0), WeftJni.WEFT_JNI_EINVAL);
    }

    @Test(timeOut = 30_000)
    public void closeTwiceIsFineAndUseAfterCloseThrows() {
        NativeSequence s = NativeSequence.fibonacci(10);
        assertEquals(s.nextLong(), 0L);
        assertFalse(s.isClosed());
        s.close(); // unfinished: the core finishes the generator
        assertTrue(s.isClosed());
        s.close();
        IllegalStateException e = expectThrows(IllegalStateException.class, s::nextLong);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertTrue(e.getMessage().contains("fibonacci"), e.getMessage());
        assertThrows(IllegalStateException.class, s::hasNext);
        assertThrows(IllegalStateException.class, s::next);
    }

    @Test(timeOut = 60_000)
    public void tenThousandOpenAtOnceThenClosed() {
        long before = WeftJni.weft_jni_seq_live();
        int n = 10_000;
        List<NativeSequence> all = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                NativeSequence s = NativeSequence.nested(3);
                all.add(s);
                assertEquals(s.nextLong(), 1L); // each one started: suspended on its own stack
            }
            assertEquals(WeftJni.weft_jni_seq_live(), before + n);
            for (int i = 0; i < n; i++) { // interleave: every generator keeps its own state
                assertEquals(all.get(i).nextLong(), 2L);
            }
            for (int i = n - 1; i >= 0; i--) {
                assertEquals(all.get(i).nextLong(), 3L);
                assertFalse(all.get(i).hasNext());
            }
        } finally {
            all.forEach(NativeSequence::close);
        }
        assertEquals(WeftJni.weft_jni_seq_live(), before);
    }

    @Test(timeOut = 60_000)
    public void resumedFromOneThreadAfterAnother() throws Exception {
        // a generator's body may run on a different thread at each resume (weft.h)
        try (NativeSequence s = NativeSequence.nested(200);
             ExecutorService platform = Executors.newFixedThreadPool(3);
             ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long k = 1; k <= 200; k++) {
                ExecutorService ex = (k % 2 == 0) ? platform : virtual;
                Future<Long> f = ex.submit(s::nextLong);
                assertEquals(f.get().longValue(), k);
            }
            assertFalse(s.hasNext());
        }
    }

    @Test(timeOut = 60_000)
    public void forgottenSequencesAreFreedByTheCleaner() throws InterruptedException {
        long nativeBefore = WeftJni.weft_jni_seq_live();
        long javaBefore = Probe.liveGenerators();
        openAndForget(500); // nothing closes these but the Cleaner
        long deadline = System.nanoTime() + 30_000_000_000L;
        while ((WeftJni.weft_jni_seq_live() > nativeBefore || Probe.liveGenerators() > javaBefore)
                && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(WeftJni.weft_jni_seq_live(), nativeBefore, "native sequences still alive");
        assertEquals(Probe.liveGenerators(), javaBefore, "sequences not cleaned");
    }

    private static void openAndForget(int n) {
        for (int i = 0; i < n; i++) {
            NativeSequence s = NativeSequence.nested(5);
            s.nextLong(); // suspended mid-recursion: the Cleaner must finish and free it
        }
    }
}
