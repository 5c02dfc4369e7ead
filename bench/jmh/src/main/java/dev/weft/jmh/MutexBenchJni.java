package dev.weft.jmh;

import org.openjdk.jmh.annotations.Fork;

/**
 * {@code Mutex}'s JNI form: forks run with {@code -Dweft.ffm=false
 * -Dweft.unsafe=false}, so every lock-word operation is a JNI call (and no
 * locker spins: the JNI form cannot peek at the word), the form a JDK
 * without the FFM API and without {@code sun.misc.Unsafe} gets.
 * {@code bench/run.sh java} prints it as {@code java-mutex-jni} against
 * {@code MutexBench}'s {@code ReentrantLock} figures, and
 * {@code java-mutex-ffm-vs-jni}, the FFM CAS over the JNI call.
 *
 * <p>Its name starts with {@code MutexBench}, so a JMH regex
 * {@code MutexBench} selects it too.
 */
@Fork(jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dweft.ffm=false", "-Dweft.unsafe=false"})
public class MutexBenchJni extends MutexBenchForm {
    public MutexBenchJni() {
        super("weft.ffm=false", "weft.unsafe=false");
    }
}
