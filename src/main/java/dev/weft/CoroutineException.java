package dev.weft;

/**
 * A coroutine ended with an exception: thrown by {@link Coroutine#join()}
 * and by {@link Scope#close()}, with that exception as its cause.
 */
public class CoroutineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception for a coroutine's failure.
     *
     * @param message which coroutine failed
     * @param cause   what it threw
     */
    public CoroutineException(String message, Throwable cause) {
        super(message, cause);
    }
}
