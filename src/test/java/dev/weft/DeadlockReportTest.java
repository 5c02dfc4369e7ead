package dev.weft;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testng.annotations.Test;

/**
 * Weft.dump() names what Java threads wait on, and the watchdog warns of a
 * lost wake-up, not of a long timer or a slow producer. The watchdog's
 * cases run in child JVMs with a 1 s threshold, each for a few seconds.
 */
public class DeadlockReportTest {

    @Test(timeOut = 60_000)
    public void dumpListsAParkedCoroutineWithItsOperationAndStack() throws Exception {
        Chan<Integer> never = Chan.make();
        Coroutine<Void> c = Coroutine.builder().name("waits-forever").start(() -> {
            never.recv();
            return null;
        });
        String d = "";
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!d.contains("\"waits-forever\"") && System.nanoTime() < until) {
            Thread.sleep(20);
            d = Weft.dump();
        }
        assertTrue(d.contains("\"waits-forever\" (virtual thread #"), d);
        assertTrue(d.contains(" in Chan.recv for "), d);
        assertTrue(d.contains("at dev.weft.DeadlockReportTest"), d);   // its Java stack
        assertTrue(d.contains("weft: ") && d.contains("coroutines on"), d); // and the native part
        c.cancel();
        assertThrows(c);
    }

    private static void assertThrows(Coroutine<?> c) {
        try {
            c.join(Duration.ofSeconds(10));
        } catch (CoroutineException | CancelledException expected) {
            return;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The scenarios, each in its own JVM. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            switch (args[0]) {
                case "lost-wakeup" -> {
                    Chan<Integer> ch = Chan.make();
                    Weft.go(() -> {
                        ch.recv(); // nobody will ever send
                        return null;
                    });
                    Thread.sleep(4000);
                }
                case "long-timer" -> {
                    Chan<Integer> ch = Chan.make();
                    Weft.go(() -> ch.recv(Duration.ofSeconds(60))); // timed: a timer will end it
                    Thread.sleep(4000);
                }
                case "slow-producer" -> {
                    Chan<Integer> ch = Chan.make();
                    Weft.go(() -> {
                        ch.recv();
                        return null;
                    });
                    Weft.go(() -> {
                        long end = System.nanoTime() + 3_500_000_000L; // busy, not parked on Weft
                        long x = 0;
                        while (System.nanoTime() < end) {
                            x += System.nanoTime() & 1;
                        }
                        ch.send((int) x);
                        return null;
                    });
                    Thread.sleep(4000);
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
            System.out.println("child done");
        }
    }

    private static String runChild(String scenario) throws Exception {
        String java = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        String flags = System.getProperty("weft.test.jvmFlags", "").trim();
        if (!flags.isEmpty()) {
            cmd.addAll(Arrays.asList(flags.split("\\s+")));
        }
        cmd.addAll(List.of("-Dweft.deadlock=1", "-cp", System.getProperty("java.class.path"), Child.class.getName(),
                scenario));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String s = new String(out, StandardCharsets.UTF_8);
        assertEquals(p.exitValue(), 0, s);
        assertTrue(s.contains("child done"), s);
        return s;
    }

    @Test(timeOut = 120_000)
    public void aLostWakeUpIsReportedOnce() throws Exception {
        String out = runChild("lost-wakeup");
        assertTrue(out.contains(Watchdog.MESSAGE), out);
        assertTrue(out.contains(" in Chan.recv for "), out);
        assertEquals(out.split(java.util.regex.Pattern.quote(Watchdog.MESSAGE), -1).length - 1, 1, out);
    }

    @Test(timeOut = 120_000)
    public void aLongTimerIsNoDeadlock() throws Exception {
        String out = runChild("long-timer");
        assertFalse(out.contains(Watchdog.MESSAGE), out);
    }

    @Test(timeOut = 120_000)
    public void aSlowProducerIsNoDeadlock() throws Exception {
        String out = runChild("slow-producer");
        assertFalse(out.contains(Watchdog.MESSAGE), out);
    }
}
