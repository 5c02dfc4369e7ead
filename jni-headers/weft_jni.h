/*
 * weft_jni.h - the C ABI that Java sees (through JavaCPP, which parses this
 * file and generates dev.weft.jni.WeftJni).
 *
 * Rules for this header, so that the binding stays flat and stable:
 *   - only integers, int64_t handles and C strings cross it; no structs by
 *     value, no callbacks, nothing that needs a JavaCPP Info beyond the
 *     export macro;
 *   - it is self-contained: it does not include weft.h (JavaCPP would not
 *     follow the include anyway).  The status codes below are the numbers of
 *     weft.h's WEFT_OK / WEFT_DONE / WEFT_E*; jni_api.c checks that at
 *     compile time;
 *   - a handle is a positive int64_t (a pointer to a native object); a
 *     function that creates one returns a negative WEFT_JNI_E* code instead
 *     on failure.  A handle is valid until the matching close; passing a
 *     closed or made-up handle is undefined (the Java layer guarantees it
 *     never does, see dev.weft.NativeSequence);
 *   - nothing here blocks: every call returns after a bounded amount of C
 *     work, so it is safe from a virtual thread (no pinning beyond the call).
 *
 * The functions are implemented in cnative/jni (jni_api.c, jni_runtime.c),
 * compiled into libweftjni.a and linked statically into the JNI library
 * only.  libweft, the C library, holds none of them.
 */
#ifndef WEFT_JNI_H
#define WEFT_JNI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a signature or meaning below changes incompatibly; the
 * Java layer refuses to run against a native library with another value. */
#define WEFT_JNI_ABI_VERSION 6

/* ---- status codes (same numbers as weft.h) ----------------------------- */
#define WEFT_JNI_OK          0   /* success; for seq_next: a value was produced */
#define WEFT_JNI_DONE        1   /* seq_next: the sequence is finished */
#define WEFT_JNI_EINVAL     (-1)
#define WEFT_JNI_ENOMEM     (-2)
#define WEFT_JNI_ECLOSED    (-3)
#define WEFT_JNI_ETIMEDOUT  (-4)
#define WEFT_JNI_ECANCELED  (-5)
#define WEFT_JNI_EFINISHED  (-6)
#define WEFT_JNI_EBUSY      (-7)
#define WEFT_JNI_EPERM      (-8)
#define WEFT_JNI_EAGAIN     (-9)
#define WEFT_JNI_EDEADLK   (-10)
#define WEFT_JNI_ESTATE    (-11)
/* Not an error: the operation was queued; wait for its token (below).
 * Above any select case index, so a select never reads as parked. */
#define WEFT_JNI_PARKED      0x2000

/* ---- library identity --------------------------------------------------- */

/* WEFT_JNI_ABI_VERSION of the compiled library. */
int weft_jni_abi_version(void);

/* weft_version(): "MAJOR.MINOR.PATCH" of the linked core.  Static string. */
const char *weft_jni_version(void);

/* The core's version macros, as one number MAJOR*10000 + MINOR*100 + PATCH,
 * taken from weft.h at compile time (lets tests compare the string above
 * with the header the library was built from). */
int weft_jni_header_version(void);

/* weft_strerror(code): a static, never-NULL description. */
const char *weft_jni_strerror(int code);

/* The macro name of a status code ("WEFT_EINVAL", "WEFT_OK", ...), or
 * "WEFT_E?" for a code this library does not know.  Static string. */
const char *weft_jni_errname(int code);

/* ---- native sequences: C code running inside a Weft generator -----------
 *
 * A sequence is a weft generator (weft_gen_*) whose function, written in C,
 * runs on the generator's own guard-paged stack and yields int64 values one
 * at a time.  seq_next resumes it on the calling thread until it yields the
 * next value or returns.  A sequence may be used from any thread, one call
 * at a time; a concurrent call gets WEFT_JNI_EBUSY and changes nothing.
 */

/* The first `count` Fibonacci numbers: 0, 1, 1, 2, 3, 5, ...
 * (count 0..93; F(92) is the last that fits an int64). */
#define WEFT_JNI_SEQ_FIBONACCI 1
/* 1, 2, ..., count, where value k is yielded from inside the k-th nested
 * call of a recursive C function: the generator's C call stack is kept
 * intact across every yield (count 0..100000; the stack is sized for it). */
#define WEFT_JNI_SEQ_NESTED    2

/* Opens a sequence of `kind` with `count` values on a stack of stack_bytes
 * usable bytes (0: Weft's default, 64 KiB, or what WEFT_JNI_SEQ_NESTED
 * needs if more).  Returns a handle (> 0) or WEFT_JNI_EINVAL (unknown kind,
 * count or stack_bytes out of range) or WEFT_JNI_ENOMEM.  Nothing runs
 * until the first seq_next. */
int64_t weft_jni_seq_open(int kind, int64_t count, int64_t stack_bytes);

/* Runs the sequence to its next value: WEFT_JNI_OK and *out = the value,
 * or WEFT_JNI_DONE (and *out untouched) once it is finished (again on
 * every later call), or a negative code (WEFT_JNI_EINVAL for a bad handle
 * or out NULL, WEFT_JNI_EBUSY for a concurrent call). */
int weft_jni_seq_next(int64_t h, int64_t *out);

/* The generator's id (unique per process, from 1) and usable stack size in
 * bytes; 0 for a bad handle. */
int64_t weft_jni_seq_id(int64_t h);
int64_t weft_jni_seq_stack_size(int64_t h);

/* Frees the sequence and its generator (an unfinished generator is
 * finished first, see weft_gen_free).  WEFT_JNI_OK, or WEFT_JNI_EBUSY when
 * another thread is inside seq_next (nothing is freed then), or
 * WEFT_JNI_EINVAL for a bad handle.  h is invalid after WEFT_JNI_OK. */
int weft_jni_seq_close(int64_t h);

/* Sequences opened and not yet closed, process-wide (diagnostics, tests). */
int64_t weft_jni_seq_live(void);

/* ---- the runtime, for Java threads -----------------------------------------
 *
 * Java threads (virtual or platform) use Weft's channels and locks
 * without ever blocking inside one of these calls: an operation that
 * cannot complete at once is queued and returns WEFT_JNI_PARKED, the
 * Java thread parks (LockSupport.park) until its *token* is delivered,
 * then asks for the outcome (weft_jni_op_result).  cnative/jni/ext.h has
 * the protocol.
 *
 * Packed results.  A call that may complete somebody else's wait returns
 * an int64: bits 0..15 the status (a signed 16-bit number: WEFT_JNI_OK,
 * WEFT_JNI_PARKED, an error), bits 16..63 a signed token the caller must
 * deliver (0: none).  A positive token: this call completed that thread's
 * channel send or receive (WEFT_JNI_OK); a negative one (deliver its
 * absolute value): that thread was woken some other way (a buffered
 * channel's "try again", a mutex released to compete for, a close) and
 * asks weft_jni_op_result.  Only the first wake-up a call causes comes
 * back this way; any other goes to the wake queue that weft_jni_wake_wait
 * drains.
 *
 * Handles: an op record (weft_jni_op_new) per Java thread, reused for
 * each of its operations; channels, mutexes, rwlocks, semaphores,
 * conditions and WaitGroups.  Each is a pointer; passing a freed or
 * made-up handle is undefined (the Java layer never does).
 */

/* The runtime: started with `workers` worker threads (0: one per core) if
 * it is not running yet, else nothing.  WEFT_JNI_OK or an error. */
int weft_jni_runtime_start(int workers);
/* weft_now(): monotonic nanoseconds. */
int64_t weft_jni_now(void);
/* Live native objects, process-wide (diagnostics, tests): weft_stats'
 * `channels` (every weft_chan_t made and not yet freed, by Java or C) and
 * `java_sync` (mutexes, rwlocks, semaphores, conditions and WaitGroups
 * made by the *_new calls below and not yet freed). */
int64_t weft_jni_chan_live(void);
int64_t weft_jni_sync_live(void);

/* Native coroutine switches so far, all workers (weft_stats' switches):
 * the deadlock watchdog's sign that native code still moves. */
int64_t weft_jni_switches(void);

/* An op record with room for a channel element of elem_bytes and a
 * select of max_cases cases.  Handle, or WEFT_JNI_ENOMEM/EINVAL. */
int64_t weft_jni_op_new(int64_t elem_bytes, int max_cases);
/* WEFT_JNI_EBUSY while an operation is queued on it.  handed: 1 if the
 * last operation's outcome came by hand (WEFT_JNI_HANDED, below). */
int weft_jni_op_free(int64_t op, int handed);
/* After a recv (at once, or once woken): the 8-byte element received. */
int64_t weft_jni_op_value(int64_t op);
/* After a select: the value of case i (received, or sent). */
int64_t weft_jni_op_case_value(int64_t op, int i);
/* Copies n bytes of the element (record channels) out of / into op. */
int weft_jni_op_get_bytes(int64_t op, signed char *out, int n);
int weft_jni_op_set_bytes(int64_t op, const signed char *in, int n);
/* Gives up a queued operation: reason WEFT_JNI_ETIMEDOUT or
 * WEFT_JNI_ECANCELED.  1: done, op_result now reports `reason`; 0: it had
 * completed meanwhile (its token is on its way or was delivered). */
int weft_jni_op_abort(int64_t op, int reason);
/* The outcome once settled, packed (it may wake another thread): status
 * WEFT_JNI_OK, WEFT_JNI_ECLOSED, the abort's reason; a select's fired
 * case index, plus WEFT_JNI_SELECT_CLOSED if that receive saw the channel
 * closed.  WEFT_JNI_EAGAIN if not settled.  WEFT_JNI_PARKED: the waiter
 * was woken to try again (a mutex released to compete for, a buffered
 * channel that gained a value or room, for a send, receive or select),
 * lost, and is queued again: wait for the next token, then ask again. */
int64_t weft_jni_op_result(int64_t op);
#define WEFT_JNI_SELECT_CLOSED 0x4000

/* weft_dump (every native coroutine, its state and what it waits on)
 * into the file at path, created or truncated, for Weft.dump.
 * WEFT_JNI_OK, or WEFT_JNI_EINVAL if the file cannot be written. */
int weft_jni_dump_to(const char *path);

/* Channels.  elem_size 8 carries a Java long (or a Java object's slot
 * number); other sizes carry byte records.  Handle or negative code. */
int64_t weft_jni_chan_make(int64_t elem_size, int64_t cap);
int weft_jni_chan_retain(int64_t ch);
int weft_jni_chan_release(int64_t ch);
/* packed (a close wakes every waiter: the first token comes back) */
int64_t weft_jni_chan_close(int64_t ch);
int64_t weft_jni_chan_len(int64_t ch);
int64_t weft_jni_chan_cap(int64_t ch);
int64_t weft_jni_chan_elem_size(int64_t ch);
int weft_jni_chan_is_closed(int64_t ch);
/* Parties queued on ch's send (dir 1, WEFT_SEND) or receive (2, WEFT_RECV)
 * queue, select cases included: for tests that must wait until another
 * thread has blocked, instead of sleeping and hoping. */
int64_t weft_jni_chan_queued(int64_t ch, int dir);
/* Send value (8-byte channels; record channels: the bytes set with
 * op_set_bytes, value ignored) / receive into op.  may_block 0: try only
 * (WEFT_JNI_EAGAIN), 1: may wait; | WEFT_JNI_HAND if the caller hands
 * over what a positive token it gets back completed (the status, and a
 * send's value to a receiver) and takes its own wait's outcome by hand
 * the same way; the value is then nowhere else (cnative/src/chan.h, the
 * seat).  Packed: OK, ECLOSED, EAGAIN, PARKED.
 *
 * After a wait whose outcome came by hand, the next start of any kind on
 * op passes its token | WEFT_JNI_HANDED (or op_free handed = 1). */
#define WEFT_JNI_HAND 2
#define WEFT_JNI_HANDED (1LL << 32)
int64_t weft_jni_chan_send(int64_t op, int64_t ch, int64_t value, int may_block, int64_t token);
int64_t weft_jni_chan_recv(int64_t op, int64_t ch, int may_block, int64_t token);
/* Select over n cases (channels of 8-byte elements).  args is the
 * address of one block the caller keeps for its cases: n int64 channel
 * handles, then n int64 values (sent by send cases), then n int32
 * directions (1 send, 2 recv).  An address rather than three arrays or
 * buffers: JavaCPP's marshalling of a java.nio buffer argument (an
 * IsInstanceOf, GetDirectBufferAddress and a field read per buffer) was
 * a third of a select's time.  dflt: 1 a default case; | WEFT_JNI_HAND
 * as for a send or receive: the case that fires at once may take a
 * sitter's token back, and the caller hands over what it completed (a
 * send case's value to a sitting receiver: it is nowhere else).  Packed:
 * the index fired at once (| WEFT_JNI_SELECT_CLOSED), PARKED, EAGAIN
 * (default), an error.  A receive case that fired at once (not closed)
 * leaves the value it received in its value slot of args, where the
 * caller reads it without another call (weft_jni_op_case_value has it
 * too, as after a wait). */
int64_t weft_jni_select(int64_t op, int n, int64_t args, int dflt, int64_t token);

/* Locks and friends: *_new returns a handle; *_free ESTATE if in use.
 * A mutex handle is the address of its state word (a 32-bit int of bits:
 * 1 locked, 2 waiters queued, 4 a waiter woken, 8 hand-off mode;
 * cnative/src/mutex.c): Java may take the mutex with a CAS setting bit 1
 * when bits 1 and 8 are clear, and release it with a CAS clearing bit 1
 * when bit 8 is clear and bit 2 is clear or bit 4 set (dev.weft.LockWord);
 * anything else goes through these calls. */
int64_t weft_jni_mutex_new(void);
int weft_jni_mutex_free(int64_t m);
int weft_jni_mutex_trylock(int64_t m);
int64_t weft_jni_mutex_lock(int64_t op, int64_t m, int64_t token);   /* packed */
int64_t weft_jni_mutex_unlock(int64_t m);                             /* packed */
int64_t weft_jni_rwlock_new(void);
int weft_jni_rwlock_free(int64_t rw);
int weft_jni_rwlock_trylock(int64_t rw, int write);
int64_t weft_jni_rwlock_lock(int64_t op, int64_t rw, int write, int64_t token); /* packed */
int64_t weft_jni_rwlock_unlock(int64_t rw, int write);               /* packed */
int64_t weft_jni_sem_new(int64_t permits);
int weft_jni_sem_free(int64_t s);
int weft_jni_sem_try_acquire(int64_t s);
int64_t weft_jni_sem_acquire(int64_t op, int64_t s, int64_t token);  /* packed */
int64_t weft_jni_sem_release(int64_t s);                              /* packed */
int64_t weft_jni_sem_value(int64_t s);
int64_t weft_jni_cond_new(void);
int weft_jni_cond_free(int64_t c);
/* m: a mutex handle the caller holds; PARKED means m was released */
int64_t weft_jni_cond_wait(int64_t op, int64_t c, int64_t m, int64_t token); /* packed */
int64_t weft_jni_cond_signal(int64_t c, int all);                    /* packed */
int64_t weft_jni_wg_new(void);
int weft_jni_wg_free(int64_t wg);
int64_t weft_jni_wg_add(int64_t wg, int64_t delta);                   /* packed */
int64_t weft_jni_wg_count(int64_t wg);
int64_t weft_jni_wg_wait(int64_t op, int64_t wg, int64_t token);     /* packed */

/* The wake queue: blocks the calling (platform) thread until tokens are
 * queued or timeout_ns passes (-1: no limit) or wake_interrupt; stores
 * up to max tokens in out and returns how many. */
int weft_jni_wake_wait(int64_t *out, int max, int64_t timeout_ns);
void weft_jni_wake_interrupt(void);

/* Native coroutines started from Java: fn is the address of a C function
 * void *fn(void *arg) (from weft_jni_dlsym, say), run detached by
 * weft_go.  WEFT_JNI_OK or an error. */
int weft_jni_go(int64_t fn, int64_t arg);
/* The address of `symbol` in the shared library at `path` (loaded, and
 * kept loaded), or 0 with the reason in weft_jni_dlerror(). */
int64_t weft_jni_dlsym(const char *path, const char *symbol);
const char *weft_jni_dlerror(void);

/* ---- test support (not for applications) -------------------------------- */

/* TEST ONLY.  Runs a generator named "overflow-test" with stack_bytes usable
 * stack (0: default) whose C function recurses without bound, so it hits
 * its guard page: Weft reports
 *     weft: stack overflow in coroutine "overflow-test" (#ID, stack 64 KiB)
 * on stderr and the process aborts.  Returns (a negative code) only if the
 * generator could not be created or the overflow went unnoticed. */
int weft_jni_overflow_for_test(int64_t stack_bytes);

/* TEST ONLY.  1 if the process's current SIGSEGV handler is code of the
 * library this function is in (i.e. Weft's overflow handler, installed the
 * first time a thread runs a generator), 0 if it is someone else's (the
 * JVM's, before that), -1 where this cannot be told (no sigaction/dladdr,
 * e.g. Windows).  Lets the fault-chaining tests check that they test what
 * they claim: faults taken while Weft's handler is the installed one. */
int weft_jni_segv_handler_is_weft(void);

/* TEST ONLY.  A C coroutine body for weft_jni_go: sends 1, 2, ..., n on
 * the 8-byte channel ch (a reference the caller retained for it), closes
 * it, releases the reference.  The arg for weft_jni_go comes from
 * weft_jni_test_producer_arg(ch, n) (0 if out of memory). */
int64_t weft_jni_test_producer_fn(void);
int64_t weft_jni_test_producer_arg(int64_t ch, int64_t n);

/* TEST ONLY.  More C coroutine bodies for weft_jni_go, for the tests of
 * Java and C sharing channels (InteropTest).  Each but record_producer
 * takes the arg weft_jni_test_chans_arg(ch, out) makes (0 if out of
 * memory): two channel references the caller retained for it, which it
 * releases before it returns.  A report is a few int64 values sent on
 * out, which is then closed; out should buffer them all, so that the
 * coroutine never waits for the test to read its report.
 *
 * consumer: receives int64 values from ch until it is closed and drained;
 *   reports count, sum (wrapping), and the status that ended the loop
 *   (WEFT_JNI_ECLOSED when all went well).
 * record_producer: takes its arg from weft_jni_test_producer_arg(ch, n):
 *   sends the test records of index 1, 2, ..., n on ch (a channel of
 *   WEFT_JNI_TEST_RECORD_BYTES records), closes it, releases it.
 * record_consumer: receives test records from ch until it is closed and
 *   drained; reports count, the sum of their indexes (wrapping), how many
 *   were damaged (square or check wrong), and the status that ended the
 *   loop.
 * echo: receives int64 values v from ch until it is closed and drained,
 *   sends 2 * v + 1 (wrapping) on out for each; closes out at the end (or
 *   when out turns out to be closed already). */
int64_t weft_jni_test_chans_arg(int64_t ch, int64_t out);
int64_t weft_jni_test_consumer_fn(void);
int64_t weft_jni_test_record_producer_fn(void);
int64_t weft_jni_test_record_consumer_fn(void);
int64_t weft_jni_test_echo_fn(void);

/* TEST ONLY.  A test record: three int64 in native byte order, index,
 * index * index (wrapping), and weft_jni_test_record_check(index, square)
 * (a hash of both, one formula for the C hooks and the Java tests). */
#define WEFT_JNI_TEST_RECORD_BYTES 24
int64_t weft_jni_test_record_check(int64_t index, int64_t square);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_JNI_H */
