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
status=0
(cd "$build" && ctest --output-on-failure --no-tests=error --parallel "$jobs") || status=$?

# Wine leaves its wineserver running for a few seconds after the last
# process; wait for it so no daemon outlives the job holding its output.
wineserver=""
wine=$(sed -n 's/^WEFT_WINE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
for w in "$(dirname "${wine:-/nonexistent/x}")/wineserver" "$(command -v wineserver 2>/dev/null || true)"; do
    if [ -x "$w" ]; then wineserver=$w; break; fi
done
if [ -n "$wineserver" ] && [ -d "$wineprefix" ]; then
    WINEPREFIX=$wineprefix timeout 60 "$wineserver" -w || warn "wineserver did not exit"
fi

if [ "$status" -eq 0 ]; then
    log "windows (wine) tests passed"
else
    log "FAILED (ctest exit $status)"
fi
exit "$status"
