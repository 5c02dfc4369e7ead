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
# The C libraries hold the core alone: the Java glue (cnative/jni, its
# weft_jni_* and weft_ext_* functions) goes into libweftjni.a, which only
# the JNI library links.  Every symbol, local ones included, of the
# archive and of the shared library; weft_chan_make must be exported, so
# an empty or unreadable table cannot pass.
shared=$(ls "$W"/prefix/lib*/libweft.so "$W"/prefix/lib*/libweft.dylib 2>/dev/null | head -n1 || true)
static=$(ls "$W"/prefix/lib*/libweft.a 2>/dev/null | head -n1 || true)
if command -v nm >/dev/null; then
  for lib in $shared $static; do
    case $lib in
      *.dylib) exports=$(nm -gU "$lib") ;;
      *.so) exports=$(nm -D --defined-only "$lib") ;;
      *) exports=$(nm -g --defined-only "$lib") ;;
    esac
    grep -q 'weft_chan_make$' <<<"$exports" || { echo "install-check: $lib: weft_chan_make not exported"; exit 1; }
    if glue=$(nm -a "$lib" 2>/dev/null | grep -oE '\b_?(weft_jni_|weft_ext_|Java_)[A-Za-z0-9_]*' | sort -u); then
      echo "install-check: $lib holds Java glue: $(tr '\n' ' ' <<<"$glue")"; exit 1
    fi
  done
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
echo "install-check: find_package(weft) consumer built and ran against weft::static and weft::shared${shared:+; $(basename "$shared") and libweft.a hold no Java glue}"
