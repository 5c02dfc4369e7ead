/*
 * thread_win.c - yielding the CPU and counting CPUs (os/os.h), on Windows.
 */
#include "os.h"

#include <windows.h>

void weft_os_yield(void)
{
    SwitchToThread();
}

int weft_os_cpu_count(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors > 0 ? (int)si.dwNumberOfProcessors : 1;
}
