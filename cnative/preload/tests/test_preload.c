/*
 * test_preload.c - libweft-preload.so (cnative/preload/preload.c), run by
 * ctest with LD_PRELOAD set to it.  The programs here use plain libc
 * calls (socket, accept, read, write, poll, usleep, ...) inside
 * coroutines, as a program written for threads would, and check that
 * they park instead of blocking their worker, keep libc's semantics and
 * errno, and stay plain libc outside coroutines and after fork.
 *
 * "Parked" is checked directly where it can be: weft_dump lists a
 * coroutine waiting in one of these calls as "blocked on fd wait" or
 * "blocked on sleep".  Timing bounds are generous: they tell parking
 * (all coroutines wait at once) from blocking (one at a time per
 * thread), not one machine's speed.
 *
 * errno is read with errno_now(), never twice in one function around a
 * call that may park: glibc's __errno_location is declared const, so a
 * compiler may keep errno's address from before such a call, which is
 * the previous thread's once the coroutine has moved (docs/guide-c.md,
 * "Plain libc calls in coroutines").  pthread_self likewise.
 */
#define _GNU_SOURCE
#include "harness.h"
#include "weft.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/lib-names.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS (1000 * 1000LL)

/* Through volatile pointers, so that no call can be merged with another
 * (noinline alone is not enough: gcc infers that a function returning
 * a const function's result is const itself, and merges the calls). */
static int *(*volatile errno_loc)(void) = __errno_location;
static pthread_t (*volatile self_fn)(void) = pthread_self;

static int errno_now(void)
{
    return *errno_loc();
}

static void errno_set(int e)
{
    *errno_loc() = e;
}

/* pthread_self is declared const too: the same hazard as errno's address */
static pthread_t thread_now(void)
{
    return self_fn();
}

/* Every case starts here: without the preload these programs would
 * still mostly pass (the monitor moves a blocked worker's queue to a
 * spare thread), so make sure it is there. */
static void need_preload(void)
{
    Dl_info info;
    void *p = dlsym(RTLD_DEFAULT, "read");
    if (!p || !dladdr(p, &info) || !info.dli_fname || !strstr(info.dli_fname, "libweft-preload"))
        WEFT_FAIL("read is not libweft-preload's (LD_PRELOAD=%s): run through ctest",
                  getenv("LD_PRELOAD") ? getenv("LD_PRELOAD") : "");
}

/* libc's own function, past the preload. */
static void *libc_fn(const char *name)
{
    void *h = dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD);
    void *p = h ? dlsym(h, name) : NULL;
    if (!p)
        WEFT_FAIL("no %s in %s", name, LIBC_SO);
    return p;
}

static void run(void *(*fn)(void *), int workers)
{
    need_preload();
    weft_config_t cfg = { 0 };
    cfg.workers = workers;
    CHECK_EQ_INT(weft_init(&cfg), WEFT_OK);
    void *r = (void *)1;
    CHECK_EQ_INT(weft_run(fn, NULL, &r), WEFT_OK);
    CHECK(r == NULL);
    weft_shutdown();
}

static void go_named(const char *name, void *(*fn)(void *), void *arg)
{
    weft_attr_t a = { name, 0 };
    weft_co_t *co;
    CHECK_EQ_INT(weft_spawn(&a, fn, arg, &co), WEFT_OK);
    weft_co_release(co);
}

/* Coroutines named `name` that weft_dump shows blocked on `what`. */
static int blocked_on(const char *name, const char *what)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK(f != NULL);
    weft_dump(f);
    fclose(f);
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\" blocked on %s", name, what);
    int n = 0;
    for (const char *p = text; (p = strstr(p, pat)) != NULL; p += strlen(pat))
        n++;
    free(text);
    return n;
}

/* Waits (parked) until `n` coroutines named `name` are blocked on
 * `what`, failing after 10 s. */
static void await_blocked(const char *name, const char *what, int n)
{
    int64_t end = weft_now() + 10000 * MS;
    int got;
    while ((got = blocked_on(name, what)) < n) {
        if (weft_now() > end) {
            weft_dump(stderr);
            WEFT_FAIL("only %d of %d coroutines \"%s\" blocked on %s", got, n, name, what);
        }
        weft_sleep(1 * MS);
    }
}

static int listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    int one = 1;
    CHECK_EQ_INT(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_EQ_INT(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ_INT(listen(fd, 1024), 0);
    socklen_t len = sizeof a;
    CHECK_EQ_INT(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    errno_set(0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        WEFT_FAIL("connect to port %d: %s", port, strerror(errno_now()));
    if (errno_now() != 0) /* not the EINPROGRESS of the non-blocking connect inside */
        WEFT_FAIL("errno %d after a connect that succeeded", errno_now());
    return fd;
}

static double ms_since(int64_t t0)
{
    return (double)(weft_now() - t0) / 1e6;
}

/* ---- a blocking-style echo server and 200 clients ------------------------------- */

#define CLIENTS 200
#define ROUNDS 4
#define MSG_MAX 9000

static int echo_port;
static weft_wg_t echo_wg;
static weft_wg_t echo_gate; /* the servers echo nothing until every client waits */
static _Atomic long echo_verified;
static _Atomic int echo_conns;

static void *echo_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[4096];
    CHECK_EQ_INT(weft_wg_wait(&echo_gate), WEFT_OK);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0)
            WEFT_FAIL("server read: %s", strerror(errno_now()));
        ssize_t w = write(fd, buf, (size_t)n);
        if (w != n) /* a blocking write takes every byte */
            WEFT_FAIL("server write gave %zd of %zd (%s)", w, n, w < 0 ? strerror(errno_now()) : "short");
    }
    CHECK_EQ_INT(close(fd), 0);
    return NULL;
}

static void *echo_acceptor(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    for (int i = 0; i < CLIENTS; i++) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        int c = (i & 1) ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC) : accept(lfd, (struct sockaddr *)&peer, &len);
        if (c < 0)
            WEFT_FAIL("accept %d: %s", i, strerror(errno_now()));
        atomic_fetch_add(&echo_conns, 1);
        CHECK_EQ_INT(weft_go(echo_conn, (void *)(intptr_t)c), WEFT_OK);
    }
    CHECK_EQ_INT(close(lfd), 0);
    return NULL;
}

/* One message out with the client's style of call, all of it. */
static void send_msg(int style, int fd, const unsigned char *out, size_t len)
{
    ssize_t w;
    switch (style) {
    case 0:
        w = write(fd, out, len);
        break;
    case 1:
        w = send(fd, out, len, 0);
        break;
    case 2: {
        struct iovec iov[3] = { { (void *)out, len / 3 }, { (void *)(out + len / 3), 0 },
                                { (void *)(out + len / 3), len - len / 3 } };
        w = writev(fd, iov, 3);
        break;
    }
    default:
        w = sendto(fd, out, len, 0, NULL, 0);
        break;
    }
    if (w != (ssize_t)len)
        WEFT_FAIL("style %d: sent %zd of %zu (%s)", style, w, len, w < 0 ? strerror(errno_now()) : "short");
}

/* Some of len bytes in with the client's style of call. */
static ssize_t recv_some(int style, int fd, unsigned char *in, size_t len)
{
    switch (style) {
    case 0:
        return read(fd, in, len);
    case 1:
        return recv(fd, in, len, 0);
    case 2: {
        struct iovec iov[2] = { { in, len / 2 }, { in + len / 2, len - len / 2 } };
        return readv(fd, iov, 2);
    }
    case 3: {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 30000) != 1 || !(p.revents & POLLIN))
            WEFT_FAIL("poll before recvfrom: revents %#x", p.revents);
        return recvfrom(fd, in, len, 0, NULL, NULL);
    }
    default: {
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(fd, &rd);
        struct timeval tv = { 30, 0 };
        if (select(fd + 1, &rd, NULL, NULL, &tv) != 1 || !FD_ISSET(fd, &rd))
            WEFT_FAIL("select before read");
        return read(fd, in, len);
    }
    }
}

static void *echo_client(void *arg)
{
    int k = (int)(intptr_t)arg;
    int style = k % 5;
    int fd = dial(echo_port);
    unsigned char out[MSG_MAX], in[MSG_MAX];
    for (int round = 0; round < ROUNDS; round++) {
        size_t len = 1 + (size_t)((k * 131 + round * 977) % MSG_MAX);
        for (size_t i = 0; i < len; i++)
            out[i] = (unsigned char)(k * 7 + round * 13 + i);
        send_msg(style % 4, fd, out, len);
        size_t got = 0;
        while (got < len) {
            ssize_t n = recv_some(style, fd, in + got, len - got);
            if (n <= 0)
                WEFT_FAIL("client %d round %d: got %zd (%s) after %zu of %zu bytes", k, round, n,
                          n < 0 ? strerror(errno_now()) : "end of stream", got, len);
            got += (size_t)n;
        }
        for (size_t i = 0; i < len; i++)
            if (in[i] != out[i])
                WEFT_FAIL("client %d round %d: byte %zu is %u, sent %u", k, round, i, in[i], out[i]);
        atomic_fetch_add(&echo_verified, (long)len);
    }
    CHECK_EQ_INT(close(fd), 0);
    weft_wg_done(&echo_wg);
    return NULL;
}

static void *echo_main(void *arg)
{
    (void)arg;
    int lfd = listener(&echo_port);
    weft_co_t *acc;
    CHECK_EQ_INT(weft_spawn(NULL, echo_acceptor, (void *)(intptr_t)lfd, &acc), WEFT_OK);
    long expect = 0;
    for (int k = 0; k < CLIENTS; k++)
        for (int round = 0; round < ROUNDS; round++)
            expect += 1 + (k * 131 + round * 977) % MSG_MAX;
    weft_wg_add(&echo_wg, CLIENTS);
    int64_t t0 = weft_now();
    weft_wg_add(&echo_gate, 1);
    for (int k = 0; k < CLIENTS; k++)
        go_named("client", echo_client, (void *)(intptr_t)k);
    /* 200 clients in a blocking read (or poll, select) at once on two
     * workers: only parked ones can be */
    await_blocked("client", "fd wait", CLIENTS);
    weft_wg_done(&echo_gate);
    if (weft_wg_wait_until(&echo_wg, weft_now() + 40000 * MS) != WEFT_OK) {
        weft_dump(stderr);
        WEFT_FAIL("clients not done after 40 s: %ld of %ld bytes verified, %d connections accepted",
                  atomic_load(&echo_verified), expect, atomic_load(&echo_conns));
    }
    CHECK_EQ_INT(weft_join(acc, NULL), WEFT_OK);
    weft_co_release(acc);
    CHECK_EQ_INT(atomic_load(&echo_verified), expect);
    CHECK_EQ_INT(atomic_load(&echo_conns), CLIENTS);
    printf("echo: %d connections, %ld bytes each way, every one checked, in %.0f ms\n", CLIENTS, expect,
           ms_since(t0));
    return NULL;
}

WEFT_TEST(echo_server_and_200_clients_in_plain_libc_calls_on_2_workers)
{
    run(echo_main, 2);
}

/* ---- 100 coroutines in usleep ---------------------------------------------------- */

#define NAPPERS 100
static weft_wg_t nap_wg;
static _Atomic int nap_ok;

static void *napper(void *arg)
{
    (void)arg;
    if (usleep(200000) == 0)
        atomic_fetch_add(&nap_ok, 1);
    weft_wg_done(&nap_wg);
    return NULL;
}

static void *nap_main(void *arg)
{
    (void)arg;
    weft_stats_t before, after;
    weft_stats(&before);
    weft_wg_add(&nap_wg, NAPPERS);
    int64_t t0 = weft_now();
    for (int i = 0; i < NAPPERS; i++)
        go_named("napper", napper, NULL);
    await_blocked("napper", "sleep", NAPPERS); /* all asleep at once, none holding a thread */
    CHECK_EQ_INT(weft_wg_wait_until(&nap_wg, t0 + 20000 * MS), WEFT_OK);
    double ms = ms_since(t0);
    weft_stats(&after);
    printf("%d x usleep(200 ms) on 2 workers: %.0f ms, %llu parks\n", NAPPERS, ms,
           (unsigned long long)(after.parks - before.parks));
    CHECK_EQ_INT(atomic_load(&nap_ok), NAPPERS);
    CHECK(ms >= 199.0);  /* each slept its 200 ms */
    CHECK(ms < 2000.0);  /* ... at the same time: blocking, 2 threads take 10 s */
    CHECK(after.parks - before.parks >= NAPPERS);
    return NULL;
}

WEFT_TEST(hundred_coroutines_in_usleep_200ms_finish_in_well_under_2s)
{
    run(nap_main, 2);
}

/* ---- outside coroutines: plain libc ----------------------------------------------- */

static int pipe_w;

static void *late_writer(void *arg)
{
    (void)arg;
    struct timespec ts = { 0, 50 * MS };
    nanosleep(&ts, NULL);
    CHECK_EQ_INT(write(pipe_w, "hello", 5), 5);
    return NULL;
}

WEFT_TEST(outside_a_coroutine_calls_are_plain_libc)
{
    need_preload();
    CHECK_EQ_INT(weft_init(NULL), WEFT_OK); /* a runtime running, this thread no coroutine of it */
    CHECK(weft_self() == NULL);

    /* the first call of a wrapper looks up libc's function: errno stays */
    errno_set(4321);
    CHECK_EQ_INT(sleep(0), 0);
    CHECK_EQ_INT(errno_now(), 4321);

    /* a blocking read blocks this thread until a writer comes */
    int p[2];
    CHECK_EQ_INT(pipe(p), 0);
    pipe_w = p[1];
    pthread_t t;
    CHECK_EQ_INT(pthread_create(&t, NULL, late_writer, NULL), 0);
    int64_t t0 = weft_now();
    char buf[16];
    CHECK_EQ_INT(read(p[0], buf, sizeof buf), 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
    CHECK(ms_since(t0) >= 40.0);
    pthread_join(t, NULL);

    /* the same results and errno as libc's own functions */
    ssize_t (*libc_read)(int, void *, size_t) = (ssize_t (*)(int, void *, size_t))libc_fn("read");
    ssize_t (*libc_recv)(int, void *, size_t, int) = (ssize_t (*)(int, void *, size_t, int))libc_fn("recv");
    errno_set(0);
    CHECK_EQ_INT(read(-1, buf, 1), -1);
    CHECK_EQ_INT(errno_now(), EBADF);
    errno_set(0);
    CHECK_EQ_INT(libc_read(-1, buf, 1), -1);
    CHECK_EQ_INT(errno_now(), EBADF);
    CHECK_EQ_INT(recv(p[0], buf, 1, 0), -1);
    CHECK_EQ_INT(errno_now(), ENOTSOCK);
    CHECK_EQ_INT(libc_recv(p[0], buf, 1, 0), -1);
    CHECK_EQ_INT(errno_now(), ENOTSOCK);
    CHECK_EQ_INT(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    CHECK_EQ_INT(read(p[0], buf, 1), -1);
    CHECK_EQ_INT(errno_now(), EAGAIN);
    struct timespec bad = { 0, 1000000000 };
    CHECK_EQ_INT(nanosleep(&bad, NULL), -1);
    CHECK_EQ_INT(errno_now(), EINVAL);
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    CHECK_EQ_INT(connect(p[0], (struct sockaddr *)&a, sizeof a), -1);
    CHECK_EQ_INT(errno_now(), ENOTSOCK);

    /* timeouts are the thread's own */
    t0 = weft_now();
    CHECK_EQ_INT(poll(NULL, 0, 30), 0);
    struct timeval tv = { 0, 30000 };
    CHECK_EQ_INT(select(0, NULL, NULL, NULL, &tv), 0);
    CHECK_EQ_INT(usleep(30000), 0);
    CHECK(ms_since(t0) >= 85.0);
    struct pollfd pf = { p[0], POLLIN, 0 };
    CHECK_EQ_INT(poll(&pf, 1, 0), 0);
    CHECK_EQ_INT(write(p[1], "x", 1), 1);
    CHECK_EQ_INT(poll(&pf, 1, 1000), 1);
    CHECK_EQ_INT(pf.revents, POLLIN);
    close(p[0]);
    close(p[1]);
    weft_shutdown();
}

/* ---- errno after a park, on another worker ------------------------------------------ */

static _Atomic int moved, errno_rounds;

static void *hog(void *arg)
{
    (void)arg;
    int64_t end = weft_now() + 30 * MS;
    while (weft_now() < end) {
    } /* holds the waiter's worker: the waiter's wake-up goes elsewhere */
    return NULL;
}

/* Resets the connection (SO_LINGER 0: an RST) 10 ms from now, from a
 * plain thread. */
static void *resetter(void *arg)
{
    int fd = (int)(intptr_t)arg;
    usleep(10000);
    struct linger lg = { 1, 0 };
    CHECK_EQ_INT(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    CHECK_EQ_INT(close(fd), 0);
    return NULL;
}

/* -1 and errno from a recv that fails after a park. */
static int failed_recv(int fd)
{
    char c;
    ssize_t r = recv(fd, &c, 1, 0);
    int e = errno_now();
    CHECK_EQ_INT(r, -1);
    return e;
}

static void *errno_waiter(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    CHECK_EQ_INT(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
    int c = dial(ntohs(a.sin_port));
    int s = accept(lfd, NULL, NULL);
    CHECK(s >= 0);
    pthread_t t;
    CHECK_EQ_INT(pthread_create(&t, NULL, resetter, (void *)(intptr_t)s), 0);
    pthread_t before = thread_now();
    CHECK_EQ_INT(weft_go(hog, NULL), WEFT_OK);
    errno_set(0);
    int e = failed_recv(c);
    if (e != ECONNRESET)
        WEFT_FAIL("recv after a park: errno %d (%s), not ECONNRESET", e, strerror(e));
    if (!pthread_equal(before, thread_now()))
        atomic_fetch_add(&moved, 1);
    pthread_join(t, NULL);
    close(c);
    return NULL;
}

static void *errno_cancelled_reader(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char c;
    ssize_t r = read(fd, &c, 1);
    int e = errno_now();
    CHECK_EQ_INT(r, -1);
    return (void *)(intptr_t)e;
}

static void *errno_main(void *arg)
{
    (void)arg;
    /* rounds until some waiters woke on another thread than they parked on */
    int port;
    int lfd = listener(&port);
    weft_test_rounds_t rounds = weft_test_rounds("errno rounds", 300, 3, 10.0);
    while (weft_test_rounds_more(&rounds) && (atomic_load(&moved) < 10 || rounds.done <= 3)) {
        weft_co_t *co;
        CHECK_EQ_INT(weft_spawn(NULL, errno_waiter, (void *)(intptr_t)lfd, &co), WEFT_OK);
        CHECK_EQ_INT(weft_join_until(co, NULL, weft_now() + 10000 * MS), WEFT_OK);
        weft_co_release(co);
        atomic_fetch_add(&errno_rounds, 1);
    }
    weft_test_rounds_end(&rounds);
    close(lfd);
    printf("%d of %d waiters resumed on another thread, each with its errno\n", atomic_load(&moved),
           atomic_load(&errno_rounds));
    if (atomic_load(&moved) == 0)
        WEFT_FAIL("no waiter ever resumed on another thread: the check proves nothing");

    /* ECANCELED: a read on an empty pipe, cancelled */
    int p[2];
    CHECK_EQ_INT(pipe(p), 0);
    weft_attr_t a = { "reader", 0 };
    weft_co_t *co;
    CHECK_EQ_INT(weft_spawn(&a, errno_cancelled_reader, (void *)(intptr_t)p[0], &co), WEFT_OK);
    await_blocked("reader", "fd wait", 1);
    CHECK_EQ_INT(weft_cancel(co), WEFT_OK);
    void *e;
    CHECK_EQ_INT(weft_join(co, &e), WEFT_OK);
    weft_co_release(co);
    CHECK_EQ_INT((intptr_t)e, ECANCELED);

    /* errors that come at once are libc's */
    char c;
    CHECK_EQ_INT(read(-1, &c, 1), -1);
    CHECK_EQ_INT(errno_now(), EBADF);
    CHECK_EQ_INT(recv(p[0], &c, 1, 0), -1);
    CHECK_EQ_INT(errno_now(), ENOTSOCK);
    lfd = listener(&port);
    close(lfd); /* nothing listens there now */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { 0 };
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    CHECK_EQ_INT(connect(s, (struct sockaddr *)&sa, sizeof sa), -1);
    CHECK_EQ_INT(errno_now(), ECONNREFUSED);
    CHECK_EQ_INT(fcntl(s, F_GETFL) & O_NONBLOCK, 0); /* what the program set */
    close(s);
    close(p[0]);
    close(p[1]);
    return NULL;
}

WEFT_TEST(errno_is_right_after_a_park_that_moved_the_coroutine)
{
    run(errno_main, 2);
}

/* ---- pipes -------------------------------------------------------------------------- */

#define PIPE_BYTES (1 << 20)
static int big_pipe[2];
static unsigned char big_out[PIPE_BYTES], big_in[PIPE_BYTES];

static void *pipe_writer(void *arg)
{
    (void)arg;
    for (size_t i = 0; i < PIPE_BYTES; i++)
        big_out[i] = (unsigned char)(i * 31 + (i >> 12));
    ssize_t w = write(big_pipe[1], big_out, PIPE_BYTES);
    CHECK_EQ_INT(w, PIPE_BYTES); /* blocking write: every byte */
    return NULL;
}

static void *pipe_reader(void *arg)
{
    (void)arg;
    size_t got = 0;
    while (got < PIPE_BYTES) {
        ssize_t n = read(big_pipe[0], big_in + got, PIPE_BYTES - got);
        if (n <= 0)
            WEFT_FAIL("pipe read: %zd after %zu bytes (%s)", n, got, n < 0 ? strerror(errno_now()) : "eof");
        got += (size_t)n;
    }
    return NULL;
}

static void *one_byte_reader(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char c = 0;
    errno_set(777);
    ssize_t n = read(fd, &c, 1);
    if (errno_now() != 777) /* a call that succeeds leaves errno alone, parked or not */
        WEFT_FAIL("errno %d after a read that parked and succeeded", errno_now());
    return (void *)(intptr_t)(n == 1 ? c : -1);
}

static void *pipe_main(void *arg)
{
    (void)arg;
    CHECK_EQ_INT(pipe(big_pipe), 0);
    /* a writer of far more than the pipe holds parks when it is full */
    weft_attr_t wa = { "writer", 0 }, ra = { "reader", 0 };
    weft_co_t *w, *r;
    CHECK_EQ_INT(weft_spawn(&wa, pipe_writer, NULL, &w), WEFT_OK);
    await_blocked("writer", "fd wait", 1);
    CHECK_EQ_INT(weft_spawn(&ra, pipe_reader, NULL, &r), WEFT_OK);
    CHECK_EQ_INT(weft_join(w, NULL), WEFT_OK);
    CHECK_EQ_INT(weft_join(r, NULL), WEFT_OK);
    weft_co_release(w);
    weft_co_release(r);
    CHECK(memcmp(big_in, big_out, PIPE_BYTES) == 0);

    /* a reader of an empty pipe parks until a writer comes */
    CHECK_EQ_INT(weft_spawn(&ra, one_byte_reader, (void *)(intptr_t)big_pipe[0], &r), WEFT_OK);
    await_blocked("reader", "fd wait", 1);
    CHECK_EQ_INT(write(big_pipe[1], "z", 1), 1);
    void *res;
    CHECK_EQ_INT(weft_join(r, &res), WEFT_OK);
    weft_co_release(r);
    CHECK_EQ_INT((intptr_t)res, 'z');
    close(big_pipe[0]);
    close(big_pipe[1]);
    return NULL;
}

/* One worker: a read or write that blocked the thread would leave the
 * other side nowhere to run until the monitor stepped in. */
WEFT_TEST(a_large_pipe_write_and_an_empty_pipe_read_park)
{
    run(pipe_main, 1);
}

/* ---- poll and select ------------------------------------------------------------------ */

static int pp[3][2];
static struct pollfd poll_out[4];
static int poll_rc;

/* Empties a pipe (from the main coroutine only: the buffer is static,
 * a 64 KiB stack has no room for it). */
static void drain(int fd)
{
    static char buf[65536];
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    while (read(fd, buf, sizeof buf) > 0) {
    }
    fcntl(fd, F_SETFL, fl);
}

static void *multi_poller(void *arg)
{
    (void)arg;
    /* three pipes, one entry to skip (fd -1), POLLPRI asked of one */
    struct pollfd f[4] = { { pp[0][0], POLLIN, 0 }, { -1, POLLIN, 0 }, { pp[1][0], POLLIN, 0 },
                           { pp[2][0], POLLIN | POLLPRI, 0 } };
    poll_rc = poll(f, 4, 10000);
    memcpy(poll_out, f, sizeof f);
    return NULL;
}

static void *one_poller(void *arg)
{
    short ev = (short)(intptr_t)arg;
    struct pollfd f = { ev == POLLOUT ? pp[2][1] : pp[0][0], ev, 0 };
    poll_rc = poll(&f, 1, 10000);
    poll_out[0] = f;
    return NULL;
}

static void *dup_poller(void *arg)
{
    (void)arg;
    struct pollfd f[2] = { { pp[1][0], POLLIN, 0 }, { pp[1][0], POLLIN | POLLRDNORM, 0 } };
    poll_rc = poll(f, 2, 10000);
    memcpy(poll_out, f, sizeof f);
    return NULL;
}

static fd_set sel_rd;
static struct timeval sel_tv;

static void *selector(void *arg)
{
    (void)arg;
    FD_ZERO(&sel_rd);
    int maxfd = 0;
    for (int i = 0; i < 3; i++) {
        FD_SET(pp[i][0], &sel_rd);
        if (pp[i][0] > maxfd)
            maxfd = pp[i][0];
    }
    sel_tv = (struct timeval){ 10, 0 };
    poll_rc = select(maxfd + 1, &sel_rd, NULL, NULL, &sel_tv);
    return NULL;
}

/* Starts fn as `name`, waits until it is parked on the poller, then
 * does what wakes it, and joins it. */
static void park_then_wake(const char *name, void *(*fn)(void *), void *arg, int wake_fd, int drain_fd)
{
    weft_attr_t a = { name, 0 };
    weft_co_t *co;
    CHECK_EQ_INT(weft_spawn(&a, fn, arg, &co), WEFT_OK);
    await_blocked(name, "fd wait", 1);
    if (wake_fd >= 0)
        CHECK_EQ_INT(write(wake_fd, "w", 1), 1);
    if (drain_fd >= 0)
        drain(drain_fd);
    CHECK_EQ_INT(weft_join(co, NULL), WEFT_OK);
    weft_co_release(co);
}

static void *poll_main(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(pipe(pp[i]), 0);

    park_then_wake("poller", multi_poller, NULL, pp[1][1], -1);
    CHECK_EQ_INT(poll_rc, 1);
    CHECK_EQ_INT(poll_out[0].revents, 0);
    CHECK_EQ_INT(poll_out[1].revents, 0);
    CHECK_EQ_INT(poll_out[2].revents, POLLIN);
    CHECK_EQ_INT(poll_out[3].revents, 0);

    drain(pp[1][0]);
    park_then_wake("dup", dup_poller, NULL, pp[1][1], -1);
    CHECK_EQ_INT(poll_rc, 2);
    CHECK_EQ_INT(poll_out[0].revents, POLLIN);
    CHECK_EQ_INT(poll_out[1].revents, POLLIN | POLLRDNORM);
    drain(pp[1][0]);

    park_then_wake("selector", selector, NULL, pp[2][1], -1);
    CHECK_EQ_INT(poll_rc, 1);
    CHECK(!FD_ISSET(pp[0][0], &sel_rd) && !FD_ISSET(pp[1][0], &sel_rd) && FD_ISSET(pp[2][0], &sel_rd));
    CHECK(sel_tv.tv_sec >= 1 && sel_tv.tv_sec <= 10); /* Linux leaves the time not slept */
    drain(pp[2][0]);

    park_then_wake("one", one_poller, (void *)(intptr_t)POLLIN, pp[0][1], -1);
    CHECK_EQ_INT(poll_rc, 1);
    CHECK_EQ_INT(poll_out[0].revents, POLLIN);
    drain(pp[0][0]);

    /* POLLOUT on a full pipe: ready once the reader takes what is there */
    int fl = fcntl(pp[2][1], F_GETFL);
    fcntl(pp[2][1], F_SETFL, fl | O_NONBLOCK);
    static char chunk[4096];
    while (write(pp[2][1], chunk, sizeof chunk) > 0) {
    }
    fcntl(pp[2][1], F_SETFL, fl);
    park_then_wake("out", one_poller, (void *)(intptr_t)POLLOUT, -1, pp[2][0]);
    CHECK_EQ_INT(poll_rc, 1);
    CHECK_EQ_INT(poll_out[0].revents, POLLOUT);

    /* timeouts: nothing comes */
    struct pollfd f[3] = { { pp[0][0], POLLIN, 0 }, { pp[1][0], POLLIN, 0 }, { pp[2][0], POLLIN, 0 } };
    int64_t t0 = weft_now();
    CHECK_EQ_INT(poll(f, 3, 100), 0);
    double ms = ms_since(t0);
    CHECK(ms >= 99.0 && ms < 2000.0);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(pp[0][0], &rd);
    struct timeval tv = { 0, 100000 };
    t0 = weft_now();
    CHECK_EQ_INT(select(pp[0][0] + 1, &rd, NULL, NULL, &tv), 0);
    ms = ms_since(t0);
    CHECK(ms >= 99.0 && ms < 2000.0);
    CHECK(!FD_ISSET(pp[0][0], &rd));
    CHECK(tv.tv_sec == 0 && tv.tv_usec == 0);

    /* errors come from libc at once: a descriptor number just closed */
    int gone[2];
    CHECK_EQ_INT(pipe(gone), 0);
    close(gone[0]);
    close(gone[1]);
    struct pollfd nv = { gone[0], POLLIN, 0 };
    CHECK_EQ_INT(poll(&nv, 1, 10000), 1);
    CHECK_EQ_INT(nv.revents, POLLNVAL);
    FD_ZERO(&rd);
    FD_SET(gone[0], &rd);
    tv = (struct timeval){ 10, 0 };
    CHECK_EQ_INT(select(gone[0] + 1, &rd, NULL, NULL, &tv), -1);
    CHECK_EQ_INT(errno_now(), EBADF);
    for (int i = 0; i < 3; i++) {
        close(pp[i][0]);
        close(pp[i][1]);
    }
    return NULL;
}

WEFT_TEST(poll_and_select_park_on_one_or_many_descriptors)
{
    run(poll_main, 2);
}

/* ---- sleeps, and cancel -------------------------------------------------------------- */

static _Atomic int slept_ok;

static void *sleeper(void *arg)
{
    int kind = (int)(intptr_t)arg;
    int r;
    if (kind == 0) {
        struct timespec ts = { 0, 300 * MS };
        r = nanosleep(&ts, NULL);
    } else if (kind == 1) {
        r = poll(NULL, 0, 300);
    } else {
        struct timeval tv = { 0, 300000 };
        r = select(0, NULL, NULL, NULL, &tv);
    }
    if (r == 0)
        atomic_fetch_add(&slept_ok, 1);
    return NULL;
}

static void *long_sleeper(void *arg)
{
    int kind = (int)(intptr_t)arg;
    long r;
    int e = 0;
    struct timespec rem = { 0, 0 };
    switch (kind) {
    case 0: {
        struct timespec ts = { 10, 0 };
        r = nanosleep(&ts, &rem);
        e = errno_now();
        if (r == -1 && !(rem.tv_sec >= 8 && rem.tv_sec <= 10))
            WEFT_FAIL("nanosleep cancelled: rem %lld s", (long long)rem.tv_sec);
        break;
    }
    case 1:
        r = usleep(10000000);
        e = errno_now();
        break;
    case 2:
        return (void *)(intptr_t)(sleep(10) == 10 ? ECANCELED : -1); /* the seconds not slept */
    default:
        r = poll(NULL, 0, 10000);
        e = errno_now();
        break;
    }
    return (void *)(intptr_t)(r == -1 ? e : -1);
}

static void *sleep_main(void *arg)
{
    (void)arg;
    int64_t t0 = weft_now();
    weft_co_t *cos[30];
    for (int i = 0; i < 30; i++) {
        weft_attr_t a = { "sleeper", 0 };
        CHECK_EQ_INT(weft_spawn(&a, sleeper, (void *)(intptr_t)(i % 3), &cos[i]), WEFT_OK);
    }
    await_blocked("sleeper", "sleep", 30);
    for (int i = 0; i < 30; i++) {
        CHECK_EQ_INT(weft_join(cos[i], NULL), WEFT_OK);
        weft_co_release(cos[i]);
    }
    double ms = ms_since(t0);
    CHECK_EQ_INT(atomic_load(&slept_ok), 30);
    CHECK(ms >= 299.0 && ms < 2000.0);

    t0 = weft_now();
    CHECK_EQ_INT(sleep(1), 0);
    CHECK(ms_since(t0) >= 999.0);

    weft_co_t *lc[4];
    for (int i = 0; i < 4; i++) {
        weft_attr_t a = { "long", 0 };
        CHECK_EQ_INT(weft_spawn(&a, long_sleeper, (void *)(intptr_t)i, &lc[i]), WEFT_OK);
    }
    await_blocked("long", "sleep", 4);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(weft_cancel(lc[i]), WEFT_OK);
    for (int i = 0; i < 4; i++) {
        void *e;
        CHECK_EQ_INT(weft_join(lc[i], &e), WEFT_OK);
        weft_co_release(lc[i]);
        if ((intptr_t)e != ECANCELED)
            WEFT_FAIL("long sleeper %d: %ld, not ECANCELED", i, (long)(intptr_t)e);
    }
    return NULL;
}

WEFT_TEST(sleeps_park_and_a_cancel_ends_them_with_ecanceled)
{
    run(sleep_main, 2);
}

/* ---- socket semantics: non-blocking descriptors, timeouts, whole writes ------------------ */

static int sv[2];

static void *late_sender(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        usleep(10000);
        char b[100];
        memset(b, 'a' + i, sizeof b);
        CHECK_EQ_INT(send(sv[1], b, sizeof b, 0), 100);
    }
    return NULL;
}

#define BIG_SEND (4 << 20)

static void *big_sender(void *arg)
{
    (void)arg;
    unsigned char *b = malloc(BIG_SEND);
    CHECK(b != NULL);
    for (size_t i = 0; i < BIG_SEND; i++)
        b[i] = (unsigned char)(i % 251);
    ssize_t w = send(sv[1], b, BIG_SEND, 0);
    free(b);
    return (void *)(intptr_t)w;
}

static void *semantics_main(void *arg)
{
    (void)arg;
    char buf[512];

    /* the program's O_NONBLOCK, and MSG_DONTWAIT: EAGAIN at once */
    int p[2];
    CHECK_EQ_INT(pipe2(p, O_NONBLOCK), 0);
    CHECK_EQ_INT(read(p[0], buf, 1), -1);
    CHECK_EQ_INT(errno_now(), EAGAIN);
    close(p[0]);
    close(p[1]);
    CHECK_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ_INT(recv(sv[0], buf, 1, MSG_DONTWAIT), -1);
    CHECK_EQ_INT(errno_now(), EAGAIN);
    int nb[2];
    CHECK_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, nb), 0);
    CHECK_EQ_INT(read(nb[0], buf, 1), -1);
    CHECK_EQ_INT(errno_now(), EAGAIN);
    CHECK_EQ_INT(recv(nb[0], buf, 1, 0), -1);
    CHECK_EQ_INT(errno_now(), EAGAIN);
    close(nb[0]);
    close(nb[1]);

    /* SO_RCVTIMEO: read and accept give EAGAIN when it runs out */
    struct timeval tv = { 0, 50000 };
    CHECK_EQ_INT(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    int64_t t0 = weft_now();
    CHECK_EQ_INT(read(sv[0], buf, 1), -1);
    CHECK_EQ_INT(errno_now(), EAGAIN);
    CHECK(ms_since(t0) >= 49.0);
    int port;
    int lfd = listener(&port);
    CHECK_EQ_INT(setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    t0 = weft_now();
    CHECK_EQ_INT(accept(lfd, NULL, NULL), -1);
    CHECK_EQ_INT(errno_now(), EAGAIN);
    CHECK(ms_since(t0) >= 49.0);
    tv = (struct timeval){ 0, 0 };
    CHECK_EQ_INT(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);

    /* MSG_WAITALL waits for every byte, across three sends */
    CHECK_EQ_INT(weft_go(late_sender, NULL), WEFT_OK);
    CHECK_EQ_INT(recv(sv[0], buf, 300, MSG_WAITALL), 300);
    for (int i = 0; i < 300; i++)
        CHECK_EQ_INT(buf[i], 'a' + i / 100);

    /* a blocking send of far more than the socket buffers: all of it,
     * the sender parked while the reader is late */
    weft_attr_t a = { "sender", 0 };
    weft_co_t *co;
    CHECK_EQ_INT(weft_spawn(&a, big_sender, NULL, &co), WEFT_OK);
    await_blocked("sender", "fd wait", 1);
    static unsigned char in[BIG_SEND];
    size_t got = 0;
    while (got < BIG_SEND) {
        ssize_t n = read(sv[0], in + got, BIG_SEND - got);
        CHECK(n > 0);
        got += (size_t)n;
    }
    void *w;
    CHECK_EQ_INT(weft_join(co, &w), WEFT_OK);
    weft_co_release(co);
    CHECK_EQ_INT((intptr_t)w, BIG_SEND);
    for (size_t i = 0; i < BIG_SEND; i++)
        if (in[i] != (unsigned char)(i % 251))
            WEFT_FAIL("byte %zu of the big send is %u", i, in[i]);

    /* connect on a socket this program did not make with socket()
     * (here: the raw system call): a blocking connect through
     * weft_blocking, which moves the worker's queue away first */
    weft_stats_t s0, s1;
    weft_stats(&s0);
    int raw = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
    errno_set(0);
    CHECK(raw >= 0);
    struct sockaddr_in sa = { 0 };
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    CHECK_EQ_INT(connect(raw, (struct sockaddr *)&sa, sizeof sa), 0);
    CHECK_EQ_INT(errno_now(), 0);
    weft_stats(&s1);
    CHECK(s1.handoffs > s0.handoffs);
    tv = (struct timeval){ 0, 0 };
    CHECK_EQ_INT(setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    int c = accept(lfd, NULL, NULL);
    CHECK(c >= 0);
    CHECK_EQ_INT(write(raw, "ping", 4), 4);
    CHECK_EQ_INT(read(c, buf, sizeof buf), 4);
    CHECK_EQ_INT(fcntl(raw, F_GETFL) & O_NONBLOCK, 0);

    /* a regular file is read and written by the plain calls */
    FILE *tf = tmpfile();
    CHECK(tf != NULL);
    int fd = fileno(tf);
    CHECK_EQ_INT(write(fd, "file data", 9), 9);
    CHECK_EQ_INT(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ_INT(read(fd, buf, sizeof buf), 9);
    CHECK(memcmp(buf, "file data", 9) == 0);
    fclose(tf);

    close(c);
    close(raw);
    close(lfd);
    close(sv[0]);
    close(sv[1]);
    return NULL;
}

WEFT_TEST(socket_calls_keep_their_blocking_semantics)
{
    run(semantics_main, 2);
}

/* ---- fork ------------------------------------------------------------------------------ */

static void *fork_main(void *arg)
{
    (void)arg;
    int up[2], down[2];
    CHECK_EQ_INT(pipe(up), 0);
    CHECK_EQ_INT(pipe(down), 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        /* One thread, and the parent's poller (an epoll instance the two
         * processes now share): a call that parked here would wait for
         * an event the parent's workers may take, or hang.  The read
         * waits for the parent's write, 50 ms from now. */
        char b[2];
        struct timespec ts = { 0, 1000000 };
        weft_stats_t s0, s1;
        weft_stats(&s0); /* the counters the child inherited; a park here adds to them */
        int ok = usleep(1000) == 0 && nanosleep(&ts, NULL) == 0 && read(down[0], b, 2) == 2 &&
                 poll(NULL, 0, 1) == 0;
        weft_stats(&s1);
        ok = ok && s1.parks == s0.parks;
        _exit(write(up[1], ok ? "ok" : "no", 2) == 2 && ok ? 0 : 3);
    }
    usleep(50000);
    CHECK_EQ_INT(write(down[1], "go", 2), 2);
    char b[2] = { 0, 0 };
    struct pollfd p = { up[0], POLLIN, 0 };
    int r = poll(&p, 1, 10000); /* parks, in the parent */
    if (r != 1) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        WEFT_FAIL("the child did not answer in 10 s (its calls tried to park?)");
    }
    CHECK_EQ_INT(read(up[0], b, 2), 2);
    if (memcmp(b, "ok", 2) != 0)
        WEFT_FAIL("the child's calls failed or parked (\"%.2s\")", b);
    int st;
    CHECK_EQ_INT(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(up[0]);
    close(up[1]);
    close(down[0]);
    close(down[1]);
    return NULL;
}

WEFT_TEST(after_fork_the_childs_calls_go_straight_to_libc)
{
    run(fork_main, 2);
}

/* ---- getaddrinfo and weft_blocking -------------------------------------------------------- */

static int plain_pipe[2];

static void *plain_calls(void *arg)
{
    (void)arg;
    char b[4];
    /* inside weft_blocking: no park (the thread is given to this call) */
    if (usleep(20000) != 0 || read(plain_pipe[0], b, 4) != 4)
        return (void *)1;
    return NULL;
}

static void *blocking_main(void *arg)
{
    (void)arg;
    weft_stats_t s0, s1;
    weft_stats(&s0);
    struct addrinfo hints = { 0 }, *res = NULL;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    CHECK_EQ_INT(getaddrinfo("127.0.0.1", "7", &hints, &res), 0);
    CHECK(res != NULL && res->ai_family == AF_INET);
    CHECK_EQ_INT(ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port), 7);
    freeaddrinfo(res);
    CHECK_EQ_INT(getaddrinfo("not a number", "7", &hints, &res), EAI_NONAME);
    weft_stats(&s1);
    CHECK(s1.handoffs >= s0.handoffs + 2); /* each through weft_blocking */

    CHECK_EQ_INT(pipe(plain_pipe), 0);
    CHECK_EQ_INT(write(plain_pipe[1], "data", 4), 4);
    weft_stats(&s0);
    void *r = (void *)2;
    CHECK_EQ_INT(weft_blocking(plain_calls, NULL, &r), WEFT_OK);
    weft_stats(&s1);
    CHECK(r == NULL);
    CHECK_EQ_INT(s1.parks, s0.parks); /* the only coroutine, and it never parked */
    close(plain_pipe[0]);
    close(plain_pipe[1]);
    return NULL;
}

WEFT_TEST(getaddrinfo_and_weft_blocking_functions_run_plain_on_the_thread)
{
    run(blocking_main, 2);
}

/* ---- the runtime's own sockets under the preload ------------------------------------------ */

static weft_wg_t rt_wg;

static void *weft_echo(void *arg)
{
    weft_sock_t *c = arg;
    char buf[2048];
    int64_t n;
    while ((n = weft_sock_read(c, buf, sizeof buf, -1)) > 0)
        CHECK_EQ_INT(weft_sock_write(c, buf, (size_t)n, -1, NULL), WEFT_OK);
    weft_sock_close(c);
    return NULL;
}

static void *weft_server(void *arg)
{
    weft_sock_t *l = arg;
    weft_sock_t *c;
    while (weft_sock_accept(l, -1, &c) == WEFT_OK)
        CHECK_EQ_INT(weft_go(weft_echo, c), WEFT_OK);
    return NULL;
}

/* A libc client against a weft_sock_t server, and a weft client. */
static void *mixed_client(void *arg)
{
    int k = (int)(intptr_t)arg;
    int port = k >> 8;
    char out[1000], in[1000];
    for (int i = 0; i < 1000; i++)
        out[i] = (char)(k + i);
    if (k & 1) {
        int fd = dial(port);
        CHECK_EQ_INT(write(fd, out, sizeof out), 1000);
        CHECK_EQ_INT(recv(fd, in, sizeof in, MSG_WAITALL), 1000);
        close(fd);
    } else {
        weft_sock_t *s;
        CHECK_EQ_INT(weft_tcp_connect("127.0.0.1", port, -1, &s), WEFT_OK);
        CHECK_EQ_INT(weft_sock_write(s, out, sizeof out, -1, NULL), WEFT_OK);
        size_t got = 0;
        while (got < sizeof in) {
            int64_t n = weft_sock_read(s, in + got, sizeof in - got, -1);
            CHECK(n > 0);
            got += (size_t)n;
        }
        weft_sock_close(s);
    }
    CHECK(memcmp(in, out, sizeof out) == 0);
    weft_wg_done(&rt_wg);
    return NULL;
}

static void *runtime_main(void *arg)
{
    (void)arg;
    weft_sock_t *l;
    CHECK_EQ_INT(weft_tcp_listen("127.0.0.1", 0, 0, &l), WEFT_OK);
    int port = weft_sock_port(l);
    weft_co_t *srv;
    CHECK_EQ_INT(weft_spawn(NULL, weft_server, l, &srv), WEFT_OK);
    weft_wg_add(&rt_wg, 40);
    for (int k = 0; k < 40; k++)
        CHECK_EQ_INT(weft_go(mixed_client, (void *)(intptr_t)(port << 8 | k)), WEFT_OK);
    CHECK_EQ_INT(weft_wg_wait_until(&rt_wg, weft_now() + 30000 * MS), WEFT_OK);
    CHECK_EQ_INT(weft_sock_close(l), WEFT_OK);
    CHECK_EQ_INT(weft_join(srv, NULL), WEFT_OK);
    weft_co_release(srv);
    return NULL;
}

WEFT_TEST(the_runtimes_own_sockets_work_beside_plain_calls)
{
    run(runtime_main, 2);
}

WEFT_TEST_MAIN()
