// workerpool: a healthy pool: a dispatcher hands jobs to four workers, a collector reads
// their results. Workers are often idle on the job channel and the collector on the
// results: no deadlock, no leak. Prints "ready" once results arrive; runs until killed.
package main

import (
	"fmt"
	"sync"
	"time"
)

type Pool struct {
	jobs    chan int
	results chan int
	wg      sync.WaitGroup
}

func (p *Pool) worker(id int) {
	defer p.wg.Done()
	for j := range p.jobs {
		time.Sleep(time.Millisecond)
		p.results <- j + id
	}
}

func (p *Pool) dispatch() {
	for i := 0; ; i++ {
		time.Sleep(3 * time.Millisecond)
		p.jobs <- i
	}
}

func (p *Pool) collect() {
	n := 0
	for r := range p.results {
		n++
		if n == 5 {
			fmt.Println("ready")
		}
		handled(r)
	}
}

// handled is called for every result (a place for a breakpoint, also in an optimized
// build: not inlined away).
//
//go:noinline
func handled(r int) {}

func main() {
	p := &Pool{jobs: make(chan int), results: make(chan int)}
	for i := 0; i < 4; i++ {
		p.wg.Add(1)
		go p.worker(i)
	}
	go p.dispatch()
	go p.collect()
	p.wg.Wait()
	close(p.results)
}
