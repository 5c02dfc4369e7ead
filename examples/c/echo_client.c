/*
 * echo_client.c - a TCP echo client on Weft that checks every byte it
 * gets back.  Each connection is a coroutine in a scope; main waits for
 * the scope, then adds up what the connections sent and received.
 *
 *   echo_client [-c CONNS] [-n MSGS] [-s SIZE] [-b BYTES] [-t SECS] [-a ADDR] PORT
 *
 *   ping-pong (the default): each of CONNS connections (default 1) sends
 *       MSGS messages (default 1000) of SIZE bytes (default 64), one at a
 *       time, and reads each back before sending the next.
 *   stream (-b BYTES): each connection writes BYTES bytes as fast as the
 *       server takes them, from a second coroutine, then shuts down its
 *       sending side; the first coroutine reads the echo until end of
 *       stream meanwhile.  One socket, a reader and a writer at once: the
 *       server's replies must be drained while we still send, or both
 *       ends would fill their buffers and wait for each other forever.
 *
 * Every read and write gives up after SECS seconds (default 10) without
 * progress.  Prints one line with the byte counts and exits 0 if every
 * byte came back, in order; otherwise names the first failure and exits 1.
 */
#include <weft.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest ping-pong message.  A message is written whole before its
 * echo is read, so it must fit in what the sockets on the way buffer
 * (or both ends wait for each other forever); stream mode has no such
 * limit. */
#define MAX_SIZE 65536
#define CHUNK 16384        /* stream mode's write and read size */

struct options {
    const char *addr;
    int port, conns;
    int64_t msgs;
    size_t size;
    int64_t stream; /* > 0: stream mode, bytes per connection */
    int64_t timeout_ns;
};

/* One connection's work and outcome. */
struct conn {
    const struct options *o;
    int id;
    weft_sock_t *s;
    int64_t sent, received; /* bytes */
    char error[160];        /* empty if all went well */
};

/* The byte at offset k of connection id's stream: a pattern that differs
 * between connections and does not repeat every power of two, so a
 * dropped, repeated or misplaced block shows. */
static unsigned char pattern(int id, int64_t k)
{
    return (unsigned char)((k + (int64_t)id * 13) % 251);
}

static void fill(unsigned char *p, size_t len, int id, int64_t off)
{
    for (size_t i = 0; i < len; i++)
        p[i] = pattern(id, off + (int64_t)i);
}

/* The offset of the first byte of p[0..len) that is not the pattern at
 * off, or -1 if all are. */
static int64_t mismatch(const unsigned char *p, size_t len, int id, int64_t off)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != pattern(id, off + (int64_t)i))
            return off + (int64_t)i;
    return -1;
}

static int64_t deadline(const struct options *o)
{
    return weft_now() + o->timeout_ns;
}

static void fail(struct conn *c, const char *what, int err)
{
    if (!c->error[0])
        snprintf(c->error, sizeof c->error, "connection %d: %s: %s", c->id, what,
                 err ? weft_strerror(err) : "unexpected end of stream");
}

/* Reads exactly len bytes into buf; 0, or -1 after fail(). */
static int read_full(struct conn *c, unsigned char *buf, size_t len)
{
    for (size_t got = 0; got < len;) {
        int64_t n = weft_sock_read(c->s, buf + got, len - got, deadline(c->o));
        if (n <= 0) {
            fail(c, "read", (int)n);
            return -1;
        }
        got += (size_t)n;
        c->received += n;
    }
    return 0;
}

static void ping_pong(struct conn *c, unsigned char *out, unsigned char *in)
{
    const struct options *o = c->o;
    for (int64_t m = 0; m < o->msgs; m++) {
        int64_t off = m * (int64_t)o->size;
        fill(out, o->size, c->id, off);
        size_t wrote = 0;
        int rc = weft_sock_write(c->s, out, o->size, deadline(o), &wrote);
        c->sent += (int64_t)wrote;
        if (rc != WEFT_OK) {
            fail(c, "write", rc);
            return;
        }
        if (read_full(c, in, o->size) != 0)
            return;
        int64_t bad = mismatch(in, o->size, c->id, off);
        if (bad >= 0) {
            snprintf(c->error, sizeof c->error, "connection %d: byte %lld came back wrong", c->id,
                     (long long)bad);
            return;
        }
    }
}

/* Stream mode's writer, a coroutine of its own: everything, then our
 * half of the connection closed, so the server's read sees the end. */
static void *stream_writer(void *arg)
{
    struct conn *c = arg;
    unsigned char buf[CHUNK];
    for (int64_t off = 0; off < c->o->stream;) {
        size_t len = (size_t)(c->o->stream - off < CHUNK ? c->o->stream - off : CHUNK);
        fill(buf, len, c->id, off);
        size_t wrote = 0;
        int rc = weft_sock_write(c->s, buf, len, deadline(c->o), &wrote);
        c->sent += (int64_t)wrote;
        if (rc != WEFT_OK) {
            fail(c, "write", rc);
            return (void *)1;
        }
        off += (int64_t)len;
    }
    int rc = weft_sock_shutdown(c->s, WEFT_SHUT_WR);
    if (rc != WEFT_OK)
        fail(c, "shutdown", rc);
    return NULL;
}

static void stream(struct conn *c, unsigned char *in)
{
    weft_co_t *writer;
    int rc = weft_spawn(NULL, stream_writer, c, &writer);
    if (rc != WEFT_OK) {
        fail(c, "spawn", rc);
        return;
    }
    for (;;) {
        int64_t n = weft_sock_read(c->s, in, CHUNK, deadline(c->o));
        if (n == 0)
            break;
        if (n < 0) {
            fail(c, "read", (int)n);
            break;
        }
        int64_t bad = mismatch(in, (size_t)n, c->id, c->received);
        if (bad >= 0 && !c->error[0])
            snprintf(c->error, sizeof c->error, "connection %d: byte %lld came back wrong", c->id,
                     (long long)bad);
        c->received += n;
    }
    /* A failed read leaves the writer perhaps blocked on a full socket
     * for a peer that no longer reads: cancel it rather than wait for
     * its deadline. */
    if (c->error[0])
        weft_cancel(writer);
    weft_join(writer, NULL);
    weft_co_release(writer);
}

static void *run_conn(void *arg)
{
    struct conn *c = arg;
    int rc = weft_tcp_connect(c->o->addr, c->o->port, deadline(c->o), &c->s);
    if (rc != WEFT_OK) {
        fail(c, "connect", rc);
        return NULL;
    }
    weft_sock_set_nodelay(c->s, 1);
    /* the buffers of a ping-pong can be large: the heap, not the stack */
    size_t bufsz = c->o->stream > 0 ? CHUNK : c->o->size;
    unsigned char *out = malloc(bufsz), *in = malloc(bufsz);
    if (!out || !in)
        fail(c, "malloc", WEFT_ENOMEM);
    else if (c->o->stream > 0)
        stream(c, in);
    else
        ping_pong(c, out, in);
    free(out);
    free(in);
    weft_sock_close(c->s);
    return NULL;
}

static void *client(void *arg)
{
    const struct options *o = arg;
    struct conn *cs = calloc((size_t)o->conns, sizeof *cs);
    if (!cs) {
        fprintf(stderr, "echo_client: out of memory\n");
        return (void *)1;
    }
    int64_t begin = weft_now();
    weft_scope_t scope = WEFT_SCOPE_INIT;
    for (int i = 0; i < o->conns; i++) {
        cs[i].o = o;
        cs[i].id = i;
        int rc = weft_scope_spawn(&scope, NULL, run_conn, &cs[i]);
        if (rc != WEFT_OK)
            fail(&cs[i], "spawn", rc);
    }
    weft_scope_wait(&scope);
    double secs = (double)(weft_now() - begin) / 1e9;

    int64_t sent = 0, received = 0, failed = 0;
    for (int i = 0; i < o->conns; i++) {
        sent += cs[i].sent;
        received += cs[i].received;
        if (cs[i].error[0]) {
            if (failed++ == 0)
                fprintf(stderr, "echo_client: %s\n", cs[i].error);
        }
    }
    int64_t want = o->stream > 0 ? o->stream * o->conns : o->msgs * (int64_t)o->size * o->conns;
    if (!failed && (sent != want || received != want)) {
        fprintf(stderr, "echo_client: byte counts do not add up\n");
        failed = 1;
    }
    printf("echo_client: %d connections, %s: %lld bytes sent, %lld received%s, %.2f s", o->conns,
           o->stream > 0 ? "stream" : "ping-pong", (long long)sent, (long long)received,
           failed ? "" : " and matched", secs);
    if (o->stream <= 0 && secs > 0)
        printf(", %.0f echoes/s", (double)o->msgs * o->conns / secs);
    printf("\n");
    if (failed > 1)
        fprintf(stderr, "echo_client: %lld of %d connections failed\n", (long long)failed, o->conns);
    free(cs);
    return failed ? (void *)1 : NULL;
}

static int usage(void)
{
    fprintf(stderr, "usage: echo_client [-c CONNS] [-n MSGS] [-s SIZE] [-b BYTES] [-t SECS] "
                    "[-a ADDR] PORT\n");
    return 2;
}

/* A whole-string decimal in [lo, hi], or -1. */
static long long parse_num(const char *s, long long lo, long long hi)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    return *s && !*end && v >= lo && v <= hi ? v : -1;
}

int main(int argc, char **argv)
{
    struct options o = { "127.0.0.1", -1, 1, 1000, 64, 0, 10 * 1000000000LL };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long long n;
        if (a[0] != '-') {
            if ((o.port = (int)parse_num(a, 1, 65535)) < 0)
                return usage();
            continue;
        }
        if (i + 1 >= argc)
            return usage();
        const char *v = argv[++i];
        if (!strcmp(a, "-a"))
            o.addr = v;
        else if (!strcmp(a, "-c") && (n = parse_num(v, 1, 100000)) > 0)
            o.conns = (int)n;
        else if (!strcmp(a, "-n") && (n = parse_num(v, 0, 1LL << 40)) >= 0)
            o.msgs = n;
        else if (!strcmp(a, "-s") && (n = parse_num(v, 1, MAX_SIZE)) > 0)
            o.size = (size_t)n;
        else if (!strcmp(a, "-b") && (n = parse_num(v, 1, 1LL << 40)) > 0)
            o.stream = n;
        else if (!strcmp(a, "-t") && (n = parse_num(v, 1, 3600)) > 0)
            o.timeout_ns = n * 1000000000LL;
        else
            return usage();
    }
    if (o.port < 0)
        return usage();

    void *failed = NULL;
    int rc = weft_run(client, &o, &failed);
    if (rc != WEFT_OK)
        fprintf(stderr, "echo_client: weft_run: %s\n", weft_strerror(rc));
    weft_shutdown();
    return rc == WEFT_OK && !failed ? 0 : 1;
}
