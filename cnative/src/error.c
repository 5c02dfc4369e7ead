/* error.c - error strings and the library version. */
#include "weft.h"

#define WEFT_STR_(x) #x
#define WEFT_STR(x) WEFT_STR_(x)

const char *weft_version(void)
{
    return WEFT_STR(WEFT_VERSION_MAJOR) "." WEFT_STR(WEFT_VERSION_MINOR) "." WEFT_STR(WEFT_VERSION_PATCH);
}

const char *weft_strerror(int err)
{
    switch (err) {
    case WEFT_OK:        return "success";
    case WEFT_DONE:      return "generator finished";
    case WEFT_EINVAL:    return "invalid argument";
    case WEFT_ENOMEM:    return "out of memory or address space";
    case WEFT_ECLOSED:   return "closed";
    case WEFT_ETIMEDOUT: return "timed out";
    case WEFT_ECANCELED: return "canceled";
    case WEFT_EFINISHED: return "generator already finished";
    case WEFT_EBUSY:     return "generator is running";
    case WEFT_EPERM:     return "not allowed from this context";
    case WEFT_EAGAIN:    return "would block";
    case WEFT_EDEADLK:   return "would wait forever (deadlock)";
    case WEFT_ESTATE:    return "not valid in the object's current state";
    case WEFT_ECONNREFUSED: return "connection refused (nothing listens there)";
    case WEFT_ECONNRESET: return "connection reset by the peer";
    case WEFT_EADDRINUSE: return "address already in use";
    case WEFT_ENOTFOUND: return "host name not found";
    case WEFT_ESYS:      return "operating system error (weft_os_error() tells which)";
    default:             return "unknown weft error";
    }
}
