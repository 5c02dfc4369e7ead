/* harness.c - the runner behind harness.h (POSIX and Win32). */
#include "harness.h"

#include <time.h>

#ifdef _WIN32
#  include <windows.h>
#else
#  include <sys/types.h>
#  include <sys/wait.h>
#  include <unistd.h>
#  include <errno.h>
#endif

struct weft_test_case weft_test_cases[WEFT_TEST_MAX];
int weft_test_count;
const char *weft_test_argv0;

double weft_test_seconds(void)
{
#ifdef _WIN32
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#endif
}

weft_test_rounds_t weft_test_rounds(const char *what, long max, long min, double budget_s)
{
    weft_test_rounds_t r = { what, max, min, 0, weft_test_seconds() + budget_s };
    if (min < 1 || min > max)
        WEFT_FAIL("rounds of %s: min %ld must be in 1..max %ld", what, min, max);
    return r;
}

int weft_test_rounds_more(weft_test_rounds_t *r)
{
    if (r->done >= r->max)
        return 0;
    /* the clock is read every 16 rounds only: under valgrind a read is
     * dear, and 16 rounds are far below any budget's resolution */
    if ((r->done & 15) == 0 && r->done > 0 && weft_test_seconds() >= r->end)
        return 0;
    r->done++;
    return 1;
}

long weft_test_rounds_end(const weft_test_rounds_t *r)
{
    printf("%s: %ld of at most %ld rounds\n", r->what, r->done, r->max);
    fflush(stdout);
    if (r->done < r->min)
        WEFT_FAIL("%s: only %ld rounds ran within the time budget; the check needs %ld",
                  r->what, r->done, r->min);
    return r->done;
}

int weft_test_is_child(void)
{
    const char *v = getenv("WEFT_TEST_CHILD");
    return v && v[0] == '1';
}

#ifndef _WIN32
int weft_test_run_child(const char *case_name, struct weft_child_result *res)
{
    int fds[2];
    memset(res, 0, sizeof *res);
    /* Cross runs (ctest's CROSSCOMPILING_EMULATOR, e.g. qemu-user): a
     * foreign binary cannot be exec'd without binfmt_misc, so the child
     * execs the emulator (words of WEFT_TEST_EMULATOR) with our binary.
     * Built before fork: the child only calls async-signal-safe code. */
    char emu[1024];
    char *av[32];
    int ac = 0;
    const char *e = getenv("WEFT_TEST_EMULATOR");
    if (e && *e) {
        snprintf(emu, sizeof emu, "%s", e);
        for (char *t = strtok(emu, " "); t && ac < 29; t = strtok(NULL, " "))
            av[ac++] = t;
    }
    av[ac++] = (char *)weft_test_argv0;
    av[ac++] = (char *)case_name;
    av[ac] = NULL;
    if (pipe(fds) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        setenv("WEFT_TEST_CHILD", "1", 1);
        if (ac > 2)
            execvp(av[0], av); /* the emulator, found on PATH */
        else
            execv(av[0], av);
        _exit(127);
    }
    close(fds[1]);
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fds[0], res->err + n, sizeof res->err - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
        if (n == sizeof res->err - 1) {
            char sink[512]; /* keep draining so the child never blocks */
            while (read(fds[0], sink, sizeof sink) > 0) {}
            break;
        }
    }
    res->err[n] = 0;
    close(fds[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(st)) {
        res->exited = 1;
        res->exit_code = WEXITSTATUS(st);
    } else if (WIFSIGNALED(st)) {
        res->signaled = 1;
        res->signo = WTERMSIG(st);
    }
    return 0;
}
#else
int weft_test_run_child(const char *case_name, struct weft_child_result *res)
{
    memset(res, 0, sizeof *res);
    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
    HANDLE rd, wr;
    if (!CreatePipe(&rd, &wr, &sa, 0))
        return -1;
    SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "\"%s\" %s", weft_test_argv0, case_name);
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
    si.hStdError = wr;
    SetEnvironmentVariableA("WEFT_TEST_CHILD", "1");
    fflush(stdout);
    fflush(stderr);
    BOOL ok = CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi);
    SetEnvironmentVariableA("WEFT_TEST_CHILD", NULL);
    CloseHandle(wr);
    if (!ok) {
        CloseHandle(rd);
        return -1;
    }
    DWORD n = 0, got;
    while (n < sizeof res->err - 1 &&
           ReadFile(rd, res->err + n, (DWORD)(sizeof res->err - 1 - n), &got, NULL) && got)
        n += got;
    res->err[n] = 0;
    {
        char sink[512];
        while (ReadFile(rd, sink, sizeof sink, &got, NULL) && got) {}
    }
    CloseHandle(rd);
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 0;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    res->exited = 1;
    res->exit_code = (int)code;
    return 0;
}
#endif

int weft_test_main(int argc, char **argv)
{
    weft_test_argv0 = argv[0];
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (int i = 0; i < weft_test_count; i++)
            printf("%s\n", weft_test_cases[i].name);
        return 0;
    }
    int ran = 0;
    for (int i = 0; i < weft_test_count; i++) {
        const char *name = weft_test_cases[i].name;
        if (argc > 1 ? strcmp(argv[1], name) != 0 : strncmp(name, "child_", 6) == 0)
            continue;
        if (!weft_test_is_child())
            printf("-- %s\n", name);
        weft_test_cases[i].fn();
        ran++;
    }
    if (argc > 1 && ran == 0) {
        /* ctest registers every WEFT_TEST line of the source, including
         * cases inside #if blocks this platform does not compile. */
        fprintf(stderr, "SKIP: no test case named '%s' in this build (try --list)\n", argv[1]);
        return WEFT_TEST_SKIP;
    }
    if (!weft_test_is_child())
        printf("%d passed, 0 failed\n", ran);
    return 0;
}
