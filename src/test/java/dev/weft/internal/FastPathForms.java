package dev.weft.internal;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.net.URL;

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

    /**
     * Asserts that {@code impl} is of class {@code expected} and, if that is
     * an FFM form, that it came from a release-22 section (the jar's
     * META-INF/versions/22, or that directory of target/classes, which the
     * build puts on the tests' class path): the classes the jar's users get
     * on a 22+ JVM. Says which form runs, and from where, on the test output.
     */
    public static void assertPicked(Object impl, String expected) {
        Class<?> c = impl.getClass();
        URL where = c.getProtectionDomain().getCodeSource().getLocation();
        System.out.println("weft fast path: " + c.getName() + " on JDK " + Runtime.version().feature()
                + ", loaded from " + where);
        assertEquals(c.getName(), expected);
        if (c.getSimpleName().startsWith("Ffm")) {
            String w = where.toString();
            assertTrue(w.endsWith("/META-INF/versions/22/") || w.endsWith(".jar"),
                    c.getName() + " loaded from " + w + ", not from a release-22 section");
        }
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
