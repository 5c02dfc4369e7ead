package dev.weft;

/**
 * Thrown by a blocking Weft operation in a {@link Coroutine} that was
 * {@linkplain Coroutine#cancel() cancelled} while (or before) it waited.
 *
 * <p>It is an {@link InterruptedException}, since cancellation is
 * delivered by interrupting the coroutine's thread: code that handles
 * interruption handles cancellation too, and code that wants to tell them
 * apart catches this type first.
 */
public class CancelledException extends InterruptedException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a detail message.
     *
     * @param message what was cancelled
     */
    public CancelledException(String message) {
        super(message);
    }
}
