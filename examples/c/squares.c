/*
 * squares.c - a user's native library for the Java demo
 * (dev.weft.examples.Demo): a C coroutine that feeds Java coroutines.
 *
 * Java starts it with
 *     Weft.goNative(Weft.nativeSymbol(path, "weft_example_squares"), ch.retainNative());
 * so it runs as a native coroutine on Weft's scheduler, and sends on the
 * very channel (a weft_chan_t of int64_t) that Java coroutines receive
 * from.  It is built without linking libweft: its weft_* references
 * resolve to the runtime inside Weft's JNI library, which
 * Weft.nativeSymbol makes visible to the libraries it loads (one runtime
 * per process, never two).
 */
#include "weft.h"

#include <stdint.h>

#define COUNT 100000

#if defined(_WIN32)
__declspec(dllexport)
#else
__attribute__((visibility("default")))
#endif
void *weft_example_squares(void *arg)
{
    weft_chan_t *ch = arg; /* our reference: released below */
    for (int64_t i = 1; i <= COUNT; i++) {
        int64_t v = i * i;
        if (weft_chan_send(ch, &v) != WEFT_OK)
            break; /* closed by the other side */
    }
    weft_chan_close(ch);
    weft_chan_release(ch);
    return NULL;
}
