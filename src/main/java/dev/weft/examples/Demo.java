package dev.weft.examples;

import dev.weft.NativeSequence;
import dev.weft.Weft;
import java.util.ArrayList;
import java.util.List;

/**
 * The README's demo: Java calling into Weft's native core through the JNI
 * library that JavaCPP loads from the platform jar.
 *
 * <p>Run it with {@code ./mvnw -q -Pdemo package}.
 */
public final class Demo {
    private Demo() {}

    /**
     * Prints the native version, values produced by C code inside native
     * generators, and what that proves.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        System.out.println("Weft " + Weft.version() + " (native library: " + Weft.nativeLibrary() + ")");

        List<Long> fib = new ArrayList<>();
        long fibId;
        long fibStack;
        try (NativeSequence s = NativeSequence.fibonacci(15)) {
            fibId = s.id();
            fibStack = s.stackSize();
            s.forEachRemaining((long v) -> fib.add(v));
        }
        System.out.println("fibonacci, from C in generator #" + fibId + " (" + fibStack / 1024
                + " KiB stack): " + fib);

        int depth = 10_000;
        long first = 0, last = 0, count = 0;
        try (NativeSequence s = NativeSequence.nested(depth)) {
            while (s.hasNext()) {
                long v = s.nextLong();
                if (count++ == 0) first = v;
                last = v;
            }
            System.out.println("nested, from C in generator #" + s.id() + " (" + s.stackSize() / 1024
                    + " KiB stack): " + count + " values, " + first + " .. " + last
                    + ", value k yielded from recursion depth k");
        }

        System.out.println();
        System.out.println("What this proved:");
        System.out.println(" - JavaCPP's Loader loaded Weft's JNI library from the platform jar on the class path;");
        System.out.println(" - each value was computed by C code running on a native generator's own guard-paged");
        System.out.println("   stack, switched to by Weft's hand-written context switch and back to Java per value;");
        System.out.println(" - a generator suspended " + depth + " C frames deep kept its whole call stack across "
                + depth + " round trips to Java.");
    }
}
