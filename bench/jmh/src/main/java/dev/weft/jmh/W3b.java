package dev.weft.jmh;

import com.softwaremill.jox.Channel;
import dev.weft.Chan;
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

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * W3b: buffered (capacity {@value #CAP}) producer to consumer throughput,
 * messages per second. One producer and one consumer, long-lived virtual
 * threads ({@link Crew} members 0 and 1), {@value #N} messages per
 * invocation. Weft {@code Chan.make(1024)} vs {@code ArrayBlockingQueue(1024)}
 * vs jox {@code Channel.newBufferedChannel(1024)}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(W3b.N)
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class W3b {
    static final int N = 100_000;
    static final int CAP = 1024;
    static final Integer MSG = 42;

    @State(Scope.Benchmark)
    public static class WeftQ {
        final Chan<Integer> ch = Chan.make(CAP);
        Crew crew;

        @Setup(Level.Trial)
        public void setup() {
            crew = new Crew(Crew.WEFT, 2);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            crew.close();
        }
    }

    @State(Scope.Benchmark)
    public static class AbqQ {
        final ArrayBlockingQueue<Integer> q = new ArrayBlockingQueue<>(CAP);
        Crew crew;

        @Setup(Level.Trial)
        public void setup() {
            crew = new Crew(Crew.VTHREAD, 2);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            crew.close();
        }
    }

    @State(Scope.Benchmark)
    public static class JoxQ {
        final Channel<Integer> ch = Channel.newBufferedChannel(CAP);
        Crew crew;

        @Setup(Level.Trial)
        public void setup() {
            crew = new Crew(Crew.VTHREAD, 2);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            crew.close();
        }
    }

    @Benchmark
    public void weft(WeftQ s) throws Exception {
        s.crew.run(m -> {
            if (m == 0) {
                for (int i = 0; i < N; i++) {
                    s.ch.send(MSG);
                }
            } else {
                for (int i = 0; i < N; i++) {
                    if (s.ch.recv() != MSG) {
                        throw new AssertionError("wrong message");
                    }
                }
            }
        });
    }

    @Benchmark
    public void abq(AbqQ s) throws Exception {
        s.crew.run(m -> {
            if (m == 0) {
                for (int i = 0; i < N; i++) {
                    s.q.put(MSG);
                }
            } else {
                for (int i = 0; i < N; i++) {
                    if (s.q.take() != MSG) {
                        throw new AssertionError("wrong message");
                    }
                }
            }
        });
    }

    @Benchmark
    public void jox(JoxQ s) throws Exception {
        s.crew.run(m -> {
            if (m == 0) {
                for (int i = 0; i < N; i++) {
                    s.ch.send(MSG);
                }
            } else {
                for (int i = 0; i < N; i++) {
                    if (s.ch.receive() != MSG) {
                        throw new AssertionError("wrong message");
                    }
                }
            }
        });
    }
}
