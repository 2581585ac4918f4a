// incident is a small inventory service with two bugs, as they reach production: built
// with a plain `go build`, it serves HTTP on 127.0.0.1 and drives itself with a client.
//
//   - The timeout leak: /price asks a slow pricing backend with a deadline; when the
//     deadline passes first, the handler returns and the backend's goroutine blocks for
//     ever sending its answer on an unbuffered channel nobody reads any more.
//   - The lock-order deadlock: /move takes the two warehouses' locks in the order of its
//     arguments, so a move from A to B and one from B to A, at the same time, each hold
//     one lock and wait for the other for ever. Every later request for those
//     warehouses piles up behind them.
//
// The service itself stays up (its listener, its client, a metrics ticker): Go's "all
// goroutines are asleep" check never fires, as in a real outage. It prints "ready" once
// -leaks requests have timed out and the deadlock has formed, then keeps serving (and
// leaking: a price request every 20 ms).
//
//	incident [-leaks 40] [-addr 127.0.0.1:0]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Warehouse is one site's stock, under its own lock.
type Warehouse struct {
	name  string
	mu    sync.Mutex
	stock map[string]int
}

// inventory is the service's state: every warehouse, reachable from this package variable.
var inventory = map[string]*Warehouse{
	"A": {name: "A", stock: map[string]int{"widget": 500}},
	"B": {name: "B", stock: map[string]int{"widget": 300}},
}

var timedOut atomic.Int64

// quote is the pricing backend: slower than the handler is willing to wait.
func quote(item string, answer chan<- int) {
	time.Sleep(50 * time.Millisecond)
	answer <- len(item) * 100 // blocks for ever once the handler has given up: the leak
}

func price(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Millisecond)
	defer cancel()
	answer := make(chan int) // unbuffered: the bug (make(chan int, 1) would let quote finish)
	go quote(r.URL.Query().Get("item"), answer)
	select {
	case p := <-answer:
		fmt.Fprintln(w, p)
	case <-ctx.Done():
		timedOut.Add(1)
		http.Error(w, "pricing timed out", http.StatusGatewayTimeout)
	}
}

// moving lets the test of the bug be certain: both moves hold their first lock before
// either takes its second.
var moving sync.WaitGroup

// move takes from's lock, then to's: two moves in opposite directions deadlock.
func move(from, to *Warehouse, item string, n int) {
	from.mu.Lock()
	defer from.mu.Unlock()
	moving.Done()
	moving.Wait()
	to.mu.Lock()
	defer to.mu.Unlock()
	from.stock[item] -= n
	to.stock[item] += n
}

func moveHandler(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to := inventory[q.Get("from")], inventory[q.Get("to")]
	if from == nil || to == nil {
		http.Error(w, "no such warehouse", http.StatusNotFound)
		return
	}
	move(from, to, "widget", 1)
	fmt.Fprintln(w, "moved")
}

// stockHandler reads one warehouse: behind the deadlock, it waits too.
func stockHandler(w http.ResponseWriter, r *http.Request) {
	wh := inventory[r.URL.Query().Get("at")]
	if wh == nil {
		http.Error(w, "no such warehouse", http.StatusNotFound)
		return
	}
	wh.mu.Lock()
	defer wh.mu.Unlock()
	fmt.Fprintln(w, wh.stock["widget"])
}

// metrics ticks for ever, as a real service's reporter does: it keeps the runtime from
// declaring the process deadlocked.
func metrics() {
	t := time.NewTicker(100 * time.Millisecond)
	for range t.C {
	}
}

func get(client *http.Client, url string) {
	resp, err := client.Get(url)
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}

func main() {
	leaks := flag.Int("leaks", 40, "requests to time out before printing ready")
	addr := flag.String("addr", "127.0.0.1:0", "where to listen")
	flag.Parse()

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/price", price)
	mux.HandleFunc("/move", moveHandler)
	mux.HandleFunc("/stock", stockHandler)
	srv := &http.Server{Handler: mux}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	go metrics()

	base := "http://" + l.Addr().String()
	client := &http.Client{}
	for timedOut.Load() < int64(*leaks) {
		get(client, base+"/price?item=widget")
	}
	// Two moves at once, in opposite directions, then two readers that queue behind them.
	moving.Add(2)
	go get(&http.Client{}, base+"/move?from=A&to=B")
	go get(&http.Client{}, base+"/move?from=B&to=A")
	moving.Wait()
	time.Sleep(20 * time.Millisecond) // both are now blocked on their second lock
	go get(&http.Client{}, base+"/stock?at=A")
	go get(&http.Client{}, base+"/stock?at=B")
	time.Sleep(20 * time.Millisecond)
	fmt.Println("ready")
	// Traffic goes on, and every price request that times out leaks one more goroutine.
	for {
		get(client, base+"/price?item=gadget")
		time.Sleep(20 * time.Millisecond)
	}
}

