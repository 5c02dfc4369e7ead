#!/usr/bin/env bash
# macho-check.sh - static checks of the macOS (Mach-O) context-switch files,
# runnable on Linux: macOS itself cannot run here, so this assembles the
# files with clang's Mach-O targets and inspects the objects.
#
#   ci/cross/macho-check.sh            (from anywhere; finds the repo itself)
#
# For each of
#   cnative/src/arch/switch_x86_64_sysv_macho.S   (-target x86_64-apple-macos11)
#   cnative/src/arch/switch_arm64_aapcs_macho.S   (-target arm64-apple-macos11)
#   tests/regs_x86_64_sysv_macho.S
#   tests/regs_arm64_aapcs_macho.S
# it checks that the object is Mach-O of the right CPU, that
# _weft_ctx_switch/_weft_ctx_make are defined and private extern (hidden,
# not exported), that _weft_regs_check/_weft_regs_clobber are global, that
# the only undefined symbol of the regs objects is _weft_ctx_switch (the
# switch objects have none), and the relocations and instructions that
# matter (no x18 on arm64; the x86_64 switch has the ELF file's
# instructions).  Then, more cheaply than it sounds: the CET/BTI and arm64e
# variants, the universal-build guards, a freestanding C caller compiled for
# both Mach-O targets and, when ld64.lld is available, a dylib linked from
# all of it, whose symbol table must show the switch as local.
#
# Prints one line per file or check, and exits non-zero if any failed.
# Installs clang and llvm (and lld, optional) with apt-get when missing.
set -euo pipefail

ROOT=${WEFT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MINOS=11

# ---- tools ---------------------------------------------------------------
find_tool() {  # find_tool NAME: PATH first, then the newest /usr/lib/llvm-*/bin
    local t
    if t=$(command -v "$1" 2>/dev/null); then echo "$t"; return 0; fi
    t=$(ls -d /usr/lib/llvm-*/bin/"$1" 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$t" ] && [ -x "$t" ] && { echo "$t"; return 0; }
    return 1
}
apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    local sudo=
    if [ "$(id -u)" != 0 ]; then command -v sudo >/dev/null 2>&1 || return 1; sudo="sudo -n"; fi
    echo "macho-check: installing $* with apt-get" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
if ! command -v clang >/dev/null 2>&1 || ! find_tool llvm-nm >/dev/null ||
   ! find_tool llvm-objdump >/dev/null || ! find_tool llvm-readobj >/dev/null; then
    apt_install clang llvm || { echo "macho-check: FAIL: need clang and llvm (llvm-nm, llvm-objdump, llvm-readobj)" >&2; exit 1; }
fi
if ! find_tool ld64.lld >/dev/null; then apt_install lld || true; fi
CLANG=$(command -v clang)
NM=$(find_tool llvm-nm)
OBJDUMP=$(find_tool llvm-objdump)
READOBJ=$(find_tool llvm-readobj)
LD64=$(find_tool ld64.lld || true)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

failed=0
pass() { printf 'OK    %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; failed=1; }
skip() { printf 'SKIP  %s\n' "$*"; }
oneline() { head -c "${2:-300}" "$1" | tr '\n\t' '  '; }  # oneline FILE [N]: first N bytes, one line

# ---- helpers over one object --------------------------------------------
assemble() {  # assemble ARCH SRC OBJ [extra clang flags...]: 0 on success, errors in OBJ.err
    local arch=$1 src=$2 obj=$3; shift 3
    "$CLANG" -c -target "$arch-apple-macos$MINOS" "$@" "$src" -o "$obj" 2>"$obj.err"
}
# "TYPE NAME" per symbol, TYPE: private (private external), global
# (external), local (non-external), undef; ltmp*/L* assembler temporaries
# are dropped.
symbols() {
    "$NM" -m "$1" 2>/dev/null | awk '
        / \(undefined\) /                 { print "undef",   $NF; next }
        / private external /              { print "private", $NF; next }
        / non-external /                  { if ($NF !~ /^(ltmp|L)/) print "local", $NF; next }
        / external /                      { print "global",  $NF; next }'
}
has_sym() { grep -qx "$2 $3" <<<"$1"; }
# text relocations as "TYPE SYMBOL", e.g. "SIGNED _weft_ctx_trampoline"
text_relocs() {
    "$OBJDUMP" --macho -r "$1" | awk '
        /^Relocation information/ { intext = ($0 ~ /__TEXT,__text/); next }
        intext && $1 ~ /^[0-9a-f]+$/ { print $(NF-2), $NF }'
}
disasm() { "$OBJDUMP" -d --no-show-raw-insn --no-leading-addr "$1"; }
# instruction stream without addresses, symbol names or resolved displacements
insns() {
    disasm "$1" | sed -n '/^Disassembly/,$p' | grep -v '^Disassembly' |
        sed -E 's/<_?([A-Za-z0-9_]+)>:$/\1:/; s/[[:space:]]*#.*$//; s/-?(0x)?[0-9a-f]+\(%rip\)/(%rip)/' |
        sed -E 's/^([[:space:]]+callq?)[[:space:]].*/\1/; s/<_?([A-Za-z0-9_]+)(\+0x[0-9a-f]+)?>/<\1\2>/g' |
        sed -E '/^[[:space:]]*$/d'
}
check_format() {  # check_format OBJ ARCH -> prints problems
    local h; h=$("$READOBJ" --file-headers "$1")
    case $2 in
        x86_64) grep -q '^Format: Mach-O 64-bit x86-64$' <<<"$h" && grep -q '^Arch: x86_64$' <<<"$h" || echo "not Mach-O x86_64";;
        arm64)  grep -q '^Format: Mach-O arm64$' <<<"$h" && grep -q '^Arch: aarch64$' <<<"$h" || echo "not Mach-O arm64";;
    esac
    grep -q 'FileType: Relocatable' <<<"$h" || echo "not MH_OBJECT"
    grep -q 'MH_SUBSECTIONS_VIA_SYMBOLS' <<<"$h" || echo "no .subsections_via_symbols"
    local lc; lc=$("$OBJDUMP" --macho --private-headers "$1")
    [ "$(grep -A3 'LC_BUILD_VERSION' <<<"$lc" | grep -c 'platform macos')" != 0 ] || echo "no LC_BUILD_VERSION for macos"
}

# ---- the switch files ----------------------------------------------------
check_switch() {  # check_switch ARCH SRC
    local arch=$1 rel=$2 src=$ROOT/$2 obj=$WORK/switch_$1.o problems=() s r d same=""
    if ! assemble "$arch" "$src" "$obj"; then fail "$rel: does not assemble: $(oneline "$obj.err" 300)"; return; fi
    mapfile -t -O 0 problems < <(check_format "$obj" "$arch")
    s=$(symbols "$obj")
    for f in _weft_ctx_switch _weft_ctx_switch_ret _weft_ctx_make; do
        has_sym "$s" private "$f" || problems+=("$f not a defined private extern")
    done
    has_sym "$s" local _weft_ctx_trampoline || problems+=("no local _weft_ctx_trampoline")
    grep -q '^global ' <<<"$s" && problems+=("exports: $(grep '^global ' <<<"$s" | cut -d' ' -f2 | tr '\n' ' ')")
    grep -q '^undef ' <<<"$s" && problems+=("undefined: $(grep '^undef ' <<<"$s" | cut -d' ' -f2 | tr '\n' ' ')")
    r=$(text_relocs "$obj" | sort | tr '\n' ',')
    d=$(disasm "$obj")
    case $arch in
    x86_64)
        [ "$r" = "SIGNED _weft_ctx_trampoline," ] || problems+=("text relocations: '$r', want SIGNED _weft_ctx_trampoline")
        for i in ldmxcsr fldcw stmxcsr fnstcw ud2; do grep -qw "$i" <<<"$d" || problems+=("no $i"); done
        local ref=$ROOT/cnative/src/arch/switch_x86_64_sysv_elf.S
        if [ -f "$ref" ]; then
            if "$CLANG" -c -target x86_64-linux-gnu "$ref" -o "$WORK/ref_elf.o" 2>"$WORK/ref.err"; then
                if diff <(insns "$WORK/ref_elf.o") <(insns "$obj") >"$WORK/insn.diff"; then
                    same="; same instructions as switch_x86_64_sysv_elf.S"
                else
                    problems+=("instructions differ from switch_x86_64_sysv_elf.S: $(oneline "$WORK/insn.diff")")
                fi
            else
                same="; (ELF reference does not assemble, not compared)"
            fi
        fi
        ;;
    arm64)
        # BR26: weft_ctx_switch_ret is a branch to weft_ctx_switch on arm64
        [ "$r" = "BR26 _weft_ctx_switch,PAGE21 _weft_ctx_trampoline,PAGOF12 _weft_ctx_trampoline," ] ||
            problems+=("text relocations: '$r', want BR26 _weft_ctx_switch, PAGE21 + PAGOF12 (PAGEOFF12) _weft_ctx_trampoline")
        grep -Eq '\b[xw]18\b' <<<"$d" && problems+=("touches x18 (Apple's platform register)")
        for i in 'mrs	x[0-9]+, FPCR' 'msr	FPCR, x[0-9]+' 'brk	#0x1' 'stp	d14, d15' 'ldp	x29, x30'; do
            grep -Eq "$i" <<<"$d" || problems+=("no '$i'")
        done
        ;;
    esac
    if [ ${#problems[@]} -eq 0 ]; then
        pass "$rel: Mach-O $arch; _weft_ctx_switch(_ret) _weft_ctx_make private extern; no undefined; relocs ${r%,}${same:-}"
    else
        fail "$rel: $(IFS=';'; echo "${problems[*]}")"
    fi
}

# ---- the register-check files -------------------------------------------
check_regs() {  # check_regs ARCH SRC
    local arch=$1 rel=$2 src=$ROOT/$2 obj=$WORK/regs_$1.o problems=() s r d u same=""
    if ! assemble "$arch" "$src" "$obj"; then fail "$rel: does not assemble: $(oneline "$obj.err" 300)"; return; fi
    mapfile -t -O 0 problems < <(check_format "$obj" "$arch")
    s=$(symbols "$obj")
    for f in _weft_regs_check _weft_regs_clobber; do
        has_sym "$s" global "$f" || problems+=("$f not a defined global")
    done
    u=$(grep '^undef ' <<<"$s" | cut -d' ' -f2 | tr '\n' ' ' || true)
    [ "$u" = "_weft_ctx_switch " ] || problems+=("undefined symbols: '$u', want only _weft_ctx_switch")
    grep -q '^private ' <<<"$s" && problems+=("unexpected private externs")
    r=$(text_relocs "$obj" | sort -u | tr '\n' ',')
    case $arch in
        x86_64) [ "$r" = "BRANCH _weft_ctx_switch," ] || problems+=("text relocations: '$r'")
                local ref=$ROOT/tests/regs_x86_64_sysv_elf.S
                if [ -f "$ref" ] && "$CLANG" -c -target x86_64-linux-gnu "$ref" -o "$WORK/rref_elf.o" 2>/dev/null; then
                    if diff <(insns "$WORK/rref_elf.o") <(insns "$obj") >"$WORK/rinsn.diff"; then
                        same="; same instructions as regs_x86_64_sysv_elf.S"
                    else
                        problems+=("instructions differ from regs_x86_64_sysv_elf.S: $(oneline "$WORK/rinsn.diff")")
                    fi
                fi;;
        arm64)  [ "$r" = "BR26 _weft_ctx_switch," ] || problems+=("text relocations: '$r'")
                d=$(disasm "$obj")
                grep -Eq '\b[xw]18\b' <<<"$d" && problems+=("touches x18 (Apple's platform register)")
                # each function must load a pattern into every checked
                # register before its call to the switch
                for fn in _weft_regs_check _weft_regs_clobber; do
                    local pre addr
                    addr=$("$NM" "$obj" | awk -v fn="$fn" '$3 == fn {print $1}')
                    pre=$("$OBJDUMP" -d --no-show-raw-insn --start-address="0x${addr:-0}" "$obj" |
                          awk 'done {next} /\tbl\t/ {done = 1; next} {print}')
                    for reg in x19 x20 x21 x22 x23 x24 x25 x26 x27 x28 x29 d8 d9 d10 d11 d12 d13 d14 d15; do
                        grep -Eq "	(mul|eor|fmov)	$reg, " <<<"$pre" || problems+=("$fn does not set $reg")
                    done
                done;;
    esac
    if [ ${#problems[@]} -eq 0 ]; then
        pass "$rel: Mach-O $arch; _weft_regs_check _weft_regs_clobber global; only undefined _weft_ctx_switch${same:-}"
    else
        fail "$rel: $(IFS=';'; echo "${problems[*]}")"
    fi
}

SW_X86=cnative/src/arch/switch_x86_64_sysv_macho.S
SW_A64=cnative/src/arch/switch_arm64_aapcs_macho.S
RG_X86=tests/regs_x86_64_sysv_macho.S
RG_A64=tests/regs_arm64_aapcs_macho.S

check_switch x86_64 $SW_X86
check_switch arm64  $SW_A64
check_regs   x86_64 $RG_X86
check_regs   arm64  $RG_A64

# ---- variants --------------------------------------------------------------
# CET (x86_64, -fcf-protection=full): endbr64 at the four entry points.
if assemble x86_64 "$ROOT/$SW_X86" "$WORK/cet.o" -fcf-protection=full &&
   [ "$(disasm "$WORK/cet.o" | grep -c endbr64)" = 4 ]; then
    pass "$SW_X86 with -fcf-protection=full: endbr64 at switch, switch_ret, make, trampoline"
else
    fail "$SW_X86 with -fcf-protection=full: want 4 endbr64"
fi
# BTI (arm64, -mbranch-protection=standard): bti c at the external entry points.
if assemble arm64 "$ROOT/$SW_A64" "$WORK/bti.o" -mbranch-protection=standard &&
   assemble arm64 "$ROOT/$RG_A64" "$WORK/btir.o" -mbranch-protection=standard &&
   [ "$(disasm "$WORK/bti.o" | grep -Ec 'bti	c|hint	#(0x22|34)')" = 3 ] &&
   [ "$(disasm "$WORK/btir.o" | grep -Ec 'bti	c|hint	#(0x22|34)')" = 2 ]; then
    pass "$SW_A64, $RG_A64 with -mbranch-protection=standard: bti c at each external function"
else
    fail "arm64 with -mbranch-protection=standard: want bti c at each external function"
fi
# arm64e is not supported: the switch must refuse to assemble, not build something that crashes.
if "$CLANG" -c -target "arm64e-apple-macos$MINOS" "$ROOT/$SW_A64" -o "$WORK/e.o" 2>"$WORK/e.err"; then
    fail "$SW_A64 assembles for arm64e (it must #error)"
elif grep -q 'arm64e' "$WORK/e.err"; then
    pass "$SW_A64 refuses arm64e with #error"
else
    fail "$SW_A64 for arm64e: unexpected error: $(oneline "$WORK/e.err" 200)"
fi
# Universal builds: each file assembles to an empty object for the other slice.
ustat=ok
for pair in "arm64 $SW_X86" "arm64 $RG_X86" "x86_64 $SW_A64" "x86_64 $RG_A64"; do
    set -- $pair
    if ! assemble "$1" "$ROOT/$2" "$WORK/u.o" || [ -n "$(symbols "$WORK/u.o" | grep weft || true)" ]; then
        ustat="$2 for $1 is not empty"
    fi
done
[ "$ustat" = ok ] && pass "universal builds: each file is empty for the other architecture" || fail "universal builds: $ustat"

# ---- a C caller for both targets, and a linked dylib -----------------------
cat >"$WORK/caller.c" <<'EOF'
/* Freestanding: no macOS SDK here, only clang's own stddef.h via ctx.h. */
#include "ctx.h"
#include <stdint.h>
int weft_regs_check(void **save, void *to, void *arg, uint64_t seed);
void weft_regs_clobber(void **save, void *to, void *arg, uint64_t seed);
static void *main_ctx, *co_ctx;
static void entry(void *ctx_arg, void *arg)
{
    for (;;)
        weft_regs_clobber(&co_ctx, main_ctx, arg, (uint64_t)(uintptr_t)ctx_arg);
}
__attribute__((visibility("default"))) int weft_macho_probe(const weft_stack_t *stk)
{
    co_ctx = weft_ctx_make(stk, entry, (void *)42);
    return weft_regs_check(&main_ctx, co_ctx, 0, 7);
}
EOF
for arch in x86_64 arm64; do
    if [ $arch = x86_64 ]; then sw=$SW_X86 rg=$RG_X86; else sw=$SW_A64 rg=$RG_A64; fi
    if ! "$CLANG" -c -target "$arch-apple-macos$MINOS" -ffreestanding -fvisibility=hidden -O2 \
            -Wall -Wextra -Werror -I"$ROOT/cnative/src/arch" "$WORK/caller.c" -o "$WORK/caller_$arch.o" 2>"$WORK/c.err"; then
        fail "C caller of ctx.h for $arch-apple-macos$MINOS: $(oneline "$WORK/c.err" 300)"
        continue
    fi
    if [ -z "$LD64" ]; then
        pass "C caller of ctx.h compiles for $arch-apple-macos$MINOS"
        skip "link of a $arch dylib: no ld64.lld"
        continue
    fi
    dylib=$WORK/libprobe_$arch.dylib
    if ! "$LD64" -arch $arch -platform_version macos $MINOS.0 $MINOS.0 -dylib -o "$dylib" \
            "$WORK/caller_$arch.o" "$WORK/switch_$arch.o" "$WORK/regs_$arch.o" 2>"$WORK/ld.err"; then
        fail "ld64.lld $arch dylib: $(oneline "$WORK/ld.err" 300)"
        continue
    fi
    n=$("$NM" -m "$dylib")
    lp=()
    for f in _weft_ctx_switch _weft_ctx_switch_ret _weft_ctx_make; do
        grep -q "non-external (was a private external) $f\$" <<<"$n" || lp+=("$f not turned local")
    done
    for f in _weft_regs_check _weft_regs_clobber _weft_macho_probe; do
        grep -Eq "\) external $f\$" <<<"$n" || lp+=("$f not exported")
    done
    if [ "$("$NM" -gU "$dylib" | grep -c _weft_ctx_ || true)" != 0 ]; then lp+=("switch symbols exported"); fi
    if [ ${#lp[@]} -eq 0 ]; then
        pass "C caller + switch + regs link into a $arch dylib (ld64.lld): switch symbols local, regs exported"
    else
        fail "$arch dylib: $(IFS=';'; echo "${lp[*]}")"
    fi
done

# ---- the kqueue poller ---------------------------------------------------
# No macOS SDK here: poll_kqueue.c is compiled (syntax and types, every
# warning an error) on Linux against ci/cross/kqueue-api/sys/event.h, a
# transcription of the documented kqueue API; it does not run here.
KQ=$ROOT/cnative/src/os/poll_kqueue.c
if "$CLANG" -fsyntax-only -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
        -I"$ROOT/ci/cross/kqueue-api" -I"$ROOT/cnative/include" -I"$ROOT/cnative/src/os" \
        "$KQ" 2>"$WORK/kq.err"; then
    pass "cnative/src/os/poll_kqueue.c compiles against the kqueue API (ci/cross/kqueue-api)"
else
    fail "poll_kqueue.c: $(oneline "$WORK/kq.err" 400)"
fi

if [ $failed -ne 0 ]; then
    echo "macho-check: FAILED"
    exit 1
fi
echo "macho-check: all checks passed (assembled, compiled and linked only: nothing here runs Mach-O code)"
