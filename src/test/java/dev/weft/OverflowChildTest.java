package dev.weft;

import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.testng.annotations.Test;

/** A native generator that overflows its stack inside a JVM is reported, then the process aborts. */
public class OverflowChildTest {

    @Test(timeOut = 120_000)
    public void overflowInsideTheJvmIsReportedAndAborts() throws Exception {
        String java = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        String flags = System.getProperty("weft.test.jvmFlags", "").trim();
        if (!flags.isEmpty()) {
            cmd.addAll(Arrays.asList(flags.split("\\s+")));
        }
        cmd.add("-XX:-CreateCoredumpOnCrash");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(OverflowChild.class.getName());

        Path dir = Files.createTempDirectory("weft-overflow-child"); // for any hs_err/core files
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("child JVM did not finish in 60 s: " + cmd);
            }
            int exit = p.exitValue();
            String stdout = Files.readString(out, StandardCharsets.UTF_8);
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            String report = "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
            assertTrue(stdout.contains("child: weft "), "the child did not get to load Weft\n" + report);
            assertTrue(stderr.contains("weft: stack overflow in coroutine \""), report);
            assertTrue(stderr.contains("weft: stack overflow in coroutine \"overflow-test\" (#"), report);
            assertNotEquals(exit, 0, report);
            assertNotEquals(exit, 3, "the overflow went unnoticed\n" + report);
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
