// stackdiff is the program the stackdiff tests run. It stops twice at main.checkpoint
// (a breakpoint under Delve); between the two stops it starts some goroutines, ends
// others and makes one recurse much deeper:
//
//	checkpoint 1: 3 stayers, 2 leavers, 1 deep goroutine 10 calls down
//	checkpoint 2: 3 stayers, 4 newcomers, 1 labelled newcomer, the deep goroutine
//	              -depth (2000) calls further down; the leavers have ended
//
//	stackdiff [-depth 2000] [-hold]
//
// With -hold it prints "checkpoint N" at each stop and waits for a line on stdin, so a
// test can take a core dump or attach without a breakpoint.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"time"
)

var (
	forever = make(chan struct{}) // never closed: stayers and newcomers park here
	leave   = make(chan struct{}) // closed between the stops: the leavers end
	deeper  = make(chan int)      // how much further the deep goroutine recurses

	hold  = flag.Bool("hold", false, "print and wait for stdin at each checkpoint")
	depth = flag.Int("depth", 2000, "how many calls deeper the deep goroutine goes")
	stdin = bufio.NewReader(os.Stdin)
)

// park is small enough to be inlined in an optimized build: stacks then hold inlined frames.
func park(c chan struct{}) { <-c }

func stayer()   { park(forever) }
func leaver()   { park(leave) }
func newcomer() { park(forever) }

func labelled() {
	pprof.Do(context.Background(), pprof.Labels("job", "stackdiff"), func(context.Context) { park(forever) })
}

func deep() { descend(10) }

// descend recurses N calls, then waits at the bottom to be told to go deeper.
func descend(n int) {
	if n > 0 {
		descend(n - 1)
		return
	}
	more := <-deeper
	if more > 0 {
		descend(more)
	}
}

// checkpoint is where the tests' breakpoint stops.
//
//go:noinline
func checkpoint(n int) {
	if *hold {
		fmt.Printf("checkpoint %d\n", n)
		stdin.ReadString('\n')
	}
}

// settle waits until USER goroutines run (main included) and PARKED of them wait on a
// channel in package main, so each checkpoint sees every goroutine at rest.
func settle(user, parked int) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		count := 0
		for _, g := range bytes.Split(buf[:n], []byte("\n\n")) {
			if bytes.Contains(g, []byte("[chan receive")) && bytes.Contains(g, []byte("main.")) {
				count++
			}
		}
		if runtime.NumGoroutine() == user && count == parked {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func main() {
	flag.Parse()
	debug.SetGCPercent(-1) // no GC: its background workers would appear between the stops

	for i := 0; i < 3; i++ {
		go stayer()
	}
	for i := 0; i < 2; i++ {
		go leaver()
	}
	go deep()
	settle(1+6, 6)
	checkpoint(1)

	close(leave)
	settle(1+4, 4)
	for i := 0; i < 4; i++ {
		go newcomer()
	}
	go labelled()
	deeper <- *depth
	settle(1+9, 9)
	checkpoint(2)
	fmt.Println("done")
}
