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
 * The functions are implemented in cnative/src/jni_api.c, compiled into
 * libweft and linked statically into the JNI library.
 */
#ifndef WEFT_JNI_H
#define WEFT_JNI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Same rules as weft.h's WEFT_EXPORT (libweft is built with hidden
 * visibility; WEFT_STATIC is defined by users of the static library, the
 * JNI glue among them). */
#if defined(WEFT_STATIC)
#  define WEFT_JNI_EXPORT
#elif defined(_WIN32)
#  if defined(WEFT_BUILDING)
#    define WEFT_JNI_EXPORT __declspec(dllexport)
#  else
#    define WEFT_JNI_EXPORT __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define WEFT_JNI_EXPORT __attribute__((visibility("default")))
#else
#  define WEFT_JNI_EXPORT
#endif

/* Bumped whenever a signature or meaning below changes incompatibly; the
 * Java layer refuses to run against a native library with another value. */
#define WEFT_JNI_ABI_VERSION 1

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

/* ---- library identity --------------------------------------------------- */

/* WEFT_JNI_ABI_VERSION of the compiled library. */
WEFT_JNI_EXPORT int weft_jni_abi_version(void);

/* weft_version(): "MAJOR.MINOR.PATCH" of the linked core.  Static string. */
WEFT_JNI_EXPORT const char *weft_jni_version(void);

/* The core's version macros, as one number MAJOR*10000 + MINOR*100 + PATCH,
 * taken from weft.h at compile time (lets tests compare the string above
 * with the header the library was built from). */
WEFT_JNI_EXPORT int weft_jni_header_version(void);

/* weft_strerror(code): a static, never-NULL description. */
WEFT_JNI_EXPORT const char *weft_jni_strerror(int code);

/* The macro name of a status code ("WEFT_EINVAL", "WEFT_OK", ...), or
 * "WEFT_E?" for a code this library does not know.  Static string. */
WEFT_JNI_EXPORT const char *weft_jni_errname(int code);

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
WEFT_JNI_EXPORT int64_t weft_jni_seq_open(int kind, int64_t count, int64_t stack_bytes);

/* Runs the sequence to its next value: WEFT_JNI_OK and *out = the value,
 * or WEFT_JNI_DONE (and *out untouched) once it is finished (again on
 * every later call), or a negative code (WEFT_JNI_EINVAL for a bad handle
 * or out NULL, WEFT_JNI_EBUSY for a concurrent call). */
WEFT_JNI_EXPORT int weft_jni_seq_next(int64_t h, int64_t *out);

/* The generator's id (unique per process, from 1) and usable stack size in
 * bytes; 0 for a bad handle. */
WEFT_JNI_EXPORT int64_t weft_jni_seq_id(int64_t h);
WEFT_JNI_EXPORT int64_t weft_jni_seq_stack_size(int64_t h);

/* Frees the sequence and its generator (an unfinished generator is
 * finished first, see weft_gen_free).  WEFT_JNI_OK, or WEFT_JNI_EBUSY when
 * another thread is inside seq_next (nothing is freed then), or
 * WEFT_JNI_EINVAL for a bad handle.  h is invalid after WEFT_JNI_OK. */
WEFT_JNI_EXPORT int weft_jni_seq_close(int64_t h);

/* Sequences opened and not yet closed, process-wide (diagnostics, tests). */
WEFT_JNI_EXPORT int64_t weft_jni_seq_live(void);

/* ---- test support (not for applications) -------------------------------- */

/* TEST ONLY.  Runs a generator named "overflow-test" with stack_bytes usable
 * stack (0: default) whose C function recurses without bound, so it hits
 * its guard page: Weft reports
 *     weft: stack overflow in coroutine "overflow-test" (#ID, stack 64 KiB)
 * on stderr and the process aborts.  Returns (a negative code) only if the
 * generator could not be created or the overflow went unnoticed. */
WEFT_JNI_EXPORT int weft_jni_overflow_for_test(int64_t stack_bytes);

/* TEST ONLY.  1 if the process's current SIGSEGV handler is code of the
 * library this function is in (i.e. Weft's overflow handler, installed the
 * first time a thread runs a generator), 0 if it is someone else's (the
 * JVM's, before that), -1 where this cannot be told (no sigaction/dladdr,
 * e.g. Windows).  Lets the fault-chaining tests check that they test what
 * they claim: faults taken while Weft's handler is the installed one. */
WEFT_JNI_EXPORT int weft_jni_segv_handler_is_weft(void);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_JNI_H */
