#!/usr/bin/env bash
# ci/module-path.sh - Weft as a module: after `./mvnw package`, compile and
# run a user module (ci/module-path/app) against the jars on the module
# path, and check that a module naming the JNI bindings does not compile.
# The API module is dev.weft (module-info: exports dev.weft only); the
# platform jar is the automatic module dev.weft.<platform>, where JavaCPP's
# Loader looks for the library, added with --add-modules.
set -euo pipefail
cd "$(dirname "$0")/.."
jhome=$(./mvnw -B -v 2>/dev/null | sed -n 's/^Java version: .*, runtime: //p' | head -n 1)
[ -x "$jhome/bin/java" ] || { echo "module-path: no JDK from ./mvnw -v (got '$jhome')" >&2; exit 1; }
t=target
shopt -s nullglob
apis=($t/weft-*-SNAPSHOT.jar $t/weft-*[0-9].jar)
natives=($t/weft-*-linux-*.jar)
[ ${#apis[@]} -ge 1 ] && [ ${#natives[@]} -ge 1 ] || { echo "module-path: run ./mvnw package first (no jars in $t)" >&2; exit 1; }
api=${apis[0]} natives=${natives[0]}
platform=$(unzip -p "$natives" META-INF/MANIFEST.MF | sed -n 's/^Automatic-Module-Name: *//p' | tr -d '\r')
libs=($t/lib/*.jar)
mp="$api:$natives$(printf ':%s' "${libs[@]}")"
out=$t/module-path
rm -rf "$out"

"$jhome/bin/javac" -d "$out/app" --module-path "$mp" --module-source-path ci/module-path -m app
"$jhome/bin/java" --enable-native-access=dev.weft,org.bytedeco.javacpp \
  --module-path "$mp:$out/app" --add-modules "$platform" -m app/app.Main

if "$jhome/bin/javac" -d "$out/internal" --module-path "$mp" \
     --module-source-path ci/module-path/internal -m app 2>"$out.log"; then
  echo "module-path: a module using dev.weft.jni compiled: the bindings are exported" >&2
  exit 1
fi
grep -q "package dev.weft.jni is not visible" "$out.log" ||
  { cat "$out.log" >&2; echo "module-path: unexpected compile error" >&2; exit 1; }
echo "module-path: a module naming dev.weft.jni does not compile (not visible): OK"
