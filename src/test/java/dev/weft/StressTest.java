package dev.weft;

import static org.testng.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.testng.annotations.Test;

/**
 * Exact accounting at scale: 100k coroutines (half producers, half
 * consumers) move 10M messages through a mix of buffered and unbuffered
 * channels, and every message arrives exactly once (count, sum and sum of
 * squares of the distinct values all match). -Dweft.stress.scale=N
 * divides both numbers (for slow sanitizer or emulated runs).
 */
public class StressTest {
    private static final int SCALE = Integer.getInteger("weft.stress.scale", 1);

    @Test(timeOut = 600_000)
    public void hundredThousandCoroutinesTenMillionMessagesExactlyOnce() throws Exception {
        int coroutines = 100_000 / SCALE;
        long messages = 10_000_000L / SCALE;
        int producers = coroutines / 2, consumers = coroutines - producers;
        int per = (int) (messages / producers);
        List<Chan<Integer>> chans = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            chans.add(i % 4 == 0 ? Chan.make() : Chan.make(1024)); // a quarter unbuffered
        }
        LongAdder count = new LongAdder(), sum = new LongAdder(), squares = new LongAdder();
        WaitGroup produced = new WaitGroup(), consumed = new WaitGroup();
        produced.add(producers);
        consumed.add(consumers);
        for (int c = 0; c < consumers; c++) {
            Chan<Integer> ch = chans.get(c % chans.size());
            Weft.go(() -> {
                for (int v : ch) {
                    count.increment();
                    sum.add(v);
                    squares.add((long) v * v);
                }
                consumed.done();
            });
        }
        for (int p = 0; p < producers; p++) {
            int base = p * per;
            Chan<Integer> ch = chans.get(p % chans.size());
            Weft.go(() -> {
                try {
                    for (int i = 0; i < per; i++) {
                        ch.send(base + i);
                    }
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                produced.done();
            });
        }
        produced.await();
        chans.forEach(Chan::close);
        consumed.await();
        long n = (long) producers * per; // values 0 .. n-1, each once
        long expectSum = n * (n - 1) / 2;
        long expectSquares = 0;
        for (long v = 0; v < n; v++) {
            expectSquares += v * v; // wraps mod 2^64 past ~2.6M values, as the adder does
        }
        assertEquals(count.sum(), n, "messages received");
        assertEquals(sum.sum(), expectSum, "sum of values");
        assertEquals(squares.sum(), expectSquares, "sum of squares");
    }
}
