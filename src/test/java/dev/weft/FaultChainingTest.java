package dev.weft;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

import dev.weft.jni.WeftJni;
import org.testng.annotations.Test;

/**
 * The JVM uses SIGSEGV itself: implicit null checks (interpreted and
 * JIT-compiled code dereference first and let the fault handler turn a fault
 * at a small address into a NullPointerException) and stack banging (a fault
 * in the thread's guard zone becomes a StackOverflowError). Running a native
 * generator makes Weft install its own SIGSEGV/SIGBUS handler (process-wide)
 * and a sigaltstack (on the running thread); Weft must pass every fault that
 * is not a coroutine guard-page hit to the JVM's handler unchanged.
 *
 * Each test first runs a native generator on its own thread, so the thread
 * that then faults has Weft's alternate signal stack too.
 */
public class FaultChainingTest {

    static final class Box {
        final int value;

        Box(int value) {
            this.value = value;
        }
    }

    private static void runNativeGeneratorOnThisThread() {
        try (NativeSequence s = NativeSequence.nested(100)) {
            long k = 0;
            while (s.hasNext()) {
                assertEquals(s.nextLong(), ++k);
            }
            assertEquals(k, 100);
        }
        int weftHandler = WeftJni.weft_jni_segv_handler_is_weft();
        if (weftHandler != -1) { // -1: the platform cannot tell
            assertEquals(weftHandler, 1, "Weft's SIGSEGV handler is not installed: this test would prove nothing");
        }
    }

    /** Hot method: C2 compiles b.value with an implicit null check once the profile says "never null". */
    static long sum(Box[] boxes, int[] npes) {
        long sum = 0;
        for (Box b : boxes) {
            try {
                sum += b.value;
            } catch (NullPointerException e) {
                npes[0]++;
            }
        }
        return sum;
    }

    @Test(timeOut = 120_000)
    public void implicitNullChecksInJitCodeStillWork() {
        runNativeGeneratorOnThisThread();

        Box[] full = new Box[1000];
        for (int i = 0; i < full.length; i++) {
            full[i] = new Box(i);
        }
        int[] npes = new int[1];
        long expectFull = 999L * 1000 / 2;
        // warm-up without nulls: 5M iterations get sum() compiled by C2 (OSR and normal)
        for (int round = 0; round < 5000; round++) {
            assertEquals(sum(full, npes), expectFull);
        }
        assertEquals(npes[0], 0);

        Box[] holes = full.clone();
        long expectHoles = expectFull;
        int nulls = 0;
        for (int i = 3; i < holes.length; i += 7) {
            expectHoles -= holes[i].value;
            holes[i] = null;
            nulls++;
        }
        // now the compiled code dereferences null: SIGSEGV -> Weft's handler -> the JVM's handler -> NPE
        // (and, after enough traps, recompiled code with explicit checks: run on through both)
        for (int round = 0; round < 200; round++) {
            npes[0] = 0;
            assertEquals(sum(holes, npes), expectHoles, "round " + round);
            assertEquals(npes[0], nulls, "NullPointerExceptions in round " + round);
        }

        runNativeGeneratorOnThisThread(); // and Weft still works after all those faults
    }

    private static int depth;

    private static void recurse() {
        depth++;
        recurse();
    }

    @Test(timeOut = 120_000)
    public void stackOverflowErrorIsStillThrownAndCaught() {
        runNativeGeneratorOnThisThread();
        for (int round = 0; round < 5; round++) { // later rounds run recurse() compiled
            depth = 0;
            try {
                recurse();
                fail("no StackOverflowError");
            } catch (StackOverflowError expected) {
                assertTrue(depth > 1000, "overflowed after only " + depth + " frames");
            }
        }
        runNativeGeneratorOnThisThread(); // the thread continues, generators included
    }

    @Test(timeOut = 120_000)
    public void bothOnAFreshThreadThatRunsAGenerator() throws Exception {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                implicitNullChecksInJitCodeStillWork();
                stackOverflowErrorIsStillThrownAndCaught();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "weft-fault-chaining");
        t.start();
        t.join();
        if (failure[0] != null) {
            throw new AssertionError("on a fresh thread: " + failure[0], failure[0]);
        }
    }
}
