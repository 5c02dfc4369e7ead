package dev.weft.jmh;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosedException;
import dev.weft.Chan;
import dev.weft.ChanClosedException;
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

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * W3u: unbuffered ping-pong between two virtual threads, ns per round trip.
 *
 * <p>A long-lived echo partner (started once per trial) receives on
 * {@code ping} and sends it back on {@code pong}; a long-lived virtual
 * driver ({@link Crew}) does {@value #N} round trips per invocation. Weft
 * {@code Chan.make()} vs {@code SynchronousQueue} vs jox
 * {@code Channel.newRendezvousChannel()}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(W3u.N)
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class W3u {
    static final int N = 10_000;
    static final Integer MSG = 42;

    @State(Scope.Benchmark)
    public static class WeftPair {
        final Chan<Integer> ping = Chan.make();
        final Chan<Integer> pong = Chan.make();
        Coroutine<Void> echo;
        Crew driver;

        @Setup(Level.Trial)
        public void setup() {
            echo = Weft.go(() -> {
                try {
                    for (;;) {
                        pong.send(ping.recv());
                    }
                } catch (ChanClosedException | InterruptedException e) {
                    // closed by tearDown
                }
            });
            driver = new Crew(Crew.WEFT, 1);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            driver.close();
            ping.close();
            echo.join();
        }
    }

    @State(Scope.Benchmark)
    public static class SqPair {
        final SynchronousQueue<Integer> ping = new SynchronousQueue<>();
        final SynchronousQueue<Integer> pong = new SynchronousQueue<>();
        Thread echo;
        Crew driver;

        @Setup(Level.Trial)
        public void setup() {
            echo = Thread.ofVirtual().start(() -> {
                try {
                    for (;;) {
                        pong.put(ping.take());
                    }
                } catch (InterruptedException e) {
                    // interrupted by tearDown
                }
            });
            driver = new Crew(Crew.VTHREAD, 1);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            driver.close();
            echo.interrupt();
            echo.join();
        }
    }

    @State(Scope.Benchmark)
    public static class JoxPair {
        final Channel<Integer> ping = Channel.newRendezvousChannel();
        final Channel<Integer> pong = Channel.newRendezvousChannel();
        Thread echo;
        Crew driver;

        @Setup(Level.Trial)
        public void setup() {
            echo = Thread.ofVirtual().start(() -> {
                try {
                    for (;;) {
                        pong.send(ping.receive());
                    }
                } catch (ChannelClosedException | InterruptedException e) {
                    // done() by tearDown
                }
            });
            driver = new Crew(Crew.VTHREAD, 1);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            driver.close();
            ping.done();
            echo.join();
        }
    }

    @Benchmark
    public void weft(WeftPair s) throws Exception {
        s.driver.run(m -> {
            for (int i = 0; i < N; i++) {
                s.ping.send(MSG);
                if (s.pong.recv() != MSG) {
                    throw new AssertionError("wrong echo");
                }
            }
        });
    }

    @Benchmark
    public void sq(SqPair s) throws Exception {
        s.driver.run(m -> {
            for (int i = 0; i < N; i++) {
                s.ping.put(MSG);
                if (s.pong.take() != MSG) {
                    throw new AssertionError("wrong echo");
                }
            }
        });
    }

    @Benchmark
    public void jox(JoxPair s) throws Exception {
        s.driver.run(m -> {
            for (int i = 0; i < N; i++) {
                s.ping.send(MSG);
                if (s.pong.receive() != MSG) {
                    throw new AssertionError("wrong echo");
                }
            }
        });
    }
}
