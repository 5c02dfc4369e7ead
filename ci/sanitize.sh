#!/usr/bin/env bash
# ci/sanitize.sh [asan|tsan|valgrind|cet|all] - the C tests under each
# checker the switch must satisfy (README: "What is verified where"):
#   asan      -DWEFT_SANITIZE=address,undefined (ASan fiber API + UBSan)
#   tsan      -DWEFT_SANITIZE=thread            (TSan fiber API)
#   valgrind  -DWEFT_VALGRIND=ON, every test under memcheck
#             (VALGRIND_STACK_REGISTER; errors and definite leaks fail)
#   cet       -DWEFT_CET=ON (-fcf-protection=full, endbr64, IBT note)
# Each gets its own build directory under build-ci/. Exits non-zero on the
# first failing configuration.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-all}
jobs=${WEFT_JOBS:-2}

if ! command -v valgrind >/dev/null 2>&1 && [[ "$what" == all || "$what" == valgrind ]]; then
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >/dev/null
fi

run() { # run NAME CMAKE-ARGS...
  local name=$1; shift
  local dir=$ROOT/build-ci/$name
  echo "== $name: $*"
  cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DWEFT_BUILD_BENCH=OFF "$@" >"$dir.log" 2>&1 ||
    { cat "$dir.log"; return 1; }
  cmake --build "$dir" -j"$jobs" >>"$dir.log" 2>&1 || { cat "$dir.log"; return 1; }
  ctest --test-dir "$dir" -j"$jobs" --output-on-failure
}

mkdir -p "$ROOT/build-ci"
case "$what" in
  asan|all) run asan -DWEFT_SANITIZE=address,undefined ;;&
  # TSan: each fiber context costs TSan ~0.8 MB of state to set up and
  # tear down, milliseconds per coroutine where page faults are slow, so
  # its timeouts get the headroom valgrind's do (and loops are time-bounded)
  tsan|all) run tsan -DWEFT_SANITIZE=thread -DWEFT_TEST_TIMEOUT_SCALE=3 ;;&
  valgrind|all)
    run valgrind -DWEFT_VALGRIND=ON -DWEFT_TEST_TIMEOUT_SCALE=10 \
      "-DWEFT_TEST_WRAPPER=valgrind;--error-exitcode=99;--leak-check=full;--errors-for-leak-kinds=definite,indirect;--quiet" ;;&
  cet|all)
    run cet -DWEFT_CET=ON
    # Every object of the library must carry the IBT property, or the
    # linker drops CET marking for any binary that links it.  (Final
    # binaries linked here are unmarked anyway: Debian 12's crti.o and
    # crtbeginS.o carry no property note.)
    if command -v readelf >/dev/null; then
      objs=$(find "$ROOT/build-ci/cet/CMakeFiles/weft_objs.dir" -name '*.o')
      [ -n "$objs" ] || { echo "cet: no objects found"; exit 1; }
      for o in $objs; do
        readelf -n "$o" | grep -q "x86 feature: IBT" ||
          { echo "cet: $o lacks the x86 IBT property note"; exit 1; }
      done
      echo "cet: all $(echo "$objs" | wc -l) libweft objects carry the IBT property note"
    fi ;;&
  asan|tsan|valgrind|cet|all) ;;
  *) echo "usage: ci/sanitize.sh [asan|tsan|valgrind|cet|all]" >&2; exit 2 ;;
esac
