package dev.weft.internal;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.assertFalse;

import dev.weft.ApiAccess;
import dev.weft.Blocked;
import dev.weft.Chan;
import dev.weft.Coroutine;
import dev.weft.LongChan;
import dev.weft.RecordChan;
import dev.weft.Weft;
import dev.weft.jni.WeftJni;

import java.lang.ref.Reference;
import java.time.Duration;
import java.util.List;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * The native seat's Java half ({@link ChanSeat}): which form this JVM
 * picked, and each form taking a sitter and handing it its outcome.
 */
public class ChanSeatTest {
    @Test(timeOut = 10_000)
    public void seatFastPathIsTheFfmOneOnJdk22AndUnsafesBefore() {
        // the build puts FfmChanSeat in the jar's release-22 section; losing it (or
        // Unsafe's on JDK 21) silently would put a JNI call back on every native hand-off
        FastPathForms.assertPicked(ChanSeat.IMPL,
                FastPathForms.expected("FfmChanSeat", "UnsafeChanSeat", "ChanSeat$None"));
        assertEquals(ApiAccess.core(Chan.make()).seat, ChanSeat.IMPL.fast());
        assertFalse(ApiAccess.core(Chan.make(1)).seat, "a buffered channel has no seat");
        assertFalse(ApiAccess.core(RecordChan.make(8, 0)).seat, "a record receiver reads its op record, never a hand-over");
    }

    /** Every form of ChanSeat this JDK can run (the suite runs the one IMPL picked). */
    @DataProvider
    public Object[][] seats() throws Exception {
        return FastPathForms.all(new UnsafeChanSeat(), new ChanSeat.None(), "FfmChanSeat");
    }

    /**
     * ChanSeat itself, step by step, in each of its forms: a party sitting
     * in the seat is taken from Java (the native seat is empty after, and
     * taken once only), and the outcome handed over completes its wait, in
     * both directions; its next operations, which must tell the native op
     * record its wait ended by hand, work as usual.
     */
    @Test(dataProvider = "seats", timeOut = 30_000)
    public void aSitterIsTakenFromJavaAndHandedItsOutcome(ChanSeat seat) throws Exception {
        if (!seat.fast()) {
            assertEquals(seat.takeReceiver(ApiAccess.core(Chan.make()).handle), 0);
            return; // the JNI form: no fast path, the native seat does it all (the other tests)
        }
        Chan<Object> ch = Chan.make();
        NativeChan core = ApiAccess.core(ch);
        core.toNative(); // the native seat (before, the heap seat does its job)
        Object first = new Object();
        Coroutine<List<Object>> r = Weft.go(() -> List.of(ch.recv(), ch.recv()));
        Blocked.receivers(ch, 1); // sitting: unbuffered, 8 bytes, nobody queued
        int t = seat.takeReceiver(core.handle);
        assertTrue(t > 0, "no sitter taken: " + t);
        assertEquals(WeftJni.weft_jni_chan_queued(core.handle, Blocked.RECEIVERS), 0L, "the seat was not emptied");
        assertEquals(seat.takeReceiver(core.handle), 0, "one sitter taken twice");
        Parking.handSeated(t, 0, first);
        ch.send("second"); // the receiver's next wait starts on its op record as usual
        assertEquals(r.join(Duration.ofSeconds(10)), List.of(first, "second"));
        Reference.reachabilityFence(ch);

        LongChan longs = LongChan.make(0);
        NativeChan longsCore = ApiAccess.core(longs);
        Coroutine<Void> s = Weft.go(() -> {
            longs.send(41);
            longs.send(42);
            return null;
        });
        Blocked.await(longsCore, Blocked.SENDERS, 1);
        Parking.Waiter me = Parking.waiter();
        t = seat.takeSender(longsCore.handle, me);
        assertTrue(t > 0, "no sitting sender taken: " + t);
        assertEquals(me.seatValue, 41L);
        assertEquals(seat.takeSender(longsCore.handle, me), 0, "one sitter taken twice");
        Parking.handSeated(t, 0, null); // the sender's OK
        assertEquals(longs.recv(), 42L);
        s.join(Duration.ofSeconds(10));
    }
}
