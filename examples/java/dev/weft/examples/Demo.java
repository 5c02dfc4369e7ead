package dev.weft.examples;

import dev.weft.Chan;
import dev.weft.Coroutine;
import dev.weft.LongChan;
import dev.weft.Scope;
import dev.weft.Select;
import dev.weft.WaitGroup;
import dev.weft.Weft;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The README's demo, three Go classics on Weft:
 * <ol>
 *   <li>a concurrent prime sieve: a chain of coroutines, one per prime,
 *       each filtering the numbers it receives from the one before;</li>
 *   <li>fan-out/fan-in: workers take jobs from one channel and send results
 *       to another, a WaitGroup closes it when they are done, and the
 *       collector selects over results and a progress timeout;</li>
 *   <li>a C coroutine (from a native library of its own, {@code
 *       examples/c/squares.c}) feeding Java coroutines over one channel.</li>
 * </ol>
 *
 * <p>Run it with {@code ./mvnw -q -Pdemo package}.
 */
public final class Demo {
    private Demo() {}

    /**
     * Runs the three parts and prints what they did and how long it took.
     *
     * @param args ignored
     * @throws Exception if a part fails
     */
    public static void main(String[] args) throws Exception {
        System.out.println("Weft " + Weft.version() + " (native library: " + Weft.nativeLibrary() + ")");
        sieve(1000);
        fanOutFanIn(100_000, 8);
        nativeProducer();
    }

    /** Go's prime sieve: n primes through a chain of n filter coroutines. */
    static void sieve(int n) throws Exception {
        long t0 = System.nanoTime();
        Chan<Integer> ch = Chan.make();
        Coroutine<Void> gen = Weft.go(() -> {
            try {
                for (int i = 2; ; i++) {
                    ch.send(i);
                }
            } catch (InterruptedException e) {
                // cancelled at the end
            }
        });
        List<Coroutine<Void>> filters = new ArrayList<>();
        Chan<Integer> in = ch;
        int last = 0;
        for (int i = 0; i < n; i++) {
            int prime = in.recv();
            last = prime;
            Chan<Integer> out = Chan.make();
            Chan<Integer> src = in;
            filters.add(Weft.go(() -> {
                try {
                    for (;;) {
                        int v = src.recv();
                        if (v % prime != 0) {
                            out.send(v);
                        }
                    }
                } catch (InterruptedException e) {
                    // cancelled at the end
                }
            }));
            in = out;
        }
        gen.cancel();
        for (Coroutine<Void> f : filters) {
            f.cancel();
        }
        gen.join();
        for (Coroutine<Void> f : filters) {
            f.join();
        }
        System.out.printf("prime sieve: the %d-th prime is %d, found by a chain of %d coroutines over %d channels, in %.0f ms%n",
                n, last, n + 1, n + 1, (System.nanoTime() - t0) / 1e6);
    }

    /** Workers square numbers from a job channel; the collector sums them. */
    static void fanOutFanIn(int jobs, int workers) throws Exception {
        long t0 = System.nanoTime();
        Chan<Integer> work = Chan.make(64);
        Chan<Long> results = Chan.make(64);
        WaitGroup wg = new WaitGroup();
        wg.add(workers);
        for (int w = 0; w < workers; w++) {
            Weft.go(() -> {
                try {
                    for (int j : work) {
                        results.send((long) j * j);
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                } finally {
                    wg.done();
                }
            });
        }
        Weft.go(() -> {
            try {
                for (int j = 1; j <= jobs; j++) {
                    work.send(j);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            work.close();
        });
        Weft.go(() -> {
            try {
                wg.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            results.close();
        });
        long[] sum = {0};
        int[] got = {0};
        int[] timeouts = {0};
        boolean[] open = {true};
        Select collect = Select.create()
                .recv(results, v -> {
                    sum[0] += v;
                    got[0]++;
                }, () -> open[0] = false)
                .timeout(Duration.ofMillis(100), () -> timeouts[0]++);
        while (open[0]) {
            collect.run();
        }
        long n = jobs;
        long expected = n * (n + 1) * (2 * n + 1) / 6;
        System.out.printf("fan-out/fan-in: %d jobs by %d worker coroutines, %d results summed to %d (%s), "
                + "%d idle timeouts, in %.0f ms%n", jobs, workers, got[0], sum[0],
                sum[0] == expected ? "correct" : "WRONG, expected " + expected, timeouts[0], (System.nanoTime() - t0) / 1e6);
    }

    /** A native C coroutine sends squares; four Java coroutines sum them. */
    static void nativeProducer() throws Exception {
        String lib = System.getProperty("weft.example.squares", "");
        if (lib.isEmpty() || !new File(lib).isFile()) {
            System.out.println("C producer: skipped (no examples/c/weft_example_squares library here: " + lib + ")");
            return;
        }
        long t0 = System.nanoTime();
        LongChan ch = LongChan.make(256);
        long fn = Weft.nativeSymbol(lib, "weft_example_squares");
        Weft.goNative(fn, ch.retainNative());
        AtomicLong sum = new AtomicLong(), count = new AtomicLong();
        try (Scope s = Scope.open()) {
            for (int i = 0; i < 4; i++) {
                s.go(() -> {
                    OptionalLong v;
                    while ((v = ch.recvOk()).isPresent()) {
                        sum.addAndGet(v.getAsLong());
                        count.incrementAndGet();
                    }
                    return null;
                });
            }
        }
        long n = count.get();
        long expected = n * (n + 1) * (2 * n + 1) / 6;
        System.out.printf("C producer: a native coroutine from %s sent %d squares over a shared channel to 4 Java "
                + "coroutines; sum %d (%s), in %.0f ms%n", new File(lib).getName(), n, sum.get(),
                sum.get() == expected ? "correct" : "WRONG", (System.nanoTime() - t0) / 1e6);
    }
}
