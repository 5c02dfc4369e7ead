package dev.weft;

import dev.weft.internal.NativeGenerator;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;

/**
 * A sequence of {@code long} values computed by C code running inside a
 * native Weft generator, on the generator's own guard-paged stack.
 *
 * <p>Each call to {@link #nextLong()} (or {@link #hasNext()}, which looks
 * one value ahead) resumes the generator on the calling thread; the C
 * function runs until it yields its next value or returns, then control
 * comes back to Java. The C function's state, including its whole call
 * stack, stays suspended in the generator between calls. This is the
 * smallest proof that Java can drive Weft's native coroutines; it is not a
 * general-purpose collection.
 *
 * <pre>{@code
 * try (NativeSequence fib = NativeSequence.fibonacci(10)) {
 *     while (fib.hasNext()) System.out.println(fib.nextLong());
 * }
 * }</pre>
 *
 * <h2>Resources</h2>
 * A sequence owns a native generator and its stack (64 KiB of address
 * space by default, committed as it is used). {@link #close()} frees them at
 * once; a sequence that becomes unreachable without being closed is freed
 * later by a {@link Cleaner}. Any use after {@code close} throws
 * {@link IllegalStateException}.
 *
 * <h2>Threads</h2>
 * A sequence may be used from any thread, virtual threads included. Its
 * methods are {@code synchronized}: concurrent calls run one after another,
 * and each call happens-before the next one on the same sequence. No method
 * blocks other than to wait for a concurrent call on the same sequence;
 * each native step is a bounded amount of C work.
 */
public final class NativeSequence implements PrimitiveIterator.OfLong, AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    /** Largest count for {@link #fibonacci(int)}: F(0)..F(92) fit in a long. */
    public static final int FIBONACCI_MAX = 93;
    /** Largest depth for {@link #nested(int)}. */
    public static final int NESTED_MAX = 100_000;

    /** The native generator, also the Cleaner action (it does not refer back to this sequence). */
    private final NativeGenerator generator;
    private final Cleaner.Cleanable cleanable;
    private final String kind;
    // guarded by this
    private boolean closed;
    private boolean finished;
    private boolean buffered;
    private long next;

    private NativeSequence(int kindCode, String kind, long count) {
        this.generator = NativeGenerator.open(kindCode, kind, count);
        this.cleanable = CLEANER.register(this, generator);
        this.kind = kind;
    }

    /**
     * Opens a sequence of the first {@code count} Fibonacci numbers
     * (0, 1, 1, 2, 3, 5, ...), computed in C inside a native generator.
     *
     * <p>Does not block; nothing runs until the first {@link #nextLong()} or
     * {@link #hasNext()}. Thread-safe.
     *
     * @param count how many numbers, 0 to {@value #FIBONACCI_MAX}
     * @return a new open sequence, to be closed by the caller
     * @throws IllegalArgumentException if {@code count} is out of range
     * @throws WeftException if the native core cannot create the generator
     *         (for example {@code WEFT_ENOMEM})
     */
    public static NativeSequence fibonacci(int count) {
        if (count < 0 || count > FIBONACCI_MAX) {
            throw new IllegalArgumentException("fibonacci count must be 0.." + FIBONACCI_MAX + ": " + count);
        }
        return new NativeSequence(NativeGenerator.FIBONACCI, "fibonacci", count);
    }

    /**
     * Opens the sequence 1, 2, ..., {@code depth} in which value {@code k}
     * is yielded from inside the {@code k}-th nested call of a recursive C
     * function: between two calls to {@link #nextLong()} the generator is
     * suspended with {@code k} C frames on its own stack, which Java's
     * thread stack never sees. The generator's stack is sized for the depth.
     *
     * <p>Does not block; nothing runs until the first {@link #nextLong()} or
     * {@link #hasNext()}. Thread-safe.
     *
     * @param depth the deepest level, 0 to {@value #NESTED_MAX}
     * @return a new open sequence, to be closed by the caller
     * @throws IllegalArgumentException if {@code depth} is out of range
     * @throws WeftException if the native core cannot create the generator
     */
    public static NativeSequence nested(int depth) {
        if (depth < 0 || depth > NESTED_MAX) {
            throw new IllegalArgumentException("nested depth must be 0.." + NESTED_MAX + ": " + depth);
        }
        return new NativeSequence(NativeGenerator.NESTED, "nested", depth);
    }

    /**
     * Whether another value follows. May resume the native generator to find
     * out (the value it yields is kept for the next {@link #nextLong()}).
     *
     * <p>Blocks only while another thread is inside a method of this
     * sequence. Thread-safe.
     *
     * @return {@code true} if {@link #nextLong()} will return a value
     * @throws IllegalStateException if the sequence is closed
     * @throws WeftException if the native core reports an error
     */
    @Override
    public synchronized boolean hasNext() {
        ensureOpen();
        return fill();
    }

    /**
     * The next value, computed by resuming the native generator on the
     * calling thread until it yields.
     *
     * <p>Blocks only while another thread is inside a method of this
     * sequence. Thread-safe.
     *
     * @return the next value
     * @throws NoSuchElementException if the sequence is finished
     * @throws IllegalStateException if the sequence is closed
     * @throws WeftException if the native core reports an error
     */
    @Override
    public synchronized long nextLong() {
        ensureOpen();
        if (!fill()) {
            throw new NoSuchElementException(describe() + " is finished");
        }
        buffered = false;
        return next;
    }

    /** Resumes the generator unless a value is buffered; true if one is. Caller holds the monitor. */
    private boolean fill() {
        if (buffered) {
            return true;
        }
        if (finished) {
            return false;
        }
        try {
            if (generator.next(this)) {
                next = generator.value();
                buffered = true;
                return true;
            }
            finished = true;
            return false;
        } finally {
            // keep this (and so the handle) reachable until the native call returned:
            // otherwise the Cleaner could free the generator while it runs
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The native generator's id, unique in the process (it appears in Weft's
     * native diagnostics, for example a stack overflow report).
     *
     * @return the generator id, from 1
     */
    public long id() {
        return generator.id();
    }

    /**
     * The usable size, in bytes, of the native generator's stack.
     *
     * @return the stack size in bytes
     */
    public long stackSize() {
        return generator.stackSize();
    }

    /**
     * Whether {@link #close()} has been called.
     *
     * @return {@code true} once closed
     */
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Frees the native generator and its stack; an unfinished generator is
     * finished first. Closing again has no effect.
     *
     * <p>Blocks only while another thread is inside a method of this
     * sequence. Thread-safe.
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            cleanable.clean();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(describe() + " is closed");
        }
    }

    private String describe() {
        return "NativeSequence " + kind + " (generator #" + generator.id() + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
