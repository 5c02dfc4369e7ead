/*
 * time_posix.c - the monotonic clock and sleeping a thread (os/os.h), on
 * Linux, macOS and the BSDs.
 */
#include "os.h"
#include "weft.h"

#include <time.h>

int64_t weft_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void weft_os_sleep(int64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
    while (nanosleep(&ts, &ts) != 0) {} /* EINTR: sleep what is left */
}

void weft_os_nap(int64_t ns)
{
    struct timespec ts = { 0, (long)ns };
    nanosleep(&ts, NULL);
}
