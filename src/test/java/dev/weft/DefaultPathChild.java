package dev.weft;

import java.time.Duration;

/**
 * Run in a child JVM by {@link DefaultPathTest}: exercises the fast paths a
 * program takes by default (a mutex's word, an unbuffered channel's seat,
 * a select), then prints which forms were picked.
 */
public final class DefaultPathChild {
    private DefaultPathChild() {}

    public static void main(String[] args) throws Exception {
        Mutex m = new Mutex();
        for (int i = 0; i < 1000; i++) {
            m.lock();
            m.unlock();
        }
        Chan<Integer> ch = Chan.make();
        LongChan lc = LongChan.make(0); // unbuffered: the native seat
        Coroutine<Void> c = Weft.go(() -> {
            for (int i = 0; i < 1000; i++) {
                ch.send(i);
                lc.send(i);
            }
            return null;
        });
        for (int i = 0; i < 1000; i++) {
            ch.recv();
            lc.recv();
        }
        c.join(Duration.ofSeconds(30));
        Select.create().recv(ch, v -> { }).orElse(() -> { }).run();
        System.out.println("lockword=" + dev.weft.internal.LockWord.IMPL.getClass().getSimpleName());
        System.out.println("done");
    }
}
