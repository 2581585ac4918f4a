// leak-timeout: each request starts a worker and gives up waiting for it after a
// timeout; the worker then blocks for ever sending its result on an unbuffered channel
// that nobody reads any more. Prints "ready" after three (-leaks N: N) requests timed out.
// Goroutines waiting on timers are not leaks (a heartbeat's Ticker, a janitor's select on
// time.After, a watchdog's Timer), but one waiting on a Timer stopped before it fired is.
package main

import (
	"errors"
	"fmt"
	"time"
)

var errTimeout = errors.New("timeout")

func slowLookup(key int) int {
	time.Sleep(30 * time.Millisecond)
	return key * 2
}

// lookup waits at most timeout for the worker; a late worker is leaked.
func lookup(key int, timeout time.Duration) (int, error) {
	result := make(chan int)
	go func() {
		result <- slowLookup(key)
	}()
	select {
	case v := <-result:
		return v, nil
	case <-time.After(timeout):
		return 0, errTimeout
	}
}

func heartbeat() {
	t := time.NewTicker(20 * time.Millisecond)
	for range t.C {
	}
}

// janitor waits for work or for time.After: the timer case wakes it.
func janitor(work <-chan int) {
	select {
	case <-work:
	case <-time.After(time.Hour):
	}
}

// watchdog waits on a Timer that will fire.
func watchdog() {
	t := time.NewTimer(time.Hour)
	<-t.C
}

// stale stops its Timer before it fires, then waits on it: nothing will ever send (a leak).
func stale() {
	t := time.NewTimer(time.Hour)
	t.Stop()
	<-t.C
}

func leaked() { fmt.Println("ready") }

func main() {
	go heartbeat()
	go janitor(make(chan int))
	go watchdog()
	go stale()
	for key := 0; key < *leaks; key++ {
		if _, err := lookup(key, time.Millisecond); err != nil {
			fmt.Println("lookup", key, err)
		}
	}
	if v, err := lookup(10, time.Second); err == nil {
		fmt.Println("lookup 10 =", v)
	}
	time.Sleep(100 * time.Millisecond)
	leaked()
	for {
		time.Sleep(10 * time.Millisecond)
	}
}
