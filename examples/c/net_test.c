/*
 * net_test.c - ctest's driver for the network examples: starts a server
 * example as a child process on an ephemeral port, talks to it, and
 * checks every byte that comes back.  POSIX only (fork, exec, kill).
 *
 *   net_test http -- SERVER-COMMAND...
 *   net_test http-idle -- SERVER-COMMAND...   (a server started with -t 1)
 *   net_test echo CLIENT-COMMAND... -- SERVER-COMMAND...
 *
 * The server command must listen on port 0 and print "listening PORT".
 * http: requests over Weft sockets from coroutines (simple, keep-alive,
 * pipelined, split byte by byte, HEAD, HTTP/1.0, bodies, many
 * connections at once) and refusals (malformed, oversize, unsupported),
 * each answer compared whole, the Date header's value excepted.
 * echo: the client command, with options and the port appended, in
 * ping-pong and stream mode (it checks its own bytes and exits 0 if all
 * came back), and an end-of-stream check of our own.
 *
 * Every network call has a deadline; a watchdog (alarm) ends the run and
 * the server if the whole takes too long.  Prints "ok NAME" per check and
 * "N passed, N failed" at the end; exits 0 if none failed.
 */
#define _POSIX_C_SOURCE 200809L
#include <weft.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define STEP_NS (10 * 1000000000LL) /* deadline of each network call */

static pid_t server_pid = -1;
static int port;
static int passed, failed;

/* ---- child processes ---------------------------------------------------------------- */

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "net_test: watchdog: taking too long, giving up\n";
    if (write(2, msg, sizeof msg - 1) < 0) { /* nothing more to do about it */ }
    if (server_pid > 0)
        kill(server_pid, SIGKILL);
    _exit(1);
}

/* Starts argv; its stdout into *out_fd if out_fd is not NULL.  The child
 * dies with us (Linux), so a killed test leaves no server behind. */
static pid_t start(char **argv, int *out_fd)
{
    int fds[2] = { -1, -1 };
    if (out_fd && pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
        if (out_fd) {
            dup2(fds[1], 1);
            close(fds[0]);
            close(fds[1]);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "net_test: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (out_fd) {
        close(fds[1]);
        *out_fd = fds[0];
    }
    return pid;
}

/* Reads the server's "listening PORT" line: the port, or -1. */
static int read_port(int fd)
{
    char line[128];
    size_t len = 0;
    while (len < sizeof line - 1) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 30000) <= 0)
            return -1;
        ssize_t n = read(fd, line + len, 1);
        if (n <= 0)
            return -1;
        if (line[len] == '\n') {
            line[len] = 0;
            int v;
            return sscanf(line, "listening %d", &v) == 1 && v > 0 ? v : -1;
        }
        len++;
    }
    return -1;
}

/* Runs argv to its end: its exit status, or -1 if it did not exit normally. */
static int run(char **argv)
{
    pid_t pid = start(argv, NULL);
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- checks ------------------------------------------------------------------------- */

static char why[512]; /* a failing check's reason */
static weft_mutex_t why_lock = WEFT_MUTEX_INIT; /* coroutines of one check may fail at once */

static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    weft_mutex_lock(&why_lock);
    vsnprintf(why, sizeof why, fmt, ap);
    weft_mutex_unlock(&why_lock);
    va_end(ap);
    return -1;
}

static void check(const char *name, int (*fn)(void))
{
    why[0] = 0;
    if (fn() == 0) {
        printf("ok %s\n", name);
        passed++;
    } else {
        printf("FAIL %s: %s\n", name, why);
        failed++;
    }
    fflush(stdout);
}

static int64_t step(void)
{
    return weft_now() + STEP_NS;
}

static int dial(weft_sock_t **s)
{
    int rc = weft_tcp_connect("127.0.0.1", port, step(), s);
    if (rc != WEFT_OK)
        return fail("connect: %s", weft_strerror(rc));
    weft_sock_set_nodelay(*s, 1);
    return 0;
}

static int send_str(weft_sock_t *s, const char *p, size_t len)
{
    int rc = weft_sock_write(s, p, len, step(), NULL);
    return rc == WEFT_OK ? 0 : fail("write: %s", weft_strerror(rc));
}
#define SEND(s, lit) send_str((s), (lit), sizeof(lit) - 1)

/* Makes a response printable for a message. */
static const char *shown(const char *p, size_t len)
{
    static char out[600];
    size_t o = 0;
    for (size_t i = 0; i < len && o < sizeof out - 5; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r') { out[o++] = '\\'; out[o++] = 'r'; }
        else if (c == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
        else if (c < 0x20 || c > 0x7e) out[o++] = '?';
        else out[o++] = (char)c;
    }
    out[o] = 0;
    return out;
}

/* Reads exactly strlen(want) bytes and compares them with want, where
 * '#' matches any byte (the Date header's value). */
static int expect(weft_sock_t *s, const char *want)
{
    size_t len = strlen(want), got = 0;
    char buf[4096];
    if (len > sizeof buf)
        return fail("expected answer too long for the test");
    while (got < len) {
        int64_t n = weft_sock_read(s, buf + got, len - got, step());
        if (n <= 0)
            return fail("after %zu bytes (\"%s\"): %s", got, shown(buf, got),
                        n == 0 ? "end of stream" : weft_strerror((int)n));
        got += (size_t)n;
    }
    for (size_t i = 0; i < len; i++)
        if (want[i] != '#' && want[i] != buf[i])
            return fail("byte %zu differs: got \"%s\"", i, shown(buf, len));
    return 0;
}

/* The server closed its end: end of stream, nothing before it. */
static int expect_eof(weft_sock_t *s)
{
    char c;
    int64_t n = weft_sock_read(s, &c, 1, step());
    if (n == 0)
        return 0;
    return fail(n > 0 ? "more bytes where the connection should have closed" : "read: %s",
                weft_strerror((int)n));
}

/* One request on a fresh connection, its answer, then (close) the end. */
static int exchange(const char *req, const char *want, int close)
{
    weft_sock_t *s;
    if (dial(&s) != 0)
        return -1;
    int rc = send_str(s, req, strlen(req));
    if (rc == 0)
        rc = expect(s, want);
    if (rc == 0 && close)
        rc = expect_eof(s);
    weft_sock_close(s);
    return rc;
}

#define DATE "Date: #############################\r\n"
#define HEAD(status, len) "HTTP/1.1 " status "\r\nServer: weft\r\nContent-Type: text/plain\r\n" \
                          "Content-Length: " #len "\r\n" DATE
#define OK_HEAD HEAD("200 OK", 13)
#define OK OK_HEAD "\r\nHello, World!"
#define OK_CLOSE OK_HEAD "Connection: close\r\n\r\nHello, World!"
#define NOT_FOUND HEAD("404 Not Found", 9) "\r\nNot Found"
#define REFUSED(status, len, body) HEAD(status, len) "Connection: close\r\n\r\n" body
#define BAD_REQUEST REFUSED("400 Bad Request", 11, "Bad Request")
#define METHOD_NOT_ALLOWED "HTTP/1.1 405 Method Not Allowed\r\nServer: weft\r\n" \
    "Content-Type: text/plain\r\nAllow: GET, HEAD\r\nContent-Length: 18\r\n" DATE "\r\nMethod Not Allowed"
#define GET_ROOT "GET / HTTP/1.1\r\nHost: test\r\n\r\n"

static int t_get(void)
{
    weft_sock_t *s;
    if (dial(&s) != 0)
        return -1;
    char buf[512];
    int rc = SEND(s, GET_ROOT);
    size_t len = strlen(OK), got = 0;
    while (rc == 0 && got < len) {
        int64_t n = weft_sock_read(s, buf + got, len - got, step());
        if (n <= 0)
            rc = fail("read: %s", n ? weft_strerror((int)n) : "end of stream");
        else
            got += (size_t)n;
    }
    weft_sock_close(s);
    if (rc != 0)
        return rc;
    buf[len] = 0;
    for (size_t i = 0; i < len; i++)
        if (OK[i] != '#' && OK[i] != buf[i])
            return fail("got \"%s\"", shown(buf, len));
    /* the Date value: "Sun, 06 Nov 1994 08:49:37 GMT" */
    const char *d = strstr(buf, "Date: ") + 6;
    int day, year, h, m, sec;
    char wd[4], mon[4];
    if (sscanf(d, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT", wd, &day, mon, &year, &h, &m,
               &sec) != 7 || !strstr("MonTueWedThuFriSatSun", wd) ||
        !strstr("JanFebMarAprMayJunJulAugSepOctNovDec", mon) || year < 2024 || day < 1 ||
        day > 31 || h > 23 || m > 59 || sec > 60)
        return fail("bad Date: \"%s\"", shown(d, 29));
    return 0;
}

static int t_keep_alive(void)
{
    weft_sock_t *s;
    if (dial(&s) != 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < 100 && rc == 0; i++) {
        rc = SEND(s, GET_ROOT);
        if (rc == 0)
            rc = expect(s, OK);
    }
    weft_sock_close(s);
    return rc;
}

static int t_pipelined_two(void)
{
    weft_sock_t *s;
    if (dial(&s) != 0)
        return -1;
    int rc = SEND(s, GET_ROOT "GET /nope HTTP/1.1\r\nHost: test\r\n\r\n");
    if (rc == 0)
        rc = expect(s, OK NOT_FOUND);
    if (rc == 0) /* still open afterwards */
        rc = SEND(s, GET_ROOT);
    if (rc == 0)
        rc = expect(s, OK);
    weft_sock_close(s);
    return rc;
}

/* 1000 requests in one stream, written by another coroutine while we read
 * the answers: they cross read-buffer and write-batch boundaries. */
#define PIPELINE_N 1000
static void *pipeline_writer(void *arg)
{
    weft_sock_t *s = arg;
    static const char req[] = GET_ROOT;
    char buf[(sizeof req - 1) * 100];
    for (int i = 0; i < 100; i++)
        memcpy(buf + i * (sizeof req - 1), req, sizeof req - 1);
    for (int k = 0; k < PIPELINE_N / 100; k++)
        if (weft_sock_write(s, buf, sizeof buf, step(), NULL) != WEFT_OK)
            return (void *)1;
    return NULL;
}

static int t_pipelined_many(void)
{
    weft_sock_t *s;
    if (dial(&s) != 0)
        return -1;
    weft_co_t *w;
    int rc = weft_spawn(NULL, pipeline_writer, s, &w);
    if (rc != WEFT_OK) {
        weft_sock_close(s);
        return fail("spawn: %s", weft_strerror(rc));
    }
    rc = 0;
    for (int i = 0; i < PIPELINE_N && rc == 0; i++)
        if ((rc = expect(s, OK)) != 0) {
            char at[sizeof why];
            memcpy(at, why, sizeof at);
            fail("answer %d: %.400s", i, at);
        }
    void *wrc = NULL;
    if (rc != 0)
        weft_cancel(w);
    weft_join(w, &wrc);
    weft_co_release(w);
    weft_sock_close(s);
    return rc != 0 ? rc : wrc ? fail("the writer failed") : 0;
}

static int t_byte_by_byte(void)
{
    weft_sock_t *s;
    if (dial(&s) != 0)
        return -1;
    static const char req[] = "GET /?x=1 HTTP/1.1\r\nHost: test\r\nUser-Agent: net_test\r\n\r\n";
    int rc = 0;
    for (size_t i = 0; i < sizeof req - 1 && rc == 0; i++) {
        rc = send_str(s, req + i, 1);
        if (i % 8 == 0)
            weft_sleep(200000); /* let the server see some pieces on their own */
    }
    if (rc == 0)
        rc = expect(s, OK);
    weft_sock_close(s);
    return rc;
}

static int t_not_found(void)
{
    weft_sock_t *s;
    if (dial(&s) != 0)
        return -1;
    int rc = SEND(s, "GET /index.html HTTP/1.1\r\nHost: test\r\n\r\n");
    if (rc == 0)
        rc = expect(s, NOT_FOUND);
    if (rc == 0)
        rc = SEND(s, GET_ROOT);
    if (rc == 0)
        rc = expect(s, OK);
    weft_sock_close(s);
    return rc;
}

static int t_head(void)
{
    weft_sock_t *s;
    if (dial(&s) != 0)
        return -1;
    int rc = SEND(s, "HEAD / HTTP/1.1\r\nHost: test\r\n\r\n" GET_ROOT);
    if (rc == 0)
        rc = expect(s, OK_HEAD "\r\n" OK); /* no body after HEAD's headers */
    weft_sock_close(s);
    return rc;
}

static int t_http10(void)
{
    if (exchange("GET / HTTP/1.0\r\n\r\n", OK_CLOSE, 1) != 0)
        return -1;
    weft_sock_t *s;
    if (dial(&s) != 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) { /* stays open when asked to */
        rc = SEND(s, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
        if (rc == 0)
            rc = expect(s, OK_HEAD "Connection: keep-alive\r\n\r\nHello, World!");
    }
    weft_sock_close(s);
    return rc;
}

static int t_connection_close(void)
{
    /* the request after the one that says close is not answered */
    return exchange("GET / HTTP/1.1\r\nHost: test\r\nConnection: keep-alive, close\r\n\r\n" GET_ROOT,
                    OK_CLOSE, 1);
}

static int t_body(void)
{
    weft_sock_t *s;
    if (dial(&s) != 0)
        return -1;
    int rc = SEND(s, "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 11\r\n\r\nhello");
    if (rc == 0) {
        weft_sleep(20000000); /* the rest of the body in a later read */
        rc = SEND(s, " world" GET_ROOT);
    }
    if (rc == 0) /* the body dropped, the next request read where it starts */
        rc = expect(s, METHOD_NOT_ALLOWED OK);
    weft_sock_close(s);
    if (rc == 0)
        rc = exchange("DELETE / HTTP/1.1\r\nHost: test\r\n\r\n", METHOD_NOT_ALLOWED, 0);
    return rc;
}

static int t_malformed(void)
{
    static const char *const bad[] = {
        "GARBAGE\r\n\r\n",
        "GET /\r\n\r\n",                                         /* no version */
        "GET  / HTTP/1.1\r\nHost: test\r\n\r\n",                 /* two spaces */
        "GET / HTTP/1.1\r\nHost: test\r\nNo colon here\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : test\r\n\r\n",                 /* space before the colon */
        "GET / HTTP/1.1\r\nHost: test\r\nX-A: 1\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",                                /* HTTP/1.1 without Host */
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: test\r\nContent-Length: 12x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: te\x01st\r\n\r\n",             /* a control byte in a value */
        "GET / XTTP/1.1\r\nHost: test\r\n\r\n",
        "GET index HTTP/1.1\r\nHost: test\r\n\r\n",              /* not a path */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (exchange(bad[i], BAD_REQUEST, 1) != 0) {
            char at[sizeof why];
            memcpy(at, why, sizeof at);
            return fail("request \"%s\": %.300s", shown(bad[i], strlen(bad[i])), at);
        }
    return 0;
}

static int t_unsupported(void)
{
    if (exchange("GET / HTTP/2.0\r\nHost: test\r\n\r\n",
                 REFUSED("505 HTTP Version Not Supported", 26, "HTTP Version Not Supported"), 1) != 0)
        return -1;
    return exchange("POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                    REFUSED("501 Not Implemented", 15, "Not Implemented"), 1);
}

/* A head over 8 KiB: 431 (or 414 when the request line alone is), then
 * the close, even though the client is still sending. */
static int t_oversize(void)
{
    static char req[40000];
    size_t n = (size_t)snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: test\r\nX-Big: ");
    memset(req + n, 'a', 9000);
    n += 9000;
    strcpy(req + n, "\r\n\r\n");
    if (exchange(req, REFUSED("431 Request Header Fields Too Large", 31,
                              "Request Header Fields Too Large"), 1) != 0)
        return -1;
    /* many headers, each small, adding up to too much */
    n = (size_t)snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: test\r\n");
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(req + n, sizeof req - n, "X-H%d: 0123456789\r\n", i);
    strcpy(req + n, "\r\n");
    if (exchange(req, REFUSED("431 Request Header Fields Too Large", 31,
                              "Request Header Fields Too Large"), 1) != 0)
        return -1;
    n = (size_t)snprintf(req, sizeof req, "GET /");
    memset(req + n, 'u', 10000);
    n += 10000;
    strcpy(req + n, " HTTP/1.1\r\nHost: test\r\n\r\n");
    return exchange(req, REFUSED("414 URI Too Long", 12, "URI Too Long"), 1);
}

/* 50 connections at once, 20 keep-alive requests each. */
#define MANY 50
static void *many_one(void *arg)
{
    weft_sock_t *s;
    if (weft_tcp_connect("127.0.0.1", port, step(), &s) != WEFT_OK)
        return (void *)1;
    int rc = 0;
    for (int i = 0; i < 20 && rc == 0; i++) {
        rc = SEND(s, GET_ROOT);
        if (rc == 0)
            rc = expect(s, OK);
    }
    weft_sock_close(s);
    *(int *)arg = rc;
    return NULL;
}

static int t_many(void)
{
    int rcs[MANY];
    weft_scope_t sc = WEFT_SCOPE_INIT;
    for (int i = 0; i < MANY; i++) {
        rcs[i] = -1;
        weft_scope_spawn(&sc, NULL, many_one, &rcs[i]);
    }
    weft_scope_wait(&sc);
    int bad = 0;
    for (int i = 0; i < MANY; i++)
        bad += rcs[i] != 0;
    return bad ? fail("%d of %d connections failed", bad, MANY) : 0;
}

/* With -t 1: a connection that sends nothing is closed within a few
 * seconds; one that keeps asking is not. */
static void *idle_one(void *arg)
{
    weft_sock_t *s;
    int *rc = arg;
    if ((*rc = dial(&s)) != 0)
        return NULL;
    int64_t begin = weft_now();
    *rc = expect_eof(s);
    if (*rc == 0 && weft_now() - begin < 500000000)
        *rc = fail("closed after %lld ms, before the timeout",
                   (long long)((weft_now() - begin) / 1000000));
    weft_sock_close(s);
    return NULL;
}

static int t_idle(void)
{
    int idle_rc = -1;
    weft_co_t *co;
    if (weft_spawn(NULL, idle_one, &idle_rc, &co) != WEFT_OK)
        return fail("spawn failed");
    weft_sock_t *s;
    int rc = dial(&s);
    for (int i = 0; i < 10 && rc == 0; i++) { /* 3.5 s of a request every 350 ms */
        weft_sleep(350000000);
        rc = SEND(s, GET_ROOT);
        if (rc == 0)
            rc = expect(s, OK);
    }
    if (rc == 0)
        weft_sock_close(s);
    weft_join(co, NULL);
    weft_co_release(co);
    return rc != 0 ? rc : idle_rc;
}

static void *idle_checks(void *arg)
{
    (void)arg;
    check("http.idle_timeout", t_idle);
    return NULL;
}

static void *http_checks(void *arg)
{
    (void)arg;
    check("http.get", t_get);
    check("http.keep_alive_100", t_keep_alive);
    check("http.pipelined_two", t_pipelined_two);
    check("http.pipelined_1000", t_pipelined_many);
    check("http.byte_by_byte", t_byte_by_byte);
    check("http.not_found", t_not_found);
    check("http.head", t_head);
    check("http.http10", t_http10);
    check("http.connection_close", t_connection_close);
    check("http.body_and_405", t_body);
    check("http.malformed_400", t_malformed);
    check("http.unsupported_505_501", t_unsupported);
    check("http.oversize_431_414", t_oversize);
    check("http.many_connections", t_many);
    return NULL;
}

/* ---- echo ---------------------------------------------------------------------------- */

static char **client_argv;
static int client_argc;

/* The client with extra options and the port. */
static int run_client(const char *const *extra, int n)
{
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    char *argv[64];
    int k = 0;
    for (int i = 0; i < client_argc && k < 50; i++)
        argv[k++] = client_argv[i];
    for (int i = 0; i < n && k < 62; i++)
        argv[k++] = (char *)extra[i];
    argv[k++] = portstr;
    argv[k] = NULL;
    int st = run(argv);
    return st == 0 ? 0 : fail("echo_client exited with %d", st);
}

static int t_echo_ping_pong(void)
{
    static const char *const a[] = { "-c", "8", "-n", "500", "-s", "64" };
    return run_client(a, 6);
}

static int t_echo_big_messages(void)
{
    static const char *const a[] = { "-c", "2", "-n", "20", "-s", "65536" };
    return run_client(a, 6);
}

static int t_echo_stream(void)
{
    static const char *const a[] = { "-c", "4", "-b", "8000000" };
    return run_client(a, 4);
}

/* Our end's shutdown reaches the server as end of stream: it sends what
 * it had and closes its end too. */
static void *eof_check(void *arg)
{
    weft_sock_t *s;
    int *rc = arg;
    if ((*rc = dial(&s)) != 0)
        return NULL;
    *rc = SEND(s, "hello");
    if (*rc == 0 && weft_sock_shutdown(s, WEFT_SHUT_WR) != WEFT_OK)
        *rc = fail("shutdown failed");
    if (*rc == 0)
        *rc = expect(s, "hello");
    if (*rc == 0)
        *rc = expect_eof(s);
    weft_sock_close(s);
    return NULL;
}

static int eof_rc;
static int t_echo_eof(void)
{
    return eof_rc;
}

/* ---- main ---------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    int sep = 2;
    while (sep < argc && strcmp(argv[sep], "--"))
        sep++;
    if (argc < 4 || sep >= argc - 1 ||
        (strcmp(argv[1], "http") && strcmp(argv[1], "http-idle") && strcmp(argv[1], "echo"))) {
        fprintf(stderr, "usage: net_test http|http-idle -- SERVER...\n"
                        "       net_test echo CLIENT... -- SERVER...\n");
        return 2;
    }
    int echo = !strcmp(argv[1], "echo");
    client_argv = argv + 2;
    client_argc = sep - 2;
    if (echo && client_argc == 0) {
        fprintf(stderr, "net_test: echo needs the client command\n");
        return 2;
    }
    const char *scale = getenv("WEFT_TEST_TIMEOUT_SCALE");
    int s = scale ? atoi(scale) : 1;
    signal(SIGALRM, on_alarm);
    alarm((unsigned)(100 * (s > 0 ? s : 1)));

    int out;
    server_pid = start(argv + sep + 1, &out);
    if (server_pid < 0 || (port = read_port(out)) < 0) {
        fprintf(stderr, "net_test: the server did not say \"listening PORT\"\n");
        if (server_pid > 0)
            kill(server_pid, SIGKILL);
        return 1;
    }
    printf("net_test: server %s listening on port %d\n", argv[sep + 1], port);

    weft_config_t cfg = { 0 };
    cfg.workers = 2;
    weft_init(&cfg);
    if (echo) {
        void *(*fn)(void *) = eof_check;
        weft_run(fn, &eof_rc, NULL);
        check("echo.end_of_stream", t_echo_eof);
        check("echo.ping_pong", t_echo_ping_pong);
        check("echo.big_messages", t_echo_big_messages);
        check("echo.stream", t_echo_stream);
    } else {
        weft_run(strcmp(argv[1], "http") ? idle_checks : http_checks, NULL, NULL);
    }
    weft_shutdown();

    int st;
    if (waitpid(server_pid, &st, WNOHANG) == server_pid) {
        printf("FAIL server: it exited during the checks (status %d)\n", st);
        failed++;
    } else {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, &st, 0);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed || !passed ? 1 : 0;
}
