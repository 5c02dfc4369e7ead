package dev.weft.internal;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import dev.weft.ApiAccess;
import dev.weft.Coroutine;
import dev.weft.Mutex;
import dev.weft.Weft;

import java.time.Duration;
import dev.weft.jni.WeftJni;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * Every form of {@link LockWord} this JDK can run, each on real native
 * mutexes: the word's transitions must be mutex.c's, whichever form the
 * JDK picks (the suite itself runs with only one of them, the one
 * {@link LockWord#IMPL} chose). The Unsafe form is observed through the
 * FFM one where both exist, and vice versa, so a form is never the only
 * witness of its own writes.
 */
public class LockWordTest {

    @DataProvider
    public Object[][] forms() throws Exception {
        return FastPathForms.all(new UnsafeLockWord(), new LockWord.Jni(), "FfmLockWord");
    }

    /** A form that can look at the word, other than {@code form} where possible. */
    private static LockWord witness(LockWord form) throws Exception {
        if (Runtime.version().feature() >= 22 && form instanceof UnsafeLockWord) {
            return (LockWord) FastPathForms.ffm("FfmLockWord");
        }
        return new UnsafeLockWord();
    }

    @Test(dataProvider = "forms", timeOut = 30_000)
    public void takesAFreeWordAndNoOther(LockWord form) throws Exception {
        LockWord w = witness(form);
        Mutex m = new Mutex();
        long h = ApiAccess.sync(m).handle;
        assertEquals(w.peek(h), LockWord.FREE);
        assertTrue(form.tryLock(h), "a free word is taken");
        assertEquals(w.peek(h), LockWord.LOCKED);
        assertFalse(form.tryLock(h), "a held word is not taken again");
        assertFalse(m.tryLock(), "the Mutex sees it held");
        if (form.peek(h) != -1) {
            assertEquals(form.peek(h), LockWord.LOCKED);
            assertTrue(form.tryUnlock(h), "nobody waits: released in place");
        } else {
            assertFalse(form.tryUnlock(h), "the JNI form releases through the native unlock only");
            assertEquals(NativeSync.packed(m, WeftJni.weft_jni_mutex_unlock(h)), WeftJni.WEFT_JNI_OK);
        }
        assertEquals(w.peek(h), LockWord.FREE);
        assertTrue(m.tryLock(), "the Mutex takes it again");
        m.unlock();
    }

    @Test(dataProvider = "forms", timeOut = 30_000)
    public void leavesAWordWithAWaiterToTheNativeUnlock(LockWord form) throws Exception {
        LockWord w = witness(form);
        Mutex m = new Mutex();
        long h = ApiAccess.sync(m).handle;
        m.lock();
        Coroutine<Void> waiter = Weft.go(() -> {
            m.lock();
            m.unlock();
        });
        long until = System.nanoTime() + 20_000_000_000L;
        while ((w.peek(h) & LockWord.WAITERS) == 0) {
            assertTrue(System.nanoTime() < until, "the waiter never queued");
            Thread.sleep(1);
        }
        int s = w.peek(h);
        assertEquals(s & LockWord.LOCKED, LockWord.LOCKED);
        assertFalse(form.tryLock(h), "held and queued on: not taken");
        if ((s & LockWord.WOKEN) == 0) {
            assertFalse(form.tryUnlock(h), "a waiter to wake: the native unlock must do it");
            assertEquals(w.peek(h), s, "a refused release leaves the word alone");
        }
        m.unlock(); // wakes it
        waiter.join(Duration.ofSeconds(20));
        assertEquals(w.peek(h), LockWord.FREE);
    }

    @Test(dataProvider = "forms", timeOut = 30_000)
    public void refusesAWordInHandOffMode(LockWord form) throws Exception {
        LockWord w = witness(form);
        Mutex m = new Mutex();
        long h = ApiAccess.sync(m).handle;
        // a starving mutex hands itself to its first waiter: nobody barges,
        // even when LOCKED is clear between the unlock and the hand-over
        setState(h, LockWord.STARVING | LockWord.WAITERS);
        assertFalse(form.tryLock(h), "hand-off mode: the word is not barged");
        assertEquals(w.peek(h), LockWord.STARVING | LockWord.WAITERS);
        setState(h, LockWord.FREE);
        assertTrue(m.tryLock(), "and works again once out of it");
        m.unlock();
    }

    /** Writes the word as mutex.c would (a test may; the library never does). */
    private static void setState(long h, int state) throws Exception {
        Class<?> c = Class.forName("sun.misc.Unsafe");
        java.lang.reflect.Field f = c.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        c.getMethod("putIntVolatile", Object.class, long.class, int.class).invoke(f.get(null), null, h, state);
    }
}
