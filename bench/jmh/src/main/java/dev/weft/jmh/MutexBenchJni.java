package dev.weft.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;

import java.util.concurrent.TimeUnit;

/**
 * {@link MutexBench}'s Weft benchmarks with the JNI form of {@code Mutex}:
 * forks run with {@code -Dweft.ffm=false}, so every lock-word operation is a
 * JNI call instead of the FFM CAS a JDK 22+ fork uses. Same states, same
 * bodies; the peer ({@code ReentrantLock}) is not run again, it does not
 * depend on the property. {@code bench/run.sh java} prints these as
 * {@code java-mutex-jni} against {@code MutexBench}'s {@code ReentrantLock}
 * figures, and {@code java-mutex-ffm-vs-jni} against {@code MutexBench}'s
 * own Weft figures. (On JDK 21 both classes run the JNI form.)
 *
 * <p>Its name starts with {@code MutexBench}, so a JMH regex
 * {@code MutexBench} selects both.
 */
@Fork(jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dweft.ffm=false"})
public class MutexBenchJni {
    /**
     * JMH instantiates the benchmark class in the fork: a command line
     * {@code -jvmArgsAppend}, which replaces the annotation's, would
     * silently measure the FFM form again.
     */
    public MutexBenchJni() {
        if (!"false".equals(System.getProperty("weft.ffm"))) {
            throw new IllegalStateException("MutexBenchJni needs -Dweft.ffm=false in the fork (got weft.ffm="
                    + System.getProperty("weft.ffm") + "); was @Fork(jvmArgsAppend) overridden?");
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public long weftUncontended(MutexBench.Single s) {
        return MutexBench.weftLockUnlock(s);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(MutexBench.OPS)
    public void weftContended(MutexBench.WeftContended s) throws Exception {
        s.round();
    }
}
