// parked: goroutines that block for ever, one in each way a goroutine waits, so that a
// debugger's goroutine list can be checked against Go's own traceback of the same process
// (SIGQUIT with GOTRACEBACK=all). Some are started as `go f(x)` of small functions the
// compiler inlines into the go statement's wrapper in an optimized build. It links
// runtime/cgo, as a program using the cgo resolver does: from Go 1.26 that keeps a g in
// _Gdeadextra for callbacks from C threads, which is not a goroutine. Prints "ready" once
// every goroutine is started; the test waits until each one is parked.
package main

import (
	"fmt"
	"net"
	"sync"
	"time"

	_ "runtime/cgo"
)

func receiver(c chan int) { <-c }

func sender(c chan int) { c <- 1 }

func chooser(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}

func sleeper(d time.Duration) { time.Sleep(d) }

func nilReceiver() {
	var c chan int
	<-c
}

func locker(mu *sync.Mutex) {
	mu.Lock()
}

func reader(rw *sync.RWMutex) {
	rw.RLock()
}

func waiter(wg *sync.WaitGroup) { wg.Wait() }

func condWaiter(c *sync.Cond) {
	c.L.Lock()
	c.Wait()
}

// acceptor waits in the network poller: an accept nobody connects to.
//
//go:noinline
func acceptor(l net.Listener) {
	if conn, err := l.Accept(); err == nil {
		conn.Close()
	}
}

// worker blocks in a function of its own, not inlined: the start function is the wrapper's call.
//
//go:noinline
func worker(id int, jobs chan int) {
	for j := range jobs {
		fmt.Println(id, j)
	}
}

func main() {
	never := make(chan int)
	go receiver(never)
	go sender(make(chan int))
	go chooser(never, make(chan int))
	go sleeper(time.Hour)
	go nilReceiver()
	go worker(1, make(chan int))

	var mu sync.Mutex
	mu.Lock()
	go locker(&mu)
	var rw sync.RWMutex
	rw.Lock()
	go reader(&rw)
	var wg sync.WaitGroup
	wg.Add(1)
	go waiter(&wg)
	cond := sync.NewCond(&sync.Mutex{})
	go condWaiter(cond)
	go func() {
		<-never
	}()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go acceptor(l)

	fmt.Println("ready")
	select {}
}
