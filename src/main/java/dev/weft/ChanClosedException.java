package dev.weft;

/**
 * Thrown by a send on a closed {@link Chan}, and by a receive from a
 * channel that is closed and drained.
 */
public class ChanClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a detail message.
     *
     * @param message what was attempted on the closed channel
     */
    public ChanClosedException(String message) {
        super(message);
    }
}
