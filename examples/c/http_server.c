/*
 * http_server.c - an HTTP/1.1 server on Weft, one coroutine per
 * connection, written as a blocking loop: read, answer every complete
 * request in the buffer, write the answers in one go, read again.
 *
 *   http_server [-w WORKERS] [-a ADDR] [-t IDLE_SECS] [PORT]
 *
 *   PORT       default 9182; 0 picks a free port
 *   ADDR       default 127.0.0.1 ("" for every interface)
 *   WORKERS    worker threads, default 2
 *   IDLE_SECS  a connection that sends nothing (or takes none of our
 *              bytes) this long is closed; default 60, 0 for never
 *
 * Prints "listening PORT" on stdout once it listens, then serves until
 * killed.  What it serves:
 *
 *   GET or HEAD /         200, text/plain, the 13 bytes "Hello, World!"
 *   GET or HEAD elsewhere 404
 *   any other method      405 (a Content-Length body is read and dropped)
 *
 * The protocol, and what is refused:
 *
 *   - Keep-alive: HTTP/1.1 connections stay open unless the request says
 *     "Connection: close"; HTTP/1.0 ones close after the answer unless it
 *     says "Connection: keep-alive".
 *   - Pipelining: a client may send requests without waiting for the
 *     answers.  All complete requests in the buffer are answered in order
 *     and the answers leave in one write (or one per WBUF bytes).
 *   - A request head (request line and headers) longer than HEAD_MAX
 *     bytes gets 414 (the request line alone is too long) or 431; a
 *     malformed one 400; a version other than 1.0 and 1.1 505; a
 *     Transfer-Encoding (a chunked body, which we do not decode) 501.
 *     Each of these closes the connection: after a request we could not
 *     read, we cannot tell where the next one starts.
 *
 * What makes it fast: one read buffer and one write buffer per
 * connection, allocated when it is accepted and never per request;
 * answers copied from bytes built at start-up (the Date header is
 * formatted once a second per connection); a parser that looks at each
 * byte of the head once and only compares the headers it acts on; one
 * read and one write system call per batch of requests; TCP_NODELAY, so
 * an answer leaves at once.  The idle timeout is one sweeping coroutine
 * for all connections, not a deadline on every read: a deadline arms and
 * disarms a timer each time a read waits, which cost 8% of the requests
 * per second under wrk -c100 (135-142k against 149-153k).
 */
#include <weft.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HEAD_MAX 8192           /* request line + headers, bytes */
#define RBUF (2 * HEAD_MAX)     /* read buffer: a head always fits after compaction */
#define WBUF 16384              /* answers are batched up to this */
#define REPLY_MAX 512           /* longer than any one answer */
#define LINGER_NS 1000000000LL  /* how long a refused connection is drained */

/* ---- the answers, built once ------------------------------------------------ */

enum { R_OK, R_NOT_FOUND, R_BAD_METHOD, R_BAD_REQUEST, R_URI_TOO_LONG, R_TOO_LARGE,
       R_NOT_IMPLEMENTED, R_BAD_VERSION, R_COUNT };

/* Each answer is head + "Date: ...\r\n" + connection header + tail, where
 * head is the status line and the fixed headers, and tail the blank line
 * and the body. */
struct reply {
    char head[192];
    size_t head_len;
    char tail[64];
    size_t tail_len; /* with the body */
    size_t body_len;
};
static struct reply replies[R_COUNT];

static void build_reply(int which, const char *status, const char *extra, const char *body)
{
    struct reply *r = &replies[which];
    size_t body_len = strlen(body);
    r->head_len = (size_t)snprintf(r->head, sizeof r->head,
                                   "HTTP/1.1 %s\r\nServer: weft\r\nContent-Type: text/plain\r\n"
                                   "%sContent-Length: %u\r\n",
                                   status, extra, (unsigned)body_len);
    r->tail_len = (size_t)snprintf(r->tail, sizeof r->tail, "\r\n%s", body);
    r->body_len = body_len;
}

static void build_replies(void)
{
    build_reply(R_OK, "200 OK", "", "Hello, World!");
    build_reply(R_NOT_FOUND, "404 Not Found", "", "Not Found");
    build_reply(R_BAD_METHOD, "405 Method Not Allowed", "Allow: GET, HEAD\r\n", "Method Not Allowed");
    build_reply(R_BAD_REQUEST, "400 Bad Request", "", "Bad Request");
    build_reply(R_URI_TOO_LONG, "414 URI Too Long", "", "URI Too Long");
    build_reply(R_TOO_LARGE, "431 Request Header Fields Too Large", "",
                "Request Header Fields Too Large");
    build_reply(R_NOT_IMPLEMENTED, "501 Not Implemented", "", "Not Implemented");
    build_reply(R_BAD_VERSION, "505 HTTP Version Not Supported", "", "HTTP Version Not Supported");
}

/* "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" (RFC 9110's IMF-fixdate) for
 * t, into out[DATE_LEN].  By hand, so that it needs no gmtime_r (not on
 * Windows) and takes no lock. */
#define DATE_LEN 37
static void format_date(char *out, time_t t)
{
    static const char wday[] = "ThuFriSatSunMonTueWed"; /* 1970-01-01 was a Thursday */
    static const char mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int64_t secs = (int64_t)t, days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int w = (int)(((days % 7) + 7) % 7);
    /* days since 1970-01-01 to a civil date (Howard Hinnant's days_from_civil, inverted) */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    char buf[64];
    snprintf(buf, sizeof buf, "Date: %.3s, %02d %.3s %04d %02d:%02d:%02d GMT\r\n", wday + 3 * w, d,
             mon + 3 * (m - 1), (int)y, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    memcpy(out, buf, DATE_LEN);
}

/* ---- the parser ----------------------------------------------------------------- */

enum { M_GET, M_HEAD, M_OTHER };

struct request {
    int method;      /* M_* */
    int minor;       /* HTTP/1.minor: 0 or 1 */
    int keep_alive;  /* the connection stays open after the answer */
    int found;       /* the target is "/" (with or without a query) */
    int64_t content_length;
};

/* RFC 9110's tchar: what a method or a header name is made of. */
static const unsigned char tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

/* p[0..n) equals the lower-case literal lit, ignoring the case of p.
 * p must be tchars (a header name, a Connection token): then c | 0x20
 * maps exactly the upper-case letters to lower case, and nothing else
 * onto a letter or '-'. */
static int lower_eq(const char *p, size_t n, const char *lit, size_t lit_len)
{
    if (n != lit_len)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((p[i] | 0x20) != lit[i])
            return 0;
    return 1;
}
#define LOWER_EQ(p, n, lit) lower_eq((p), (n), lit, sizeof lit - 1)

/* A line of p[0..end): *next is past its '\n', the result its end with
 * the '\r' before the '\n' dropped (a bare LF ends a line too, as RFC
 * 9112 lets a server accept).  NULL if there is no '\n' yet. */
static const char *line_end(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl)
        return NULL;
    *next = nl + 1;
    return nl > p && nl[-1] == '\r' ? nl - 1 : nl;
}

/* Any byte in p[0..n) that has no place in a request-target or a field
 * value: controls other than HTAB (a stray CR among them), and DEL. */
static int has_ctl(const char *p, size_t n, int allow_tab)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7f)
            return 1;
    }
    return 0;
}

/* The Connection header's comma-separated options: sets *close_opt or
 * *keep_opt for "close" and "keep-alive"; -1 if an option is not a token. */
static int connection_options(const char *v, const char *end, int *close_opt, int *keep_opt)
{
    while (v < end) {
        while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
            v++;
        const char *t = v;
        while (v < end && tchar[(unsigned char)*v])
            v++;
        if (v == t && v < end)
            return -1;
        if (LOWER_EQ(t, (size_t)(v - t), "close"))
            *close_opt = 1;
        else if (LOWER_EQ(t, (size_t)(v - t), "keep-alive"))
            *keep_opt = 1;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        if (v < end && *v != ',')
            return -1;
    }
    return 0;
}

/* Parses the request head at p[0..len).  Returns its length (> 0) and
 * fills *r once the whole head is there; 0 if it is not complete yet;
 * or -R_* for a request to refuse. */
static int parse_request(const char *p, size_t len, struct request *r)
{
    const char *end = p + (len < HEAD_MAX ? len : HEAD_MAX), *next;
    r->keep_alive = 0;

    /* 1. The request line: METHOD SP target SP HTTP/1.x */
    const char *le = line_end(p, end, &next);
    if (!le)
        return len >= HEAD_MAX ? -R_URI_TOO_LONG : 0;
    const char *sp = p;
    while (sp < le && tchar[(unsigned char)*sp])
        sp++;
    if (sp == p || sp == le || *sp != ' ')
        return -R_BAD_REQUEST;
    size_t mlen = (size_t)(sp - p);
    r->method = mlen == 3 && !memcmp(p, "GET", 3) ? M_GET
              : mlen == 4 && !memcmp(p, "HEAD", 4) ? M_HEAD : M_OTHER; /* methods are case-sensitive */
    const char *target = sp + 1;
    if (le - target < 10 || le[-9] != ' ')
        return -R_BAD_REQUEST;
    const char *ver = le - 8;
    size_t tlen = (size_t)(ver - 1 - target);
    if (memcmp(ver, "HTTP/", 5) || ver[5] < '0' || ver[5] > '9' || ver[6] != '.' || ver[7] < '0' ||
        ver[7] > '9')
        return -R_BAD_REQUEST;
    if (ver[5] != '1' || ver[7] > '1')
        return -R_BAD_VERSION;
    r->minor = ver[7] - '0';
    if (memchr(target, ' ', tlen) || has_ctl(target, tlen, 0))
        return -R_BAD_REQUEST;
    /* absolute-form (a request through a proxy): the path is what follows the authority */
    if (tlen > 7 && (!memcmp(target, "http://", 7) || !memcmp(target, "https://", 8))) {
        const char *path = memchr(target + 8, '/', tlen - 8);
        tlen = path ? tlen - (size_t)(path - target) : 1;
        target = path ? path : "/";
    } else if (target[0] != '/' && !(tlen == 1 && target[0] == '*')) {
        return -R_BAD_REQUEST;
    }
    r->found = target[0] == '/' && (tlen == 1 || target[1] == '?');

    /* 2. The headers, up to the empty line */
    int hosts = 0, conn_close = 0, conn_keep = 0;
    r->content_length = 0;
    int have_length = 0;
    for (;;) {
        const char *line = next;
        if (!(le = line_end(line, end, &next)))
            return len >= HEAD_MAX ? -R_TOO_LARGE : 0;
        if (le == line)
            break; /* the end of the head */
        const char *colon = line;
        while (colon < le && tchar[(unsigned char)*colon])
            colon++;
        /* no name, no colon, or something between them (a space before the
         * colon, or a folded line, which starts with one) */
        if (colon == line || colon == le || *colon != ':')
            return -R_BAD_REQUEST;
        const char *v = colon + 1, *ve = le;
        while (v < ve && (*v == ' ' || *v == '\t'))
            v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        size_t vlen = (size_t)(ve - v), nlen = (size_t)(colon - line);
        if (has_ctl(v, vlen, 1))
            return -R_BAD_REQUEST;
        switch (nlen) { /* only the headers we act on are compared */
        case 4:
            if (LOWER_EQ(line, nlen, "host"))
                hosts++;
            break;
        case 10:
            if (LOWER_EQ(line, nlen, "connection") && connection_options(v, ve, &conn_close, &conn_keep) != 0)
                return -R_BAD_REQUEST;
            break;
        case 14:
            if (LOWER_EQ(line, nlen, "content-length")) {
                int64_t n = 0;
                if (vlen == 0 || vlen > 15)
                    return -R_BAD_REQUEST;
                for (size_t i = 0; i < vlen; i++) {
                    if (v[i] < '0' || v[i] > '9')
                        return -R_BAD_REQUEST;
                    n = n * 10 + (v[i] - '0');
                }
                if (have_length && n != r->content_length)
                    return -R_BAD_REQUEST; /* two lengths: which one frames the body? */
                r->content_length = n;
                have_length = 1;
            }
            break;
        case 17:
            if (LOWER_EQ(line, nlen, "transfer-encoding"))
                return -R_NOT_IMPLEMENTED;
            break;
        }
    }
    if (r->minor == 1 && hosts != 1)
        return -R_BAD_REQUEST; /* RFC 9112: exactly one Host in HTTP/1.1 */
    r->keep_alive = r->minor == 1 ? !conn_close : conn_keep && !conn_close;
    return (int)(next - p);
}

/* ---- a connection ------------------------------------------------------------------ */

struct options {
    const char *addr;
    int port, workers;
    int idle_secs; /* 0: no timeout */
};
static struct options opts = { "127.0.0.1", 9182, 2, 60 };

struct conn {
    /* owned by the connection's coroutine */
    weft_sock_t *s;
    size_t wlen;           /* bytes of wbuf waiting to be written */
    time_t date_sec;       /* the second `date` was formatted for */
    char date[DATE_LEN];
    /* under conns_lock: the list of open connections, for the sweeper */
    struct conn *prev, *next;
    /* written by the coroutine, read by the sweeper */
    _Atomic int64_t active; /* seconds (weft_now()) when bytes last moved */
    char wbuf[WBUF];
    char rbuf[RBUF];
};

/* ---- the idle timeout ---------------------------------------------------------------
 *
 * Every open connection is on a list; the coroutine serving it notes the
 * time whenever a read or a write completes.  Once a second the sweeper
 * shuts down (shutdown(2), both ways) every connection whose note is
 * older than the timeout: a read blocked on it then returns end of
 * stream, a blocked write an error, and the coroutine ends as if the
 * client had gone.  The sweeper only shuts a socket down and never
 * closes it: the socket stays the coroutine's, which takes itself off the
 * list (under the lock) before it closes the socket, so the sweeper never
 * touches a closed one. */
static weft_mutex_t conns_lock = WEFT_MUTEX_INIT;
static struct conn *conns;

static int64_t now_secs(void)
{
    return weft_now() / 1000000000;
}

static void conn_track(struct conn *c)
{
    atomic_store_explicit(&c->active, now_secs(), memory_order_relaxed);
    weft_mutex_lock(&conns_lock);
    c->prev = NULL;
    c->next = conns;
    if (conns)
        conns->prev = c;
    conns = c;
    weft_mutex_unlock(&conns_lock);
}

static void conn_untrack(struct conn *c)
{
    weft_mutex_lock(&conns_lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    weft_mutex_unlock(&conns_lock);
}

static void *sweeper(void *arg)
{
    (void)arg;
    for (;;) {
        weft_sleep(1000000000);
        int64_t stale = now_secs() - opts.idle_secs;
        weft_mutex_lock(&conns_lock);
        for (struct conn *c = conns; c; c = c->next)
            if (atomic_load_explicit(&c->active, memory_order_relaxed) < stale)
                weft_sock_shutdown(c->s, WEFT_SHUT_RDWR);
        weft_mutex_unlock(&conns_lock);
    }
    return NULL;
}

/* Adds an answer to the batch.  There is room: the caller flushes while
 * less than REPLY_MAX bytes are free. */
static void add_reply(struct conn *c, int which, int head_only, int minor, int keep_alive)
{
    const struct reply *r = &replies[which];
    char *w = c->wbuf + c->wlen;
    memcpy(w, r->head, r->head_len);
    w += r->head_len;
    memcpy(w, c->date, DATE_LEN);
    w += DATE_LEN;
    if (!keep_alive) {
        memcpy(w, "Connection: close\r\n", 19);
        w += 19;
    } else if (minor == 0) {
        memcpy(w, "Connection: keep-alive\r\n", 24);
        w += 24;
    }
    size_t tail = head_only ? 2 : r->tail_len; /* HEAD: the headers a GET gets, no body */
    memcpy(w, r->tail, tail);
    c->wlen = (size_t)(w + tail - c->wbuf);
}

/* Writes the batch out; 0, or -1 if the connection is lost. */
static int flush(struct conn *c)
{
    if (c->wlen == 0)
        return 0;
    int rc = weft_sock_write(c->s, c->wbuf, c->wlen, -1, NULL);
    c->wlen = 0;
    if (opts.idle_secs > 0)
        atomic_store_explicit(&c->active, now_secs(), memory_order_relaxed);
    return rc == WEFT_OK ? 0 : -1;
}

/* The end of a connection we close first (a refused request, or the
 * client's "Connection: close"): the client may still be sending, and
 * closing a socket with unread bytes makes the OS reset the connection,
 * which can destroy our last answer in flight before the client reads
 * it.  So stop sending, read and drop what still comes for a moment,
 * then close (what nginx calls a lingering close). */
static void linger_close(struct conn *c)
{
    weft_sock_shutdown(c->s, WEFT_SHUT_WR);
    int64_t until = weft_now() + LINGER_NS;
    for (int64_t drained = 0; drained < (1 << 20);) {
        int64_t n = weft_sock_read(c->s, c->rbuf, RBUF, until);
        if (n <= 0)
            break;
        drained += n;
    }
}

static void *serve_conn(void *arg)
{
    struct conn *c = arg;
    size_t at = 0, have = 0; /* rbuf[at..have): read, not yet parsed */
    int64_t skip = 0;        /* body bytes of the last request still to drop */
    int closing = 0;         /* we close after this batch: 1 plain, 2 lingering */
    while (!closing) {
        int64_t n = weft_sock_read(c->s, c->rbuf + have, RBUF - have, -1);
        if (n <= 0)
            break; /* end of stream (or idle too long: the sweeper), reset: nothing left to answer */
        have += (size_t)n;
        if (opts.idle_secs > 0)
            atomic_store_explicit(&c->active, now_secs(), memory_order_relaxed);

        time_t now = time(NULL);
        if (now != c->date_sec) {
            c->date_sec = now;
            format_date(c->date, now);
        }
        /* every complete request in the buffer, in order */
        while (!closing) {
            if (skip > 0) {
                size_t k = (size_t)(skip < (int64_t)(have - at) ? skip : (int64_t)(have - at));
                at += k;
                skip -= (int64_t)k;
                if (skip > 0)
                    break;
            }
            if (at == have)
                break;
            struct request r;
            int len = parse_request(c->rbuf + at, have - at, &r);
            if (len == 0)
                break; /* the rest of this head is still on its way */
            if (c->wlen > WBUF - REPLY_MAX && flush(c) != 0) {
                closing = 1;
                break;
            }
            if (len < 0) {
                add_reply(c, -len, 0, 1, 0);
                closing = 2;
                break;
            }
            at += (size_t)len;
            skip = r.content_length;
            int which = r.method == M_OTHER ? R_BAD_METHOD : r.found ? R_OK : R_NOT_FOUND;
            add_reply(c, which, r.method == M_HEAD, r.minor, r.keep_alive);
            if (!r.keep_alive)
                closing = 2;
        }
        if (flush(c) != 0)
            break;
        /* keep the unparsed rest (a head in pieces) at the front; it is
         * under HEAD_MAX, so a whole head always fits behind it */
        if (at == have) {
            at = have = 0;
        } else if (at > 0) {
            memmove(c->rbuf, c->rbuf + at, have - at);
            have -= at;
            at = 0;
        }
    }
    if (closing == 2)
        linger_close(c);
    conn_untrack(c);
    weft_sock_close(c->s);
    free(c);
    return NULL;
}

/* ---- the server ----------------------------------------------------------------------- */

static void *serve(void *arg)
{
    (void)arg;
    weft_sock_t *ln;
    int rc = weft_tcp_listen(opts.addr, opts.port, 0, &ln);
    if (rc != WEFT_OK) {
        fprintf(stderr, "http_server: listen on %s:%d: %s\n", *opts.addr ? opts.addr : "*",
                opts.port, weft_strerror(rc));
        return (void *)1;
    }
    printf("listening %d\n", weft_sock_port(ln));
    fflush(stdout);
    if (opts.idle_secs > 0 && (rc = weft_go(sweeper, NULL)) != WEFT_OK)
        fprintf(stderr, "http_server: no idle timeout: %s\n", weft_strerror(rc));

    for (;;) {
        weft_sock_t *s;
        rc = weft_sock_accept(ln, -1, &s);
        if (rc != WEFT_OK) {
            fprintf(stderr, "http_server: accept: %s (os error %d)\n", weft_strerror(rc),
                    weft_os_error());
            weft_sleep(10 * 1000 * 1000); /* e.g. out of descriptors: let some close */
            continue;
        }
        struct conn *c = malloc(sizeof *c);
        if (!c) {
            weft_sock_close(s);
            continue;
        }
        c->s = s;
        c->wlen = 0;
        c->date_sec = 0;
        weft_sock_set_nodelay(s, 1);
        conn_track(c);
        rc = weft_go(serve_conn, c);
        if (rc != WEFT_OK) {
            fprintf(stderr, "http_server: spawn: %s\n", weft_strerror(rc));
            conn_untrack(c);
            weft_sock_close(s);
            free(c);
        }
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: http_server [-w WORKERS] [-a ADDR] [-t IDLE_SECS] [PORT]\n");
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
    for (int i = 1; i < argc; i++) {
        int v;
        if (!strcmp(argv[i], "-w") && i + 1 < argc && (v = parse_int(argv[i + 1], 1, 1024)) > 0)
            opts.workers = v, i++;
        else if (!strcmp(argv[i], "-a") && i + 1 < argc)
            opts.addr = argv[++i];
        else if (!strcmp(argv[i], "-t") && i + 1 < argc && (v = parse_int(argv[i + 1], 0, 86400)) >= 0)
            opts.idle_secs = v, i++;
        else if (argv[i][0] != '-' && (v = parse_int(argv[i], 0, 65535)) >= 0)
            opts.port = v;
        else
            return usage();
    }
    build_replies();

    weft_config_t cfg = { 0 };
    cfg.workers = opts.workers;
    int rc = weft_init(&cfg);
    if (rc != WEFT_OK) {
        fprintf(stderr, "http_server: weft_init: %s\n", weft_strerror(rc));
        return 1;
    }
    void *failed = NULL;
    rc = weft_run(serve, NULL, &failed); /* returns only if serve() could not listen */
    weft_shutdown();
    return rc == WEFT_OK && !failed ? 0 : 1;
}
