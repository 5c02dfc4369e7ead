#!/usr/bin/env bash
# windows-wine.sh - cross-build Weft for x86_64 Windows with mingw-w64 and
# run its C tests under Wine (wine64).
#
# Usage: ci/cross/windows-wine.sh [build-dir]
#   build-dir  default: $WEFT_MINGW_BUILD, else <repo>/build-mingw
# Environment:
#   WEFT_JOBS           parallel build and ctest jobs (default: nproc)
#   WEFT_MINGW_PREFIX, WEFT_WINE, WEFT_WINEPREFIX: see
#                       platforms/mingw-w64-x86_64.cmake
#
# Exits non-zero if configuring, building or any test fails.
#
# What Wine can and cannot tell: it runs the real PE binaries, the real
# Microsoft x64 calling convention and SEH unwind tables, and implements
# guard-page stack growth and STATUS_STACK_OVERFLOW from the same TEB
# fields Windows uses (DeallocationStack, StackLimit, StackBase,
# GuaranteedStackBytes), so the switch, the stacks and the overflow report
# are exercised for real.  It is not Windows: its kernel32/ntdll are its
# own (built by gcc, so no MSVC __chkstk reading StackLimit), and its
# exception dispatcher differs in details (see switch_x86_64_ms_pe.S on
# ExceptionList).  A green run here is necessary, not sufficient.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-${WEFT_MINGW_BUILD:-$repo/build-mingw}}
jobs=${WEFT_JOBS:-$(nproc 2>/dev/null || echo 2)}
prefix=${WEFT_MINGW_PREFIX:-x86_64-w64-mingw32-}

log() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# ---- 1. tools: install only what is missing (Debian/Ubuntu package names)
have_wine64() {
    [ -n "${WEFT_WINE:-}" ] && [ -x "$WEFT_WINE" ] && return 0
    command -v wine64 >/dev/null 2>&1 || [ -x /usr/lib/wine/wine64 ] || [ -x /usr/lib64/wine/wine64 ]
}
need=()
command -v "${prefix}gcc" >/dev/null 2>&1 || need+=(mingw-w64)
command -v wine >/dev/null 2>&1 || need+=(wine)
have_wine64 || need+=(wine64)
command -v cmake >/dev/null 2>&1 && command -v ctest >/dev/null 2>&1 || need+=(cmake)
if [ ${#need[@]} -gt 0 ]; then
    log "installing: ${need[*]}"
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${need[@]}"
fi
log "$("${prefix}gcc" --version | head -n1)"
log "$(wine --version 2>/dev/null || echo 'wine: version unknown')"
log "$(cmake --version | head -n1)"

# ---- 2. configure, build
# WEFT_HAVE_STACK_CLASH_PROTECTION=OFF: mingw-w64 gcc accepts
# -fstack-clash-protection but ICEs on it for frames over a page
# (i386_pe_seh_unwind_emit, gcc 12); Windows code needs no such flag, the
# ABI already makes gcc probe every page (___chkstk_ms).
log "configure $build"
cmake -S "$repo" -B "$build" \
    -DCMAKE_TOOLCHAIN_FILE="$repo/platforms/mingw-w64-x86_64.cmake" \
    -DWEFT_BUILD_BENCH=OFF \
    -DWEFT_TEST_TIMEOUT_SCALE=4 \
    -DWEFT_HAVE_STACK_CLASH_PROTECTION=OFF
log "build"
cmake --build "$build" --parallel "$jobs"

# ---- 3. test
wineprefix=${WEFT_WINEPREFIX:-$build/wineprefix}
log "$( (cd "$build" && ctest -N -V 2>/dev/null) | grep -m1 'Test command:' |
        sed 's/^[0-9]*: *//' || true)"
# One wineserver for the whole run, started persistent (-p: stays up with
# no clients) before ctest and killed after it.  Left to itself, every
# wine process starts a server if none is running and the server exits as
# its last client does; with tests running in parallel a test can connect
# just as the server is going away and die before main with "wine client
# error:0: recvmsg: Connection reset by peer" (CI, stop 20: example.generator
# failed that way in 0.02 s).  A server that outlives every test closes
# that window.  The first wine process on a server also starts Wine's own
# system processes (services.exe, winedevice.exe, ...), which inherit its
# stdout and stderr and live as long as the server: started by a test,
# they would hold ctest's output pipe open and that test would time out
# after printing its result (seen: test_gen.values_flow_both_ways, every
# run).  So one throwaway process with its output on /dev/null starts them.
wineserver=""
wine=$(sed -n 's/^WEFT_WINE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
for w in "$(dirname "${wine:-/nonexistent/x}")/wineserver" "$(command -v wineserver 2>/dev/null || true)"; do
    if [ -x "$w" ]; then wineserver=$w; break; fi
done
stop_wineserver() {
    [ -n "$wineserver" ] && [ -d "$wineprefix" ] || return 0
    WINEPREFIX=$wineprefix "$wineserver" -k 2>/dev/null || true
    WINEPREFIX=$wineprefix timeout 60 "$wineserver" -w || warn "wineserver did not exit"
}
if [ -n "$wineserver" ] && [ -n "$wine" ] && [ -d "$wineprefix" ]; then
    trap stop_wineserver EXIT
    WINEPREFIX=$wineprefix "$wineserver" -p </dev/null >/dev/null 2>&1 || warn "could not start a persistent wineserver"
    env WINEPREFIX="$wineprefix" WINEARCH=win64 WINEDEBUG=-all \
        WINEDLLOVERRIDES='mscoree,mshtml,winedbg.exe=' \
        timeout 120 "$wine" cmd.exe /c exit 0 </dev/null >/dev/null 2>&1 ||
        warn "wine did not start its system processes; the first test starts them"
else
    warn "no wine, wineserver or prefix found: each test starts its own server"
fi

status=0
(cd "$build" && ctest --output-on-failure --no-tests=error --parallel "$jobs") || status=$?
stop_wineserver
trap - EXIT

if [ "$status" -eq 0 ]; then
    log "windows (wine) tests passed"
else
    log "FAILED (ctest exit $status)"
fi
exit "$status"
