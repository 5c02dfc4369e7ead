/*
 * echo_server.c - a TCP echo server on Weft: one coroutine accepts, and
 * every connection gets a coroutine of its own that writes back whatever
 * it reads, in plain blocking style.  While a connection waits for bytes
 * (or for room to write them), its coroutine is parked on the runtime's
 * poller and the worker runs the others.
 *
 *   echo_server [-w WORKERS] [-a ADDR] [PORT]
 *
 *   PORT     default 9102; 0 picks a free port
 *   ADDR     the address to listen on, default 127.0.0.1 ("" for every interface)
 *   WORKERS  worker threads, default 2
 *
 * Once it listens it prints "listening PORT" (the real port, also for 0)
 * on stdout, then serves until killed.  Try it with echo_client:
 *
 *   ./build/examples/c/example_echo_server 0 &
 *   ./build/examples/c/example_echo_client -c 10 -n 1000 PORT
 */
#include <weft.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_BUF 4096 /* per connection, on its coroutine's stack */

struct options {
    const char *addr;
    int port;
    int workers;
};

/* One connection: read what is there, write all of it back, until the
 * peer closes.  Owns s and closes it. */
static void *echo_conn(void *arg)
{
    weft_sock_t *s = arg;
    char buf[ECHO_BUF];
    for (;;) {
        int64_t n = weft_sock_read(s, buf, sizeof buf, -1);
        if (n == 0)
            break; /* the peer closed its end: we are done too */
        if (n < 0) {
            if (n != WEFT_ECONNRESET)
                fprintf(stderr, "echo_server: read: %s\n", weft_strerror((int)n));
            break;
        }
        int rc = weft_sock_write(s, buf, (size_t)n, -1, NULL);
        if (rc != WEFT_OK) {
            if (rc != WEFT_ECONNRESET)
                fprintf(stderr, "echo_server: write: %s\n", weft_strerror(rc));
            break;
        }
    }
    weft_sock_close(s);
    return NULL;
}

/* The main coroutine: listen, then accept forever, one coroutine per
 * connection.  Returns non-NULL only if it cannot listen. */
static void *serve(void *arg)
{
    const struct options *o = arg;
    weft_sock_t *ln;
    int rc = weft_tcp_listen(o->addr, o->port, 0, &ln);
    if (rc != WEFT_OK) {
        fprintf(stderr, "echo_server: listen on %s:%d: %s\n", *o->addr ? o->addr : "*", o->port,
                weft_strerror(rc));
        return (void *)1;
    }
    printf("listening %d\n", weft_sock_port(ln));
    fflush(stdout);

    for (;;) {
        weft_sock_t *c;
        rc = weft_sock_accept(ln, -1, &c);
        if (rc != WEFT_OK) {
            /* out of descriptors (WEFT_ESYS, EMFILE) and the like: say so,
             * give the connections we have a moment to end, go on */
            fprintf(stderr, "echo_server: accept: %s (os error %d)\n", weft_strerror(rc),
                    weft_os_error());
            weft_sleep(10 * 1000 * 1000);
            continue;
        }
        weft_sock_set_nodelay(c, 1); /* an echo is small: send it now, not after 40 ms */
        rc = weft_go(echo_conn, c);
        if (rc != WEFT_OK) {
            fprintf(stderr, "echo_server: spawn: %s\n", weft_strerror(rc));
            weft_sock_close(c);
        }
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: echo_server [-w WORKERS] [-a ADDR] [PORT]\n");
    return 2;
}

/* A whole-string decimal in [lo, hi], or -1. */
static int parse_int(const char *s, int lo, int hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *s && !*end && v >= lo && v <= hi ? (int)v : -1;
}

int main(int argc, char **argv)
{
    struct options o = { "127.0.0.1", 9102, 2 };
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-w") && i + 1 < argc) {
            if ((o.workers = parse_int(argv[++i], 1, 1024)) < 0)
                return usage();
        } else if (!strcmp(argv[i], "-a") && i + 1 < argc) {
            o.addr = argv[++i];
        } else if (argv[i][0] != '-' && (o.port = parse_int(argv[i], 0, 65535)) >= 0) {
            continue;
        } else {
            return usage();
        }
    }

    weft_config_t cfg = { 0 };
    cfg.workers = o.workers;
    int rc = weft_init(&cfg);
    if (rc != WEFT_OK) {
        fprintf(stderr, "echo_server: weft_init: %s\n", weft_strerror(rc));
        return 1;
    }
    void *failed = NULL;
    rc = weft_run(serve, &o, &failed); /* returns only if serve() could not listen */
    weft_shutdown();
    return rc == WEFT_OK && !failed ? 0 : 1;
}
