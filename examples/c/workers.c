/*
 * workers.c - a worker pool on Weft's runtime: a buffered channel of jobs,
 * four coroutines in a scope draining it, close to end them, and the
 * scope to wait for them all (the README's runtime example).
 *
 *   cmake -S . -B build && cmake --build build && ./build/examples/c/example_workers
 */
#include <weft.h>

#include <stdio.h>

static void *worker(void *arg)
{
    weft_chan_t *jobs = arg;
    int job;
    while (weft_chan_recv(jobs, &job) == WEFT_OK) /* WEFT_ECLOSED once closed and drained */
        printf("job %d\n", job);
    return NULL;
}

static void *main_co(void *arg)
{
    weft_chan_t *jobs;
    if (weft_chan_make(sizeof(int), 16, &jobs) != WEFT_OK) /* cap 0 would be a rendezvous */
        return (void *)1;
    weft_scope_t s = WEFT_SCOPE_INIT;
    for (int i = 0; i < 4; i++)
        weft_scope_spawn(&s, NULL, worker, jobs);
    for (int j = 0; j < 100; j++)
        weft_chan_send(jobs, &j);
    weft_chan_close(jobs);
    weft_scope_wait(&s); /* structured: every worker has returned */
    weft_chan_release(jobs);
    puts("all jobs done");
    return NULL;
}

int main(void)
{
    void *r;
    int rc = weft_run(main_co, NULL, &r);
    weft_shutdown();
    return rc == WEFT_OK && r == NULL ? 0 : 1;
}
