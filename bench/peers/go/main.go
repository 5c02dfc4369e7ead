// Command peer-go is Weft's Go peer: the same workloads as the Weft
// benchmarks in bench/, written with goroutines and channels, so that
// bench/run.sh can print every Weft figure as a ratio to Go's, measured in
// the same run. Each verb prints one "RESULT key=value ..." line; run.sh
// picks the keys it needs out of it. GOMAXPROCS is set by the caller
// (run.sh runs w2 and w3 at 1 and 2) except for w1, which pins itself to 1.
//
//	peer-go w1 [N]        two goroutines on one P, each calling Gosched N times
//	peer-go w1one [N]     one goroutine calling Gosched N times
//	peer-go w2 [N]        spawn N goroutines that signal a WaitGroup, wait
//	peer-go w3u [N]       unbuffered ping-pong, N round trips
//	peer-go w3b [N]       cap-1024 producer/consumer, N messages
//	peer-go w4 [N]        N goroutines parked on a receive: RSS growth / N
//	peer-go w4sleep [N]   N goroutines in a one-hour time.Sleep: RSS growth / N
//	peer-go echoserver [PORT]                  echo every byte back, one goroutine a connection
//	peer-go echoclient [PORT [CONNS [SECS]]]   closed-loop 64-byte echo load
//	peer-go httpserver [PORT]                  net/http, 13-byte text/plain body
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Ports the network verbs use when none is given (documented in ../README.md).
const (
	defaultEchoPort = 9100
	defaultHTTPPort = 9180
)

// statusKB returns a "kB" field of /proc/self/status (VmRSS, VmHWM), or -1.
func statusKB(name string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		key, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok || string(key) != name {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) == 0 {
			return -1
		}
		v, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return -1
		}
		return v
	}
	return -1
}

// intArg is os.Args[i] as an int, or def when it is absent.
func intArg(i, def int) int {
	if i >= len(os.Args) {
		return def
	}
	v, err := strconv.Atoi(os.Args[i])
	if err != nil || v <= 0 {
		fmt.Fprintf(os.Stderr, "peer-go: bad argument %q\n", os.Args[i])
		os.Exit(2)
	}
	return v
}

func perOp(d time.Duration, ops int) float64 { return float64(d.Nanoseconds()) / float64(ops) }

// w1: with one P, a Gosched by one of two runnable goroutines hands the P
// to the other, so 2N Gosched calls are 2N switches.
func switchPair(n int) {
	runtime.GOMAXPROCS(1)
	var ready, finished sync.WaitGroup
	gate := make(chan struct{})
	ready.Add(2)
	finished.Add(2)
	for k := 0; k < 2; k++ {
		go func() {
			defer finished.Done()
			ready.Done()
			<-gate
			for i := 0; i < n; i++ {
				runtime.Gosched()
			}
		}()
	}
	ready.Wait()
	begin := time.Now()
	close(gate)
	finished.Wait()
	fmt.Printf("RESULT w1_gosched_pair_ns_per_switch=%.2f\n", perOp(time.Since(begin), 2*n))
}

// w1one: a lone goroutine's Gosched goes to the scheduler and comes back.
func switchOne(n int) {
	runtime.GOMAXPROCS(1)
	begin := time.Now()
	for i := 0; i < n; i++ {
		runtime.Gosched()
	}
	fmt.Printf("RESULT w1_gosched_single_ns_per_yield=%.2f\n", perOp(time.Since(begin), n))
}

// w2: spawn+join cost, and the peak RSS it leaves behind.
func spawnJoin(n int) {
	before := statusKB("VmRSS")
	var wg sync.WaitGroup
	wg.Add(n)
	begin := time.Now()
	for i := 0; i < n; i++ {
		go wg.Done()
	}
	wg.Wait()
	took := time.Since(begin)
	fmt.Printf("RESULT w2_ns_per_spawn=%.2f w2_peak_rss_kb=%d w2_base_rss_kb=%d gomaxprocs=%d\n",
		perOp(took, n), statusKB("VmHWM"), before, runtime.GOMAXPROCS(0))
}

// w3u: main sends on ping, a partner echoes it on pong; a round trip is
// two rendezvous. 10000 untimed round trips first.
func pingPong(n int) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		defer close(pong)
		for v := range ping {
			pong <- v
		}
	}()
	trip := func(count int) {
		for i := 0; i < count; i++ {
			ping <- i
			if <-pong != i {
				panic("w3u: echo mismatch")
			}
		}
	}
	trip(10000)
	begin := time.Now()
	trip(n)
	took := time.Since(begin)
	close(ping)
	fmt.Printf("RESULT w3u_ns_per_roundtrip=%.2f gomaxprocs=%d\n", perOp(took, n), runtime.GOMAXPROCS(0))
}

// w3b: main sends 0..N-1 into a cap-1024 channel and closes it; a partner
// sums until closed and hands back the sum. Timed from the first send to
// the sum's arrival.
func buffered(n int) {
	ch := make(chan int, 1024)
	sum := make(chan int64, 1)
	go func() {
		var s int64
		for v := range ch {
			s += int64(v)
		}
		sum <- s
	}()
	begin := time.Now()
	for i := 0; i < n; i++ {
		ch <- i
	}
	close(ch)
	got := <-sum
	took := time.Since(begin)
	if want := int64(n) * int64(n-1) / 2; got != want {
		panic("w3b: wrong sum")
	}
	fmt.Printf("RESULT w3b_msgs_per_s=%.0f w3b_ns_per_msg=%.2f gomaxprocs=%d\n",
		float64(n)/took.Seconds(), perOp(took, n), runtime.GOMAXPROCS(0))
}

// w4: N goroutines parked (on a receive that never comes, or in an hour's
// sleep); once all have parked and things have settled, RSS growth / N.
func idle(n int, kind string) {
	runtime.GC()
	before := statusKB("VmRSS")
	never := make(chan struct{})
	var parked atomic.Int64
	body := func() {
		parked.Add(1)
		<-never
	}
	if kind == "sleep" {
		body = func() {
			parked.Add(1)
			time.Sleep(time.Hour)
		}
	}
	begin := time.Now()
	for i := 0; i < n; i++ {
		go body()
	}
	for parked.Load() < int64(n) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	spawnMs := time.Since(begin).Milliseconds()
	rss, hwm := statusKB("VmRSS"), statusKB("VmHWM")
	per := func(kb int64) float64 { return float64(kb-before) * 1024 / float64(n) }
	fmt.Printf("RESULT w4_%s_bytes_per_g=%.0f w4_%s_peak_bytes_per_g=%.0f w4_base_rss_kb=%d w4_rss_kb=%d w4_spawn_ms=%d\n",
		kind, per(rss), kind, per(hwm), before, rss, spawnMs)
	// Unwinding N parked goroutines is not part of the measurement.
	os.Exit(0)
}

func listen(port int) net.Listener {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer-go:", err)
		os.Exit(1)
	}
	fmt.Println("listening", addr)
	return ln
}

// echoserver: one goroutine per connection copying what it reads back.
func echoServer(port int) {
	ln := listen(port)
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 4096)
			for {
				k, err := c.Read(buf)
				if k > 0 {
					if _, werr := c.Write(buf[:k]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// echoclient: CONNS connections, each in a closed loop of "write 64 bytes,
// read 64 bytes back" for SECS seconds; prints echoes per second overall.
func echoClient(port, conns, secs int) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cs := make([]net.Conn, 0, conns)
	for len(cs) < conns {
		var c net.Conn
		var err error
		for attempt := 0; attempt < 50; attempt++ { // the server may still be starting
			if c, err = net.Dial("tcp", addr); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "peer-go:", err)
			os.Exit(1)
		}
		cs = append(cs, c)
	}
	msg := make([]byte, 64)
	for i := range msg {
		msg[i] = 'a' + byte(i%26)
	}
	var total atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	end := begin.Add(time.Duration(secs) * time.Second)
	for _, c := range cs {
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			defer c.Close()
			back := make([]byte, len(msg))
			var done int64
			for {
				// look at the clock once every 64 echoes, not every echo
				if done%64 == 0 && !time.Now().Before(end) {
					break
				}
				if _, err := c.Write(msg); err != nil {
					break
				}
				if _, err := io.ReadFull(c, back); err != nil {
					break
				}
				done++
			}
			total.Add(done)
		}(c)
	}
	wg.Wait()
	took := time.Since(begin)
	fmt.Printf("RESULT w5_req_per_s=%.0f w5_total=%d conns=%d secs=%.2f\n",
		float64(total.Load())/took.Seconds(), total.Load(), conns, took.Seconds())
}

// w7: Go's test/chan/goroutines.go. n goroutines in a chain, each blocked
// receiving from its right neighbour until one value is sent into the far
// end and passed all the way left; all n are alive at once.
func chain(n int) {
	begin := time.Now()
	leftmost := make(chan int)
	left, right := leftmost, leftmost
	for i := 0; i < n; i++ {
		right = make(chan int)
		go func(l, r chan int) { l <- <-r }(left, right)
		left = right
	}
	go func(c chan int) { c <- 1 }(right)
	<-leftmost
	took := time.Since(begin)
	fmt.Printf("RESULT w7_ms=%.1f w7_peak_rss_kb=%d n=%d\n", float64(took.Nanoseconds())/1e6, statusKB("VmHWM"), n)
}

// httpserver: every request answered with the 13-byte body "Hello, World!".
func httpServer(port int) {
	body := []byte("Hello, World!")
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})
	ln := listen(port)
	if err := http.Serve(ln, mux); err != nil {
		fmt.Fprintln(os.Stderr, "peer-go:", err)
		os.Exit(1)
	}
}

func main() {
	verb := ""
	if len(os.Args) > 1 {
		verb = os.Args[1]
	}
	switch verb {
	case "w1":
		switchPair(intArg(2, 10000000))
	case "w1one":
		switchOne(intArg(2, 10000000))
	case "w2":
		spawnJoin(intArg(2, 1000000))
	case "w3u":
		pingPong(intArg(2, 1000000))
	case "w3b":
		buffered(intArg(2, 10000000))
	case "w4":
		idle(intArg(2, 1000000), "chan")
	case "w4sleep":
		idle(intArg(2, 1000000), "sleep")
	case "w7":
		chain(intArg(2, 100000))
	case "echoserver":
		echoServer(intArg(2, defaultEchoPort))
	case "echoclient":
		echoClient(intArg(2, defaultEchoPort), intArg(3, 100), intArg(4, 10))
	case "httpserver":
		httpServer(intArg(2, defaultHTTPPort))
	default:
		fmt.Fprintln(os.Stderr, "usage: peer-go w1|w1one|w2|w3u|w3b|w4|w4sleep|w7 [N] | echoserver [PORT] | echoclient [PORT [CONNS [SECS]]] | httpserver [PORT]")
		os.Exit(2)
	}
}
