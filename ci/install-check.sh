#!/usr/bin/env bash
# ci/install-check.sh - C users need no JVM: build and install libweft with
# CMake alone, then build examples/c/generator.c as an outside project
# through find_package(weft), against the static and the shared library.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-$ROOT/build-ci/install-check}
rm -rf "$W"; mkdir -p "$W/consumer"
cmake -S "$ROOT" -B "$W/build" -DCMAKE_BUILD_TYPE=Release -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_BENCH=OFF \
  -DCMAKE_INSTALL_PREFIX="$W/prefix" >"$W/log" 2>&1
cmake --build "$W/build" -j2 >>"$W/log" 2>&1
cmake --install "$W/build" >>"$W/log" 2>&1
# The shared library exports weft.h's API and nothing of the JNI shim
# (jni-headers/weft_jni.h: its functions are linked into the JNI library
# from libweft.a only).  Read from the dynamic symbol table, with a name
# that must be there so an empty or unreadable table cannot pass.
shared=$(ls "$W"/prefix/lib*/libweft.so "$W"/prefix/lib*/libweft.dylib 2>/dev/null | head -n1 || true)
if [ -n "$shared" ] && command -v nm >/dev/null; then
  case $shared in
    *.dylib) syms=$(nm -gU "$shared") ;;
    *) syms=$(nm -D --defined-only "$shared") ;;
  esac
  grep -q 'weft_chan_make$' <<<"$syms" || { echo "install-check: $shared: weft_chan_make not exported"; exit 1; }
  if leaked=$(grep -o 'weft_jni_[A-Za-z0-9_]*' <<<"$syms"); then
    echo "install-check: $shared exports the JNI shim: $(tr '\n' ' ' <<<"$leaked")"; exit 1
  fi
fi
cp "$ROOT/examples/c/generator.c" "$W/consumer/"
cat >"$W/consumer/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(weft 0.1 REQUIRED)
add_executable(gen_static generator.c)
target_link_libraries(gen_static PRIVATE weft::static)
add_executable(gen_shared generator.c)
target_link_libraries(gen_shared PRIVATE weft::weft)
CM
cmake -S "$W/consumer" -B "$W/consumer/build" -DCMAKE_PREFIX_PATH="$W/prefix" >>"$W/log" 2>&1
cmake --build "$W/consumer/build" >>"$W/log" 2>&1
for exe in gen_static gen_shared; do
  out=$("$W/consumer/build/$exe")
  grep -q "line_reader: buffer released" <<<"$out" || { echo "install-check: $exe failed"; echo "$out"; exit 1; }
done
echo "install-check: find_package(weft) consumer built and ran against weft::static and weft::shared${shared:+; $(basename "$shared") exports no weft_jni_*}"
