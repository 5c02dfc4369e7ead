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
 * Scope at scale: {@value #N} empty members spawned into one
 * {@code dev.weft.Scope} and joined by its close, ns per member, against
 * the same number of {@code Weft.go} + {@code join} (W2's Weft side). The
 * target is at most 1.1x {@code Weft.go} + join: a member must cost the
 * same whatever the scope's size. (The JDK's {@code StructuredTaskScope}
 * is a preview API in the JDKs this suite runs on, so it is not a peer
 * here.)
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(ScopeBench.N)
@Fork(jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class ScopeBench {
    public static final int N = 1_000_000;
    static final Runnable BODY = () -> { };

    @State(Scope.Benchmark)
    public static class Spawner {
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

    @Benchmark
    public void scope(Spawner s) throws Exception {
        s.crew.run(m -> {
            try (dev.weft.Scope scope = dev.weft.Scope.open()) {
                for (int i = 0; i < N; i++) {
                    scope.go(BODY);
                }
            }
        });
    }

    @Benchmark
    public void goJoin(Spawner s) throws Exception {
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
}
