package app;

import dev.weft.Chan;
import dev.weft.Coroutine;
import dev.weft.Mutex;
import dev.weft.Weft;

/** Weft from the module path: the API works, the JNI bindings stay closed. */
public class Main {
    public static void main(String[] args) throws Exception {
        Chan<String> ch = Chan.make();
        Coroutine<Void> c = Weft.go(() -> {
            ch.send("hello");
            return null;
        });
        String got = ch.recv();
        c.join();
        Mutex m = new Mutex();
        m.lock();
        m.unlock();
        System.out.println("module path: received " + got + " from a coroutine; native " + Weft.version());
        try {
            Class.forName("dev.weft.jni.WeftJni").getMethod("weft_jni_version").invoke(null);
            throw new AssertionError("dev.weft.jni is reachable from another module");
        } catch (IllegalAccessException expected) {
            System.out.println("module path: dev.weft.jni is not exported (" + expected.getClass().getSimpleName() + ")");
        }
    }
}
