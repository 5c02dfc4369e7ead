package dev.weft;

import dev.weft.internal.Native;

/**
 * A failure reported by Weft's native core: carries the core's negative
 * {@code WEFT_E*} code, its name and the core's description of it
 * ({@code weft_strerror}).
 *
 * <p>Misuse that Java can detect itself is reported with the usual JDK
 * exceptions instead ({@link IllegalArgumentException},
 * {@link IllegalStateException}, {@link java.util.NoSuchElementException}).
 * Later versions add subclasses for specific codes; code that needs to tell
 * codes apart should use {@link #code()} until then.
 */
public class WeftException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The native status code ({@link #code()}). @serial */
    private final int code;
    /** The code's macro name ({@link #codeName()}). @serial */
    private final String codeName;

    /**
     * Creates an exception for {@code code}, as returned by the native
     * operation {@code operation}.
     *
     * @param operation what failed (a native function or a Java method name)
     * @param code      the negative {@code WEFT_E*} code
     */
    public WeftException(String operation, int code) {
        this(operation, code, Native.errorName(code), Native.strerror(code));
    }

    private WeftException(String operation, int code, String codeName, String text) {
        super(operation + " failed: " + codeName + " (" + code + "): " + text);
        this.code = code;
        this.codeName = codeName;
    }

    /**
     * The native status code, one of the negative {@code WEFT_E*} values of
     * {@code weft.h}.
     *
     * @return the code
     */
    public int code() {
        return code;
    }

    /**
     * The name of {@link #code()} as {@code weft.h} spells it, for example
     * {@code "WEFT_EINVAL"}.
     *
     * @return the macro name
     */
    public String codeName() {
        return codeName;
    }
}
