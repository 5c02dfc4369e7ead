package dev.weft;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Java objects in flight through native channels: a channel of objects
 * carries slot numbers (8-byte elements), and the objects wait here from
 * send to receive. Slot numbers are never reused (a long does not wrap),
 * so a stale number cannot fetch another message's object.
 */
final class Slots {
    private Slots() {}

    private static final ConcurrentHashMap<Long, Object> SLOTS = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT = new AtomicLong();

    static long put(Object o) {
        long id = NEXT.incrementAndGet();
        SLOTS.put(id, o);
        return id;
    }

    static Object take(long id) {
        Object o = SLOTS.remove(id);
        if (o == null) {
            throw new IllegalStateException("weft: message slot " + id + " missing");
        }
        return o;
    }

    static void drop(long id) {
        SLOTS.remove(id);
    }

    /** Objects in flight (tests: nothing leaks). */
    static int size() {
        return SLOTS.size();
    }
}
