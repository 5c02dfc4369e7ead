package dev.weft.jmh;

import dev.weft.Mutex;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * mutex: {@code dev.weft.Mutex} vs {@code ReentrantLock}.
 *
 * <ul>
 * <li>{@code *Uncontended}: lock + unlock, ns per pair, on JMH's own
 * (platform) thread for both; no other thread touches the lock.</li>
 * <li>{@code *Contended}: {@code threads} (4, 64) long-lived virtual threads
 * ({@link Crew}) each do {@code lock(); counter++; unlock()} in a loop,
 * {@value #OPS} increments per invocation in all; ops per second. The
 * counter is checked after every invocation, so a lock that lets two
 * holders in fails the benchmark.</li>
 * </ul>
 *
 * <p>{@code Mutex} here is the form this JVM picks: on JDK 22+ its lock word
 * is CASed from Java through FFM ({@code FfmLockWord}). {@link MutexBenchJdk21}
 * runs the same Weft benchmarks in JDK 21's form (through
 * {@code sun.misc.Unsafe}), {@link MutexBenchJni} in the JNI form.
 */
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MutexBench {
    static final int OPS = 1 << 18;

    @State(Scope.Benchmark)
    public static class Single {
        final Mutex mutex = new Mutex();
        final ReentrantLock reentrant = new ReentrantLock();
        long counter;
    }

    /** The contended state; the lock kind is fixed by the subclass. */
    @State(Scope.Benchmark)
    public abstract static class Contended {
        @Param({"4", "64"})
        public int threads;
        Lock lock;
        long counter; // guarded by lock
        Crew crew;

        abstract Lock newLock();

        abstract Crew.Starter starter();

        @Setup(Level.Trial)
        public void setup() {
            if (OPS % threads != 0) {
                throw new IllegalArgumentException("threads must divide " + OPS);
            }
            lock = newLock();
            crew = new Crew(starter(), threads);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            crew.close();
        }

        void round() throws Exception {
            int per = OPS / threads;
            Lock l = lock;
            counter = 0;
            crew.run(m -> {
                for (int i = 0; i < per; i++) {
                    l.lock();
                    try {
                        counter++;
                    } finally {
                        l.unlock();
                    }
                }
            });
            if (counter != OPS) {
                throw new IllegalStateException(l.getClass().getSimpleName() + " lost updates: counter "
                        + counter + ", expected " + OPS + " (" + threads + " threads)");
            }
        }
    }

    @State(Scope.Benchmark)
    public static class WeftContended extends Contended {
        Lock newLock() {
            return new Mutex();
        }

        Crew.Starter starter() {
            return Crew.WEFT;
        }
    }

    @State(Scope.Benchmark)
    public static class ReentrantContended extends Contended {
        Lock newLock() {
            return new ReentrantLock();
        }

        Crew.Starter starter() {
            return Crew.VTHREAD;
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public long weftUncontended(Single s) {
        return weftLockUnlock(s);
    }

    /** The body of {@code weftUncontended}, shared with {@link MutexBenchForm}. */
    static long weftLockUnlock(Single s) {
        s.mutex.lock();
        try {
            return ++s.counter;
        } finally {
            s.mutex.unlock();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public long reentrantlockUncontended(Single s) {
        s.reentrant.lock();
        try {
            return ++s.counter;
        } finally {
            s.reentrant.unlock();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(OPS)
    public void weftContended(WeftContended s) throws Exception {
        s.round();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(OPS)
    public void reentrantlockContended(ReentrantContended s) throws Exception {
        s.round();
    }
}
