// many starts a large number of goroutines in the ways real services block, prints
// "ready", and waits: for benchmarks and tests at scale (10,000 goroutines by default).
//
//	many [-n 10000] [-depth 8]
package main

import (
	"flag"
	"fmt"
	"sync"
	"time"
)

var (
	requests = make(chan int)      // receivers park here
	mu       sync.Mutex            // held by main: lockers park here
	never    = make(chan struct{}) // select cases
	wg       sync.WaitGroup
)

// nest gives each goroutine a stack of some depth before it blocks.
func nest(depth int, block func()) {
	if depth == 0 {
		block()
		return
	}
	nest(depth-1, block)
}

func receiver() { <-requests }

func locker() {
	mu.Lock()
	defer mu.Unlock()
}

func selector() {
	select {
	case <-never:
	case <-requests:
	}
}

func sleeper() { time.Sleep(time.Hour) }

func main() {
	n := flag.Int("n", 10000, "goroutines to start")
	depth := flag.Int("depth", 8, "frames each goroutine nests before it blocks")
	flag.Parse()

	mu.Lock()
	kinds := []func(){receiver, locker, selector, sleeper}
	for i := 0; i < *n; i++ {
		block := kinds[i%len(kinds)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			nest(*depth, block)
		}()
	}
	time.Sleep(200 * time.Millisecond) // let them all reach their blocking point
	fmt.Println("ready")
	wg.Wait()
}
