package dev.weft;

import dev.weft.internal.NativeSelect;
import dev.weft.internal.Parking;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Go's {@code select}: waits until one of several channel operations can
 * proceed, performs exactly that one, and runs its action.
 *
 * <pre>{@code
 * Select.create()
 *       .recv(jobs, job -> handle(job))
 *       .send(results, last, () -> sent++)
 *       .timeout(Duration.ofSeconds(1), () -> System.out.println("idle"))
 *       .run();
 * }</pre>
 *
 * <p>The same semantics as the native {@code weft_select}: when several
 * cases are ready one is chosen at random (fair); a receive on a closed
 * channel fires with {@code null} (or its {@code onClosed} action); a send
 * on a closed channel throws {@link ChanClosedException}; {@link
 * #orElse(Runnable)} is the default case, taken when nothing is ready;
 * {@link #timeout(Duration, Runnable)} bounds the wait. A {@code null}
 * channel is Go's nil channel: its case is never ready (a way to switch a
 * case of a reused select off), so a select of nil cases only, with no
 * default or timeout, waits until interrupted. A channel may appear in
 * several cases. A {@code Select} may be {@link #run()} again
 * and again (a loop); it is not thread-safe. At most {@value #MAX_CASES}
 * channel cases.
 */
public final class Select {
    /** The most channel cases one select can have. */
    public static final int MAX_CASES = NativeSelect.MAX_CASES;

    /**
     * A case's action, run once its case fired: {@code closed}, a receive
     * on a closed and drained channel; a received value is the native
     * half's ({@link NativeSelect#takeObject()}, {@link NativeSelect#value()}).
     */
    private interface Action {
        void fire(boolean closed);
    }

    /** The action of a case on a null channel, which never fires. */
    private static final Action NIL = closed -> {
        throw new AssertionError("a nil channel's case fired");
    };

    private final NativeSelect cases = new NativeSelect();
    /** By case index, as the native half numbers them. */
    private final List<Action> actions = new ArrayList<>();
    private Duration timeout;
    private Runnable onTimeout;
    private Runnable onDefault;

    private Select() {}

    /**
     * Starts building a select.
     *
     * @return a select with no cases yet
     */
    public static Select create() {
        return new Select();
    }

    /** Records the action of the case just added as {@code index}. */
    private Select add(int index, Action a) {
        actions.add(index, a);
        return this;
    }

    /**
     * No case can ever fire (none, or only nil channels): the default, or
     * the timeout, or (nil cases only: Go's select blocks forever there)
     * a wait that only an interrupt or a cancel ends. The native select
     * refuses such a wait (WEFT_EDEADLK), so it is done here.
     */
    private void runWithoutChannels(long deadline, boolean nilCases) throws InterruptedException {
        if (onDefault != null) {
            onDefault.run();
            return;
        }
        if (timeout == null && !nilCases) {
            throw new IllegalStateException("a select with no cases, default or timeout would wait forever");
        }
        for (;;) {
            if (timeout == null) {
                java.util.concurrent.locks.LockSupport.park(this);
            } else {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(this, left);
            }
            if (Thread.interrupted()) {
                throw Coroutine.interruptedOrCancelled();
            }
        }
        onTimeout.run();
    }

    /**
     * A receive case; {@code onValue} gets {@code null} if the channel is
     * closed and drained.
     *
     * @param ch      the channel, or null for a case that never fires
     * @param onValue what to do with the value
     * @param <T>     element type
     * @return this select
     */
    public <T> Select recv(Chan<T> ch, Consumer<? super T> onValue) {
        return recv(ch, onValue, () -> onValue.accept(null));
    }

    /**
     * A receive case with a separate action for a closed channel.
     *
     * @param ch       the channel, or null for a case that never fires
     * @param onValue  what to do with a value
     * @param onClosed what to do if the channel is closed and drained
     * @param <T>      element type
     * @return this select
     */
    public <T> Select recv(Chan<T> ch, Consumer<? super T> onValue, Runnable onClosed) {
        Objects.requireNonNull(onValue, "action is null");
        @SuppressWarnings("unchecked")
        Runnable got = () -> onValue.accept((T) cases.takeObject());
        return recvCase(ch, got, onClosed);
    }

    /**
     * A receive case on a channel of longs.
     *
     * @param ch       the channel, or null for a case that never fires
     * @param onValue  what to do with a value
     * @param onClosed what to do if the channel is closed and drained
     * @return this select
     */
    public Select recv(LongChan ch, LongConsumer onValue, Runnable onClosed) {
        Objects.requireNonNull(onValue, "action is null");
        return recvCase(ch, () -> onValue.accept(cases.value()), onClosed);
    }

    /** A receive case on ch (null: nil); {@code got} takes the value from the native half. */
    private Select recvCase(ChanBase ch, Runnable got, Runnable onClosed) {
        Objects.requireNonNull(onClosed, "action is null");
        if (ch == null) {
            return add(cases.recv(null, null), NIL);
        }
        return add(cases.recv(ch.core, ch), closed -> {
            if (closed) {
                onClosed.run();
            } else {
                got.run();
            }
        });
    }

    /**
     * A send case.
     *
     * @param ch     the channel, or null for a case that never fires
     * @param value  the value to send, not null
     * @param onSent what to do once it was sent
     * @param <T>    element type
     * @return this select
     */
    public <T> Select send(Chan<T> ch, T value, Runnable onSent) {
        Objects.requireNonNull(value, "Chan does not carry null");
        Objects.requireNonNull(onSent, "action is null");
        if (ch == null) {
            return add(cases.send(null, null, 0L), NIL);
        }
        return add(cases.send(ch.core, ch, (Object) value), closed -> onSent.run());
    }

    /**
     * A send case on a channel of longs.
     *
     * @param ch     the channel, or null for a case that never fires
     * @param value  the value
     * @param onSent what to do once it was sent
     * @return this select
     */
    public Select send(LongChan ch, long value, Runnable onSent) {
        Objects.requireNonNull(onSent, "action is null");
        if (ch == null) {
            return add(cases.send(null, null, 0L), NIL);
        }
        return add(cases.send(ch.core, ch, value), closed -> onSent.run());
    }

    /**
     * Gives up after {@code timeout} (from the start of each {@link #run()})
     * and runs {@code onTimeout}.
     *
     * @param timeout   how long to wait at most
     * @param onTimeout what to do then
     * @return this select
     */
    public Select timeout(Duration timeout, Runnable onTimeout) {
        this.timeout = Objects.requireNonNull(timeout, "timeout is null");
        this.onTimeout = Objects.requireNonNull(onTimeout, "action is null");
        return this;
    }

    /**
     * The default case: runs {@code onDefault} at once if no case is ready.
     *
     * @param onDefault what to do then
     * @return this select
     */
    public Select orElse(Runnable onDefault) {
        this.onDefault = Objects.requireNonNull(onDefault, "action is null");
        return this;
    }

    /**
     * Waits for one case, performs it and runs its action (on this thread).
     *
     * @throws ChanClosedException  if the case chosen is a send on a closed channel
     * @throws InterruptedException if interrupted while waiting (no case ran)
     * @throws IllegalStateException if there is no case, default or timeout at all
     */
    public void run() throws InterruptedException {
        long deadline = timeout != null ? Parking.deadline(timeout) : Long.MAX_VALUE;
        if (cases.noChannels()) {
            runWithoutChannels(deadline, cases.size() > 0);
            return;
        }
        int fired = cases.run(onDefault != null, deadline);
        if (fired == NativeSelect.DEFAULT) {
            onDefault.run();
        } else if (fired == NativeSelect.TIMEOUT) {
            onTimeout.run();
        } else {
            actions.get(fired).fire(cases.closed());
        }
    }
}
