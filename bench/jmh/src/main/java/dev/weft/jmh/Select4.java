package dev.weft.jmh;

import com.softwaremill.jox.Channel;
import dev.weft.Chan;
import dev.weft.Select;
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
 * select4: one consumer selecting over 4 channels, each fed by its own
 * producer; ns per selected message. Members 0-3 of a {@link Crew} each
 * send {@value #PER_PRODUCER} messages per invocation on their channel,
 * member 4 selects {@value #N} times.
 *
 * <p>The channels are unbuffered on both sides (Weft {@code Chan.make()},
 * jox {@code Channel.newRendezvousChannel()}): every message is a
 * rendezvous between a producer and the select, the case where a select's
 * registration, wake-up and hand-off cost matters most. Weft's select is
 * built once and run in a loop (as {@code Select}'s docs allow); jox's is
 * {@code Select.select(c0.receiveClause(), ..)} per message, jox's idiom.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(Select4.N)
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class Select4 {
    static final int CHANNELS = 4;
    static final int PER_PRODUCER = 2_500;
    static final int N = CHANNELS * PER_PRODUCER;
    static final Integer MSG = 42;

    @State(Scope.Benchmark)
    public static class WeftSel {
        @SuppressWarnings("unchecked")
        final Chan<Integer>[] chans = new Chan[CHANNELS];
        Select select;
        long got; // only the consumer touches it
        Crew crew;

        @Setup(Level.Trial)
        public void setup() {
            select = Select.create();
            for (int i = 0; i < CHANNELS; i++) {
                chans[i] = Chan.make();
                select.recv(chans[i], v -> {
                    if (v != MSG) {
                        throw new AssertionError("closed or wrong message: " + v);
                    }
                    got++;
                });
            }
            crew = new Crew(Crew.WEFT, CHANNELS + 1);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            crew.close();
        }
    }

    @State(Scope.Benchmark)
    public static class JoxSel {
        @SuppressWarnings("unchecked")
        final Channel<Integer>[] chans = new Channel[CHANNELS];
        Crew crew;

        @Setup(Level.Trial)
        public void setup() {
            for (int i = 0; i < CHANNELS; i++) {
                chans[i] = Channel.newRendezvousChannel();
            }
            crew = new Crew(Crew.VTHREAD, CHANNELS + 1);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            crew.close();
        }
    }

    @Benchmark
    public void weft(WeftSel s) throws Exception {
        s.crew.run(m -> {
            if (m < CHANNELS) {
                Chan<Integer> ch = s.chans[m];
                for (int i = 0; i < PER_PRODUCER; i++) {
                    ch.send(MSG);
                }
            } else {
                long before = s.got;
                for (int i = 0; i < N; i++) {
                    s.select.run();
                }
                if (s.got - before != N) {
                    throw new AssertionError("select fired " + (s.got - before) + " actions for " + N + " runs");
                }
            }
        });
    }

    @Benchmark
    public void jox(JoxSel s) throws Exception {
        s.crew.run(m -> {
            Channel<Integer>[] c = s.chans;
            if (m < CHANNELS) {
                Channel<Integer> ch = c[m];
                for (int i = 0; i < PER_PRODUCER; i++) {
                    ch.send(MSG);
                }
            } else {
                for (int i = 0; i < N; i++) {
                    Integer v = com.softwaremill.jox.Select.select(
                            c[0].receiveClause(), c[1].receiveClause(), c[2].receiveClause(), c[3].receiveClause());
                    if (v != MSG) {
                        throw new AssertionError("wrong message: " + v);
                    }
                }
            }
        });
    }
}
