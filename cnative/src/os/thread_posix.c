/*
 * thread_posix.c - yielding the CPU and counting CPUs (os/os.h), on
 * Linux, macOS and the BSDs.
 */
#include "os.h"

#include <sched.h>
#include <unistd.h>

void weft_os_yield(void)
{
    sched_yield();
}

int weft_os_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
