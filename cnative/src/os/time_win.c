/*
 * time_win.c - the monotonic clock and sleeping a thread (os/os.h), on
 * Windows.
 *
 * QueryPerformanceCounter is monotonic and its frequency fixed at boot
 * ("Acquiring high-resolution time stamps", Microsoft Learn); the
 * conversion splits seconds from the remainder so that counter * 1e9
 * cannot overflow after ~10 days at a 10 MHz frequency.
 */
#include "os.h"
#include "weft.h"

#include <windows.h>

int64_t weft_now(void)
{
    static LARGE_INTEGER freq; /* a race to fill it writes the same value */
    if (!freq.QuadPart)
        QueryPerformanceFrequency(&freq);
    LARGE_INTEGER c;
    QueryPerformanceCounter(&c);
    int64_t f = freq.QuadPart;
    return c.QuadPart / f * 1000000000 + c.QuadPart % f * 1000000000 / f;
}

void weft_os_sleep(int64_t ns)
{
    /* whole milliseconds, rounded up without overflowing, in slices below
     * INFINITE (0xFFFFFFFF), which would never return */
    int64_t ms = ns / 1000000 + (ns % 1000000 != 0);
    while (ms > 0) {
        DWORD slice = ms > 0x7FFFFFFF ? 0x7FFFFFFF : (DWORD)ms;
        Sleep(slice);
        ms -= slice;
    }
}

void weft_os_nap(int64_t ns)
{
    int64_t until = weft_now() + ns;
    while (weft_now() < until)
        SwitchToThread();
}
