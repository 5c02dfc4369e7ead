/* fault.c - the portable half of overflow reporting: the report text. */
#include "fault.h"

_Thread_local const weft_fault_info_t *weft_running WEFT_TLS_IE;
_Thread_local int weft_thread_prepared WEFT_TLS_IE;

/* Async-signal-safe append helpers: no stdio, no malloc. */
static size_t put_str(char *buf, size_t cap, size_t n, const char *s)
{
    while (*s && n + 1 < cap)
        buf[n++] = *s++;
    return n;
}

static size_t put_u64(char *buf, size_t cap, size_t n, uint64_t v)
{
    char tmp[24];
    int i = 0;
    do {
        tmp[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i && n + 1 < cap)
        buf[n++] = tmp[--i];
    return n;
}

size_t weft_fault_format(char *buf, size_t cap, const weft_fault_info_t *info)
{
    size_t n = 0;
    if (cap == 0)
        return 0;
    n = put_str(buf, cap, n, "weft: stack overflow in coroutine \"");
    n = put_str(buf, cap, n, info->name ? info->name : "?");
    n = put_str(buf, cap, n, "\" (#");
    n = put_u64(buf, cap, n, info->id);
    n = put_str(buf, cap, n, ", stack ");
    n = put_u64(buf, cap, n, (uint64_t)(info->stack ? info->stack->usable / 1024 : 0));
    n = put_str(buf, cap, n, " KiB)\n");
    buf[n] = 0;
    return n;
}
