package dev.weft;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.testng.annotations.Test;

/** Scope at scale: members cost the same whatever the scope's size and leave nothing behind. */
public class ScopeTest {

    @Test(timeOut = 120_000)
    public void aScopeKeepsNothingOfMembersThatEnded() throws Exception {
        int n = 200_000;
        AtomicInteger ended = new AtomicInteger();
        int maxLive = 0;
        try (Scope s = Scope.open()) {
            for (int i = 0; i < n; i++) {
                s.go(ended::incrementAndGet);
                if ((i & 4095) == 0) {
                    maxLive = Math.max(maxLive, s.liveMembers());
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (ended.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(ended.get(), n);
            // each member removes itself as it ends: nothing is left of 200k
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (s.liveMembers() > 0 && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            assertEquals(s.liveMembers(), 0);
        }
        assertTrue(maxLive < n, "live members " + maxLive);
    }

    @Test(timeOut = 60_000)
    public void closeReturnsOnlyWhenEveryMemberIsDone() throws Exception {
        List<Coroutine<Integer>> handles = new ArrayList<>();
        AtomicInteger done = new AtomicInteger();
        try (Scope s = Scope.open()) {
            for (int i = 0; i < 100; i++) {
                int k = i;
                handles.add(s.go(() -> {
                    Weft.sleep(Duration.ofMillis(k % 20));
                    done.incrementAndGet();
                    return k;
                }));
            }
        }
        assertEquals(done.get(), 100);
        for (int i = 0; i < 100; i++) {
            assertTrue(handles.get(i).isDone());
            assertEquals(handles.get(i).join(), Integer.valueOf(i));
        }
    }

    @Test(timeOut = 60_000)
    public void cancelReachesMembersStartedFromOtherThreadsMeanwhile() throws Exception {
        AtomicInteger cancelled = new AtomicInteger();
        AtomicInteger started = new AtomicInteger();
        Scope s = Scope.open();
        int spawners = 4, each = 500;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < spawners; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    s.go(() -> {
                        started.incrementAndGet();
                        try {
                            Weft.sleep(Duration.ofSeconds(30));
                        } catch (CancelledException e) {
                            cancelled.incrementAndGet();
                        }
                        return null;
                    });
                }
            }));
        }
        go.countDown();
        Thread.sleep(5);
        s.cancel(); // while the spawners are still spawning: later members start cancelled
        for (Thread t : threads) {
            t.join();
        }
        s.close();
        assertEquals(started.get(), spawners * each);
        assertEquals(cancelled.get(), spawners * each);
        assertEquals(s.liveMembers(), 0);
    }
}
