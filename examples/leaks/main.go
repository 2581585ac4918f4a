// leaks: one process with every way goroutine-graph must find goroutines stuck for ever,
// beside the ways goroutines wait healthily that it must not flag. Each scenario is a
// function of its own whose goroutines' start functions name it:
//
//	leaked.go      stuck for ever, but no cycle: leaks
//	deadlocked.go  stuck for ever in a cycle: deadlocks
//	healthy.go     waiting on something that will (or may) wake them: no finding
//
// Every scenario is started and handshaken into place, then main waits a moment for the
// last goroutines to park, prints "ready" and keeps running (sleeping in a loop, as a
// service's main does): the Go runtime's "all goroutines are asleep" check never fires.
// main keeps alive only what a scenario says it keeps (package variables, or the values
// kept by runtime.KeepAlive at the end of its loop).
//
//	leaks [-n 2000]
package main

import (
	"flag"
	"fmt"
	"runtime"
	"time"
)

func main() {
	n := flag.Int("n", 2000, "server workers blocked receiving on the jobs channel main keeps")
	flag.Parse()

	// Stuck for ever, no cycle.
	contextLeak()
	closureLeak()
	rwmutexPileup()
	condPileup()
	if err := errgroupStall(); err == nil {
		panic("errgroupStall: no error")
	}
	selectLeak()

	// Stuck for ever in a cycle.
	dining()
	ring()
	accounts := accountDeadlock()
	packageMutexDeadlock()

	// Waiting, not stuck.
	contextTimers()
	timers()
	netWaits()
	startMailboxes()
	jobs := server(*n)
	httpKeepAlive()
	selectTimeout()

	time.Sleep(200 * time.Millisecond) // every goroutine parks where its scenario says
	fmt.Println("ready")
	for {
		time.Sleep(10 * time.Millisecond) // serving
		runtime.KeepAlive(accounts)
		runtime.KeepAlive(jobs)
	}
}
