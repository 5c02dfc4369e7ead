package dev.weft.internal;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;

/**
 * Frees the native object under a Java façade once the garbage collector
 * has found the façade unreachable, like a {@link java.lang.ref.Cleaner},
 * except that the threads making native objects help.
 *
 * <p>Why: a Cleaner frees with one thread, and a loop making short-lived
 * objects outran it. Measured on two cores: about 4M channels/s made, 1.7M/s
 * freed by an otherwise idle Cleaner thread; a loop making a million mixed
 * channels with a full collection every 100k had up to 330-390k dead ones
 * still holding native memory at once (a fresh JVM), and a million locks
 * up to 200-490k of their 1.2M native objects (ReclamationTest), the
 * backlog growing with the number made. Here {@link #register} first
 * frees up to {@link #HELP} objects the GC has already found unreachable,
 * so freeing keeps pace with making: the same loops peak at about what is
 * made between two collections (90-101k; 121-171k). The daemon thread
 * {@code weft-reclaimer} frees the rest when nobody is making anything.
 *
 * <p>Not bounded by this: unreachable façades the GC has not found yet.
 * Native memory is invisible to the GC's heuristics, so a large young
 * generation may hold many of them until the next collection, as with
 * direct buffers.
 *
 * <p>Every registration not yet run stays strongly reachable (a reference
 * object that is itself garbage is never enqueued) on one of
 * {@link #SHARDS} doubly linked lists, each guarded by its head.
 * Registrations go round robin over the lists, so a maker and whoever
 * frees rarely want the same lock (lists picked by thread put a lone
 * maker and the daemon on one lock, and the locks' peak about doubled).
 * Unlike a concurrent map, the lists keep no table sized for the largest
 * backlog ever seen.
 */
final class Reclaimer {
    private Reclaimer() {}

    /** Queued registrations a {@link #register} call frees first: more than one, so a backlog shrinks. */
    static final int HELP = 2;
    private static final int SHARDS = 16; // power of two

    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
    /** List heads (sentinels, owner null); each also the lock of its list. */
    private static final Ref[] HEADS = new Ref[SHARDS];
    /** The list the next registration goes to, round robin (a racy counter: only a spread). */
    private static int next;

    static {
        for (int i = 0; i < SHARDS; i++) {
            HEADS[i] = new Ref(null, null, null);
            HEADS[i].prev = HEADS[i].next = HEADS[i];
        }
        Thread.ofPlatform().daemon().name("weft-reclaimer").start(Reclaimer::drain);
    }

    /** A registration: runs its action once, after its owner was found unreachable. */
    static final class Ref extends PhantomReference<Object> {
        private final Runnable action;
        private final Ref head;
        // under head's lock; next == this once unlinked
        private Ref prev;
        private Ref next;

        private Ref(Object owner, Runnable action, Ref head) {
            super(owner, owner == null ? null : QUEUE);
            this.action = action;
            this.head = head;
        }

        /** Runs the action unless it already ran; exceptions are dropped, as by a Cleaner. */
        void clean() {
            synchronized (head) {
                if (next == this) {
                    return;
                }
                prev.next = next;
                next.prev = prev;
                prev = next = this;
            }
            try {
                action.run();
            } catch (Throwable t) {
                // nobody to report to (a Cleaner does the same)
            }
        }
    }

    /**
     * Runs action once owner is found unreachable (action must not refer
     * to owner). First frees up to {@link #HELP} earlier registrations
     * whose owners are gone.
     */
    static Ref register(Object owner, Runnable action) {
        help();
        Ref head = HEADS[next++ & (SHARDS - 1)]; // racy: only a spread
        Ref r = new Ref(owner, action, head);
        synchronized (head) {
            r.prev = head;
            r.next = head.next;
            head.next.prev = r;
            head.next = r;
        }
        return r;
    }

    /** Runs up to HELP queued actions; cheap when none is queued (one volatile read). */
    static void help() {
        for (int i = 0; i < HELP; i++) {
            Ref r = (Ref) QUEUE.poll();
            if (r == null) {
                return;
            }
            r.clean();
        }
    }

    private static void drain() {
        while (true) {
            try {
                ((Ref) QUEUE.remove()).clean();
            } catch (InterruptedException e) {
                // a daemon for the life of the process: keep going
            }
        }
    }
}
