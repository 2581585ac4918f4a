// scheduler is the program notebooks/teaching-scheduler.ipynb debugs: a class's look at
// goroutines, the scheduler and the heap. It stops at five lessons, each a call of
// lesson(n) that the notebook breaks on (break main.lesson, then continue):
//
//	lesson 1: goroutines parked in each way (channel receive, channel send, select,
//	          mutex, sleep), a goroutine 20 calls deep, and two busy ones that only
//	          want the CPU
//	lesson 2: main has sent the receiver its value and stopped the busy ones: they are gone
//	lesson 3: the deep goroutine has gone 3000 calls further: its stack was copied to a bigger one
//	lesson 4: a "first answer wins" helper has returned and left its losers behind (a leak)
//	lesson 5: 64 MiB of garbage waits for a collection (the automatic GC is off)
package main

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

var (
	inbox  = make(chan int)    // the receiver waits here for main's value
	outbox = make(chan string) // the sender waits here: main receives only at the end
	left   = make(chan int)    // the chooser waits on left and right at once
	right  = make(chan int)
	deeper = make(chan int) // tells the digger how many calls further to go
	mu     sync.Mutex       // main holds it; the locker waits for it
	stop   atomic.Bool      // tells the spinners to stop
)

func receiver() {
	v := <-inbox // parked: "chan receive"
	fmt.Println("receiver got", v)
}

func sender() {
	outbox <- "hello" // parked: "chan send", until someone receives
}

func chooser() {
	select { // parked: "select", on two channels at once
	case <-left:
	case <-right:
	}
}

func locker() {
	mu.Lock() // parked: "sync.Mutex.Lock", main holds mu
	mu.Unlock()
}

func sleeper() {
	time.Sleep(time.Hour) // parked: "sleep", until a timer wakes it
}

// spinner never blocks: it only wants the CPU. With one P (GOMAXPROCS(1)) one goroutine
// runs at a time; the others that could run wait for their turn as "runnable".
func spinner(started *sync.WaitGroup) {
	started.Done()
	n := 0
	for !stop.Load() {
		n++ // busy work
	}
}

// dig recurses n calls, then waits at the bottom to be told how many more to go.
func dig(n int) {
	if n > 0 {
		dig(n - 1)
		return
	}
	more := <-deeper // parked: "chan receive", at the bottom
	if more > 0 {
		dig(more)
	}
}

// firstAnswer asks three mirrors and returns the first answer. The bug is on purpose:
// answers is unbuffered, so each losing mirror waits for ever to send an answer
// nobody will read (nothing else has the channel). make(chan string, 3) would fix it.
func firstAnswer() string {
	answers := make(chan string)
	for _, name := range []string{"mirror-a", "mirror-b", "mirror-c"} {
		go ask(name, answers)
	}
	return <-answers
}

func ask(name string, answers chan<- string) {
	answers <- name // the losers stay parked here: "chan send"
}

// makeGarbage allocates 64 MiB in 1 MiB slices, writes to every page so that Linux really
// backs them with memory, and drops them all when it returns.
func makeGarbage() {
	var junk [][]byte
	for i := 0; i < 64; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		junk = append(junk, b)
	}
	fmt.Println("made", len(junk), "MiB of garbage")
}

// settle waits until the program has n goroutines (main included) and every one but main
// is parked. A handshake cannot tell us that: a goroutine can signal just before it
// blocks, never just after. So we ask the runtime, as the debugger will.
func settle(n int) {
	buf := make([]byte, 1<<16)
	for {
		k := runtime.Stack(buf, true) // every goroutine's header, e.g. "goroutine 7 [chan send]:"
		s := buf[:k]
		if runtime.NumGoroutine() == n && bytes.Count(s, []byte("[running]")) == 1 && !bytes.Contains(s, []byte("[runnable]")) {
			return
		}
		runtime.Gosched() // let the others run until they park
	}
}

// lesson is where the notebook stops (break main.lesson). main says which lesson it is
// before the call, so the line shows in the notebook before the stop.
//
//go:noinline
func lesson(n int) {}

func main() {
	runtime.GOMAXPROCS(1)  // one P: one goroutine runs Go code at a time
	debug.SetGCPercent(-1) // no automatic GC: garbage stays until lesson 5 asks for a collection

	// Lesson 1: one goroutine parked in each way, then two that never park.
	mu.Lock()
	go receiver()
	go sender()
	go chooser()
	go locker()
	go sleeper()
	go dig(20) // 20 unoptimized calls: more than a new goroutine's 2 KiB stack holds
	settle(7)
	var started sync.WaitGroup
	started.Add(2)
	go spinner(&started)
	go spinner(&started)
	started.Wait() // both spinners have run; now they take turns with main
	fmt.Println("lesson 1: goroutines parked every way")
	lesson(1)

	// Lesson 2: wake the receiver, stop the spinners.
	inbox <- 42
	stop.Store(true)
	settle(6)
	fmt.Println("lesson 2: the receiver woken")
	lesson(2)

	// Lesson 3: the digger goes 3000 calls deeper: far more than its stack holds.
	deeper <- 3000
	settle(6)
	fmt.Println("lesson 3: a deep stack")
	lesson(3)

	// Lesson 4: two mirrors lose the race and leak.
	fmt.Println("first answer from", firstAnswer())
	settle(8)
	fmt.Println("lesson 4: a leak")
	lesson(4)

	// Lesson 5: garbage, and nobody collects it.
	makeGarbage()
	fmt.Println("lesson 5: garbage")
	lesson(5)

	// The end (the notebook detaches before it). Calling debug.FreeOSMemory here also
	// links it into the program: memwatch gc calls it from the debugger.
	mu.Unlock()
	fmt.Println("main got", <-outbox)
	debug.FreeOSMemory()
}
