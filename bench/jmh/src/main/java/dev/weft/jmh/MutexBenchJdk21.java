package dev.weft.jmh;

import org.openjdk.jmh.annotations.Fork;

/**
 * {@code Mutex} as a JDK 21 runs it: forks run with {@code -Dweft.ffm=false},
 * so the lock word is CASed through {@code sun.misc.Unsafe} (the FFM API is
 * a preview there). On the JDK 22+ that runs the suite, Unsafe's memory
 * access is deprecated (JDK 24 prints a warning on its first use); the
 * code measured is the same. {@code bench/run.sh java} prints it as
 * {@code java-mutex-jdk21} against {@code MutexBench}'s
 * {@code ReentrantLock} figures.
 *
 * <p>Its name starts with {@code MutexBench}, so a JMH regex
 * {@code MutexBench} selects it too.
 */
@Fork(jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dweft.ffm=false"})
public class MutexBenchJdk21 extends MutexBenchForm {
    public MutexBenchJdk21() {
        super("weft.ffm=false");
    }
}
