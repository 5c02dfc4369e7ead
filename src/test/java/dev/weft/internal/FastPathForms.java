package dev.weft.internal;

/**
 * The forms of a fast path on native memory ({@link LockWord},
 * {@link ChanSeat}) for the tests: which one this JVM should have picked
 * (written out from the rule, not asked of {@link FastPath}, so a wrong
 * pick fails), and every one it can run, for a data provider.
 */
public final class FastPathForms {
    private FastPathForms() {}

    private static final String PACKAGE = FastPathForms.class.getPackageName();

    private static boolean ffmRuns() {
        return Runtime.version().feature() >= 22;
    }

    /**
     * The class name (in {@code dev.weft.internal}) {@link FastPath#pick}
     * must have chosen under this JVM and these properties.
     */
    public static String expected(String ffmClass, String unsafeClass, String jniClass) {
        String simple;
        if (ffmRuns() && !"false".equals(System.getProperty("weft.ffm"))) {
            simple = ffmClass;
        } else {
            simple = !"false".equals(System.getProperty("weft.unsafe")) ? unsafeClass : jniClass;
        }
        return PACKAGE + "." + simple;
    }

    /** A new FFM form ({@code dev.weft.internal.<ffmClass>}, compiled for 22+ only: by name). */
    static Object ffm(String ffmClass) throws Exception {
        return Class.forName(PACKAGE + "." + ffmClass).getDeclaredConstructor().newInstance();
    }

    /** Rows for a data provider: the Unsafe form, the JNI form, and on 22+ the FFM form. */
    static Object[][] all(Object unsafe, Object jni, String ffmClass) throws Exception {
        return ffmRuns()
                ? new Object[][] {{unsafe}, {jni}, {ffm(ffmClass)}}
                : new Object[][] {{unsafe}, {jni}};
    }
}
