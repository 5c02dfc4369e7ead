package dev.weft.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;

import java.util.concurrent.TimeUnit;

/**
 * {@link MutexBench}'s Weft benchmarks again, for another form of
 * {@code Mutex}'s lock word, chosen by system properties its subclasses'
 * forks set ({@link MutexBenchJdk21}, {@link MutexBenchJni}). Same states,
 * same bodies; the peer ({@code ReentrantLock}) is not run again, it does
 * not depend on the properties. JMH runs a superclass's benchmarks as the
 * subclass's.
 */
public abstract class MutexBenchForm {
    /**
     * JMH instantiates the benchmark class in the fork: a command line
     * {@code -jvmArgsAppend}, which replaces the annotation's, would
     * silently measure the default form again.
     *
     * @param properties the {@code name=value} pairs the fork must have
     */
    protected MutexBenchForm(String... properties) {
        for (String p : properties) {
            String[] kv = p.split("=", 2);
            if (!kv[1].equals(System.getProperty(kv[0]))) {
                throw new IllegalStateException(getClass().getSimpleName() + " needs -D" + p + " in the fork (got "
                        + kv[0] + "=" + System.getProperty(kv[0]) + "); was @Fork(jvmArgsAppend) overridden?");
            }
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
