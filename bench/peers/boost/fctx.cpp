// fctx.cpp - Weft's Boost.Context peer for W1: the cost of one bare
// fcontext switch (jump_fcontext), the floor any stackful coroutine switch
// is measured against.  Main and a coroutine bounce control back and forth;
// a round trip is two switches.
//
//   peer-fctx [N]   N timed round trips (default 20000000), after N/10
//                   untimed ones; then N/4 times: make a fresh context on
//                   the same stack and run it to completion (a lower bound
//                   for spawning).
//
// Prints:
//   RESULT w1_fcontext_ns_per_switch=.. w1_fcontext_ns_per_roundtrip=.. w1_fcontext_jumps=..
//   RESULT w2lb_fcontext_make_run_ns=.. check=..
//
// w1_fcontext_jumps is the number of jump_fcontext calls the whole run
// makes, which bench/run.sh divides callgrind's jump_fcontext Ir by:
//   2             entering the bouncer and its first jump back
//   2 * (N/10)    warm-up round trips
//   2 * N         timed round trips
//   2 * (N/4)     make+run: one jump in, one jump out each
//
// Build: g++ -O2 fctx.cpp -lboost_context (Debian libboost-context-dev).
#include <boost/context/detail/fcontext.hpp>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sys/mman.h>

namespace bc = boost::context::detail;

namespace {

double mono_ns()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

// Jumps straight back to whoever resumed it, forever.
void bouncer(bc::transfer_t from)
{
    for (;;)
        from = bc::jump_fcontext(from.fctx, from.data);
}

// Counts one run and leaves; its context is abandoned, never resumed.
void one_shot(bc::transfer_t from)
{
    ++*static_cast<long *>(from.data);
    bc::jump_fcontext(from.fctx, nullptr);
}

} // namespace

int main(int argc, char **argv)
{
    const long n = argc > 1 ? std::atol(argv[1]) : 20000000L;
    if (n <= 0) {
        std::fprintf(stderr, "usage: peer-fctx [round-trips > 0]\n");
        return 2;
    }
    const std::size_t stack_size = 64 * 1024;
    void *mem = mmap(nullptr, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        std::perror("mmap");
        return 1;
    }
    char *top = static_cast<char *>(mem) + stack_size; // stacks grow down

    bc::transfer_t peer = bc::jump_fcontext(bc::make_fcontext(top, stack_size, bouncer), nullptr);
    for (long i = 0, warm = n / 10; i < warm; i++)
        peer = bc::jump_fcontext(peer.fctx, nullptr);
    double t0 = mono_ns();
    for (long i = 0; i < n; i++)
        peer = bc::jump_fcontext(peer.fctx, nullptr);
    double took = mono_ns() - t0;
    const long shots = n / 4;
    std::printf("RESULT w1_fcontext_ns_per_switch=%.3f w1_fcontext_ns_per_roundtrip=%.3f w1_fcontext_jumps=%ld\n",
                took / (2.0 * n), took / double(n), 2 + 2 * (n / 10) + 2 * n + 2 * shots);

    // The bouncer's stack is reused from here on: it is never resumed again.
    long runs = 0;
    t0 = mono_ns();
    for (long i = 0; i < shots; i++)
        bc::jump_fcontext(bc::make_fcontext(top, stack_size, one_shot), &runs);
    took = mono_ns() - t0;
    std::printf("RESULT w2lb_fcontext_make_run_ns=%.3f check=%ld\n", took / double(shots), runs);
    return runs == shots ? 0 : 1;
}
