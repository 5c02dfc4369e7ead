package dev.weft;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testng.annotations.Test;

/**
 * On a JDK with the FFM API (22+), the default path never touches
 * {@code sun.misc.Unsafe}, so a program using Weft gets none of the JDK's
 * "terminally deprecated method in sun.misc.Unsafe" warnings. Checked in a
 * child JVM started with the JDK's default for Unsafe's memory access
 * (warn on first use, JDK 24+), not the test JVM, whose other tests drive
 * the Unsafe forms on purpose.
 */
public class DefaultPathTest {

    @Test(timeOut = 120_000)
    public void theDefaultPathTakesTheFfmFormsAndNeverUnsafe() throws Exception {
        String java = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        String flags = System.getProperty("weft.test.jvmFlags", "").trim();
        if (!flags.isEmpty()) {
            cmd.addAll(Arrays.asList(flags.split("\\s+")));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(DefaultPathChild.class.getName());
        Path dir = Files.createTempDirectory("weft-default-path");
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("child JVM did not finish in 90 s: " + cmd);
            }
            String stdout = Files.readString(out, StandardCharsets.UTF_8);
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            String report = "exit " + p.exitValue() + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
            assertEquals(p.exitValue(), 0, report);
            assertTrue(stdout.contains("done"), report);
            boolean ffmOff = flags.contains("-Dweft.ffm=false");
            if (Runtime.version().feature() >= 22 && !ffmOff) {
                assertTrue(stdout.contains("lockword=FfmLockWord"), report);
                assertFalse(stderr.contains("sun.misc.Unsafe"), report);
            } else {
                // JDK 21's forms (or the flag that selects them): Unsafe, or JNI without it
                assertTrue(stdout.contains(flags.contains("-Dweft.unsafe=false") ? "lockword=Jni" : "lockword=UnsafeLockWord"),
                        report);
            }
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            Files.deleteIfExists(dir);
        }
    }

    /** Without JavaCPP's jar the first use of Weft names what is missing. */
    @Test(timeOut = 120_000)
    public void aMissingJavacppJarIsNamed() throws Exception {
        String java = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        StringBuilder cp = new StringBuilder();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.contains("javacpp")) {
                cp.append(cp.length() == 0 ? "" : File.pathSeparator).append(e);
            }
        }
        Process p = new ProcessBuilder(java, "-cp", cp.toString(), MissingJarChild.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), out);
        assertTrue(out.contains("Weft needs JavaCPP at run time: org.bytedeco:javacpp"), out);
    }

    /** The child of {@link #aMissingJavacppJarIsNamed()}. */
    public static final class MissingJarChild {
        public static void main(String[] args) {
            try {
                System.out.println("version " + Weft.version());
            } catch (Throwable t) {
                System.out.println(t);
            }
        }
    }
}
