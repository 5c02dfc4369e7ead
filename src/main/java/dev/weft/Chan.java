package dev.weft;

import dev.weft.internal.NativeChan;
import dev.weft.internal.Parking;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A Go channel of Java objects, on Weft's native channel: unbuffered
 * ({@link #make()}, a true rendezvous: {@code send} returns only once a
 * receiver has taken the value) or buffered ({@link #make(int)}).
 *
 * <pre>{@code
 * Chan<String> ch = Chan.make();
 * Weft.go(() -> { ch.send("hello"); ch.close(); });
 * for (String s : ch) System.out.println(s);   // ends when closed and drained
 * }</pre>
 *
 * <p>Any non-null object travels. Values from one sender arrive in the
 * order sent. A closed channel refuses sends ({@link ChanClosedException})
 * and still delivers what it buffered before receives report it closed.
 * Blocking operations park the calling (virtual) thread, never pin it, and
 * throw {@link InterruptedException} when interrupted ({@link
 * CancelledException} when the {@link Coroutine} is cancelled).
 *
 * <p>An unbuffered channel that only plain sends and receives have used
 * hands its values over in a seat on the Java heap, the waiting party
 * spinning on the very word its partner writes (a round trip between two
 * virtual threads then costs no native call); its first {@link Select},
 * its {@link #close()}, or a second party waiting on the same side
 * switches it to the native channel for good. Nothing observable changes
 * at the switch: a party waiting in the seat is moved to the native
 * channel before anyone else uses it.
 *
 * <p>The native channel is freed once the garbage collector has found this
 * object unreachable (as a {@link java.lang.ref.Cleaner} would); there is
 * nothing to release by hand.
 * {@link #close()} is Go's close, a message to the receivers.
 *
 * <p>Memory consistency effects: as with a {@link
 * java.util.concurrent.BlockingQueue}, actions in a thread before it sends
 * an object happen-before actions after that object's receipt in another
 * thread.
 *
 * @param <T> the element type
 */
public final class Chan<T> extends ChanBase implements Iterable<T> {
    private Chan(int cap) {
        super(owner -> NativeChan.ofObjects(owner, cap));
    }

    /**
     * Makes an unbuffered channel: each send waits for a receiver to take
     * the value.
     *
     * @param <T> element type
     * @return a new unbuffered channel
     */
    public static <T> Chan<T> make() {
        return new Chan<>(0);
    }

    /**
     * Makes a channel that buffers up to {@code capacity} values (0:
     * unbuffered, as {@link #make()}).
     *
     * @param capacity buffer size; 0 for unbuffered
     * @param <T>      element type
     * @return a new channel
     * @throws IllegalArgumentException if capacity is negative
     */
    public static <T> Chan<T> make(int capacity) {
        return new Chan<>(capacity);
    }

    /**
     * Sends {@code value}, waiting for room (or, unbuffered, for a receiver).
     *
     * @param value the value, not null
     * @throws ChanClosedException  if the channel is closed
     * @throws InterruptedException if interrupted while waiting (nothing was sent)
     */
    public void send(T value) throws InterruptedException {
        if (!core.sendObject(this, value, Long.MAX_VALUE, true)) {
            throw new IllegalStateException("unreachable");
        }
    }

    /**
     * Sends {@code value} unless that would take longer than {@code timeout}.
     *
     * @param value   the value, not null
     * @param timeout how long to wait at most
     * @return true if sent, false on timeout (nothing was sent)
     * @throws ChanClosedException  if the channel is closed
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean send(T value, Duration timeout) throws InterruptedException {
        return core.sendObject(this, value, Parking.deadline(timeout), true);
    }

    /**
     * Sends {@code value} only if that needs no waiting.
     *
     * @param value the value, not null
     * @return true if sent
     * @throws ChanClosedException if the channel is closed
     */
    public boolean trySend(T value) {
        try {
            return core.sendObject(this, value, Long.MAX_VALUE, false);
        } catch (InterruptedException e) {
            throw new AssertionError("a try never waits", e);
        }
    }

    /**
     * Receives the next value, waiting for one.
     *
     * @return the value
     * @throws ChanClosedException  if the channel is closed and drained
     * @throws InterruptedException if interrupted while waiting
     */
    public T recv() throws InterruptedException {
        return recvOk().orElseThrow(() -> new ChanClosedException("receive from a closed channel"));
    }

    /**
     * Receives the next value, telling "closed" apart from a value (Go's
     * {@code v, ok := <-ch}).
     *
     * @return the value, or empty once the channel is closed and drained
     * @throws InterruptedException if interrupted while waiting
     */
    public Optional<T> recvOk() throws InterruptedException {
        return Optional.ofNullable(receive(Long.MAX_VALUE, true, false));
    }

    /**
     * Receives a value if one comes within {@code timeout}.
     *
     * @param timeout how long to wait at most
     * @return the value, or null on timeout
     * @throws ChanClosedException  if the channel is closed and drained
     * @throws InterruptedException if interrupted while waiting
     */
    public T recv(Duration timeout) throws InterruptedException {
        return receive(Parking.deadline(timeout), true, true);
    }

    /**
     * Receives a value only if one is ready.
     *
     * @return the value, or null if none is ready
     * @throws ChanClosedException if the channel is closed and drained
     */
    public T tryRecv() {
        try {
            return receive(Long.MAX_VALUE, false, true);
        } catch (InterruptedException e) {
            throw new AssertionError("a try never waits", e);
        }
    }

    /** A value, or null (closed if not closedThrows, a try, a timeout). */
    @SuppressWarnings("unchecked")
    private T receive(long deadline, boolean mayBlock, boolean closedThrows) throws InterruptedException {
        return (T) core.recvObject(this, deadline, mayBlock, closedThrows);
    }

    /**
     * Iterates by receiving until the channel is closed and drained. An
     * interrupt ends the iteration with a {@link CancellationException}
     * (the interrupt stays set).
     */
    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            private T next;
            private boolean ended;

            @Override
            public boolean hasNext() {
                if (next != null) {
                    return true;
                }
                if (ended) {
                    return false;
                }
                try {
                    Optional<T> v = recvOk();
                    if (v.isEmpty()) {
                        ended = true;
                        return false;
                    }
                    next = v.get();
                    return true;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    CancellationException c = new CancellationException("interrupted while receiving");
                    c.initCause(e);
                    throw c;
                }
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("channel closed and drained");
                }
                T v = next;
                next = null;
                return v;
            }
        };
    }

    /**
     * A stream that receives, as it is consumed, until the channel is closed
     * and drained; an interrupt ends it as it ends {@link #iterator()}.
     *
     * @return a sequential stream of the values received until the channel is closed and drained
     */
    public Stream<T> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    @Override
    public String toString() {
        return "Chan[cap=" + cap() + ", len=" + len() + (isClosed() ? ", closed" : "") + "]";
    }
}
