#!/usr/bin/env bash
# bench/run.sh WORKLOAD [RUNS] - runs Weft and its peer side by side, in one
# run, and prints one line per figure:
#   BENCH <workload> <metric> weft=<v> <peer>=<v> ratio=<weft/peer>
#
# Workloads:
#   w1   switch cost: weft generator resume+yield vs Boost.Context fcontext
#        (../shared/peers/boost). Prints ns per switch (median of RUNS runs,
#        runs alternated so both see the same machine load) and instructions
#        per switch from valgrind --tool=callgrind (repeatable on a noisy
#        machine): the instructions executed inside the switch API itself
#        (weft_gen_resume + weft_gen_yield + weft_ctx_switch per switch,
#        jump_fcontext per switch), not the benchmark loops around them.
#
#   w2   spawn n coroutines that each signal a WaitGroup, then wait (n =
#        1M): ns per spawn and peak RSS, at 1 and 2 workers vs Go at
#        GOMAXPROCS 1 and 2 (../shared/peers/go).
#   w3   channels vs Go: unbuffered ping-pong round trip (ns) and buffered
#        cap-1024 producer/consumer throughput (msgs/s), 1 and 2 workers.
#   sleep  weft_sleep precision: median and p99 lateness of 1 ms sleeps by
#        1000 coroutines (target: median within 1 ms). No peer: printed as
#        BENCH sleep <metric> weft=<v> target=<v>.
#   w4   memory per idle coroutine: 1M parked on a channel receive, and
#        1M in a one-hour sleep, RSS growth / n, vs Go's goroutines.
#
# Environment: WEFT_PEERS (default ../shared/peers next to the repo),
# WEFT_BENCH_N (w1: round trips per timed run, default 20000000; w2/w4:
# coroutines, default 1000000; w3: messages).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${WEFT_PEERS:-$ROOT/../shared/peers}
OUT=$ROOT/build-bench
workload=${1:?usage: bench/run.sh w1|w2|w3|w4|sleep [runs]}
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

go_peer() { # builds ../shared/peers/go once, into $OUT/peer-go
  [ -f "$PEERS/go/main.go" ] || { echo "bench: peer not found: $PEERS/go (set WEFT_PEERS)" >&2; exit 1; }
  if ! command -v go >/dev/null 2>&1; then
    echo "bench: installing golang-go" >&2
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q golang-go >/dev/null
  fi
  mkdir -p "$OUT/gocache"
  (cd "$PEERS/go" && GOCACHE="$OUT/gocache" GOFLAGS=-mod=mod go build -o "$OUT/peer-go" .)
}

# line WORKLOAD METRIC WEFT-FILE PEER-NAME PEER-FILE: median of each, ratio
line() {
  local w p
  w=$(median <"$3"); p=$(median <"$5")
  echo "BENCH $1 $2 weft=$w $4=$p ratio=$(ratio "$w" "$p")"
}

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
  # switches: weft 2 per round trip (warm-up n/10 + n); fcontext the same,
  # plus 1 to enter the coroutine and 2 per make+run of its n/4 spawn loop.
  wsw=$(( 2 * (cn + cn / 10) + 1 ))
  fsw=$(( 2 * (cn + cn / 10) + 1 + 2 * (cn / 4) ))
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
*)
  echo "bench: unknown workload '$workload' (have: w1 w2 w3 w4 sleep)" >&2
  exit 2
  ;;
esac
