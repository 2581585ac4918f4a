// waitgroup-stuck: a batch waits for its workers before closing their job channel, and
// the workers wait for that channel to close: the coordinator and its workers wait on
// each other. The rest of the program runs on. Prints "ready" once all are blocked.
package main

import (
	"fmt"
	"sync"
	"time"
)

func worker(jobs <-chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for j := range jobs {
		_ = j * j
	}
}

// batch hands out jobs, then (the bug) waits for the workers before close(jobs).
func batch(n int) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go worker(jobs, &wg)
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	wg.Wait()
	close(jobs)
}

func heartbeat() {
	t := time.NewTicker(20 * time.Millisecond)
	for range t.C {
	}
}

func stuck() { fmt.Println("ready") }

func main() {
	go heartbeat()
	go batch(10)
	time.Sleep(200 * time.Millisecond)
	stuck()
	for {
		time.Sleep(10 * time.Millisecond)
	}
}
