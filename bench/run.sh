#!/usr/bin/env bash
# bench/run.sh WORKLOAD [RUNS] - runs Weft and its peer side by side, in one
# run, and prints one line per figure:
#   BENCH <workload> <metric> weft=<v> <peer>=<v> ratio=<weft/peer>
#
# Workloads:
#   w1   switch cost: weft generator resume+yield vs Boost.Context fcontext
#        (bench/peers/boost). Prints ns per switch (median of RUNS runs,
#        runs alternated so both see the same machine load) and instructions
#        per switch from valgrind --tool=callgrind (repeatable on a noisy
#        machine): the instructions executed inside the switch API itself
#        (weft_gen_resume + weft_gen_yield + weft_ctx_switch per switch,
#        jump_fcontext per switch), not the benchmark loops around them.
#
#   w2   spawn n coroutines that each signal a WaitGroup, then wait (n =
#        1M): ns per spawn and peak RSS, at 1 and 2 workers vs Go at
#        GOMAXPROCS 1 and 2 (bench/peers/go).
#   w3   channels vs Go: unbuffered ping-pong round trip (ns) and buffered
#        cap-1024 producer/consumer throughput (msgs/s), 1 and 2 workers.
#   ext  the Java channel protocol without Java (bench/ext_pingpong.c): two
#        pthreads ping-pong over unbuffered channels through the weft_jni_*
#        calls, each spinning on a mailbox as Parking does, ns per round
#        trip, vs one cache line bounced between two threads (the floor of
#        the machine, not a competitor: the ratio is how many bounces a
#        round trip costs).
#   sleep  weft_sleep precision: median and p99 lateness of 1 ms sleeps by
#        1000 coroutines (target: median within 1 ms). No peer: printed as
#        BENCH sleep <metric> weft=<v> target=<v>.
#   w4   memory per idle coroutine: 1M parked on a channel receive, and
#        1M in a one-hour sleep, RSS growth / n, vs Go's goroutines.
#   w5   TCP echo: 100 connections, each in a closed loop of 64-byte
#        messages, for WEFT_BENCH_SECS (default 10) per server, echoes per
#        second. One load generator for every server, `peer-go echoclient`;
#        the servers one after another: Weft's examples/c/echo_server.c
#        (2 workers), the one-thread C epoll server (bench/peers/c-epoll)
#        and `peer-go echoserver` (GOMAXPROCS=2). Each run serves all of
#        them in turn, so they see the same machine load; medians of RUNS.
#   w6   HTTP plaintext: `wrk -t1 -c100 -d<WEFT_BENCH_SECS>s` (Debian wrk)
#        against Weft's examples/c/http_server.c (2 workers), nginx
#        (nginx-light, bench/peers/nginx/nginx.conf: 2 worker processes,
#        run under a prefix in build-bench/nginx) and `peer-go httpserver`
#        (net/http, GOMAXPROCS=2), requests per second; each server's
#        answer to GET / is checked first. Medians of RUNS, alternated.
#        w5 and w6 start each server on its own port (bench/peers/README.md),
#        fail if the port is taken or the server does not come up, and stop
#        every server they started, also on failure or interrupt.
#   w7   a chain of n live coroutines (Go's test/chan/goroutines.go: each
#        waits to pass one value on), n = 100k and 1M: ms and peak RSS at
#        1 and 2 workers vs Go at GOMAXPROCS 1 and 2.
#   java the Java API under JMH (bench/jmh, its own Maven project) vs the
#        JDK's peers and jox, every party a virtual thread: w3u round trip
#        (Chan vs SynchronousQueue, jox rendezvous), w3b cap-1024 throughput
#        (vs ArrayBlockingQueue, jox), select4 (vs jox Select), w2 spawn+join
#        (Weft.go vs Thread.ofVirtual, n = 1M per batch), mutex uncontended
#        ns and contended ops/s at 4 and 64 threads (Mutex vs ReentrantLock),
#        the mutex figures again for JDK 21's form (MutexBenchJdk21, forks
#        with -Dweft.ffm=false: the word through sun.misc.Unsafe;
#        java-mutex-jdk21) and for the JNI form (MutexBenchJni, forks with
#        -Dweft.ffm=false -Dweft.unsafe=false; java-mutex-jni), both against
#        the same ReentrantLock figures, and the FFM form's uncontended ns
#        over the JNI form's (java-mutex-ffm-vs-jni, ratio=ffm/jni). Installs the
#        root artifact into ~/.m2 (./mvnw install -DskipTests), builds
#        bench/jmh/target/benchmarks.jar, runs it with the JDK ./mvnw picks;
#        values are medians over every measurement iteration of every fork.
#        RUNS is the number of JMH forks (default 3, each 4 warm-up + 6
#        measured 1 s iterations: ~16 min on 2 cores; some peers settle in
#        a different mode per fork, so forks matter more than iterations);
#        RUNS=1 or WEFT_JMH_QUICK=1 is the smoke run (1 fork, 1 warm-up + 2
#        measured 1 s iterations, ~1-2 min). WEFT_JMH_ARGS adds JMH options
#        (e.g. a benchmark regex). JMH's log and JSON go to build-bench/java/.
#
# Environment: WEFT_PEERS (the peer programs' directory, default bench/peers;
# bench/peers/README.md describes them),
# WEFT_BENCH_N (w1: round trips per timed run, default 20000000; w2/w4:
# coroutines, default 1000000; w3: messages), WEFT_BENCH_SECS (w5/w6:
# seconds of load per server and run, default 10).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${WEFT_PEERS:-$ROOT/bench/peers}
OUT=$ROOT/build-bench
workload=${1:?usage: bench/run.sh w1|w2|w3|w4|w5|w6|w7|ext|sleep|java [runs]}
runs=${2:-5}

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
ensure() { # ensure <test-command...> -- <apt packages...>
  local cmd=() pkgs=()
  while [ "$1" != "--" ]; do cmd+=("$1"); shift; done; shift
  pkgs=("$@")
  "${cmd[@]}" >/dev/null 2>&1 || need_pkgs+=("${pkgs[@]}")
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a/b}'; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

go_peer() { # builds $PEERS/go (bench/peers/go) into $OUT/peer-go
  [ -f "$PEERS/go/main.go" ] || { echo "bench: peer not found: $PEERS/go (set WEFT_PEERS)" >&2; exit 1; }
  if ! command -v go >/dev/null 2>&1; then
    echo "bench: installing golang-go" >&2
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q golang-go >/dev/null
  fi
  mkdir -p "$OUT/gocache"
  (cd "$PEERS/go" && GOCACHE="$OUT/gocache" GOFLAGS=-mod=mod go build -o "$OUT/peer-go" .)
}

# line WORKLOAD METRIC WEFT-FILE PEER-NAME PEER-FILE: median of each, ratio
line() { line2 "$1" "$2" weft "$3" "$4" "$5"; }
# line2 WORKLOAD METRIC NAME-A FILE-A NAME-B FILE-B: median of each, ratio a/b
line2() {
  local a b
  a=$(median <"$4"); b=$(median <"$6")
  echo "BENCH $1 $2 $3=$a $5=$b ratio=$(ratio "$a" "$b")"
}

install_pkgs() { # installs need_pkgs (apt-get update first), if any
  if [ ${#need_pkgs[@]} -gt 0 ]; then
    echo "bench: installing ${need_pkgs[*]}" >&2
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_pkgs[@]}" >/dev/null
  fi
}

# Network servers (w5, w6): one at a time, in the background, always
# stopped again: by stop_server, or by the EXIT trap when the script ends
# (an error, an interrupt).
srv_pid=""
stop_server() {
  if [ -n "$srv_pid" ]; then
    kill "$srv_pid" 2>/dev/null || true
    wait "$srv_pid" 2>/dev/null || true
    srv_pid=""
  fi
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# start_server NAME PORT COMMAND...: runs COMMAND (output: $OUT/NAME.log),
# returns once PORT accepts connections; exits the script with the log if
# the port is taken, the server dies or it has not listened after 10 s.
start_server() {
  local name=$1 port=$2
  shift 2
  if port_open "$port"; then
    echo "bench: port $port, wanted by $name, is already in use (another run? ss -ltnp says who)" >&2
    exit 1
  fi
  "$@" >"$OUT/$name.log" 2>&1 &
  srv_pid=$!
  local i
  for i in $(seq 100); do
    port_open "$port" && return 0
    if ! kill -0 "$srv_pid" 2>/dev/null; then
      srv_pid=""
      echo "bench: $name did not start ($*):" >&2
      cat "$OUT/$name.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "bench: $name did not listen on port $port within 10 s ($*):" >&2
  cat "$OUT/$name.log" >&2
  exit 1
}
trap stop_server EXIT
trap 'exit 130' INT TERM

build_weft() {
  cmake -S "$ROOT" -B "$OUT" -DCMAKE_BUILD_TYPE=Release -DWEFT_BUILD_TESTS=OFF >"$OUT.log" 2>&1 ||
    { cat "$OUT.log"; exit 1; }
  cmake --build "$OUT" -j2 --target "$@" >>"$OUT.log" 2>&1 || { cat "$OUT.log"; exit 1; }
}

case "$workload" in
w1)
  [ -f "$PEERS/boost/fctx.cpp" ] || { echo "bench: peer not found: $PEERS/boost/fctx.cpp (set WEFT_PEERS)" >&2; exit 1; }
  ensure test -f /usr/include/boost/context/detail/fcontext.hpp -- libboost-context-dev
  ensure have g++ -- g++
  ensure have valgrind -- valgrind
  if [ ${#need_pkgs[@]} -gt 0 ]; then
    echo "bench: installing ${need_pkgs[*]}" >&2
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_pkgs[@]}" >/dev/null
  fi
  mkdir -p "$OUT"
  build_weft w1_switch
  g++ -O2 -o "$OUT/peer-fctx" "$PEERS/boost/fctx.cpp" -lboost_context
  n=${WEFT_BENCH_N:-20000000}
  : >"$OUT/w1.weft"; : >"$OUT/w1.fctx"; : >"$OUT/w1.ctx"
  for i in $(seq "$runs"); do
    "$OUT/bench/w1_switch" "$n" gen | field w1_weft_gen_ns_per_switch >>"$OUT/w1.weft"
    "$OUT/peer-fctx" "$n" | field w1_fcontext_ns_per_switch >>"$OUT/w1.fctx"
    "$OUT/bench/w1_switch" "$n" ctx | field w1_weft_ctx_ns_per_switch >>"$OUT/w1.ctx"
  done
  w=$(median <"$OUT/w1.weft"); f=$(median <"$OUT/w1.fctx"); c=$(median <"$OUT/w1.ctx")
  # the figure W1 targets: the public generator API against fcontext
  echo "BENCH w1 switch_ns weft=$w fcontext=$f ratio=$(ratio "$w" "$f")"
  # the bare weft_ctx_switch under it, for reference
  echo "BENCH w1 ctx_switch_ns weft=$c fcontext=$f ratio=$(ratio "$c" "$f")"

  # Instructions: each switch API function is straight-line code, so its
  # total Ir divided by the number of switches it served is exact.
  cn=1000000
  valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.weft" "$OUT/bench/w1_switch" "$cn" gen >/dev/null 2>&1
  valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.fctx" "$OUT/peer-fctx" "$cn" >/dev/null 2>&1
  fn_ir() { # fn_ir FILE FUNCTION -> exclusive Ir of FUNCTION
    callgrind_annotate --threshold=100 "$1" 2>/dev/null |
      awk -v f="$2" '{ g=$0; sub(/^[ ]*[0-9,]+ +\([^)]*\) +/, "", g); sub(/^[ ]*[0-9,]+ +/, "", g); sub(/ .*/, "", g); sub(/\047[0-9]+$/, "", g); n=split(g, p, ":"); if (p[n] == f) { x=$1; gsub(",", "", x); s += x } } END { print s+0 }'
  }
  wir=$(( $(fn_ir "$OUT/cg.weft" weft_gen_resume) + $(fn_ir "$OUT/cg.weft" weft_gen_yield) + $(fn_ir "$OUT/cg.weft" weft_ctx_switch) ))
  fir=$(fn_ir "$OUT/cg.fctx" jump_fcontext)
  # switches: weft 2 per round trip (warm-up n/10 + n).  fcontext: the
  # jump_fcontext calls bench/peers/boost/fctx.cpp makes (it prints the same
  # count as w1_fcontext_jumps): 2 to enter its bouncer and come back, 2 per
  # round trip (warm-up n/10 + n), 2 per make+run of its n/4 fresh contexts.
  # Callgrind charges to jump_fcontext the 2-instruction entry trampoline
  # (push %rbp; jmp *%rbx) that each fresh context (the bouncer + n/4) runs
  # through once, so those come off first: what is left is 24 Ir per jump on
  # x86-64 (Boost 1.74).
  wsw=$(( 2 * (cn + cn / 10) + 1 ))
  fsw=$(( 2 + 2 * (cn + cn / 10) + 2 * (cn / 4) ))
  fir=$(( fir - 2 * (1 + cn / 4) ))
  wi=$(awk -v a="$wir" -v b="$wsw" 'BEGIN {printf "%.2f", a/b}')
  fi_=$(awk -v a="$fir" -v b="$fsw" 'BEGIN {printf "%.2f", a/b}')
  echo "BENCH w1 switch_instr weft=$wi fcontext=$fi_ ratio=$(ratio "$wi" "$fi_")"
  ;;
w2)
  go_peer
  mkdir -p "$OUT"
  build_weft w2_spawn
  n=${WEFT_BENCH_N:-1000000}
  for p in 1 2; do
    : >"$OUT/w2.weft"; : >"$OUT/w2.go"; : >"$OUT/w2.wrss"; : >"$OUT/w2.grss"
    for i in $(seq "$runs"); do
      r=$("$OUT/bench/w2_spawn" "$n" "$p")
      field w2_weft_ns_per_spawn <<<"$r" >>"$OUT/w2.weft"
      field w2_weft_peak_rss_kb <<<"$r" >>"$OUT/w2.wrss"
      r=$(GOMAXPROCS=$p "$OUT/peer-go" w2 "$n")
      field w2_ns_per_spawn <<<"$r" >>"$OUT/w2.go"
      field w2_peak_rss_kb <<<"$r" >>"$OUT/w2.grss"
    done
    line w2 "spawn_ns_p$p" "$OUT/w2.weft" go "$OUT/w2.go"
    line w2 "peak_rss_kb_p$p" "$OUT/w2.wrss" go "$OUT/w2.grss"
  done
  ;;
w3)
  go_peer
  mkdir -p "$OUT"
  build_weft w3_chan
  nu=${WEFT_BENCH_N:-1000000}; nb=$((nu * 10))
  for p in 1 2; do
    : >"$OUT/w3u.weft"; : >"$OUT/w3u.go"; : >"$OUT/w3b.weft"; : >"$OUT/w3b.go"
    for i in $(seq "$runs"); do
      "$OUT/bench/w3_chan" u "$nu" "$p" | field w3u_weft_ns_per_roundtrip >>"$OUT/w3u.weft"
      GOMAXPROCS=$p "$OUT/peer-go" w3u "$nu" | field w3u_ns_per_roundtrip >>"$OUT/w3u.go"
      "$OUT/bench/w3_chan" b "$nb" "$p" | field w3b_weft_msgs_per_s >>"$OUT/w3b.weft"
      GOMAXPROCS=$p "$OUT/peer-go" w3b "$nb" | field w3b_msgs_per_s >>"$OUT/w3b.go"
    done
    line w3u "roundtrip_ns_p$p" "$OUT/w3u.weft" go "$OUT/w3u.go"
    line w3b "msgs_per_s_p$p" "$OUT/w3b.weft" go "$OUT/w3b.go"
  done
  ;;
w4)
  go_peer
  mkdir -p "$OUT"
  build_weft w4_idle
  n=${WEFT_BENCH_N:-1000000}
  for kind in chan sleep; do
    : >"$OUT/w4.weft"; : >"$OUT/w4.go"
    gverb=w4; [ "$kind" = sleep ] && gverb=w4sleep
    for i in $(seq "$runs"); do
      "$OUT/bench/w4_idle" "$n" "$kind" | field "w4_weft_${kind}_bytes_per_co" >>"$OUT/w4.weft"
      "$OUT/peer-go" "$gverb" "$n" | field "w4_${kind}_bytes_per_g" >>"$OUT/w4.go"
    done
    line w4 "${kind}_bytes_per_co" "$OUT/w4.weft" go "$OUT/w4.go"
  done
  ;;
w5)
  go_peer
  mkdir -p "$OUT"
  build_weft example_echo_server
  gcc -O2 -o "$OUT/epoll_echo" "$PEERS/c-epoll/epoll_echo.c"
  secs=${WEFT_BENCH_SECS:-10}
  # every server, by its name in the BENCH lines: w5_start starts it and
  # sets its port
  servers="weft c-epoll go"
  w5_start() {
    case $1 in
    weft) port=9102; start_server weft $port "$OUT/examples/c/example_echo_server" -w 2 $port ;;
    c-epoll) port=9101; start_server c-epoll $port "$OUT/epoll_echo" $port ;;
    go) port=9100; start_server go-echo $port env GOMAXPROCS=2 "$OUT/peer-go" echoserver $port ;;
    esac
  }
  for s in $servers; do : >"$OUT/w5.$s"; done
  for i in $(seq "$runs"); do
    for s in $servers; do
      w5_start "$s"
      r=$("$OUT/peer-go" echoclient "$port" 100 "$secs") || { echo "bench: echoclient against $s failed" >&2; exit 1; }
      v=$(field w5_req_per_s <<<"$r")
      [ -n "$v" ] || { echo "bench: no w5_req_per_s from echoclient against $s: $r" >&2; exit 1; }
      echo "$v" >>"$OUT/w5.$s"
      stop_server
    done
  done
  line w5 echo_per_s "$OUT/w5.weft" c-epoll "$OUT/w5.c-epoll"
  line w5 echo_per_s "$OUT/w5.weft" go "$OUT/w5.go"
  ;;
w6)
  go_peer
  ensure have wrk -- wrk
  ensure have nginx -- nginx-light
  install_pkgs
  mkdir -p "$OUT/nginx/logs"
  build_weft example_http_server
  secs=${WEFT_BENCH_SECS:-10}
  servers="weft nginx go" # as for w5: w6_start starts each and sets its port
  w6_start() {
    case $1 in
    weft) port=9182; start_server weft-http $port "$OUT/examples/c/example_http_server" -w 2 $port ;;
    nginx) port=9181; start_server nginx $port nginx -p "$OUT/nginx" -e "$OUT/nginx/logs/error.log" \
      -c "$PEERS/nginx/nginx.conf" -g 'daemon off;' ;;
    go) port=9180; start_server go-http $port env GOMAXPROCS=2 "$OUT/peer-go" httpserver $port ;;
    esac
  }
  # the server's answer to one GET /: 200 and the 13-byte body, or the script stops
  w6_check() {
    local resp
    resp=$(exec 3<>"/dev/tcp/127.0.0.1/$port" &&
      printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 && timeout 5 cat <&3) || true
    if ! { head -n 1 <<<"$resp" | grep -q '^HTTP/1.1 200 ' && [ "${resp##*$'\r\n\r\n'}" = "Hello, World!" ]; }; then
      echo "bench: $1 on port $port did not answer GET / with 200 \"Hello, World!\":" >&2
      printf '%s\n' "$resp" >&2
      exit 1
    fi
  }
  for s in $servers; do : >"$OUT/w6.$s"; done
  for i in $(seq "$runs"); do
    for s in $servers; do
      w6_start "$s"
      w6_check "$s"
      r=$(wrk -t1 -c100 -d"${secs}s" "http://127.0.0.1:$port/") || { echo "bench: wrk against $s failed: $r" >&2; exit 1; }
      if grep -q 'Non-2xx' <<<"$r"; then
        echo "bench: $s answered with errors under load:" >&2; echo "$r" >&2; exit 1
      fi
      grep -i 'socket errors' <<<"$r" | sed "s/^ */bench: $s: /" >&2 || true
      v=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$r")
      [ -n "$v" ] || { echo "bench: no Requests/sec from wrk against $s: $r" >&2; exit 1; }
      echo "$v" >>"$OUT/w6.$s"
      stop_server
    done
  done
  line w6 req_per_s "$OUT/w6.weft" nginx "$OUT/w6.nginx"
  line w6 req_per_s "$OUT/w6.weft" go "$OUT/w6.go"
  ;;
w7)
  go_peer
  mkdir -p "$OUT"
  build_weft w7_chain
  for n in ${WEFT_BENCH_N:-100000 1000000}; do
    for p in 1 2; do
      : >"$OUT/w7.weft"; : >"$OUT/w7.go"; : >"$OUT/w7.wrss"; : >"$OUT/w7.grss"
      for i in $(seq "$runs"); do
        r=$("$OUT/bench/w7_chain" "$n" "$p")
        field w7_weft_ms <<<"$r" >>"$OUT/w7.weft"
        field w7_weft_peak_rss_kb <<<"$r" >>"$OUT/w7.wrss"
        r=$(GOMAXPROCS=$p "$OUT/peer-go" w7 "$n")
        field w7_ms <<<"$r" >>"$OUT/w7.go"
        field w7_peak_rss_kb <<<"$r" >>"$OUT/w7.grss"
      done
      line w7 "chain${n}_ms_p$p" "$OUT/w7.weft" go "$OUT/w7.go"
      line w7 "chain${n}_peak_rss_kb_p$p" "$OUT/w7.wrss" go "$OUT/w7.grss"
    done
  done
  ;;
ext)
  mkdir -p "$OUT"
  build_weft ext_pingpong
  : >"$OUT/ext.weft"; : >"$OUT/ext.line"
  for i in $(seq "$runs"); do
    r=$("$OUT/bench/ext_pingpong" "${WEFT_BENCH_N:-1000000}")
    field ext_ns_per_roundtrip <<<"$r" >>"$OUT/ext.weft"
    field line_ns_per_roundtrip <<<"$r" >>"$OUT/ext.line"
  done
  line ext roundtrip_ns "$OUT/ext.weft" line "$OUT/ext.line"
  ;;
sleep)
  mkdir -p "$OUT"
  build_weft sleep_precision
  : >"$OUT/sl.med"; : >"$OUT/sl.p99"
  for i in $(seq "$runs"); do
    r=$("$OUT/bench/sleep_precision")
    field sleep_1ms_median_late_us <<<"$r" >>"$OUT/sl.med"
    field sleep_1ms_p99_late_us <<<"$r" >>"$OUT/sl.p99"
  done
  echo "BENCH sleep median_late_us weft=$(median <"$OUT/sl.med") target=1000"
  echo "BENCH sleep p99_late_us weft=$(median <"$OUT/sl.p99")"
  ;;
java)
  J=$OUT/java
  mkdir -p "$J"
  quick=${WEFT_JMH_QUICK:-0}; forks=${2:-3}
  [ "$forks" = 1 ] && quick=1
  if [ "$quick" != 0 ]; then
    jmh=(-f 1 -wi 1 -w 1s -i 2 -r 1s)
  else
    jmh=(-f "$forks" -wi 4 -w 1s -i 6 -r 1s)
  fi
  # the Weft jars into ~/.m2, where bench/jmh/pom.xml finds them; then the benchmarks jar
  "$ROOT/mvnw" -q -f "$ROOT/pom.xml" install -DskipTests >"$J/install.log" 2>&1 ||
    { cat "$J/install.log"; exit 1; }
  "$ROOT/mvnw" -q -f "$ROOT/bench/jmh/pom.xml" package >"$J/build.log" 2>&1 ||
    { cat "$J/build.log"; exit 1; }
  # the JDK 21+ that ./mvnw picked: Maven's -v names the Java runtime it runs on
  jhome=$("$ROOT/mvnw" -B -v 2>/dev/null | sed -n 's/^Java version: .*, runtime: //p' | head -n 1)
  [ -n "$jhome" ] && [ -x "$jhome/bin/java" ] || { echo "bench: no JDK from ./mvnw -v (got '$jhome')" >&2; exit 1; }
  echo "bench: JMH on $jhome: ${jmh[*]} ${WEFT_JMH_ARGS:-} (log: $J/jmh.log)" >&2
  # shellcheck disable=SC2086 # WEFT_JMH_ARGS is a list of options
  "$jhome/bin/java" -jar "$ROOT/bench/jmh/target/benchmarks.jar" "${jmh[@]}" -foe true \
    -rf json -rff "$J/jmh.json" ${WEFT_JMH_ARGS:-} >"$J/jmh.log" 2>&1 ||
    { tail -n 60 "$J/jmh.log"; echo "bench: JMH failed, full log: $J/jmh.log" >&2; exit 1; }
  # every measurement iteration of every fork, one value a line, one file per benchmark
  # (dev.weft.jmh.MutexBench.weftContended with threads=4 -> MutexBench.weftContended.4)
  rm -f "$J"/*.raw
  python3 - "$J/jmh.json" "$J" <<'PY'
import json, sys
for b in json.load(open(sys.argv[1])):
    name = b["benchmark"].rsplit(".", 2)[-2:]
    key = ".".join(name + list(b.get("params", {}).values()))
    with open(f"{sys.argv[2]}/{key}.raw", "w") as f:
        for fork in b["primaryMetric"]["rawData"]:
            for v in fork:
                f.write(f"{v:.3f}\n")
PY
  jline() { jline2 "$1" "$2" weft "$3" "$4" "$5"; } # jline FIGURE METRIC WEFT-KEY PEER PEER-KEY
  jline2() { # jline2 FIGURE METRIC NAME-A KEY-A NAME-B KEY-B
    if [ -s "$J/$4.raw" ] && [ -s "$J/$6.raw" ]; then
      line2 "$1" "$2" "$3" "$J/$4.raw" "$5" "$J/$6.raw"
    else
      echo "bench: no result for $4 or $6 (filtered out?)" >&2
    fi
  }
  echo "bench: batches per JMH invocation: w3u 10000 round trips, w3b 100000 msgs, select4 10000 msgs (4x2500, unbuffered), w2 n=1000000 spawns then joins, mutex contended 262144 increments" >&2
  jline java-w3u roundtrip_ns W3u.weft sq W3u.sq
  jline java-w3u roundtrip_ns W3u.weft jox W3u.jox
  jline java-w3b msgs_per_s W3b.weft abq W3b.abq
  jline java-w3b msgs_per_s W3b.weft jox W3b.jox
  jline java-select4 ns_per_msg Select4.weft jox Select4.jox
  jline java-w2 ns_per_spawn W2.weft vthread W2.vthread
  jline2 java-scope ns_per_member scope ScopeBench.scope go_join ScopeBench.goJoin
  jline java-mutex uncontended_ns MutexBench.weftUncontended reentrantlock MutexBench.reentrantlockUncontended
  for t in 4 64; do
    jline java-mutex "contended${t}_ops_per_s" "MutexBench.weftContended.$t" reentrantlock "MutexBench.reentrantlockContended.$t"
  done
  # Mutex's other forms against the same ReentrantLock runs: JDK 21's
  # (MutexBenchJdk21: Unsafe's CAS) and the JNI one (MutexBenchJni)
  for form in jdk21 jni; do
    cls=MutexBenchJdk21; [ "$form" = jni ] && cls=MutexBenchJni
    jline "java-mutex-$form" uncontended_ns "$cls.weftUncontended" reentrantlock MutexBench.reentrantlockUncontended
    for t in 4 64; do
      jline "java-mutex-$form" "contended${t}_ops_per_s" "$cls.weftContended.$t" reentrantlock "MutexBench.reentrantlockContended.$t"
    done
  done
  # the uncontended fast path itself: the FFM CAS over the JNI call
  jline2 java-mutex-ffm-vs-jni uncontended_ns ffm MutexBench.weftUncontended jni MutexBenchJni.weftUncontended
  ;;
*)
  echo "bench: unknown workload '$workload' (have: w1 w2 w3 w4 w5 w6 w7 ext sleep java)" >&2
  exit 2
  ;;
esac
