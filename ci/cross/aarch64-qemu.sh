#!/usr/bin/env bash
# aarch64-qemu.sh - cross-build Weft for aarch64-linux-gnu and run its C
# tests under qemu-user, twice:
#
#   1. a plain build                                   (build dir: $build)
#   2. -DWEFT_BTI=ON (-mbranch-protection=standard: BTI landing pads and
#      pac-ret) run with `qemu-aarch64 -cpu max`, a CPU model that
#      implements BTI and pointer authentication       (build dir: $build-bti)
#
# Usage: ci/cross/aarch64-qemu.sh [build-dir]
#   build-dir  default: $WEFT_AARCH64_BUILD, else <repo>/build-aarch64
# Environment:
#   WEFT_AARCH64_BUILD      build dir of the plain variant (if no argument)
#   WEFT_AARCH64_BTI_BUILD  build dir of the BTI variant (default <build-dir>-bti)
#   WEFT_CROSS_VARIANTS     "plain bti" (default), or just one of them
#   WEFT_JOBS               parallel build and ctest jobs (default: nproc)
#   WEFT_QEMU, WEFT_AARCH64_PREFIX, WEFT_AARCH64_SYSROOT: see
#                           platforms/aarch64-linux-gnu.cmake
#
# Exits non-zero if any configure, build or test step of any variant fails.
# Both variants run even if the first one fails, so one CI log shows both.
#
# About BTI enforcement: the kernel (here: qemu's ELF loader) only maps an
# executable with guarded pages if every object linked into it carries the
# BTI GNU property.  Weft's objects do when built with WEFT_BTI=ON; if the
# toolchain's startup files (crt1.o, crti.o, crtbegin.o: Debian 12's do
# not) lack it, the linker drops the marking, the landing pads are then
# present but not enforced, and this script says so.  PAC is unaffected by
# the marking: with -cpu max every paciasp/autiasp pair is live.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-${WEFT_AARCH64_BUILD:-$repo/build-aarch64}}
bti_build=${WEFT_AARCH64_BTI_BUILD:-$build-bti}
variants=${WEFT_CROSS_VARIANTS:-plain bti}
jobs=${WEFT_JOBS:-$(nproc 2>/dev/null || echo 2)}
prefix=${WEFT_AARCH64_PREFIX:-aarch64-linux-gnu-}
sysroot=${WEFT_AARCH64_SYSROOT:-/usr/aarch64-linux-gnu}
qemu=${WEFT_QEMU:-qemu-aarch64}

log() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# ---- 1. tools: install only what is missing (Debian/Ubuntu package names)
need=()
command -v "$qemu" >/dev/null 2>&1 || need+=(qemu-user)
command -v "${prefix}gcc" >/dev/null 2>&1 || need+=(gcc-aarch64-linux-gnu)
[ -e "$sysroot/include/stdio.h" ] && [ -e "$sysroot/lib/libc.so" ] || need+=(libc6-dev-arm64-cross)
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
log "$("$qemu" --version | head -n1)"
log "$(cmake --version | head -n1)"

if [ ! -e "/proc/sys/fs/binfmt_misc/qemu-aarch64" ]; then
    warn "no binfmt_misc handler for aarch64: tests that re-execute themselves" \
         "(harness child processes) need the harness to exec them through the" \
         "emulator (WEFT_TEST_EMULATOR, set by tests/CMakeLists.txt)"
fi

# ---- 2. one variant: configure, build, test.  Returns non-zero on failure.
# (Called from an `if`, where set -e does not apply: every step checks.)
run_variant() {
    local name=$1 dir=$2
    shift 2
    log "[$name] configure $dir"
    cmake -S "$repo" -B "$dir" \
        -DCMAKE_TOOLCHAIN_FILE="$repo/platforms/aarch64-linux-gnu.cmake" \
        -DWEFT_BUILD_BENCH=OFF \
        -DWEFT_TEST_TIMEOUT_SCALE=4 \
        "$@" || return 1
    log "[$name] build"
    cmake --build "$dir" --parallel "$jobs" || return 1
    log "[$name] $( (cd "$dir" && ctest -N -V 2>/dev/null) | grep -m1 'Test command:' |
                    sed 's/^[0-9]*: *//' || true)"
    log "[$name] ctest"
    (cd "$dir" && ctest --output-on-failure --no-tests=error --parallel "$jobs") || return 1
}

# Checks that a WEFT_BTI=ON build really emitted the property notes, and
# reports whether the linked test binaries are BTI-marked (i.e. enforced).
check_bti_marking() {
    local dir=$1 obj bin props rc=0
    obj=$(find "$dir" -name 'switch_arm64_aapcs_elf.S.o' -print -quit)
    if [ -z "$obj" ]; then
        warn "[bti] switch object not found under $dir"
        return 1
    fi
    props=$("${prefix}readelf" -n "$obj" | sed -n 's/.*AArch64 feature: *//p')
    log "[bti] switch object properties: ${props:-none}"
    case $props in
        *BTI*PAC*) ;;
        *) warn "[bti] the switch object lacks the BTI/PAC property note"; rc=1 ;;
    esac
    for bin in "$dir"/tests/test_*; do
        [ -f "$bin" ] && [ -x "$bin" ] || continue
        props=$("${prefix}readelf" -n "$bin" | sed -n 's/.*AArch64 feature: *//p')
        log "[bti] $(basename "$bin"): ${props:-not BTI-marked}"
        case $props in
            *BTI*) ;;
            *) warn "[bti] $(basename "$bin") is not BTI-marked (an input object, usually" \
                    "the toolchain's crt files, lacks the note): landing pads are not enforced" ;;
        esac
    done
    return $rc
}

status=0
for v in $variants; do
    case $v in
        plain)
            if ! run_variant plain "$build"; then
                warn "[plain] FAILED"
                status=1
            fi
            ;;
        bti)
            if ! run_variant bti "$bti_build" -DWEFT_BTI=ON -DWEFT_QEMU_CPU=max; then
                warn "[bti] FAILED"
                status=1
            fi
            if ! check_bti_marking "$bti_build"; then
                status=1
            fi
            ;;
        *)
            warn "unknown variant '$v' (plain, bti)"
            status=1
            ;;
    esac
done

if [ "$status" -eq 0 ]; then
    log "all variants passed: $variants"
else
    log "FAILED (see above)"
fi
exit "$status"
