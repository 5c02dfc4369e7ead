package dev.weft.jmh;

import dev.weft.Coroutine;
import dev.weft.Weft;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * W2: spawn {@value #N} then join them all, ns per spawn (spawn + join of
 * one). The spawner is a long-lived virtual thread (a {@link Crew} of one);
 * the bodies are empty. Weft {@code Weft.go(..)} + {@code Coroutine.join()}
 * vs {@code Thread.ofVirtual().start(..)} + {@code Thread.join()}.
 *
 * <p>The W2 is 1M spawns, and so is a batch: {@value #N} per JMH
 * invocation, all spawned before the first is joined. One batch takes
 * ~0.5-1 s on the 2-core VM (a few s when it is loaded), so a 1 s
 * iteration holds one or two invocations (JMH ends an iteration with the
 * first invocation to finish after its time) and its figure is their
 * total time over their spawns; the warm-up iterations run a million
 * spawns or more each, plenty for the JIT.
 *
 * <p>Memory: at most one batch is alive at once (the spawner's array holds
 * each spawned thread until its join), ~0.4-0.5 GB allocated per batch
 * (JMH's {@code -prof gc}: ~370 B per vthread spawn, ~470 per
 * {@code Weft.go}), so each young collection during a batch copies what
 * has been spawned and not yet joined. The fork's heap is capped at
 * {@code -Xmx4g} (a default would be a quarter of the machine's RAM):
 * several batches of room, so G1 need not collect over and over, and
 * still fits a small CI machine.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(W2.N)
@Fork(jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class W2 {
    public static final int N = 1_000_000;
    static final Runnable BODY = () -> { };

    @State(Scope.Benchmark)
    public static class WeftSpawner {
        final Coroutine<?>[] cos = new Coroutine<?>[N];
        Crew crew;

        @Setup(Level.Trial)
        public void setup() {
            crew = new Crew(Crew.WEFT, 1);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            crew.close();
        }
    }

    @State(Scope.Benchmark)
    public static class VthreadSpawner {
        final Thread[] threads = new Thread[N];
        Crew crew;

        @Setup(Level.Trial)
        public void setup() {
            crew = new Crew(Crew.VTHREAD, 1);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            crew.close();
        }
    }

    @Benchmark
    public void weft(WeftSpawner s) throws Exception {
        s.crew.run(m -> {
            Coroutine<?>[] cos = s.cos;
            for (int i = 0; i < N; i++) {
                cos[i] = Weft.go(BODY);
            }
            for (int i = 0; i < N; i++) {
                cos[i].join();
                cos[i] = null;
            }
        });
    }

    @Benchmark
    public void vthread(VthreadSpawner s) throws Exception {
        s.crew.run(m -> {
            Thread[] ts = s.threads;
            for (int i = 0; i < N; i++) {
                ts[i] = Thread.ofVirtual().start(BODY);
            }
            for (int i = 0; i < N; i++) {
                ts[i].join();
                ts[i] = null;
            }
        });
    }
}
