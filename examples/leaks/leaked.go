// Goroutines stuck for ever that are in no cycle: leaks. Each waits on an object that only
// goroutines stuck for ever reach: no package variable, no running goroutine, no timer.
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// contextLeak: the cancel func of a context is dropped, so nothing that runs can ever
// cancel it; its three waiters are all that reach it (a Background parent keeps no child).
func contextLeak() {
	ctx, cancel := context.WithCancel(context.Background())
	_ = cancel // dropped: the bug
	var started sync.WaitGroup
	for i := 0; i < 3; i++ {
		started.Add(1)
		go ctxWaiter(ctx, &started)
	}
	started.Wait()
}

func ctxWaiter(ctx context.Context, started *sync.WaitGroup) {
	started.Done()
	<-ctx.Done()
}

// closureLeak: the receiver's channel is captured only by the closure another goroutine
// holds, and that goroutine waits on a channel only it reaches: both leak.
func closureLeak() {
	ch := make(chan int)
	go closureReceiver(ch)
	go closureHolder(func(v int) { ch <- v }, make(chan struct{}))
}

func closureReceiver(ch <-chan int) {
	v := <-ch
	fmt.Println("received", v)
}

// closureHolder would call back once quit is closed; nothing can close it.
func closureHolder(send func(int), quit <-chan struct{}) {
	<-quit
	send(1)
}

type cache struct {
	mu      sync.RWMutex
	entries map[string]string
}

// rwmutexPileup: a writer takes the write lock and waits for ever for a refill nobody can
// send; three readers pile up behind it on RLock. Only these four reach the cache.
func rwmutexPileup() {
	c := &cache{entries: map[string]string{}}
	locked := make(chan struct{})
	go rwWriter(c, locked)
	<-locked
	var reading sync.WaitGroup
	for i := 0; i < 3; i++ {
		reading.Add(1)
		go rwReader(c, &reading)
	}
	reading.Wait()
}

func rwWriter(c *cache, locked chan<- struct{}) {
	c.mu.Lock()
	close(locked)
	refill := make(chan map[string]string) // reached by this goroutine alone
	c.entries = <-refill
	c.mu.Unlock()
}

func rwReader(c *cache, reading *sync.WaitGroup) string {
	reading.Done()
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.entries["key"]
}

type queue struct {
	mu    sync.Mutex
	ready *sync.Cond
	items []int
}

// condPileup: three consumers wait on a cond that no producer will ever Signal: the queue
// (its mutex and cond) is reached by them alone.
func condPileup() {
	q := &queue{}
	q.ready = sync.NewCond(&q.mu)
	var waiting sync.WaitGroup
	for i := 0; i < 3; i++ {
		waiting.Add(1)
		go condWaiter(q, &waiting)
	}
	waiting.Wait()
	// Each consumer called Done holding q.mu, which only cond.Wait releases (once it is on
	// the cond's list): when the lock is ours, all three wait.
	q.mu.Lock()
	q.mu.Unlock()
}

func condWaiter(q *queue, waiting *sync.WaitGroup) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	waiting.Done()
	for len(q.items) == 0 {
		q.ready.Wait()
	}
	item := q.items[0]
	q.items = q.items[1:]
	return item
}

// errgroupStall: errgroup done by hand, wrong. Four jobs, two of which fail; the caller
// returns the first error it receives, so the second failing worker blocks for ever
// sending on the unbuffered errc (no one else reaches it), and the waiter that would
// report completion blocks for ever in wg.Wait (only that worker would call Done; the
// waiter does not reach errc: no cycle). The workers that finish leave their stacks to the
// runtime, and goroutines started later run on them: words their frames have not written
// yet may still hold &wg, which is no reference.
func errgroupStall() error {
	var wg sync.WaitGroup
	errc := make(chan error) // unbuffered: the bug
	done := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go errgroupWorker(i, &wg, errc)
	}
	go errgroupWaiter(&wg, done)
	select {
	case err := <-errc:
		return err // the first error; the other failing worker's send is never received
	case <-done:
		return nil
	}
}

func errgroupWorker(job int, wg *sync.WaitGroup, errc chan<- error) {
	defer wg.Done()
	if job%2 == 1 {
		errc <- fmt.Errorf("job %d: %w", job, errors.ErrUnsupported)
	}
}

func errgroupWaiter(wg *sync.WaitGroup, done chan<- struct{}) {
	wg.Wait()
	close(done)
}

// selectLeak: a select over two channels no one else reaches.
func selectLeak() {
	go selectStuck(make(chan int), make(chan string))
}

func selectStuck(replies <-chan int, errs <-chan string) {
	select {
	case r := <-replies:
		fmt.Println("reply", r)
	case e := <-errs:
		fmt.Println("error", e)
	}
}
